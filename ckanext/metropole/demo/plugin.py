import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import portal


@tk.blanket.config_declarations
class DemoPlugin(p.SingletonPlugin):
    """metropole_demo: serves the demo commune portals (development only)."""

    p.implements(p.IBlueprint)

    def get_blueprint(self):
        return portal.blueprint
