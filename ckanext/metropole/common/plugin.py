import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .. import cli
from ..resources import require_in_option, require_plugins
from . import jobs, logic, views


@tk.blanket.config_declarations
class CommonDatasetsPlugin(p.SingletonPlugin):
    """metropole_common: common datasets validated per commune and consolidated by the métropole."""

    p.implements(p.IConfigurer)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IClick)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IResourceController, inherit=True)

    # communes' files name their common schema in the dataset schema's conforms_to; the
    # consolidations are datasets of that schema, owned by the métropole (metropole_communes)
    required_plugins = ("metropole_dataset", "metropole_communes")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")
        # Communes' files are found by the conforms_to of their resources, a Solr field that
        # CKAN fills only for the resource fields listed here: refuse to start without it.
        require_in_option(config, "ckan.extra_resource_fields", "conforms_to", "metropole_common")

    def get_actions(self):
        return logic.get_actions()

    def get_auth_functions(self):
        return logic.get_auth_functions()

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return views.get_helpers()

    def get_commands(self):
        return cli.get_commands()

    # IPackageController: every write of a dataset (resource_create/update and harvests alike go
    # through package_create/update) whose files name a common schema queues one job that
    # validates the files that changed. Our own report writes and the consolidations are skipped.
    def after_dataset_create(self, context, pkg_dict):
        self._maybe_validate(context, pkg_dict)

    def after_dataset_update(self, context, pkg_dict):
        self._maybe_validate(context, pkg_dict)

    def after_dataset_delete(self, context, pkg_dict):
        # A deleted commune dataset leaves the consolidations it fed (found from the deleted
        # dataset, which CKAN keeps).
        if not context.get("metropole_common_report"):
            jobs.enqueue_forget(pkg_dict["id"])

    @staticmethod
    def _maybe_validate(context, pkg_dict):
        if context.get("metropole_common_report") or jobs.is_consolidated(pkg_dict):
            return
        if any(jobs.concerns(r) for r in pkg_dict.get("resources") or []):
            jobs.enqueue_package_validation(pkg_dict["id"])

    # IResourceController: a deleted file leaves its consolidation.
    def before_resource_delete(self, context, resource, resources):
        common = next(
            (
                jobs.catalogue.resolve(r.get("conforms_to") or "")
                for r in resources
                if r.get("id") == resource.get("id")
            ),
            None,
        )
        if common:
            jobs.enqueue_consolidation(common.id)
