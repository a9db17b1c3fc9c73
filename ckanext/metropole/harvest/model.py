"""The one model every protocol adapter maps into (as udata's harvest backends do)."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..messages import of
from .errors import HarvestError


@dataclass
class RemoteResource:
    url: str
    name: str = ""
    format: str = ""
    description: str = ""
    conforms_to: str = ""


@dataclass
class RemoteDataset:
    remote_id: str  # stable at the source: the harvest guid
    title: str
    slug: str = ""  # a readable stable id (name, slug, dct:identifier) for our URL, else remote_id
    notes: str = ""
    themes: list[str] = field(default_factory=list)  # source labels, mapped later
    keywords: list[str] = field(default_factory=list)
    license: str = ""  # as the source says it: id, title or URL
    frequency: str = ""
    modified: str = ""  # the source's dates as it writes them (read by dates.source_date)
    issued: str = ""
    landing_page: str = ""
    publisher: str = ""
    temporal_start: str = ""
    temporal_end: str = ""
    resources: list[RemoteResource] = field(default_factory=list)
    # high-value dataset categories (DCAT-AP HVD r5r:hvdCategory IRIs), as the source gives them
    hvd_categories: list[str] = field(default_factory=list)


@dataclass
class Listing:
    """How much of the catalogue was read, against what the source announces (ODS
    total_count, CKAN count, udata total, Hydra totalItems). A listing is complete only
    when both agree: otherwise nothing may be withdrawn."""

    announced: int | None = None
    read: int = 0
    stopped: object = ""  # why reading stopped early, if it did (a message, N_)
    # items listed but unreadable as a dataset (no identifier…): each is one refused dataset
    refused: list = field(default_factory=list)

    @property
    def complete(self) -> bool:
        # a refused item may be a dataset harvested before: nothing can be withdrawn then
        return (
            not self.stopped and not self.refused and (self.announced is None or self.read >= self.announced)
        )


def each(listing: Listing, items, convert):
    """Each listed item converted to a RemoteDataset. An item that cannot be (no identifier)
    is refused alone — noted on the listing, counted as one refused dataset — and the
    others are still read: one bad record never stops a whole catalogue."""
    for item in items:
        try:
            yield convert(item)
        except HarvestError as e:
            listing.refused.append(of(e))
