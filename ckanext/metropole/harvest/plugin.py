import ckan.plugins as p
import ckan.plugins.toolkit as tk


@tk.blanket.config_declarations
class HarvesterPlugin(p.SingletonPlugin):
    """metropole_harvester: the intercommunal harvester on ckanext-harvest.

    Wiring only; protocol adapters and the shared pipeline live in this folder.
    """
