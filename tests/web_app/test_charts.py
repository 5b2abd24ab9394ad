"""The dashboard charts' geometry: axes that read well, points inside the plot, exact labels."""

from __future__ import annotations

from lawledger.dashboard import charts


def test_the_line_chart_scales_to_a_round_axis_and_labels_every_fourth_month() -> None:
    points = [(f"2026-{month:02d}-28", minor) for month, minor in
              zip(range(1, 6), (0, 40_000, 123_456, 90_000, 150_000), strict=True)]
    chart = charts.line_chart({"title": "Held", "currency": "USD", "points": points})
    assert [tick["label"] for tick in chart["ticks"]] == [
        "0.00", "500.00", "1,000.00", "1,500.00", "2,000.00"]
    ys = [dot["y"] for dot in chart["dots"]]
    assert (ys[0], ys[-1]) == (192.0, 60.0)  # plot 16..192: 1,500.00 of 2,000.00 is a quarter down
    assert [(d["label"], d["anchor"]) for d in chart["dots"] if d["show_label"]] == [
        ("Jan 2026", "start"), ("Today", "end")]
    assert chart["rows"][2] == {"label": "2026-03-28", "value": "1,234.56"}


def test_an_all_zero_bar_chart_is_empty_and_never_repeats_a_tick() -> None:
    chart = charts.bar_chart({"title": "Ageing", "currency": "USD",
                              "bars": [("Current", 0), ("30 days", 0)]})
    assert chart["empty"] is True
    assert [tick["label"] for tick in chart["ticks"]] == ["0.00", "0.01"]


def test_percent_bars_clip_above_a_hundred_and_show_a_dash_without_a_base() -> None:
    chart = charts.percent_bars([{"month": "Apr 2026", "billing_percent": 120,
                                  "collection_percent": None}])
    billed, collected = chart["groups"][0]["bars"]
    assert (billed["y"], billed["value"]) == (charts.TOP, "120 %")
    assert (collected["height"], collected["value"]) == (0.0, "—")
    assert chart["rows"] == [{"label": "Apr 2026", "billed": "120 %", "collected": "—"}]
