"""The Explore API v2.1 (metropole_explore) driven by Opendatasoft's own client
(@opendatasoft/api-client, npm) and by plain URLs, against a CKAN served on 127.0.0.1 whose
DataStore holds the README's kind of table (cities: name, country_code, population, ...)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import requests
from ckan.tests import factories, helpers

from ..conftest import ROOT, ckan_server, free_port, ini_text_with, make_dataset

NODE_DIR = ROOT / ".cache" / "node"
CLIENT = NODE_DIR / "node_modules" / "@opendatasoft" / "api-client" / "package.json"

# Cities as in the README's dataset doc-geonames-cities-5000 (GeoNames: name, country code,
# population, coordinates); populations rounded from INSEE's 2021 figures.
CITIES = [
    ("Paris", "FR", 2133111, 48.8566, 2.3522, "2021-01-01"),
    ("Marseille", "FR", 873076, 43.2965, 5.3698, "2021-01-01"),
    ("Lyon", "FR", 522250, 45.7640, 4.8357, "2022-01-01"),
    ("Montpellier", "FR", 302454, 43.6108, 3.8767, "2022-01-01"),
    ("Clermont-Ferrand", "FR", 147284, 45.7772, 3.0870, "2023-01-01"),
    ("L'Haÿ-les-Roses", "FR", 31000, 48.7800, 2.3374, "2023-01-01"),
    ("Montréal", "CA", 1762949, 45.5017, -73.5673, "2021-01-01"),
    ("Bruxelles", "BE", 1222637, 50.8503, 4.3517, "2020-01-01"),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    url = f"http://127.0.0.1:{free_port()}"
    folder = tmp_path_factory.mktemp("explore")
    ini = folder / "explore.ini"
    ini.write_text(ini_text_with(url))
    with ckan_server(ini, url, folder / "ckan.log"):
        yield url


def _table(dataset, name="villes.csv"):
    fields = [
        {"id": "Name", "type": "text"},
        {"id": "Country Code", "type": "text", "info": {"label": "Code du pays"}},
        {"id": "Population", "type": "int"},
        {"id": "Latitude", "type": "numeric"},
        {"id": "Longitude", "type": "numeric"},
        {"id": "Modified", "type": "date"},
    ]
    records = [dict(zip([f["id"] for f in fields], row, strict=True)) for row in CITIES]
    return helpers.call_action(
        "datastore_create",
        context={"user": factories.Sysadmin()["name"]},
        resource={"package_id": dataset["id"], "name": name, "format": "CSV"},
        fields=fields,
        records=records,
        force=True,
    )


@pytest.fixture
def portal(server, clean_db, clean_index, with_plugins):
    """A public dataset ``villes`` and a private one ``prive`` of the commune Royat, whose editor
    holds a token; an agent of another commune holds one too."""
    royat = factories.Organization(name="royat", title="Royat", kind="commune", insee_code="63308")
    other = factories.Organization(name="riom", title="Riom", kind="commune", insee_code="63300")
    tokens = {}
    for org, user in [(royat, "agent-royat"), (other, "agent-riom")]:
        factories.User(name=user, email=f"{user}@example.org")
        helpers.call_action("organization_member_create", id=org["id"], username=user, role="editor")
        tokens[user] = helpers.call_action("api_token_create", context={"user": user}, user=user, name="t")[
            "token"
        ]
    public = make_dataset(owner_org=royat["id"], name="villes", title="Villes")
    private = make_dataset(owner_org=royat["id"], name="prive", title="Privé", private=True)
    table = _table(public)
    _table(private)
    return {"url": server, "tokens": tokens, "resource_id": table["resource_id"]}


def _node(portal, key=None) -> dict:
    done = subprocess.run(
        ["node", str(Path(__file__).with_name("ods_client.cjs")), portal["url"], key or "", str(NODE_DIR)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def _get(portal, path, token=None, **params):
    headers = {"Authorization": token} if token else {}
    return requests.get(
        f"{portal['url']}/api/explore/v2.1/{path}", params=params, headers=headers, timeout=60
    )


def test_the_official_client_reads_the_portal_as_an_opendatasoft_domain(portal):
    assert CLIENT.exists(), "make install installs @opendatasoft/api-client into .cache/node"
    out = _node(portal, key=portal["tokens"]["agent-royat"])

    top = out["getStarted"].get("ok")
    assert top, out
    assert top["total_count"] == 6
    assert [r["city"] for r in top["results"]][:3] == ["Paris", "Marseille", "Lyon"]
    assert top["results"][0] == {"city": "Paris", "population": 2133111}

    catalog = out["catalog"]["ok"]
    assert catalog["total_count"] == 1  # the private dataset is not listed to an anonymous reader
    villes = catalog["results"][0]
    assert villes["dataset_id"] == "villes" and villes["has_records"] is True
    assert villes["metas"]["default"]["records_count"] == len(CITIES)
    assert villes["metas"]["default"]["publisher"] == "Royat"
    names = {f["name"]: f for f in villes["fields"]}
    code = {"name": "country_code", "label": "Code du pays", "type": "text"}
    assert names["country_code"] == {**code, "annotations": {}, "description": None}
    assert names["modified"]["type"] == "date" and names["population"]["type"] == "int"
    assert names["geo_point_2d"]["type"] == "geo_point_2d"
    assert out["catalogSelect"]["ok"]["results"] == [{"dataset_id": "villes", "records_count": len(CITIES)}]
    assert out["dataset"]["ok"]["dataset_id"] == "villes"

    france = {"country_code": "FR", "n": 6, "max(population)": 2133111}
    assert out["aggregate"]["ok"]["results"][0] == {
        **france,
        "avg_population": pytest.approx(668195.83, 0.01),
    }
    assert [r["name"] for r in out["helpers"]["ok"]["results"]] == [
        "Paris",
        "Marseille",
        "Lyon",
        "L'Haÿ-les-Roses",
    ]
    refined = [r["name"] for r in out["refine"]["ok"]["results"]]
    assert refined == sorted(refined) and "Paris" not in refined and "Montréal" not in refined
    assert len(refined) == 5
    assert [r["name"] for r in out["search"]["ok"]["results"]] == ["Montpellier", "Montréal"]
    assert out["byYear"]["ok"]["results"] == [
        {"year": 2020, "n": 1}, {"year": 2021, "n": 3}, {"year": 2022, "n": 2}, {"year": 2023, "n": 2}
    ]  # fmt: skip
    assert out["page"]["ok"] == {"total_count": 8, "results": [{"name": "Montréal"}, {"name": "Bruxelles"}]}

    # bad queries: 400s in ODS's error shape, saying where they fail; nothing ran
    for name, words in [
        ("badSyntax", "end of query"),
        ("unknownField", "Unknown field: nope"),
        ("injection", "position 11"),
        ("injectionOrder", "position 11"),
    ]:
        assert out[name]["status"] == 400, out[name]
        assert out[name]["details"]["error_code"] == "ODSQLError" and words in out[name]["details"]["message"]
    assert out["absurdLimit"]["status"] == 400
    assert out["absurdLimit"]["details"] == {
        "error_code": "InvalidRESTParameterError",
        "message": "Invalid value for limit API parameter: 1000000 was found but -1 <= limit <= 100 "
        "is expected.",
    }
    # private records: unknown to an anonymous reader, read with the commune editor's key
    assert out["privateAnonymous"]["status"] == 404
    assert out["privateWithKey"]["ok"]["total_count"] == len(CITIES)


def test_private_records_never_leak_and_records_and_exports(portal):
    other, own = portal["tokens"]["agent-riom"], portal["tokens"]["agent-royat"]
    for path in [
        "catalog/datasets/prive",
        "catalog/datasets/prive/records",
        "catalog/datasets/prive/exports/csv",
    ]:
        assert _get(portal, path).status_code == 404
        assert _get(portal, path, token=other).status_code == 404  # another commune's agent
        assert _get(portal, path, token=f"ApiKey {other}").status_code == 404
        assert _get(portal, path, token=own).status_code == 200  # CKAN's header, as the Action API
    assert _get(portal, "catalog/datasets/prive/records", apikey=own).json()["total_count"] == len(CITIES)
    assert _get(portal, "catalog/datasets/prive/records", token="ApiKey not-a-token").status_code == 401

    one = _get(portal, "catalog/datasets/villes/records/1").json()
    assert one["name"] == "Paris" and one["geo_point_2d"] == {"lon": 2.3522, "lat": 48.8566}
    assert one["modified"] == "2021-01-01"
    assert _get(portal, "catalog/datasets/villes/records/999").status_code == 404

    csv_export = _get(portal, "catalog/datasets/villes/exports/csv", where="country_code = 'FR'")
    assert csv_export.headers["Content-Type"].startswith("text/csv")
    assert 'filename="villes.csv"' in csv_export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(csv_export.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == [
        "name",
        "country_code",
        "population",
        "latitude",
        "longitude",
        "modified",
        "geo_point_2d",
    ]
    assert len(rows) == 7 and rows[1][0] == "Paris" and rows[1][-1] == "48.8566, 2.3522"

    geojson = _get(portal, "catalog/datasets/villes/exports/geojson", refine="country_code:BE").json()
    assert geojson["features"][0]["geometry"] == {"type": "Point", "coordinates": [4.3517, 50.8503]}
    lines = _get(
        portal, "catalog/datasets/villes/exports/jsonl", select="name", order_by="name"
    ).text.splitlines()
    assert json.loads(lines[0]) == {"name": "Bruxelles"} and len(lines) == len(CITIES)
    parquet = _get(portal, "catalog/datasets/villes/exports/parquet", select="name, population")
    assert parquet.headers["Content-Type"] == "application/vnd.apache.parquet"
    table = pq.read_table(io.BytesIO(parquet.content))
    assert table.num_rows == len(CITIES) and table.column("population").to_pylist()[0] == 2133111

    # the grammar's other forms, and the catalogue's where/refine/order_by on its metadata
    records = "catalog/datasets/villes/records"
    for where, names in [
        ("name in ('Lyon', 'Paris') and population is not null", ["Lyon", "Paris"]),
        ("name like 'Mont%' and not country_code = 'CA'", ["Montpellier"]),
        ('population in [300000..600000[ or `name` = "Bruxelles"', ["Bruxelles", "Lyon", "Montpellier"]),
        ("modified >= date'2023/01/01' and startswith(name, 'cler')", ["Clermont-Ferrand"]),
        ("latitude > 50 or longitude < 0", ["Bruxelles", "Montréal"]),
    ]:
        found = _get(portal, records, where=where, select="name", order_by="name").json()
        assert [r["name"] for r in found["results"]] == names, (where, found)
    formatted = _get(portal, records, select="date_format(modified, 'yyyy/MM') as d", where="name = 'Lyon'")
    assert formatted.json()["results"] == [{"d": "2022/01"}]
    catalog = "catalog/datasets"
    assert _get(portal, catalog, where='search("Villes")').json()["total_count"] == 1
    assert _get(portal, catalog, where='dataset_id = "prive"').json()["total_count"] == 0  # anonymous
    assert _get(portal, catalog, where='dataset_id = "prive"', token=own).json()["total_count"] == 1
    assert _get(portal, catalog, refine="publisher:Riom").json()["total_count"] == 0
    assert _get(portal, catalog, refine="publisher:Royat").json()["total_count"] == 1
    assert _get(portal, catalog, order_by="nope").json()["error_code"] == "ODSQLError"

    bad = _get(portal, "catalog/datasets/villes/exports/csv", where="population > 'x'")
    assert bad.status_code == 400 and bad.json()["error_code"] == "ODSQLError"

    page = requests.get(f"{portal['url']}/dataset/villes/resource/{portal['resource_id']}", timeout=60).text
    assert "/api/explore/v2.1/catalog/datasets/villes/exports/parquet" in page and "Exporter" in page
    # the current view's filters (CKAN's ?filters=Column:value) go with the links
    filtered = requests.get(
        f"{portal['url']}/dataset/villes/resource/{portal['resource_id']}",
        params={"filters": "Country Code:BE"},
        timeout=60,
    ).text
    assert "/exports/csv?refine=country_code%3ABE" in filtered
