"""Territory load of the MEL (EPCI 200093201, 95 communes): empty portal, then again unchanged.

Goals (issue 3): first load <= 30 s, the same load again <= 5 s.
    python -m bench bench_territory
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

from bench.common import ROOT, Ckan, full_plugins, run_variant, size

MEL = size("200093201", "246300701")  # tiny: Clermont Auvergne Métropole, 21 communes


def reset(plugins: str) -> dict:
    Ckan(plugins).reset()
    return {"reset": True}


def main() -> None:
    run_variant("bench.bench_territory", full_plugins())
    for label, goal in (("empty portal", 30), ("again", 5)):
        started = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "bench.cli", "metropole", "territory", "load", "--epci", MEL],
            capture_output=True,
            text=True,
            timeout=600,
            cwd=ROOT,
        )
        seconds = time.perf_counter() - started
        if proc.returncode != 0:
            raise SystemExit(proc.stderr[-2000:])
        summary = proc.stdout.strip().splitlines()[-1]
        verdict = "OK" if seconds <= goal else "OVER GOAL"
        print(
            f"territory load --epci {MEL} ({label}): {seconds:6.2f} s "
            f"(goal <= {goal} s: {verdict}) — {summary}"
        )


if __name__ == "__main__":
    print(json.dumps(reset(sys.argv[1])))
