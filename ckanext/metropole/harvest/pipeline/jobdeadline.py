"""A job's deadline (ckanext.metropole.harvest.job_deadline), counted from its creation: past
it, no more import of the job is made (batches.import_object) and `ckan harvester run` ends it
(recovery.py)."""

from __future__ import annotations

import datetime as dt

import ckan.plugins.toolkit as tk

from ...messages import N_


def passed(created: dt.datetime, now: dt.datetime | None = None) -> bool:
    seconds = tk.config.get("ckanext.metropole.harvest.job_deadline")
    return (now or dt.datetime.utcnow()) - created > dt.timedelta(seconds=seconds)


def message():
    return N_(
        "The job passed its deadline ({seconds} s, ckanext.metropole.harvest.job_deadline) before every "
        "dataset was imported: the imports still waiting were refused and nothing was withdrawn. The next "
        "harvest takes them up again.",
        seconds=tk.config.get("ckanext.metropole.harvest.job_deadline"),
    )
