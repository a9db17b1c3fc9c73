"""harvest_jobs_run (`ckan harvester run`), chained: before ckanext-harvest's round, imports
of dead consumers are put back in the queue and jobs past their deadline ended
(pipeline/recovery.py); after it, the jobs of ours that ended are reported by mail (notify.py)
and the English timeout message ckanext-harvest stores is replaced by ours."""

from __future__ import annotations

import logging

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.harvest.model import HarvestGatherError, HarvestJob

from ...messages import N_, stored
from .. import notify
from ..pipeline import recovery

log = logging.getLogger(__name__)


def _readable_timeout(job: HarvestJob) -> None:
    # ckanext-harvest's own text ("Job <id> timeout (<n> minutes)…"), outside any catalogue
    for error in model.Session.query(HarvestGatherError).filter(HarvestGatherError.harvest_job_id == job.id):
        if error.message.startswith(f"Job {job.id} timeout"):
            error.message = stored(
                N_(
                    "The job had no activity for {minutes} minutes (ckan.harvest.timeout) and was ended: a "
                    "harvest consumer stopped or is stuck. Nothing more was imported or withdrawn.",
                    minutes=tk.config.get("ckan.harvest.timeout"),
                )
            )
    model.Session.commit()


@tk.chained_action
def harvest_jobs_run(up_func, context, data_dict):
    tk.check_access("harvest_jobs_run", context, data_dict)
    source_id = data_dict.get("source_id")
    running = {job.id for job in recovery.running_jobs(source_id)}
    recovery.before_jobs_run(source_id)
    result = up_func(context, data_dict)
    model.Session.expire_all()
    for job_id in running:
        job = HarvestJob.get(job_id)
        if job is None or job.status != "Finished":
            continue
        try:
            _readable_timeout(job)
            notify.job_ended(job_id)
        except Exception:  # a report that cannot be made never fails the run
            model.Session.rollback()
            log.exception("harvest: report of job %s", job_id)
    return result
