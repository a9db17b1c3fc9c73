"""/harvest and every page of a source render, whatever keys its configuration uses
(ckanext-harvest copies the configuration's keys onto the source's dataset dict)."""

from __future__ import annotations

import json

from ckan.tests import factories, helpers

from .conftest import make_source, territory  # noqa: F401 (fixtures)

CONFIGS = {
    "former-key": '{"protocol": "ckan", "organization": "commune-d-aulnat"}',  # README before the rename
    "current-key": '{"protocol": "udata", "remote_organization": "commune-d-aulnat", "publisher": "Aulnat"}',
    "empty": "",
    "full": json.dumps(
        {
            "protocol": "auto",
            "publisher": "Ville",
            "theme_mapping": {"Voirie": "transports"},
            "default_license": "lov2",
            "default_theme": "culture",
            "max_withdrawal_ratio": 0.2,
        }
    ),
}


def test_former_key_is_stored_under_its_new_name(make_source):
    source = make_source("https://data.aulnat.fr/", config=CONFIGS["former-key"], name="ancienne-cle")
    stored = json.loads(helpers.call_action("harvest_source_show", id=source["id"])["config"])
    assert stored == {"protocol": "ckan", "remote_organization": "commune-d-aulnat"}


def test_every_source_page_renders(app, make_source):
    sysadmin = factories.SysadminWithToken()
    headers = {"Authorization": sysadmin["token"]}
    names = []
    for i, (label, config) in enumerate(CONFIGS.items()):
        source = make_source(f"https://portail{i}.example.fr/", config=config, name=f"source-{label}")
        names.append(source["name"])
    assert app.get("/harvest/").status_code == 200
    wrong = []
    for name in names:
        org = helpers.call_action("harvest_source_show", id=name)["organization"]
        assert isinstance(org, dict) and org["name"] == "aubiere", name
        for url in (
            f"/harvest/{name}",
            f"/harvest/about/{name}",
            f"/harvest/admin/{name}",
            f"/harvest/{name}/job",
            f"/harvest/edit/{name}",
            "/organization/aubiere",
            "/harvest/",
        ):
            status = app.get(url, headers=headers).status_code
            if status != 200:
                wrong.append((url, status))
    assert wrong == []
