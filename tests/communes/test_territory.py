"""Loading a territory: idempotent, matched by INSEE code, all-or-nothing on conflicts."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.tests import factories, helpers

from ckanext.metropole.communes import codes_file
from ckanext.metropole.communes import territory as t

from ..conftest import make_dataset
from .conftest import CLERMONT

# Three communes of the Métropole de Lyon (not an EPCI): Lyon, Villeurbanne, Vénissieux
LYON_CODES = ["69123", "69266", "69259"]


@pytest.fixture
def french_request(test_request_context):
    """Messages are English msgids said in the portal's language (French), as the CLI (which
    runs inside a request context) and the API say them."""
    with test_request_context():
        yield


def _orgs():
    return {
        o["name"]: o
        for o in helpers.call_action("organization_list", all_fields=True, include_extras=True, limit=1000)
    }


def _communes(metropole):
    return [o for o in _orgs().values() if o.get("kind") == "commune" and o.get("member_of") == metropole]


def _show(name):
    return helpers.call_action("organization_show", id=name)


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestLoadEpci:
    def test_clermont_yields_metropole_and_21_communes_matching_reference(self, load_territory, ref):
        the_plan, summary = load_territory(t.from_epci(CLERMONT))
        assert (summary.created, summary.updated, summary.unchanged) == (22, 0, 0)
        metro = _show("clermont-auvergne-metropole")
        assert metro["title"] == "Clermont Auvergne Métropole"
        assert (metro["kind"], metro["siren"]) == ("metropole", CLERMONT)
        names = [c.name for c in the_plan.communes]
        assert len(names) == 21
        for code in ref.epci(CLERMONT).members:
            commune = ref.commune(code)
            org = (
                model.Session.query(model.Group)
                .join(model.GroupExtra)
                .filter(model.GroupExtra.key == "insee_code", model.GroupExtra.value == code)
                .one()
            )
            shown = _show(org.name)
            assert shown["title"] == commune.name
            assert shown["siren"] == commune.siren
            assert shown["population"] == commune.population
            assert shown["postal_codes"] == list(commune.postal_codes)
            assert shown["member_of"] == "clermont-auvergne-metropole"
            assert shown["open_data_obligation"] is (commune.population >= 3500)
        assert _show("clermont-ferrand")["insee_code"] == "63113"
        assert _show("saint-genes-champanelle")["insee_code"] == "63345"

    def test_loading_again_changes_nothing(self, load_territory):
        load_territory(t.from_epci(CLERMONT))
        before = {o.id: (o.name, o.title) for o in model.Session.query(model.Group)}
        extras_before = model.Session.query(model.GroupExtra).count()
        activities_before = model.Session.execute("SELECT count(*) FROM activity").scalar()
        _plan, summary = load_territory(t.from_epci(CLERMONT))
        assert (summary.created, summary.updated, summary.unchanged) == (0, 0, 22)
        assert {o.id: (o.name, o.title) for o in model.Session.query(model.Group)} == before
        assert model.Session.query(model.GroupExtra).count() == extras_before
        # no write at all: no new activity
        assert model.Session.execute("SELECT count(*) FROM activity").scalar() == activities_before

    def test_reload_updates_changed_reference_values_and_keeps_members_and_own_fields(self, load_territory):
        load_territory(t.from_epci(CLERMONT))
        sysadmin = factories.Sysadmin()
        agent = factories.User()
        helpers.call_action(
            "organization_member_create",
            context={"user": sysadmin["name"]},
            id="aubiere",
            username=agent["name"],
            role="editor",
        )
        helpers.call_action(
            "organization_patch",
            context={"user": sysadmin["name"]},
            id="aubiere",
            population=12,
            title="Aubière (ancien nom)",
            description="Notre commune",
            postal_codes=["63170", "63171"],
        )
        _, summary = load_territory(t.from_epci(CLERMONT))
        assert (summary.created, summary.updated, summary.unchanged) == (0, 1, 21)
        aubiere = _show("aubiere")
        assert aubiere["title"] == "Aubière" and aubiere["population"] > 10000
        assert aubiere["postal_codes"] == ["63170"]
        assert aubiere["description"] == "Notre commune"
        members = helpers.call_action("member_list", id="aubiere", object_type="user")
        assert (agent["id"], "user", "Editor") in [tuple(m) for m in members]

    @pytest.mark.usefixtures("french_request")
    def test_commune_that_left_is_reported_and_kept_with_its_data(self, load_territory):
        load_territory(t.from_epci(CLERMONT))
        dataset = make_dataset(owner_org=_show("durtol")["id"])
        codes = [c for c in t.from_epci(CLERMONT).communes if c.insee != "63141"]
        terr = t.from_codes(
            [c.insee for c in codes], "clermont-auvergne-metropole", "Clermont Auvergne Métropole", CLERMONT
        )
        the_plan, summary = load_territory(terr)
        assert summary.reported == 1
        assert "Durtol (63141) n'est plus membre du territoire" in the_plan.reported[0]
        assert _show("durtol")["state"] == "active"
        assert helpers.call_action("package_show", id=dataset["id"])["owner_org"] == _show("durtol")["id"]

    def test_slug_collision_gets_department_suffix(self, load_territory):
        factories.Group(name="aubiere")  # a thematic group already holds the name
        load_territory(t.from_epci(CLERMONT))
        assert _show("aubiere-63")["insee_code"] == "63014"


@pytest.mark.usefixtures("clean_db", "with_plugins")
class TestLoadList:
    def test_territory_given_as_insee_codes_works_the_same(self, load_territory, ref):
        terr = t.from_codes(LYON_CODES, "metropole-de-lyon", "Métropole de Lyon", "200046977")
        _, summary = load_territory(terr)
        assert summary.created == 4
        metro = _show("metropole-de-lyon")
        assert metro["siren"] == "200046977"
        assert metro["population"] == sum(ref.commune(c).population for c in LYON_CODES)
        assert sorted(o["insee_code"] for o in _communes("metropole-de-lyon")) == sorted(LYON_CODES)
        _, again = load_territory(
            t.from_codes(LYON_CODES, "metropole-de-lyon", "Métropole de Lyon", "200046977")
        )
        assert (again.created, again.updated, again.unchanged) == (0, 0, 4)

    @pytest.mark.usefixtures("french_request")
    def test_commune_of_another_territory_refuses_the_whole_load(self, load_territory):
        load_territory(t.from_epci(CLERMONT))
        count = len(_orgs())
        terr = t.from_codes(["69123", "63113"], "metropole-de-lyon", "Métropole de Lyon")
        with pytest.raises(t.TerritoryError) as e:
            t.plan(terr)
        assert (
            "Clermont-Ferrand (63113) appartient déjà au territoire « clermont-auvergne-metropole »"
            in str(e.value)
        )
        assert len(_orgs()) == count  # nothing created, not even Lyon

    @pytest.mark.usefixtures("french_request")
    def test_name_taken_by_a_non_metropole_is_refused(self, load_territory):
        load_territory(t.from_epci(CLERMONT))
        with pytest.raises(t.TerritoryError) as e:
            t.plan(t.from_codes(["69123"], "aubiere", "Métropole de Lyon"))
        assert "« aubiere »" in str(e.value)


@pytest.mark.usefixtures("french_request")
class TestTerritoryDefinition:
    def test_unknown_epci_siren(self):
        with pytest.raises(t.TerritoryError) as e:
            t.from_epci("216301135")  # a valid SIREN, of a commune, not of an EPCI
        assert "216301135" in str(e.value) and "--communes" in str(e.value)

    def test_unknown_and_former_codes_are_all_named(self, ref):
        former, current = next(iter(ref.former.items()))
        with pytest.raises(t.TerritoryError) as e:
            t.from_codes(["63113", "99999", former], "x", "X")
        assert "99999" in str(e.value)
        assert f"{former} (fusionnée dans {ref.communes[current].name}" in str(e.value)

    def test_list_needs_name_and_title(self):
        with pytest.raises(t.TerritoryError, match="--name et --title"):
            t.from_codes(["63113"], None, None)

    def test_bad_siren_for_list(self, test_request_context):
        # the message is translated in the portal's language (French), as the CLI and API show it
        with test_request_context(), pytest.raises(t.TerritoryError, match="clé de contrôle"):
            t.from_codes(["63113"], "x", "X", "200046978")


@pytest.mark.usefixtures("french_request")
class TestReadCodes:
    def test_one_code_per_line_with_comments_and_blanks(self, tmp_path):
        path = tmp_path / "codes.txt"
        path.write_text("# Métropole de Lyon\n69123\n\n69266  # Villeurbanne\n2a004\n")
        assert codes_file.read_codes(path) == ["69123", "69266", "2A004"]

    @pytest.mark.parametrize(
        "content",
        [
            "nom,insee\nLyon,69123\nVilleurbanne,69266\n",
            "Nom;INSEE;pop\nLyon;69123;1\nVilleurbanne;69266;2\n",
            "\ufeffinsee\n69123\n69266\n",
        ],
    )
    def test_csv_with_insee_column(self, tmp_path, content):
        path = tmp_path / "codes.csv"
        path.write_text(content, encoding="utf-8")
        assert codes_file.read_codes(path) == ["69123", "69266"]

    @pytest.mark.parametrize(
        ("content", "message"),
        [
            ("", "est vide"),
            ("\n  \n", "est vide"),
            ("nom,code\nLyon,69123\n", "pas de colonne « insee »"),
            ("69123\n1001\n", "« 1001 » (ligne 2)"),
            ("insee\n", "Aucun code INSEE"),
        ],
    )
    def test_bad_files_name_the_offending_value(self, tmp_path, content, message):
        path = tmp_path / "codes.csv"
        path.write_text(content)
        with pytest.raises(t.TerritoryError) as e:
            codes_file.read_codes(path)
        assert message in str(e.value)

    def test_missing_file(self, tmp_path):
        with pytest.raises(t.TerritoryError, match="Impossible de lire"):
            codes_file.read_codes(tmp_path / "absent.txt")
