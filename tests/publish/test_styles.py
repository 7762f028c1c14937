"""Styles, legends, popup formatting and proportional symbols."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.publish.styles import (
    DEFAULT_STYLES,
    SITE_STYLE,
    STATUS_COLOURS,
    Field,
    coverage_class,
    coverage_style,
    proportional_radius_px,
    range_style,
    size_legend_values,
)
from deerhabitat.schema import SITE_STATUSES, TABLE_KINDS


def test_every_layer_kind_has_a_style():
    assert set(DEFAULT_STYLES) == set(TABLE_KINDS)


def test_site_statuses_each_have_their_own_colour():
    assert [value for value, _ in SITE_STYLE.categories] == list(SITE_STATUSES)
    assert len(set(STATUS_COLOURS.values())) == len(SITE_STATUSES)
    assert SITE_STYLE.symbol_index("captive") == 4 and SITE_STYLE.symbol_index("unknown") == 0


def test_legend_lists_only_the_categories_used_default_last():
    assert [s.label for s in SITE_STYLE.legend([2, 0])] == ["Reintroduced population", "Site (other status)"]
    assert len(SITE_STYLE.legend()) == 4


def test_range_periods_are_ordered_historical_first_then_by_year():
    style = range_style(["2020", "historical", "2002", "1990"])
    assert [value for value, _ in style.categories] == ["historical", "1990", "2002", "2020"]
    assert style.categories[0][1].dash
    assert style.categories[-1][1].fill == "#00441b"


@pytest.mark.parametrize(
    ("fraction", "label"),
    [
        (0.0, "0–10 %"),
        (0.0999, "0–10 %"),
        (0.10, "10–17 %"),
        (0.17, "17–30 %"),
        (0.5, "50–100 %"),
        (1.0, "50–100 %"),
        (None, "no range"),
        (float("nan"), "no range"),
    ],
)
def test_coverage_classes(fraction, label):
    assert coverage_class(fraction) == label
    assert label == "no range" or coverage_style().symbol_index(label) > 0


@pytest.mark.parametrize(
    ("field", "value", "text"),
    [
        (Field("n", "N"), 1234, "1,234"),
        (Field("n", "N"), 12.0, "12"),
        (Field("a", "A", unit="km²", digits=1), 0.04, "0.0 km²"),
        (Field("p", "P", codes=((1, "Extant"),)), 2, "2"),
        (Field("b", "B"), True, "yes"),
        (Field("t", "T"), "<b>x</b>", "<b>x</b>"),
        (Field("t", "T", unit="km"), None, ""),
        (Field("t", "T"), float("nan"), ""),
    ],
)
def test_field_format(field, value, text):
    assert field.format(value) == text


@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(1, 1e6))
def test_proportional_radius_grows_with_the_count_and_stays_in_bounds(a, b, top):
    ra, rb = proportional_radius_px(a, top), proportional_radius_px(b, top)
    assert 4.0 <= ra <= 24.0 and 4.0 <= rb <= 24.0
    if a <= b:
        assert ra <= rb


def test_proportional_radius_area_is_proportional_to_the_count():
    r100, r400 = proportional_radius_px(100, 400, min_px=0), proportional_radius_px(400, 400, min_px=0)
    assert math.isclose((r400 / r100) ** 2, 4.0)


@given(st.floats(1, 1e7))
def test_size_legend_values_are_round_and_not_above_the_largest_count(top):
    values = size_legend_values(top)
    assert values and max(values) <= top
    for v in values:
        assert str(v).lstrip("0")[0] in "125" and set(str(v)[1:]) <= {"0"}
