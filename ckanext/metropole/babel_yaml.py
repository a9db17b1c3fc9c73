"""Babel extractor for the user-facing texts of our YAML files (scheming schemas,
vocabularies: themes, frequencies, table schemas, review criteria, common datasets, the metadata
quality indicators): the values of the keys below, which scheming (``scheming_language_text``) and
our vocabularies pass through gettext. Named in babel.cfg by its dotted path."""

from __future__ import annotations

import re

import yaml

# Example values, not prose (a slug, a code, an e-mail, a URL): nothing to translate
NOT_PROSE = re.compile(r"[a-z0-9.@:/_-]*")
KEYS = {
    "label",
    "help_text",
    "form_placeholder",
    "repeating_label",
    "description",
    "about",
    "hint",  # config/mqa.yaml
    "help",  # config/review_criteria.yaml
    "title",
}  # config/common_datasets.yaml


def _walk(node, found):
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            if (
                isinstance(key, yaml.ScalarNode)
                and key.value in KEYS
                and isinstance(value, yaml.ScalarNode)
                and value.value.strip()
                and not NOT_PROSE.fullmatch(value.value.strip())
            ):
                found.append((value.start_mark.line + 1, value.value))
            else:
                _walk(value, found)
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            _walk(item, found)


def extract_yaml(fileobj, keywords, comment_tags, options):
    found: list[tuple[int, str]] = []
    _walk(yaml.compose(fileobj.read().decode(options.get("encoding", "utf-8"))), found)
    for line, text in found:
        yield line, "_", text, []
