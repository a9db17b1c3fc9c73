"""The local configs, the stack script and docker/ describe one and the same portal."""

from __future__ import annotations

import configparser
import re

import yaml

from .conftest import ROOT

REQUIRED_PLUGINS = {
    "metropole_communes",
    "metropole_dataset",
    "metropole_harvester",
    "metropole_theme",
    "metropole_common",
    "metropole_review",
    "scheming_datasets",
    "harvest",
    "dcat",
    "spatial_metadata",
    "spatial_query",
}


def _ini(path):
    parser = configparser.RawConfigParser(strict=False)
    parser.read(path, encoding="utf-8")
    return dict(parser["app:main"])


def _stack_constants():
    text = (ROOT / "scripts" / "stack.sh").read_text()
    return dict(re.findall(r"^(PG_PORT|REDIS_PORT|SOLR_PORT|CKAN_PORT)=(\d+)$", text, re.M))


def test_dev_and_test_configs_use_the_stack_ports_but_separate_db_and_core():
    ports = _stack_constants()
    assert len(ports) == 4
    test = _ini(ROOT / "test.ini")
    dev = _ini(ROOT / "config" / "development.ini.template")
    for conf in (test, dev):
        assert f"127.0.0.1:{ports['PG_PORT']}/" in conf["sqlalchemy.url"]
        assert conf["solr_url"].startswith(f"http://127.0.0.1:{ports['SOLR_PORT']}/solr/")
        assert conf["ckan.redis.url"].startswith(f"redis://127.0.0.1:{ports['REDIS_PORT']}/")
        assert conf["ckan.harvest.mq.port"] == ports["REDIS_PORT"]
        assert "127.0.0.1" in conf["ckanext.metropole.harvest.allowed_hosts"].split()
    assert conf["ckan.site_url"].endswith(f":{ports['CKAN_PORT']}")
    # make test never wipes the demo portal
    assert test["sqlalchemy.url"].rsplit("/", 1)[1] != dev["sqlalchemy.url"].rsplit("/", 1)[1]
    assert test["solr_url"].rsplit("/", 1)[1] != dev["solr_url"].rsplit("/", 1)[1]
    assert test["ckan.redis.url"] != dev["ckan.redis.url"]
    assert test["ckan.harvest.mq.redis_db"] != dev["ckan.harvest.mq.redis_db"]
    solr_cores = re.search(r"^SOLR_CORES=\((.*)\)$", (ROOT / "scripts" / "stack.sh").read_text(), re.M)
    # the benchmarks have a core of their own too (bench/common.py)
    assert {test["solr_url"].rsplit("/", 1)[1], dev["solr_url"].rsplit("/", 1)[1], "ckan_bench"} == set(
        solr_cores[1].split()
    )


def test_docker_compose_matches_the_local_stack():
    compose = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())
    services = compose["services"]
    # the tested cluster's topology (make cluster-up): web replicas behind nginx, SolrCloud with
    # ZooKeeper, PostgreSQL with its streaming replica, the harvest consumers, the jobs worker
    assert {
        "web", "nginx", "harvest-gather", "harvest-fetch", "harvest-run", "worker",
        "db", "db-replica", "zookeeper", "solr1", "solr2", "redis",
    } <= set(services)  # fmt: skip
    for name, service in services.items():
        # one-shot set-up services (migrations, configset upload) end instead of staying healthy
        assert "healthcheck" in service or service.get("restart") == "no", name
    env = services["web"]["environment"]
    for name in ("ckan-init", "harvest-gather", "harvest-fetch", "harvest-run", "worker"):
        # one CKAN configuration for every node (METROPOLE_* say only which node runs the set-up)
        ckan_only = {k: v for k, v in services[name]["environment"].items() if k.startswith("CKAN")}
        assert ckan_only == {k: v for k, v in env.items() if k.startswith("CKAN")}, name
    plugins = env["CKAN__PLUGINS"].split()
    assert plugins == _ini(ROOT / "test.ini")["ckan.plugins"].split()
    # the development portal adds only the demo's plugin (it serves the demo commune portal)
    assert [*plugins, "metropole_demo"] == _ini(ROOT / "config" / "development.ini.template")[
        "ckan.plugins"
    ].split()
    assert set(plugins) >= REQUIRED_PLUGINS
    assert env["CKAN__HARVEST__MQ__TYPE"] == "redis"
    assert services["harvest-gather"]["command"] == ["gather-consumer"]
    assert services["harvest-fetch"]["command"] == ["fetch-consumer"]
    assert services["db"]["image"] == services["db-replica"]["image"] == "postgres:15"
    assert services["redis"]["image"] == "redis:7"
    assert (ROOT / "docker" / ".env.example").is_file()


def test_docker_images_build_on_the_pinned_bases_and_our_schema_generator():
    ckan = (ROOT / "docker" / "ckan" / "Dockerfile").read_text()
    solr = (ROOT / "docker" / "solr" / "Dockerfile").read_text()
    assert "ARG CKAN_BASE=ckan/ckan-base:2.11" in ckan and "FROM ${CKAN_BASE}" in ckan
    assert "FROM ckan/ckan-solr:2.11-solr9-spatial" in solr
    assert "python -m ckanext.metropole.stack.solr_schema" in solr
    entry = (ROOT / "docker" / "ckan" / "metropole-entrypoint.sh").read_text()
    for role in ("gather-consumer|fetch-consumer", "harvest-run)", "harvester run"):
        assert role in entry


def test_requirements_are_pinned():
    for name in ("requirements.txt", "dev-requirements.txt"):
        lines = [raw.split("#")[0].strip() for raw in (ROOT / name).read_text().splitlines()]
        for line in filter(None, lines):
            assert "==" in line, f"{name}: {line} is not pinned"
    reqs = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^ckan\[requirements\]==2\.11\.\d+$", reqs, re.M)
    for ext in ("ckanext-scheming==3.1", "ckanext-harvest==1.6", "ckanext-dcat==2.4", "ckanext-spatial==2.3"):
        assert ext in reqs


def test_datastore_and_jobs_worker_are_part_of_every_stack():
    """The DataStore has its own database and read-only role in each config, created by the
    stack script; the jobs worker (xloader's loads) runs with make up/run and in docker."""
    test = _ini(ROOT / "test.ini")
    dev = _ini(ROOT / "config" / "development.ini.template")
    stack = (ROOT / "scripts" / "stack.sh").read_text()
    for conf in (test, dev):
        write, read = conf["ckan.datastore.write_url"], conf["ckan.datastore.read_url"]
        assert write.rsplit("/", 1)[1] == read.rsplit("/", 1)[1] != conf["sqlalchemy.url"].rsplit("/", 1)[1]
        assert read.split("//", 1)[1].split(":", 1)[0] == "datastore_ro"
        assert f"ensure_datastore {write.rsplit('/', 1)[1]} " in stack
        assert {"datastore", "xloader", "datatables_view"} <= set(conf["ckan.plugins"].split())
    assert "datastore set-permissions" in stack
    assert "start_worker" in stack.split("    up)", 1)[1].split(";;", 1)[0]
    assert "start_worker" in stack.split("    run)", 1)[1].split(";;", 1)[0]
    assert "stop_worker" in stack.split("    stop)", 1)[1].split(";;", 1)[0]
    compose = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())
    assert compose["services"]["worker"]["command"] == ["worker"]
    env = compose["services"]["web"]["environment"]
    assert "CKAN_DATASTORE_WRITE_URL" in env and "CKAN_DATASTORE_READ_URL" in env
    assert any("10-datastore.sh" in v for v in compose["services"]["db"]["volumes"])


# #15's hardening lives in configuration: the development portal and docker must carry it
# as the tests do (docker/ had the comment announcing them and none of the settings)
HARDENING = {
    "ckan.csrf_protection.ignore_extensions": "false",
    "ckan.auth.user_create_organizations": "false",
    "ckan.auth.user_create_groups": "false",
    "ckan.auth.public_user_details": "false",
    "ckan.gravatar_default": "disabled",
}


def test_hardening_settings_in_every_config():
    env = yaml.safe_load((ROOT / "docker" / "docker-compose.yml").read_text())["services"]["web"][
        "environment"
    ]
    docker = {k.lower().replace("__", "."): str(v) for k, v in env.items()}
    for name, conf in (
        ("test.ini", _ini(ROOT / "test.ini")),
        ("development", _ini(ROOT / "config" / "development.ini.template")),
        ("docker", docker),
    ):
        assert {k: conf.get(k) for k in HARDENING} == HARDENING, name
