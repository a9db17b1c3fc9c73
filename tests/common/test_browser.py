"""In a real browser: a commune agent uploads a file for a common dataset through the French
web form and reads its validation report; the matrix page passes an axe-core audit."""

from __future__ import annotations

import pytest
from ckan.lib import jobs as ckan_jobs
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import apply_plan

from ..conftest import ARTIFACTS, AXE
from ..theme.test_browser import PASSWORD, logged_in, open_dataset_form, server  # noqa: F401 (fixture)
from .conftest import CODES, METRO

pytestmark = pytest.mark.skipif(not AXE.exists(), reason="make test installs chromium and axe-core")

BAD = (
    "id;nom;insee;adresse;acces_pmr;gratuit;horaires;latitude;longitude\n"
    "63113-0001;Place de Jaude;63113;Place de Jaude;oui;true;;45.7772;3.0819\n"
    "63113-0002;Jardin Lecoq;63113;;false;true;;45.7720;3.0900\n"
)


@pytest.fixture
def commune_agent(clean_db, clean_index, clean_queues, with_plugins, with_test_worker):
    apply_plan(
        {"ignore_auth": True, "user": ""},
        t.plan(t.from_codes(list(CODES), name=METRO, title="Clermont Auvergne Métropole", siren="246300701")),
    )
    agent = factories.User(name="agent-clermont", password=PASSWORD, email="agent@clermont.fr")
    helpers.call_action(
        "organization_member_create", id="clermont-ferrand", username=agent["name"], role="editor"
    )
    return agent


def _axe(page):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => await axe.run(document, {
        runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})""")
    return [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_agent_uploads_through_the_form_and_reads_the_report(server, browser, commune_agent, tmp_path):
    page = logged_in(browser, server, "agent-clermont")

    open_dataset_form(page, server + "/dataset/new")
    page.fill("#field-title", "Toilettes publiques de Clermont-Ferrand")
    page.select_option("#field-organizations", label="Clermont-Ferrand", force=True)
    page.select_option("#field-license_id", value="lov2", force=True)
    page.check("input[name=theme][value=equipements]")
    page.select_option("#field-private", value="False", force=True)
    page.click("button[name=save]")
    page.wait_for_selector("#field-resource-upload", state="attached")  # step 2: the resource form

    csv_file = tmp_path / "toilettes.csv"
    csv_file.write_text(BAD, encoding="utf-8")
    page.set_input_files("#field-resource-upload", str(csv_file))
    page.fill("#field-name", "Toilettes (CSV)")
    page.select_option("#field-conforms_to", value="metropole/toilettes-publiques", force=True)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "common-01-upload-form.png"), full_page=True)
    page.click("button[name=save][value=go-metadata]")
    page.wait_for_load_state()

    dataset = helpers.call_action("package_show", id="toilettes-publiques-de-clermont-ferrand")
    resource = dataset["resources"][0]
    assert resource["url_type"] == "upload" and resource["conforms_to"] == "metropole/toilettes-publiques"
    page.goto(f"{server}/dataset/{dataset['name']}/resource/{resource['id']}")
    assert "Validation en cours" in page.content()

    ckan_jobs.Worker().work(burst=True)  # the jobs worker, here in the test process
    page.reload()
    report = page.locator("section.metropole-validation")
    assert "Publié avec des erreurs" in report.inner_text()
    row = report.locator("tbody tr").first
    assert [c.inner_text() for c in row.locator("td").all()] == [
        "2",
        "acces_pmr",
        "« oui » n'est pas un(e) booléen (true ou false) valide",
    ]
    page.screenshot(path=str(ARTIFACTS / "common-02-validation-report.png"), full_page=True)
    assert _axe(page) == []

    page.goto(server + "/jeux-communs")
    cell = page.locator("tr[data-insee='63113'] td[data-common='toilettes-publiques']")
    assert cell.get_attribute("data-status") == "invalid"
    page.screenshot(path=str(ARTIFACTS / "common-03-matrix.png"), full_page=True)
    assert _axe(page) == []
