"""Harvest of 1,000 datasets from a local CKAN-shaped portal: our `intercommunal` harvester vs
ckanext-harvest's stock `ckan_harvester`, in the same run; then a re-harvest with nothing
changed. Goals (issue 5): first import >= 2x stock throughput; re-harvest <= 5% of the first.
    python -m bench bench_harvest
"""
from __future__ import annotations

import json
import sys
import time
import tracemalloc

from bench.common import Ckan, full_plugins, run_variant, size

DATASETS = size(1000, 20)
STOCK = "harvest ckan_harvester activity"
THEMES = ["Environnement", "Transports", "Culture", "Santé", "Éducation"]


def portal():
    """A local CKAN Action API serving DATASETS generated packages (real HTTP on 127.0.0.1)."""
    sys.path.insert(0, ".")
    from tests.harvest.portal_server import Portal

    server = Portal()
    packages = [{
        "id": f"pkg-{i:04d}", "name": f"jeu-{i:04d}", "title": f"Jeu de données {i}",
        "notes": f"Description du jeu {i}.", "license_id": "odc-odbl" if i % 2 else "lov2",
        "metadata_modified": "2024-03-01T10:00:00.000000", "metadata_created": "2024-01-01T10:00:00.000000",
        "organization": {"name": "ville", "title": "Ville"}, "tags": [{"name": f"lot-{i % 20}"}],
        "groups": [{"name": THEMES[i % 5].lower(), "title": THEMES[i % 5]}], "extras": [],
        "resources": [{"url": f"http://127.0.0.1/{i}.csv", "name": "Données", "format": "CSV"}]}
        for i in range(DATASETS)]
    server.add("/api/3/action/status_show", json.dumps({"success": True, "result": {"ckan_version": "2.10"}}))
    for start in range(0, DATASETS, 100):  # both harvesters page by 100
        body = json.dumps({"success": True, "result": {"count": DATASETS, "results": packages[start:start + 100]}})
        server.add("/api/3/action/package_search", body, query={"rows": 100, "start": start})
    # the stock harvester asks, on its second run, for what changed since the first (fq on
    # metadata_modified): as a real CKAN would, nothing has
    server.add("/api/3/action/package_search", json.dumps({"success": True, "result": {"count": 0, "results": []}}),
               query={"rows": 100, "start": 0, "fq": None})
    return server


def run_job(ckan, source_type, url, owner, config=""):
    from ckanext.harvest import queue
    from ckanext.harvest.model import HarvestJob, HarvestObject
    import ckanext.harvest.queue as q

    user = ckan.sysadmin()
    source = ckan.action("harvest_source_create", user, url=url, name=f"bench-{source_type}",
                         title="Portail de banc d'essai", source_type=source_type, owner_org=owner, config=config)
    timings = []
    for _ in range(2):
        job = HarvestJob.get(ckan.action("harvest_job_create", user, source_id=source["id"], run=False)["id"])
        job.status = "Running"
        job.save()
        harvester = queue.get_harvester(source_type)
        tracemalloc.start()
        started = time.perf_counter()
        ids = q.gather_stage(harvester, job) or []
        gather_peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        for obj_id in ids:
            q.fetch_and_import_stages(harvester, HarvestObject.get(obj_id))
        job.status = "Finished"  # what `harvester run` does once the objects are imported
        job.save()
        timings.append({"seconds": time.perf_counter() - started, "objects": len(ids),
                        "gather_peak_mb": gather_peak / 1e6})
    return timings


def variant(plugins: str) -> dict:
    ckan = Ckan(plugins)
    ckan.reset()
    server = portal()
    try:
        user = ckan.sysadmin()
        if "metropole_harvester" in plugins:
            from ckanext.metropole.communes import territory as t
            from ckanext.metropole.dataset import groups
            t.apply(t.plan(t.from_epci("246300701")))
            groups.ensure_theme_groups()
            runs = run_job(ckan, "intercommunal", server.url, "royat", '{"protocol": "ckan"}')
        else:
            ckan.action("organization_create", user, name="royat", title="Royat")
            runs = run_job(ckan, "ckan", server.url, "royat")
        import ckan.model as model
        count = model.Session.query(model.Package).filter_by(type="dataset", state="active").count()
    finally:
        server.stop()
    return {"runs": runs, "datasets": count}


def main() -> None:
    stock = run_variant("bench.bench_harvest", STOCK)
    ours = run_variant("bench.bench_harvest", full_plugins())
    s1, s2 = stock["runs"]
    o1, o2 = ours["runs"]
    print(f"{DATASETS} datasets from a local CKAN-shaped portal (HTTP on 127.0.0.1), gather+fetch+import")
    print(f"{'':34}{'stock ckan_harvester':>22}{'metropole':>12}")
    print(f"{'first import: datasets imported':34}{stock['datasets']:>22}{ours['datasets']:>12}")
    print(f"{'first import: datasets / s':34}{DATASETS / s1['seconds']:>22.1f}{DATASETS / o1['seconds']:>12.1f}"
          f"   ratio {s1['seconds'] / o1['seconds']:.2f}x (goal >= 2x)")
    print(f"{'re-harvest, nothing changed: s':34}{s2['seconds']:>22.1f}{o2['seconds']:>12.1f}"
          f"   ours = {100 * o2['seconds'] / o1['seconds']:.1f}% of its first import (goal <= 5%)")
    print(f"{'objects sent to import (re-run)':34}{s2['objects']:>22}{o2['objects']:>12}")
    print(f"{'gather peak memory (MB)':34}{s1['gather_peak_mb']:>22.1f}{o1['gather_peak_mb']:>12.1f}")


if __name__ == "__main__":
    print(json.dumps(variant(sys.argv[1])))
