"""Every way a source's answer can be wrong gets a French message naming what the source did
(issue #24, item 6): nested too deeply, an HTML page for JSON, bytes not in the announced
encoding, cut short, compressed beyond reason, XML declaring a DOCTYPE or entities (refused,
never expanded, nothing local read); a CSW catalogue serving only Dublin Core: test_hostile_records."""

from __future__ import annotations

import codecs
import gzip

import pytest

from ckanext.metropole.harvest import answers
from ckanext.metropole.harvest.errors import HarvestError
from ckanext.metropole.harvest.http import Client

from .portal_server import Portal


@pytest.fixture(scope="module")
def server():
    portal = Portal()
    yield portal
    portal.stop()


DEEP = 100_000
ANSWERS = {
    # path: (route, what the operator reads)
    "too-deep": ({"body": b"[" * DEEP + b"]" * DEEP}, "imbriquée trop profondément"),
    "html-for-json": (
        {"body": b"<!DOCTYPE html><html><body>Connexion</body></html>", "content_type": "text/html"},
        "a répondu par une page HTML",
    ),
    "xml-for-json": ({"body": b"<?xml version='1.0'?><error/>", "content_type": "text/xml"}, "page XML"),
    "latin-1-unannounced": (
        {"body": '{"title": "Crèche"}'.encode("latin-1")},
        "pas du UTF-8 valide : octet 0xe8",
    ),
    "unknown-charset": (
        {"body": b"{}", "content_type": "application/json; charset=klingon"},
        "encodage de caractères inconnu : « klingon »",
    ),
    "empty": ({"body": b"  \n"}, "a donné une réponse vide"),
    "json-served-as-html": ({"body": b"{}", "content_type": "text/html"}, None),
    "json-cut-short": ({"body": b'{"data": [{"id": "1", "title": "Arb'}, "s'arrête au milieu du document"),
    "truncated-body": ({"body": b'{"data": []}' * 10, "fault": "truncated"}, "tronqué"),
    "gzip-bomb": (
        {"body": gzip.compress(b" " * 3_000_000), "headers": {"Content-Encoding": "gzip"}},
        "une fois décompressée (gzip) : plus de 1000000 octets",
    ),
    "corrupt-gzip": (
        {"body": b"\x1f\x8b\x08\x00not gzip at all", "headers": {"Content-Encoding": "gzip"}},
        "ne peut pas être décompressée",
    ),
}


@pytest.mark.parametrize("path", list(ANSWERS))
def test_a_bad_answer_says_what_the_source_did_wrong(server, path):
    route, expected = ANSWERS[path]
    server.add("/" + path, **route)
    answer = Client(max_bytes=1_000_000).get
    if expected is None:  # read as it is
        assert answer(f"{server.url}/{path}").json() == {}
        return
    with pytest.raises(HarvestError) as e:
        answer(f"{server.url}/{path}").json()
    assert expected in str(e.value.message), str(e.value.message)


def test_an_announced_charset_is_read(server):
    server.add(
        "/latin-1",
        '{"title": "Crèche"}'.encode("latin-1"),
        content_type="application/json; charset=ISO-8859-1",
    )
    server.add("/bom", codecs.BOM_UTF8 + '{"title": "Crèche"}'.encode())
    for path in ("latin-1", "bom"):
        assert Client().get(f"{server.url}/{path}").json() == {"title": "Crèche"}


SECRET = "local-secret-9f2c"


@pytest.fixture
def local_file(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path.as_uri()


@pytest.mark.parametrize(
    "xml",
    [
        # billion laughs: internal entities expanding one another
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><r>&c;</r>',
        # an external entity naming a local file, and an external DTD
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "{file}">]><r>&x;</r>',
        '<?xml version="1.0"?><!DOCTYPE r SYSTEM "{file}"><r/>',
        # a parameter entity, and a declaration beyond the first 64 KiB (behind a long comment)
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY % p SYSTEM "{file}"> %p;]><r/>',
        '<?xml version="1.0"?><!--'
        + "x" * 70_000
        + '--><!DOCTYPE r [<!ENTITY x SYSTEM "{file}">]><r>&x;</r>',
        # in UTF-16, where a byte search for "<!DOCTYPE" finds nothing
        "utf-16:"
        + '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE r [<!ENTITY x SYSTEM "{file}">]><r>&x;</r>',
    ],
    ids=["billion-laughs", "external-entity", "external-dtd", "parameter-entity", "after-64k", "utf-16"],
)
def test_xml_declaring_entities_is_refused_and_nothing_local_is_read(xml, local_file):
    body = xml.replace("{file}", local_file)
    body = body[7:].encode("utf-16") if body.startswith("utf-16:") else body.encode()
    with pytest.raises(HarvestError) as e:
        answers.parse_xml(body, "https://geo.example.fr/csw")
    message = str(e.value.message)
    assert "DOCTYPE/ENTITY interdite" in message and SECRET not in message


def test_xml_nested_too_deeply_says_so():
    with pytest.raises(HarvestError) as e:
        answers.parse_xml(b"<a>" * 300 + b"</a>" * 300, "https://geo.example.fr/csw")
    assert "imbriquée trop profondément" in str(e.value.message)
