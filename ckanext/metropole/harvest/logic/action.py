"""ckanext-harvest's job actions, chained so that a job's warnings (a short listing, notes on
datasets that landed) are in the API beside its errors, never counted among them."""
from __future__ import annotations

import ckan.plugins.toolkit as tk

from .. import pipeline


def _with_warnings(result: dict, job_id: str) -> dict:
    result["warnings"] = pipeline.job_warnings(job_id)
    return result


@tk.chained_action
@tk.side_effect_free
def harvest_job_show(up_func, context, data_dict):
    result = up_func(context, data_dict)
    return _with_warnings(result, result["id"])


@tk.chained_action
@tk.side_effect_free
def harvest_job_report(up_func, context, data_dict):
    # ckanext-harvest checks harvest_job_show only, although it declares this auth function
    tk.check_access("harvest_job_report", context, data_dict)
    return _with_warnings(up_func(context, data_dict), tk.get_or_bust(data_dict, "id"))


def get_actions() -> dict:
    return {"harvest_job_show": harvest_job_show, "harvest_job_report": harvest_job_report}
