"""Shared test helpers. CKAN's own fixtures (clean_db, clean_index, with_plugins,
ckan_config, ...) come from its pytest plugin, enabled by ``--ckan-ini=test.ini``."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests import isolation, snapshot

# Before CKAN's pytest plugin loads test.ini (pytest_sessionstart): this worker's own database,
# Solr core, Redis database and file store (tests/isolation.py).
isolation.apply()

ROOT = Path(__file__).resolve().parent.parent
STACK = ROOT / "scripts" / "stack.sh"


@pytest.fixture
def stack_script():
    """Run scripts/stack.sh with arguments and environment; returns the finished process."""

    def run(*args: str, env: dict[str, str] | None = None, timeout: int = 240):
        import os

        full_env = {**os.environ, **(env or {})}
        return subprocess.run(
            ["bash", str(STACK), *args],
            env=full_env,
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
        )

    return run


@pytest.fixture(autouse=True)
def fresh_commune_names():
    """Each test starts without the commune names (and burst-cached figures) cached by an earlier one
    (clean_db empties the database without the organisation hooks that clear the cache)."""
    from ckanext.metropole import burst
    from ckanext.metropole.dataset import communes_field

    communes_field.clear_cache()
    burst.clear()


@pytest.fixture(params=["fr", "en"])
def portal_language(request, ckan_config, monkeypatch):
    """A test using it runs twice: with test.ini's ``ckan.locale_default`` (fr) and in English,
    so that nothing it checks depends on the language of a text (set before ``app`` is made:
    ``@pytest.mark.usefixtures("portal_language")`` comes first)."""
    monkeypatch.setitem(ckan_config, "ckan.locale_default", request.param)
    return request.param


# Plugins of test.ini whose tables come from their own migrations (not CKAN's core).
PLUGINS_WITH_MIGRATIONS = ("activity", "harvest")


@pytest.fixture
def clean_db(reset_db, migrate_db_for, with_plugins):
    """CKAN's clean_db, plus the tables of the plugins we run with.

    The first reset of a session drops every table (plugins' included) and recreates only
    CKAN's own, so the plugins' migrations are applied again after it.
    """
    import ckan.model as model
    import sqlalchemy as sa

    engine = model.meta.engine
    reset_db()
    # Only when a reset dropped them (the first of a process): later resets empty every table
    # of CKAN's metadata, the plugins' included, and running the migrations again cost ~0.5 s
    # a test for nothing.
    present = set(sa.inspect(engine).get_table_names())
    if not {"activity", "harvest_source", "harvest_object"} <= present:
        for plugin in PLUGINS_WITH_MIGRATIONS:
            migrate_db_for(plugin)
    # CKAN's migration env rebinds the session to its own NullPool engine: every later
    # commit would open a new connection (~60 ms with scram-sha-256). Back to the pool.
    model.Session.remove()
    model.init_model(engine)
    snapshot.mark_clean()


@pytest.fixture(autouse=True)
def _no_clean_database_known():
    """A database is known clean (tests/snapshot.py) only once this test's clean_db ran."""
    snapshot.forget_clean()


def load_territory(groups: bool = False, **data):
    """metropole_territory_load (and the theme groups when asked) on a database just cleaned,
    restored from its snapshot after the first time (tests/snapshot.py)."""
    from ckan.tests import helpers

    def build():
        result = helpers.call_action("metropole_territory_load", **data)
        if groups:
            helpers.call_action("metropole_theme_groups_sync")
        return result

    return snapshot.setup_once(f"territory {sorted(data.items())} groups={groups}", build)


# What our dataset schema requires beyond CKAN's: tests that are not about the schema use it.
DATASET_DEFAULTS = {"theme": ["administration"], "license_id": "lov2"}


class HandClock:
    """A module's ``_clock``, moved by hand: ``clock.now += 6`` passes a 5-second window
    (caches are tested without timing)."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def make_dataset(**fields):
    """factories.Dataset with the fields our schema requires."""
    from ckan.tests import factories

    return factories.Dataset(**{**DATASET_DEFAULTS, **fields})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ini_text_with(url: str, **options: str) -> str:
    """test.ini's text served at ``url``, with extra ``[app:main]`` options."""
    text = (
        (ROOT / "test.ini")
        .read_text()
        .replace("ckan.site_url = http://127.0.0.1:5000", f"ckan.site_url = {url}")
    )
    # The same file store as the test process (%(here)s would be the temporary folder of the
    # ini): jobs and servers read what the tests stored.
    text = text.replace("%(here)s/.cache/storage-test", str(ROOT / ".cache" / "storage-test"))
    extra = "".join(f"{key} = {value}\n" for key, value in options.items())
    return text.replace("[app:main]\n", "[app:main]\n" + extra, 1)


@contextlib.contextmanager
def ckan_server(ini: Path, url: str, log_path: Path, ckan: tuple[str, ...] = (), **popen):
    """CKAN served by its own process (``ckan run``) on the test database and core; yields
    once status_show answers (bounded wait), stops it afterwards. ``ckan``: the command when not
    .venv's (another environment's, tests/test_packaging.py); ``popen``: its cwd, env."""
    import requests

    port = url.rsplit(":", 1)[1]
    with open(log_path, "w") as log:
        ckan = ckan or (str(ROOT / ".venv" / "bin" / "ckan"),)
        proc = subprocess.Popen(
            [*ckan, "-c", str(ini), "run", "-H", "127.0.0.1", "-p", port, "--disable-reloader", "--threaded"],
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            **popen,
        )
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                try:
                    if requests.get(url + "/api/3/action/status_show", timeout=2).ok:
                        break
                except requests.RequestException:
                    time.sleep(0.5)
            else:
                raise RuntimeError(f"CKAN did not start on {url}: see {log_path}")
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()


CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".cache" / "node" / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "screenshots"
needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists() or not AXE.exists(), reason="make test installs chromium and axe-core"
)


@pytest.fixture
def browser():
    """Debian's chromium, headless, driven by Playwright (which downloads no browser)."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        b = pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def serious_axe_violations(page) -> list:
    """axe-core's WCAG 2.1 A/AA audit of the page: its serious and critical violations."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


class Inbox:
    """Messages received by a real SMTP server (aiosmtpd) on 127.0.0.1 (fixture ``smtp``)."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append(
            {
                "to": list(envelope.rcpt_tos),
                "subject": str(message["subject"]),
                "body": message.get_body(("plain",)).get_content(),
            }
        )
        return "250 Message accepted for delivery"

    def to(self, address):
        return [m for m in self.messages if address in m["to"]]


@pytest.fixture
def smtp(ckan_config, monkeypatch):
    import socket

    from aiosmtpd.controller import Controller

    with socket.socket() as s:  # a free port (Controller checks it is up by connecting)
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, ready_timeout=10)
    controller.start()
    try:
        monkeypatch.setitem(ckan_config, "smtp.server", f"127.0.0.1:{port}")
        yield inbox
    finally:
        controller.stop()
