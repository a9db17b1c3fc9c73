import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.logic import clear_validators_cache

from ..resources import Translation, require_plugins
from . import accessibility, branding, dataset_page, home, maps, participation, resource_pages, translations
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
    p.implements(p.IValidators)
    p.implements(p.IPluginObserver, inherit=True)

    # pages built on the territory (metropole_communes), the themes and quality (metropole_dataset);
    # the dataset page links its DCAT documents (dcat) and shows its extent (spatial_metadata's map)
    required_plugins = ("metropole_communes", "metropole_dataset", "dcat", "spatial_metadata")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")
        tk.add_public_directory(config, "public")

    def configure(self, config):
        branding.check(config)  # refuse to start on a bad identity, naming the key

    def get_helpers(self):
        return {
            "metropole_identity": branding.identity,
            "metropole_home": home.data,
            "metropole_map_extent": dataset_page.map_extent,
            "metropole_first_preview": dataset_page.first_preview,
            "humanize_entity_type": tk.chained_helper(translations.humanize_entity_type),
            "metropole_resource_page": resource_pages.resource_page,
            "metropole_resource_window": resource_pages.resource_window,
            **maps.helpers(),
        }

    def get_blueprint(self):
        return [participation.blueprint, accessibility.blueprint]

    def get_actions(self):
        return action.get_actions()

    def get_auth_functions(self):
        return auth.get_auth_functions()

    def after_load(self, service):
        # CKAN validates the declared options with the validator registry, a cache built on
        # first use: a plugin loaded before this one that asks for a validator at import fills
        # it without ours, and CKAN 2.11 only empties it after validating (ckan/ckan#7614
        # proposes emptying it before). Emptied once this plugin is loaded, the registry is
        # rebuilt with metropole_wcag_color when the declarations are validated.
        if service is self:
            clear_validators_cache()

    def get_validators(self):
        # used by config_declaration.yaml: the colours are checked when CKAN validates its options
        return {"metropole_wcag_color": branding.wcag_color}
