"""Protocol adapters: each reads one kind of commune portal into RemoteDataset objects."""
from __future__ import annotations

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
            reasons.append(f"{adapter.NAME} : {e}")
    raise HarvestError(f"Aucun protocole reconnu à l'adresse {root} (Opendatasoft, CKAN/DKAN, udata, CSW, DCAT). "
                       "Indiquez-le dans la configuration (\"protocol\")."
                       + (" Détail : " + " ; ".join(reasons) if reasons else ""))
