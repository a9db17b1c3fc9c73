"""`python -m bench.cli ARGS…` = `ckan -c test.ini ARGS…` on the benchmarks' database and core."""

import os
import sys

import ckan.cli
from ckan.cli.cli import ckan as ckan_command

from bench.common import BENCH_OVERRIDES, TEST_INI

_load = ckan.cli.load_config


def load_config(path=None):
    conf = _load(str(TEST_INI))
    conf.update(BENCH_OVERRIDES)
    if os.environ.get("BENCH_PLUGINS"):
        conf["ckan.plugins"] = os.environ["BENCH_PLUGINS"]
    return conf


ckan.cli.load_config = load_config
sys.exit(ckan_command.main(args=["-c", str(TEST_INI), *sys.argv[1:]], prog_name="ckan"))
