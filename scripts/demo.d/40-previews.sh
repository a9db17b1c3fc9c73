#!/usr/bin/env bash
# Demo of the data previews (metropole_previews, metropole_reuses): a car-park table (records
# API, table, map and chart views), a GeoJSON map, a published reuse. Needs the territory (10-).
set -euo pipefail
"$CKAN" -c "$CKAN_INI" metropole previews demo
