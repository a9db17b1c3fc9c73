"""A catalogue holding the awkward cases re-users and harvesters meet: hand-made and
harvested datasets, odd or missing formats, no description, bad URLs, no licence URL.

Bad URLs are written the way legacy rows or lenient harvests leave them: straight into the
resource/extra rows (validators of today may refuse them at the form, yesterday's data is
still there), then the dataset is re-indexed.
"""
from __future__ import annotations

import ckan.model as model
from ckan.lib.search import rebuild
from ckan.tests import helpers

from .conftest import full_dataset

BAD_URLS = ["http://none", "javascript:alert(1)", "pas une adresse", "http://exa mple.org/a b<c>.csv",
            "ftp://", "http://localhost/x.csv", "data:text/csv,a,b"]


def _force(dataset_name, resource_urls=None, landing_page=None):
    """Store values that the validators of the day might refuse."""
    pkg = model.Package.get(dataset_name)
    if resource_urls:
        for resource, url in zip(pkg.resources, resource_urls):
            resource.url = url
            # a schema "URL" that is not one either (what a lenient form or harvest keeps)
            resource.extras = {**(resource.extras or {}), "conforms_to": url}
    if landing_page is not None:
        pkg.url = landing_page
        pkg.extras["harvest_landing_page"] = landing_page
    model.Session.commit()
    rebuild(pkg.id)


def build(create):
    """Create the awkward catalogue; returns the names of its datasets."""
    names = []
    # 1. hand-made, complete
    names.append(create(**full_dataset())["name"])
    # 2. harvested-like: no description, odd formats, a source portal and landing page
    names.append(create(**full_dataset(
        name="aubiere-arbres-remarquables", title="Arbres remarquables", notes="",
        owner_org="aubiere", theme=["environnement"], communes=["63014"], license_id="odc-odbl",
        frequency="IRREG", contact=[], url="https://data.example.fr/explore/dataset/arbres/",
        harvest_portal="https://data.example.fr", harvest_landing_page="https://data.example.fr/explore/dataset/arbres/",
        temporal_start="", temporal_end="", modified="2023-05-04T08:00:00+02:00", issued="2019-06-01",
        resources=[
            {"url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/csv", "format": "CSV"},
            {"url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/shp", "format": "Esri Shapefile"},
            {"url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/xlsx", "format": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
            {"url": "https://data.example.fr/arbres.bin", "format": "Format maison ✓"},
            {"url": "https://data.example.fr/arbres", "format": ""},
        ]))["name"])
    # 3. bad URLs everywhere (resources and landing page), licence without URL, no frequency
    bad = create(**full_dataset(
        name="cournon-d-auvergne-liens-casses", title="Liens cassés", notes="Des liens qui ne mènent nulle part.",
        owner_org="cournon-d-auvergne", theme=["administration"], communes=[], license_id="other-open",
        frequency="", contact=[], url="", temporal_start="", temporal_end="",
        resources=[{"url": f"https://example.org/r{i}.csv", "format": "CSV"} for i in range(len(BAD_URLS))]))
    _force(bad["name"], resource_urls=BAD_URLS, landing_page="javascript:alert(1)")
    names.append(bad["name"])
    # 4. licence not specified, métropole-wide, no resources
    names.append(create(**full_dataset(
        name="metropole-budget", title="Budget primitif", notes="Budget voté.", owner_org="clermont-auvergne-metropole",
        theme=["finances"], communes=[], license_id="notspecified", frequency="ANNUAL", contact=[],
        url="", resources=[]))["name"])
    # 5. harvested from data.gouv.fr itself
    names.append(create(**full_dataset(
        name="gerzat-deliberations", title="Délibérations", notes="<p>Délibérations du <b>conseil</b></p>",
        owner_org="gerzat", theme=["citoyennete"], communes=["63164"], license_id="lov2", contact=[],
        harvest_portal="https://www.data.gouv.fr", url="https://www.data.gouv.fr/fr/datasets/deliberations-gerzat/",
        harvest_landing_page="https://www.data.gouv.fr/fr/datasets/deliberations-gerzat/",
        resources=[{"url": "https://static.data.gouv.fr/resources/deliberations/x.csv", "format": "csv"}]))["name"])
    return names


def get(app, url):
    response = app.get(url)
    assert response.status_code == 200, (url, response.status_code, response.body[:500])
    return response


def update(sysadmin, **data):
    return helpers.call_action("package_patch", context={"user": sysadmin["name"]}, **data)
