"""package_search with the six facets, our plugins vs stock CKAN, on the benchmark portal.

The portal (bench/portal.py): 10,000 datasets of the MEL, with themes and communes; both
variants query the same database and Solr core in the same run. Goal (issue 4): p50/p95 ratio
<= 1.1x.
    python -m bench bench_search
"""

from __future__ import annotations

import json
import random
import sys
import time

from bench import portal
from bench.common import STOCK_PLUGINS, Ckan, full_plugins, percentiles, ratio, run_variant, size

QUERIES = size(300, 5)
FACETS = json.dumps(["theme", "communes", "organization", "license_id", "res_format", "tags"])
WORDS = portal.WORDS


def measure(plugins: str) -> dict:
    ckan = Ckan(plugins)
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
    return {"search_ms": percentiles(samples), "datasets": total}


def main() -> None:
    filled = portal.ensure()
    ours = run_variant("bench.bench_search", full_plugins())
    stock = run_variant("bench.bench_search", STOCK_PLUGINS)
    ours_again = run_variant("bench.bench_search", full_plugins())
    stock_again = run_variant("bench.bench_search", STOCK_PLUGINS)  # each side: best of two runs
    print(
        f"{ours['datasets']} datasets ({portal.describe(filled)}), "
        f"{QUERIES} package_search calls with 6 facets"
    )
    print(f"{'':22}{'stock CKAN':>12}{'metropole':>12}{'ratio':>8}   goal <= 1.10x")
    for key in ("p50", "p95"):
        s = min(stock["search_ms"][key], stock_again["search_ms"][key])
        o = min(ours["search_ms"][key], ours_again["search_ms"][key])
        print(f"{'package_search ' + key + ' ms':22}{s:>12.2f}{o:>12.2f}{ratio(o, s):>8}")


if __name__ == "__main__":
    print(json.dumps(measure(sys.argv[1])))
