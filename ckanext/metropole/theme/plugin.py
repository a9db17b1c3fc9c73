import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.plugins import DefaultTranslation

from . import branding, home, participation


@tk.blanket.config_declarations
class ThemePlugin(p.SingletonPlugin, DefaultTranslation):
    """metropole_theme: métropole branding, French portal pages, participation figures."""

    p.implements(p.IConfigurer)
    p.implements(p.IConfigurable)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IBlueprint)
    p.implements(p.ITranslation)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    def configure(self, config):
        branding.check(config)  # refuse to start on a bad identity, naming the key

    def get_helpers(self):
        return {"metropole_identity": branding.identity, "metropole_home": home.data}

    def get_blueprint(self):
        return participation.blueprint

    def i18n_domain(self):
        return "ckanext-metropole"  # theme/i18n/fr/LC_MESSAGES/ckanext-metropole.mo
