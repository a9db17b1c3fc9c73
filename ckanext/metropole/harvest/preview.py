"""A source's preview: what a harvest of it would do, before anything is saved (issue #24).

The protocol is detected, the listing read and each dataset mapped and checked by the dataset
schema exactly as gather and import would, within ckanext.metropole.harvest.preview_deadline;
nothing is written: no harvest job or object, no dataset, no index document, no queue message
(only reads of the database: the source's current objects, names already taken, the schema's
validators). A listing cut by the deadline gives what was read, and says so.
"""

from __future__ import annotations

import logging
import time
from collections import Counter

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins.toolkit as tk

from ..dataset import vocabularies as v
from ..messages import N_, of
from . import mapping, sourceconfig
from .errors import HarvestError
from .http import Client
from .model import Listing
from .pipeline import screening
from .pipeline.diff import previous_objects
from .pipeline.importing import ESSENTIAL
from .protocols import ADAPTERS, detect

log = logging.getLogger(__name__)

SOURCE_TYPE = "intercommunal"


def preview(
    context: dict, url: str, config_text: str | None, owner: dict | None, source_id: str | None
) -> dict:
    """What a harvest of ``url`` would do; ``source_id``: an existing source (its current
    datasets are compared: updated, unchanged, withdrawn), ``owner``: the receiving commune."""
    limit = max(1, int(tk.config.get("ckanext.metropole.harvest.preview_items")))
    seconds = int(tk.config.get("ckanext.metropole.harvest.preview_deadline"))
    start = time.monotonic()
    deadline = start + seconds
    config = sourceconfig.parse(config_text)  # ValueError: the caller says it on the config field
    owner = owner or {"id": None, "name": "", "title": "", "insee_code": None}
    previous = previous_objects(source_id) if source_id else {}
    result = {
        "protocol": None,
        "announced": None,
        "read": 0,
        "complete": False,
        "stopped": None,
        "error": None,
        "notes": [],  # what gather would say of the whole job (a short listing, a refused withdrawal)
        "created": _List(limit),
        "updated": _List(limit),
        "unchanged": 0,
        "withdrawn": _List(limit),
        "refused": _List(limit),
        "licenses": Counter(),
        "themes": Counter(),
        "deadline": seconds,
    }
    listing = Listing()
    seen: set[str] = set()
    try:
        client = Client(deadline=deadline)
        adapter = ADAPTERS[config.protocol] if config.protocol != "auto" else detect(client, url)
        result["protocol"] = adapter.NAME
        for remote in adapter.datasets(client, url, config, listing):
            if time.monotonic() > deadline:
                raise HarvestError(
                    N_(
                        "The preview's deadline ({seconds} s) was reached: what was read so far is shown.",
                        seconds=seconds,
                    ),
                    code=HarvestError.DEADLINE,
                )
            if remote.remote_id in seen:
                continue
            seen.add(remote.remote_id)
            _one(context, result, remote, owner, url, config, previous.get(remote.remote_id), source_id)
    except (HarvestError, ValueError) as e:
        if getattr(e, "code", None) == HarvestError.DEADLINE:
            result["stopped"] = str(of(e))
        else:
            result["error"] = str(of(e))
    except Exception as e:  # a bug, or a parser meeting an answer nested too deeply: said, no 500
        log.exception("preview of %s", url)
        result["error"] = str(
            N_(
                "Unexpected error ({type}), nothing was changed or withdrawn: {error}",
                type=type(e).__name__,
                error=str(e)[:300],
            )
        )
    finally:
        model.Session.rollback()  # reads only: nothing of the session's is kept
    result["announced"] = listing.announced
    result["read"] = listing.read
    for message in listing.refused:
        result["refused"].add({"name": "", "title": "", "reasons": [str(message)]})
    result["complete"] = listing.complete and not result["stopped"] and not result["error"]
    if result["complete"]:
        _withdrawals(result, previous, seen, config)
    elif not result["stopped"] and not result["error"] and listing.announced:
        result["notes"].append(
            str(
                N_(
                    "Incomplete listing: the source announces {announced} datasets, {read} read. The "
                    "datasets read are imported; no dataset is withdrawn until the listing is complete.",
                    announced=listing.announced,
                    read=listing.read,
                )
            )
        )
    result["elapsed"] = round(time.monotonic() - start, 1)
    return _as_dict(result)


def _withdrawals(result: dict, previous: dict, seen: set, config) -> None:
    """As gather decides (diff.settle): the datasets gone from a complete listing, unless their
    share exceeds max_withdrawal_ratio."""
    active = [pid for (_, pid, state, _) in previous.values() if pid and state == "active"]
    gone = [
        package_id
        for guid, (_, package_id, state, _) in previous.items()
        if guid not in seen and package_id and state == "active"
    ]
    share = len(gone) / len(active) if active else 0.0
    if gone and share > config.max_withdrawal_ratio:
        result["notes"].append(
            str(
                N_(
                    "Withdrawal refused: {gone} datasets of {active} ({share:.0%}) have vanished from the "
                    "source, beyond the threshold of {threshold:.0%} (max_withdrawal_ratio). Nothing was "
                    "withdrawn: check the source.",
                    gone=len(gone),
                    active=len(active),
                    share=share,
                    threshold=config.max_withdrawal_ratio,
                )
            )
        )
        return
    for package_id in gone:
        pkg = model.Package.get(package_id)
        result["withdrawn"].add({"name": pkg.name, "title": pkg.title})


def _one(context, result, remote, owner, portal, config, old, source_id) -> None:
    # as gather prepares it: text repaired, bounds applied, a record that cannot be read refused alone
    mapped = screening.prepare(remote, owner, portal, config, alone := Listing())
    if mapped is None:
        result["refused"].add({"name": "", "title": remote.title, "reasons": [str(m) for m in alone.refused]})
        return
    dataset = mapped.dataset
    warnings = [str(n) for n in mapped.notes]
    reasons = _schema_errors(context, dataset, old, source_id)
    item = {"name": dataset["name"], "title": dataset["title"], "warnings": warnings}
    if reasons is None:
        item["reasons"] = []
    elif any(key in ESSENTIAL for key in reasons):
        item["reasons"] = [_reason(k, v) for k, v in reasons.items()]
        result["refused"].add(item)
        return
    else:  # a secondary field refused: dropped at import, the dataset lands
        item["warnings"].append(str(N_("invalid field(s) ignored: {details}", details=", ".join(reasons))))
    result["licenses"][dataset["license_id"]] += 1
    for theme in dataset["theme"]:
        result["themes"][theme] += 1
    if old is None or not old[1]:
        result["created"].add(item)
    elif old[3] == mapping.content_hash(dataset) and old[2] == "active":
        result["unchanged"] += 1
    else:
        result["updated"].add(item)


def _reason(field: str, errors) -> str:
    return str(
        N_(
            "{field}: {errors}",
            field=field,
            errors=", ".join(map(str, errors)) if isinstance(errors, list) else str(errors),
        )
    )


def _schema_errors(context, dataset, old, source_id) -> dict | None:
    """The dataset schema's errors on ``dataset`` as package_create or package_update would
    find them (validation only), and a name taken by a dataset of another source."""
    package_id = old[1] if old else None
    taken = model.Package.get(dataset["name"]) if not package_id else None
    if taken is not None and not _from_source(taken.id, source_id):
        return {"name": [str(N_("already taken by a dataset that does not come from this source"))]}
    # as package_create / package_update complete it before validating
    data = {"type": "dataset", **dataset, **({"id": package_id} if package_id else {})}
    plugin = lib_plugins.lookup_package_plugin("dataset")
    action = "package_update" if package_id else "package_create"
    schema = plugin.update_package_schema() if package_id else plugin.create_package_schema()
    ctx = {"model": model, "session": model.Session, "user": context["user"], "ignore_auth": True}
    if package_id:
        ctx["package"] = model.Package.get(package_id)
    _, errors = lib_plugins.plugin_validate(plugin, ctx, data, schema, action)
    if not dataset.get("owner_org"):
        errors.pop("owner_org", None)  # no commune chosen yet: said on the form, not here
    return errors or None


def _from_source(package_id: str, source_id: str | None) -> bool:
    if not source_id:
        return False
    from ckanext.harvest.model import HarvestObject

    return (
        model.Session.query(HarvestObject.id)
        .filter(HarvestObject.package_id == package_id, HarvestObject.harvest_source_id == source_id)
        .first()
        is not None
    )


class _List:
    """The first ``limit`` items of a list, and how many there are in all."""

    def __init__(self, limit: int):
        self.limit, self.count, self.items = limit, 0, []

    def add(self, item: dict) -> None:
        self.count += 1
        if len(self.items) < self.limit:
            self.items.append(item)


def _as_dict(result: dict) -> dict:
    out = {}
    for key, value in result.items():
        if isinstance(value, _List):
            out[key] = {"count": value.count, "items": value.items}
        elif key == "licenses":
            titles = v.license_ids()
            out[key] = [
                {"id": k, "title": titles.get(k, {}).get("title", k), "count": n}
                for k, n in value.most_common()
            ]
        elif key == "themes":
            labels = v.theme_labels_shown()
            out[key] = [{"id": k, "title": labels.get(k, k), "count": n} for k, n in value.most_common()]
        else:
            out[key] = value
    return out
