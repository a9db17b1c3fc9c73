"""Run every benchmark module (or those named on the command line) and print its report.

A benchmark that fails does not hide the others: they all run, then the failed ones are
named and the exit status is non-zero.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
import traceback

import bench


def names() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    selected = names()
    wanted = [a for a in argv if not a.startswith("-")]
    if wanted:
        unknown = set(wanted) - set(selected)
        if unknown:
            print(f"unknown benchmark(s): {', '.join(sorted(unknown))}; known: {', '.join(selected)}")
            return 2
        selected = wanted
    failed = []
    for name in selected:
        started = time.perf_counter()
        try:
            module = importlib.import_module(f"bench.{name}")
            print(f"\n## {name}: {module.__doc__.strip().splitlines()[0]}", flush=True)
            module.main()
        except (Exception, SystemExit) as e:
            failed.append(name)
            print(
                f"!! {name} FAILED: {e if isinstance(e, SystemExit) else traceback.format_exc()}",
                file=sys.stderr,
                flush=True,
            )
            continue
        print(f"({name} took {time.perf_counter() - started:.1f} s)", flush=True)
    if failed:
        print(f"\nfailed benchmark(s): {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
