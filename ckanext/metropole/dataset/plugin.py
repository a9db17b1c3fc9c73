import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk

from .. import cache, pagecache
from ..resources import config_dir, require_in_option, require_plugins
from . import catalogue, groups, hvd, indexing, quality, records, validators, vocabularies
from .logic import action, auth

DATASET_SCHEMA = "ckanext.metropole:schemas/dataset.yaml"
# data services and dataset series: records of their own types (dataset/records.py)
RECORD_SCHEMAS = (
    "ckanext.metropole:schemas/dataservice.yaml",
    "ckanext.metropole:schemas/dataset_series.yaml",
)


def quality_of(pkg: dict) -> dict | None:
    """Template helper: the dataset's metadata quality, through the action."""
    try:
        return tk.get_action("metropole_quality_show")({}, {"id": pkg["id"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


def organisation_quality_of(org: dict) -> dict | None:
    """Template helper: an organisation's metadata quality (its public datasets), through the
    action."""
    try:
        return tk.get_action("metropole_quality_show")({}, {"organization": org["name"]})
    except (tk.ObjectNotFound, tk.NotAuthorized):
        return None


@tk.blanket.config_declarations
class DatasetPlugin(p.SingletonPlugin):
    """metropole_dataset: the French themed dataset schema, French search and DCAT-AP."""

    p.implements(p.IConfigurer)
    p.implements(p.IValidators)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IFacets, inherit=True)
    p.implements(p.IPackageController, inherit=True)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IOrganizationController, inherit=True)
    p.implements(p.IMiddleware, inherit=True)

    # the schema (scheming_datasets): its communes field reads the territory through
    # metropole_communes' actions, its links are checked by metropole_security's
    # metropole_safe_url and its lengths by the limits that plugin declares; ckanext-dcat's
    # catalogue and dataset documents are chained (catalogue.py)
    required_plugins = ("metropole_communes", "scheming_datasets", "metropole_security", "dcat")

    # IConfigurer
    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")  # the metadata quality snippet
        if not config.get("licenses_group_url"):
            config["licenses_group_url"] = (config_dir() / "licenses.json").resolve().as_uri()
        for schema in (DATASET_SCHEMA, *RECORD_SCHEMAS):
            require_in_option(
                config, "scheming.dataset_schemas", schema, "metropole_dataset", "scheming_datasets"
            )

    def get_validators(self):
        return {**validators.get_validators(), **records.get_validators()}

    def get_helpers(self):
        return {
            "metropole_theme_choices": vocabularies.theme_choices,
            "metropole_frequency_choices": vocabularies.frequency_choices,
            "metropole_table_schema_choices": vocabularies.table_schema_choices,
            "metropole_commune_choices": vocabularies.commune_choices,
            "metropole_hvd_category_choices": hvd.category_choices,
            "metropole_default_license": vocabularies.default_license,
            "metropole_theme_labels": vocabularies.theme_labels_shown,
            "metropole_commune_names": vocabularies.commune_names,
            "metropole_quality": quality_of,
            "metropole_series_of": records.series_of,
            "metropole_series_members": records.members_of,
            "metropole_services_of": records.services_of,
            "metropole_served_datasets": records.datasets_of,
            "metropole_organisation_quality": organisation_quality_of,
        }

    # IFacets
    def dataset_facets(self, facets_dict, package_type):
        return indexing.facets()

    def organization_facets(self, facets_dict, organization_type, package_type):
        return indexing.facets()

    def group_facets(self, facets_dict, group_type, package_type):
        return indexing.facets()

    # IPackageController
    def before_dataset_index(self, pkg_dict):
        pkg_dict = records.index_fields(pkg_dict)
        return quality.index_fields(catalogue.index_fields(indexing.before_index(pkg_dict)))

    def before_dataset_search(self, search_params):
        return records.datasets_only_by_default(search_params)

    def after_dataset_search(self, search_results, search_params):
        return indexing.label_facets(search_results)

    def after_dataset_create(self, context, pkg_dict):
        if pkg_dict.get("type", "dataset") == "dataset":
            groups.sync_memberships(pkg_dict["id"], pkg_dict.get("theme"))

    def after_dataset_update(self, context, pkg_dict):
        if pkg_dict.get("type", "dataset") == "dataset":
            groups.sync_memberships(pkg_dict["id"], pkg_dict.get("theme"))

    # IActions: ckanext-dcat's catalogue and dataset documents, chained (dataset/catalogue.py),
    # and the theme groups' sync (dataset/logic)
    def get_actions(self):
        return {
            **catalogue.get_actions(),
            "metropole_quality_show": quality.quality_show,
            **action.get_actions(),
        }

    def get_auth_functions(self):
        return {"metropole_quality_show": quality.quality_show_auth, **auth.get_auth_functions()}

    # IMiddleware
    def make_middleware(self, app, config):
        if hasattr(app, "after_request"):
            app.after_request(catalogue.utf8_charset)
            pagecache.install(app)
        return app

    # IOrganizationController (and IPackageController, whose hooks share these names): the
    # pages and their figures (burst.py, pagecache.py) are stale on any write, the commune names
    # cached for facet labels and the organisations cached for indexing on an organisation's
    # only (a harvest keeps them across its datasets): at once in this process, within
    # cache.CHECK_SECONDS in the others (cache.py).
    def create(self, entity):
        _writes_seen(entity)

    def edit(self, entity):
        _writes_seen(entity)

    def delete(self, entity):
        _writes_seen(entity)


def _writes_seen(entity) -> None:
    cache.written(organisation=not isinstance(entity, model.Package))
