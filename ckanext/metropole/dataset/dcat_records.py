"""Data service and series records in the DCAT documents (catalogue.py hands them over).

- A series (``dataset_series``) goes to ckanext-dcat, whose DCAT-AP 3 profile types it
  ``dcat:DatasetSeries`` and writes ``dcat:first``/``dcat:last`` from ``series_navigation``;
  each member gets ``in_series`` and its previous and next (``dcat:inSeries``,
  ``dcat:prev``/``dcat:next``), in ckanext-dcat's shapes.
- A data service record never goes through ckanext-dcat's dataset serialisation: the
  catalogue lists it (``dcat:service``), each dataset it serves names it on its own page
  (``dcat:servesDataset``), and its own document (``/dataservice/<name>.ttl``…) is written by
  ``service_document``.
"""

from __future__ import annotations

from ckanext.dcat.processors import RDFSerializer
from ckanext.dcat.profiles.base import DCAT, DCT
from ckanext.dcat.utils import dataset_uri, url_to_rdflib_format
from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from . import records, services

SERIES_FIELD = "metropole_series"
SERVED_BY_FIELD = "metropole_served_by"


def record_services(orgs) -> list[dict]:
    """The public data service records, as service dicts (catalogue's ``dcat:service``)."""
    return [services.from_record(r, orgs.get(r.get("owner_org"))) for r in records.all_services()]


def prepare(prepared: dict, dataset: dict, document: bool) -> dict:
    """Series links of ``dataset`` (package_show) on ``prepared`` (its dcat_input copy), and,
    for its own ``document`` (not a catalogue page, services.py), the services serving it."""
    if dataset.get("type") == records.SERIES_TYPE:
        members = records.members_of(dataset)
        if members:
            prepared["series_navigation"] = {"first": members[0], "last": members[-1]}
        return prepared
    if dataset.get("type", "dataset") != "dataset":
        return prepared
    places = records.series_of(dataset["id"])
    if places:
        prepared["in_series"] = [p["series"]["id"] for p in places]
        prepared["series_navigation"] = [
            {"id": p["series"]["id"], "previous": p["previous"], "next": p["next"]} for p in places
        ]
        prepared[SERIES_FIELD] = [
            {"id": p["series"]["id"], "title": p["series"]["title"], "notes": p["series"].get("notes")}
            for p in places
        ]
    if document:
        prepared[SERVED_BY_FIELD] = [
            services.from_record(r, None) for r in records.services_of(dataset["id"])
        ]
    return prepared


class RecordsGraph:
    """Mixed into the profile (with DataServiceGraph)."""

    def _records(self, dataset_dict: dict, dataset_ref) -> None:
        if (dataset_ref, RDF.type, DCAT.DatasetSeries) in self.g:
            # a series is a dataset too (DCAT-AP 3): listed by the catalogue's dcat:dataset
            self.g.add((dataset_ref, RDF.type, DCAT.Dataset))
        for series in dataset_dict.get(SERIES_FIELD) or []:
            # the series named by dcat:inSeries, typed and titled where its member is read
            ref = URIRef(dataset_uri({"id": series["id"]}))
            self.g.add((ref, RDF.type, DCAT.DatasetSeries))
            if (ref, DCT.title, None) not in self.g:
                self.g.add((ref, DCT.title, Literal(series["title"])))
                self.g.add((ref, DCT.description, Literal(series.get("notes") or series["title"])))
        for service in dataset_dict.get(SERVED_BY_FIELD) or []:
            ref = URIRef(service["uri"])
            self._data_service(ref, service)
            self.g.add((ref, DCAT.servesDataset, dataset_ref))


def service_document(record: dict, org: dict | None, profile_class, profiles, fmt) -> str:
    """A data service record's own DCAT document: the service, and the datasets it serves
    (typed and titled: DCAT-AP wants dcat:servesDataset to name datasets). ``profile_class``:
    our profile (dcat.py), which writes the service."""
    serializer = RDFSerializer(profiles=profiles)
    profile = profile_class(serializer.g)
    service = services.from_record(record, org)
    ref = URIRef(service["uri"])
    profile._data_service(ref, service)
    for member in records.datasets_of(record):
        dataset_ref = URIRef(dataset_uri({"id": member["id"]}))
        serializer.g.add((ref, DCAT.servesDataset, dataset_ref))
        serializer.g.add((dataset_ref, RDF.type, DCAT.Dataset))
        serializer.g.add((dataset_ref, DCT.title, Literal(member["title"])))
        serializer.g.add((dataset_ref, DCT.description, Literal(member["notes"] or member["title"])))
        serializer.g.add((dataset_ref, DCT.identifier, Literal(member["id"])))
    fmt = url_to_rdflib_format(fmt or "xml")
    if fmt == "json-ld":
        return serializer.g.serialize(format=fmt, auto_compact=True)
    return serializer.g.serialize(format=fmt)
