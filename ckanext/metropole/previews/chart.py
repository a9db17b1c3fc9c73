"""The chart view: bars of a numeric column by a label column, drawn on the server (SVG).

The columns are chosen from the values when the view's settings name none: the label is the
first column that is not a quantity (or a time column: années, dates), the value the first
numeric column that is not a code or a coordinate. Values are summed by label; the largest
``MAX_BARS`` are drawn, in time order for a time column.
"""

from __future__ import annotations

import ckan.plugins.toolkit as tk

from . import tabular

MAX_BARS = 20


def choose_columns(fields, records, label_field=None, value_field=None):
    numeric = tabular.numeric_fields(fields, records)
    quantities = [f for f in numeric if not tabular.CODE_NAME.search(f) and not tabular.TIME_NAME.search(f)]
    if value_field not in numeric:
        value_field = quantities[0] if quantities else None
    if label_field not in fields or label_field == value_field:
        times = [f for f in fields if tabular.TIME_NAME.search(f) and f != value_field]
        labels = [f for f in fields if f not in numeric and not tabular.CODE_NAME.search(f)]
        others = [f for f in fields if f not in numeric]
        label_field = (times or labels or others or [None])[0]
    return label_field, value_field


def data(resource_id: str, settings: dict | None = None, context: dict | None = None) -> dict:
    """What the chart draws; ``error`` (English msgid) when the table has nothing to chart."""
    settings = settings or {}
    limit = tk.config.get("ckanext.metropole.previews.chart_max_rows")
    table = tabular.read(resource_id, limit, context)
    label_field, value_field = choose_columns(
        table["fields"], table["records"], settings.get("label_field"), settings.get("value_field")
    )
    result = {
        "label_field": label_field,
        "value_field": value_field,
        "bars": [],
        "rows": len(table["records"]),
        "total": table["total"],
        "sampled": table["total"] > len(table["records"]),
        "error": None,
    }
    if not value_field or not label_field:
        result["error"] = "This table has no column of numbers to chart."
        return result
    sums: dict[str, float] = {}
    for record in table["records"]:
        value = tabular.to_number(record.get(value_field))
        if value is None:
            continue
        label = str(record.get(label_field) or "—").strip() or "—"
        sums[label] = sums.get(label, 0.0) + value
    if tabular.TIME_NAME.search(label_field):
        items = sorted(sums.items())[-MAX_BARS:]
    else:
        items = sorted(sums.items(), key=lambda kv: -kv[1])[:MAX_BARS]
    result["categories"] = len(sums)
    top = max((abs(v) for _, v in items), default=0) or 1
    result["bars"] = [
        {
            "label": label,
            "value": value,
            "share": abs(value) / top,
            "text": f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "\u202f").replace(".", ","),
        }
        for label, value in items
    ]
    return result


def can_view(resource: dict) -> bool:
    table = tabular.sample(resource)
    return bool(table) and all(choose_columns(table["fields"], table["records"]))
