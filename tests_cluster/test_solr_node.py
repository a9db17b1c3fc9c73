"""The Solr node holding the shard's leader killed (SIGKILL) while searches and dataset pages are
requested and datasets are written: 0 failed searches or pages; writes go on (CKAN refuses a
write only while SolrCloud elects the other replica leader, bounded by the ZooKeeper session
timeout, and the writer sends it again); the node started again rejoins and catches up."""

import threading
import time

import requests
from conftest import wait_for
from load import Load

# A write refused while the leader is elected is sent again; the election must end within this.
WRITE_STALL_MAX = 30


class Writer(threading.Thread):
    """package_patch of the datasets in turn, each write sent again until CKAN accepts it."""

    def __init__(self, cluster, token, names, marker):
        super().__init__(daemon=True)
        self.cluster, self.token, self.names, self.marker = cluster, token, names, marker
        self.written: dict[str, str] = {}
        self.stalls: list[float] = []
        self.refusals: list[str] = []
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            name = self.names[n % len(self.names)]
            notes = f"Écrit pendant la panne {self.marker}-{n}"
            started = time.monotonic()
            while True:
                try:
                    r = requests.post(
                        f"{self.cluster.url}/api/3/action/package_patch",
                        json={"id": name, "notes": notes},
                        headers={"Authorization": self.token},
                        timeout=60,
                    )
                    if r.status_code == 200 and r.json()["success"]:
                        break
                    self.refusals.append(f"{r.status_code} {r.text[:150]}")
                except requests.RequestException as e:
                    self.refusals.append(repr(e))
                if time.monotonic() - started > WRITE_STALL_MAX:
                    self.error = f"write {n} of {name} refused for {WRITE_STALL_MAX} s: {self.refusals[-1]}"
                    return
                time.sleep(0.5)
            self.stalls.append(time.monotonic() - started)
            self.written[name] = notes
            n += 1


def _node_docs(url: str, names) -> dict:
    """The notes of these datasets in one node's own replica (distrib=false: that replica alone)."""
    q = " OR ".join(f'name:"{n}"' for n in names)
    r = requests.get(
        f"{url}/ckan/select", params={"q": q, "fl": "name,notes", "rows": 50, "distrib": "false"}, timeout=10
    )
    return {d["name"]: d.get("notes") for d in r.json()["response"]["docs"]}


def test_solr_node_killed(cluster, token, datasets):
    replicas = cluster.status()["solr_collection"]["replicas"]
    assert all(r["state"] == "active" for r in replicas), replicas
    leader_url = next(r["base_url"] for r in replicas if r["leader"])
    nodes = {n["address"]: n["name"] for n in cluster.status()["nodes"] if n["role"] == "solr"}
    victim = nodes[leader_url]
    survivor_url = next(u for u in nodes if u != leader_url)

    name = datasets[0]["name"]
    searches = [
        f"{cluster.url}/api/3/action/package_search?q=données&rows=5",
        f"{cluster.url}/dataset/?q=eau",
        f"{cluster.url}/dataset/{name}",
        f'{cluster.url}/api/3/action/package_search?fq=organization:*&facet.field=["tags"]',
        f"{cluster.url}/organization/",
    ]
    names = [d["name"] for d in datasets[1:6]]
    writer = Writer(cluster, token, names, marker=str(int(time.time())))
    with Load(searches, threads=3) as load:
        writer.start()
        load.wait_done(15)
        wait_for(lambda: len(writer.stalls) >= 2, 60, "writes before the kill")
        cluster.kill9(victim)
        killed = len(writer.stalls)
        # the survivor leads once ZooKeeper drops the dead node's session
        wait_for(
            lambda: any(
                r["leader"] and r["state"] == "active" and r["base_url"] == survivor_url
                for r in cluster.status()["solr_collection"]["replicas"]
            ),
            60,
            "the surviving replica elected leader",
        )
        wait_for(lambda: len(writer.stalls) >= killed + 3, 60, "writes after the election")
        load.wait_done(15)
        writer.stop.set()
        writer.join(WRITE_STALL_MAX + 65)
    print(
        f"searches {load.done}, writes {len(writer.stalls)}, refused then sent again {len(writer.refusals)},"
        f" longest write {max(writer.stalls):.1f} s"
    )
    assert not load.failures, f"{len(load.failures)} of {load.done} searches failed: {load.failures[:5]}"
    assert writer.error is None, writer.error
    assert max(writer.stalls) < WRITE_STALL_MAX

    # every write is in the survivor's index
    assert _node_docs(survivor_url, names) == {n: writer.written[n] for n in names if n in writer.written}
    cluster.start(victim)
    wait_for(
        lambda: all(r["state"] == "active" for r in cluster.status()["solr_collection"]["replicas"]),
        120,
        f"{victim} rejoining the collection",
    )
    # caught up: the restarted replica has the writes made while it was dead, and as many documents
    assert wait_for(lambda: _node_docs(leader_url, names) == _node_docs(survivor_url, names), 60, "catch-up")

    def count(url):
        r = requests.get(f"{url}/ckan/select", params={"q": "*:*", "rows": 0, "distrib": "false"}, timeout=10)
        return r.json()["response"]["numFound"]

    assert count(leader_url) == count(survivor_url)
