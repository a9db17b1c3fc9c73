"""The demo content: what demo/ holds, and its loader (idempotent, removable) on the test
database, harvesting the Opendatasoft-shaped demo portal through a real local server."""
from __future__ import annotations

import collections
import os
import shutil

import pytest
import yaml

import ckan.model as model
import ckan.plugins.toolkit as tk
from ckan.tests import helpers

from ckanext.metropole.dataset import vocabularies as v
from ckanext.metropole.demo import content as c, loader

from ..conftest import ROOT, load_territory

DEMO = ROOT / "demo"


def _datasets(content):
    """The demo's datasets, without its series and data services (records of their own types)."""
    return [d for d in content.datasets if d.get("type", "dataset") == "dataset"]


def test_demo_folder_has_the_promised_breadth():
    content = c.read(DEMO)
    datasets = _datasets(content)
    assert len(datasets) >= 40
    themes = collections.Counter(t for d in datasets for t in d["theme"])
    assert set(themes) == {t["id"] for t in v.themes()}  # all 13 themes
    owners = {d["owner_org"] for d in datasets}
    assert len(owners - {"clermont-auvergne-metropole"}) >= 10
    assert all(d["resources"] and all(r["format"] in ("CSV", "GeoJSON") for r in d["resources"])
               for d in datasets)
    # issue 26: a series of several years, a data service serving a dataset of the demo
    records = {d.get("type"): d for d in content.datasets if d.get("type", "dataset") != "dataset"}
    names = [d["name"] for d in content.datasets]
    members = [m.strip() for m in records["dataset_series"]["series_members"].split(",")]
    assert len(members) >= 3 and all(names.index(m) < names.index(records["dataset_series"]["name"])
                                     for m in members)
    assert records["dataservice"]["served_datasets"] in names
    assert [s["portal"] for s in content.sources] == ["chamalieres"]


def test_malformed_folder_is_refused_naming_the_file(tmp_path):
    (tmp_path / "datasets").mkdir()
    (tmp_path / "datasets" / "bad.yaml").write_text("datasets: [{title: sans nom}]\n")
    with pytest.raises(c.ContentError, match="bad.yaml"):
        c.read(tmp_path)
    (tmp_path / "datasets" / "bad.yaml").write_text("datasets: [{name: x, resources: [{file: absent.csv}]}]\n")
    with pytest.raises(c.ContentError, match="absent.csv"):
        c.read(tmp_path)
    for review in ("{agent: a, state: published}", "{state: draft}", "{agent: a, state: returned}", "oui"):
        (tmp_path / "datasets" / "bad.yaml").write_text(f"datasets: [{{name: x, review: {review}}}]\n")
        with pytest.raises(c.ContentError, match="« review »"):
            c.read(tmp_path)


@pytest.mark.usefixtures("with_plugins", "with_extended_cli")
def test_demo_cli_says_a_missing_folder_in_french(cli, tmp_path):
    from ckan.cli.cli import ckan

    result = cli.invoke(ckan, ["metropole", "demo", "load", "--folder", str(tmp_path / "absent")])
    assert result.exit_code == 1
    assert f"Erreur : Dossier de démonstration introuvable : {tmp_path / 'absent'}." in result.output


@pytest.mark.usefixtures("clean_db", "with_plugins")
def test_every_demo_dataset_passes_the_portal_schema():
    """Validated by CKAN and scheming exactly as package_create would, without writing."""
    from ckan.lib.plugins import lookup_package_plugin

    load_territory(epci="246300701")
    plugin = lookup_package_plugin("dataset")
    schema = plugin.create_package_schema()
    site_user = helpers.call_action("get_site_user")["name"]
    # (the series and the data service name datasets that must exist: the loader creates them)
    for entry in _datasets(c.read(DEMO)):
        data = {k: val for k, val in entry.items() if k not in ("resources", "review")}
        data["type"] = "dataset"
        data["tags"] = [{"name": t} for t in entry.get("tags") or []]
        data["owner_org"] = helpers.call_action("organization_show", id=entry["owner_org"])["id"]
        _, errors = plugin.validate({"model": model, "session": model.Session, "user": site_user, "ignore_auth": True},
                                    data, schema, "package_create")
        assert not errors, (entry["name"], errors)


@pytest.fixture
def small_demo(tmp_path):
    """Three datasets of the demo and its harvest source, in a folder of their own."""
    content = c.read(DEMO)
    picked = [d for d in content.datasets if d["name"] in
              ("defibrillateurs-aubiere", "budget-primitif-clermont-auvergne-metropole", "qualite-de-l-air")]
    assert len(picked) == 3
    for sub in ("datasets", "files", "harvest"):
        (tmp_path / sub).mkdir()
    (tmp_path / "datasets" / "10-demo.yaml").write_text(yaml.safe_dump({"datasets": picked}, allow_unicode=True))
    for d in picked:
        for r in d["resources"]:
            shutil.copy(DEMO / "files" / r["file"], tmp_path / "files" / r["file"])
    shutil.copy(DEMO / "harvest" / "10-chamalieres.yaml", tmp_path / "harvest" / "10-chamalieres.yaml")
    shutil.copytree(DEMO / "portals", tmp_path / "portals")
    return c.read(tmp_path)


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_load_is_idempotent_and_remove_takes_it_all_away(small_demo):
    load_territory(groups=True, epci="246300701")

    first = loader.load(small_demo)
    assert (first["datasets_created"], first["sources_created"]) == (3, 1)
    [job] = first["jobs"]
    assert job["status"] == "Finished" and job["stats"].get("added") == 6, job

    dataset = helpers.call_action("package_show", id="defibrillateurs-aubiere")
    [resource] = dataset["resources"]
    assert resource["url_type"] == "upload" and resource["format"] == "GeoJSON"
    from ckan.lib import uploader
    stored = uploader.get_resource_uploader(resource).get_path(resource["id"])
    assert os.path.getsize(stored) == os.path.getsize(DEMO / "files" / "defibrillateurs-aubiere.geojson")
    harvested = helpers.call_action("package_search", fq="organization:chamalieres", rows=20)
    assert harvested["count"] == 6
    assert {d["harvest_portal"] for d in harvested["results"]} == {"Portail open data de la Ville de Chamalières (démonstration)"}
    source = helpers.call_action("harvest_source_show", id="portail-ville-de-chamalieres")
    assert source["status"]["last_job"]["status"] == "Finished"
    # #25 items 1-2: the demo is a model: its uploads are distributions of the catalogue (on the
    # test's loopback site_url) and each of its datasets reaches the MQA's "Excellent" band
    for entry in small_demo.datasets:
        quality = helpers.call_action("metropole_quality_show", id=entry["name"])
        indicators = [i for d in quality["dimensions"] for i in d["indicators"]]
        missing = [i["id"] for i in indicators if i["points"] < i["weight"]]
        assert quality["score"] >= 351, (entry["name"], quality["score"], missing)
        assert set(missing) <= {"rights"}, (entry["name"], missing)

    again = loader.load(small_demo)
    assert again == {"datasets_created": 0, "datasets_kept": 3, "sources_created": 0, "sources_kept": 1, "jobs": []}
    assert len(helpers.call_action("harvest_job_list", source_id=source["id"])) == 1
    assert helpers.call_action("package_search", fq="+dataset_type:dataset")["count"] == 9

    removed = loader.remove(small_demo)
    assert removed == {"datasets_removed": 3, "sources_removed": 1}
    assert not os.path.exists(stored)
    assert helpers.call_action("package_search", fq="+dataset_type:dataset", include_private=True)["count"] == 0
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("package_show", id="defibrillateurs-aubiere")
    assert len(helpers.call_action("metropole_territory_show")[0]["communes"]) == 21  # the territory stays
    assert loader.remove(small_demo) == {"datasets_removed": 0, "sources_removed": 0}


@pytest.mark.usefixtures("clean_db", "clean_index", "with_plugins")
def test_review_demo_leaves_agents_datasets_in_their_states(tmp_path, ckan_config, monkeypatch):
    """demo/datasets/60-review.yaml: a reviewer of the demo finds work on /moderation."""
    monkeypatch.setitem(ckan_config, "ckanext.metropole.review.enabled", True)
    load_territory(epci="246300701")
    for sub in ("datasets", "files"):
        (tmp_path / sub).mkdir()
    shutil.copy(DEMO / "datasets" / "60-review.yaml", tmp_path / "datasets")
    content = c.read(DEMO)
    for d in content.datasets:
        if d.get("review"):
            for r in d["resources"]:
                shutil.copy(DEMO / "files" / r["file"], tmp_path / "files")
    review_demo = c.read(tmp_path)

    assert loader.load(review_demo)["datasets_created"] == 3
    states = {d["name"]: (d["review_state"], d["private"]) for d in (
        helpers.call_action("package_show", id=e["name"]) for e in review_demo.datasets)}
    assert states == {"bancs-publics-aubiere": ("submitted", True), "horaires-piscine-gerzat": ("returned", True),
                      "marches-cebazat": ("draft", True)}
    agent = helpers.call_action("user_show", id="demo-agent-aubiere")
    assert agent["fullname"] == "Agent de démonstration — Aubière"
    dataset = helpers.call_action("package_show", id="bancs-publics-aubiere")
    assert dataset["creator_user_id"] == agent["id"]
    queue = helpers.call_action("metropole_review_queue_show",
                                context={"user": helpers.call_action("get_site_user")["name"]})
    assert queue["count"] == 1 and [d["name"] for c in queue["communes"] for d in c["datasets"]] == \
        ["bancs-publics-aubiere"], queue
    assert loader.load(review_demo)["datasets_kept"] == 3  # idempotent

    assert loader.remove(review_demo)["datasets_removed"] == 3
    with pytest.raises(tk.ObjectNotFound):
        helpers.call_action("package_show", id="bancs-publics-aubiere")
    assert helpers.call_action("user_show", id="demo-agent-aubiere")["state"] == "deleted"
