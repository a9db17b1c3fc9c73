#!/usr/bin/env bash
# Common datasets ("jeux communs"): small files of five Clermont communes for two of them
# (public toilets, car parks), validated, then consolidated by the métropole (/jeux-communs).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)/common
for common in toilettes-publiques stationnement; do
    args=()
    for file in "$here/$common"/*.csv; do
        args+=("$(basename "$file" | cut -c1-5)=$file")
    done
    "$CKAN" -c "$CKAN_INI" metropole common publish "$common" "${args[@]}"
done
"$CKAN" -c "$CKAN_INI" metropole common consolidate toilettes-publiques stationnement
