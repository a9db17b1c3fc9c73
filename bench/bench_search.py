"""package_search with the six facets on 10,000 generated datasets: our plugins vs stock CKAN.

The datasets are created once, through package_create with our plugins (so they carry themes
and communes); then both variants query the same database and Solr core. Goal (issue 4):
p50/p95 ratio <= 1.1x.
    python -m bench bench_search
"""
from __future__ import annotations

import json
import random
import sys
import time

from bench.common import STOCK_PLUGINS, Ckan, full_plugins, percentiles, ratio, progress, run_variant, size

DATASETS = size(10_000, 20)
QUERIES = size(300, 5)
FACETS = json.dumps(["theme", "communes", "organization", "license_id", "res_format", "tags"])
WORDS = ["eau", "école", "parking", "budget", "arbres", "vélo", "piscine", "marché", "déchets", "élections"]


def populate(ckan: Ckan, count: int) -> float:
    import ckan.model as model
    from ckan.lib import search

    from ckan.tests import helpers

    from ckanext.metropole.dataset import vocabularies as v

    ckan.reset()
    helpers.call_action("metropole_territory_load", epci="246300701")
    helpers.call_action("metropole_theme_groups_sync")
    user = ckan.sysadmin()
    orgs = [(o.name, o.extras.get("insee_code")) for o in model.Session.query(model.Group)
            .filter(model.Group.is_organization.is_(True))]
    codes = [code for _, code in orgs if code]
    themes = [th["id"] for th in v.themes()]
    rnd = random.Random(42)
    started = time.perf_counter()
    for i in progress(range(count), "datasets created"):
        org, _ = orgs[i % len(orgs)]
        word = WORDS[i % len(WORDS)]
        ckan.action("package_create", user, name=f"jeu-{i}", title=f"Données {word} {i}",
                    notes=f"Jeu de données sur {word}, numéro {i}.", owner_org=org,
                    theme=rnd.sample(themes, k=1 + i % 2), communes=rnd.sample(codes, k=1 + i % 3),
                    license_id=rnd.choice(["lov2", "odc-odbl"]), frequency="ANNUAL",
                    tags=[{"name": word}, {"name": f"lot-{i % 50}"}],
                    resources=[{"url": f"http://127.0.0.1/{i}.csv", "format": rnd.choice(["CSV", "JSON", "PDF"])}])
        if i % 1000 == 999:
            search.commit()
    search.commit()
    return count / (time.perf_counter() - started)


def _existing() -> int:
    import ckan.model as model

    try:
        return model.Session.query(model.Package).filter(model.Package.name.like("jeu-%"),
                                                         model.Package.state == "active").count()
    except Exception:  # empty database: no tables yet
        model.Session.rollback()
        return 0


def measure(plugins: str, create: int) -> dict:
    ckan = Ckan(plugins)
    # The 10,000 datasets take ~15 min to create: kept from an earlier run when they are there.
    rate = populate(ckan, create) if create and _existing() < create else None
    user = ckan.sysadmin()
    rnd = random.Random(7)
    params = []
    for i in range(QUERIES + 20):
        p = {"q": rnd.choice(WORDS) if i % 3 else "", "rows": 20, "facet.field": FACETS, "facet.limit": 50}
        if i % 4 == 0:
            p["fq"] = f"theme:{rnd.choice(['culture', 'sante', 'transports'])}"
        params.append(p)
    samples = []
    for i, p in enumerate(params):
        t0 = time.perf_counter()
        result = ckan.action("package_search", user, **p)
        if i >= 20:  # warm-up excluded
            samples.append((time.perf_counter() - t0) * 1000)
    assert result["count"] >= 0 and len(result["search_facets"]) == 6
    total = ckan.action("package_search", user, q="*:*", rows=0)["count"]
    return {"search_ms": percentiles(samples), "datasets": total, "create_per_s": rate}


def main() -> None:
    ours = run_variant("bench.bench_search", full_plugins(), str(DATASETS))
    stock = run_variant("bench.bench_search", STOCK_PLUGINS, "0")
    ours_again = run_variant("bench.bench_search", full_plugins(), "0")
    stock_again = run_variant("bench.bench_search", STOCK_PLUGINS, "0")  # each side: best of two runs
    created = f"created at {ours['create_per_s']:.0f}/s" if ours["create_per_s"] else "kept from an earlier run"
    print(f"{ours['datasets']} datasets ({created}, with our plugins), {QUERIES} package_search calls with 6 facets")
    print(f"{'':22}{'stock CKAN':>12}{'metropole':>12}{'ratio':>8}   goal <= 1.10x")
    for key in ("p50", "p95"):
        s = min(stock["search_ms"][key], stock_again["search_ms"][key])
        o = min(ours["search_ms"][key], ours_again["search_ms"][key])
        print(f"{'package_search ' + key + ' ms':22}{s:>12.2f}{o:>12.2f}{ratio(o, s):>8}")


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1], int(sys.argv[2]))))
