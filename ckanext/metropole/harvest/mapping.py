"""From a RemoteDataset to a dataset of our schema (schemas/dataset.yaml)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qs, unquote, urlsplit

import yaml
from bs4 import BeautifulSoup, Comment, Declaration, Doctype, ProcessingInstruction
from markdownify import MarkdownConverter
from slugify import slugify

from ..dataset import hvd
from ..dataset import vocabularies as v
from ..messages import N_, Message
from ..resources import config_dir
from . import licences
from .dates import source_date
from .model import RemoteDataset
from .sourceconfig import SourceConfig

TAG_RE = re.compile(r"[^\w\s\-.]", re.UNICODE)


@lru_cache(maxsize=1)
def tables() -> dict:
    with open(config_dir() / "harvest_mapping.yaml", encoding="utf-8") as f:
        raw = yaml.safe_load(f)
    national_titles, national_urls = licences.national_keys(raw.get("datagouv_licenses") or {})
    licenses = {
        v.fold(str(k)): val for k, val in {**national_titles, **national_urls, **raw["licenses"]}.items()
    }
    return {
        "licenses": licenses,
        # the same licences compared by letters and digits only ("Licence Ouverte v2.0
        # (Etalab)", "CC_BY_4_0"), and by address without scheme or "www." for URLs
        "license_words": {_letters(k): val for k, val in licenses.items() if not _is_url(k)},
        "license_urls": {_url_stem(k): val for k, val in licenses.items() if _is_url(k)},
        "frequencies": {v.fold(str(k)): val for k, val in raw["frequencies"].items()},
        "eu_themes": {v.fold(str(k)): val for k, val in raw.get("eu_themes", {}).items()},
    }


@dataclass
class Mapped:
    dataset: dict
    notes: list[Message] = field(default_factory=list)  # what the operator should know


def _letters(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", v.fold(text))


def _is_url(text: str) -> bool:
    return bool(re.match(r"^https?://", text, re.I))


def _url_stem(url: str) -> str:
    """host (without "www.") and path, without scheme, query, fragment or trailing "/"."""
    parts = urlsplit(v.fold(url).strip())
    return (parts.hostname or "").removeprefix("www.") + parts.path.rstrip("/")


# a licence page's own file name: "etalab-2.0.html" (SPDX), "CC_BY_4_0" (EU authority table)
PAGE_SUFFIX_RE = re.compile(r"\.(html?|json|jsonld|rdf|ttl|txt|xml)$")


def map_license(raw: str, default: str) -> tuple[str, Message | None]:
    """A licence of the portal from what the source says: an id, a title (spelling, spacing and
    punctuation aside: "Licence Ouverte v2.0 (Etalab)"), or a URL (http or https, with or
    without "www.", a version or page under a known licence's address, the EU licence
    authority table or SPDX naming a known id). An unknown licence gives the default and a
    note; a licence is never read as another one (".../licenses/by-nc/" is not ".../by/")."""
    if not raw or not isinstance(raw, str):
        return default, None
    raw = raw.strip()
    key = v.fold(raw).rstrip("/")
    found = tables()["licenses"].get(key) or tables()["license_words"].get(_letters(raw))
    if not found and _is_url(raw):
        stem, urls = _url_stem(raw), tables()["license_urls"]
        found = urls.get(stem) or next(
            (target for known, target in urls.items() if stem.startswith(known + "/")), None
        )
        if not found:
            page = PAGE_SUFFIX_RE.sub("", stem.rsplit("/", 1)[-1])
            found = tables()["license_words"].get(_letters(page)) if _letters(page) else None
    if found:
        return found, None
    return default, N_("unknown licence “{licence}” replaced by “{default}”", licence=raw, default=default)


def map_frequency(raw: str) -> str:
    """An EU code, from a code, an EU or Dublin Core (purl.org/cld/freq) URI, an ISO 8601
    repeating duration (DCAT-US "R/P1Y") or a label (French or English)."""
    if not raw or not isinstance(raw, str):
        return ""
    key = v.fold(raw).rstrip("/")
    if key.upper() in v.frequencies():
        return key.upper()
    if key in tables()["frequencies"]:
        return tables()["frequencies"][key]
    if key.startswith(("http://", "https://")) and "/" in key.split("://", 1)[1]:
        return map_frequency(key.rsplit("/", 1)[-1])
    return ""


# French plurals in "-aux" are of words in "-al" ("sociaux"), except after an "e" ("reseaux")
PLURAL_AUX = "aux"
PLURAL_EAUX = "eaux"


def singular(word: str) -> str:
    """French plural folded: "dechets" -> "dechet", "reseaux" -> "reseau", "sociaux" ->
    "social", "hopitaux" -> "hopital" (words of 4+ letters)."""
    if len(word) > 4 and word.endswith(PLURAL_AUX) and not word.endswith(PLURAL_EAUX):
        return word[:-3] + "al"
    if len(word) > 3 and word.endswith(("s", "x")) and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def theme_key(text: str) -> str:
    """A label compared word by word, each word folded (accents, case, plural)."""
    words = re.split(r"[\s'’_-]+", v.fold(text))
    return " ".join(singular(w) for w in words if w)


@lru_cache(maxsize=1)
def theme_keywords() -> dict[str, str]:
    keywords = {}
    for theme in v.themes():
        for word in (theme["id"], theme["label"], *theme.get("keywords", [])):
            keywords[theme_key(word)] = theme["id"]
    return keywords


# Compound labels: "Mobilité et transports", "Citoyenneté / Institution", "Sports & loisirs"
SPLIT_RE = re.compile(r"\s+(?:et|and|ou)\s+|[/,;&|>]", re.I)


def theme_label(value: str) -> str:
    """What a theme value says, URIs included: the label in Opendatasoft's
    "…?refine.theme=Citoyenneté / Institution", the code of an EU data-theme URI."""
    value = (value or "").strip()
    if not value.startswith(("http://", "https://")):
        return value
    parts = urlsplit(value)
    for key, values in parse_qs(parts.query).items():
        if key.endswith("theme") and values:
            return values[0]
    return unquote(parts.path.rstrip("/").rsplit("/", 1)[-1])


def map_themes(labels: list[str], config: SourceConfig) -> list[str]:
    """Whole labels first; then each part of a compound label (split on " et ", "/", ",",
    ";", "&"), then the words of a part ("etat-civil" is first tried whole, as "etat civil")."""
    found = []
    keywords = theme_keywords()

    def lookup(text):
        return config.theme_mapping.get(v.fold(text).strip()) or keywords.get(theme_key(text))

    def add(theme):
        if theme and theme not in found:
            found.append(theme)

    for raw in labels:
        label = theme_label(raw)
        if lookup(label):
            add(lookup(label))
            continue
        for part in SPLIT_RE.split(label):
            if part.strip():
                # then word by word: slug parts ("etat-civil") and words ("Réseaux de transport")
                words = [w for w in re.split(r"[\s-]+", part) if len(w) > 3]
                add(lookup(part) or next((lookup(w) for w in words if lookup(w)), None))
    if not found:  # coarse EU data-theme codes only when nothing finer matched
        for raw in labels:
            add(tables()["eu_themes"].get(v.fold(theme_label(raw))))
    return found


# what a browser never shows: Word's <xml>/<style> blocks, scripts, a pasted page's <head>
INVISIBLE_TAGS = ["script", "style", "head", "title", "meta", "link", "xml", "template", "noscript"]
# an HTML tag or character reference: only then is a description HTML (plain text such as
# "population < 3500 & plus" or "code_insee" stays as written, unescaped)
HTML_RE = re.compile(r"</?[a-zA-Z][\w:-]*[\s/>]|<!|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+\d*);")


def html_to_text(text: str) -> str:
    """Descriptions are often HTML (Opendatasoft, Word pastes with <o:p>, <br style=…>,
    conditional comments, lists, &nbsp;): converted to Markdown by markdownify, which keeps
    paragraphs, line breaks and list items apart instead of gluing them. What a browser does
    not show (comments, Word's <![if …]> marks, <style>/<script> contents) is left out."""
    text = text or ""
    if not HTML_RE.search(text):
        return text.strip()
    soup = BeautifulSoup(text, "html.parser")
    for node in soup.find_all(
        string=lambda s: isinstance(s, (Comment, Declaration, Doctype, ProcessingInstruction))
    ):
        node.extract()
    for node in soup.find_all(INVISIBLE_TAGS):
        node.decompose()
    # Word writes a list as paragraphs whose marker (bullet glyph and padding, or "1.") sits in
    # a span styled mso-list:Ignore: a Markdown list item, "- " or the number kept
    for node in soup.find_all("span", style=re.compile(r"mso-list:\s*ignore", re.I)):
        marker = node.get_text().strip()
        node.replace_with(marker + " " if re.fullmatch(r"\(?\w{1,4}[.)]", marker) else "- ")
    converted = MarkdownConverter(heading_style="ATX", bullets="-", strip=["img"]).convert_soup(soup)
    # non-breaking spaces (Word pads its list bullets with them) read as one space
    converted = re.sub(r"(?<=\S)[ \xa0]{2,}(?=\S)", " ", converted.replace("\xa0", " "))
    converted = re.sub(r"[ \t]+\n", "\n", converted)
    return re.sub(r"\n{3,}", "\n\n", converted).strip()


def clean_tag(word: str) -> str:
    tag = re.sub(r"\s+", " ", TAG_RE.sub(" ", word)).strip()[:100]
    # DKAN and some portals shout their tags (ENVIRONNEMENT): one spelling per word; short
    # capitals are acronyms (DAE, PLU, IRVE) and stay as they are
    return tag.lower() if tag.isupper() and len(tag) > 4 else tag


GENERIC_SEGMENTS = {
    "dataset",
    "datasets",
    "explore",
    "catalog",
    "catalogue",
    "data",
    "api",
    "id",
    "fr",
    "donnees",
    "jeux-de-donnees",
    "record",
    "records",
    "metadata",
    "home",
    "dcat",
    "items",
    "item",
    "index",
    "search",
    "srv",
    "fre",
    "eng",
    "information",
    "export",
    "table",
    "views",
}
# query parameters that name the dataset (ArcGIS's item.html?id=…, CKAN-like ?dataset=…);
# others (sublayer=0, format=json, locale=fr) say nothing of it
ID_PARAMS = ("id", "identifier", "uuid", "dataset", "dataset_id", "datasetid", "slug", "name", "record")
FILE_SUFFIX_RE = re.compile(r"\.(html?|php|aspx?|jsp|json|jsonld|xml|rdf|ttl|csv|search)$", re.I)


def readable_id(remote_id: str) -> str:
    """The readable part of a URL-shaped identifier: its identifying query value, else its
    last meaningful path segment (GeoNetwork's "#/metadata/<uuid>" fragment included), e.g.
    https://data.capatlantique.fr/explore/dataset/arbres/ -> arbres,
    https://www.arcgis.com/home/item.html?id=3d9c…&sublayer=0 -> 3d9c…"""
    if not re.match(r"^[a-z][a-z0-9+.-]*://", remote_id, re.I):
        return remote_id
    parts = urlsplit(remote_id)
    query = {k.lower(): values for k, values in parse_qs(parts.query).items()}
    candidates = [val for key in ID_PARAMS for val in query.get(key, [])]
    segments = [unquote(x) for x in parts.path.split("/") if x]
    segments += [unquote(x) for x in parts.fragment.split("?")[0].split("/") if x]
    candidates += [FILE_SUFFIX_RE.sub("", x) for x in reversed(segments)]
    for candidate in candidates:
        if slugify(candidate) and slugify(candidate) not in GENERIC_SEGMENTS:
            return candidate
    return parts.hostname or remote_id


def dataset_name(owner: str, remote_id: str) -> str:
    """Stable across runs (from the remote id, not the title) and prefixed by the owner
    organisation, so two communes' datasets never collide. A URL-shaped identifier gives its
    readable part plus a short hash of the whole URL (two URLs may end alike)."""
    readable = readable_id(remote_id)
    digest = hashlib.sha1(remote_id.encode()).hexdigest()
    suffix = "" if readable == remote_id else "-" + digest[:6]
    name = f"{owner}-{slugify(readable)}"
    if len(name) + len(suffix) > 100:
        name, suffix = name[:91], "-" + digest[:8]
    return name + suffix


def web_url(value: str) -> tuple[str, Message | None]:
    """A URL field as CKAN's url_validator accepts it: "www.example.org" is repaired into
    https://www.example.org; free text ("hello") is dropped. Returns (url, note)."""
    value = (value or "").strip()
    if not value:
        return "", None
    parts = urlsplit(value)
    if parts.scheme in ("http", "https") and parts.netloc and " " not in value:
        return value, None
    if not parts.scheme and re.match(r"^[\w-]+(\.[\w-]+)+(:\d+)?(/\S*)?$", value):
        return "https://" + value, N_("address “{value}” completed as https://{value}", value=value)
    return "", N_("address “{value}” invalid, ignored", value=value[:80])


def to_dataset(remote: RemoteDataset, owner: dict, portal: str, config: SourceConfig) -> Mapped:
    notes = []
    license_id, license_note = map_license(remote.license, config.default_license)
    if license_note:
        notes.append(license_note)
    elif not remote.license:
        notes.append(N_("no licence given by the source: “{licence}”", licence=license_id))
    themes = map_themes(remote.themes + remote.keywords, config)
    if not themes:
        themes = [config.default_theme]
        if remote.themes:
            notes.append(
                N_(
                    "source theme not recognised ({labels}): “{theme}” by default",
                    labels=", ".join(remote.themes),
                    theme=config.default_theme,
                )
            )
        else:
            notes.append(N_("no source theme: “{theme}” by default", theme=config.default_theme))
    tags = []
    for word in remote.keywords:
        tag = clean_tag(word)
        if len(tag) >= 2 and tag not in tags:
            tags.append(tag)
    modified, modified_note = source_date(remote.modified)
    issued, issued_note = source_date(remote.issued)
    if modified_note:
        notes.append(N_("date of last change: {note}", note=modified_note))
    if issued_note:
        notes.append(N_("date of publication: {note}", note=issued_note))
    landing_page, landing_note = web_url(remote.landing_page)
    if landing_note:
        notes.append(N_("landing page: {note}", note=landing_note))
    dataset = {
        "name": dataset_name(owner["name"], remote.slug or remote.remote_id),
        "title": (remote.title or remote.remote_id).strip(),  # bounded by bounds.apply
        "notes": html_to_text(remote.notes),
        "owner_org": owner["id"],
        "theme": themes,
        "tags": [{"name": t} for t in tags],
        "license_id": license_id,
        "frequency": map_frequency(remote.frequency),
        "communes": [owner["insee_code"]] if owner.get("insee_code") else [],
        "url": landing_page,
        "harvest_portal": portal,
        "harvest_landing_page": landing_page,
        "temporal_start": (remote.temporal_start or "")[:10],
        "temporal_end": (remote.temporal_end or "")[:10],
        # the source's own dates of publication and last change: the DCAT catalogue publishes
        # them as dct:issued and dct:modified (instead of our own creation and change dates)
        "modified": modified,
        "issued": issued,
        "resources": [
            {
                "url": r.url,
                "name": r.name or r.format or "Ressource",
                "format": r.format,
                "description": html_to_text(r.description),
                "conforms_to": r.conforms_to,
            }
            for r in remote.resources
            if r.url
        ],
    }
    # a high-value dataset stays one: the categories of the EU table the source gives (its
    # applicable legislation follows, set by the schema); only then, so that the content hash
    # of every other harvested dataset is unchanged
    if categories := [c for c in remote.hvd_categories if c in hvd.concepts()]:
        dataset["hvd_category"] = categories
    return Mapped(dataset, notes)


def content_hash(dataset: dict) -> str:
    return hashlib.sha256(json.dumps(dataset, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
