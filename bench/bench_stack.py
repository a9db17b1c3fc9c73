"""Action API baseline: package_create throughput and package_search latency, full plugin set vs stock CKAN.

python -m bench bench_stack            # report
python -m bench.bench_stack PLUGINS N  # one variant (JSON on stdout)
"""

from __future__ import annotations

import json
import sys
import time

from bench.common import STOCK_PLUGINS, Ckan, full_plugins, percentiles, progress, ratio, run_variant, size

WORDS = ["eau", "parking", "école", "budget", "arbre", "vélo", "piscine", "marché"]
DATASETS = size(300, len(WORDS))
QUERIES = size(200, 5)


def variant(plugins: str, count: int) -> dict:
    ckan = Ckan(plugins)
    ckan.reset()
    user = ckan.sysadmin()
    # `kind` is required by our organisation schema (metropole_communes), ignored by stock CKAN
    org = ckan.action(
        "organization_create", user, name="bench-commune", title="Commune de banc d'essai", kind="partner"
    )
    started = time.perf_counter()
    for i in progress(range(count), "datasets created"):
        word = WORDS[i % len(WORDS)]
        ckan.action(
            "package_create",
            user,
            name=f"bench-{i}",
            title=f"Jeu {i} {word}",
            notes=f"Données {word} numéro {i}",
            owner_org=org["id"],
            theme=["environnement"],
            license_id="lov2",  # required by our schema; stock ignores theme
            tags=[{"name": word}],
            resources=[{"url": f"http://127.0.0.1/{i}.csv", "format": "CSV"}],
        )
    create_seconds = time.perf_counter() - started
    from ckan.lib import search

    search.commit()  # bench.common's Ckan indexes without commit: make every dataset searchable first

    samples = []
    for i in range(QUERIES):
        t = time.perf_counter()
        result = ckan.action(
            "package_search",
            user,
            q=WORDS[i % len(WORDS)],
            rows=10,
            **{"facet.field": json.dumps(["organization", "tags", "res_format", "license_id"])},
        )
        samples.append((time.perf_counter() - t) * 1000)
        assert result["count"] > 0
    return {"create_per_s": count / create_seconds, "search_ms": percentiles(samples)}


def main() -> None:
    stock = run_variant("bench.bench_stack", STOCK_PLUGINS, str(DATASETS))
    ours = run_variant("bench.bench_stack", full_plugins(), str(DATASETS))
    print(f"{DATASETS} datasets, {QUERIES} faceted package_search calls (in-process Action API)")
    print(f"{'':28}{'stock CKAN':>14}{'metropole':>14}{'ratio':>10}")
    print(
        f"{'package_create / s':28}{stock['create_per_s']:>14.1f}{ours['create_per_s']:>14.1f}"
        f"{ratio(ours['create_per_s'], stock['create_per_s']):>10}"
    )
    for key in ("p50", "p95"):
        s, o = stock["search_ms"][key], ours["search_ms"][key]
        print(f"{'package_search ' + key + ' (ms)':28}{s:>14.2f}{o:>14.2f}{ratio(o, s):>10}")


if __name__ == "__main__":
    print(json.dumps(variant(sys.argv[1], int(sys.argv[2]))))
