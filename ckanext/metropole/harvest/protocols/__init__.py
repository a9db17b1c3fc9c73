"""Protocol adapters: each reads one kind of commune portal into RemoteDataset objects."""

from __future__ import annotations

from ...messages import N_, of
from ..errors import HarvestError
from . import ckan, csw, dcat, opendatasoft, udata

ADAPTERS = {a.NAME: a for a in (opendatasoft, ckan, udata, csw, dcat)}


def detect(client, root: str):
    """The adapter that recognises the portal at ``root`` (tried in a fixed order)."""
    reasons = []
    for adapter in ADAPTERS.values():
        try:
            if adapter.detect(client, root):
                return adapter
        except HarvestError as e:
            reasons.append(N_("{protocol}: {error}", protocol=adapter.NAME, error=of(e)))
    if reasons:
        raise HarvestError(
            N_(
                "No protocol recognised at {url} (Opendatasoft, CKAN/DKAN, udata, CSW, DCAT). "
                'Name it in the configuration ("protocol"). Details: {reasons}',
                url=root,
                reasons=reasons,
            )
        )
    raise HarvestError(
        N_(
            "No protocol recognised at {url} (Opendatasoft, CKAN/DKAN, udata, CSW, DCAT). "
            'Name it in the configuration ("protocol").',
            url=root,
        )
    )
