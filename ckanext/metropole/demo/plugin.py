import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import portal


@tk.blanket.config_declarations
class DemoPlugin(p.SingletonPlugin):
    """metropole_demo: serves the demo commune portals (development only)."""

    p.implements(p.IBlueprint)

    required_plugins = ()  # serves files; loading the demo (a CLI command) uses the whole bundle

    def get_blueprint(self):
        return portal.blueprint
