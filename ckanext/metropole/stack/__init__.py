"""Local stack helpers: Solr configuration generated from the installed CKAN."""
