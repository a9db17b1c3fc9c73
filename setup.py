# Everything is in pyproject.toml (PEP 621); this shim keeps `python setup.py ...` and tools
# that look for setup.py working, as ckanext-dcat does.
from setuptools import setup

setup()
