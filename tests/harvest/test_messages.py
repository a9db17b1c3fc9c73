"""The harvester's errors and warnings are stored as English msgids with their parameters and
read in the reader's language: French on the portal's pages (its default language) and in the
API, English on /en/ pages; a text stored before (French prose) reads as it was."""

from __future__ import annotations

import ckan.model as model
from ckan.tests import factories, helpers
from ckanext.harvest.model import HarvestGatherError, HarvestJob

from ckanext.metropole.messages import N_, display, loads, stored, translate

from .test_real_shapes import _ods

LEGACY = "Moissonnage interrompu : ancien message enregistré en français."


def test_a_message_is_stored_as_its_msgid_and_read_in_the_portal_language():
    message = N_(
        "Harvest interrupted, nothing was changed or withdrawn: {error}",
        error=N_("HTTP error {status} querying {url}.", status=404, url="http://x.test/a"),
    )
    text = stored(message)
    assert "Harvest interrupted" in text and "Moissonnage" not in text
    assert loads(text) == message
    # outside a request: the portal's default language (test.ini: fr)
    assert display(text) == (
        "Moissonnage interrompu, rien n'a été modifié ni retiré : "
        "Erreur HTTP 404 en interrogeant http://x.test/a."
    )
    assert display(LEGACY) == LEGACY and display('{"metropole_i18n": broken') == '{"metropole_i18n": broken'
    assert translate("") == "" and translate("Datasets read", "fr") == "Jeux lus"
    assert translate("Datasets read", "en") == "Datasets read"


def test_job_page_and_api_read_the_messages_in_the_reader_language(portal, make_source, harvest, app):
    # a dataset refused (its address is taken), one landed with a warning (no licence)
    org = helpers.call_action("organization_show", id="royat")
    helpers.call_action(
        "package_create",
        context={"user": factories.Sysadmin()["name"]},
        name="royat-fantoir-vanves",
        title="Voies (saisie manuelle)",
        owner_org=org["id"],
        theme=["urbanisme"],
        license_id="lov2",
    )
    _ods(portal, total=2)
    source = make_source(portal.url, owner="royat")
    job = harvest(source)["job"]
    # a gather error written before messages were stored as msgids
    HarvestGatherError.create(LEGACY, HarvestJob.get(job.id))
    model.Session.commit()
    raw = [e.message for o in job.objects for e in o.errors]
    assert raw and all(r.startswith('{"metropole_i18n"') for r in raw)

    headers = {"Authorization": factories.SysadminWithToken()["token"]}
    french = app.get(f"/harvest/{source['name']}/job/{job.id}", headers=headers).body
    assert "est déjà prise par un jeu de données" in french and "aucune licence indiquée" in french
    assert "already taken" not in french and "metropole_i18n" not in french and LEGACY in french
    english = app.get(f"/en/harvest/{source['name']}/job/{job.id}", headers=headers).body
    assert "is already taken by a dataset that does not come from this source" in english
    assert "no licence given by the source" in english
    assert (
        "est déjà prise" not in english
        and "aucune licence" not in english
        and "metropole_i18n" not in english
    )
    assert LEGACY in english  # old texts as they were

    report = app.get(f"/api/3/action/harvest_job_report?id={job.id}", headers=headers).json["result"]
    errors = [e["message"] for o in report["object_errors"].values() for e in o["errors"]]
    assert any("« royat-fantoir-vanves » est déjà prise" in e for e in errors)
    assert [e["message"] for e in report["gather_errors"]] == [LEGACY]
    assert any("aucune licence indiquée" in w for w in report["warnings"])
    shown = app.get(f"/api/3/action/harvest_job_show?id={job.id}", headers=headers).json["result"]
    assert any("est déjà prise" in e["message"] for e in shown["object_error_summary"])
    obj = next(o for o in job.objects if o.errors)
    shown = app.get(f"/api/3/action/harvest_object_show?id={obj.id}", headers=headers).json["result"]
    assert "est déjà prise" in shown["errors"][0]["message"]


def test_a_gather_error_reads_in_english_on_english_pages(portal, make_source, harvest, app):
    source = make_source(portal.url + "/nothing-here", owner="royat", config='{"protocol": "opendatasoft"}')
    result = harvest(source)
    assert any(
        e.startswith("Moissonnage interrompu, rien n'a été modifié ni retiré : Erreur HTTP 404")
        for e in result["gather_errors"]
    )
    headers = {"Authorization": factories.SysadminWithToken()["token"]}
    english = app.get(f"/en/harvest/{source['name']}/job/{result['job'].id}", headers=headers).body
    assert "Harvest interrupted, nothing was changed or withdrawn: HTTP error 404 querying" in english
    assert "Moissonnage" not in english
