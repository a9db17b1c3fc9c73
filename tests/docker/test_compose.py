"""docker/docker-compose.yml against the Compose Specification's JSON schema (vendored beside
this file, ATTRIBUTION.md), and the topology it promises: the one `make cluster-up` runs and
tests here. The images are never built nor pulled on these machines (no registry access):
what a Docker engine would do with the file is not tested, only what it is told."""

from __future__ import annotations

import json
import re

import jsonschema
import yaml

from ..conftest import ROOT

DOCKER = ROOT / "docker"
HERE = ROOT / "tests" / "docker"


def _compose() -> dict:
    return yaml.safe_load((DOCKER / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_file_meets_the_compose_specification():
    schema = json.loads((HERE / "compose-spec.json").read_text(encoding="utf-8"))
    jsonschema.Draft7Validator.check_schema(schema)
    errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(_compose()), key=lambda e: e.json_path)
    assert not errors, [f"{e.json_path}: {e.message}" for e in errors]
    # the schema does catch a wrong file (a test that could not fail would prove nothing)
    broken = _compose()
    broken["services"]["web"]["depends_on"] = {"db": {"condition": "service_ready"}}
    broken["services"]["nginx"]["restart_policy"] = "always"
    found = {e.json_path for e in jsonschema.Draft7Validator(schema).iter_errors(broken)}
    assert {"$.services.web.depends_on", "$.services.nginx"} <= found, found


def test_compose_runs_the_tested_topology():
    services = _compose()["services"]
    replicas = {
        name: int(re.sub(r"\$\{\w+:-(\d+)\}", r"\1", str(s.get("deploy", {}).get("replicas", 1))))
        for name, s in services.items()
    }
    commands = {name: s.get("command", [None])[0] for name, s in services.items()}
    # web replicas behind nginx on 5000, retrying idempotent requests; nginx also fronts Solr
    assert replicas["web"] >= 2 and commands["web"] == "web" and "ports" not in services["web"]
    assert services["nginx"]["ports"] == ["${CKAN_PORT:-5000}:5000"]
    conf = (DOCKER / "nginx" / "metropole.conf").read_text()
    assert "server web:5000" in conf and "proxy_next_upstream error timeout" in conf
    assert {"solr1:8983", "solr2:8983"} <= set(re.findall(r"server (solr\d:8983)", conf))
    env = services["web"]["environment"]
    assert env["CKAN_SOLR_URL"] == "http://nginx:8983/solr/ckan"
    # SolrCloud: ZooKeeper, two nodes in cloud mode, the collection made by solr-init
    assert all(
        services[n]["environment"]["ZK_HOST"] == "zookeeper:2181" for n in ("solr1", "solr2", "solr-init")
    )
    assert "replicationFactor=$nodes" in (DOCKER / "solr" / "solrcloud-init.sh").read_text()
    # PostgreSQL and its streaming replica, the DataStore's reads on it (the primary as fallback)
    assert "pg_basebackup" in (DOCKER / "postgres" / "replica-entrypoint.sh").read_text()
    assert "host=db-replica,db" in env["CKAN_DATASTORE_READ_URL"]
    # the consumers: gather, two fetch, the periodic run, two jobs workers; one init before all
    assert commands["harvest-gather"] == "gather-consumer" and commands["harvest-run"] == "harvest-run"
    assert commands["harvest-fetch"] == "fetch-consumer" and replicas["harvest-fetch"] >= 2
    assert commands["worker"] == "worker" and replicas["worker"] >= 2
    assert commands["ckan-init"] == "migrate"
    # one file store for every CKAN container
    ckan_services = [n for n, s in services.items() if s.get("image", "").startswith("metropole/ckan")]
    assert len(ckan_services) == 6
    assert all("ckan_storage:/var/lib/ckan" in services[n]["volumes"] for n in ckan_services)


def test_compose_configures_the_plugins_of_the_local_stack():
    """The same plugin list as `make up`'s configuration (no second list to drift)."""
    env = _compose()["services"]["web"]["environment"]
    template = (ROOT / "config" / "development.ini.template").read_text()
    local = re.search(r"^ckan\.plugins = (.*?)\n(?=\S|\n)", template, re.S | re.M).group(1).split()
    local = [p for p in local if p != "metropole_demo"]  # the demo plugin: development only
    assert env["CKAN__PLUGINS"].split() == local
