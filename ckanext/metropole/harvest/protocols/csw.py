"""CSW 2.0.2 catalogues (GeoNetwork: data.grandlyon.com, regional platforms), ISO 19139 records.

OWSLib speaks CSW (GetCapabilities, GetRecords requests and responses, OGC exceptions) but
its HTTP goes through our guarded client (size, time, address bounds); each ISO 19139 record
is read by ckanext-spatial's ISODocument, as its own CSW harvester does. Paged by
startPosition/nextRecord; the listing is complete when it matches numberOfRecordsMatched.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode

from lxml import etree
from owslib import ows
from owslib.catalogue import csw2
from owslib.util import bind_url, nspath_eval

from ...messages import N_
from .. import answers, mapping
from ..errors import HarvestError
from ..model import Listing, RemoteDataset, RemoteResource, each

NAME = "csw"
PAGE = 50
MAX_PAGES = 1000
GMD = "http://www.isotc211.org/2005/gmd"
URL_RE = re.compile(r"https?://[^\s<>\"')]+")
ISO_ROOTS = {nspath_eval(tag, csw2.namespaces) for tag in ("gmd:MD_Metadata", "gmi:MI_Metadata")}
CSW_ROOTS = {
    nspath_eval(tag, csw2.namespaces)
    for tag in (
        "ows:ExceptionReport",
        "csw:Capabilities",
        "csw:GetRecordsResponse",
        "csw:GetRecordByIdResponse",
    )
}


class GuardedCSW(csw2.CatalogueServiceWeb):
    """OWSLib's CSW client whose requests go through the harvester's guarded client (GET)."""

    def __init__(self, url: str, client):
        self._client = client
        super().__init__(url, skip_caps=False)

    def _invoke(self):
        if not isinstance(self.request, str):  # OWSLib would POST: we only send KVP GETs
            raise HarvestError(N_("CSW request not supported (only GET requests are sent)."))
        self.request = bind_url(self.url) + self.request
        self.response = self._client.get(self.request, accept="application/xml, text/xml").body
        # no DTD, no entity, no network; a DOCTYPE refuses the answer (see answers.parse_xml)
        self._exml = answers.parse_xml(self.response, self.url)
        if self._exml.getroot().tag not in CSW_ROOTS:
            raise HarvestError(
                N_(
                    "{url} does not answer as a CSW catalogue (root “{root}”).",
                    url=self.url,
                    root=etree.QName(self._exml.getroot()).localname,
                )
            )
        if self._exml.find(nspath_eval("ows:Exception", csw2.namespaces)) is not None:
            report = ows.ExceptionReport(self._exml, self.owscommon.namespace)
            raise HarvestError(
                N_(
                    "The CSW catalogue {url} answered with an error: {report}",
                    url=self.url,
                    report=str(report),
                )
            )
        self.exceptionreport = None

    def iso_page(self, start: int, size: int):
        """One GetRecords page of full ISO 19139 records: (records, matched, returned, next)."""
        self.request = urlencode(
            {
                "service": "CSW",
                "version": "2.0.2",
                "request": "GetRecords",
                "typeNames": "gmd:MD_Metadata",
                "resultType": "results",
                "elementSetName": "full",
                "outputSchema": GMD,
                "namespace": f"xmlns(gmd={GMD})",
                "startPosition": start,
                "maxRecords": size,
            }
        )
        self._invoke()
        results = self._exml.find(nspath_eval("csw:SearchResults", csw2.namespaces))
        if results is None:
            raise HarvestError(N_("GetRecords response without SearchResults at {url}.", url=self.url))

        def number(name):
            value = results.get(name)
            return int(value) if value and value.strip().lstrip("-").isdigit() else None

        # ISO 19139 records, and their ISO 19115-2 form (imagery, gridded data) as OWSLib and
        # ckanext-spatial read them too; ckanext-spatial's ISODocument reads both
        records = [r for r in results if r.tag in ISO_ROOTS]
        served = [r for r in results if isinstance(r.tag, str)]
        if served and not records:
            # a catalogue that ignores outputSchema=gmd answers in Dublin Core (csw:Record):
            # no identifier, licence or distribution the harvester could rely on
            raise HarvestError(
                N_(
                    "The CSW catalogue {url} answers GetRecords in “{schema}” records, not in ISO 19139 "
                    "(gmd:MD_Metadata): it does not serve the ISO schema (outputSchema={gmd}) the harvester "
                    "reads, so none of its {count} records can be read. Ask its administrator to enable "
                    "ISO 19139 output (GeoNetwork and pycsw do by default).",
                    url=self.url,
                    schema=etree.QName(served[0]).localname,
                    gmd=GMD,
                    count=number("numberOfRecordsMatched") or len(served),
                )
            )

        return (
            records,
            number("numberOfRecordsMatched"),
            number("numberOfRecordsReturned"),
            number("nextRecord"),
        )


def detect(client, root: str) -> bool:
    try:
        csw = GuardedCSW(root, client)
    except HarvestError as e:
        if e.status is not None:
            return False
        raise
    return any(op.name == "GetRecords" for op in getattr(csw, "operations", []))


def _pages(client, root: str, listing: Listing):
    csw = GuardedCSW(root, client)
    start = 1
    for _ in range(MAX_PAGES):
        records, matched, _returned, following = csw.iso_page(start, PAGE)
        if matched is not None:
            listing.announced = matched
        yield from records
        listing.read += len(records)
        if not records or not following or following <= start or (matched and following > matched):
            return
        start = following
    raise HarvestError(N_("More than {pages} pages: endless CSW paging at {url}.", pages=MAX_PAGES, url=root))


def _first(values):
    return next((v for v in values or [] if v), "")


def _anchored_constraints(record) -> list[str]:
    """Licence statements ckanext-spatial's reader leaves out, as INSPIRE's technical guidelines
    and French GeoNetworks write them: a gmx:Anchor (its link first, then its text) in
    otherConstraints or useLimitation, and the useLimitation of MD_LegalConstraints."""
    found = []
    for constraints in record.iterfind("gmd:identificationInfo/*/gmd:resourceConstraints/*", csw2.namespaces):
        for anchor in constraints.iterfind("*/gmx:Anchor", csw2.namespaces):
            found += [
                anchor.get(nspath_eval("xlink:href", csw2.namespaces)) or "",
                (anchor.text or "").strip(),
            ]
        if etree.QName(constraints).localname == "MD_LegalConstraints":
            found += [
                (t.text or "").strip()
                for t in constraints.iterfind("gmd:useLimitation/gco:CharacterString", csw2.namespaces)
            ]
    return [x for x in found if x]


def to_remote(record, root: str) -> RemoteDataset:
    from ckanext.spatial.harvested_metadata import ISODocument

    values = ISODocument(xml_tree=record).read_values()
    guid = values.get("guid")
    if not guid:
        raise HarvestError(
            N_(
                "ISO record without an identifier (fileIdentifier): “{title}”.",
                title=str(values.get("title") or "?"),
            )
        )
    constraints = (values.get("limitations-on-public-access") or []) + (values.get("use-constraints") or [])
    anchored = _anchored_constraints(record)
    # a statement, or an address written in it ("Licence Ouverte 1.0 http://www.data.gouv.fr/…")
    candidates = [x for c in anchored + constraints for x in (c, *URL_RE.findall(c))]
    licence = next(
        (c.rstrip(".,;") for c in candidates if mapping.map_license(c.rstrip(".,;"), "")[0]),
        (_first(constraints) or _first(anchored))[:200],
    )
    resources = []
    for locator in values.get("resource-locator") or []:
        protocol = locator.get("protocol") or ""
        resources.append(
            RemoteResource(
                url=locator.get("url") or "",
                name=locator.get("name") or locator.get("description") or "",
                description=locator.get("description") or "",
                format=protocol.split(":")[-1].split("-")[0] if protocol.startswith("OGC:") else "",
            )
        )
    organisations = values.get("responsible-organisation") or []
    record_url = bind_url(root) + urlencode(
        {
            "service": "CSW",
            "version": "2.0.2",
            "request": "GetRecordById",
            "id": guid,
            "outputSchema": GMD,
            "elementSetName": "full",
        }
    )
    return RemoteDataset(
        remote_id=guid,
        title=values.get("title") or guid,
        notes=values.get("abstract") or "",
        themes=list(values.get("topic-category") or []) + list(values.get("keyword-inspire-theme") or []),
        keywords=list(values.get("tags") or []),
        license=licence,
        frequency=values.get("frequency-of-update") or "",
        modified=values.get("date-updated") or values.get("metadata-date") or "",
        # ISO 19115 publication date (ckanext-spatial's date-released), else its creation date
        issued=values.get("date-released") or values.get("date-created") or "",
        landing_page=record_url,
        publisher=_first(o.get("organisation-name") for o in organisations),
        temporal_start=(values.get("temporal-extent-begin") and _first(values["temporal-extent-begin"]))
        or "",
        temporal_end=(values.get("temporal-extent-end") and _first(values["temporal-extent-end"])) or "",
        resources=resources,
    )


def datasets(client, root: str, config, listing: Listing):
    def datasets_only(records):
        for record in records:
            level = record.find(nspath_eval("gmd:hierarchyLevel/gmd:MD_ScopeCode", csw2.namespaces))
            if level is None or level.get("codeListValue") != "service":  # a WMS, WFS… is no dataset
                yield record

    for remote in each(
        listing, datasets_only(_pages(client, root, listing)), lambda record: to_remote(record, root)
    ):
        if config.publisher and remote.publisher != config.publisher:
            continue
        yield remote
