"""Occurrences per year by country, protected area and range period, counted in batches."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.occurrence_summary import OccurrenceTally, OccurrenceZones, count_occurrences


def _zones(pas=None):
    countries = gpd.GeoDataFrame(
        {"iso3": ["UZB", "TJK"]},
        geometry=[shapely.box(60, 38, 65, 42), shapely.box(65, 36, 70, 40)],
        crs="EPSG:4326",
    )
    if pas is None:
        pas = gpd.GeoDataFrame(
            {"pa_id": ["big", "core", "far"], "name": ["Big", "Core", "Far"]},
            geometry=[shapely.box(61, 39, 63, 41), shapely.box(62, 40, 63, 41), shapely.box(66, 37, 67, 38)],
            crs="EPSG:4326",
        )
    ranges = gpd.GeoDataFrame(
        {"period": ["historical", "historical", "2020"]},
        geometry=[shapely.box(60, 38, 64, 42), shapely.box(64, 36, 70, 40), shapely.box(62, 39, 63, 41)],
        crs="EPSG:4326",
    )
    return OccurrenceZones(countries, pas, ranges)


def _batch(rows):
    """Occurrences from (lon, lat, date, kind, animal_id) tuples."""
    return gpd.GeoDataFrame(
        {
            "occurrence_id": [str(i) for i in range(len(rows))],
            "date": [r[2] for r in rows],
            "kind": [r[3] for r in rows],
            "animal_id": [r[4] for r in rows],
        },
        geometry=shapely.points([(r[0], r[1]) for r in rows]),
        crs="EPSG:4326",
    )


ROWS = [
    (62.5, 40.5, "2021-03-01T10:00:00Z", "telemetry", "A"),  # UZB, in big and core, in both ranges
    (62.5, 40.6, "2021-03-01T12:00:00Z", "telemetry", "A"),  # same
    (61.5, 39.5, "2021-06-01", "camera-trap", None),  # UZB, big only, historical range only
    (66.5, 37.5, "2022", "observation", None),  # TJK, far, historical only
    (68.0, 39.0, "2022-01-01", "telemetry", "B"),  # TJK, no PA, historical only
    (50.0, 50.0, "2022-05-05", "sign", None),  # no state, no PA, no range
    (63.0, 41.0, "not a date", "specimen", None),  # on the corner of big/core/2020: inside
]


def test_counts_by_year_country_protected_area_and_period():
    tally = count_occurrences([_batch(ROWS[:3]), _batch(ROWS[3:])], _zones())
    by_year = tally.by_year()
    assert by_year["year"].tolist() == [2021, 2022, pd.NA] or by_year["year"].isna().tolist() == [
        False,
        False,
        True,
    ]
    assert by_year["occurrences"].tolist() == [3, 3, 1]
    assert by_year["telemetry"].tolist() == [2, 1, 0]
    assert by_year["inside_protected_areas"].tolist() == [3, 1, 1]
    assert by_year["outside_protected_areas"].tolist() == [0, 2, 0]
    by_pa = tally.by_protected_area()
    got = {(r.pa_id, None if pd.isna(r.year) else int(r.year)): r.occurrences for r in by_pa.itertuples()}
    assert got == {("big", 2021): 3, ("core", 2021): 2, ("far", 2022): 1, ("big", None): 1, ("core", None): 1}
    by_country = tally.by_country()
    got = {
        (r.iso3, None if pd.isna(r.year) else int(r.year)): (r.occurrences, r.animals)
        for r in by_country.itertuples()
    }
    assert got == {("UZB", 2021): (3, 1), ("TJK", 2022): (2, 1), (None, 2022): (1, 0), ("UZB", None): (1, 0)}
    by_period = tally.by_range_period()
    got = {
        (r.period, None if pd.isna(r.year) else int(r.year)): (r.inside_range, r.outside_range)
        for r in by_period.itertuples()
    }
    assert got[("2020", 2021)] == (2, 1) and got[("2020", 2022)] == (0, 3)
    assert got[("historical", 2022)] == (2, 1) and got[("historical", 2021)] == (3, 0)


def test_batches_give_the_same_tables_as_one_batch():
    whole = count_occurrences([_batch(ROWS)], _zones())
    parts = count_occurrences([_batch([r]) for r in ROWS], _zones())
    for name in ("by_year", "by_country", "by_protected_area", "by_range_period"):
        pd.testing.assert_frame_equal(getattr(whole, name)(), getattr(parts, name)())


def test_no_protected_area_and_no_range_still_counts():
    empty = gpd.GeoDataFrame({"pa_id": [], "name": []}, geometry=[], crs="EPSG:4326")
    zones = OccurrenceZones(
        empty.rename(columns={"pa_id": "iso3"}), empty, gpd.GeoDataFrame({"period": []}, geometry=[])
    )
    tally = count_occurrences([_batch(ROWS)], zones)
    assert tally.by_year()["inside_protected_areas"].sum() == 0
    assert tally.by_protected_area().empty and tally.by_range_period().empty
    assert tally.by_country()["iso3"].isna().all()


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(1, 300),
    cols=st.integers(1, 4),
    rows=st.integers(1, 4),
)
def test_per_area_counts_add_up_to_inside_when_areas_do_not_overlap(seed, n, cols, rows):
    rng = np.random.default_rng(seed)
    # a grid of non-overlapping areas with gaps between them, inside UZB
    boxes = [
        shapely.box(60 + i, 38 + j, 60 + i + 0.8, 38 + j + 0.8) for i in range(cols) for j in range(rows)
    ]
    pas = gpd.GeoDataFrame(
        {"pa_id": [f"p{k}" for k in range(len(boxes))], "name": ["x"] * len(boxes)},
        geometry=boxes,
        crs="EPSG:4326",
    )
    xy = rng.uniform([59.5, 37.5], [65, 42.5], (n, 2))
    batch = _batch([(x, y, f"{2000 + k % 3}-01-01", "observation", None) for k, (x, y) in enumerate(xy)])
    tally = OccurrenceTally(_zones(pas))
    tally.add(batch)
    inside = tally.by_year()["inside_protected_areas"].sum()
    assert tally.by_protected_area()["occurrences"].sum() == inside
    assert tally.by_year()["occurrences"].sum() == n
