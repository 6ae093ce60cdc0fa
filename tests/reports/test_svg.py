"""Inline SVG charts: accessible, self-contained, escaped."""

from __future__ import annotations

import re

from escalation.reports.svg import Group, Series, bar_chart, column_chart

SERIES = [Series("first_response", "First response"), Series("resolution", "Resolution")]


def test_a_column_chart_is_an_accessible_image_with_its_figures():
    groups = [
        Group("2026-03", {"first_response": 66.7, "resolution": 0.0}),
        Group("2026-04", {"first_response": None, "resolution": 100.0}),
    ]
    svg = column_chart(chart_id="c", title="Attainment", description="Per month",
                       series=SERIES, groups=groups)  # fmt: skip
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Attainment</title>' in svg
    assert '<desc id="c-desc">Per month</desc>' in svg
    bars = re.findall(r'data-series="([^"]*)" data-label="([^"]*)" data-value="([^"]*)"', svg)
    assert bars == [
        ("first_response", "2026-03", "66.7"),
        ("resolution", "2026-03", "0"),
        ("resolution", "2026-04", "100"),
    ]
    assert "http" not in svg.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no assets
    assert "<script" not in svg


def test_labels_are_escaped():
    groups = [Group('<script>alert("x")</script>', {"first_response": 50.0})]
    svg = bar_chart(chart_id="h", title="A & B", description="<b>", series=SERIES[:1],
                    groups=groups)  # fmt: skip
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert '<title id="h-title">A &amp; B</title>' in svg
    # A bar half as long as the full width (360 px for 100 %).
    assert 'width="180.0"' in svg
