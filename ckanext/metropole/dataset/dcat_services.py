"""The DCAT profile's data services (``dcat:DataService``, DCAT-AP 3.0.1), from the dicts of
``services.py``: mixed into the profile, which brings ckanext-dcat's graph helpers and its own
concept, agent and licence typing."""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF
from ckanext.dcat.utils import dataset_uri
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from . import dcat_input, hvd
from . import services as s

ACCESS_RIGHTS = "http://publications.europa.eu/resource/authority/access-right"


def _iri(url) -> bool:
    """A public URL, or one of the portal's own (its API on a test or staging address)."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    return dcat_input.valid_url(url) or (
        isinstance(url, str) and url.startswith(site_url + "/") and not dcat_input._FORBIDDEN.search(url)
    )


class DataServiceGraph:
    def _data_service(self, ref: URIRef, service: dict) -> None:
        """Describe the service once per graph (a catalogue page names it from the catalogue
        and from each dataset it serves)."""
        if (ref, DCT.title, None) in self.g:
            return
        self.g.add((ref, RDF.type, DCAT.DataService))
        self.g.add((ref, DCT.title, Literal(service["title"], lang="fr")))
        if service.get("identifier"):
            self.g.add((ref, DCT.identifier, Literal(service["identifier"])))
        if service.get("description"):
            self.g.add((ref, DCT.description, Literal(service["description"], lang="fr")))
        for key, predicate, cls in (
            ("endpoint_url", DCAT.endpointURL, RDFS.Resource),
            ("endpoint_description", DCAT.endpointDescription, RDFS.Resource),
            ("documentation", FOAF.page, FOAF.Document),
        ):
            url = service.get(key)
            if _iri(url):
                self.g.add((ref, predicate, URIRef(url)))
                if cls is not None:
                    self.g.add((URIRef(url), RDF.type, cls))
        if dcat_input.valid_url(service.get("conforms_to")):  # the OpenAPI version (openapi.py)
            self.g.add((ref, DCT.conformsTo, URIRef(service["conforms_to"])))
            self.g.add((URIRef(service["conforms_to"]), RDF.type, DCT.Standard))
        lic = dcat_input.license_for(service.get("license_id"))
        if dcat_input.valid_url(lic.get("url")):
            self.g.add((ref, DCT.license, URIRef(lic["url"])))
            self._license_document(URIRef(lic["url"]), service["license_id"])
        if service.get("access_rights"):
            rights = URIRef(service["access_rights"])
            self.g.add((ref, DCT.accessRights, rights))
            # a concept of the EU table, and a dct:RightsStatement as the range shapes want
            self._concept(rights, ACCESS_RIGHTS)
            self.g.add((rights, RDF.type, DCT.RightsStatement))
        contact = {k: v for k, v in (service.get("contact") or {}).items() if v}
        if contact:
            # one contact node per service, whatever the page: an IRI of its own
            self._add_contact_to_graph(ref, DCAT.contactPoint, {"uri": f"{ref}#contact", **contact})
        if service.get("publisher"):
            self._publisher(ref, service["publisher"])
        if service.get("hvd_category"):  # an HVD service: its categories and the regulation
            hvd.add_to_graph(self.g, ref, service)

    def _publisher(self, subject, item: dict) -> None:
        """An organisation (``dcat_input.publisher`` item) as ``dct:publisher`` of subject."""
        ref = URIRef(item["uri"])
        self.g.add((subject, DCT.publisher, ref))
        if not any(self.g.objects(ref, FOAF.name)):
            self.g.add((ref, FOAF.name, Literal(item["name"], lang="fr")))
        if item.get("identifier"):
            self.g.add((ref, DCT.identifier, Literal(item["identifier"])))
        if item.get("type"):
            self.g.add((ref, DCT.type, URIRef(item["type"])))
        self._agent(ref)

    def _served_by_portal_api(self, dataset_dict: dict, dataset_ref) -> None:
        """The dataset's DataStore-loaded resources reached through the portal's records API."""
        loaded = dataset_dict.get(s.LOADED_FIELD)
        if not loaded:
            return
        ref = URIRef(loaded["uri"])
        if loaded.get("service"):  # a dataset's own document (module docstring of services.py)
            self._data_service(ref, loaded["service"])
            self.g.add((ref, DCAT.servesDataset, dataset_ref))
        suffixes = tuple(f"/resource/{i}" for i in loaded["resources"])
        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            if str(distribution).endswith(suffixes):
                self.g.add((distribution, DCAT.accessService, ref))

    def _catalogue_services(self, catalog_dict: dict, catalog_ref) -> None:
        for service in catalog_dict.get("metropole_services") or []:
            ref = URIRef(service["uri"])
            self.g.add((catalog_ref, DCAT.service, ref))
            self._data_service(ref, service)
            # every dataset of the catalogue it serves: a node identified as harvesters link
            # them, described on its own page
            for dataset_id in service.get("catalogue_served") or []:
                dataset_ref = URIRef(dataset_uri({"id": dataset_id}))
                self.g.add((ref, DCAT.servesDataset, dataset_ref))
                self.g.add((dataset_ref, RDF.type, DCAT.Dataset))
                self.g.add((dataset_ref, DCT.identifier, Literal(dataset_id)))
