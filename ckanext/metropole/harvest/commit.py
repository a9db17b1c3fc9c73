"""The commit of an import batch, with each new dataset indexed once.

At a commit, CKAN notifies its observers (the search index among them) of what the transaction
wrote (``ckan/model/modification.py``): each new dataset as *new*, and then again as *changed*
through its new resources, tags and extras, whose ``related_packages()`` name it. The search
plugin answers both with a ``package_show`` and a Solr update: every harvested dataset was
indexed twice, the largest cost of the import (bench/PROFILE.md). Stock CKAN pays it too.

Here the new rows that only restate a dataset created in the same transaction are taken out
of CKAN's list of what changed before the commit, after being notified themselves exactly as
CKAN would have notified them (a new resource is still announced to every observer: the
DataStore loader hears of it); the dataset is then notified once, as new, by CKAN's own
commit. Nothing else changes: updates and deletions, and the rows of datasets that already
existed, go through CKAN's notification untouched.
"""
from __future__ import annotations

import ckan.model as model
from ckan.model.modification import DomainObjectModificationExtension


def commit_indexing_new_datasets_once() -> None:
    session = model.Session()  # the session itself: CKAN's cache is an attribute of it
    session.flush()  # CKAN's before_flush hook records what this transaction wrote
    written = getattr(session, "_object_cache", None)
    if written:
        created = {obj.id for obj in written["new"] if isinstance(obj, model.Package)}
        notifier = DomainObjectModificationExtension()
        for obj in list(written["new"]):
            if isinstance(obj, model.Package) or not created:
                continue
            try:
                related = obj.related_packages()
            except AttributeError:  # a row CKAN does not relate to datasets: left to CKAN
                continue
            if related and all(pkg.id in created for pkg in related):
                if isinstance(obj, model.Resource):
                    notifier.notify(obj, model.DomainObjectOperation.new)  # as CKAN's commit would
                written["new"].discard(obj)
    session.commit()
