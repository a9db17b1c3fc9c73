"""What gather checks on each record before mapping it: text that cannot be stored, and
several datasets listed under one remote identifier. One bad record costs that record (or
is repaired and said), never the page or the source."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re

from ...messages import N_, Message
from .. import bounds, mapping
from ..dates import source_date
from ..model import RemoteDataset

log = logging.getLogger(__name__)

# What PostgreSQL refuses in a text value (NUL) or cannot encode (a surrogate: JSON's "\ud800"
# escape decodes to one, alone; a valid pair is already one character once decoded), and what
# XML 1.0 forbids, which Solr's XML update then refuses: C0 controls but tab and line breaks,
# U+FFFE and U+FFFF.
CONTROLS_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# a surrogate, or a noncharacter (harvest.answers marks with U+FDD0 what XML forbids): U+FFFD
SURROGATES_RE = re.compile("[\ud800-\udfff\ufdd0-\ufdef]")


def clean_text(value: str) -> tuple[str, bool]:
    """The text without what cannot be stored: controls dropped, a lone surrogate replaced by
    U+FFFD (the reader sees that a character was there). Returns (text, repaired)."""
    cleaned = SURROGATES_RE.sub("\ufffd", CONTROLS_RE.sub("", value))
    return cleaned, cleaned != value


def _clean(value, path: str, repaired: list[str]):
    if isinstance(value, str):
        cleaned, changed = clean_text(value)
        if changed and path not in repaired:
            repaired.append(path)
        return cleaned
    if isinstance(value, list):
        return [_clean(item, path, repaired) for item in value]
    if isinstance(value, dict):
        return {_clean(k, path, repaired): _clean(v, path, repaired) for k, v in value.items()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            setattr(value, f.name, _clean(getattr(value, f.name), f"{path}.{f.name}", repaired))
        return value
    return value


def clean_remote(remote: RemoteDataset) -> Message | None:
    """Repair, in place, every text of a record (any field, its resources' included); a note
    naming the repaired fields, or None."""
    repaired: list[str] = []
    _clean(remote, "", repaired)
    if not repaired:
        return None
    fields = sorted({p.lstrip(".").split(".")[0] for p in repaired})
    return N_(
        "characters that cannot be stored (NUL, control or unpaired surrogate) removed from: {fields}",
        fields=", ".join(fields),
    )


def prepare(remote: RemoteDataset, owner: dict, portal: str, config, listing) -> mapping.Mapped | None:
    """The record cleaned, mapped and bounded; None when it cannot be read, refused alone (noted
    on the listing: one refused dataset, the others still read)."""
    cleaned = clean_remote(remote)
    what = {"title": (remote.title or "")[:120], "identifier": (remote.remote_id or "")[:200]}
    try:
        mapped = mapping.to_dataset(remote, owner, portal, config)
    except RecursionError:
        listing.refused.append(
            N_(
                "Dataset “{title}” ({identifier}) refused: the source's text is nested too deeply "
                "(HTML or structure) to be read.",
                **what,
            )
        )
        return None
    except Exception as e:  # a bug, or a shape never met: this record only
        log.exception("mapping of %s failed", remote.remote_id)
        listing.refused.append(
            N_(
                "Dataset “{title}” ({identifier}) refused: it could not be read ({type}: {error}).",
                type=type(e).__name__,
                error=str(e)[:200],
                **what,
            )
        )
        return None
    if cleaned:
        mapped.notes.append(cleaned)
    bounds.apply(mapped)
    return mapped


TOO_DEEP = N_(
    "the source's answer is nested too deeply to be read (more levels of lists, objects or "
    "elements than any catalogue needs): it is not a catalogue a harvester can read."
)
NEW, REPEATED, NEWER, OLDER = "new", "repeated", "newer", "older"


class Duplicates:
    """Several datasets listed under one remote identifier (copied test content, a record
    published again). They cannot all be kept under that identifier: it is the dataset's
    identity here (the harvest object's guid, the key of every later update and withdrawal).

    Rule: the most recently modified one (the source's date of last change) is kept; on equal
    or missing dates, the first listed. Why: the most recent is the one the source maintains
    (a re-publication supersedes the old record, a copied test record is older than what it
    copies), and the choice does not depend on the listing's order, which changes between
    runs; keeping every one under distinct names would make names depend on that order, so a
    dataset would change address from one harvest to the next. The others are named in a
    warning on the job page, with the identifier they share. The same record listed twice (a
    listing may repeat an item across pages) is no duplicate: its content is the same."""

    def __init__(self):
        # remote id -> (date of last change, title, 8-byte hash of the mapped content)
        self.kept: dict[str, tuple[str, str, int]] = {}
        self.shared: dict[str, list[str]] = {}  # remote id -> titles listed under it

    def sort(self, remote: RemoteDataset, digest: str) -> str:
        """NEW (first seen), REPEATED (same content again), NEWER (replaces the one kept) or
        OLDER (dropped)."""
        entry = (
            _when(remote),
            (remote.title or "")[:80],
            int(hashlib.sha1(digest.encode()).hexdigest()[:16], 16),
        )
        known = self.kept.get(remote.remote_id)
        if known is None:
            self.kept[remote.remote_id] = entry
            return NEW
        if known[2] == entry[2]:
            return REPEATED
        self.shared.setdefault(remote.remote_id, [known[1]]).append(entry[1])
        if entry[0] > known[0]:
            self.kept[remote.remote_id] = entry
            return NEWER
        return OLDER

    def notes(self, limit: int = 50) -> list[Message]:
        return [
            N_(
                "The source lists {count} datasets under the same identifier “{identifier}”: {titles}. "
                "Only one is harvested, the most recently modified (the first listed on equal dates): "
                "“{kept}”.",
                count=len(titles),
                identifier=remote_id,
                titles=[N_("“{title}”", title=t) for t in titles],
                kept=self.kept[remote_id][1],
            )
            for remote_id, titles in list(self.shared.items())[:limit]
        ]


def _when(remote: RemoteDataset) -> str:
    """The source's date of last change, comparable as text (ISO), "" when unreadable."""
    date, _note = source_date(remote.modified)
    return date or ""
