"""Our changes to CKAN's Solr schema (applied by stack/solr_schema.py).

French text analysis: CKAN's ``text`` type stems with the English Snowball stemmer *before*
folding accents, so "ecoles" misses "Écoles" and "municipaux" misses "municipal". We elide
French articles (l', d', qu'…), fold case and accents, then stem with Lucene's light French
stemmer, identically at index and query time.
"""

from __future__ import annotations

from lxml import etree

# Fields re-users filter and facet on (fq=theme:culture, fq=communes:63113).
FIELDS = [
    {"name": "theme", "type": "string", "indexed": "true", "stored": "true", "multiValued": "true"},
    {"name": "communes", "type": "string", "indexed": "true", "stored": "true", "multiValued": "true"},
    {"name": "frequency", "type": "string", "indexed": "true", "stored": "true"},
    {"name": "conforms_to", "type": "string", "indexed": "true", "stored": "true", "multiValued": "true"},
    {"name": "temporal_start", "type": "date", "indexed": "true", "stored": "true"},
    {"name": "temporal_end", "type": "date", "indexed": "true", "stored": "true"},
]

ELISION_ARTICLES = "l,m,t,qu,n,s,j,d,c,jusqu,quoiqu,lorsqu,puisqu"


def _filter(cls, **attrs):
    return etree.Element("filter", {"class": cls, **attrs})


def _french_analyzer(kind: str, synonyms: bool) -> etree._Element:
    analyzer = etree.Element("analyzer", type=kind)
    analyzer.append(etree.Element("tokenizer", {"class": "solr.WhitespaceTokenizerFactory"}))
    # Elision first: "l'eau" must become "eau" before the apostrophe splits words.
    analyzer.append(_filter("solr.ElisionFilterFactory", ignoreCase="true", articles="elisions_fr.txt"))
    if synonyms:
        analyzer.append(
            _filter(
                "solr.SynonymGraphFilterFactory", synonyms="synonyms.txt", ignoreCase="true", expand="true"
            )
        )
    analyzer.append(
        _filter(
            "solr.WordDelimiterGraphFilterFactory",
            generateWordParts="1",
            generateNumberParts="1",
            catenateWords="1" if kind == "index" else "0",
            catenateNumbers="1" if kind == "index" else "0",
            catenateAll="0",
            splitOnCaseChange="1",
            preserveOriginal="0",
        )
    )
    if kind == "index":
        analyzer.append(_filter("solr.FlattenGraphFilterFactory"))
    analyzer.append(_filter("solr.LowerCaseFilterFactory"))
    analyzer.append(_filter("solr.ASCIIFoldingFilterFactory"))
    analyzer.append(_filter("solr.FrenchLightStemFilterFactory"))
    return analyzer


def french_text(root: etree._Element) -> None:
    for field_type in root.iter("fieldType", "fieldtype"):
        if field_type.get("name") == "text":
            for child in list(field_type):
                field_type.remove(child)
            field_type.append(_french_analyzer("index", synonyms=False))
            field_type.append(_french_analyzer("query", synonyms=True))
            return
    raise ValueError("CKAN's schema has no 'text' field type to make French")


def dataset_fields(root: etree._Element) -> None:
    fields = root.find("fields")
    fields = fields if fields is not None else root
    existing = {f.get("name") for f in root.iter("field")}
    anchor = fields.find("dynamicField")
    for spec in FIELDS:
        if spec["name"] in existing:
            continue
        element = etree.Element("field", spec)
        if anchor is not None:
            anchor.addprevious(element)
        else:
            fields.append(element)


TRANSFORMS = [french_text, dataset_fields]
# Resource files the transforms refer to: name -> content.
RESOURCES = {"elisions_fr.txt": "\n".join(ELISION_ARTICLES.split(",")) + "\n"}
