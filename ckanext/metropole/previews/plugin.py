import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.xloader.interfaces import IXloader

from ..resources import Translation, require_plugins
from . import api_doc, chart, header_check, load_status, logic, points, views


@tk.blanket.config_declarations
class PreviewsPlugin(p.SingletonPlugin, Translation):
    """metropole_previews: DataStore load status and records API on the resource page."""

    p.implements(p.IConfigurer)
    p.implements(p.IActions)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IBlueprint)
    p.implements(p.ITranslation)
    p.implements(IXloader, inherit=True)

    # the load status and header check are xloader's; the records API and tables the DataStore's
    required_plugins = ("xloader", "datastore")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")
        tk.add_resource("assets", "metropole_previews")
        load_status.default_jobs_db(config)

    def get_actions(self):
        return logic.get_actions()

    def get_helpers(self):
        return {
            "metropole_load_status": load_status.for_resource,
            "metropole_records_api": api_doc.for_resource,
        }

    def get_blueprint(self):
        return views.blueprint

    def datastore_before_update(self, resource_id, existing_fields, new_headers):
        header_check.before_update(resource_id, new_headers)


class ChartViewPlugin(p.SingletonPlugin):
    """metropole_chart_view: bars of a numeric column of a DataStore table (see chart.py)."""

    p.implements(p.IConfigurer)
    p.implements(p.IResourceView)

    required_plugins = ("metropole_previews",)  # its templates and its table reading

    def update_config(self, config):
        require_plugins(self)

    def info(self):
        ignore_missing = tk.get_validator("ignore_missing")
        unicode_safe = tk.get_validator("unicode_safe")
        return {
            "name": "metropole_chart_view",
            "title": tk._("Chart"),
            "icon": "chart-bar",
            "default_title": tk._("Chart"),
            "requires_datastore": True,
            "iframed": False,
            "schema": {
                "label_field": [ignore_missing, unicode_safe],
                "value_field": [ignore_missing, unicode_safe],
            },
        }

    def can_view(self, data_dict):
        return chart.can_view(data_dict["resource"])

    def setup_template_variables(self, context, data_dict):
        view = data_dict["resource_view"]
        return {"chart": chart.data(data_dict["resource"]["id"], view, {"user": context.get("user")})}

    def view_template(self, context, data_dict):
        return "previews/chart_view.html"

    def form_template(self, context, data_dict):
        return "previews/chart_form.html"


class PointsMapViewPlugin(p.SingletonPlugin):
    """metropole_points_view: a table with coordinates on ckanext-geoview's Leaflet map."""

    p.implements(p.IConfigurer)
    p.implements(p.IResourceView)

    # the points' GeoJSON route (metropole_previews), drawn by ckanext-geoview's GeoJSON map
    required_plugins = ("metropole_previews", "geojson_view")

    def update_config(self, config):
        require_plugins(self)

    def info(self):
        return {
            "name": "metropole_points_view",
            "title": tk._("Map"),
            "icon": "map-marker",
            "default_title": tk._("Map"),
            "requires_datastore": True,
            "iframed": True,
        }

    def can_view(self, data_dict):
        return points.can_view(data_dict["resource"])

    def setup_template_variables(self, context, data_dict):
        # geoview's GeoJSON map reads the resource's url: point it at the table's points
        resource = data_dict["resource"]
        resource["url"] = tk.url_for(
            "metropole_previews.points_geojson",
            id=resource["package_id"],
            resource_id=resource["id"],
            qualified=True,
        )
        resource["format"] = "GeoJSON"
        return {}

    def view_template(self, context, data_dict):
        return "dataviewer/geojson.html"
