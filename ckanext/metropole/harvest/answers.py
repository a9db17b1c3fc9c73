"""A source's answer read as JSON or XML, every way it can be wrong said in French on the job page:
an HTML page where JSON was expected, bytes that are not in the announced encoding, an answer
cut short, nested too deeply, or XML declaring a DOCTYPE or entities (refused before anything
is expanded or read: no DTD is loaded, nothing local or remote is fetched)."""

from __future__ import annotations

import codecs
import json
import re
from io import BytesIO

from lxml import etree

from ..messages import N_
from .errors import HarvestError

BOM = codecs.BOM_UTF8
# no DTD, no entity, no network; libxml2's own bounds on depth and sizes (no huge_tree)
XML_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
HTML_TYPES = ("text/html", "application/xhtml+xml")


def too_deep(url: str) -> HarvestError:
    return HarvestError(
        N_(
            "The answer of {url} is nested too deeply to be read (more levels of lists, objects "
            "or elements than any catalogue needs): it is not a catalogue a harvester can read.",
            url=url,
        )
    )


def decode_json(body: bytes, url: str, content_type: str = "", charset: str = ""):
    """The JSON document of an answer, or a HarvestError saying what the source did wrong."""
    head = body[:512].lstrip()
    # a markup page, whatever its announced type (a JSON body served as text/html is read)
    if head[:1] == b"<":
        kind = (
            "HTML"
            if content_type in HTML_TYPES or b"<html" in head.lower() or b"<!doctype" in head.lower()
            else "XML"
        )
        raise HarvestError(
            N_(
                "{url} answered with a {kind} page (content type “{type}”) where JSON was expected: "
                "the address is not the portal's API, or the portal shows an error or login page.",
                url=url,
                kind=kind,
                type=content_type or "?",
            )
        )
    text = _text(body, url, charset)
    if not text.strip():
        raise HarvestError(N_("{url} gave an empty answer where JSON was expected.", url=url))
    try:
        # strict=False: a raw control character in a string costs its record (repaired by
        # screening.clean_text), not the page
        return json.loads(text, strict=False)
    except RecursionError:
        raise too_deep(url) from None
    except json.JSONDecodeError as e:
        # the document stops where more was due: at its end, or inside a string never closed
        if e.pos >= len(text.rstrip()) or e.msg.startswith("Unterminated string"):
            raise HarvestError(
                N_(
                    "The JSON answer of {url} ends in the middle of the document (after {size} "
                    "characters): it was truncated by the source or on the way.",
                    url=url,
                    size=len(text),
                )
            ) from None
        snippet = text[max(0, e.pos - 40) : e.pos + 40].replace("\n", " ")
        raise HarvestError(
            N_(
                "Invalid JSON response from {url} ({error}, line {line}): “{snippet}”",
                url=url,
                error=e.msg,
                line=e.lineno,
                snippet=snippet,
            )
        ) from None


def _text(body: bytes, url: str, charset: str) -> str:
    """JSON is UTF-8 (RFC 8259); a source announcing another charset is read in it."""
    charset = (charset or "").strip().strip('"').lower()
    if body.startswith(BOM):
        body, charset = body[len(BOM) :], "utf-8"
    elif body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        charset = "utf-16"
    try:
        return body.decode(charset or "utf-8")
    except LookupError:
        raise HarvestError(
            N_("{url} announces an unknown character encoding: “{charset}”.", url=url, charset=charset)
        ) from None
    except UnicodeDecodeError as e:
        raise HarvestError(
            N_(
                "The answer of {url} is not valid {charset}: byte 0x{byte} at position {position} "
                "(the source writes in another encoding than the one it announces).",
                url=url,
                charset=(charset or "utf-8").upper(),
                byte=body[e.start : e.start + 1].hex(),
                position=e.start,
            )
        ) from None


# A character XML forbids (a control, NUL, a surrogate, U+FFFE/F), raw or as a reference, makes
# libxml2 refuse the whole page: it becomes U+FDD0, a noncharacter XML accepts, which
# screening.clean_text repairs in the one record that held it, with a warning.
CONTROL_BYTES_RE = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")
CHAR_REF_RE = re.compile(rb"&#(x[0-9a-fA-F]+|[0-9]+);")
MARK = b"&#xFDD0;"


def _xml_char(code: int) -> bool:
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def _char_ref(match) -> bytes:
    ref = match.group(1)
    code = int(ref[1:], 16) if ref[:1] in (b"x", b"X") else int(ref)
    return match.group(0) if _xml_char(code) else MARK


def scrub_xml(body: bytes) -> bytes:
    """The answer with every character XML forbids marked (see MARK); UTF-16/32 answers, whose
    NUL bytes are part of their characters, are left as they are."""
    if body[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) or b"\x00<" in body[:4] or b"<\x00" in body[:4]:
        return body
    return CHAR_REF_RE.sub(_char_ref, CONTROL_BYTES_RE.sub(MARK, body))


def parse_xml(body: bytes, url: str):
    """The XML tree of an answer; refused if it declares a DOCTYPE (entities, a DTD): such a
    declaration is never used, so the answer is refused whole rather than read half."""
    try:
        tree = etree.parse(BytesIO(scrub_xml(body)), XML_PARSER)
    except etree.XMLSyntaxError as e:
        if "depth" in str(e).lower():
            raise too_deep(url) from e
        raise HarvestError(
            N_("Unreadable XML answer from {url}: {error}", url=url, error=str(e)[:160])
        ) from e
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise HarvestError(
            N_(
                "XML answer refused ({url}): a DOCTYPE/ENTITY declaration is forbidden (entities are "
                "never expanded, nothing local is read).",
                url=url,
            )
        )
    return tree
