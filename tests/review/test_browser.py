"""In a real browser (chromium driven by Playwright): an agent creates a dataset and submits
it, a reviewer returns it with a comment, the agent corrects and submits again, the reviewer
accepts, an anonymous visitor finds it. axe-core audits the review pages; screenshots go to
test-artifacts/screenshots/review-*.png."""

from __future__ import annotations

import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import territory as t
from ckanext.metropole.communes.logic.action import apply_plan

from ..conftest import AXE, ckan_server, free_port, ini_text_with, needs_browser
from ..theme.test_browser import PASSWORD, _shot, logged_in, open_dataset_form
from .conftest import CLERMONT

pytestmark = needs_browser


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """CKAN in its own process, with review on (test.ini has it off for other capabilities)."""
    url = f"http://127.0.0.1:{free_port()}"
    ini = tmp_path_factory.mktemp("ini") / "review.ini"
    text = ini_text_with(url, **{"ckanext.metropole.home_cache_seconds": "0"})
    ini.write_text(
        text.replace("ckanext.metropole.review.enabled = false", "ckanext.metropole.review.enabled = true")
    )
    with ckan_server(ini, url, tmp_path_factory.mktemp("log") / "ckan.log"):
        yield url


NOTES = (
    "Emplacements des défibrillateurs automatisés externes des bâtiments communaux, "
    "avec leur adresse, leurs horaires d'accès et la date de la dernière maintenance."
)


@pytest.fixture
def actors(clean_db, clean_index, with_plugins):
    apply_plan(
        {"ignore_auth": True, "user": ""},
        t.plan(
            t.from_codes(
                ["63014", "63141"],
                name="clermont-auvergne-metropole",
                title="Clermont Auvergne Métropole",
                siren=CLERMONT,
            )
        ),
    )
    agent = factories.User(name="agent-aubiere", password=PASSWORD, email="agent@aubiere.fr")
    reviewer = factories.User(name="relecteur-metropole", password=PASSWORD, email="relecture@metropole.fr")
    helpers.call_action("organization_member_create", id="aubiere", username=agent["name"], role="editor")
    helpers.call_action(
        "organization_member_create",
        id="clermont-auvergne-metropole",
        username=reviewer["name"],
        role="editor",
    )
    return agent, reviewer


def _axe(page, name, context="document"):
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        f"""async () => await axe.run({context}, {{
        runOnly: {{type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}}}})"""
    )
    serious = [
        (v["id"], v["impact"], v["help"], [n["target"] for n in v["nodes"]][:3])
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (name, serious)


def test_whole_review_path(server, browser, actors):
    agent = logged_in(browser, server, "agent-aubiere")
    open_dataset_form(agent, server + "/dataset/new")
    agent.fill("#field-title", "Défibrillateurs d'Aubière")
    agent.select_option("#field-organizations", label="Aubière", force=True)
    agent.select_option("#field-license_id", value="lov2", force=True)
    agent.check("input[name=theme][value=sante]")
    agent.select_option("#field-frequency", value="ANNUAL", force=True)
    agent.fill("#field-notes", "Défibrillateurs.")
    agent.click("button[name=save]")
    agent.wait_for_url("**/resource/new")
    agent.click("#resource-link-button")
    agent.fill("#field-resource-url", "https://www.aubiere.fr/dae.csv")
    agent.fill("#field-name", "Défibrillateurs (CSV)")
    agent.click("button[name=save][value=go-metadata]")
    agent.wait_for_load_state()
    name = agent.url.rstrip("/").rsplit("/", 1)[-1]
    assert "Relecture avant publication : Brouillon" in agent.content()
    _shot(agent, "review-01-draft-checklist")
    # the review's part of the dataset page (the rest is the dataset capability's own page)
    _axe(agent, "dataset checklist", "'.metropole-review-status'")

    # the description is too short: the submission is refused with the criterion
    agent.click("text=Soumettre à la relecture")
    agent.wait_for_load_state()
    assert "Soumission refusée" in agent.content() and "100 caractères" in agent.content()
    _shot(agent, "review-02-refused")
    agent.goto(f"{server}/dataset/edit/{name}")
    agent.fill("#field-notes", NOTES)
    agent.click("button[name=save]")
    agent.wait_for_load_state()
    agent.click("text=Soumettre à la relecture")
    agent.wait_for_load_state()
    assert "est soumis à la relecture de la métropole" in agent.content()

    reviewer = logged_in(browser, server, "relecteur-metropole")
    reviewer.goto(server + "/moderation")
    assert "Aubière" in reviewer.content() and "Défibrillateurs d'Aubière" in reviewer.content()
    _shot(reviewer, "review-03-queue")
    _axe(reviewer, "moderation")
    reviewer.fill(f"[data-dataset='{name}'] textarea[name=comment]", "Précisez les horaires d'accès.")
    reviewer.click(f"[data-dataset='{name}'] >> text=Renvoyer pour corrections")
    reviewer.wait_for_load_state()
    assert "renvoyé à sa commune" in reviewer.content()

    agent.goto(f"{server}/dataset/{name}")
    assert "Précisez les horaires d'accès." in agent.content()
    _shot(agent, "review-04-returned")
    agent.goto(f"{server}/dataset/edit/{name}")
    agent.fill("#field-notes", NOTES + " Accès de 8 h à 18 h.")
    agent.click("button[name=save]")
    agent.wait_for_load_state()
    agent.click("text=Soumettre à la relecture")
    agent.wait_for_load_state()

    anonymous = browser.new_page(locale="fr-FR")
    anonymous.goto(server + "/dataset/?q=défibrillateurs")
    assert "Défibrillateurs d'Aubière" not in anonymous.content()

    reviewer.goto(server + "/moderation")
    reviewer.click(f"[data-dataset='{name}'] >> text=Accepter et publier")
    reviewer.wait_for_load_state()
    assert "est accepté et public" in reviewer.content()
    _shot(reviewer, "review-05-accepted")

    anonymous.goto(server + "/dataset/?q=défibrillateurs")
    assert anonymous.locator("text=Défibrillateurs d'Aubière").first.is_visible()
    _shot(anonymous, "review-06-found-by-anonymous")

    # the dataset's activity stream: each step with who made it and why
    agent.goto(f"{server}/dataset/activity/{name}")
    steps = agent.locator(".metropole-review-activity").all_inner_texts()
    assert any("renvoyé pour corrections — « Précisez les horaires d'accès. »" in s for s in steps), steps
    assert any("accepté et publié" in s for s in steps), steps
    _shot(agent, "review-07-activity")
    _axe(agent, "activity stream", "'.activity'")
    shown = helpers.call_action("package_show", id=name)
    assert shown["review_state"] == "published" and shown["private"] is False


def _tab_to(page, selector, limit=80):
    """Press Tab (and only Tab) until the focus is on ``selector``: the keyboard's way there."""
    for _ in range(limit):
        if page.evaluate("(s) => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never reached by Tab")


def _press_enter(page):
    """Enter on the focused button, waiting for the page it leads to."""
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


def test_keyboard_alone_creates_submits_and_accepts(server, browser, actors):
    """#25: the keyboard alone publishes a dataset, submits it and accepts it (RGAA 12.11)."""
    agent = logged_in(browser, server, "agent-aubiere")
    open_dataset_form(agent, server + "/dataset/new")
    _tab_to(agent, "#field-title")
    agent.keyboard.type("Bancs publics d'Aubière")
    _tab_to(agent, "#field-notes")
    agent.keyboard.type(NOTES)
    _tab_to(agent, "input[name=theme][value=equipements]")
    agent.keyboard.press("Space")
    _tab_to(agent, "#field-frequency")
    agent.keyboard.type("Annuelle")  # a select's own type-ahead
    assert agent.eval_on_selector("#field-frequency", "s => s.value") == "ANNUAL"
    # the organisation (the agent's only one) and the licence (the declared default) are preselected
    _tab_to(agent, "button[name=save]")
    _press_enter(agent)
    assert agent.url.endswith("/resource/new"), agent.url
    _tab_to(agent, "#resource-link-button")
    agent.keyboard.press("Enter")
    _tab_to(agent, "#field-resource-url")
    agent.keyboard.type("https://www.aubiere.fr/bancs.csv")
    _tab_to(agent, "button[name=save][value=go-metadata]")
    _press_enter(agent)
    name = agent.url.rstrip("/").rsplit("/", 1)[-1]
    _tab_to(agent, ".metropole-review-status button[type=submit]")
    _press_enter(agent)
    _shot(agent, "review-keyboard-01-submitted")
    assert "est soumis à la relecture de la métropole" in agent.content(), agent.inner_text("#content")[:1500]

    reviewer = logged_in(browser, server, "relecteur-metropole")
    reviewer.goto(server + "/moderation")
    _tab_to(reviewer, f"[data-dataset='{name}'] form[action$='/accept'] button")
    _press_enter(reviewer)
    assert "est accepté et public" in reviewer.content()
    _shot(reviewer, "review-keyboard-02-accepted")
    shown = helpers.call_action("package_show", id=name)
    assert shown["review_state"] == "published" and shown["license_id"] == "lov2"
