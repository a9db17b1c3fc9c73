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

BAD_URLS = [
    "http://none",
    "javascript:alert(1)",
    "pas une adresse",
    "http://exa mple.org/a b<c>.csv",
    "ftp://",
    "http://localhost/x.csv",
    "data:text/csv,a,b",
]


def _force(dataset_name, resource_urls=None, landing_page=None):
    """Store values that the validators of the day might refuse."""
    pkg = model.Package.get(dataset_name)
    if resource_urls:
        for resource, url in zip(pkg.resources, resource_urls, strict=False):
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
    names.append(
        create(
            **full_dataset(
                name="aubiere-arbres-remarquables",
                title="Arbres remarquables",
                notes="",
                owner_org="aubiere",
                theme=["environnement"],
                communes=["63014"],
                license_id="odc-odbl",
                frequency="IRREG",
                contact=[],
                url="https://data.example.fr/explore/dataset/arbres/",
                harvest_portal="https://data.example.fr",
                harvest_landing_page="https://data.example.fr/explore/dataset/arbres/",
                temporal_start="",
                temporal_end="",
                modified="2023-05-04T08:00:00+02:00",
                issued="2019-06-01",
                resources=[
                    {
                        "url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/csv",
                        "format": "CSV",
                    },
                    {
                        "url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/shp",
                        "format": "Esri Shapefile",
                    },
                    {
                        "url": "https://data.example.fr/api/explore/v2.1/catalog/datasets/arbres/exports/xlsx",
                        "format": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    },
                    {"url": "https://data.example.fr/arbres.bin", "format": "Format maison ✓"},
                    {"url": "https://data.example.fr/arbres", "format": ""},
                ],
            )
        )["name"]
    )
    # 3. bad URLs everywhere (resources and landing page), licence without URL, no frequency
    bad = create(
        **full_dataset(
            name="cournon-d-auvergne-liens-casses",
            title="Liens cassés",
            notes="Des liens qui ne mènent nulle part.",
            owner_org="cournon-d-auvergne",
            theme=["administration"],
            communes=[],
            license_id="other-open",
            frequency="",
            contact=[],
            url="",
            temporal_start="",
            temporal_end="",
            resources=[
                {"url": f"https://example.org/r{i}.csv", "format": "CSV"} for i in range(len(BAD_URLS))
            ],
        )
    )
    _force(bad["name"], resource_urls=BAD_URLS, landing_page="javascript:alert(1)")
    names.append(bad["name"])
    # 4. licence not specified, métropole-wide, no resources
    names.append(
        create(
            **full_dataset(
                name="metropole-budget",
                title="Budget primitif",
                notes="Budget voté.",
                owner_org="clermont-auvergne-metropole",
                theme=["finances"],
                communes=[],
                license_id="notspecified",
                frequency="ANNUAL",
                contact=[],
                url="",
                resources=[],
            )
        )["name"]
    )
    # 5. harvested from data.gouv.fr itself
    names.append(
        create(
            **full_dataset(
                name="gerzat-deliberations",
                title="Délibérations",
                notes="<p>Délibérations du <b>conseil</b></p>",
                owner_org="gerzat",
                theme=["citoyennete"],
                communes=["63164"],
                license_id="lov2",
                contact=[],
                harvest_portal="https://www.data.gouv.fr",
                url="https://www.data.gouv.fr/fr/datasets/deliberations-gerzat/",
                harvest_landing_page="https://www.data.gouv.fr/fr/datasets/deliberations-gerzat/",
                resources=[
                    {"url": "https://static.data.gouv.fr/resources/deliberations/x.csv", "format": "csv"}
                ],
            )
        )["name"]
    )
    return names


# as long as the portal accepts (ckanext.metropole.limits.title_chars, 500): longer is refused
LONG_TITLE = (
    ('Équipements « sportifs » & culturels — 🏟️ piscines, gymnases, stades (Aubière) <b>non</b> "échappés" ')
    * 6
)[:500]


def _force_rows(dataset_name, extras=None, license_id=None, tags=()):
    """Values a former schema or a lenient harvest left in the rows, bypassing today's
    validators: odd extras, an unknown licence id, tags with commas or quotes."""
    pkg = model.Package.get(dataset_name)
    for key, value in (extras or {}).items():
        pkg.extras[key] = value
    if license_id is not None:
        pkg.license_id = license_id
    for name in tags:
        tag = model.Tag.by_name(name) or model.Tag(name=name)
        model.Session.add(tag)
        model.Session.add(model.PackageTag(package=pkg, tag=tag, state="active"))
    model.Session.commit()
    rebuild(pkg.id)


def build_hidden(create):
    """More classes of awkward input (hidden-case audit of "0 violations whatever a commune
    agent or a harvest put in"); returns the names of the datasets."""
    names = []
    # formats written every way (dotted, uppercase, a media type with parameters, a
    # combined label, an archive), a resource without URL, only a start date, a very long
    # non-ASCII title with markup and quotes, tags with spaces and apostrophes
    names.append(
        create(
            **full_dataset(
                name="aubiere-formats-en-vrac",
                title=LONG_TITLE,
                owner_org="aubiere",
                communes=["63014"],
                tag_string="eau potable,Qualité AIR",
                temporal_start="2021-01-01",
                temporal_end="",
                resources=[
                    {"url": "https://data.example.fr/a.csv", "format": ".CSV"},
                    {"url": "https://data.example.fr/b.csv", "format": "text/csv; charset=utf-8"},
                    {
                        "url": "https://data.example.fr/c.csv",
                        "format": "CSV ",
                        "mimetype": "text/csv; charset=utf-8",
                    },
                    {"url": "https://data.example.fr/d.xlsx", "format": "XLS/XLSX"},
                    {
                        "url": "https://data.example.fr/e.zip",
                        "format": "zip",
                        "mimetype": "application/x-zip-compressed",
                    },
                    {"url": "", "format": "CSV", "name": "Fichier annoncé, pas encore en ligne"},
                ],
            )
        )["name"]
    )
    # harvested long ago: an unknown licence id, dates as the source wrote them, a tag with
    # a comma, a commune the reference data has no contour for
    odd = create(
        **full_dataset(
            name="gerzat-dates-bizarres",
            title="Registre",
            notes="Registre.",
            owner_org="gerzat",
            communes=["63164"],
            harvest_portal="https://data.example.fr",
            url="https://data.example.fr/registre",
            contact=[],
            resources=[{"url": "https://data.example.fr/registre.json", "format": "JSON"}],
        )
    )
    _force_rows(
        odd["name"],
        license_id="licence-maison-v3",
        tags=["a,b", "« guillemets »", "qualité de l'air", "Vélo’v", "x" * 100],
        extras={
            "modified": "04/05/2023 10h",
            "issued": "hier",
            "temporal_start": "2020",
            "temporal_end": "vers 2030",
            "communes": '["63164", "99999"]',
            "frequency": "tous les jeudis",
        },
    )
    names.append(odd["name"])
    # free fields an API client may add to a dataset (extras) or a resource, which ckanext-dcat
    # reads as DCAT-AP properties: text where an IRI or a typed value is expected; a size,
    # a checksum and an availability both unusable and usable
    free = {
        "language": "fr",
        "status": "x",
        "rights": "Tous droits",
        "compress_format": "zip",
        "package_format": "tar",
        "temporal_resolution": "weekly",
        "spatial_resolution_in_meters": "abc",
        "documentation": "pas une adresse",
        "access_services": "x",
        "availability": "bof",
        "issued": "hier",
        "modified": "jamais",
        "license": "lov2",
        "uri": "javascript:alert(1)",
    }
    names.append(
        create(
            **full_dataset(
                name="aubiere-champs-libres",
                owner_org="aubiere",
                communes=["63014"],
                extras=[
                    {"key": "language", "value": "fr"},
                    {"key": "uri", "value": "pas une adresse"},
                    {"key": "contact_email", "value": "pas un courriel"},
                    {"key": "spatial_uri", "value": "Aubière"},
                ],
                resources=[
                    {
                        "url": "https://data.example.fr/libre.csv",
                        "format": "CSV",
                        "size": -5,
                        "hash": "abc",
                        "hash_algorithm": "md5",
                        **free,
                    },
                    {
                        "url": "https://data.example.fr/libre.json",
                        "format": "JSON",
                        "size": "2048",
                        "hash": "sha256:" + "ab" * 32,
                        "availability": "stable",
                    },
                    {
                        "url": "https://data.example.fr/libre.geojson",
                        "format": "GeoJSON",
                        "hash": "C0FFEE",
                        "hash_algorithm": "SHA-1",
                        "availability": "http://publications.europa.eu/resource/authority/planned-availability/TEMPORARY",
                    },
                ],
            )
        )["name"]
    )
    # text pasted from Word: vertical tabs, form feeds and other control characters, which
    # XML 1.0 forbids (RDF/XML pages)
    names.append(
        create(
            **full_dataset(
                name="gerzat-colle-depuis-word",
                title="Horaires\x0bdes\x08 mairies",
                notes="Texte\x0ccollé\x1f de Word.",
                owner_org="gerzat",
                communes=["63164"],
                resources=[
                    {
                        "url": "https://data.example.fr/h.csv",
                        "format": "CSV",
                        "name": "Horaires\x0b",
                        "description": "Tableau\x0c\x01",
                    }
                ],
            )
        )["name"]
    )
    return names


def get(app, url):
    response = app.get(url)
    assert response.status_code == 200, (url, response.status_code, response.body[:500])
    return response


def update(sysadmin, **data):
    return helpers.call_action("package_patch", context={"user": sysadmin["name"]}, **data)
