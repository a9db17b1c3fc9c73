"""High-Value Datasets (Implementing Regulation (EU) 2023/138) on datasets.

An agent marks a dataset HVD by choosing its category or categories (``hvd_category``: concepts
of the EU table, ``config/hvd.yaml``); its ``applicable_legislation`` (the regulation's ELI) is
set from the category, never typed. What an HVD dataset owes — a licence compatible with
CC BY 4.0 or more permissive, a bulk download, an API — is checked here for the publication
criteria (review), the quality score and the participation page; the DCAT-AP HVD properties
(``r5r:hvdCategory``, ``r5r:applicableLegislation``) are written by the DCAT profile
(``add_to_graph``) as the DCAT-AP HVD 3.0.0 shapes want them.
"""

from __future__ import annotations

import json
from functools import lru_cache

import ckan.plugins.toolkit as tk
from ckan.lib.navl.dictization_functions import Invalid
from ckan.plugins.toolkit import _
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ..lists import as_list
from ..messages import translate
from . import dcat_input
from . import vocabularies as v

FIELD, LEGISLATION_FIELD = "hvd_category", "applicable_legislation"
R5R = "http://data.europa.eu/r5r/"
DCAT_NS = "http://www.w3.org/ns/dcat#"
VCARD = "http://www.w3.org/2006/vcard/ns#"
ELI_LEGAL_RESOURCE = URIRef("http://data.europa.eu/eli/ontology#LegalResource")
# What an HVD dataset owes, in the order the agent reads it; labels are English msgids.
OBLIGATIONS = {
    "licence": "a licence compatible with CC BY 4.0",
    "bulk_download": "a bulk download",
    "api": "an API",
}


@lru_cache(maxsize=1)
def settings() -> dict:
    return v._yaml("hvd.yaml")


def legislation() -> str:
    return settings()["legislation"]


@lru_cache(maxsize=1)
def concepts() -> dict[str, dict]:
    """Every concept of the table by IRI: its English label (a msgid), its category's IRI."""
    base, out = settings()["base"], {}
    for top in settings()["categories"]:
        top_uri = base + top["code"]
        out[top_uri] = {"label": top["label"], "top": top_uri}
        for item in top.get("narrower") or []:
            out[base + item["code"]] = {"label": item["label"], "top": top_uri}
    return out


def label(uri: str, locale: str | None = None) -> str:
    concept = concepts().get(uri)
    return translate(concept["label"], locale) if concept else uri


def category_choices(field=None) -> list[dict]:
    """scheming choices (English msgids, translated by scheming): each category then its
    narrower concepts, the most granular selectable."""
    return [{"value": uri, "label": c["label"]} for uri, c in concepts().items()]


def categories_of(dataset: dict) -> list[str]:
    return [u for u in as_list(dataset.get(FIELD), split=r"[,;\s]+") if u in concepts()]


def is_hvd(dataset: dict) -> bool:
    return bool(categories_of(dataset))


def top_categories(dataset: dict) -> list[str]:
    return list(dict.fromkeys(concepts()[u]["top"] for u in categories_of(dataset)))


# --- validators (schemas/dataset.yaml) ---------------------------------------------------


def _sent(value) -> list[str]:
    """The categories as a client sends them (IRIs or codes such as c_ac64a52d), as IRIs."""
    base = settings()["base"]
    return [i if i.startswith("http") else base + i for i in as_list(value, split=r"[,;\s]+")]


def category_validator(value, context):
    """A list of concepts of the table, given by IRI or by code (c_ac64a52d)."""
    sent = _sent(value)
    unknown = [u.rsplit("/", 1)[-1] for u in sent if u not in concepts()]
    if unknown:
        raise Invalid(
            _("Unknown HVD category: “{value}”. Choose categories of the list.").format(
                value=", ".join(unknown)
            )
        )
    return json.dumps(list(dict.fromkeys(sent))) if sent else ""


def legislation_validator(key, data, errors, context):
    """The regulation's ELI when the dataset has an HVD category, nothing otherwise: whatever
    was sent (the field is derived, never typed). navl runs the validators in the order of the
    field names: the category may not be validated yet (codes or IRIs as sent)."""
    known = any(u in concepts() for u in _sent(data.get((FIELD,))))
    data[key] = json.dumps([legislation()]) if known else ""


# --- obligations -------------------------------------------------------------------------


def _is_bulk_download(resource: dict) -> bool:
    prepared = dcat_input._resource(resource, None)
    return bool(prepared and prepared.get("download_url"))


def _is_api(resource: dict) -> bool:
    fmt = str(resource.get("format") or "").strip().lower()
    api_formats = {f.lower() for f in settings()["api_formats"]}
    served = str(resource.get("datastore_active")).lower() == "true"
    return served or (fmt in api_formats and bool((resource.get("url") or "").strip()))


def obligations(dataset: dict) -> dict[str, bool]:
    """Each obligation of an HVD dataset: met or not (for any dataset; only HVD ones owe)."""
    resources = dataset.get("resources") or []
    return {
        "licence": dataset.get("license_id") in settings()["licences"],
        "bulk_download": any(_is_bulk_download(r) for r in resources),
        "api": any(_is_api(r) for r in resources),
    }


def lacking(dataset: dict) -> list[str]:
    """The obligations an HVD dataset does not meet (none for a dataset that is not HVD)."""
    if not is_hvd(dataset):
        return []
    return [k for k, met in obligations(dataset).items() if not met]


def obligation_label(key: str, locale: str | None = None) -> str:
    return translate(OBLIGATIONS[key], locale)


# --- DCAT ---------------------------------------------------------------------------------


def add_to_graph(g, dataset_ref, dataset_dict: dict) -> None:
    """The DCAT-AP HVD properties of an HVD dataset (``dataset_dict``, as the profile gets it):
    r5r:hvdCategory and r5r:applicableLegislation on the dataset, the legislation on each
    distribution and on the data services they name (declared HVD services of the same
    categories); each category a skos:Concept of the EU table (the shapes check its
    skos:inScheme) with its French label, its top category also a dcat:theme (data.gouv.fr's
    harvester tags a dataset "hvd" from such a theme: udata/rdf.py theme_labels_from_rdf)."""
    hvd_category, applicable = URIRef(R5R + "hvdCategory"), URIRef(R5R + "applicableLegislation")
    # ckanext-dcat also writes the stored fields: only concepts of the table are kept
    g.remove((dataset_ref, hvd_category, None))
    g.remove((dataset_ref, applicable, None))
    categories = [URIRef(c) for c in categories_of(dataset_dict)]
    if not categories:
        return
    eli = URIRef(legislation())
    g.add((eli, RDF.type, ELI_LEGAL_RESOURCE))
    g.add((dataset_ref, applicable, eli))
    for concept in categories:
        g.add((dataset_ref, hvd_category, concept))
    scheme = URIRef(settings()["scheme"])
    g.add((scheme, RDF.type, SKOS.ConceptScheme))
    g.add((scheme, URIRef("http://purl.org/dc/terms/title"), Literal(settings()["scheme_label"], lang="en")))
    tops = []
    for concept in categories:
        top = URIRef(concepts()[str(concept)]["top"])
        tops.append(top)
        for node in {concept, top}:
            g.add((node, RDF.type, SKOS.Concept))
            g.add((node, SKOS.inScheme, scheme))
            if not any(g.objects(node, SKOS.prefLabel)):
                g.add((node, SKOS.prefLabel, Literal(label(str(node), "fr"), lang="fr")))
        if top != concept:
            g.add((concept, SKOS.broader, top))
    for top in dict.fromkeys(tops):
        g.add((dataset_ref, URIRef(DCAT_NS + "theme"), top))
    if not any(g.objects(eli, RDFS.label)):
        g.add((eli, RDFS.label, Literal(translate(settings()["legislation_label"], "fr"), lang="fr")))
    services = set(g.subjects(URIRef(DCAT_NS + "servesDataset"), dataset_ref))
    for distribution in g.objects(dataset_ref, URIRef(DCAT_NS + "distribution")):
        g.add((distribution, applicable, eli))
        services.update(g.objects(distribution, URIRef(DCAT_NS + "accessService")))
    for service in services:
        g.add((service, applicable, eli))
        for concept in categories:
            g.add((service, hvd_category, concept))
    _typed_contacts(g, [dataset_ref, *services])


def _typed_contacts(g, subjects) -> None:
    """The HVD range shapes want a contact's e-mail and web page typed rdfs:Resource."""
    for subject in subjects:
        for kind in g.objects(subject, URIRef(DCAT_NS + "contactPoint")):
            for predicate in (URIRef(VCARD + "hasEmail"), URIRef(VCARD + "hasURL")):
                for value in g.objects(kind, predicate):
                    if isinstance(value, URIRef):
                        g.add((value, RDF.type, RDFS.Resource))


# --- per organisation (the participation page) ------------------------------------------

# Solr keeps the stored JSON text of the field: any value marks a dataset that has one
SEARCH_FILTER = f"+{FIELD}:[* TO *] +dataset_type:dataset"


def by_organisation(context: dict) -> dict[str, list[dict]]:
    """The public HVD datasets of each organisation (by name), grouped by top category:
    ``[{category, label, datasets: [{name, title, lacking: [{id, label}]}]}]``."""
    found = tk.get_action("package_search")(
        {"user": context.get("user"), "auth_user_obj": context.get("auth_user_obj")},
        {"fq": SEARCH_FILTER, "rows": 1000, "sort": "title_string asc"},
    )["results"]
    out: dict[str, dict[str, dict]] = {}
    for dataset in found:
        org = (dataset.get("organization") or {}).get("name")
        if not org:
            continue
        entry = {
            "name": dataset["name"],
            "title": dataset.get("title") or dataset["name"],
            "lacking": [{"id": k, "label": obligation_label(k)} for k in lacking(dataset)],
        }
        for top in top_categories(dataset):
            group = out.setdefault(org, {}).setdefault(
                top, {"category": top, "label": label(top), "datasets": []}
            )
            group["datasets"].append(entry)
    return {org: sorted(groups.values(), key=lambda g: g["label"]) for org, groups in out.items()}
