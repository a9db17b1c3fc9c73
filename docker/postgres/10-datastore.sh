#!/bin/bash
# Run once by the postgres image on a new volume (/docker-entrypoint-initdb.d): the DataStore
# database, owned by the CKAN user, and the role that can only read it. The grants themselves
# are CKAN's (`ckan datastore set-permissions`, applied by the web container at start).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres <<SQL
CREATE ROLE ${DATASTORE_RO_USER:-datastore_ro} LOGIN PASSWORD '${DATASTORE_RO_PASSWORD:?set DATASTORE_RO_PASSWORD}';
CREATE DATABASE ${DATASTORE_DB:-datastore} OWNER ${POSTGRES_USER} ENCODING 'UTF8';
SQL
