"""Schema validation: every error path, each reported with the feature id, all at once."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.errors import Problem, SchemaError
from deerhabitat.schema import (
    IUCN_CATEGORIES,
    SPECS,
    LayerKind,
    check_references,
    parse_date,
    validate_layer,
)

TODAY = dt.date(2026, 11, 24)


def sites(**overrides):
    data = {
        "site_id": ["a", "b"],
        "name": ["Tigrovaya Balka", "<img src=x onerror=alert(1)>"],
        "iso3": ["TJK", "UZB"],
        "status": ["native", "captive"],
        "source": ["facts §2", "facts §2"],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(
        data, geometry=[shapely.Point(68.5, 37.25), shapely.Point(69.29, 41.34)], crs=4326
    )


def counts(**overrides):
    data = {
        "count_id": ["c1", "c2"],
        "site_id": ["a", "a"],
        "date": ["2020", "2021-02"],
        "count": [408, 510],
        "lower": [None, 500],
        "upper": [None, 520],
        "method": ["estimate", "census"],
        "captive": ["false", "no"],
        "source": ["s", "s"],
    }
    data.update(overrides)
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(68.5, 37.25)] * 2, crs=4326)


def test_valid_sites_are_coerced_and_markup_is_kept_as_data():
    out = validate_layer(sites(), "sites", today=TODAY)
    assert out["name"].tolist()[1] == "<img src=x onerror=alert(1)>"
    assert str(out["site_id"].dtype) == "string"
    assert list(out.columns[:5]) == ["site_id", "name", "iso3", "status", "source"]


def test_counts_types_are_coerced():
    out = validate_layer(counts(), LayerKind.POPULATION_COUNTS, today=TODAY)
    assert out["count"].tolist() == [408, 510]
    assert str(out["count"].dtype) == "Int64"
    assert out["captive"].tolist() == [False, False]
    assert out["date"].tolist() == ["2020", "2021-02"]
    assert pd.isna(out["lower"].iloc[0]) and out["lower"].iloc[1] == 500


def test_the_input_is_not_modified():
    frame = counts()
    before = frame.copy()
    validate_layer(frame, "population-counts", today=TODAY)
    pd.testing.assert_frame_equal(frame, before)


def test_every_problem_is_reported_at_once_with_ids():
    bad = counts(count=[-3, 2.5], date=["2031", "yesterday"], method=["guess", "census"], site_id=[None, "a"])
    with pytest.raises(SchemaError) as info:
        validate_layer(bad, "population-counts", today=TODAY)
    problems = info.value.problems
    text = " | ".join(map(str, problems))
    assert "count_id='c1': count=-3 must be at least 0" in text
    assert "count_id='c2': count 2.5 is not a whole number" in text
    assert "count_id='c1': date '2031' is in the future" in text
    assert "count_id='c2': date 'yesterday' is not a date" in text
    assert "count_id='c1': method='guess' is not allowed (allowed: census, distance-sampling" in text
    assert "count_id='c1': site_id is missing (required)" in text
    assert len(problems) == 6


def test_missing_columns_are_named_with_the_columns_found():
    with pytest.raises(
        SchemaError,
        match=r"missing required column\(s\): status, source \(columns found: "
        r"site_id, name, iso3\)",
    ):
        validate_layer(sites().drop(columns=["status", "source"]), "sites")


def test_duplicate_ids():
    with pytest.raises(SchemaError, match=r"site_id='a': duplicate id \(rows 1 and 2\)"):
        validate_layer(sites(site_id=["a", "a"]), "sites")


def test_unknown_iso3_and_lowercase_status():
    with pytest.raises(SchemaError) as info:
        validate_layer(sites(iso3=["XXX", "UZB"], status=["Native", "captive"]), "sites")
    text = str(info.value)
    assert "iso3='XXX' is not an ISO 3166-1 alpha-3 code" in text
    assert "status='Native' is not allowed (allowed: native, reintroduced, introduced, captive)" in text


def test_missing_id_is_reported_by_row():
    with pytest.raises(SchemaError, match=r"row 2: site_id is missing"):
        validate_layer(sites(site_id=["a", None]), "sites")


@pytest.mark.parametrize(
    ("geometry", "message"),
    [
        (shapely.LineString([(0, 0), (1, 1)]), "geometry is a LineString; a sites feature must be Point"),
        (shapely.Point(), "geometry is empty"),
        (None, "geometry is missing"),
        (shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)]), "geometry is invalid (Self-intersection"),
    ],
)
def test_geometry_problems(geometry, message):
    frame = sites()
    frame.loc[0, "geometry"] = geometry
    with pytest.raises(SchemaError) as info:
        validate_layer(frame, "sites")
    assert message in str(info.value)


def test_releases_need_a_source_and_positive_numbers():
    releases = gpd.GeoDataFrame(
        {
            "release_id": ["r1"],
            "site_id": ["a"],
            "source_site_id": [None],
            "source_name": [None],
            "date": ["1976"],
            "n_released": [0],
            "source": ["s"],
        },
        geometry=[None],
        crs=4326,
    )
    with pytest.raises(SchemaError) as info:
        validate_layer(releases, "releases")
    text = str(info.value)
    assert "n_released=0 must be greater than 0" in text
    assert "give source_site_id or source_name" in text


def test_releases_may_have_no_geometry():
    releases = gpd.GeoDataFrame(
        {
            "release_id": ["r1"],
            "site_id": ["a"],
            "source_site_id": [None],
            "source_name": ["Romit reserve"],
            "date": [1976],
            "n_released": [3],
            "source": ["s"],
        },
        geometry=[None],
        crs=4326,
    )
    out = validate_layer(releases, "releases")
    assert out["date"].tolist() == ["1976"]


def test_lower_upper_must_bracket_the_count():
    with pytest.raises(SchemaError, match=r"lower <= count <= upper does not hold \(600, 510, 520\)"):
        validate_layer(counts(lower=[None, 600]), "population-counts", today=TODAY)


@pytest.mark.parametrize("category", IUCN_CATEGORIES)
def test_every_iucn_category_is_accepted(category):
    pas = gpd.GeoDataFrame(
        {
            "pa_id": ["1"],
            "name": ["x"],
            "designation": ["Zapovednik"],
            "iucn_cat": [category],
            "status_year": [1938],
            "reported_area_km2": [497.0],
            "iso3": ["TJK"],
            "source": ["s"],
        },
        geometry=[shapely.box(68, 37, 69, 38)],
        crs=4326,
    )
    assert validate_layer(pas, "protected-areas")["iucn_cat"].tolist() == [category]


@pytest.mark.parametrize(("column", "value"), [("presence", 7), ("origin", 0), ("seasonal", 6)])
def test_iucn_range_codes_out_of_range(column, value):
    ranges = gpd.GeoDataFrame(
        {
            "range_id": ["h"],
            "name": ["x"],
            "period": ["historical"],
            "presence": [1],
            "origin": [1],
            "seasonal": [1],
            "iso3": [None],
            "source": ["s"],
        },
        geometry=[shapely.box(60, 40, 61, 41)],
        crs=4326,
    )
    ranges[column] = value
    with pytest.raises(SchemaError, match=rf"{column}={value} is not allowed"):
        validate_layer(ranges, "ranges")


def test_unknown_kind_lists_the_kinds():
    with pytest.raises(SchemaError, match=r"'deer' is not a layer kind; use one of: range-states, rivers"):
        LayerKind.parse("deer")


def test_check_references():
    frame = counts(site_id=["a", "zz"])
    assert check_references(frame, LayerKind.POPULATION_COUNTS, {"a"}) == [
        Problem(
            "count_id='c2'",
            "site_id='zz' is not a site in the store; import the site first or correct the id",
        )
    ]
    assert check_references(frame, LayerKind.SITES, set()) == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2009, "2009"),
        ("2009", "2009"),
        ("2009-5", "2009-05"),
        ("2009-05-15", "2009-05-15"),
        (2009.0, "2009"),
        (dt.date(2019, 10, 1), "2019-10-01"),
        ("2019-10-01T00:00:00", "2019-10-01"),
    ],
)
def test_parse_date(value, expected):
    assert parse_date(value, today=TODAY) == expected


@pytest.mark.parametrize("value", ["2019-13", "2019-02-30", "19", "2027", "May 2009", "1600"])
def test_parse_date_refuses(value):
    with pytest.raises(ValueError):
        parse_date(value, today=TODAY)


@given(st.one_of(st.text(max_size=12), st.integers(), st.floats(allow_nan=True), st.none(), st.booleans()))
def test_validation_never_fails_other_than_schema_error(value):
    frame = counts(count=[value, 1], date=[value, "2020"], captive=[value, True])
    try:
        validate_layer(frame, "population-counts", today=TODAY)
    except SchemaError as exc:
        assert exc.problems


def test_specs_cover_every_kind_with_id_first_and_source():
    for kind, spec in SPECS.items():
        assert spec.columns[0].name == spec.id_column
        assert spec.kind is kind
        assert kind in (LayerKind.RANGE_STATES, LayerKind.RIVERS) or "source" in spec.column_names


def test_period_order_puts_historical_first_then_other_names_then_years():
    from deerhabitat.schema import latest_period, period_order

    periods = ["2020", '2002 <b>"&', "Historical", "2002", "1990s", "2020"]
    assert period_order(periods) == ["Historical", "1990s", '2002 <b>"&', "2002", "2020"]
    assert latest_period(periods) == "2020"
