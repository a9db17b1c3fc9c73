"""DCAT catalogues (RDF/XML, Turtle, JSON-LD), parsed by ckanext-dcat, paged with Hydra."""
from __future__ import annotations

import json
import re

from ..errors import HarvestError
from ..model import RemoteDataset, RemoteResource

NAME = "dcat"
MAX_PAGES = 1000
FORMATS = {
    "application/rdf+xml": "xml", "application/xml": "xml", "text/xml": "xml",
    "text/turtle": "turtle", "application/x-turtle": "turtle",
    "application/ld+json": "json-ld", "application/json": "json-ld",
    "application/n-triples": "nt",
}
ACCEPT = "text/turtle, application/rdf+xml;q=0.9, application/ld+json;q=0.8"
ENTITY_RE = re.compile(rb"<!\s*(ENTITY|DOCTYPE)", re.I)


def _format(response) -> str:
    if response.content_type in FORMATS:
        return FORMATS[response.content_type]
    url = response.url.split("?")[0].lower()
    for ext, fmt in ((".ttl", "turtle"), (".rdf", "xml"), (".xml", "xml"), (".jsonld", "json-ld"),
                     (".json", "json-ld"), (".nt", "nt")):
        if url.endswith(ext):
            return fmt
    raise HarvestError(f"Type de contenu non RDF à {response.url} : « {response.content_type or 'inconnu'} ».")


def _parser(response):
    from ckanext.dcat.processors import RDFParser, RDFParserException

    if ENTITY_RE.search(response.body[:65536]):
        # no DTD, no entity: refuses "billion laughs" and external entity expansion
        raise HarvestError(f"Document RDF refusé à {response.url} : déclaration DOCTYPE/ENTITY interdite.")
    parser = RDFParser()
    try:
        parser.parse(response.body, _format=_format(response))
    except RDFParserException as e:
        raise HarvestError(f"RDF illisible à {response.url} : {str(e)[:200]}")
    return parser


def detect(client, root: str) -> bool:
    response = client.get(root, accept=ACCEPT)
    if response.content_type not in FORMATS and not re.search(r"\.(ttl|rdf|jsonld|xml)$", response.url):
        return False
    return any(True for _ in _parser(response).datasets())


def _pages(client, root: str):
    url = root
    seen = set()
    for _ in range(MAX_PAGES):
        if url in seen:
            raise HarvestError(f"Pagination Hydra en boucle à {url}.")
        seen.add(url)
        parser = _parser(client.get(url, accept=ACCEPT))
        page = list(parser.datasets())
        if not page and len(seen) == 1:
            raise HarvestError(f"Aucun jeu de données dans le catalogue DCAT {url} : rien n'est retiré.")
        yield from page
        url = parser.next_page()
        if not url:
            return
    raise HarvestError(f"Plus de {MAX_PAGES} pages : pagination Hydra sans fin à {root}.")


def _extras(dataset: dict) -> dict:
    return {e.get("key"): e.get("value") for e in dataset.get("extras") or [] if isinstance(e, dict)}


def to_remote(dataset: dict) -> RemoteDataset:
    extras = _extras(dataset)
    remote_id = dataset.get("uri") or extras.get("uri") or dataset.get("identifier") or extras.get("identifier")
    if not remote_id:
        raise HarvestError(f"Jeu DCAT sans URI ni identifiant : « {dataset.get('title', '?')} ».")
    themes = dataset.get("theme") or extras.get("theme") or []
    if isinstance(themes, str):
        themes = [themes]
    # EU data-theme URIs carry no French label: keep the last path part (GOVE, TRAN…)
    themes = [t.rsplit("/", 1)[-1] for t in themes]
    resources = []
    for r in dataset.get("resources") or []:
        conforms = r.get("conforms_to") or ""
        if isinstance(conforms, str) and conforms.startswith("["):
            conforms = json.loads(conforms)  # ckanext-dcat hands lists over as JSON text
        if isinstance(conforms, list):
            conforms = conforms[0] if conforms else ""
        resources.append(RemoteResource(url=r.get("url") or r.get("download_url") or r.get("access_url") or "",
                                        name=r.get("name") or "", format=r.get("format") or "",
                                        description=r.get("description") or "", conforms_to=conforms))
    temporal = (dataset.get("temporal_coverage") or [{}])[0] if dataset.get("temporal_coverage") else {}
    return RemoteDataset(
        remote_id=str(remote_id),
        slug=dataset.get("identifier") or extras.get("identifier") or "",
        title=dataset.get("title") or str(remote_id),
        notes=dataset.get("notes") or "",
        themes=themes,
        keywords=[t.get("name") for t in dataset.get("tags") or [] if isinstance(t, dict) and t.get("name")],
        license=dataset.get("license_id") or dataset.get("license_url") or extras.get("license") or
        next((r.get("license") for r in dataset.get("resources") or [] if r.get("license")), "") or "",
        frequency=dataset.get("frequency") or extras.get("frequency") or "",
        modified=dataset.get("modified") or extras.get("modified") or "",
        landing_page=dataset.get("url") or extras.get("landing_page") or str(remote_id),
        temporal_start=temporal.get("start") or extras.get("temporal_start") or "",
        temporal_end=temporal.get("end") or extras.get("temporal_end") or "",
        resources=resources,
    )


def datasets(client, root: str, config):
    for dataset in _pages(client, root):
        yield to_remote(dataset)
