import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .. import cli
from . import validators, views


ORG_SCHEMA = "ckanext.metropole:schemas/organization.yaml"


class CommunesPlugin(p.SingletonPlugin):
    """metropole_communes: commune organisations built from official reference data."""

    p.implements(p.IConfigurer)
    p.implements(p.IValidators)
    p.implements(p.IClick)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)

    def update_config(self, config):
        tk.add_template_directory(config, "templates")
        # scheming_organizations reads its option before our update_config runs: it must be
        # in the ini. Refuse to start without it rather than store communes without identity.
        if ORG_SCHEMA not in config.get("scheming.organization_schemas", "").split():
            raise RuntimeError(f"metropole_communes: set scheming.organization_schemas = {ORG_SCHEMA} "
                               "in the CKAN configuration (and enable scheming_organizations)")

    def get_validators(self):
        return validators.get_validators()

    def get_commands(self):
        return cli.get_commands()

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return views.get_helpers()
