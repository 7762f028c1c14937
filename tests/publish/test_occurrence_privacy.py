"""Occurrences and telemetry: the public publication has hexagon counts only, the internal one has tracks.

The world of ``publish_builders`` plus two collared deer (300 fixes each, a random walk near site w1, at
6-decimal positions), a GBIF-like camera-trap record and a lone record far away (so its hexagon has one
record and must be suppressed). Public maps (every map of ``build_maps``, rendered to HTML) and the
publication data are searched for every fix in every plausible formatting.
"""

from __future__ import annotations

import importlib
import json
import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from publish_builders import EXACT_WILD, coordinate_patterns, make_layers

from deerhabitat.config import StoreConfig
from deerhabitat.publish import ExactResults, prepare_data, render_map_html
from deerhabitat.publish.density import MIN_RECORDS, hex_density, telemetry_tracks
from deerhabitat.publish.layers import encode_map
from deerhabitat.publish.maps import build_maps

LONE = (59.876543, 42.123457)


def telemetry() -> gpd.GeoDataFrame:
    rng = np.random.default_rng(5)
    frames = []
    for animal, (lon, lat) in (("deer-A", EXACT_WILD["w1"]), ("deer-B", EXACT_WILD["w2"])):
        steps = rng.normal(0, 0.004, (300, 2)).cumsum(axis=0)
        xy = np.round(np.array([lon, lat]) + steps, 6)
        frames.append(
            pd.DataFrame(
                {
                    "occurrence_id": [f"{animal}-{i}" for i in range(300)],
                    "date": pd.date_range("2023-04-01", periods=300, freq="3h"),
                    "kind": "telemetry",
                    "animal_id": animal,
                    "source": "Movebank study 123",
                    "x": xy[:, 0],
                    "y": xy[:, 1],
                }
            ).sample(frac=1.0, random_state=1)  # stored out of time order
        )
    others = pd.DataFrame(
        {
            "occurrence_id": ["gbif:1", "gbif:2"],
            "date": pd.to_datetime(["2021-06-01", "2022-06-01"]),
            "kind": ["camera-trap", "observation"],
            "animal_id": [None, None],
            "source": ["GBIF", "GBIF"],
            "x": [EXACT_WILD["w1"][0] + 0.001, LONE[0]],
            "y": [EXACT_WILD["w1"][1], LONE[1]],
        }
    )
    table = pd.concat([*frames, others], ignore_index=True)
    return gpd.GeoDataFrame(
        table.drop(columns=["x", "y"]), geometry=shapely.points(table[["x", "y"]].to_numpy()), crs=4326
    )


FIXES = telemetry()
POSITIONS = [tuple(p) for p in shapely.get_coordinates(FIXES.geometry.values).tolist()]


@pytest.fixture(scope="module")
def publications():
    layers, config = make_layers(), StoreConfig()
    return {
        profile: prepare_data(layers, config, profile=profile, results=ExactResults(occurrences=FIXES))
        for profile in ("public", "internal")
    }


def test_public_data_has_only_hexagons_with_enough_records(publications):
    data = publications["public"]
    assert data.occurrences is None and data.tracks is None
    density = data.occurrence_density
    assert density.hexagons["records"].min() >= MIN_RECORDS
    # the lone record's hexagon is suppressed, and the note says how much was left out
    assert density.suppressed_records >= 1
    assert density.hexagons["records"].sum() + density.suppressed_records == len(FIXES)
    assert f"fewer than {MIN_RECORDS} records are not shown" in density.note
    lone = shapely.Point(LONE)
    assert not density.hexagons.geometry.covers(lone).any()
    assert set(density.hexagons.columns) == {"hex_id", "records", "geometry"}


def test_public_maps_and_data_contain_no_fix_position(publications):
    data = publications["public"]
    maps = build_maps(data)
    assert "occurrences" in [m.name for m in maps]
    html = "\n".join(render_map_html(m) for m in maps)
    text = html + data.occurrence_density.hexagons.to_json()
    assert "deer-A" not in text and "Movebank" not in text and "gbif:1" not in text
    # every pair of adjacent numbers written anywhere; then each fix at 2-6 decimals, in either order (a
    # single coordinate is no test here: among 600 fixes some share a 5-decimal longitude with a vertex)
    pairs = set(
        re.findall(r"(?=(?<![\d.])(-?\d{1,3}\.\d+)[\"']?\s*[,; ]\s*[\"']?(-?\d{1,3}\.\d+)(?!\d))", text)
    )
    hits = [
        (xy, d)
        for xy in [*POSITIONS, LONE]
        for d in range(2, 7)
        for lon, lat in [(f"{xy[0]:.{d}f}", f"{xy[1]:.{d}f}")]
        if (lon, lat) in pairs or (lat, lon) in pairs
    ]
    assert not hits, hits[:5]
    payload = json.dumps([encode_map(m) for m in maps])
    assert not [p.pattern for xy in POSITIONS[::50] for p in coordinate_patterns(*xy) if p.search(payload)]
    # no published vertex is a fix: every hexagon vertex lies on the grid, not on a record
    vertices = shapely.get_coordinates(data.occurrence_density.hexagons.geometry.values)
    fixes = np.array(POSITIONS)
    nearest = np.min(np.hypot(*(vertices[:, None, :] - fixes[None, :, :]).transpose(2, 0, 1)), axis=1)
    assert nearest.min() > 1e-5


def test_internal_maps_show_records_and_time_ordered_tracks(publications):
    data = publications["internal"]
    assert len(data.occurrences) == len(FIXES)
    tracks = data.tracks.set_index("animal_id")
    assert tracks["fixes"].to_dict() == {"deer-A": 300, "deer-B": 300}
    animal = FIXES[FIXES["animal_id"] == "deer-A"].sort_values("date")
    assert (
        shapely.get_coordinates(tracks.geometry["deer-A"]).tolist()
        == shapely.get_coordinates(animal.geometry.values).tolist()
    )
    (occurrences,) = [m for m in build_maps(data) if m.name == "occurrences"]
    ids = [layer.id for layer in occurrences.layers]
    assert {"occurrence-density", "telemetry-tracks", "occurrence-records"} <= set(ids)
    assert data.occurrence_density.suppressed_records == 0


def test_hexagons_count_exactly_and_are_equal_area():
    # points at known hexagon centres of a 10 km grid in a metric CRS: axial (q, r) -> centre
    crs = StoreConfig().crs
    radius = 10_000 / math.sqrt(3)
    centres = {(0, 0): 7, (1, 0): 5, (0, 1): 6, (-2, 3): 1}
    xy = [
        (radius * math.sqrt(3) * (q + r / 2) + dx, radius * 1.5 * r + dy)
        for (q, r), n in centres.items()
        for dx, dy in [(0, 0), (100, -200), (-2_000, 1_500), (3_000, 0), (0, -4_000), (1, 1), (-1, 2)][:n]
    ]
    points = gpd.GeoDataFrame(geometry=shapely.points(xy), crs=crs)
    density = hex_density(points, hex_m=10_000, crs=crs, min_records=5)
    assert dict(zip(density.hexagons["hex_id"], density.hexagons["records"], strict=True)) == {
        "-0,1": 6,
        "0,0": 7,
        "1,0": 5,
    } or dict(zip(density.hexagons["hex_id"], density.hexagons["records"], strict=True)) == {
        "0,1": 6,
        "0,0": 7,
        "1,0": 5,
    }
    assert (density.suppressed_records, density.suppressed_hexagons, density.total_records) == (1, 1, 19)
    areas = density.hexagons.to_crs(crs).area.to_numpy()
    np.testing.assert_allclose(areas, math.sqrt(3) / 2 * 10_000**2, rtol=1e-3)


def test_batches_give_the_same_bins_as_one_frame():
    crs = StoreConfig().crs
    whole = hex_density(FIXES, hex_m=10_000, crs=crs)
    batched = hex_density(
        lambda: (FIXES.iloc[i : i + 97] for i in range(0, len(FIXES), 97)), hex_m=10_000, crs=crs
    )
    pd.testing.assert_frame_equal(pd.DataFrame(whole.hexagons), pd.DataFrame(batched.hexagons))


def test_tracks_need_two_fixes_and_ignore_other_kinds():
    one = FIXES[FIXES["occurrence_id"].isin(["deer-A-0", "gbif:1", "gbif:2"])]
    assert telemetry_tracks(one).empty


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The real report workflow on a store whose occurrences are FIXES (read in batches of 128)."""
    from publish_builders import make_store

    from deerhabitat.workflows import report

    root = tmp_path_factory.mktemp("occurrence-report")
    make_store(root / "world.gpkg")

    def batches(snapshot):
        return (FIXES.iloc[i : i + 128].reset_index(drop=True) for i in range(0, len(FIXES), 128))

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importlib.import_module("deerhabitat.workflows.analyze"), "occurrence_batches", batches)
        patch.setattr(
            importlib.import_module("deerhabitat.workflows.maps"),
            "_occurrence_source",
            lambda snapshot: lambda: batches(snapshot),
        )
        for profile in ("public", "internal"):
            report(store=root / "world.gpkg", out=root / profile, profile=profile, dpi=50)
    return root


def _published_text(folder) -> str:
    return "\n".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file() and path.suffix in {".html", ".csv", ".json", ".svg", ".txt", ".js"}
    )


def test_public_report_files_contain_no_fix_position(reports):
    text = _published_text(reports / "public")
    assert (reports / "public" / "occurrences.html").is_file()
    assert "occurrences.html" in (reports / "public" / "index.html").read_text(encoding="utf-8")
    pairs = set(
        re.findall(r"(?=(?<![\d.])(-?\d{1,3}\.\d+)[\"']?\s*[,; ]\s*[\"']?(-?\d{1,3}\.\d+)(?!\d))", text)
    )
    hits = [
        (xy, d)
        for xy in [*POSITIONS, LONE]
        for d in range(2, 7)
        for lon, lat in [(f"{xy[0]:.{d}f}", f"{xy[1]:.{d}f}")]
        if (lon, lat) in pairs or (lat, lon) in pairs
    ]
    assert not hits, hits[:5]
    assert "deer-A-" not in text and "telemetry-tracks" not in text


def test_internal_report_shows_tracks(reports):
    page = (reports / "internal" / "occurrences.html").read_text(encoding="utf-8")
    assert "telemetry-tracks" in page and "occurrence-records" in page


@settings(max_examples=60, deadline=None)
@given(
    xy=st.lists(
        st.tuples(st.floats(-2e6, 2e6, allow_nan=False), st.floats(-2e6, 2e6, allow_nan=False)),
        min_size=1,
        max_size=50,
    ),
    hex_m=st.sampled_from([1_000.0, 10_000.0, 25_000.0]),
)
def test_each_point_is_binned_to_its_nearest_hexagon_centre_and_inside_it(xy, hex_m):
    from deerhabitat.publish.density import _axial, _hexagons

    x, y = np.array(xy).T
    radius = hex_m / math.sqrt(3)
    q, r = _axial(x, y, radius)
    cx, cy = radius * math.sqrt(3) * (q + r / 2), radius * 1.5 * r
    own = np.hypot(x - cx, y - cy)
    for dq, dr in [(1, 0), (-1, 0), (0, 1), (0, -1), (1, -1), (-1, 1)]:
        ncx, ncy = radius * math.sqrt(3) * (q + dq + (r + dr) / 2), radius * 1.5 * (r + dr)
        assert np.all(own <= np.hypot(x - ncx, y - ncy) + 1e-6 * hex_m)
    hexagons = _hexagons(q, r, radius)
    assert np.all(shapely.distance(hexagons, shapely.points(x, y)) <= 1e-6 * hex_m)
