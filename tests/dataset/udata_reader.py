"""What data.gouv.fr's harvester reads of a DCAT catalogue, written from udata's code.

udata itself is not installed (its Flask/MongoDB stack conflicts with CKAN's). This module
reproduces the behaviour that decides whether an item is read, and what it keeps, as read in
opendatateam/udata (commit 25b5a2ddd43798da1d7594823e5e9c10ddba34a1, 2026-08-21):

- udata/harvest/backends/dcat.py ``walk_graph``: GET each page (``raise_for_status``: a
  redirect or an error stops the job), ``response.text`` decoded as ``requests`` does (a text/*
  type without charset is ISO-8859-1), next page from ``hydra:PartialCollectionView`` →
  ``hydra:next``, else ``hydra:PagedCollection`` → ``hydra:nextPage``; every node typed
  ``dcat:Dataset`` is an item, keyed by ``dct:identifier``;
- udata/harvest/backends/base.py ``process_dataset``: no identifier → skipped; an identifier
  already met in the job → failed ("Identifier ... already exists");
- udata/core/dataset/rdf.py ``dataset_from_rdf``: no ``dct:title`` → skipped; resources from
  ``dcat:downloadURL`` or ``dcat:accessURL``, each URL validated (udata/uris.py ``validate``:
  an invalid one fails the whole dataset); licence guessed from the dataset's ``dct:license``
  (a node's ``rdfs:label``, else ``dct:description``, else its IRI), then ``dct:rights``, then
  the distributions' licences (``License.guess``: id, URL, alternate URLs, or host+path);
  spatial coverage only from ``dct:spatial`` nodes carrying a WKT or GeoJSON literal
  (Polygon/MultiPolygon); ``dct:issued``/``dct:modified`` kept as the source's dates;
- udata/harvest/backends/dcat.py ``is_dataset_external_to_this_page``: a ``dcat:Dataset`` node
  without ``dct:title`` whose only link in the page is a ``dcat:servesDataset`` (or
  ``dct:hasPart``) is not an item (a data service naming a dataset described elsewhere);
- data services, read after every page's datasets (``inner_harvest``'s second pass,
  ``process_one_dataservices_page``): every ``dcat:DataService`` node of a page that no
  ``dcat:accessService`` of that page names is an item, keyed by ``dct:identifier``
  (base.py ``process_dataservice``: none → skipped; met before in the job, dataset or service →
  failed); udata/core/dataservices/rdf.py ``dataservice_from_rdf``: title (required by the
  model), ``dcat:endpointURL`` and ``dcat:endpointDescription`` (URL fields, validated),
  licence guessed from ``dct:license``, the datasets served matched by the ``dct:identifier``
  of each ``dcat:servesDataset`` node among the job's datasets (equal, else ending with it).
  A ``dcat:DatasetSeries`` is read only if it is also typed ``dcat:Dataset``, as a dataset.
"""

from __future__ import annotations

import ipaddress
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import requests.utils
from geomet import wkt
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS as DCT
from rdflib.namespace import RDF, RDFS

DCAT = "http://www.w3.org/ns/dcat#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
GEOMETRY_DATATYPES = {
    "http://www.opengis.net/ont/geosparql#wktLiteral": "wkt",
    "http://www.opengis.net/rdf#wktLiteral": "wkt",
    "http://www.opengis.net/ont/geosparql#geoJSONLiteral": "geojson",
    "https://www.iana.org/assignments/media-types/application/vnd.geo+json": "geojson",
}
RDF_FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}
LICENSES = json.loads((Path(__file__).parent / "fixtures" / "datagouv_licenses.json").read_text())


def udata_accepts_url(url: str) -> bool:
    """udata/uris.py ``validate`` with data.gouv.fr's settings: schemes http, https, ftp,
    ftps; a host name must end in a top-level domain (``http://none`` has none); no
    whitespace; no localhost, loopback or private address."""
    url = url.strip()
    if re.search(r"\s", url):
        return False
    match = re.match(
        r"^(?:([a-z0-9.\-]*):)?//(?:[^@/\s]+@)?([^/?#:\s]+|\[[0-9a-f:]+\])(?::(\d{2,5}))?([/?#].*)?$",
        url,
        re.IGNORECASE,
    )
    if not match:
        return False
    scheme, host = (match.group(1) or "").lower(), match.group(2).lower()
    if scheme and scheme not in ("http", "https", "ftp", "ftps"):
        return False
    if host in ("localhost", "localhost.localdomain"):
        return False
    try:
        address = ipaddress.ip_address(host.strip("[]"))
        return not (
            address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
        )
    except ValueError:
        pass
    labels = host.split(".")
    return len(labels) >= 2 and bool(re.fullmatch(r"[a-z\u00a1-\uffff]{2,}|xn--[a-z0-9-]+", labels[-1]))


def guess_license(*values: str) -> str | None:
    """``License.guess``: the first value matching a licence's id, URL or alternate URL
    (case-insensitive), or, for a URL, its host and path within a licence URL."""
    for value in values:
        text = (value or "").strip().lower()
        if not text:
            continue
        for lic in LICENSES:
            urls = [u.lower() for u in [lic["url"] or ""] + lic["alternate_urls"] if u]
            if text == lic["id"] or text in urls:
                return lic["id"]
        if udata_accepts_url(text):
            parts = urlsplit(text)
            query = parts.netloc + parts.path.rstrip("/")
            for lic in LICENSES:
                if any(query in u.lower() for u in [lic["url"] or ""] + lic["alternate_urls"] if u):
                    return lic["id"]
    return None


def _unwrap(graph: Graph, node) -> str:
    if isinstance(node, Literal):
        return str(node)
    for predicate in (RDFS.label, DCT.description):
        value = graph.value(node, predicate)
        if value is not None:
            return str(value)
    return str(node) if isinstance(node, URIRef) else ""


def geometries(graph: Graph, node) -> list[dict]:
    found = []
    for place in graph.objects(node, DCT.spatial):
        for value in graph.objects(place, None):
            kind = GEOMETRY_DATATYPES.get(str(getattr(value, "datatype", "") or ""))
            if not isinstance(value, Literal) or kind is None:
                continue
            try:
                geojson = wkt.loads(str(value).strip().upper()) if kind == "wkt" else json.loads(str(value))
            except ValueError:
                continue
            if geojson.get("type") in ("Polygon", "MultiPolygon"):
                found.append(geojson)
    return found


@dataclass
class Item:
    identifier: str
    title: str = ""
    status: str = "done"
    error: str = ""
    license: str = "notspecified"
    resource_urls: list = field(default_factory=list)
    geometries: list = field(default_factory=list)
    issued: str | None = None
    modified: str | None = None
    kind: str = "dataset"
    base_api_url: str | None = None
    datasets: list = field(default_factory=list)  # a data service's, by identifier


@dataclass
class Job:
    items: list = field(default_factory=list)
    content_types: list = field(default_factory=list)
    pages: int = 0
    graphs: list = field(default_factory=list)

    def by_identifier(self, kind: str = "dataset") -> dict:
        return {i.identifier: i for i in self.items if i.status == "done" and i.kind == kind}


def _external(graph: Graph, node) -> bool:
    if graph.value(node, DCT.title) is not None:
        return False
    links = list(graph.subject_predicates(node))
    return len(links) == 1 and links[0][1] in (URIRef(DCAT + "servesDataset"), DCT.hasPart)


def _item(job: Job, graph: Graph, node, kind: str, seen: set) -> Item | None:
    """base.py: an item per node, keyed by dct:identifier (none: skipped; met before: failed);
    None when it stops there."""
    identifier = graph.value(node, DCT.identifier)
    item = Item(identifier=str(identifier) if identifier is not None else "", kind=kind)
    job.items.append(item)
    if identifier is None:
        item.status, item.error = "skipped", "missing identifier"
        return None
    if item.identifier in seen:
        item.status, item.error = "failed", f"Identifier '{item.identifier}' already exists"
        return None
    seen.add(item.identifier)
    return item


def read_page(job: Job, graph: Graph) -> None:
    seen = {i.identifier for i in job.items}
    for node in set(graph.subjects(RDF.type, URIRef(DCAT + "Dataset"))):
        if _external(graph, node) or (item := _item(job, graph, node, "dataset", seen)) is None:
            continue
        title = graph.value(node, DCT.title)
        if title is None:
            item.status, item.error = "skipped", "missing title on dataset"
            continue
        item.title = str(title)
        licences = [_unwrap(graph, o) for o in graph.objects(node, DCT.license)]
        rights = [_unwrap(graph, o) for o in graph.objects(node, DCT.rights)]
        for distribution in graph.objects(node, URIRef(DCAT + "distribution")):
            url = graph.value(distribution, URIRef(DCAT + "downloadURL")) or graph.value(
                distribution, URIRef(DCAT + "accessURL")
            )
            if url is None:
                continue
            if not udata_accepts_url(str(url)):
                item.status, item.error = "failed", f'Invalid URL "{url}"'
                break
            item.resource_urls.append(str(url))
            licences_of_distribution = [_unwrap(graph, o) for o in graph.objects(distribution, DCT.license)]
            rights += licences_of_distribution
        item.license = guess_license(*licences, *rights) or "notspecified"
        item.geometries = geometries(graph, node)
        issued, modified = graph.value(node, DCT.issued), graph.value(node, DCT.modified)
        item.issued = str(issued) if issued is not None else None
        item.modified = str(modified) if modified is not None else None


def read_services(job: Job, graph: Graph) -> None:
    seen = {i.identifier for i in job.items if i.status == "done" or i.kind == "dataset"}
    datasets = {i.identifier for i in job.items if i.kind == "dataset" and i.status == "done"}
    access = set(graph.objects(None, URIRef(DCAT + "accessService")))
    for node in set(graph.subjects(RDF.type, URIRef(DCAT + "DataService"))) - access:
        if (item := _item(job, graph, node, "dataservice", seen)) is None:
            continue
        title = graph.value(node, DCT.title)
        urls = [graph.value(node, URIRef(DCAT + p)) for p in ("endpointURL", "endpointDescription")]
        if title is None:
            item.status, item.error = "failed", "title: required"
            continue
        if any(u is not None and not udata_accepts_url(str(u)) for u in urls):
            item.status, item.error = "failed", "invalid URL"
            continue
        item.title = str(title)
        item.base_api_url = str(urls[0]) if urls[0] is not None else None
        for served in graph.objects(node, URIRef(DCAT + "servesDataset")):
            ref = graph.value(served, DCT.identifier)
            ref = str(ref) if ref is not None else ""
            match = ref if ref in datasets else next((d for d in datasets if ref and d.endswith(ref)), None)
            if match:
                item.datasets.append(match)
        item.license = guess_license(*[str(o) for o in graph.objects(node, DCT.license)]) or "notspecified"


def next_page(graph: Graph) -> str | None:
    for cls, prop in (("PartialCollectionView", "next"), ("PagedCollection", "nextPage")):
        view = graph.value(predicate=RDF.type, object=URIRef(HYDRA + cls))
        if view is not None:
            value = graph.value(view, URIRef(HYDRA + prop))
            return str(value) if value is not None else None
    return None


def walk(app, url: str, ext: str = "ttl", site_url: str = "http://127.0.0.1:5000"):
    """Yield the job after each page (a test can change the catalogue between two pages)."""
    job = Job()
    while url and job.pages < 100:
        response = app.get(url.replace(site_url, ""), follow_redirects=False)
        assert response.status_code == 200, f"{url}: HTTP {response.status_code} stops the whole harvest job"
        job.content_types.append(response.headers.get("Content-Type", ""))
        encoding = requests.utils.get_encoding_from_headers(response.headers) or "utf-8"
        graph = Graph().parse(data=response.data.decode(encoding), format=RDF_FORMATS[ext])
        read_page(job, graph)
        job.graphs.append(graph)
        job.pages += 1
        url = next_page(graph)
        if not url:  # the second pass, over every page, once all datasets are read
            for page in job.graphs:
                read_services(job, page)
        yield job
