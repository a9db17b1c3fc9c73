"""Each plugin names the plugins it builds on (``required_plugins``): CKAN refuses to start
with one line saying which is missing, not a traceback; with only those, it starts and works."""

from __future__ import annotations

import re
import subprocess
import tempfile
import uuid
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from ckan.plugins.toolkit import ValidationError, render_snippet
from ckan.tests.helpers import call_action, changed_config

from .conftest import ROOT, make_dataset

PLUGINS_OPTION = re.compile(r"^ckan\.plugins =(.*?)\n(?=\S)", re.M | re.S)


def _test_ini_plugins() -> list[str]:
    return PLUGINS_OPTION.search((ROOT / "test.ini").read_text()).group(1).split()


def test_missing_plugin_is_named_without_traceback(tmp_path):
    text = (ROOT / "test.ini").read_text()
    # metropole_theme (and others) without metropole_dataset (and its scheming schemas)
    kept = [p for p in _test_ini_plugins() if p not in ("metropole_dataset", "scheming_datasets")]
    ini = tmp_path / "partial.ini"
    ini.write_text(PLUGINS_OPTION.sub("ckan.plugins = " + " ".join(kept) + "\n", text))
    assert "metropole_theme" in kept and "metropole_dataset" not in kept
    proc = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "ckan"), "-c", str(ini), "config", "validate"],
        capture_output=True,
        text=True,
        timeout=180,
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode != 0
    # the first plugin (in ckan.plugins' order) that needs it says so
    assert re.search(
        r"^metropole_\w+ needs the plugin metropole_dataset: add metropole_dataset to "
        r"ckan\.plugins$",
        output,
        re.M,
    ), output
    assert "Traceback" not in output


# ------------------------------------------------------------- each plugin with what it names


def _plugin_class(name: str):
    (entry_point,) = entry_points(group="ckan.plugins", name=name)
    return entry_point.load()


BUNDLE = sorted(
    ep.name for ep in entry_points(group="ckan.plugins") if ep.value.startswith("ckanext.metropole.")
)


def with_requirements(name: str) -> list[str]:
    """``name`` and the plugins it names, theirs in turn, in test.ini's order (an operator's
    subset of the documented list)."""
    needed, pending = set(), [name]
    while pending:
        plugin = pending.pop()
        if plugin not in needed:
            needed.add(plugin)
            pending.extend(getattr(_plugin_class(plugin), "required_plugins", ()))
    order = _test_ini_plugins()
    return sorted(needed, key=lambda p: order.index(p) if p in order else len(order))


def test_every_plugin_of_the_bundle_names_what_it_needs():
    assert len(BUNDLE) >= 12
    for name in BUNDLE:
        needs = _plugin_class(name).__dict__.get("required_plugins")
        assert isinstance(needs, tuple), f"{name} names no required_plugins"
        for needed in needs:
            assert list(entry_points(group="ckan.plugins", name=needed)), f"{name} needs {needed}: unknown"


def _communes(app):
    assert isinstance(call_action("metropole_territory_show", {"user": ""}), list)
    # the territory map, drawn by ckanext-spatial's snippet
    royat = {"insee_code": "63308", "title": "Royat", "name": "royat"}
    snippet = render_snippet("communes/snippets/map.html", {"communes": [royat], "map_id": "m", "title": ""})
    assert "dataset-map" in snippet


def _partner() -> str:
    from ckan.tests import factories

    return factories.Organization(kind="partner")["id"]  # (kind: metropole_communes' schema)


def _dataset(app):
    # the scheming schema validates with every validator it names (metropole_review_field,
    # metropole_safe_url…); the DCAT document comes from the chained ckanext-dcat action
    dataset = make_dataset(
        owner_org=_partner(),
        title="Arrêtés de voirie",
        resources=[{"url": "https://example.org/arretes.csv", "format": "CSV"}],
    )
    assert "review_state" not in dataset
    document = call_action("dcat_dataset_show", {"user": ""}, id=dataset["id"], format="ttl")
    assert "Arrêtés de voirie" in document


def _harvester(app):
    from ckan.tests import factories

    source = call_action(
        "harvest_source_create",
        {"user": factories.Sysadmin()["name"]},
        name=f"source-{uuid.uuid4().hex[:8]}",
        title="Portail de Royat",
        url="https://data.royat.example.org",
        source_type="intercommunal",
        owner_org=_partner(),
    )
    shown = call_action("harvest_source_show", {"ignore_auth": True}, id=source["id"])
    assert shown["source_type"] == "intercommunal"


def _theme(app):
    figures = call_action("metropole_participation_show", {"user": ""})
    assert figures["review"] is False  # metropole_review not loaded: the page says nothing of it


def _common(app):
    assert call_action("metropole_common_datasets_show", {"user": ""})["common_datasets"]


def _previews(app):
    page = {"url": "https://example.org/page", "format": "HTML"}
    views = call_action(
        "package_create_default_resource_views",
        {"ignore_auth": True},
        package={"id": "none", "resources": [page]},
    )
    assert views == []


def _table_view(app, view_type: str, expected: str):
    from ckan.tests import factories

    dataset = factories.Dataset(owner_org=factories.Organization()["id"])  # (CKAN's schema here)
    resource = factories.Resource(
        package_id=dataset["id"], url="https://example.org/parkings.csv", format="CSV"
    )
    call_action(
        "datastore_create",
        {"ignore_auth": True},
        resource_id=resource["id"],
        force=True,
        records=[
            {"nom": "Jaude", "places": 600, "lat": 45.7772, "lon": 3.0813},
            {"nom": "Delille", "places": 450, "lat": 45.7801, "lon": 3.0952},
        ],
    )
    view = call_action(
        "resource_view_create",
        {"ignore_auth": True},
        resource_id=resource["id"],
        view_type=view_type,
        title=view_type,
    )
    page = app.get(f"/dataset/{resource['package_id']}/resource/{resource['id']}/view/{view['id']}")
    assert page.status_code == 200 and expected in page.body


def _reuses(app):
    assert isinstance(call_action("metropole_reuse_list", {"user": ""})["results"], list)


def _review(app):
    assert call_action("metropole_review_waiting_counts", {"user": ""})["enabled"] is False  # (test.ini)


def _security(app):
    with pytest.raises(ValidationError) as refused:
        call_action("package_search", {"user": ""}, q="*:*", start=10**9)
    assert "start" in refused.value.error_dict


def _demo(app):
    with tempfile.TemporaryDirectory() as folder:
        portal = Path(folder) / "portals" / "royat"
        portal.mkdir(parents=True)
        (portal / "datasets.json").write_text('{"total_count": 0, "results": []}')
        with changed_config("ckanext.metropole.demo.folder", folder):
            page = app.get("/demo-portals/royat/api/explore/v2.1/catalog/datasets")
    assert page.status_code == 200 and page.json == {"total_count": 0, "results": []}


def _explore(app):
    from ckan.tests import factories

    dataset = factories.Dataset(owner_org=factories.Organization()["id"])  # (CKAN's schema here)
    call_action(
        "datastore_create",
        {"ignore_auth": True},
        resource={"package_id": dataset["id"], "name": "parkings.csv"},
        force=True,
        records=[{"nom": "Jaude", "places": 600}, {"nom": "Delille", "places": 450}],
    )
    page = app.get(f"/api/explore/v2.1/catalog/datasets/{dataset['name']}/records?select=sum(places) as n")
    assert page.status_code == 200 and page.json == {"total_count": 1, "results": [{"n": 1050}]}


# One quick call of each plugin: an action, or a page for those without one. The first action
# called builds CKAN's whole action registry, where a chain without its base fails.
PROBES = {
    "metropole_common": _common,
    "metropole_communes": _communes,
    "metropole_dataset": _dataset,
    "metropole_harvester": _harvester,
    "metropole_previews": _previews,
    "metropole_reuses": _reuses,
    "metropole_review": _review,
    "metropole_security": _security,
    "metropole_theme": _theme,
    "metropole_chart_view": lambda app: _table_view(app, "metropole_chart_view", "metropole-chart"),
    "metropole_points_view": lambda app: _table_view(app, "metropole_points_view", "points.geojson"),
    "metropole_demo": _demo,
    "metropole_explore": _explore,
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.ckan_config("ckan.plugins", " ".join(with_requirements(name))))
        for name in BUNDLE
    ],
)
@pytest.mark.usefixtures("with_plugins", "with_request_context")
def test_each_plugin_starts_and_works_with_only_what_it_names(name, app):
    import ckan.plugins as p

    loaded = with_requirements(name)
    assert all(map(p.plugin_loaded, loaded))
    assert not any(p.plugin_loaded(other) for other in BUNDLE if other not in loaded)
    PROBES[name](app)
