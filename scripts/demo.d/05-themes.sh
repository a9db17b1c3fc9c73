#!/usr/bin/env bash
# The 13 theme groups (kept in step with each dataset's theme).
set -euo pipefail
"$CKAN" -c "$CKAN_INI" metropole themes sync
