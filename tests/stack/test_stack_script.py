"""Faults of the local stack end in a clear message naming the service and its log."""

from __future__ import annotations

import socket
import subprocess
import textwrap

import pytest

from ..conftest import ROOT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(("service", "port"), [("postgres", 55432), ("redis", 56379), ("solr", 58983)])
def test_port_taken_by_another_process_is_refused(stack_script, tmp_path, service, port):
    # The test session's own stack holds these ports; a second stack (other state folder)
    # must refuse to start rather than talk to a server that is not its own.
    result = stack_script("start", service, env={"METROPOLE_STATE_DIR": str(tmp_path / "state")})
    assert result.returncode != 0
    assert f"{service}: port 127.0.0.1:{port} is already taken" in result.stderr
    assert str(tmp_path / "state") in result.stderr or service == "postgres"
    assert "(log: " in result.stderr
    assert not list((tmp_path / "state" / "run").glob("*.pid"))


def test_unknown_service_is_refused(stack_script, tmp_path):
    result = stack_script("start", "mongodb", env={"METROPOLE_STATE_DIR": str(tmp_path)})
    assert result.returncode != 0
    assert "unknown service 'mongodb'" in result.stderr


def test_maven_resolution_failure_names_maven_and_its_log(stack_script, tmp_path):
    pom = tmp_path / "pom.xml"
    pom.write_text(
        textwrap.dedent("""\
        <project xmlns="http://maven.apache.org/POM/4.0.0">
          <modelVersion>4.0.0</modelVersion>
          <groupId>org.metropole</groupId><artifactId>broken</artifactId><version>1</version>
          <packaging>pom</packaging>
          <dependencies><dependency>
            <groupId>org.metropole.absent</groupId><artifactId>nothing</artifactId><version>0.0.0</version>
          </dependency></dependencies>
        </project>""")
    )
    state = tmp_path / "state"
    result = stack_script(
        "solr-jars",
        env={
            "METROPOLE_STATE_DIR": str(state),
            "METROPOLE_SOLR_POM": str(pom),
            # offline: fails at once, without asking any registry
            "METROPOLE_MAVEN_ARGS": "-o",
        },
    )
    assert result.returncode != 0
    assert "maven: Maven could not resolve the Solr jars" in result.stderr
    assert f"(log: {state}/log/maven.log)" in result.stderr
    assert not (state / "solr" / "lib" / ".pom-sha").exists()


def test_solr_exits_non_zero_when_a_core_fails_to_load(tmp_path):
    """JettySolrRunner.start() succeeds even if a core is broken: our launcher must not."""
    home = tmp_path / "home"
    conf = home / "broken_core" / "conf"
    conf.mkdir(parents=True)
    (home / "solr.xml").write_text((ROOT / "solr" / "solr.xml").read_text())
    (home / "broken_core" / "core.properties").write_text("name=broken_core\n")
    (conf / "solrconfig.xml").write_text(
        (ROOT / "ckanext" / "metropole" / "stack" / "solr" / "solrconfig.xml").read_text()
    )
    (conf / "schema.xml").write_text(
        '<schema name="broken" version="1.6"><fields>'
        '<field name="id" type="no_such_type" indexed="true" stored="true"/>'
        "</fields><uniqueKey>id</uniqueKey></schema>"
    )
    proc = subprocess.run(
        [
            "bash",
            str(ROOT / "scripts" / "stack.sh"),
            "solr-foreground",
            str(home),
            str(_free_port()),
            "broken_core",
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 3, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "core 'broken_core' failed to load" in proc.stderr
    assert "no_such_type" in proc.stderr
