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

Two more things CKAN's indexer repeats per dataset are done once per batch (patches.py): the
show schema's validation of the dataset's dictization, which the activity stream's snapshot did
moments before on the same dictization (``read_once`` below keeps it), and one Solr update
request per dataset (each on a new HTTP connection): the batch's documents go to Solr in one
request, still before the database commit, so that an index failure still rolls the batch back
as in CKAN.

All of it reads CKAN 2.11's internals (the session's record of its writes, what package_show
does): with the batch's shortcuts off (patches.batch_scope), a batch's commit and reads are
CKAN's own.
"""

from __future__ import annotations

import json

import ckan.lib.plugins as lib_plugins
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import MissingNullEncoder
from ckan.model.modification import DomainObjectModificationExtension

from . import patches


def _dataset_ids(obj) -> set | None:
    """The datasets a written row restates, read from its own columns (CKAN's
    ``related_packages()`` loads a membership's dataset with a query); None for a row CKAN does
    not relate to datasets."""
    if isinstance(obj, model.Member):
        return {obj.table_id} if obj.table_name == "package" else None
    if isinstance(obj, (model.Resource, model.PackageExtra, model.PackageTag)):
        return {obj.package_id}
    try:
        return {pkg.id for pkg in obj.related_packages()}
    except AttributeError:  # a row CKAN does not relate to datasets: left to CKAN
        return None


def commit_indexing_new_datasets_once() -> None:
    if patches.current_batch() is None:  # the batch's shortcuts off: CKAN's own commit
        model.Session.commit()
        return
    session = model.Session()  # the session itself: CKAN's cache is an attribute of it
    session.flush()  # CKAN's before_flush hook records what this transaction wrote
    written = getattr(session, "_object_cache", None)
    created = {obj.id for obj in written["new"] if isinstance(obj, model.Package)} if written else set()
    if created:
        notifier = DomainObjectModificationExtension()
        for obj in list(written["new"]):
            if isinstance(obj, model.Package):
                continue
            related = _dataset_ids(obj)
            if related and related <= created:
                if isinstance(obj, model.Resource):
                    notifier.notify(obj, model.DomainObjectOperation.new)  # as CKAN's commit would
                written["new"].discard(obj)
    if written:
        # CKAN's notification of the commit, run here (as its before_commit hook would) so that
        # the indexer's Solr updates of the batch are gathered and sent as one
        try:
            with patches.solr_batch() as batch:
                DomainObjectModificationExtension().before_commit(session)
                batch.send()
        except Exception:
            session.rollback()  # as a failed commit: nothing of the batch is kept
            raise
        del session._object_cache  # notified: the commit's own hook has nothing left to tell
    session.commit()


def written_in_transaction(reference) -> model.Package | None:
    """The dataset ``reference`` (id or name) if the session's transaction, not committed yet,
    wrote it (CKAN records each flush's writes until the commit or rollback)."""
    written = getattr(model.Session(), "_object_cache", None)
    if not written or not reference:
        return None
    return next(
        (
            obj
            for obj in (*written["new"], *written["changed"])
            if isinstance(obj, model.Package) and reference in (obj.id, obj.name)
        ),
        None,
    )


def read_once(show, context: dict, data_dict: dict, pkg: model.Package):
    """package_show of a dataset the open transaction wrote, inside an import batch.

    CKAN's own package_show dictizes it without validation (its plugins' hooks included); that
    dict is kept for the batch, keyed by the dataset's modification time. An unvalidated read
    (the indexer's) gets a copy of it; a validated read gets what package_show answers from the
    database: the show schema's validation of that same dict (kept too, for the indexer), then
    the plugins' after_dataset_show. None outside a batch or for a read of another kind."""
    batch = patches.current_batch()
    if (
        batch is None
        or context.get("schema")
        or context.get("for_view")
        or context.get("for_update")
        or tk.asbool(data_dict.get("include_plugin_data"))
        or tk.asbool(data_dict.get("use_default_schema"))
    ):
        return None
    # what the package action wrote but did not flush (its theme-group memberships) is part of
    # the dataset as the commit will index it (CKAN's session does not autoflush before a read)
    model.Session.flush()
    key = (pkg.id, pkg.metadata_modified)
    context.update(session=model.Session, package=pkg)
    read = batch.reads.get(key)
    if read is None:
        raw = show(dict(context, validate=False, use_cache=False), data_dict)
        read = batch.reads[key] = patches.Read(raw)
    else:
        tk.check_access("package_show", context, data_dict)  # (package_show's own check, not run)
        raw = json.loads(read.raw)
    if not context.get("validate", True):
        batch.handed[id(raw)] = (raw, read)
        return raw
    plugin = lib_plugins.lookup_package_plugin(raw.get("type"))
    validated, errors = lib_plugins.plugin_validate(
        plugin, context, raw, plugin.show_package_schema(), "package_show"
    )
    # as the indexer serialises it (MissingNullEncoder), before the hooks below change it
    read.validated, read.errors = json.dumps(validated, cls=MissingNullEncoder), errors
    for item in p.PluginImplementations(p.IPackageController):
        item.after_dataset_show(context, validated)
    return validated
