import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckanext.harvest.harvesters.base import HarvesterBase
from ckanext.harvest.interfaces import IHarvester

from ..messages import N_
from ..resources import require_plugins
from . import patches, pipeline, sourceconfig, views
from .logic import action, jobs
from .logic import preview as preview_action


@tk.blanket.config_declarations
class HarvesterPlugin(HarvesterBase, p.SingletonPlugin):
    """metropole_harvester: the ``intercommunal`` harvest source type (ckanext-harvest)."""

    p.implements(IHarvester)
    p.implements(p.IConfigurable)
    p.implements(p.IConfigurer)
    p.implements(p.ITemplateHelpers)
    p.implements(p.IActions)
    p.implements(p.IAuthFunctions)
    p.implements(p.IBlueprint)

    # datasets are written in metropole_dataset's schema, into metropole_communes' organisations
    required_plugins = ("harvest", "metropole_dataset", "metropole_communes")

    def update_config(self, config):
        require_plugins(self)
        tk.add_template_directory(config, "templates")

    def configure(self, config):
        # nothing of CKAN's is replaced here: an import batch does it for its own duration
        # (patches.py); said at start-up when it cannot or must not
        patches.check_at_startup()

    def get_actions(self):
        return {
            **action.get_actions(),
            "harvest_jobs_run": jobs.harvest_jobs_run,
            "metropole_harvest_source_preview": preview_action.metropole_harvest_source_preview,
        }

    def get_auth_functions(self):
        return {"metropole_harvest_source_preview": preview_action.metropole_harvest_source_preview_auth}

    def get_blueprint(self):
        return views.blueprint

    def get_helpers(self):
        return {"metropole_harvest_job_warnings": pipeline.job_warnings}

    def info(self):
        return {
            "name": "intercommunal",
            # shown on the source form: in the reader's language (the portal's outside a request)
            "title": str(N_("A commune's portal (Opendatasoft, CKAN/DKAN, data.gouv.fr, DCAT, CSW)")),
            "description": str(
                N_(
                    "Harvests a commune's open data portal into the commune's organisation; the "
                    "protocol is recognised from the portal's address."
                )
            ),
            "form_config_interface": "Text",
        }

    def validate_config(self, config):
        # ValueError (a message, in the reader's language) is shown on the form's config field;
        # former key names are stored under their current ones
        return sourceconfig.normalise(config)

    def gather_stage(self, harvest_job):
        return pipeline.gather(self, harvest_job)

    def fetch_stage(self, harvest_object):
        return pipeline.fetch(harvest_object)

    def import_stage(self, harvest_object):
        return pipeline.import_object(harvest_object)
