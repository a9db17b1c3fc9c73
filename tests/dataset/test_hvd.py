"""High-Value Datasets in DCAT, judged by the official DCAT-AP HVD 3.0.0 SHACL shapes
(SEMICeu: base, ranges and usage notes; shacl/SOURCES.md) and by DCAT-AP 3.0.1's, with pyshacl:
an HVD dataset's own document, the catalogue's HVD part (its HVD datasets and the data services
serving them) and the whole catalogue."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import ckan.plugins.toolkit as tk
import pytest
from ckan.tests import helpers
from pyshacl import validate
from rdflib import Graph, URIRef
from rdflib.namespace import RDF, SH

from ckanext.metropole.demo import content

from . import catalogue_cases as cases
from .conftest import full_dataset
from .test_dcat_shacl import violations as dcat_ap_violations

pytestmark = pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins", "territory")

HVD_SHAPES = Path(__file__).parent / "shacl" / "hvd"
ELI = "http://data.europa.eu/eli/reg_impl/2023/138/oj"
ADDRESSES = "http://data.europa.eu/bna/c_c3de25e4"
GOVERNMENT_FINANCE = "http://data.europa.eu/bna/c_4ac557e7"
STATISTICS = "http://data.europa.eu/bna/c_e1da4e07"
DEMO = Path(__file__).resolve().parents[2] / "demo"
R5R = "http://data.europa.eu/r5r/"
DCAT = "http://www.w3.org/ns/dcat#"


@lru_cache(maxsize=1)
def hvd_shapes() -> Graph:
    graph = Graph()
    for name in ("hvd-SHACL-base.ttl", "hvd-SHACL-ranges.ttl", "hvd-SHACL-usagenotes.ttl"):
        graph.parse(HVD_SHAPES / name, format="turtle")
    return graph


def hvd_violations(data: Graph) -> list[str]:
    _conforms, report, _ = validate(
        data, shacl_graph=hvd_shapes(), inference="none", advanced=True, allow_warnings=True
    )
    return [
        f"{report.value(r, SH.resultPath)} on {report.value(r, SH.focusNode)} "
        f"[{report.value(r, SH.sourceShape)}]: {report.value(r, SH.resultMessage)}"
        for r in report.subjects(RDF.type, SH.ValidationResult)
        if report.value(r, SH.resultSeverity) == SH.Violation
    ]


def hvd_part(catalogue: Graph) -> Graph:
    """The catalogue's HVD part, as data.europa.eu's HVD view selects it: the catalogue, its
    HVD datasets, the data services serving them and everything describing those
    (distributions, agents, contacts, concepts...), the other datasets left out."""
    hvd = set(catalogue.subjects(URIRef(R5R + "applicableLegislation"), URIRef(ELI)))
    others = set(catalogue.subjects(RDF.type, URIRef(DCAT + "Dataset"))) - hvd
    todo = [*catalogue.subjects(RDF.type, URIRef(DCAT + "Catalog")), *hvd]
    part, seen = Graph(), set()
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        for p, o in catalogue.predicate_objects(node):
            if o not in others:
                part.add((node, p, o))
                todo.append(o)
    return part


def hvd_dataset(**overrides):
    data = {
        "name": "adresses-clermont",
        "title": "Base Adresse Locale de Clermont-Ferrand",
        "notes": "Adresses de la commune (Base Adresse Locale), au format BAL 1.4.",
        "theme": ["urbanisme"],
        "hvd_category": ["c_c3de25e4"],
        # sent by a client, never kept: the legislation follows the category
        "applicable_legislation": ["http://example.org/loi"],
        "resources": [
            {"url": "http://example.org/bal.csv", "name": "BAL", "format": "CSV"},
            {
                "url": "http://example.org/bal-api",
                "name": "BAL (API)",
                "format": "CSV",
                "datastore_active": True,
            },
        ],
    }
    return full_dataset(**{**data, **overrides})


def demo_budget(create) -> dict:
    """A high-value dataset of the demo (a commune's budget, Statistics / government expenditure
    and revenue), its CSV loaded into the DataStore as the portal's loader does (datastore_create):
    the portal's records API serves it."""
    entry = next(d for d in content.read(DEMO).datasets if d["name"] == "budget-primitif-clermont-ferrand")
    [file] = [r["file"] for r in entry["resources"]]
    fields = {k: val for k, val in entry.items() if k not in ("resources", "tags")}
    dataset = create(
        **fields,
        tags=[{"name": t} for t in entry.get("tags") or []],
        resources=[
            {"url": "http://example.org/budget.csv", "name": "Budget primitif 2024 (CSV)", "format": "CSV"},
            {"url": "http://example.org/budget-donnees", "name": "Budget (données)", "format": "CSV"},
        ],
    )
    with open(DEMO / "files" / file, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter=";"))
    helpers.call_action(
        "datastore_create",
        resource_id=dataset["resources"][1]["id"],
        fields=[{"id": k, "type": "text"} for k in rows[0]],
        records=rows,
        force=True,
    )
    return helpers.call_action("package_show", id=dataset["id"])


# the portal's records API is declared only under a public address (services.py): the catalogue
# is served under a reserved .example name, as a portal in production is (nothing is fetched)
@pytest.mark.ckan_config("ckan.site_url", "https://data.metropole.example")
def test_hvd_dataset_and_catalogue_meet_the_hvd_shapes(app, create):
    hvd = demo_budget(create)
    create(**full_dataset())
    assert hvd["hvd_category"] == [GOVERNMENT_FINANCE]
    assert hvd["applicable_legislation"] == [ELI]
    assert hvd["resources"][1]["datastore_active"] is True

    document = Graph().parse(data=cases.get(app, f"/dataset/{hvd['name']}.ttl").body, format="turtle")
    ref = next(document.subjects(RDF.type, URIRef(DCAT + "Dataset")))
    assert set(document.objects(ref, URIRef(R5R + "hvdCategory"))) == {URIRef(GOVERNMENT_FINANCE)}
    assert URIRef(STATISTICS) in set(document.objects(ref, URIRef(DCAT + "theme")))
    for distribution in document.objects(ref, URIRef(DCAT + "distribution")):
        assert (distribution, URIRef(R5R + "applicableLegislation"), URIRef(ELI)) in document
    assert hvd_violations(document) == [], "\n".join(hvd_violations(document))
    assert dcat_ap_violations(document) == []

    catalogue = Graph().parse(data=cases.get(app, "/catalog.ttl").body, format="turtle")
    assert len(set(catalogue.subjects(RDF.type, URIRef(DCAT + "Dataset")))) == 2
    part = hvd_part(catalogue)
    assert len(set(part.subjects(RDF.type, URIRef(DCAT + "Dataset")))) == 1
    # the portal's records API, listed by the catalogue, serves it and is an HVD service
    [service] = {
        *part.subjects(URIRef(DCAT + "servesDataset"), ref),
        *(
            o
            for d in part.objects(ref, URIRef(DCAT + "distribution"))
            for o in part.objects(d, URIRef(DCAT + "accessService"))
        ),
    }
    assert (service, URIRef(R5R + "hvdCategory"), URIRef(GOVERNMENT_FINANCE)) in part
    assert hvd_violations(part) == []
    assert dcat_ap_violations(catalogue) == []


def test_the_hvd_shapes_bite():
    """Without its category's scheme, its legislation or an API, an HVD dataset fails."""
    data = Graph()
    dataset = URIRef("http://example.org/d")
    data.add((dataset, RDF.type, URIRef(DCAT + "Dataset")))
    data.add((dataset, URIRef(R5R + "hvdCategory"), URIRef(ADDRESSES)))
    found = " ".join(hvd_violations(data))
    for shape in ("DatasetShape/API]", "DatasetShape/HVDELI]", "HVDCategoryRestriction"):
        assert shape in found, shape


def test_an_agent_marks_a_dataset_hvd_and_sees_what_it_lacks(app, create, sysadmin):
    """The form's field takes the category; the checklist shown before submitting names the
    HVD obligations the dataset does not meet, and only for an HVD dataset."""
    lacking = create(
        **hvd_dataset(
            name="qualite-air",
            hvd_category=["http://data.europa.eu/bna/c_63b37dd4"],
            license_id="odc-odbl",
            resources=[{"url": "https://example.org/air.pdf", "name": "Rapport", "format": "PDF"}],
        )
    )
    context = {"user": sysadmin["name"]}
    checklist = helpers.call_action("metropole_review_checklist_show", context=context, id=lacking["id"])
    status = {c["id"]: c["status"] for c in checklist["criteria"]}
    assert status["hvd_licence"] == "fail" and status["hvd_api"] == "fail"
    assert status["hvd_bulk_download"] == "ok"  # a PDF file is still a download
    labels = " ".join(c["label"] for c in checklist["criteria"] if c["status"] == "fail")
    assert "Donnée de forte valeur : une API" in labels
    complete = create(**hvd_dataset())
    complete_status = {
        c["id"]: c["status"]
        for c in helpers.call_action("metropole_review_checklist_show", context=context, id=complete["id"])[
            "criteria"
        ]
    }
    assert {k: v for k, v in complete_status.items() if k.startswith("hvd_")} == {
        "hvd_licence": "ok",
        "hvd_bulk_download": "ok",
        "hvd_api": "ok",
    }
    plain = create(**full_dataset())
    plain_ids = {
        c["id"]
        for c in helpers.call_action("metropole_review_checklist_show", context=context, id=plain["id"])[
            "criteria"
        ]
    }
    assert not {i for i in plain_ids if i.startswith("hvd_")}
    # the participation page and its action: the commune's HVD datasets by category, and what
    # each lacks
    figures = helpers.call_action("metropole_participation_show", context=context)
    clermont = next(c for c in figures["communes"] if c["name"] == "clermont-ferrand")
    groups = {
        g["label"]: {d["name"]: [x["id"] for x in d["lacking"]] for d in g["datasets"]}
        for g in clermont["hvd"]
    }
    assert groups == {
        "Géospatiales": {"adresses-clermont": []},
        "Observation de la terre et environnement": {"qualite-air": ["licence", "api"]},
    }
    assert (clermont["hvd_datasets"], clermont["hvd_lacking"]) == (2, 1)
    assert (figures["totals"]["hvd"], figures["totals"]["hvd_lacking"]) == (2, 1)
    page = app.get("/participation").body
    assert "Données de forte valeur" in page
    assert "manque : une licence compatible avec CC BY 4.0, une API" in page
    # the quality score: an HVD dataset lacking an obligation is not DCAT-AP (HVD) compliant
    from ckanext.metropole.dataset import quality

    def dcat_ap_points(name):
        shown = helpers.call_action("package_show", id=name)
        org = helpers.call_action("organization_show", id=shown["owner_org"])
        measured = quality.measure(shown, org)
        return next(i for d in measured["dimensions"] for i in d["indicators"] if i["id"] == "dcat_ap")

    assert dcat_ap_points("adresses-clermont")["points"] == 30
    lacking_points = dcat_ap_points("qualite-air")
    assert lacking_points["points"] == 0 and "une API" in lacking_points["hint"]
    # the form offers the EU table, in French, and explains HVD in one line
    form = app.get("/dataset/new", extra_environ={"REMOTE_USER": sysadmin["name"]}).body
    assert "Catégorie de données de forte valeur (HVD)" in form
    assert re.search(r'value="http://data.europa.eu/bna/c_c3de25e4"\s*/>\s*Adresses\s*</option>', form)
    assert "règlement européen 2023/138" in form
    with pytest.raises(tk.ValidationError, match="HVD"):
        create(**full_dataset(name="faux-hvd", hvd_category=["c_inconnue"]))
