"""Malformed input never gives a traceback, only deerhabitat errors; a failed import never changes the store.

hypothesis generates random bytes, truncated valid files, tables with wrong types, NaNs, huge numbers and
markup, and GeoJSON with odd geometries. Each example imports into a fresh copy of a store.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_builders import put, sha

from deerhabitat.errors import DeerHabitatError
from deerhabitat.io import Store
from deerhabitat.workflows import ImportOptions, export_layer, import_layer, validate_file

SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
KINDS = ["sites", "population-counts", "protected-areas", "releases", "gbif", "wdpa"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("fuzz")
    template = Store.create(root / "template.gpkg")
    put(template, "range-states")
    put(template, "sites")
    for ext in ("csv", "geojson", "xlsx", "kml"):
        export_layer("sites", root / f"valid.{ext}", store=template.path)
    return root


def attempt(workspace: Path, kind: str, name: str, data: bytes) -> None:
    """Import ``data`` as file ``name``: a deerhabitat error leaves the store as it was, success readable."""
    folder = Path(tempfile.mkdtemp(dir=workspace))
    store = folder / "deer.gpkg"
    shutil.copyfile(workspace / "template.gpkg", store)
    path = folder / name
    path.write_bytes(data)
    before = sha(store)
    options = ImportOptions(max_distance_km=25.0)
    report = validate_file(kind, path, store=store, options=options)
    assert sha(store) == before
    try:
        import_layer(kind, path, store=store, options=options)
    except DeerHabitatError as exc:
        assert sha(store) == before
        assert str(exc) and "Traceback" not in str(exc)
        assert not report.ok, f"validate accepted what import refused: {exc}"
    else:
        assert report.ok, [str(f) for f in report.errors]
        assert len(Store(store).read(report.kind)) >= report.accepted
    shutil.rmtree(folder)


@SETTINGS
@given(
    data=st.binary(max_size=3000),
    ext=st.sampled_from(["csv", "geojson", "gpkg", "shp", "zip", "fgb", "parquet", "kml", "xlsx", "tsv"]),
    kind=st.sampled_from(KINDS),
)
def test_random_bytes(workspace, data, ext, kind):
    attempt(workspace, kind, f"input.{ext}", data)


@SETTINGS
@given(
    ext=st.sampled_from(["csv", "geojson", "xlsx", "kml"]),
    cut=st.floats(0.0, 1.0),
    flip=st.integers(0, 255),
    at=st.floats(0.0, 1.0),
)
def test_truncated_and_corrupted_valid_files(workspace, ext, cut, flip, at):
    good = (workspace / f"valid.{ext}").read_bytes()
    data = bytearray(good[: int(len(good) * cut)])
    if data:
        data[int((len(data) - 1) * at)] = flip
    attempt(workspace, "sites", f"input.{ext}", bytes(data))


CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "<script>alert(1)</script>",
            "=1+1",
            "NaN",
            "inf",
            "-inf",
            "1e309",
            "",
            " ",
            "null",
            "2999-12-31",
            "0x10",
            "Тигровая",
            "\u202e",
            "\x00",
        ]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
SITE_COLUMNS = ["site_id", "name", "iso3", "status", "source", "longitude", "latitude"]
COUNT_COLUMNS = [
    "count_id",
    "site_id",
    "date",
    "count",
    "method",
    "captive",
    "source",
    "longitude",
    "latitude",
]


@SETTINGS
@given(
    columns=st.sampled_from([SITE_COLUMNS, COUNT_COLUMNS]),
    rows=st.lists(st.lists(CELL, min_size=5, max_size=10), max_size=6),
    delimiter=st.sampled_from([",", ";", "\t"]),
)
def test_tables_with_wrong_types(workspace, columns, rows, delimiter):
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(columns)
    writer.writerows(rows)
    kind = "sites" if columns is SITE_COLUMNS else "population-counts"
    attempt(workspace, kind, "input.csv", buffer.getvalue().encode("utf-8", errors="surrogatepass"))


COORD = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.floats(-180, 180),
    st.sampled_from([1e308, -1e308, 0.0, 500000.0, 4400000.0]),
)
POSITION = st.lists(COORD, min_size=2, max_size=3)
GEOMETRY = st.one_of(
    st.none(),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, POSITION),
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, st.lists(POSITION, max_size=4)),
    st.builds(
        lambda c: {"type": "Polygon", "coordinates": [c + c[:1]]}, st.lists(POSITION, min_size=0, max_size=5)
    ),
    st.builds(lambda c: {"type": "MultiPoint", "coordinates": c}, st.lists(POSITION, max_size=3)),
    st.builds(
        lambda g: {"type": "GeometryCollection", "geometries": g},
        st.lists(st.builds(lambda c: {"type": "Point", "coordinates": c}, POSITION), max_size=2),
    ),
    st.sampled_from(
        [{"type": "Point"}, {"type": "Nonsense", "coordinates": []}, {"coordinates": [1, 2]}, "x", 7]
    ),
)
VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(),
    st.text(max_size=20),
    st.lists(st.integers(), max_size=2),
    st.sampled_from(["UZB", "native", "census", "2019", "a"]),
)


@SETTINGS
@given(
    features=st.lists(
        st.fixed_dictionaries(
            {
                "type": st.just("Feature"),
                "properties": st.dictionaries(
                    st.sampled_from(SITE_COLUMNS[:5] + COUNT_COLUMNS[:7] + ["NAME", "x"]), VALUE, max_size=8
                ),
                "geometry": GEOMETRY,
            }
        ),
        max_size=5,
    ),
    kind=st.sampled_from(KINDS),
    crs=st.sampled_from([None, "EPSG:32642", "EPSG:nonsense"]),
)
def test_geojson_with_odd_geometries_and_values(workspace, features, kind, crs):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    attempt(workspace, kind, "input.geojson", json.dumps(data, allow_nan=True).encode("utf-8"))
