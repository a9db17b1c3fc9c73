"""DCAT-AP, French part: a profile run after ckanext-dcat's euro_dcat_ap_3.

- dcat:theme: our themes as EU Data Theme URIs (our theme kept as a French keyword);
- dct:license: the licence URI, on the dataset and its distributions;
- dct:accrualPeriodicity: the EU frequency URI;
- dct:publisher: the owning organisation, with its name and SIREN;
- dct:spatial: the communes covered (INSEE code and name);
- dct:conformsTo on distributions: the schema.data.gouv.fr schema URL.
"""
from __future__ import annotations

from rdflib import Literal, URIRef
from rdflib.namespace import RDF, SKOS

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckanext.dcat.profiles.base import DCAT, DCT, FOAF, LOCN, RDFProfile
from ckanext.dcat.utils import resource_uri

from . import vocabularies as v
from .communes_field import territory_communes

GEO_COMMUNE = "https://geo.api.gouv.fr/communes/{code}"


class MetropoleDCATAPProfile(RDFProfile):
    def graph_from_dataset(self, dataset_dict, dataset_ref):
        self._themes(dataset_dict, dataset_ref)
        self._license(dataset_dict, dataset_ref)
        self._frequency(dataset_dict, dataset_ref)
        self._publisher(dataset_dict, dataset_ref)
        self._spatial(dataset_dict, dataset_ref)
        self._conforms_to(dataset_dict, dataset_ref)

    def _replace(self, subject, predicate, objects):
        for old in list(self.g.objects(subject, predicate)):
            self.g.remove((subject, predicate, old))
            if not isinstance(old, Literal) and not any(self.g.subjects(None, old)):
                self.g.remove((old, None, None))
        for obj in objects:
            self.g.add((subject, predicate, obj))

    def _themes(self, dataset_dict, dataset_ref):
        labels = v.theme_labels()
        themes = [t for t in dataset_dict.get("theme") or [] if t in labels]
        codes = []
        for theme in v.themes():
            if theme["id"] in themes:
                codes += [c for c in theme["eu_themes"] if c not in codes]
        self._replace(dataset_ref, DCAT.theme, [URIRef(v.EU_THEME + c) for c in codes])
        for theme in themes:
            self.g.add((dataset_ref, DCAT.keyword, Literal(labels[theme], lang="fr")))

    def _license(self, dataset_dict, dataset_ref):
        lic = v.license_ids().get(dataset_dict.get("license_id") or "")
        if not lic or not lic.get("url"):
            return
        uri = URIRef(lic["url"])
        self._replace(dataset_ref, DCT.license, [uri])
        for distribution in self.g.objects(dataset_ref, DCAT.distribution):
            self._replace(distribution, DCT.license, [uri])
        self.g.add((uri, RDF.type, DCT.LicenseDocument))
        self.g.add((uri, DCT.title, Literal(lic["title"], lang="fr")))

    def _frequency(self, dataset_dict, dataset_ref):
        code = dataset_dict.get("frequency")
        if code in v.frequencies():
            self._replace(dataset_ref, DCT.accrualPeriodicity, [URIRef(v.EU_FREQUENCY + code)])

    def _publisher(self, dataset_dict, dataset_ref):
        org = model.Group.get(dataset_dict.get("owner_org") or "")
        if org is None:
            return
        site_url = tk.config.get("ckan.site_url").rstrip("/")
        publisher = URIRef(f"{site_url}/organization/{org.name}")
        self._replace(dataset_ref, DCT.publisher, [publisher])
        self.g.add((publisher, RDF.type, FOAF.Organization))
        self.g.add((publisher, FOAF.name, Literal(org.title, lang="fr")))
        siren = org.extras.get("siren")
        if siren:
            self.g.add((publisher, DCT.identifier, Literal(siren)))
        kind = org.extras.get("kind")
        if kind:
            self.g.add((publisher, DCT.type, Literal(kind)))

    def _spatial(self, dataset_dict, dataset_ref):
        codes = dataset_dict.get("communes") or []
        if not codes:
            return
        names = territory_communes()
        locations = []
        for code in codes:
            location = URIRef(GEO_COMMUNE.format(code=code))
            self.g.add((location, RDF.type, DCT.Location))
            self.g.add((location, DCT.identifier, Literal(code)))
            if code in names:
                self.g.add((location, SKOS.prefLabel, Literal(names[code], lang="fr")))
                self.g.add((location, LOCN.geographicName, Literal(names[code], lang="fr")))
            locations.append(location)
        # keep a bounding-box/geometry location of ckanext-spatial if there is one
        for existing in list(self.g.objects(dataset_ref, DCT.spatial)):
            if not any(self.g.objects(existing, LOCN.geometry)) and not any(self.g.objects(existing, DCAT.bbox)):
                self.g.remove((dataset_ref, DCT.spatial, existing))
        for location in locations:
            self.g.add((dataset_ref, DCT.spatial, location))

    def _conforms_to(self, dataset_dict, dataset_ref):
        for resource in dataset_dict.get("resources") or []:
            value = resource.get("conforms_to")
            if not value:
                continue
            values = value if isinstance(value, list) else [value]
            distribution = URIRef(resource_uri(resource))
            self._replace(distribution, DCT.conformsTo, [URIRef(v.schema_url(x)) for x in values])
