"""Datasets as ckanext-dcat's profiles expect them, before they are serialised.

ckanext-dcat's DCAT-AP profiles write what its own fields hold (``theme`` as IRIs,
``frequency``, ``publisher`` and ``spatial_coverage`` lists of dicts, per resource ``format``,
``mimetype``, ``license``, ``access_url``, ``download_url``, ``conforms_to``…). Our schema
keeps French codes in some of those fields, so each dataset is handed to the serializer as a
copy holding ckanext-dcat's shapes: EU and IANA IRIs from ``config/``, the publisher with its
SIREN and ADMS type, the communes with their geometry, and never a URL that is not a valid
absolute IRI (one such URL used to take a whole catalogue page down, and makes data.gouv.fr
reject the dataset).
"""

from __future__ import annotations

import copy
import ipaddress
import json
import re
from functools import lru_cache
from urllib.parse import urlsplit

import ckan.plugins.toolkit as tk
from shapely.errors import GEOSException
from shapely.geometry import shape

from . import vocabularies as v
from .communes_field import territory_communes

EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
IANA_MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
GEO_COMMUNE = "https://geo.api.gouv.fr/communes/{code}"
PLANNED_AVAILABILITY = "http://publications.europa.eu/resource/authority/planned-availability/"
SPDX_ALGORITHM = "http://spdx.org/rdf/terms#checksumAlgorithm_"
# What ckanext-dcat receives of a resource as stored: CKAN's own bookkeeping. Everything else
# it would publish (language, status, rights, documentation, compress_format,
# temporal_resolution…: free fields any API client may add to a resource) is left out unless
# _resource derives it from a value it has checked, so no stray text becomes a DCAT-AP
# violation (an IRI or a typed node is expected there).
RESOURCE_FIELDS = (
    "id",
    "name",
    "description",
    "created",
    "metadata_modified",
    "position",
    "package_id",
    "url_type",
)
_HEX = re.compile(r"^(?:[0-9a-f]{2})+$", re.IGNORECASE)
# Characters XML 1.0 forbids (text pasted from Word carries vertical tabs and form feeds): one
# of them in a title made the whole RDF/XML page unreadable.
_XML_SEPARATORS = re.compile("[\x0b\x0c]")
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")

# Characters an IRI may not hold (RFC 3987), and what rdflib refuses to serialise.
_FORBIDDEN = re.compile(r'[\s<>"{}|\\^`\x00-\x1f\x7f]')
_LABEL = re.compile(r"^(?!-)[a-z0-9\u00a1-\uffff-]{1,63}(?<!-)$", re.IGNORECASE)
_TLD = re.compile(r"^(?:[a-z\u00a1-\uffff]{2,63}|xn--[a-z0-9-]{1,59})$", re.IGNORECASE)


@lru_cache(maxsize=1)
def settings() -> dict:
    return v._yaml("dcat.yaml")


def valid_url(url) -> bool:
    """An absolute http(s)/ftp URL to a public host name or address: what DCAT-AP needs
    for an IRI and what data.gouv.fr's harvester accepts (a dotted host with a real TLD,
    no localhost, no private address)."""
    if not isinstance(url, str) or not url or len(url) > 2000 or _FORBIDDEN.search(url.strip()):
        return False
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        parts.port  # noqa: B018 (raises on a malformed port)
    except ValueError:
        return False
    if parts.scheme not in ("http", "https", "ftp", "ftps") or not host:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        labels = host.rstrip(".").split(".")
        return (
            len(labels) >= 2
            and all(_LABEL.match(label) for label in labels)
            and bool(_TLD.match(labels[-1]))
            and host != "localhost"
        )
    return address.is_global


def own_url(url) -> bool:
    """A URL under the portal's own ``ckan.site_url`` (its uploaded files, its pages): always a
    valid IRI of its own catalogue, whatever that address is (a test or staging portal on
    127.0.0.1 publishes its uploads too; a catalogue without them is an empty one)."""
    site_url = (tk.config.get("ckan.site_url") or "").rstrip("/")
    if not isinstance(url, str) or not site_url or len(url) > 2000 or _FORBIDDEN.search(url.strip()):
        return False
    return url.strip().startswith(site_url + "/") and urlsplit(site_url).scheme in ("http", "https")


def published_url(url) -> bool:
    """What the catalogue publishes as a distribution's URL: a public URL, or one of its own."""
    return valid_url(url) or own_url(url)


def _format_iris(fmt: str) -> dict:
    if not fmt:
        return {}
    known = settings()["formats"]
    name = v.formats().get(fmt.strip().lower().lstrip("."), fmt.strip())
    if name in known:
        return known[name]
    lowered = {k.lower(): val for k, val in known.items()}
    return lowered.get(name.lower(), {})


def _resource(resource: dict, license_url: str | None) -> dict | None:
    """None when the resource has no URL a re-user could follow."""
    url = (resource.get("url") or "").strip()
    if not published_url(url):
        return None
    out = {k: resource[k] for k in RESOURCE_FIELDS if resource.get(k) not in (None, "")}
    out["url"] = url
    out["access_url"] = url
    iris = _format_iris(resource.get("format") or "")
    if iris.get("download", True) and (resource.get("url_type") == "upload" or iris.get("file_type")):
        out["download_url"] = url
    if iris.get("file_type"):
        out["format"] = EU_FILE_TYPE + iris["file_type"]
    if iris.get("media_type"):
        out["mimetype"] = IANA_MEDIA_TYPE + iris["media_type"]
    if license_url:
        out["license"] = license_url
    size = _byte_size(resource.get("size"))
    if size is not None:
        out["size"] = size
    checksum = _checksum(resource.get("hash"), resource.get("hash_algorithm"))
    if checksum:
        out["hash"], out["hash_algorithm"] = checksum
    availability = str(resource.get("availability") or "").strip().rstrip("/").rsplit("/", 1)[-1].upper()
    if availability in settings()["planned_availability"]:
        out["availability"] = PLANNED_AVAILABILITY + availability
    schemas = resource.get("conforms_to")
    schemas = schemas if isinstance(schemas, list) else [schemas] if schemas else []
    schemas = [v.schema_url(s) for s in schemas if s]
    if schemas := [s for s in schemas if valid_url(s)]:
        out["conforms_to"] = schemas
    return out


def xml_safe(value):
    """``value`` (a str, or lists and dicts of them) without the characters XML forbids."""
    if isinstance(value, str):
        return _XML_FORBIDDEN.sub("", _XML_SEPARATORS.sub(" ", value))
    if isinstance(value, list):
        return [xml_safe(v) for v in value]
    if isinstance(value, dict):
        return {k: xml_safe(v) for k, v in value.items()}
    return value


def _byte_size(value) -> int | None:
    """dcat:byteSize is a non-negative integer: a size that is not one is left out."""
    try:
        size = int(str(value).strip()) if value not in (None, "") else None
    except ValueError:
        return None
    return size if size is not None and size >= 0 else None


def _checksum(value, algorithm) -> tuple[str, str] | None:
    """(hexadecimal value, SPDX algorithm IRI), or None when either is not one: an spdx:Checksum
    needs both, as xsd:hexBinary and an spdx:ChecksumAlgorithm."""
    value = str(value or "").strip()
    algorithm = str(algorithm or "").strip()
    if ":" in value and not algorithm:  # "sha256:…", as CKAN's documentation writes a hash
        algorithm, value = value.split(":", 1)
    name = algorithm.rsplit("_", 1)[-1] if algorithm.startswith(SPDX_ALGORITHM) else algorithm
    name = name.lower().replace("-", "").replace("_", "")
    if name not in settings()["checksum_algorithms"] or not _HEX.match(value):
        return None
    return value.lower(), SPDX_ALGORITHM + name


def license_for(license_id: str | None) -> dict:
    return v.license_ids().get(license_id or "") or {}


def publisher(org: dict) -> dict:
    """An organisation (organization_show) as ckanext-dcat's scheming ``publisher`` item."""
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    item = {"uri": f"{site_url}/organization/{org['name']}", "name": org.get("title") or org["name"]}
    if org.get("siren"):
        item["identifier"] = org["siren"]
    kind_type = settings()["publisher_types"].get(org.get("kind") or "")
    if kind_type:
        item["type"] = kind_type
    if valid_url(org.get("website")):
        item["url"] = org["website"]
    if org.get("email") and "@" in org["email"] and not _FORBIDDEN.search(org["email"]):
        item["email"] = org["email"]
    return xml_safe(item)


def _contact(dataset: dict, org: dict | None) -> list[dict]:
    contacts = []
    for item in dataset.get("contact") or []:
        if not isinstance(item, dict):
            continue
        email = (item.get("email") or "").strip()
        entry = {"name": (item.get("name") or "").strip()}
        if email and "@" in email and not _FORBIDDEN.search(email):
            entry["email"] = email
        if entry.get("name") or entry.get("email"):
            contacts.append(entry)
    if (
        not contacts
        and org
        and org.get("email")
        and "@" in org["email"]
        and not _FORBIDDEN.search(org["email"])
    ):
        # The publishing organisation answers for a dataset that names no contact.
        contacts.append({"name": org.get("title") or org["name"], "email": org["email"]})
    return contacts


def spatial_coverage(codes, extent=None) -> list[dict]:
    """Each commune with its bounding box (dcat:bbox, WKT): data.gouv.fr keeps a spatial
    coverage only from such a geometry. (Contours would weigh ~2 KB per commune on every
    catalogue page for a métropole-wide dataset; the maps draw them.)

    ``extent`` (the GeoJSON of ckanext-spatial's field) is added as one more place when it
    says more than the communes' box: its box, or its point. (ckanext-dcat would write it as
    a locn:geometry literal, which DCAT-AP 3 wants as a locn:Geometry node.)"""
    codes = list(codes or [])
    shapes = {"communes": {}, "extent": None}
    if codes:
        shapes = tk.get_action("metropole_commune_geometry_show")(
            {"ignore_auth": True}, {"codes": codes, "contours": False}
        )
    names = territory_communes()
    items = [
        {
            "uri": GEO_COMMUNE.format(code=code),
            "text": names.get(code, code),
            "bbox": shapes["communes"].get(code, {}).get("bbox"),
        }
        for code in codes
    ]
    try:
        given = shape(json.loads(extent)) if extent else None
    except (TypeError, ValueError, AttributeError, KeyError, GEOSException):
        given = None
    if (
        given is not None
        and given.is_valid
        and not given.is_empty
        and not (shapes["extent"] and shape(shapes["extent"]).equals(given))
    ):
        items.append({"bbox": given.envelope.wkt} if given.area > 0 else {"centroid": given.centroid.wkt})
    return items


def harvested_from_excluded_portal(dataset: dict) -> bool:
    host = urlsplit(str(dataset.get("harvest_portal") or "")).hostname or ""
    return host.lower() in settings()["excluded_portals"]


def for_dcat(dataset: dict, org: dict | None = None) -> dict:
    """A copy of ``dataset`` (package_show or search result) in ckanext-dcat's field shapes;
    ``org`` is the owner's organization_show."""
    out = copy.deepcopy(dataset)
    site_url = tk.config.get("ckan.site_url").rstrip("/")
    # Free extras (any API client may add them) are not fields of our schema: ckanext-dcat
    # would publish some (language, uri, identifier, contact_email…) as they are.
    out.pop("extras", None)

    if not (out.get("notes") or "").strip():
        out["notes"] = tk._("%(title)s (the source gave no description: the title stands for it)") % {
            "title": out.get("title") or out.get("name")
        }

    out["metropole_themes"] = list(out.get("theme") or [])
    themes = []
    for theme in v.themes():
        if theme["id"] in (out.get("theme") or []):
            themes += [v.EU_THEME + c for c in theme["eu_themes"] if v.EU_THEME + c not in themes]
    out["theme"] = themes

    frequency = out.get("frequency")
    out["frequency"] = v.EU_FREQUENCY + frequency if frequency in v.frequencies() else None

    # Landing page: a harvested dataset's own page is ours (where data.gouv.fr sends its
    # users); the source portal's page goes to foaf:page.
    source_page = out.get("harvest_landing_page") or (out.get("url") if out.get("harvest_portal") else None)
    if out.get("harvest_portal"):
        out["url"] = f"{site_url}/dataset/{out['name']}"
        out["documentation"] = [source_page] if valid_url(source_page) else []
    elif not valid_url(out.get("url")):
        out["url"] = None

    lic = license_for(out.get("license_id"))
    license_url = lic.get("url") if valid_url(lic.get("url")) else None
    resources = [_resource(r, license_url) for r in out.get("resources") or []]
    out["resources"] = [r for r in resources if r is not None]

    start, end = out.pop("temporal_start", None), out.pop("temporal_end", None)
    if start or end:
        out["temporal_coverage"] = [{"start": start, "end": end}]

    if org:
        out["publisher"] = [publisher(org)]
    out["contact"] = _contact(out, org)
    if not out.get("private"):
        out["access_rights"] = settings()["access_rights_public"]
    out["spatial_coverage"] = spatial_coverage(out.get("communes"), out.pop("spatial", None))
    return xml_safe(out)
