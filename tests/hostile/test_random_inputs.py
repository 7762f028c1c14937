"""Random bytes, CSV and GeoJSON fed to every reader: success or one clear refusal, nothing else.

Properties checked for each generated file: the library raises nothing but a
:class:`~deerhabitat.errors.DeerHabitatError`; a refused import leaves the store byte-for-byte unchanged;
Python memory stays bounded (tracemalloc peak). A few cases go through the real command, which must exit
0 or print one ``Error:`` line, with no traceback, and stay under 500 MB.
"""

from __future__ import annotations

import hashlib
import json
import random
import shutil
import string
import tempfile
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deerhabitat.errors import DeerHabitatError
from deerhabitat.io import Store
from deerhabitat.workflows import ImportOptions, import_layer, national_report_validate
from deerhabitat.workflows.importing import IMPORT_KINDS

PEAK_MB = 200
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
EXTENSIONS = [".csv", ".tsv", ".geojson", ".json", ".xlsx", ".zip", ".kml", ".gpkg", ".fgb", ".parquet"]
COLUMNS = [
    "site_id",
    "name",
    "iso3",
    "status",
    "source",
    "longitude",
    "latitude",
    "count",
    "date",
    "wkt",
    "pa_id",
]


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return Store.create(tmp_path_factory.mktemp("template") / "deer.gpkg").path


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def import_outcome(kind: str, data: bytes, suffix: str, template: Path) -> str:
    """Import ``data`` as a ``suffix`` file into a copy of the store; check the properties."""
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "deer.gpkg"
        shutil.copyfile(template, store)
        source = Path(folder) / f"input{suffix}"
        source.write_bytes(data)
        before = sha(store)
        options = ImportOptions(max_distance_km=10 if kind == "gbif" else None)
        tracemalloc.start()
        try:
            import_layer(kind, source, store=store, options=options)
            outcome = "imported"
        except DeerHabitatError:
            assert sha(store) == before, "a refused import changed the store"
            outcome = "refused"
        finally:
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
        assert peak < PEAK_MB * 2**20, f"{peak / 2**20:.0f} MB of Python memory"
        return outcome


csv_cell = st.one_of(
    st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["", "TJK", "UZB", "native", "=1+1", "'=x", "2023-05", "POINT (66 40)", "NaN", "1e999"]),
)


@st.composite
def csv_files(draw) -> bytes:
    header = draw(st.lists(st.sampled_from(COLUMNS) | st.text(max_size=6), min_size=1, max_size=8))
    rows = draw(st.lists(st.lists(csv_cell, min_size=0, max_size=len(header) + 2), max_size=8))
    delimiter = draw(st.sampled_from([",", ";", "\t"]))
    lines = [delimiter.join(header), *(delimiter.join(r) for r in rows)]
    text = "\n".join(lines)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8-sig", "utf-16"])), errors="replace")


coordinate = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-1000, 1000), st.none(), st.text(max_size=3)
)
position = st.lists(coordinate, min_size=0, max_size=4)
geometry = st.one_of(
    st.none(),
    st.builds(lambda c: {"type": "Point", "coordinates": c}, position),
    st.builds(lambda c: {"type": "LineString", "coordinates": c}, st.lists(position, max_size=5)),
    st.builds(lambda c: {"type": "Polygon", "coordinates": [c]}, st.lists(position, max_size=6)),
    st.builds(lambda t: {"type": t}, st.text(max_size=10)),
)
json_value = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
properties = st.dictionaries(st.sampled_from(COLUMNS) | st.text(max_size=6), json_value, max_size=6)


@st.composite
def geojson_files(draw) -> bytes:
    features = draw(
        st.lists(
            st.builds(lambda g, p: {"type": "Feature", "geometry": g, "properties": p}, geometry, properties),
            max_size=5,
        )
    )
    return json.dumps({"type": "FeatureCollection", "features": features}).encode("utf-8")


@SETTINGS
@given(kind=st.sampled_from(IMPORT_KINDS), data=st.binary(max_size=2000), suffix=st.sampled_from(EXTENSIONS))
def test_random_bytes_in_every_format_and_kind(template, kind, data, suffix):
    import_outcome(kind, data, suffix, template)


@SETTINGS
@given(kind=st.sampled_from(IMPORT_KINDS), data=csv_files())
def test_random_csv_for_every_kind(template, kind, data):
    import_outcome(kind, data, ".csv", template)


@SETTINGS
@given(kind=st.sampled_from(IMPORT_KINDS), data=geojson_files())
def test_random_geojson_for_every_kind(template, kind, data):
    import_outcome(kind, data, ".geojson", template)


@SETTINGS
@given(
    data=st.binary(max_size=3000)
    | st.text(alphabet=string.printable + "&*:-[]{}!|>'\"", max_size=400).map(str.encode),
    suffix=st.sampled_from([".yaml", ".xlsx"]),
)
def test_random_national_reports(data, suffix):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"r{suffix}"
        path.write_bytes(data)
        try:
            check = national_report_validate(path)
        except DeerHabitatError:
            return
        assert isinstance(check.valid, bool)


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize(
    ("kind", "suffix"), [("sites", ".xlsx"), ("protected-areas", ".zip"), ("sites", ".geojson")]
)
def test_random_files_through_the_real_command(tmp_path, run_bounded, template, seed, kind, suffix):
    rng = random.Random(f"{seed}{kind}{suffix}")
    data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    if seed == 2:  # a real container (zip) or JSON around random content
        data = (
            b"PK\x03\x04" + data
            if suffix != ".geojson"
            else b'{"type": "FeatureCollection", "features": [' + data
        )
    (tmp_path / f"input{suffix}").write_bytes(data)
    shutil.copyfile(template, tmp_path / "deer.gpkg")
    before = sha(tmp_path / "deer.gpkg")
    result = run_bounded("import", kind, f"input{suffix}", "--store", "deer.gpkg")
    assert result.exit_code in (0, 1), result
    if result.exit_code == 1:
        result.error_line()
        assert sha(tmp_path / "deer.gpkg") == before
    assert result.peak_mb < 500, result
