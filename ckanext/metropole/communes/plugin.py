import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .. import cli
from ..resources import require_in_option, require_plugins
from . import geometry, validators, views
from .logic import action, auth

ORG_SCHEMA = "ckanext.metropole:schemas/organization.yaml"


class CommunesPlugin(p.SingletonPlugin):
    """metropole_communes: commune organisations built from official reference data."""

    p.implements(p.IConfigurer)
    p.implements(p.IValidators)
    p.implements(p.IClick)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)

    # the organisation schema (scheming_organizations) checks links with metropole_security's
    # metropole_safe_url; the territory maps draw on ckanext-spatial's map snippet
    required_plugins = ("scheming_organizations", "metropole_security", "spatial_metadata")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")
        # Without it communes would be stored without their identity: refuse to start.
        require_in_option(
            config,
            "scheming.organization_schemas",
            ORG_SCHEMA,
            "metropole_communes",
            "scheming_organizations",
        )

    def get_validators(self):
        return validators.get_validators()

    def get_commands(self):
        return cli.get_commands()

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return views.get_helpers()

    def get_actions(self):
        return {**action.get_actions(), "metropole_commune_geometry_show": geometry.commune_geometry_show}

    def get_auth_functions(self):
        return {
            **auth.get_auth_functions(),
            "metropole_commune_geometry_show": geometry.commune_geometry_show_auth,
        }
