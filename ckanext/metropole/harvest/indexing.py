"""Search indexing during a harvest import: once per dataset, without a Solr commit each time.

CKAN indexes a dataset from inside every commit that touches it (its system plugin
``synchronous_search``): a package_create is indexed twice (as new, then as changed through
its new resources), each time after a package_show, a validation and a Solr request, and
each index commits Solr when ``ckan.search.solr_commit`` is on. That is about a third of the
import of a harvested dataset (see bench/bench_harvest.py's profile).

Within ``deferred()`` the datasets written are only collected; ``flush()`` then indexes each
of them once, from the committed database, without a Solr commit. The job's last object
commits Solr once (``commit()``); meanwhile Solr's autoSoftCommit (1 s in the core we
generate, ckanext/metropole/stack/solr) makes them searchable. What ends in the index is what
CKAN's own indexing would have put there: the same package_show and index_package.
"""
from __future__ import annotations

import contextlib
import contextvars

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.lib import search

_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("metropole_deferred_index", default=None)
_original_notify = search.SynchronousSearchPlugin.notify


def _notify(self, entity, operation):
    pending = _pending.get()
    if pending is None or not isinstance(entity, model.Package):
        return _original_notify(self, entity, operation)
    pending[entity.id] = operation


# CKAN has no per-call switch for its synchronous indexing: its notify is wrapped once, and
# changes nothing outside ``deferred()`` (a context variable, so per thread and per task).
if getattr(search.SynchronousSearchPlugin.notify, "__name__", "") != "_notify":
    search.SynchronousSearchPlugin.notify = _notify


@contextlib.contextmanager
def deferred():
    """Collect, instead of indexing, the datasets written inside the block (id -> operation)."""
    pending: dict = {}
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)


def flush(pending: dict) -> None:
    """Index once each dataset collected by ``deferred()``, as CKAN would, without commit."""
    index = search.index_for(model.Package)
    for package_id, operation in pending.items():
        if operation == model.DomainObjectOperation.deleted:
            index.remove_dict({"id": package_id})
            continue
        pkg_dict = tk.get_action("package_show")({"ignore_auth": True, "validate": False, "use_cache": False},
                                                 {"id": package_id})
        index.update_dict(pkg_dict, defer_commit=True)
    pending.clear()


def commit() -> None:
    search.commit()
