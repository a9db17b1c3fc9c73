"""The header row of an uploaded table is checked (in the worker, before xloader writes it)."""

from __future__ import annotations

import io

import pytest
from ckan.tests import helpers
from werkzeug.datastructures import FileStorage

from ckanext.metropole.previews import header_check

from ..conftest import make_dataset
from .test_load import _xlsx


@pytest.mark.usefixtures("clean_db", "with_plugins")
@pytest.mark.parametrize(
    ("name", "content", "fmt", "problem"),
    [
        (
            "fusion.xlsx",
            _xlsx([["Budget 2023", None, None], ["Poste", "Prévu", "Réalisé"]], merge="A1:C1"),
            "XLSX",
            "Merged header cells in the first row: A1:C1.",
        ),
        (
            "trou.xlsx",
            _xlsx([["Poste", None, "Réalisé"], ["Voirie", 10, 9]]),
            "XLSX",
            "Empty header cell in column 2",
        ),
        (
            "doublon.csv",
            "nom;Nom;places\nJaude;Delille;3\n".encode("cp1252"),
            "CSV",
            'Repeated header name: "Nom"',
        ),
        ("bon.csv", b"nom,places\nJaude,620\n", "CSV", None),
    ],
    # named by file: the workbooks' bytes hold their creation time, and two xdist workers that
    # build them in different seconds would collect different test ids (collection error)
    ids=["fusion.xlsx", "trou.xlsx", "doublon.csv", "bon.csv"],
)
def test_uploaded_header_rows(name, content, fmt, problem):
    from ckan.tests import factories

    sysadmin = factories.Sysadmin()
    org = factories.Organization(kind="commune", insee_code="63308")
    dataset = make_dataset(owner_org=org["id"])
    res = helpers.call_action(
        "resource_create",
        context={"user": sysadmin["name"]},
        package_id=dataset["id"],
        url=name,
        format=fmt,
        upload=FileStorage(io.BytesIO(content), name),
    )
    assert (header_check.check_resource(res["id"]) or "").startswith(problem or "")
    if problem:
        from ckanext.xloader.job_exceptions import LoaderError

        with pytest.raises(LoaderError, match=problem.split(":")[0]):
            header_check.before_update(res["id"], [{"id": "Poste"}])
    else:
        header_check.before_update(res["id"], [{"id": "nom"}, {"id": "places"}])
