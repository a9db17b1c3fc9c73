"""Generate the Solr configuration of the CKAN core from the installed CKAN's schema.

The schema is not copied into the repository: it is read from the CKAN wheel
(``ckan/config/solr/schema.xml``) and changed here, so that an upgrade of CKAN brings
its own schema with it. The same output feeds the local core (``scripts/stack.sh``)
and the production Solr image (``docker/solr``).

    python -m ckanext.metropole.stack.solr_schema CONF_DIR
"""

from __future__ import annotations

import argparse
import shutil
import sys
from importlib import resources
from pathlib import Path

from lxml import etree

from ..dataset import solr as dataset_solr

HERE = Path(__file__).resolve().parent

# ckanext-spatial: the bbox fields of the "solr-bbox" backend and the JTS geometry
# field of the "solr-spatial-field" backend (documented in ckanext-spatial).
SPATIAL_FLOAT_FIELDS = ("bbox_area", "maxx", "maxy", "minx", "miny")
LOCATION_RPT = {
    "name": "location_rpt",
    "class": "solr.SpatialRecursivePrefixTreeFieldType",
    "spatialContextFactory": "JTS",
    "autoIndex": "true",
    "validationRule": "repairBuffer0",
    "distErrPct": "0.025",
    "maxDistErr": "0.001",
    "distanceUnits": "kilometers",
}
# Files the CKAN schema's analysers refer to; empty is what CKAN ships them as.
EMPTY_RESOURCES = ("protwords.txt", "synonyms.txt", "stopwords.txt")


def ckan_schema_path() -> Path:
    return Path(str(resources.files("ckan") / "config" / "solr" / "schema.xml"))


def _section(root: etree._Element, tag: str) -> etree._Element:
    # CKAN's schema groups definitions in <types> and <fields>; fall back to the root.
    found = root.find(tag)
    return found if found is not None else root


def add_spatial(root: etree._Element) -> None:
    types = _section(root, "types")
    fields = _section(root, "fields")
    type_names = {t.get("name") for t in root.iter("fieldType", "fieldtype")}
    if LOCATION_RPT["name"] not in type_names:
        types.append(etree.Element("fieldType", LOCATION_RPT))
    field_names = {f.get("name") for f in root.iter("field")}
    # Explicit fields must come before the catch-all "*" dynamic field only for
    # readability; Solr itself prefers explicit fields whatever their position.
    anchor = fields.find("dynamicField")
    new = [
        etree.Element("field", name=name, type="float", indexed="true", stored="true")
        for name in SPATIAL_FLOAT_FIELDS
        if name not in field_names
    ]
    if "spatial_geom" not in field_names:
        new.append(
            etree.Element(
                "field",
                name="spatial_geom",
                type="location_rpt",
                indexed="true",
                stored="true",
                multiValued="true",
            )
        )
    for element in new:
        if anchor is not None:
            anchor.addprevious(element)
        else:
            fields.append(element)


# Each transform takes the parsed schema and changes it in place.
TRANSFORMS = [add_spatial, *dataset_solr.TRANSFORMS]


def build_schema(source: Path | None = None) -> bytes:
    parser = etree.XMLParser(remove_blank_text=False, resolve_entities=False, no_network=True)
    tree = etree.parse(str(source or ckan_schema_path()), parser)
    root = tree.getroot()
    name = root.get("name", "")
    if not name.startswith("ckan-"):
        raise ValueError(f"unexpected CKAN Solr schema name {name!r}")
    for transform in TRANSFORMS:
        transform(root)
    # CKAN checks this name at start-up: it must stay the one of the installed CKAN.
    assert root.get("name") == name
    return etree.tostring(tree, xml_declaration=True, encoding="UTF-8")


def write_conf(conf_dir: Path) -> Path:
    conf_dir.mkdir(parents=True, exist_ok=True)
    (conf_dir / "schema.xml").write_bytes(build_schema())
    shutil.copyfile(HERE / "solr" / "solrconfig.xml", conf_dir / "solrconfig.xml")
    for filename in EMPTY_RESOURCES:
        path = conf_dir / filename
        if not path.exists():
            path.write_text("")
    for filename, content in dataset_solr.RESOURCES.items():
        (conf_dir / filename).write_text(content)
    return conf_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("conf_dir", type=Path, help="the core's conf/ folder to write")
    args = parser.parse_args(argv)
    write_conf(args.conf_dir)
    print(f"solr conf written to {args.conf_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
