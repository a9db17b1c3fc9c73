"""``metropole_participation_show``: the figures of /participation, for the page, its CSV
and re-users. Built on ``metropole_territory_show`` (the communes capability's action)."""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ... import burst

# The threshold is the communes capability's fact; it travels here through this import of
# its reference module (data, not views).
from ...communes.reference import OPEN_DATA_THRESHOLD


@tk.side_effect_free
def participation_show(context, data_dict):
    """Which communes publish, against their open-data obligation.

    :returns: ``{open_data_threshold, communes: [{id, name, title, insee_code, siren,
        population, postal_codes, open_data_obligation, datasets, last_modified, territory,
        quality (average MQA score of its datasets, out of 405, or null), missing, waiting}],
        review: bool, totals: {communes, obliged, missing, contributing, waiting}}`` —
        ``missing``: the commune must open its data (``open_data_obligation``) and has no
        public dataset; ``waiting``: its datasets submitted and waiting for the métropole's
        review (null, and ``review`` false, when publication review is off or not installed)
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
        },
        "review": waiting is not None,
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
