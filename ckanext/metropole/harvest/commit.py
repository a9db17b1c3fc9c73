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

Two more things CKAN's indexer repeats per dataset are done once per batch (``_BatchIndex``):
the show schema's validation of the dataset's dictization, which the activity stream's
snapshot did moments before on the same dictization, and one Solr update request per dataset
(each on a new HTTP connection): the batch's documents go to Solr in one request, still before
the database commit, so that an index failure still rolls the batch back as in CKAN.
"""
from __future__ import annotations

import json
from contextlib import contextmanager
from contextvars import ContextVar

import ckan.lib.plugins as lib_plugins
import ckan.lib.search.index as search_index
import ckan.model as model
import ckan.plugins as p
import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import MissingNullEncoder
from ckan.model.modification import DomainObjectModificationExtension


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
            with _solr_batch() as batch:
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
    return next((obj for obj in (*written["new"], *written["changed"])
                 if isinstance(obj, model.Package) and reference in (obj.id, obj.name)), None)


# An import batch reads each dataset it wrote twice before its commit: the activity stream's
# snapshot (a validated package_show, right after package_create) and the search index (an
# unvalidated package_show at the commit, validated again by the indexer). Once its writes are
# flushed, the dataset's rows do not change in between: its dictization and the show schema's
# validation of it are done once per batch.
class _Read:
    """One dataset's reading in a batch, kept as JSON (a copy costs a parse, not a deepcopy):
    the dictization package_show makes without validation, and its validation if made."""

    def __init__(self, raw: dict):
        self.raw = json.dumps(raw)  # (the indexer stores it as JSON too: it is JSON-clean)
        self.validated: str | None = None
        self.errors: dict = {}


class _BatchReads:
    def __init__(self):
        self.reads: dict[tuple, _Read] = {}
        # (class, method, reference) -> the user or group CKAN looked up by name or id (see
        # _BatchLookup)
        self.lookups: dict[tuple, object] = {}
        # the unvalidated readings handed to the indexer, by identity: its validation of that
        # very dict is the one already made
        self.handed: dict[int, tuple[dict, _Read]] = {}


_batch_reads: ContextVar[_BatchReads | None] = ContextVar("metropole_batch_reads", default=None)


@contextmanager
def sharing_dataset_reads():
    """Within an import batch (up to and including its commit): one dictization per dataset."""
    token = _batch_reads.set(_BatchReads())
    try:
        yield
    finally:
        _batch_reads.reset(token)


def read_once(show, context: dict, data_dict: dict, pkg: model.Package):
    """package_show of a dataset the open transaction wrote, inside an import batch.

    CKAN's own package_show dictizes it without validation (its plugins' hooks included); that
    dict is kept for the batch, keyed by the dataset's modification time. An unvalidated read
    (the indexer's) gets a copy of it; a validated read gets what package_show answers from the
    database: the show schema's validation of that same dict (kept too, for the indexer), then
    the plugins' after_dataset_show. None outside a batch or for a read of another kind."""
    batch = _batch_reads.get()
    if batch is None or context.get("schema") or context.get("for_view") or context.get("for_update") or \
            tk.asbool(data_dict.get("include_plugin_data")) or tk.asbool(data_dict.get("use_default_schema")):
        return None
    # what the package action wrote but did not flush (its theme-group memberships) is part of
    # the dataset as the commit will index it (CKAN's session does not autoflush before a read)
    model.Session.flush()
    key = (pkg.id, pkg.metadata_modified)
    context.update(session=model.Session, package=pkg)
    read = batch.reads.get(key)
    if read is None:
        raw = show(dict(context, validate=False, use_cache=False), data_dict)
        read = batch.reads[key] = _Read(raw)
    else:
        tk.check_access("package_show", context, data_dict)  # (package_show's own check, not run)
        raw = json.loads(read.raw)
    if not context.get("validate", True):
        batch.handed[id(raw)] = (raw, read)
        return raw
    plugin = lib_plugins.lookup_package_plugin(raw.get("type"))
    validated, errors = lib_plugins.plugin_validate(plugin, context, raw, plugin.show_package_schema(),
                                                    "package_show")
    # as the indexer serialises it (MissingNullEncoder), before the hooks below change it
    read.validated, read.errors = json.dumps(validated, cls=MissingNullEncoder), errors
    for item in p.PluginImplementations(p.IPackageController):
        item.after_dataset_show(context, validated)
    return validated


class _IndexerPlugins:
    """``ckan.lib.plugins`` as CKAN's indexer module sees it: its validation of a dataset's
    reading handed out by read_once is the validation already made of it (same dict, same
    schema); everything else is CKAN's."""

    def __init__(self, module):
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)

    def plugin_validate(self, package_plugin, context, data_dict, schema, action):
        batch = _batch_reads.get()
        if batch is not None and action == "package_show":
            handed, read = batch.handed.get(id(data_dict), (None, None))
            if handed is data_dict and read.validated is not None:
                return json.loads(read.validated), read.errors
        return self._module.plugin_validate(package_plugin, context, data_dict, schema, action)


class _BatchIndex:
    """The Solr updates of a batch's commit, gathered: CKAN's indexer asks a new connection for
    each dataset and adds it alone. Anything but an add (a withdrawn dataset's delete, a commit)
    goes to Solr at once, after the adds gathered so far (Solr applies them in order)."""

    def __init__(self):
        self.docs: list[dict] = []
        self.commit = False
        self.conn = None

    def connection(self, real):
        self.conn = real
        return _GatheringConnection(self, real)

    def send(self) -> None:
        if self.docs:
            docs, self.docs = self.docs, []
            try:
                self.conn.add(docs=docs, commit=self.commit)
            except Exception as e:  # as CKAN's index_package reports it: the commit fails
                raise search_index.SearchIndexError(f"Solr returned an error: {str(e)[:1000]}") from e


class _GatheringConnection:
    def __init__(self, batch: _BatchIndex, real):
        self._batch, self._real = batch, real

    def add(self, docs, commit=None, **kwargs):
        if kwargs:  # an add CKAN's indexer does not make: as asked
            self._batch.send()
            return self._real.add(docs, commit=commit, **kwargs)
        self._batch.docs.extend(docs)
        self._batch.commit = self._batch.commit or bool(commit)
        return None

    def __getattr__(self, name):
        self._batch.send()
        return getattr(self._real, name)


_solr_batches: ContextVar[_BatchIndex | None] = ContextVar("metropole_solr_batch", default=None)


@contextmanager
def _solr_batch():
    token = _solr_batches.set(_BatchIndex())
    try:
        yield _solr_batches.get()
    finally:
        _solr_batches.reset(token)


def _make_connection(*args, **kwargs):
    real = _make_connection.ckan(*args, **kwargs)
    batch = _solr_batches.get()
    return batch.connection(real) if batch is not None else real


class _BatchLookup:
    """``User.get``, ``User.by_name`` and ``Group.get`` inside an import batch: each user or
    group looked up once per batch. CKAN looks the same site user up four times per dataset
    written (package_create's creator, the owner-organisation validator, the activity and its
    user check) and the owner organisation twice, each a query by name or id: in a batch, all
    its datasets have the same writer and organisation, and a batch (one transaction, every
    write made by the import) renames or removes neither. Outside a batch: CKAN's own."""

    def __init__(self, cls, name: str):
        self.cls, self.name = cls, name
        self.ckan = getattr(cls, name).__func__  # the classmethod's function, on cls or a base

    def __call__(self, cls, reference=None, *args, **kwargs):
        batch = _batch_reads.get()
        if batch is None or args or kwargs or not reference or not isinstance(reference, str):
            return self.ckan(cls, reference, *args, **kwargs)
        key = (cls, self.name, reference)
        found = batch.lookups.get(key)
        if found is None:
            found = self.ckan(cls, reference)
            if found is not None:  # a miss may become a hit: asked again
                batch.lookups[key] = found
        return found


def install() -> None:
    """Wrap the two names CKAN's indexer module uses (``lib_plugins``, ``make_connection``):
    CKAN 2.11's ``PackageSearchIndex.index_package`` is one function, validating and sending
    each dataset alone, with no hook between; and the model's user and group lookups
    (_BatchLookup). Outside an import batch all are CKAN's own."""
    if not isinstance(search_index.lib_plugins, _IndexerPlugins):
        search_index.lib_plugins = _IndexerPlugins(search_index.lib_plugins)
    if search_index.make_connection is not _make_connection:
        _make_connection.ckan = search_index.make_connection
        search_index.make_connection = _make_connection
    for cls, name in ((model.User, "get"), (model.User, "by_name"), (model.Group, "get")):
        if not isinstance(cls.__dict__.get(name), _MemoClassMethod):
            setattr(cls, name, _MemoClassMethod(_BatchLookup(cls, name)))


class _MemoClassMethod(classmethod):
    """(a classmethod, recognisable as installed)"""
