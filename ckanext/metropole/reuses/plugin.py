import ckan.plugins as p
import ckan.plugins.toolkit as tk

from ..resources import require_in_option, require_plugins
from . import logic, views

REUSE_SCHEMA = "ckanext.metropole:schemas/reuse.yaml"


class ReusesPlugin(p.SingletonPlugin):
    """metropole_reuses: the ``reuse`` dataset type (schemas/reuse.yaml), its moderation and pages."""

    p.implements(p.IConfigurer)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IValidators)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IPackageController, inherit=True)

    # reuses are datasets of their own scheming schema, moderated by the métropole's
    # organisation (its kind comes from metropole_communes' organisation schema)
    required_plugins = ("scheming_datasets", "metropole_communes")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")
        require_in_option(
            config, "scheming.dataset_schemas", REUSE_SCHEMA, "metropole_reuses", "scheming_datasets"
        )

    def get_actions(self):
        return {
            "metropole_reuse_submit": logic.reuse_submit,
            "metropole_reuse_publish": logic.reuse_publish,
            "metropole_reuse_list": logic.reuse_list,
        }

    def get_auth_functions(self):
        return {
            "metropole_reuse_submit": logic.submit_auth,
            "metropole_reuse_publish": logic.publish_auth,
            "metropole_reuse_list": logic.list_auth,
        }

    def get_validators(self):
        return {"metropole_reuse_datasets": logic.datasets, "metropole_reuse_http_url": logic.http_url}

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return {"metropole_reuses": logic.published_reuses, "metropole_dataset_title": logic.dataset_title}

    def before_dataset_index(self, pkg_dict):
        return logic.index_datasets(pkg_dict)

    def before_dataset_search(self, search_params):
        return logic.datasets_only_by_default(search_params)
