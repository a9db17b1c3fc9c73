"""What an import batch replaces of CKAN's internals, fenced to the batch itself.

CKAN 2.11 has no public hook for three things an import batch repeats per dataset
(bench/PROFILE.md; the harvest imports at 2.5x stock CKAN's speed largely thanks to them):
- ``User.get``, ``User.by_name`` and ``Group.get``: CKAN looks the same site user up four
  times per dataset written and the owner organisation twice, each time in CKAN code that takes
  a name and queries (no context key reaches those lookups: ``auth_user_obj``, which the batch
  gives, only spares the access checks' own lookup);
- ``ckan.lib.search.index``'s ``lib_plugins``: its validation of a dataset's reading repeats
  the one the activity stream's snapshot made of the same dict moments before;
- its ``make_connection``: one Solr update request per dataset, the batch's go as one.

They are installed only while a batch imports (``batch_scope``), in whatever process runs the
import (a fetch consumer, ``ckan harvester run-test``, a test's in-process job), and removed at
its end: every other moment of every process, a web worker's included, runs CKAN's own
functions. Even installed they are CKAN's own outside a batch's context (another thread).
They are written for CKAN 2.11: on another version, or with a replaced name missing, nothing is
installed and the batch runs CKAN's own functions (slower, same result), as with
``ckanext.metropole.harvest.batch_shortcuts = false``; both are said at start-up.
"""

from __future__ import annotations

import inspect
import json
import logging
import threading
from contextlib import contextmanager
from contextvars import ContextVar

import ckan
import ckan.lib.search.index as search_index
import ckan.model as model
import ckan.plugins.toolkit as tk

log = logging.getLogger(__name__)
OPTION = "ckanext.metropole.harvest.batch_shortcuts"
WRITTEN_FOR = "2.11."  # the CKAN series whose internals this module and commit.py were checked against
LOOKUPS = ((model.User, "get"), (model.User, "by_name"), (model.Group, "get"))


# An import batch reads each dataset it wrote twice before its commit: the activity stream's
# snapshot (a validated package_show, right after package_create) and the search index (an
# unvalidated package_show at the commit, validated again by the indexer). Once its writes are
# flushed, the dataset's rows do not change in between: its dictization and the show schema's
# validation of it are done once per batch (commit.read_once).
class Read:
    """One dataset's reading in a batch, kept as JSON (a copy costs a parse, not a deepcopy):
    the dictization package_show makes without validation, and its validation if made."""

    def __init__(self, raw: dict):
        self.raw = json.dumps(raw)  # (the indexer stores it as JSON too: it is JSON-clean)
        self.validated: str | None = None
        self.errors: dict = {}


class BatchReads:
    def __init__(self):
        self.reads: dict[tuple, Read] = {}
        # (class, method, reference) -> the user or group CKAN looked up by name or id (see
        # _BatchLookup)
        self.lookups: dict[tuple, object] = {}
        # the unvalidated readings handed to the indexer, by identity: its validation of that
        # very dict is the one already made
        self.handed: dict[int, tuple[dict, Read]] = {}


_batch_reads: ContextVar[BatchReads | None] = ContextVar("metropole_batch_reads", default=None)


def current_batch() -> BatchReads | None:
    """The import batch under way in this context, if its shortcuts are on."""
    return _batch_reads.get()


def problem() -> str | None:
    """Why the shortcuts must not be installed in this process (None: they may)."""
    if not tk.asbool(tk.config.get(OPTION, True)):
        return "switched off"
    if not ckan.__version__.startswith(WRITTEN_FOR):
        return f"written for CKAN {WRITTEN_FOR}x, this is CKAN {ckan.__version__}: not installed"
    missing = [
        f"{cls.__module__}.{cls.__name__}.{name}"
        for cls, name in LOOKUPS
        if not isinstance(inspect.getattr_static(cls, name, None), classmethod)
    ]
    missing += [
        f"ckan.lib.search.index.{name}"
        for name, ok in (
            (
                "lib_plugins",
                callable(getattr(getattr(search_index, "lib_plugins", None), "plugin_validate", None)),
            ),
            ("make_connection", callable(getattr(search_index, "make_connection", None))),
        )
        if not ok
    ]
    if missing:
        return f"CKAN no longer has {', '.join(missing)}: not installed"
    return None


def check_at_startup() -> None:
    """Said loudly in every process that loads the harvester: an import then runs slower."""
    why = problem()
    if why is not None:
        log.warning(
            "%s: harvest import batches run CKAN's own user and group lookups and indexing, "
            "slower (bench/PROFILE.md): %s.",
            OPTION,
            why,
        )


class _Installed:
    """The replaced names, installed while at least one batch of this process imports."""

    def __init__(self):
        self.lock = threading.Lock()
        self.batches = 0
        self.saved: list[tuple[object, str, object]] = []

    def enter(self) -> None:
        with self.lock:
            self.batches += 1
            if self.batches == 1:
                names = (*LOOKUPS, (search_index, "lib_plugins"), (search_index, "make_connection"))
                self.saved = [(obj, name, obj.__dict__.get(name)) for obj, name in names]
                for klass, name in LOOKUPS:
                    setattr(klass, name, classmethod(_BatchLookup(klass, name)))
                search_index.lib_plugins = _IndexerPlugins(search_index.lib_plugins)
                _make_connection.ckan = search_index.make_connection
                search_index.make_connection = _make_connection

    def leave(self) -> None:
        with self.lock:
            self.batches -= 1
            if self.batches == 0:
                for obj, name, value in self.saved:
                    if value is None:  # inherited (User.by_name, from a base class of CKAN's model)
                        if name in vars(obj):  # (not if a failed installation stopped before it)
                            delattr(obj, name)
                    else:
                        setattr(obj, name, value)
                self.saved = []


_installed = _Installed()


@contextmanager
def batch_scope():
    """An import batch, up to and including its commit: one dictization per dataset, each user
    and group looked up once, one Solr update; CKAN's own functions when the shortcuts are off.
    Yields whether they are on."""
    if problem() is not None:
        yield False
        return
    token = _batch_reads.set(BatchReads())
    try:
        _installed.enter()  # (inside: what a failed installation replaced is put back)
        yield True
    finally:
        _installed.leave()
        _batch_reads.reset(token)


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


class BatchIndex:
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
    def __init__(self, batch: BatchIndex, real):
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


_solr_batches: ContextVar[BatchIndex | None] = ContextVar("metropole_solr_batch", default=None)


@contextmanager
def solr_batch():
    token = _solr_batches.set(BatchIndex())
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
    group looked up once per batch. In a batch, all its datasets have the same writer and
    organisation, and a batch (one transaction, every write made by the import) renames or
    removes neither. Outside a batch's context: CKAN's own."""

    def __init__(self, cls, name: str):
        self.name = name
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
