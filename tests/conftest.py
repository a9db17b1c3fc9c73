"""Shared test helpers. CKAN's own fixtures (clean_db, clean_index, with_plugins,
ckan_config, ...) come from its pytest plugin, enabled by ``--ckan-ini=test.ini``."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack.sh"


@pytest.fixture
def stack_script():
    """Run scripts/stack.sh with arguments and environment; returns the finished process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: int = 240):
        import os

        full_env = {**os.environ, **(env or {})}
        return subprocess.run(["bash", str(STACK), *args], env=full_env, capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT)

    return run


@pytest.fixture(autouse=True)
def fresh_commune_names():
    """Each test starts without the commune names cached by an earlier one (clean_db
    empties the database without the organisation hooks that clear the cache)."""
    from ckanext.metropole.dataset import communes_field

    communes_field.clear_cache()


# Plugins of test.ini whose tables come from their own migrations (not CKAN's core).
PLUGINS_WITH_MIGRATIONS = ("activity", "harvest")


@pytest.fixture
def clean_db(reset_db, migrate_db_for, with_plugins):
    """CKAN's clean_db, plus the tables of the plugins we run with.

    The first reset of a session drops every table (plugins' included) and recreates only
    CKAN's own, so the plugins' migrations are applied again after it.
    """
    import ckan.model as model

    engine = model.meta.engine
    reset_db()
    for plugin in PLUGINS_WITH_MIGRATIONS:
        migrate_db_for(plugin)
    # CKAN's migration env rebinds the session to its own NullPool engine: every later
    # commit would open a new connection (~60 ms with scram-sha-256). Back to the pool.
    model.Session.remove()
    model.init_model(engine)


# What our dataset schema requires beyond CKAN's: tests that are not about the schema use it.
DATASET_DEFAULTS = {"theme": ["administration"], "license_id": "lov2"}


def make_dataset(**fields):
    """factories.Dataset with the fields our schema requires."""
    from ckan.tests import factories

    return factories.Dataset(**{**DATASET_DEFAULTS, **fields})
