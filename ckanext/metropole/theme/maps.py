"""The base map's credit (``ckanext.spatial.common_map.attribution``) in the reader's language.

ckanext-spatial's dataset map and ckanext-geoview's views read the base map's options from a
helper each and hand them to their JavaScript as they are: the credit set in the configuration
is an English msgid ("© OpenStreetMap contributors"), translated here by chaining those helpers
(a custom credit missing from the catalogue is shown as written)."""

from __future__ import annotations

import ckan.plugins as p
import ckan.plugins.toolkit as tk

# helper -> the plugin that provides it
MAP_HELPERS = {
    "get_common_map_config": "spatial_metadata",
    "get_common_map_config_geoviews": "geo_view",
    "get_common_map_config_geojson": "geojson_view",
    "get_common_map_config_wmts": "wmts_view",
    "get_common_map_config_shp": "shp_view",
}


def translated_attribution(next_helper):
    config = dict(next_helper())
    credit = config.get("attribution")
    if credit:
        config["attribution"] = tk._(credit)  # a variable: no msgid "attribution" for Babel to extract
    return config


def helpers() -> dict:
    """Chained helpers, for the map plugins enabled (CKAN refuses a chain without its helper)."""
    return {
        name: tk.chained_helper(translated_attribution)
        for name, plugin in MAP_HELPERS.items()
        if p.plugin_loaded(plugin)
    }
