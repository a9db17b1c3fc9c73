"""Common datasets ("jeux communs"): every commune publishes the same dataset to one table
schema; each file is validated, and the métropole consolidates the valid ones."""
