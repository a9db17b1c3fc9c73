#!/usr/bin/env bash
# Demo content of Clermont Auvergne Métropole: datasets with their files (demo/datasets,
# demo/files) and a harvest job of an Opendatasoft-shaped commune portal (demo/harvest,
# demo/portals). Idempotent; `ckan metropole demo remove` takes it all away.
set -euo pipefail
"$CKAN" -c "$CKAN_INI" metropole demo load
