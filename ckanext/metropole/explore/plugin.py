import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ..resources import Translation, require_plugins
from . import views


@tk.blanket.config_declarations
class ExplorePlugin(p.SingletonPlugin, Translation):
    """metropole_explore: Opendatasoft's Explore API v2.1 on the DataStore (/api/explore/v2.1/),
    and the export links of a resource's page."""

    p.implements(p.IConfigurer)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)
    p.implements(p.ITranslation)

    # the records are the DataStore's, read on its read-only connection
    required_plugins = ("datastore",)

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return {"metropole_explore_exports": views.export_links}
