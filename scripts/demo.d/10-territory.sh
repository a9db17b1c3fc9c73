#!/usr/bin/env bash
# Demo territory: Clermont Auvergne Métropole (EPCI 246300701) and its 21 communes.
set -euo pipefail
"$CKAN" -c "$CKAN_INI" metropole territory load --epci 246300701
