"""Geometry of the dashboard's charts, in SVG user units; the templates draw it (no script).

Amounts stay integers in minor units until the axis labels are formatted; coordinates are plain
numbers of the viewBox. Each chart also carries its data as rows, which the template shows as a
table for screen readers and for anyone who wants the numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from lawledger.core.money import format_minor_grouped

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 112, 24, 16, 48  # margins: room for the axis labels
LABEL_GAP = 26  # from the plot's bottom to the baseline of the category labels


def _nice_ceiling(value: int) -> int:
    """The smallest 1, 2 or 5 × 10^n at or above `value` (an axis top that reads well)."""
    if value <= 0:
        return 1
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def _scale(low: int, high: int) -> tuple[int, int]:
    top = _nice_ceiling(high) if high > 0 else 0
    bottom = -_nice_ceiling(-low) if low < 0 else 0
    if top == bottom:
        top = bottom + 1
    return bottom, top


def _y(value: int, bottom: int, top: int) -> float:
    plot = HEIGHT - TOP - BOTTOM
    return round(TOP + plot * (top - value) / (top - bottom), 1)


def _axis(bottom: int, top: int, currency: str | None) -> list[dict[str, Any]]:
    ticks = []
    steps = 4 if (top - bottom) % 4 == 0 else 1  # never two ticks with the same label
    for step in range(steps + 1):
        value = bottom + (top - bottom) * step // steps
        label = format_minor_grouped(value, currency) if currency else f"{value} %"
        ticks.append({"y": _y(value, bottom, top), "label": label})
    return ticks


def _short(label: str, *, last: bool) -> str:
    """An axis label: "Nov 2025" for a month end, "Today" for the last point."""
    if last:
        return "Today"
    return dt.date.fromisoformat(label).strftime("%b %Y")


def line_chart(series: dict[str, Any]) -> dict[str, Any]:
    """A line through (label, amount_minor) points, with the area under it."""
    points = series["points"]
    values = [value for _, value in points]
    bottom, top = _scale(min([0, *values]), max([0, *values]))
    plot_width = WIDTH - LEFT - RIGHT
    step = plot_width / max(len(points) - 1, 1)
    coords = [(round(LEFT + index * step, 1), _y(value, bottom, top))
              for index, value in enumerate(values)]
    line = " ".join(f"{x},{y}" for x, y in coords)
    base_y = _y(max(bottom, 0), bottom, top)
    area = f"{LEFT},{base_y} {line} {coords[-1][0]},{base_y}" if coords else ""
    currency = series["currency"]
    return {"title": series["title"], "width": WIDTH, "height": HEIGHT, "left": LEFT,
            "right": WIDTH - RIGHT, "line": line, "area": area, "baseline": base_y,
            "ticks": _axis(bottom, top, currency),
            "dots": [{"x": x, "y": y, "label": _short(label, last=index == len(points) - 1),
                      "anchor": "end" if index == len(points) - 1
                      else "start" if index == 0 else "middle",
                      "value": format_minor_grouped(value, currency),
                      "show_label": (index % 4 == 0 and index + 4 <= len(points))
                      or index == len(points) - 1, "label_y": HEIGHT - BOTTOM + LABEL_GAP}
                     for index, ((x, y), (label, value)) in enumerate(zip(coords, points,
                                                                          strict=True))],
            "rows": [{"label": label, "value": format_minor_grouped(value, currency)}
                     for label, value in points]}


def bar_chart(series: dict[str, Any]) -> dict[str, Any]:
    """Vertical bars of (label, amount_minor)."""
    bars = series["bars"]
    bottom, top = _scale(0, max([0, *(value for _, value in bars)]))
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(bars), 1)
    base_y = _y(0, bottom, top)
    currency = series["currency"]
    drawn = []
    for index, (label, value) in enumerate(bars):
        y = _y(value, bottom, top)
        drawn.append({"x": round(LEFT + index * slot + slot * 0.15, 1), "y": y,
                      "width": round(slot * 0.7, 1), "height": round(base_y - y, 1),
                      "center": round(LEFT + index * slot + slot / 2, 1), "label": label,
                      "value": format_minor_grouped(value, currency),
                      "label_y": HEIGHT - BOTTOM + LABEL_GAP})
    return {"title": series["title"], "width": WIDTH, "height": HEIGHT, "left": LEFT,
            "right": WIDTH - RIGHT, "baseline": base_y, "ticks": _axis(bottom, top, currency),
            "bars": drawn, "empty": not any(value for _, value in bars),
            "rows": [{"label": b["label"], "value": b["value"]} for b in drawn]}


def percent_bars(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Paired bars per month: billing and collection realization, 0–100 % (more is clipped)."""
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(months), 1)
    base_y = _y(0, 0, 100)
    groups = []
    for index, month in enumerate(months):
        pair = []
        for offset, key, css in ((0.1, "billing_percent", "billed"),
                                 (0.5, "collection_percent", "collected")):
            value = month[key]
            y = _y(min(value or 0, 100), 0, 100)
            pair.append({"x": round(LEFT + index * slot + slot * offset, 1), "y": y,
                         "width": round(slot * 0.38, 1), "height": round(base_y - y, 1),
                         "css": css, "value": "—" if value is None else f"{value} %"})
        groups.append({"label": month["month"], "center": round(LEFT + index * slot + slot / 2, 1),
                       "label_y": HEIGHT - BOTTOM + LABEL_GAP, "bars": pair})
    return {"title": "Realization by month of invoice", "width": WIDTH, "height": HEIGHT,
            "left": LEFT, "right": WIDTH - RIGHT, "baseline": base_y,
            "ticks": _axis(0, 100, None), "groups": groups,
            "rows": [{"label": m["month"], "billed": "—" if m["billing_percent"] is None
                      else f"{m['billing_percent']} %",
                      "collected": "—" if m["collection_percent"] is None
                      else f"{m['collection_percent']} %"} for m in months]}
