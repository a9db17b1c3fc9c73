"""Benchmarks (``make bench``). Each ``bench_*.py`` module measures our plugins against
stock CKAN in the same run and prints ratios; timing goals live here, never in tests."""
