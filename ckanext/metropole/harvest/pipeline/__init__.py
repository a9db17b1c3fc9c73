"""The shared harvest pipeline of every protocol, on ckanext-harvest's stages, one module each.

gather (gather.py): stream the remote catalogue, map each dataset into our schema and hash it
  (memory holds ids and hashes, not the catalogue). Only new or changed datasets become harvest
  objects for fetch/import, written as they are read.
diff (diff.py, identity.py): unchanged datasets are recorded as "not modified" and never
  rewritten (no package_update, no activity, no re-index); a dataset under a new remote
  identifier is recognised; datasets gone from the source are withdrawn only when the listing
  completed without error and their share stays within max_withdrawal_ratio.
fetch: nothing left to fetch (the listings carry full metadata).
batches (batches.py): gather forms the import batches; the fetch queue carries one message per
  batch (its first object), and the consumer that gets it claims the batch's other objects and
  imports them with it (ckanext.metropole.harvest.import_batch).
import (importing.py): create, update (restoring a withdrawn dataset) or withdraw
  (package_delete), a batch in one transaction.

Errors and warnings are stored as messages (English msgid and parameters, ``N_``), translated
when the job is read, in the reader's language (see ckanext/metropole/messages.py).
"""

from __future__ import annotations

from .batches import import_object
from .gather import gather
from .records import job_warnings

__all__ = ["fetch", "gather", "import_object", "job_warnings"]


def fetch(harvest_object) -> bool:
    return True
