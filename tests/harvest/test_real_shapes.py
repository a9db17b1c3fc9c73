"""Issue #9: what real portals answer (shapes in fixtures/SOURCES.md), harvested without loss.

Each test names the defect class it covers: Opendatasoft metadata templates and nulls (4), HTML
from Word (9), compound themes (5), short listings (6), notes are warnings (10), DCAT themes
(2), bad secondary fields (7), URL-shaped identifiers (11), JSON-LD remote contexts (3), the
older udata API (8).
"""

from __future__ import annotations

import json

import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.harvest.protocols import dcat

from .conftest import ODS, assert_landed, harvested, package, serve_ods
from .portal_server import FIXTURES

EXPORT = "/api/explore/v2.1/catalog/exports/dcat"


def _ods(portal, total=None, keep=None):
    data = json.loads((FIXTURES / "opendatasoft/templates_0.json").read_text())
    if total is not None:
        data["total_count"] = total
    if keep is not None:
        data["results"] = [r for r in data["results"] if r["dataset_id"] in keep]
    body = json.dumps(data)
    portal.clear(ODS)
    portal.add(ODS, body, query={"limit": 1})
    portal.add(ODS, body, query={"limit": 100, "offset": 0})


def test_opendatasoft_templates_nulls_html_and_warnings(portal, make_source, harvest, app):
    _ods(portal, total=2)
    source = make_source(portal.url, owner="royat")
    result = harvest(source)
    assert result["gather_errors"] == [] and result["stats"]["added"] == 2
    # notes (unknown licence, …) are warnings: nothing refused, nothing counted as an error
    assert result["stats"]["errored"] == 0 and result["object_errors"] == []
    assert any("Bornes de recharge" in w and "aucune licence" in w for w in result["warnings"])

    fantoir = package("royat-fantoir-vanves")
    assert fantoir["frequency"] == "ANNUAL"  # metas.dcat.accrualperiodicity
    assert fantoir["issued"] == "2019-06-01"  # metas.dcat.issued
    assert (fantoir["temporal_start"], fantoir["temporal_end"]) == ("2019-01-01", "2023-12-31")
    assert "citoyennete" in fantoir["theme"]  # "Citoyenneté / Institution"
    notes = fantoir["notes"]
    assert "FANTOIR :\n" in notes and "FANTOIR :-" not in notes and "<" not in notes
    assert "Mise à jour" in notes and "\xa0" not in notes
    assert "- voies privées\n- lieux-dits" in notes
    assert sorted(t["name"] for t in fantoir["tags"]) == ["adresses", "voirie"]

    bornes = package("royat-bornes-de-recharge")  # every metas.default field null
    assert bornes["frequency"] == "MONTHLY" and bornes["theme"] == ["transports"]  # metas.inspire theme
    assert bornes["license_id"] == "notspecified" and bornes["notes"] == ""
    csv = next(r for r in bornes["resources"] if r["format"] == "CSV")
    assert csv["conforms_to"].endswith("schema-irve-statique/latest/schema.json")

    sysadmin = factories.SysadminWithToken()
    page = app.get(
        f"/harvest/{source['name']}/job/{result['job'].id}", headers={"Authorization": sysadmin["token"]}
    ).body
    assert "Avertissements" in page and "aucune licence indiquée" in page


def test_only_a_refused_dataset_counts_as_a_job_error(portal, make_source, harvest, app):
    """A dataset whose address is taken by one the commune published by hand is refused (one
    error); the other lands with its notes (warnings, not errors)."""
    org = helpers.call_action("organization_show", id="royat")
    sysadmin = factories.Sysadmin()
    helpers.call_action(
        "package_create",
        context={"user": sysadmin["name"]},
        name="royat-fantoir-vanves",
        title="Voies (saisie manuelle)",
        owner_org=org["id"],
        theme=["urbanisme"],
        license_id="lov2",
        notes="Saisi à la main.",
    )
    _ods(portal, total=2)
    source = make_source(portal.url, owner="royat")
    result = harvest(source)
    assert result["stats"]["added"] == 1
    assert any("« royat-fantoir-vanves » est déjà prise" in e for e in result["object_errors"])
    assert any("aucune licence" in w for w in result["warnings"])
    # errored == 1: the refused dataset, not the warnings
    assert_landed(app, source, result, "royat", [package("royat-bornes-de-recharge")["title"]], refused=1)
    assert package("royat-fantoir-vanves")["notes"] == "Saisi à la main."  # nothing overwritten


def test_short_opendatasoft_listing_withdraws_nothing(portal, make_source, harvest, app):
    _ods(portal, total=2)
    source = make_source(portal.url, owner="royat")
    harvest(source)
    _ods(portal, total=19, keep={"bornes-de-recharge"})  # 19 announced, 1 served
    result = harvest(source)
    # a warning, not a job error: what was read is imported, nothing is withdrawn
    message = "la source annonce 19 jeux de données, 1 lus"
    assert result["gather_errors"] == [] and result["stats"]["errored"] == 0
    assert message in result["warnings"][0]
    assert result["stats"]["deleted"] == 0
    assert harvested("royat") == ["royat-bornes-de-recharge", "royat-fantoir-vanves"]
    # in the API (job and report), beside the errors, and on the job page under "Avertissements"
    sysadmin = factories.SysadminWithToken()
    job_id = result["job"].id
    shown = helpers.call_action("harvest_job_show", id=job_id)
    assert any(message in w for w in shown["warnings"]) and shown["gather_error_summary"] == []
    report = helpers.call_action("harvest_job_report", context={"user": sysadmin["name"]}, id=job_id)
    assert any(message in w for w in report["warnings"]) and report["gather_errors"] == []
    page = app.get(
        f"/harvest/{source['name']}/job/{job_id}", headers={"Authorization": sysadmin["token"]}
    ).body
    warnings = page.split("Avertissements", 1)[1]
    assert message in warnings


def test_dcat_export_themes_urls_names_and_short_listing(portal, make_source, harvest):
    portal.add(EXPORT, fixture="dcat/ods_export_short.ttl", content_type="text/turtle")
    source = make_source(portal.url + EXPORT, owner="durtol", config='{"protocol": "dcat"}')
    result = harvest(source)
    # three datasets landed although two landing pages are not URLs
    assert result["stats"]["added"] == 3 and result["stats"]["errored"] == 0  # a short listing is a warning
    assert result["gather_errors"] == []
    assert any("annonce 2561 jeux de données, 3 lus" in w for w in result["warnings"])
    names = harvested("durtol")
    # short, readable and stable names from URL-shaped identifiers
    assert [n.rsplit("-", 1)[0] for n in names] == [
        "durtol-arbres-remarquables",
        "durtol-etat-civil-naissances",
        "durtol-lignes-de-bus",
    ]
    assert all(len(n) < 45 for n in names)
    arbres, naissances, bus = (package(n) for n in names)
    assert arbres["theme"] == ["environnement"]  # EU data-theme URI
    assert "citoyennete" in naissances["theme"]  # Opendatasoft's ?refine.theme=… URI
    assert bus["theme"] == ["transports"]  # skos:prefLabel of the concept
    assert not arbres.get("url")  # "hello" dropped…
    assert naissances["url"] == "https://www.example.org"  # …"www.example.org" repaired
    assert any("hello" in w for w in result["warnings"])
    assert "Mise à jour annuelle" in arbres["notes"]
    assert harvest(source)["stats"]["not modified"] == 3  # the names are stable


def test_dcat_us_from_arcgis_hub_never_fetches_its_context(portal, make_source, harvest):
    portal.add("/data.json", fixture="dcat/dcat_us_arcgis.json", content_type="application/json")
    result = harvest(make_source(portal.url + "/data.json", owner="cebazat", config='{"protocol": "dcat"}'))
    assert result["gather_errors"] == [], result["gather_errors"]
    [name] = harvested("cebazat")
    pav = package(name)
    assert pav["title"] == "Points d'apport volontaire"
    assert pav["issued"] == "2021-04-12"  # DCAT-US "issued", through the shipped context
    assert pav["theme"] == ["environnement"] and pav["license_id"] == "lov2"
    assert "conteneurs de tri" in pav["notes"] and "<" not in pav["notes"]
    assert not any("catalog.jsonld" in r for r in portal.requests)


def test_dcat_ap_jsonld_with_semiceu_context_lands_without_network(portal, make_source, harvest, app):
    """A DCAT-AP 3.0.1 JSON-LD catalogue naming SEMICeu's published context (type-scoped terms:
    "releaseDate", "datasetDistribution", "accessUrl"…) is read with the shipped copy."""
    portal.add("/catalogue.jsonld", fixture="dcat/dcat_ap_3.jsonld", content_type="application/ld+json")
    source = make_source(portal.url + "/catalogue.jsonld", owner="lempdes")  # protocol detected
    result = harvest(source)
    # semiceu.github.io is neither reachable nor allowed here: the context was never fetched
    assert result["gather_errors"] == [], result["gather_errors"]
    assert result["stats"]["added"] == 2
    assert_landed(app, source, result, "lempdes", ["Aires de jeux", "Toilettes publiques"])
    jeux = package(next(n for n in harvested("lempdes") if "aires-de-jeux" in n))
    assert jeux["title"] == "Aires de jeux" and jeux["theme"] == [
        "culture"
    ]  # keyword "loisirs" before EU EDUC
    assert (jeux["issued"], jeux["modified"]) == ("2021-06-15", "2024-02-01")
    assert jeux["frequency"] == "ANNUAL" and jeux["license_id"] == "lov2"
    assert jeux["resources"][0]["url"].endswith("/files/aires-de-jeux.csv")
    toilettes = package(next(n for n in harvested("lempdes") if "toilettes" in n))
    assert toilettes["license_id"] == "odc-odbl" and toilettes["issued"] == "2020-01-10"


@pytest.mark.parametrize("url", sorted(dcat.KNOWN_CONTEXTS))
def test_every_well_known_context_is_shipped(url):
    class NoNetwork:
        def get(self, *args, **kwargs):
            raise AssertionError(f"{url} fetched")

    context = dcat._context(NoNetwork(), url, {})
    assert isinstance(context, dict) and len(context) > 10


def test_unknown_remote_context_goes_through_the_guarded_client(portal, make_source, harvest):
    data = json.loads((FIXTURES / "dcat/dcat_us_arcgis.json").read_text())
    data["@context"] = "http://169.254.169.254/latest/context.jsonld"  # cloud metadata address
    portal.add("/data.json", json.dumps(data), content_type="application/json")
    result = harvest(make_source(portal.url + "/data.json", owner="cebazat", config='{"protocol": "dcat"}'))
    assert any("Contexte JSON-LD" in e and "Adresse refusée" in e for e in result["gather_errors"])
    assert harvested("cebazat") == []


METADATA_URL = "http://169.254.169.254/latest/context.jsonld"


@pytest.mark.parametrize(
    "context",
    [
        # JSON-LD 1.1 (W3C Recommendation, "Imported Contexts" and "Scoped Contexts"): a remote
        # context imported into a local one, or scoping one term
        ["https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld", {"@import": METADATA_URL}],
        [
            "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld",
            {"keyword": {"@id": "http://www.w3.org/ns/dcat#keyword", "@context": METADATA_URL}},
        ],
    ],
    ids=["import", "scoped"],
)
def test_nested_remote_contexts_go_through_the_guarded_client(portal, make_source, harvest, context):
    data = json.loads((FIXTURES / "dcat/dcat_us_arcgis.json").read_text())
    data["@context"] = context
    portal.add("/data.json", json.dumps(data), content_type="application/json")
    result = harvest(make_source(portal.url + "/data.json", owner="cebazat", config='{"protocol": "dcat"}'))
    # refused by the guarded client (a French reason), never fetched by rdflib (URLError)
    assert any("Contexte JSON-LD" in e and "Adresse refusée" in e for e in result["gather_errors"]), result
    assert harvested("cebazat") == []


def test_older_udata_api_bare_list(portal, make_source, harvest):
    portal.add("/api/1/site/", fixture="udata/site.json")
    portal.add("/api/1/organizations/commune-d-aulnat/datasets/", fixture="udata/bare_list.json")
    result = harvest(make_source(portal.url, owner="aulnat", config='{"organization": "commune-d-aulnat"}'))
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["Mobilité et transports"], ["transports"]),
        (["Environnement et climat"], ["environnement"]),
        (["etat-civil"], ["citoyennete"]),
        (["dechet"], ["environnement"]),
        (["Sports & loisirs"], ["sports", "culture"]),
        # French plurals in -aux: "sociaux" is "social", "hôpitaux" "hôpital" ("réseaux" "réseau")
        (["Services sociaux"], ["citoyennete"]),
        (["Hôpital"], ["sante"]),
    ],
)
def test_compound_and_slug_themes(labels, expected):
    from ckanext.metropole.harvest.mapping import map_themes
    from ckanext.metropole.harvest.sourceconfig import SourceConfig

    assert map_themes(labels, SourceConfig()) == expected


def _dkan(portal, name, **changes):
    data = json.loads((FIXTURES / f"ckan/dkan_show_{name}.json").read_text())
    package = data["result"][0]
    for key, value in changes.items():
        if value is None:
            package.pop(key, None)
        else:
            package[key] = value
    portal.add("/api/3/action/package_show", json.dumps(data), query={"id": name})


# Drupal's "medium" date format (D, m/d/Y - H:i) as DKAN 7 writes metadata_created: in English,
# translated and reordered d/m/Y by a French site, and without its weekday, where day and
# month cannot be told apart (10/12/2019: 10 December or 12 October?)
DKAN_CREATED = {
    "arbres": "Mon, 12/09/2019 - 14:05",
    "bornes-verre": "lun, 09/12/2019 - 14:05",
    "deliberations-2024": "10/12/2019 - 09:23",
}


def serve_dkan7(portal):
    """DKAN 7 quirks of issue #9: the publisher as a "group/…" group (no organisation), the
    licence only as a URL in license_title, dates written "mar, 10/12/2019 - 09:23", tags
    in capitals."""
    portal.add("/api/3/action/package_list", fixture="ckan/dkan_package_list.json")
    group = [{"name": "group/ville-de-royat", "title": "Ville de Royat"}]
    for name in ("bornes-verre", "deliberations-2024", "arbres"):
        _dkan(
            portal,
            name,
            organization=None,
            groups=group,
            license_id=None,
            license_title="http://www.data.gouv.fr/Licence-Ouverte-Open-Licence",
            metadata_modified="mar, 10/12/2019 - 09:23",
            metadata_created=DKAN_CREATED[name],
            tags=[{"name": "ENVIRONNEMENT", "display_name": "ENVIRONNEMENT"}],
        )


def test_dkan7_groups_licence_url_capital_tags_and_dates(portal, make_source, harvest, app):
    serve_dkan7(portal)
    source = make_source(
        portal.url, owner="royat", config='{"protocol": "ckan", "organization": "ville-de-royat"}'
    )
    result = harvest(source)
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3
    assert_landed(
        app,
        source,
        result,
        "royat",
        ["Arbres d'alignement", "Bornes à verre", "Délibérations du conseil municipal"],
    )
    arbres = package("royat-arbres")
    assert arbres["license_id"] == "fr-lo"
    assert [t["name"] for t in arbres["tags"]] == ["environnement"]
    # "mar" (Tuesday) says 10/12/2019 is 10 December; "Mon"/"lun" say 12/09 and 09/12 are 9 December
    assert (arbres["issued"], arbres["modified"]) == ("2019-12-09", "2019-12-10")
    assert package("royat-bornes-verre")["issued"] == "2019-12-09"
    # an ambiguous date is dropped with a French warning; the dataset lands
    delib = package("royat-deliberations-2024")
    assert delib["issued"] == "" and delib["modified"] == "2019-12-10"
    assert any(
        "Délibérations" in w and "10/12/2019 - 09:23" in w and "ambiguë" in w for w in result["warnings"]
    )


def test_dkan7_unknown_organization_says_so(portal, make_source, harvest):
    serve_dkan7(portal)
    result = harvest(
        make_source(portal.url, owner="royat", config='{"protocol": "ckan", "organization": "autre"}')
    )
    assert any(
        "Aucun jeu de l'organisation « autre »" in e and "ville-de-royat" in e
        for e in result["gather_errors"]
    )


def test_identity_survives_a_platform_change(portal, make_source, harvest, small_pages):
    """The portal moves from Opendatasoft's API to its DCAT export: remote ids change
    (dataset_id -> URI), the landing page (or a distribution URL) stays: same datasets."""
    serve_ods(portal)
    source = make_source(portal.url, owner="royat", config='{"max_withdrawal_ratio": 1}')
    harvest(source)
    before = {n: package(n)["id"] for n in harvested("royat")}
    portal.add(EXPORT, fixture="dcat/ods_moved.ttl", content_type="text/turtle")
    sysadmin = helpers.call_action("get_site_user", context={"ignore_auth": True})
    helpers.call_action(
        "harvest_source_patch",
        context={"user": sysadmin["name"]},
        id=source["id"],
        url=portal.url + EXPORT,
        config='{"protocol": "dcat", "max_withdrawal_ratio": 1}',
    )
    result = harvest(source)
    assert result["stats"]["added"] == 0, result
    assert result["stats"]["updated"] == 2  # matched by landing page, and by a distribution URL
    assert result["stats"]["deleted"] == 3  # the three no longer listed
    for name in ("royat-defibrillateurs-roubaix", "royat-ecoles-maternelles"):
        assert package(name)["id"] == before[name] and package(name)["state"] == "active"


def test_one_bad_field_never_costs_the_dataset(portal, make_source, harvest):
    """A field the schema refuses (here a temporal coverage "depuis 2015" and an end date that
    is not a date) is dropped with a warning; the dataset lands."""
    items = json.loads((FIXTURES / "udata/bare_list.json").read_text())
    items[0]["temporal_coverage"] = {"start": "depuis 2015", "end": "2023-13-45"}
    portal.add("/api/1/site/", fixture="udata/site.json")
    portal.add("/api/1/organizations/commune-d-aulnat/datasets/", json.dumps(items))
    result = harvest(make_source(portal.url, owner="aulnat", config='{"organization": "commune-d-aulnat"}'))
    assert result["stats"]["added"] == 3 and result["stats"]["errored"] == 0
    assert any("champ(s) invalide(s) ignoré(s)" in w and "temporal" in w for w in result["warnings"])


def test_hydra_total_items_on_the_collection_is_read():
    """Hydra Core's own example (www.hydra-cg.com/spec/latest/core, "Collections"): totalItems on
    the hydra:Collection, the page a PartialCollectionView under hydra:view. The announced
    total is read there too, so such a catalogue's short listing withdraws nothing."""
    from ckanext.dcat.processors import RDFParser

    page = """@prefix hydra: <http://www.w3.org/ns/hydra/core#> .
@prefix dcat: <http://www.w3.org/ns/dcat#> .
@prefix dct: <http://purl.org/dc/terms/> .
<http://api.example.com/catalog> a dcat:Catalog, hydra:Collection ; hydra:totalItems 4980 ;
  dcat:dataset <http://api.example.com/datasets/1> ;
  hydra:view <http://api.example.com/catalog?page=3> .
<http://api.example.com/catalog?page=3> a hydra:PartialCollectionView ;
  hydra:first <http://api.example.com/catalog?page=1> ; hydra:next <http://api.example.com/catalog?page=4> .
<http://api.example.com/datasets/1> a dcat:Dataset ; dct:title "Arbres" ."""
    parser = RDFParser()
    parser.parse(page, _format="turtle")
    assert dcat._total_items(parser.g) == 4980
    assert parser.next_page() == "http://api.example.com/catalog?page=4"


def test_csw_iso_19115_2_records_land_too(portal, make_source, harvest, monkeypatch):
    """A GeoNetwork also serves gmi:MI_Metadata records (ISO 19115-2: imagery, gridded data),
    which OWSLib and ckanext-spatial read as ISO records: here the real GéoBretagne record
    under that root."""
    from ckanext.metropole.harvest.protocols import csw

    path = "/geonetwork/srv/fre/csw"
    monkeypatch.setattr(csw, "PAGE", 1)
    gmi = 'xmlns:gmi="http://www.isotc211.org/2005/gmi" '
    records = {}
    for n in (1, 2):
        xml = (FIXTURES / f"csw/records_{n}.xml").read_text()
        records[n] = (
            xml.replace("<gmd:MD_Metadata ", "<gmi:MI_Metadata " + gmi).replace(
                "</gmd:MD_Metadata>", "</gmi:MI_Metadata>"
            )
            if n == 2
            else xml
        )
        assert n == 1 or "gmi:MI_Metadata" in records[n]
    portal.add(
        path,
        fixture="csw/capabilities.xml",
        content_type="application/xml",
        query={"request": "GetCapabilities"},
    )
    for n in (1, 2):
        portal.add(
            path,
            records[n],
            content_type="application/xml",
            query={"request": "GetRecords", "startPosition": n},
        )
    result = harvest(make_source(portal.url + path, owner="cebazat", config='{"protocol": "csw"}'))
    assert result["gather_errors"] == [] and result["stats"]["added"] == 2
    assert not any("annonce" in w for w in result["warnings"])  # 2 matched, 2 read: complete


def test_a_ckan_that_caps_its_pages_is_read_whole(portal, make_source, harvest, small_pages):
    """A CKAN whose pages hold fewer rows than asked (ckan.search.rows_max, a CKAN-compatible
    facade): the next page starts after what was received, so no dataset is skipped."""
    search = "/api/3/action/package_search"
    first = json.loads((FIXTURES / "ckan/search_0.json").read_text())
    rest = json.loads(json.dumps(first))
    first["result"]["results"] = first["result"]["results"][:1]  # 1 row although 2 were asked
    rest["result"]["results"] = rest["result"]["results"][1:]
    portal.add("/api/3/action/status_show", fixture="ckan/status_show.json")
    portal.add(search, json.dumps(first), query={"rows": 2, "start": 0})
    portal.add(search, json.dumps(rest), query={"rows": 2, "start": 1})
    portal.add(search, fixture="ckan/search_2.json", query={"rows": 2, "start": 2})
    result = harvest(make_source(portal.url, owner="royat"))
    assert result["gather_errors"] == [] and result["stats"]["added"] == 3
    assert harvested("royat") == ["royat-arbres", "royat-bornes-verre", "royat-deliberations-2024"]
    assert not any("annonce" in w for w in result["warnings"])  # the listing is complete
