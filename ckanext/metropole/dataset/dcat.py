"""DCAT-AP, French part: a profile run after ckanext-dcat's euro_dcat_ap_3.

ckanext-dcat writes the triples from the fields we hand it in its own shapes
(``dcat_input.for_dcat``: theme and frequency IRIs, publisher, spatial coverage, formats,
licences, access URLs). This profile adds what its field shapes cannot say:

- our themes also as French keywords, and every EU concept typed ``skos:Concept`` in its
  scheme (theme, frequency, publisher type), as the DCAT-AP range shapes require;
- licences typed ``dct:LicenseDocument`` with data.gouv.fr's id as ``rdfs:label`` (its
  harvester recognises a licence by that label or by URL), also on the dataset;
- publishers typed ``foaf:Organization`` as well as ``foaf:Agent``;
- on the catalogue: its publisher (the métropole, with its SIREN), language and homepage.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles.base import DCAT, DCATAP, DCT, FOAF, LOCN, RDFProfile
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..messages import translate
from . import dcat_input, hvd
from . import vocabularies as v
from .dcat_records import RecordsGraph
from .dcat_services import DataServiceGraph

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
ADMS_PUBLISHER_TYPES = "http://purl.org/adms/publishertype/1.0"
ADMS_LICENCE_TYPES = "http://purl.org/adms/licencetype/1.0"


class MetropoleDCATAPProfile(DataServiceGraph, RecordsGraph, RDFProfile):
    def graph_from_dataset(self, dataset_dict, dataset_ref):
        self._keywords(dataset_dict, dataset_ref)
        self._concepts(dataset_ref, DCAT.theme, EU_AUTHORITY + "data-theme")
        self._concepts(dataset_ref, DCT.accrualPeriodicity, EU_AUTHORITY + "frequency", DCT.Frequency)
        self._licenses(dataset_dict, dataset_ref)
        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            self._concepts(distribution, DCATAP.availability, EU_AUTHORITY + "planned-availability")
            for lic in self.g.objects(distribution, DCT.license):
                self._license_document(lic, dataset_dict.get("license_id"))
        for publisher in self.g.objects(dataset_ref, DCT.publisher):
            self._agent(publisher)
        commune_prefix = dcat_input.GEO_COMMUNE.format(code="")
        for location in self.g.objects(dataset_ref, DCT.spatial):
            self.g.add((location, RDF.type, DCT.Location))
            if str(location).startswith(commune_prefix):
                # the INSEE code and the name, as GeoDCAT-AP names a place
                self.g.add((location, DCT.identifier, Literal(str(location)[len(commune_prefix) :])))
                for name in list(self.g.objects(location, SKOS.prefLabel)):
                    self.g.add((location, LOCN.geographicName, Literal(str(name), lang="fr")))
        self._served_by_portal_api(dataset_dict, dataset_ref)
        self._records(dataset_dict, dataset_ref)
        # after the data services: an HVD dataset's services are declared HVD services too
        hvd.add_to_graph(self.g, dataset_ref, dataset_dict)

    def graph_from_catalog(self, catalog_dict, catalog_ref):
        catalog_dict = catalog_dict or {}
        language = URIRef(dcat_input.settings()["language"])
        self.g.remove((catalog_ref, DCT.language, None))
        self.g.add((catalog_ref, DCT.language, language))
        self.g.add((language, RDF.type, DCT.LinguisticSystem))
        for homepage in self.g.objects(catalog_ref, FOAF.homepage):
            self.g.add((homepage, RDF.type, FOAF.Document))
        if not any(self.g.objects(catalog_ref, DCT.description)):
            self.g.add(
                (
                    catalog_ref,
                    DCT.description,
                    Literal(
                        tk._("Open data of the metropolis and its communes, published on %(site)s")
                        % {"site": tk.config.get("ckan.site_title")},
                        lang="fr",
                    ),
                )
            )
        org = catalog_dict.get("publisher")
        # without a métropole organisation (a portal whose territory is not loaded yet, or
        # made of partners only), the portal itself answers for its catalogue: DCAT-AP
        # wants a catalogue publisher
        item = (
            dcat_input.publisher(org)
            if org
            else {
                "uri": tk.config.get("ckan.site_url").rstrip("/") + "/about",
                "name": tk.config.get("ckan.site_title"),
            }
        )
        self._publisher(catalog_ref, item)
        self._catalogue_services(catalog_dict, catalog_ref)

    def _keywords(self, dataset_dict, dataset_ref):
        # dataset_dict is in ckanext-dcat's shapes (EU IRIs): the French themes come from
        # the groups-like labels of our own vocabulary, kept under "metropole_themes".
        labels = v.theme_labels()
        for theme in dataset_dict.get("metropole_themes") or []:
            if theme in labels:
                self.g.add((dataset_ref, DCAT.keyword, Literal(translate(labels[theme], "fr"), lang="fr")))

    def _concepts(self, subject, predicate, scheme, extra_class=None):
        for concept in self.g.objects(subject, predicate):
            if isinstance(concept, URIRef):
                self._concept(concept, scheme)
                if extra_class is not None:
                    self.g.add((concept, RDF.type, extra_class))

    def _concept(self, concept, scheme):
        """A concept of an EU or ADMS table, typed and labelled as DCAT-AP's ranges want."""
        self.g.add((concept, RDF.type, SKOS.Concept))
        self.g.add((concept, SKOS.inScheme, URIRef(scheme)))
        if not any(self.g.objects(concept, SKOS.prefLabel)):
            label = dcat_input.settings()["concept_labels"].get(str(concept))
            if label is None and str(concept).startswith(v.EU_FREQUENCY):
                code = str(concept)[len(v.EU_FREQUENCY) :]
                label = translate(v.frequencies()[code], "fr") if code in v.frequencies() else None
            lang = "fr" if str(concept).startswith(EU_AUTHORITY) else "en"
            self.g.add(
                (concept, SKOS.prefLabel, Literal(label or str(concept).rsplit("/", 1)[-1], lang=lang))
            )

    def _agent(self, agent):
        self.g.add((agent, RDF.type, FOAF.Agent))
        self.g.add((agent, RDF.type, FOAF.Organization))
        for kind in self.g.objects(agent, DCT.type):
            if isinstance(kind, URIRef):
                self._concept(kind, ADMS_PUBLISHER_TYPES)

    def _licenses(self, dataset_dict, dataset_ref):
        license_id = dataset_dict.get("license_id")
        lic = dcat_input.license_for(license_id)
        if not lic:
            return
        url = lic.get("url")
        ref = URIRef(url) if dcat_input.valid_url(url) else BNode()
        self.g.add((dataset_ref, DCT.license, ref))
        self._license_document(ref, license_id)

    def _license_document(self, ref, license_id):
        lic = dcat_input.license_for(license_id)
        self.g.add((ref, RDF.type, DCT.LicenseDocument))
        if lic and not any(self.g.objects(ref, RDFS.label)):
            self.g.add((ref, RDFS.label, Literal(license_id)))
            self.g.add((ref, DCT.title, Literal(lic["title"], lang="fr")))
        # ckanext-dcat types every distribution licence adms:UnknownIPR: a concept of ADMS
        for kind in self.g.objects(ref, DCT.type):
            if isinstance(kind, URIRef):
                self._concept(kind, ADMS_LICENCE_TYPES)
