import ckan.plugins as p
import ckan.plugins.toolkit as tk

from . import branding, home, participation, translations
from ..resources import Translation, require_plugins
from .logic import action, auth


@tk.blanket.config_declarations
class ThemePlugin(p.SingletonPlugin, Translation):
    """metropole_theme: métropole branding, French portal pages, participation figures."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IBlueprint)
    p.implements(p.ITranslation)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)

    def update_config(self, config):
        # pages built on the territory (metropole_communes) and the themes (metropole_dataset)
        require_plugins("metropole_theme", "metropole_communes", "metropole_dataset")
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    def configure(self, config):
        branding.check(config)  # refuse to start on a bad identity, naming the key

    def get_helpers(self):
        return {"metropole_identity": branding.identity, "metropole_home": home.data,
                "humanize_entity_type": tk.chained_helper(translations.humanize_entity_type)}

    def get_blueprint(self):
        return participation.blueprint

    def get_actions(self):
        return action.get_actions()

    def get_auth_functions(self):
        return auth.get_auth_functions()
