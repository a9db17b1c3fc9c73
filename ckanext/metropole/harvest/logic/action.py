"""ckanext-harvest's actions, chained: a job's warnings (a short listing, notes on datasets
that landed) are in the API beside its errors, never counted among them; every stored harvest
message reads in the reader's language; a harvest source's refused configuration is explained
in the reader's language.

Our harvester stores its errors and warnings as messages (an English msgid and its parameters,
ckanext/metropole/messages.py), written by a queue consumer that knows nobody's language.
ckanext-harvest's pages (``source/job/read.html``, ``snippets/job_error_summary.html``), its
e-mails and the API all read them through the job actions below: translating their answers is
the one place where a message meets its reader, without replacing ckanext-harvest's templates
or models. Texts stored before (French prose) are returned unchanged."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ...messages import display_all
from .. import pipeline
from ..commit import read_once, written_in_transaction


def _with_warnings(result: dict, job_id: str) -> dict:
    result["warnings"] = pipeline.job_warnings(job_id)
    return result


@tk.chained_action
@tk.side_effect_free
def harvest_job_show(up_func, context, data_dict):
    result = display_all(up_func(context, data_dict))
    return _with_warnings(result, result["id"])


@tk.chained_action
@tk.side_effect_free
def harvest_job_report(up_func, context, data_dict):
    # ckanext-harvest checks harvest_job_show only, although it declares this auth function
    tk.check_access("harvest_job_report", context, data_dict)
    return _with_warnings(display_all(up_func(context, data_dict)), tk.get_or_bust(data_dict, "id"))


@tk.chained_action
@tk.side_effect_free
def harvest_job_list(up_func, context, data_dict):
    return display_all(up_func(context, data_dict))


@tk.chained_action
@tk.side_effect_free
def harvest_object_show(up_func, context, data_dict):
    return display_all(up_func(context, data_dict))


@tk.chained_action
@tk.side_effect_free
def harvest_source_show_status(up_func, context, data_dict):
    # the source's page and harvest_source_show (ckanext-harvest adds this status to it)
    return display_all(up_func(context, data_dict))


# ckanext-harvest prefixes what a harvester's validate_config raised with this English text,
# outside any gettext call (logic/validators.py), so no catalogue can translate it.
CONFIG_ERROR_PREFIX = "Error parsing the configuration options: "


def _readable_config_errors(error: tk.ValidationError) -> None:
    messages = error.error_dict.get("config")
    if isinstance(messages, list):
        error.error_dict["config"] = [
            tk._("The configuration cannot be used: {reason}").format(reason=m[len(CONFIG_ERROR_PREFIX) :])
            if isinstance(m, str) and m.startswith(CONFIG_ERROR_PREFIX)
            else m
            for m in messages
        ]


# A harvest source is a dataset of type "harvest": the form and harvest_source_create/update/
# patch all end in package_create / package_update, both chained with this one function.
@tk.chained_action
def with_readable_config_errors(up_func, context, data_dict):
    try:
        return up_func(context, data_dict)
    except tk.ValidationError as e:
        _readable_config_errors(e)
        raise


# A dataset written in the still-uncommitted transaction of an import batch (CKAN's
# defer_commit) is not in the search index yet, or only as it was before: package_show's first
# step, a Solr lookup of its cached copy, is skipped for it (the activity stream's snapshot of
# each new harvested dataset asked Solr for it in vain), and its dictization is shared by the
# batch's two reads of it (commit.read_once; bench/PROFILE.md).
@tk.chained_action
@tk.side_effect_free
def package_show(up_func, context, data_dict):
    pkg = written_in_transaction(data_dict.get("id") or data_dict.get("name_or_id"))
    if pkg is None:
        return up_func(context, data_dict)
    context["use_cache"] = False
    shown = read_once(up_func, context, data_dict, pkg)
    return up_func(context, data_dict) if shown is None else shown


def get_actions() -> dict:
    return {
        "harvest_job_show": harvest_job_show,
        "harvest_job_report": harvest_job_report,
        "harvest_job_list": harvest_job_list,
        "harvest_object_show": harvest_object_show,
        "harvest_source_show_status": harvest_source_show_status,
        "package_create": with_readable_config_errors,
        "package_update": with_readable_config_errors,
        "package_show": package_show,
    }
