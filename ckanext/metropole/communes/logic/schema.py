"""Parameters of the territory actions, validated by CKAN's navl like any action's."""

from __future__ import annotations

import ckan.plugins.toolkit as tk


def territory_show_schema() -> dict:
    v = tk.get_validator
    return {
        "name": [v("ignore_missing"), v("unicode_safe")],
        "include_datasets": [v("default")(False), v("boolean_validator")],
    }


def territory_load_schema() -> dict:
    v = tk.get_validator
    return {
        "epci": [v("ignore_missing"), v("unicode_safe")],
        "communes": [v("ignore_missing"), v("as_list"), v("list_of_strings")],
        "name": [v("ignore_missing"), v("unicode_safe")],
        "title": [v("ignore_missing"), v("unicode_safe")],
        "siren": [v("ignore_missing"), v("unicode_safe")],
        "dry_run": [v("default")(False), v("boolean_validator")],
    }
