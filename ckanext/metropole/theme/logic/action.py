"""``metropole_participation_show``: the figures of /participation, for the page, its CSV
and re-users. Built on ``metropole_territory_show`` (the communes capability's action)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ... import burst

# The threshold is the communes capability's fact; it travels here through this import of
# its reference module (data, not views).
from ...communes.reference import OPEN_DATA_THRESHOLD
from ...dataset import hvd


@tk.side_effect_free
def participation_show(context, data_dict):
    """Which communes publish, against their open-data obligation.

    :returns: ``{open_data_threshold, communes: [{id, name, title, insee_code, siren,
        population, postal_codes, open_data_obligation, datasets, last_modified, territory,
        quality (average MQA score of its datasets, out of 405, or null), missing, waiting,
        hvd: [{category, label, datasets: [{name, title, lacking: [{id, label}]}]}],
        hvd_datasets, hvd_lacking}],
        review: bool, totals: {communes, obliged, missing, contributing, waiting, hvd,
        hvd_lacking}}`` —
        ``missing``: the commune must open its data (``open_data_obligation``) and has no
        public dataset; ``waiting``: its datasets submitted and waiting for the métropole's
        review (null, and ``review`` false, when publication review is off or not installed);
        ``hvd``: its high-value datasets (EU regulation 2023/138) by category, each with the
        obligations it does not meet (a licence compatible with CC BY 4.0, a bulk download,
        an API); ``totals.hvd``: the communes' HVD datasets, ``hvd_lacking``: those lacking one
    """
    tk.check_access("metropole_participation_show", context, data_dict)
    # Public figures only (public datasets, public organisations): the same for every caller,
    # computed once per burst of /participation (+ .csv) requests in this process (burst.py).
    return burst.cached("metropole_participation_show", lambda: _figures(context))


def _figures(context) -> dict:
    communes = []
    # the average metadata quality of each organisation (the dataset capability's action)
    qualities = tk.get_action("metropole_quality_show")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}, {"organizations": True}
    )["organizations"]
    waiting = _waiting_counts(context)
    high_value = hvd.by_organisation(context)
    for metro in tk.get_action("metropole_territory_show")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
        {"include_datasets": True},
    ):
        for c in metro["communes"]:
            communes.append(
                {
                    **c,
                    "territory": metro["title"],
                    "quality": qualities.get(c["name"], {}).get("average"),
                    "missing": c["open_data_obligation"] and not c["datasets"],
                    "waiting": None if waiting is None else waiting.get(c["name"], 0),
                    "hvd": high_value.get(c["name"], []),
                    **_hvd_counts(high_value.get(c["name"], [])),
                }
            )
    return {
        "open_data_threshold": OPEN_DATA_THRESHOLD,
        "communes": communes,
        "totals": {
            "communes": len(communes),
            "obliged": sum(1 for c in communes if c["open_data_obligation"]),
            "missing": sum(1 for c in communes if c["missing"]),
            "contributing": sum(1 for c in communes if c["datasets"]),
            "waiting": None if waiting is None else sum(c["waiting"] for c in communes),
            "hvd": sum(c["hvd_datasets"] for c in communes),
            "hvd_lacking": sum(c["hvd_lacking"] for c in communes),
        },
        "review": waiting is not None,
    }


def _hvd_counts(groups: list[dict]) -> dict:
    """A commune's HVD datasets and those lacking an obligation (a dataset of several
    categories counts once)."""
    datasets = {d["name"]: d for g in groups for d in g["datasets"]}
    return {
        "hvd_datasets": len(datasets),
        "hvd_lacking": sum(1 for d in datasets.values() if d["lacking"]),
    }


def _waiting_counts(context) -> dict | None:
    """Datasets waiting for review per organisation, from the review capability's action;
    None when review is switched off or its plugin is not loaded (the page then says nothing
    about review rather than "0 waiting")."""
    try:
        action = tk.get_action("metropole_review_waiting_counts")
    except KeyError:
        return None
    counts = action({"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")}, {})
    return counts["organizations"] if counts["enabled"] else None


def get_actions() -> dict:
    return {"metropole_participation_show": participation_show}
