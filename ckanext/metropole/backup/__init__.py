"""Backups of a portal: both databases, the file store and a manifest (``ckan metropole backup``)."""
