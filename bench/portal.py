"""The populated portal every benchmark that needs one measures (bench_home, bench_load,
bench_search): a métropole's territory (the MEL: 96 organisations) and 10,000 datasets.

    python -m bench.portal PLUGINS          # fill it unless it is there (JSON on stdout)
    python -m bench.portal PLUGINS compare  # a filled dataset's Solr document vs package_create's

Filled in ~4 minutes instead of ~17 (package_create runs at ~10 datasets/s on this machine):
- SHAPES datasets go through package_create as a commune agent's form would (our schema and
  validators, theme groups, spatial extent of the communes, review state): the templates.
  What they hold besides their text (organisation, themes, communes, licence, format) is their
  shape, varied from one template to the next.
- Every other dataset copies the stored rows of the template of its shape (dataset, extras,
  resources, memberships, tags) with only what a form does not derive anything from changed:
  identifiers, name, title, description, keywords, resource address, dates. Inserted in bulk.
  No activity row is copied: no benchmarked page reads a dataset's activity stream.
- Solr: CKAN's own ``search.rebuild`` of those datasets (what ``ckan search-index rebuild``
  runs: package_show of the stored rows, then CKAN's indexer with every plugin's hooks), so a
  filled dataset's Solr document is the one CKAN's commit would have sent.
``compare`` checks it: one filled dataset's stored Solr fields (its data_dict, the indexer's
whole input, among them) and its non-stored permission and quality terms against those of a
dataset package_create makes from the same form (tests/test_bench.py runs it on a tiny size).

The portal is kept while it holds the expected counts and was filled by the same code
(``fingerprint``: this module, our package, the schemas, the plugins).
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import time
import uuid
from datetime import datetime, timedelta

from bench.common import ROOT, Ckan, full_plugins, progress, run_variant, size

EPCI = size("200093201", "246300701")  # the MEL (95 communes); tiny: Clermont (21)
DATASETS = size(10_000, 24)
SHAPES = size(100, 6)  # templates created through package_create
PREFIX = "jeu-"
WORDS = ["eau", "école", "parking", "budget", "arbres", "vélo", "piscine", "marché", "déchets", "élections"]
FORMATS = ["CSV", "JSON", "PDF"]
MARKER = "metropole_bench_portal"  # system_info key holding the fingerprint of the fill
INDEX_CHUNK = 500


def ensure() -> dict:
    """The portal, filled by a subprocess with our plugins if it is not there already:
    {"organisations", "datasets", "rate" (datasets/s, None when kept), "seconds"}."""
    return run_variant("bench.portal", full_plugins())


def describe(filled: dict) -> str:
    """How the portal came to be, for a benchmark's report."""
    if not filled["rate"]:
        return "the benchmark portal, kept from an earlier run"
    return f"the benchmark portal, filled at {filled['rate']:.0f} datasets/s"


# ---------------------------------------------------------------- what the portal holds


def fingerprint(plugins: str) -> str:
    """Changes when the code that writes or indexes a dataset (or this filler) changes."""
    digest = hashlib.sha256(f"{plugins}|{EPCI}|{DATASETS}|{SHAPES}".encode())
    for folder in ("bench/portal.py", "ckanext/metropole", "schemas"):
        path = ROOT / folder
        for f in sorted([path] if path.is_file() else path.rglob("*")):
            if f.suffix in (".py", ".yaml", ".json") and "__pycache__" not in f.parts:
                digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def expected_organisations() -> int:
    from ckanext.metropole.communes.reference import reference

    return 1 + len(reference().epci(EPCI).members)


def state() -> dict:
    """What the benchmark database holds: organisations, our datasets in the database and in
    Solr, the fingerprint of the fill."""
    import ckan.model as model
    import ckan.plugins.toolkit as tk
    from ckan.model.system_info import get_system_info

    try:
        orgs = (
            model.Session.query(model.Group)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
            .count()
        )
        pkgs = (
            model.Session.query(model.Package)
            .filter(model.Package.name.like(PREFIX + "%"), model.Package.state == "active")
            .count()
        )
        marker = get_system_info(MARKER)
    except Exception:  # an empty database: no tables yet
        model.Session.rollback()
        return {"organisations": 0, "datasets": 0, "indexed": 0, "fingerprint": None}
    search = tk.get_action("package_search")
    indexed = search({"ignore_auth": True}, {"q": f"name:{PREFIX}*", "rows": 0})["count"]
    return {"organisations": orgs, "datasets": pkgs, "indexed": indexed, "fingerprint": marker}


class Facts:
    """The portal's organisations, commune codes and themes, read once."""

    def __init__(self):
        import ckan.model as model

        from ckanext.metropole.dataset import vocabularies as v

        groups = (
            model.Session.query(model.Group)
            .filter(model.Group.is_organization.is_(True), model.Group.state == "active")
            .order_by(model.Group.name)
        )
        self.orgs = [(g.id, g.name, g.extras.get("insee_code")) for g in groups]
        self.codes = sorted(code for _, _, code in self.orgs if code)
        self.themes = [t["id"] for t in v.themes()]


def dataset(i: int, facts: Facts) -> dict:
    """The form of dataset i (package_create's data): its shape is that of template i % SHAPES,
    its text its own."""
    shape = i % SHAPES
    rnd = random.Random(shape)
    _, org, insee = facts.orgs[shape % len(facts.orgs)]
    # a commune's datasets cover it (and sometimes its neighbours), the métropole's several communes
    communes = sorted(
        {insee, *rnd.sample(facts.codes, k=shape % 3)} if insee else rnd.sample(facts.codes, k=1 + shape % 4)
    )
    word = WORDS[i % len(WORDS)]
    return {
        "name": f"{PREFIX}{i}",
        "title": f"Données {word} {i}",
        "notes": f"Jeu de données sur {word}, numéro {i}.",
        "owner_org": org,
        "theme": rnd.sample(facts.themes, k=1 + shape % 2),
        "communes": communes,
        "license_id": rnd.choice(["lov2", "odc-odbl"]),
        "frequency": "ANNUAL",
        "tags": [{"name": word}, {"name": f"lot-{i % 50}"}],
        "resources": [
            {"url": f"http://127.0.0.1/jeu/{i}.csv", "format": rnd.choice(FORMATS), "name": "Données"}
        ],
    }


# ---------------------------------------------------------------- the fill


def fill(ckan: Ckan, marker: str) -> float:
    """Reset the database and fill the portal, marked ``marker``; datasets per second."""
    import ckan.model as model
    from ckan.model.system_info import set_system_info
    from ckan.tests import helpers

    started = time.perf_counter()
    ckan.reset()
    helpers.call_action("metropole_territory_load", epci=EPCI)
    helpers.call_action("metropole_theme_groups_sync")
    facts, user = Facts(), ckan.sysadmin()
    templates = [
        ckan.action("package_create", user, **dataset(i, facts))["id"]
        for i in progress(range(min(SHAPES, DATASETS)), "templates (package_create)")
    ]
    clones = _copy_templates(facts, templates)
    from ckan.lib import search

    for start in progress(range(0, len(clones), INDEX_CHUNK), "datasets indexed (x500)"):
        search.rebuild(package_ids=clones[start : start + INDEX_CHUNK], defer_commit=True)
    search.commit()
    set_system_info(MARKER, marker)
    model.Session.commit()
    return DATASETS / (time.perf_counter() - started)


def _read(table, column: str, values: list[str]) -> dict[str, list[dict]]:
    """The rows of ``table`` whose ``column`` is one of ``values``, by that value."""
    import ckan.model as model

    found = {v: [] for v in values}
    for row in model.Session.execute(table.select().where(table.c[column].in_(values))):
        found[row._mapping[column]].append(dict(row._mapping))
    return found


def _copy_templates(facts: Facts, templates: list[str]) -> list[str]:
    """Insert datasets SHAPES.. as copies of their template's rows; their ids."""
    import ckan.model as model

    t_tag, t_pkg, t_extra, t_res, t_view, t_member, t_pkg_tag = (
        model.tag_table,
        model.package_table,
        model.package_extra_table,
        model.resource_table,
        model.resource_view_table,
        model.member_table,
        model.package_tag_table,
    )  # (foreign keys' order)
    packages, extras = _read(t_pkg, "id", templates), _read(t_extra, "package_id", templates)
    resources = _read(t_res, "package_id", templates)
    views = _read(t_view, "resource_id", [r["id"] for rows in resources.values() for r in rows])
    members = _read(t_member, "table_id", templates)  # (a dataset's id names no other kind of member)
    pkg_tags = _read(t_pkg_tag, "package_id", templates)
    free_tags = t_tag.select().where(t_tag.c.vocabulary_id.is_(None))
    tag_ids = {r["name"]: r["id"] for r in model.Session.execute(free_tags).mappings()}
    tag_names = {v: k for k, v in tag_ids.items()}
    out = {table: [] for table in (t_tag, t_pkg, t_extra, t_res, t_view, t_member, t_pkg_tag)}
    now, ids = datetime.utcnow(), []
    for i in range(len(templates), DATASETS):
        spec, tid = dataset(i, facts), templates[i % len(templates)]
        pid, stamp = str(uuid.uuid4()), now + timedelta(milliseconds=i)
        ids.append(pid)
        out[t_pkg] += [
            {
                **r,
                "id": pid,
                "name": spec["name"],
                "title": spec["title"],
                "notes": spec["notes"],
                "metadata_created": stamp,
                "metadata_modified": stamp,
            }
            for r in packages[tid]
        ]
        out[t_extra] += [{**r, "id": str(uuid.uuid4()), "package_id": pid} for r in extras[tid]]
        for r, res_spec in zip(
            sorted(resources[tid], key=lambda r: r["position"]), spec["resources"], strict=True
        ):
            res_id = str(uuid.uuid4())
            out[t_res].append(
                {
                    **r,
                    "id": res_id,
                    "package_id": pid,
                    "url": res_spec["url"],
                    "created": stamp,
                    "metadata_modified": stamp,
                }
            )
            out[t_view] += [{**v, "id": str(uuid.uuid4()), "resource_id": res_id} for v in views[r["id"]]]
        out[t_member] += [{**r, "id": str(uuid.uuid4()), "table_id": pid} for r in members[tid]]
        # the template's keywords, position by position, become the dataset's own
        template_tags = dataset(i % len(templates), facts)["tags"]
        renamed = {t["name"]: s["name"] for t, s in zip(template_tags, spec["tags"], strict=True)}
        for r in pkg_tags[tid]:
            name = renamed[tag_names[r["tag_id"]]]
            if name not in tag_ids:
                tag_ids[name] = str(uuid.uuid4())
                out[t_tag].append({"id": tag_ids[name], "name": name, "vocabulary_id": None})
            out[t_pkg_tag].append({**r, "id": str(uuid.uuid4()), "package_id": pid, "tag_id": tag_ids[name]})
    for table, rows in out.items():
        for start in range(0, len(rows), 5000):
            model.Session.execute(table.insert(), rows[start : start + 5000])
    model.Session.commit()
    return ids


def prepare(plugins: str, ckan: Ckan | None = None) -> dict:
    ckan = ckan or Ckan(plugins)
    want = {
        "organisations": expected_organisations(),
        "datasets": DATASETS,
        "indexed": DATASETS,
        "fingerprint": fingerprint(plugins),
    }
    started, rate = time.perf_counter(), None
    if state() != want:
        # (the fingerprint of the code this process loaded, not of files changed since)
        rate = fill(ckan, want["fingerprint"])
    found = state()
    if found != want:
        raise SystemExit(f"the benchmark portal holds {found}, {want} expected")
    return {
        "organisations": found["organisations"],
        "datasets": found["datasets"],
        "rate": rate,
        "seconds": time.perf_counter() - started,
    }


# ---------------------------------------------------------------- the check

_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?")
NON_STORED = ["permission_labels", "metropole_quality_org"]


def _solr_doc(conn, name: str) -> tuple[dict, dict]:
    """(stored fields, indexed terms of the NON_STORED fields) of a dataset's Solr document."""
    doc = conn.search(q=f'name:"{name}"', fl="*", rows=1).docs[0]
    terms = conn.search(
        q="*:*",
        fq=f'id:"{doc["id"]}"',
        rows=0,
        facet="true",
        **{"facet.field": NON_STORED, "facet.mincount": 1},
    ).facets["facet_fields"]
    return (
        {k: v for k, v in doc.items() if k not in ("_version_", "indexed_ts")},
        {field: sorted(terms[field][::2]) for field in NON_STORED},
    )


def compare(plugins: str) -> dict:
    """A filled (copied) dataset's Solr document against that of a dataset package_create
    makes from the same form, its identifiers and times set aside; the witness is purged."""
    ckan = Ckan(plugins)
    prepare(plugins, ckan)
    from ckan.lib import search

    i = DATASETS - 1  # a copy, not a template
    spec = dataset(i, Facts())
    created = ckan.action("package_create", ckan.sysadmin(), **{**spec, "name": "temoin-banc"})
    search.commit()
    conn = search.make_connection()
    try:
        clone, clone_terms = _solr_doc(conn, spec["name"])
        witness, witness_terms = _solr_doc(conn, "temoin-banc")
    finally:
        ckan.action("dataset_purge", ckan.sysadmin(), id=created["id"])
        search.commit()
    # the witness's identifiers are the clone's, position by position
    same = {witness["id"]: clone["id"], witness["index_id"]: clone["index_id"], "temoin-banc": spec["name"]}
    c_data, w_data = json.loads(clone["data_dict"]), json.loads(witness["data_dict"])
    for w, c in zip(w_data["resources"], c_data["resources"], strict=True):
        same[w["id"]] = c["id"]
    c_extras = {e["key"]: e["id"] for e in c_data.get("extras", [])}
    same.update({e["id"]: c_extras.get(e["key"], "?") for e in w_data.get("extras", [])})

    def normal(value):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=datetime.isoformat)
        for old, new in same.items():
            text = text.replace(old, new)
        return json.loads(_TIME.sub("<time>", text))

    c, w = normal({**clone, **clone_terms}), normal({**witness, **witness_terms})
    differences = {
        k: {"filled": c.get(k), "package_create": w.get(k)}
        for k in sorted(set(c) | set(w))
        if c.get(k) != w.get(k)
    }
    return {
        "dataset": spec["name"],
        "copied": i >= SHAPES,
        "fields": sorted(c),
        "terms": clone_terms,
        "differences": differences,
    }


if __name__ == "__main__":
    print(json.dumps(compare(sys.argv[1]) if sys.argv[2:] == ["compare"] else prepare(sys.argv[1])))
