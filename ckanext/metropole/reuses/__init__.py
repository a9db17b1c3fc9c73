"""Reuses ("Réutilisations"): applications, visualisations, articles built on the datasets."""
