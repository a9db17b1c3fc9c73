"""One web node killed (SIGKILL to gunicorn's master and workers) while pages are requested:
nginx sends every idempotent request the dead node fails to the other one — 0 failed requests."""

import time

from conftest import wait_for
from load import Load


def _retried(cluster, since: float) -> list[str]:
    """Requests of the access log that nginx passed to both web nodes (written after `since`)."""
    web = [f"127.0.0.1:{cluster.port(n)}" for n in ("web1", "web2")]
    lines = (cluster.dir / "log" / "nginx-access.log").read_text().splitlines()
    return [line for line in lines[int(since) :] if all(w in line for w in web)]


def test_web_node_killed_no_failed_request(cluster, datasets):
    name = datasets[0]["name"]
    urls = [
        f"{cluster.url}/",
        f"{cluster.url}/dataset/",
        f"{cluster.url}/dataset/{name}",
        f"{cluster.url}/api/3/action/package_show?id={name}",
        f"{cluster.url}/organization/",
    ]
    log_lines = len((cluster.dir / "log" / "nginx-access.log").read_text().splitlines())
    with Load(urls, threads=4) as load:
        load.wait_done(20)
        cluster.kill9("web1")
        before = load.done
        # past nginx's fail_timeout (5 s): web1 is tried again, and fails again, meanwhile
        time.sleep(8)
        load.wait_done(20)
    assert load.done - before >= 40, f"only {load.done - before} requests after the kill"
    assert not load.failures, f"{len(load.failures)} of {load.done} requests failed: {load.failures[:5]}"
    assert not cluster.node("web1")["running"]
    # the mechanism seen at work: requests nginx tried on web1 then answered from web2
    assert _retried(cluster, log_lines), "no request was retried on the other node"
    cluster.start("web1")
    wait_for(lambda: cluster.node("web1")["running"], 30, "web1 back")
