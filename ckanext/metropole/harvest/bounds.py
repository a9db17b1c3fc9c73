"""Bounds on what one harvested dataset may carry (declared in config_declaration.yaml).

A source dataset with 20,000 keywords and 5,000 resources was once imported as is: a 9 MB page
rendered in 15 s for every visitor, and as many rows to index. Each bound trims the excess and
says so on the job page, naming the limit and the option that sets it. (A harvested dataset
carries no free-form extras: only our schema's fields, a fixed number.)
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from ..messages import N_

OPTION = "ckanext.metropole.harvest.{}"  # max_keywords, max_resources, max_…_chars: declared
# written as N_ calls so that they are extracted for translation (a plural of its own each)
KEYWORDS = N_("{count} keywords at the source, only the first {limit} kept (limit {option}).").msgid
RESOURCES = N_("{count} resources at the source, only the first {limit} kept (limit {option}).").msgid


def limit(name: str) -> int:
    return int(tk.config.get(OPTION.format(name)))


def _cut(text: str, size: int) -> str:
    return text if len(text) <= size else text[: size - 1].rstrip() + "…"


def apply(mapped) -> None:
    """Trim, in place, a mapped dataset (mapping.Mapped) to the bounds, with a note for each."""
    dataset, notes = mapped.dataset, mapped.notes
    for key, name, msgid in (("tags", "max_keywords", KEYWORDS), ("resources", "max_resources", RESOURCES)):
        items, most = dataset.get(key) or [], limit(name)
        if len(items) > most:
            dataset[key] = items[:most]
            notes.append(N_(msgid, count=len(items), limit=most, option=OPTION.format(name)))
    for key, name in (("title", "max_title_chars"), ("notes", "max_notes_chars")):
        _trim_field(dataset, key, key, limit(name), name, notes)
    most = limit("max_text_chars")
    for n, resource in enumerate(dataset.get("resources") or []):
        for key in ("name", "description"):
            _trim_field(resource, key, f"resources[{n}].{key}", most, "max_text_chars", notes)


def _trim_field(record: dict, key: str, label: str, most: int, name: str, notes: list) -> None:
    value = record.get(key)
    if isinstance(value, str) and len(value) > most:
        record[key] = _cut(value, most)
        notes.append(
            N_(
                "{field}: {size} characters at the source, cut to {limit} (limit {option}).",
                field=label,
                size=len(value),
                limit=most,
                option=OPTION.format(name),
            )
        )
