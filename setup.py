from setuptools import find_namespace_packages, setup

# schemas/ and config/ live at the top of the repository and are reached from the
# package through symbolic links (ckanext/metropole/schemas, ckanext/metropole/config),
# so a wheel carries them inside ckanext/metropole/. Secrets-bearing .ini files stay out.
PACKAGE_DATA = [
    "*/config_declaration.yaml",
    "schemas/*.yaml",
    "config/*.json",
    "config/*.yaml",
    "config/jsonld/*.jsonld",  # JSON-LD contexts the DCAT harvester never fetches
    "stack/solr/*",
    "*/templates/**/*",
    "*/public/**/*",
    "i18n/*.pot",
    "i18n/*/LC_MESSAGES/*",
    "data/*",
    "common/table_schemas/*",
    "common/table_schemas/*/*/schema.json",
    "*/demo/*",
]

setup(
    name="ckanext-metropole",
    version="0.1.0",
    description="CKAN plugins for the shared open-data portal of a French métropole and its communes",
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    license="AGPL-3.0-or-later",
    python_requires=">=3.10",
    packages=find_namespace_packages(include=["ckanext", "ckanext.metropole", "ckanext.metropole.*"],
                                     exclude=["ckanext.metropole.schemas*", "ckanext.metropole.config*"]),
    package_data={"ckanext.metropole": PACKAGE_DATA},
    include_package_data=False,
    zip_safe=False,
    entry_points={
        "ckan.plugins": [
            "metropole_communes = ckanext.metropole.communes.plugin:CommunesPlugin",
            "metropole_dataset = ckanext.metropole.dataset.plugin:DatasetPlugin",
            "metropole_harvester = ckanext.metropole.harvest.plugin:HarvesterPlugin",
            "metropole_theme = ckanext.metropole.theme.plugin:ThemePlugin",
            "metropole_common = ckanext.metropole.common.plugin:CommonDatasetsPlugin",
            "metropole_previews = ckanext.metropole.previews.plugin:PreviewsPlugin",
            "metropole_chart_view = ckanext.metropole.previews.plugin:ChartViewPlugin",
            "metropole_points_view = ckanext.metropole.previews.plugin:PointsMapViewPlugin",
            "metropole_reuses = ckanext.metropole.reuses.plugin:ReusesPlugin",
            "metropole_security = ckanext.metropole.security.plugin:SecurityPlugin",
            "metropole_demo = ckanext.metropole.demo.plugin:DemoPlugin",
            "metropole_review = ckanext.metropole.review.plugin:ReviewPlugin",
        ],
        "ckan.rdf.profiles": [
            "metropole_dcat_ap = ckanext.metropole.dataset.dcat:MetropoleDCATAPProfile",
        ],
    },
)
