"""Official territory reference data (communes, EPCI) shipped with the package.

Loaded once per process from ``data/territories.json.gz`` (see its ATTRIBUTION.md).
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "territories.json.gz"

# Population from which a local authority must open its data by default
# (loi pour une République numérique, art. 6; CRPA L312-1-1; décret 2016-1922).
OPEN_DATA_THRESHOLD = 3500


@dataclass(frozen=True)
class Commune:
    insee: str
    name: str
    siren: str | None
    population: int | None
    postal_codes: tuple[str, ...]
    departement: str | None
    region: str | None

    @property
    def open_data_obligation(self) -> bool:
        return obliged(self.population)


@dataclass(frozen=True)
class Epci:
    siren: str
    name: str
    type: str
    population: int | None
    members: tuple[str, ...]


class Reference:
    def __init__(self, raw: dict):
        self.source = raw["source"]
        self.communes = {
            row[0]: Commune(row[0], row[1], row[2], row[3], tuple(row[4]), row[5], row[6])
            for row in raw["communes"]
        }
        self.epcis = {row[0]: Epci(row[0], row[1], row[2], row[3], tuple(row[4])) for row in raw["epci"]}
        self.former = raw["former"]

    def commune(self, insee: str) -> Commune | None:
        return self.communes.get(insee)

    def epci(self, siren: str) -> Epci | None:
        return self.epcis.get(siren)

    def successor(self, insee: str) -> Commune | None:
        """The current commune a former (merged) commune belongs to, if any."""
        code = self.former.get(insee)
        return self.communes.get(code) if code else None


@lru_cache(maxsize=1)
def reference() -> Reference:
    with gzip.open(DATA_FILE, "rt", encoding="utf-8") as f:
        return Reference(json.load(f))


def obliged(population: int | None) -> bool:
    return population is not None and population >= OPEN_DATA_THRESHOLD


def siren_is_valid(value: str) -> bool:
    """9 digits whose Luhn checksum is valid (the SIREN key)."""
    if len(value) != 9 or not value.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(value)):
        digit = int(char)
        if i % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0
