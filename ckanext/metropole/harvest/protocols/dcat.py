"""DCAT catalogues (RDF/XML, Turtle, JSON-LD), parsed by ckanext-dcat, paged with Hydra."""

from __future__ import annotations

import json
import re

from rdflib.namespace import DCAT, DCTERMS, RDF, RDFS, SKOS

from ...lists import as_list
from ...messages import N_, of
from ...resources import config_dir
from .. import answers
from ..errors import HarvestError
from ..model import Listing, RemoteDataset, RemoteResource, each

NAME = "dcat"
MAX_PAGES = 1000
FORMATS = {
    "application/rdf+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/json": "json-ld",
    "application/n-triples": "nt",
}
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"
# JSON-LD contexts shipped with the package: never fetched (ArcGIS Hub's DCAT-US 1.1 data.json
# names the first; SEMICeu publishes the DCAT-AP one with its release, on GitHub Pages and in
# its repository). Any other remote context is fetched only through the guarded client.
DCAT_AP_CONTEXT = "releases/{}/context/dcat-ap.jsonld"
KNOWN_CONTEXTS = {
    "https://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "dcat-us-1.1-catalog.jsonld",
    "http://project-open-data.cio.gov/v1.1/schema/catalog.jsonld": "dcat-us-1.1-catalog.jsonld",
    **{
        base + DCAT_AP_CONTEXT.format(version): f"dcat-ap-{version}.jsonld"
        for version in ("3.0.0", "3.0.1")
        for base in (
            "https://semiceu.github.io/DCAT-AP/",
            "http://semiceu.github.io/DCAT-AP/",
            "https://raw.githubusercontent.com/SEMICeu/DCAT-AP/master/",
            "https://raw.githubusercontent.com/SEMICeu/DCAT-AP/refs/heads/master/",
            "https://github.com/SEMICeu/DCAT-AP/raw/master/",
        )
    },
}
MAX_CONTEXTS = 5


MAX_CONTEXT_DEPTH = 8
LOADING = object()  # a context being read: met again, it includes itself


def _context(client, url: str, fetched: dict, depth: int = 0):
    """A remote context's content, itself with every remote part inlined (see _context_value)."""
    if url in fetched:
        if fetched[url] is LOADING:
            raise HarvestError(N_("JSON-LD context {url} includes itself.", url=url))
        return fetched[url]
    if url in KNOWN_CONTEXTS:
        with open(config_dir() / "jsonld" / KNOWN_CONTEXTS[url], encoding="utf-8") as f:
            raw = json.load(f)["@context"]
    else:
        if sum(1 for known in fetched if known not in KNOWN_CONTEXTS) >= MAX_CONTEXTS:
            raise HarvestError(
                N_(
                    "Too many remote JSON-LD contexts (more than {count}): {url} refused.",
                    count=MAX_CONTEXTS,
                    url=url,
                )
            )
        fetched[url] = LOADING
        try:
            document = client.get(url, accept="application/ld+json, application/json").json()
        except HarvestError as e:
            raise HarvestError(N_("JSON-LD context {url} unreachable: {error}", url=url, error=of(e))) from e
        if not isinstance(document, dict) or "@context" not in document:
            raise HarvestError(N_("JSON-LD context {url} invalid (no “@context”).", url=url))
        raw = document["@context"]
    fetched[url] = LOADING
    fetched[url] = _context_value(client, raw, fetched, depth + 1)
    return fetched[url]


def _context_value(client, value, fetched: dict, depth: int = 0):
    """A "@context" value with every remote part replaced by its content: a URL, a list of
    them, JSON-LD 1.1's "@import" and the scoped contexts of terms — so that rdflib never
    fetches one itself (outside the guarded client: no size, time or address bound)."""
    if depth > MAX_CONTEXT_DEPTH:
        raise HarvestError(
            N_("JSON-LD contexts nested too deeply (more than {count} levels).", count=MAX_CONTEXT_DEPTH)
        )
    if isinstance(value, str):
        return _context(client, value, fetched, depth)
    if isinstance(value, list):
        return [_context_value(client, x, fetched, depth) for x in value]
    if not isinstance(value, dict):
        return value
    out = {}
    if isinstance(value.get("@import"), str):
        imported = _context(client, value["@import"], fetched, depth)
        if not isinstance(imported, dict):
            raise HarvestError(N_("JSON-LD context {url} invalid (no “@context”).", url=value["@import"]))
        out.update(imported)  # its terms, which this context's own override
    for key, item in value.items():
        if key == "@import":
            continue
        if isinstance(item, dict) and "@context" in item:  # a term's scoped context
            item = {**item, "@context": _context_value(client, item["@context"], fetched, depth + 1)}
        out[key] = item
    return out


def _inline_contexts(client, node, fetched: dict):
    """Replace every "@context" of the document by its content, remote parts inlined."""
    if isinstance(node, list):
        return [_inline_contexts(client, x, fetched) for x in node]
    if not isinstance(node, dict):
        return node
    return {
        key: _context_value(client, value, fetched)
        if key == "@context"
        else _inline_contexts(client, value, fetched)
        for key, value in node.items()
    }


def _format(response) -> str:
    if response.content_type in FORMATS:
        return FORMATS[response.content_type]
    url = response.url.split("?")[0].lower()
    for ext, fmt in (
        (".ttl", "turtle"),
        (".rdf", "xml"),
        (".xml", "xml"),
        (".jsonld", "json-ld"),
        (".json", "json-ld"),
        (".nt", "nt"),
    ):
        if url.endswith(ext):
            return fmt
    if not response.content_type:
        raise HarvestError(N_("No RDF content type at {url}: unknown type.", url=response.url))
    raise HarvestError(
        N_("Content type not RDF at {url}: “{type}”.", url=response.url, type=response.content_type)
    )


def _parser(client, response):
    from ckanext.dcat.processors import RDFParser, RDFParserException

    fmt = _format(response)
    body = response.body
    if fmt == "xml":
        # read first by our safe parser: a DOCTYPE (entities, "billion laughs", external
        # entities) refuses the document before rdflib's parser sees it; what XML forbids is
        # marked for screening to repair record by record
        body = answers.scrub_xml(body)
        answers.parse_xml(body, response.url)
    if fmt == "json-ld":
        body = json.dumps(_inline_contexts(client, response.json(), {}))
    parser = RDFParser()
    try:
        parser.parse(body, _format=fmt)
    except RDFParserException as e:
        raise HarvestError(
            N_("Unreadable RDF at {url}: {error}", url=response.url, error=str(e)[:200])
        ) from e
    return parser


def detect(client, root: str) -> bool:
    response = client.get(root, accept=ACCEPT)
    if response.content_type not in FORMATS and not re.search(r"\.(ttl|rdf|jsonld|xml)$", response.url):
        return False
    return any(True for _ in _parser(client, response).datasets())


def _labels(graph) -> dict[str, str]:
    """skos:prefLabel / rdfs:label of the concepts a catalogue describes (French first)."""
    labels: dict[str, str] = {}
    for predicate in (RDFS.label, SKOS.prefLabel):  # prefLabel wins
        for subject, label in graph.subject_objects(predicate):
            if getattr(label, "language", None) in (None, "", "fr") or str(subject) not in labels:
                labels[str(subject)] = str(label)
    return labels


def _total_items(graph):
    from ckanext.dcat.processors import HYDRA, SUPPORTED_PAGINATION_COLLECTION_DESIGNS

    # on the page's view (what ckanext-dcat and data.gouv.fr write), else wherever the
    # catalogue states it (Hydra core puts it on the hydra:Collection the view belongs to)
    nodes = [
        node
        for design in SUPPORTED_PAGINATION_COLLECTION_DESIGNS
        for node in graph.subjects(RDF.type, design)
    ]
    nodes += [node for node in graph.subjects(HYDRA.totalItems, None) if node not in nodes]
    for node in nodes:
        for value in graph.objects(node, HYDRA.totalItems):
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
    return None


def _pages(client, root: str, listing: Listing):
    url = root
    seen = set()
    for _ in range(MAX_PAGES):
        if url in seen:
            raise HarvestError(N_("Hydra paging loops at {url}.", url=url))
        seen.add(url)
        parser = _parser(client, client.get(url, accept=ACCEPT))
        page = list(parser.datasets())
        if not page and len(seen) == 1:
            raise HarvestError(N_("No dataset in the DCAT catalogue {url}: nothing is withdrawn.", url=url))
        total = _total_items(parser.g)
        if total is not None:
            listing.announced = total
        labels = _labels(parser.g)
        # the same walk of the same graph as parser.datasets() (ckanext-dcat's private _datasets)
        for ref, dataset in zip(parser.g.subjects(RDF.type, DCAT.Dataset), page, strict=True):
            dataset["_labels"] = labels
            # a licence stated on the dataset itself (DCAT-US, many DCAT-AP exports): the
            # profiles only read the distributions'
            dataset["_license"] = str(parser.g.value(ref, DCTERMS.license) or "")
        yield from page
        listing.read += len(page)
        url = parser.next_page()
        if not url:
            return
    raise HarvestError(
        N_("More than {pages} pages: endless Hydra paging at {url}.", pages=MAX_PAGES, url=root)
    )


def _extras(dataset: dict) -> dict:
    return {e.get("key"): e.get("value") for e in dataset.get("extras") or [] if isinstance(e, dict)}


def to_remote(dataset: dict) -> RemoteDataset:
    extras = _extras(dataset)
    remote_id = (
        dataset.get("uri") or extras.get("uri") or dataset.get("identifier") or extras.get("identifier")
    )
    landing = dataset.get("url") or extras.get("landing_page") or ""
    if not remote_id and str(landing).startswith(("http://", "https://")):
        remote_id = landing  # a blank-node dataset without dct:identifier: its landing page names it
    if not remote_id:
        raise HarvestError(
            N_("DCAT dataset without URI or identifier: “{title}”.", title=str(dataset.get("title", "?")))
        )
    labels = dataset.get("_labels") or {}
    # a concept's label when the catalogue gives one; otherwise the URI itself, read by
    # mapping.theme_label (EU data-theme code, Opendatasoft's "?refine.theme=…")
    themes = [labels.get(t, t) for t in as_list(dataset.get("theme") or extras.get("theme"))]
    resources = []
    for r in dataset.get("resources") or []:
        conforms = (as_list(r.get("conforms_to")) or [""])[0]
        resources.append(
            RemoteResource(
                url=r.get("url") or r.get("download_url") or r.get("access_url") or "",
                name=r.get("name") or "",
                format=r.get("format") or "",
                description=r.get("description") or "",
                conforms_to=conforms,
            )
        )
    temporal = (dataset.get("temporal_coverage") or [{}])[0] if dataset.get("temporal_coverage") else {}
    return RemoteDataset(
        remote_id=str(remote_id),
        slug=dataset.get("identifier") or extras.get("identifier") or "",
        title=dataset.get("title") or str(remote_id),
        notes=dataset.get("notes") or "",
        themes=themes,
        keywords=[t.get("name") for t in dataset.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        license=dataset.get("license_id")
        or dataset.get("license_url")
        or extras.get("license")
        or dataset.get("_license")
        or next((r.get("license") for r in dataset.get("resources") or [] if r.get("license")), "")
        or "",
        frequency=dataset.get("frequency") or extras.get("frequency") or "",
        modified=dataset.get("modified") or extras.get("modified") or "",
        issued=dataset.get("issued") or extras.get("issued") or "",
        landing_page=dataset.get("url")
        or extras.get("landing_page")
        or (str(remote_id) if str(remote_id).startswith(("http://", "https://")) else ""),
        temporal_start=temporal.get("start") or extras.get("temporal_start") or "",
        temporal_end=temporal.get("end") or extras.get("temporal_end") or "",
        resources=resources,
        # ckanext-dcat reads r5r:hvdCategory into hvd_category (a field, or an extra's JSON)
        hvd_categories=as_list(dataset.get("hvd_category") or extras.get("hvd_category")),
    )


def datasets(client, root: str, config, listing: Listing):
    yield from each(listing, _pages(client, root, listing), to_remote)
