"""Protected by construction: no table built from the public publication data shows an exact wild position.

The world is the hostile one of ``publish_builders`` with, in addition, exact positions written in text
(decimal pairs, a degree with its hemisphere, degrees-minutes-seconds) in a site name, a release's source,
a count's source and the provenance note, and a source file given by its local path. The publication is
made by the real workflow (snapshot, analyses, profile). hypothesis then builds tables from any frame of
it, with any selection of columns and any formatting of its numbers, and searches the CSV and the cells
for every exact position in every plausible formatting.
"""

from __future__ import annotations

import json
import re

import geopandas as gpd
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from publish_builders import EXACT_WILD, W3_CENTRE, coordinate_patterns, exact_points, make_layers

from deerhabitat.io import Provenance, Store
from deerhabitat.io.csv_safe import csv_text
from deerhabitat.publish.table import make_table
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.maps import prepare_publication


def dms(value: float, seconds_digits: int) -> tuple[int, int, float]:
    """Degrees, minutes and seconds of a coordinate's absolute value."""
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, seconds_digits)
    return degrees, minutes, seconds


def dms_text(value: float, seconds_digits: int = 1) -> str:
    """``40°39'15.6"`` (the hemisphere is left to the caller)."""
    d, m, s = dms(value, seconds_digits)
    return f"{d}°{m:02d}'{s:0{3 + seconds_digits if seconds_digits else 2}.{seconds_digits}f}\""


def dms_patterns(lon: float, lat: float) -> list[re.Pattern]:
    """A coordinate written in degrees, minutes and seconds (any prime marks and spacing)."""
    out = []
    for value in (lon, lat):
        for digits in (0, 1, 2):
            d, m, s = dms(value, digits)
            seconds = f"{s:.{digits}f}".replace(".", r"[.,]")
            out.append(re.compile(rf"(?<!\d){d}\s*°\s*0?{m}\s*['′’]\s*0?{seconds}(?!\d)"))
    return out


POSITIONS = [*exact_points(), W3_CENTRE]
"""Every exact wild position: point sites, the polygon site's vertices and its centre (counted there)."""
PATTERNS = [p for lon, lat in POSITIONS for p in (*coordinate_patterns(lon, lat), *dms_patterns(lon, lat))]

W1_LON, W1_LAT = EXACT_WILD["w1"]
W2_LON, W2_LAT = EXACT_WILD["w2"]
TEXT_POSITIONS = {
    "site_name": f"Polygon site, centre {W3_CENTRE[1]:.6f} N {W3_CENTRE[0]:.6f} E",
    "release_source": f"Farm at {dms_text(W1_LAT)}N {dms_text(W1_LON)}E",
    "count_source": f"GPS {W2_LAT:.5f}, {W2_LON:.5f}",
    "provenance_note": f"collar fix {W1_LAT:.4f}° N; {W1_LON:.4f}° E",
}


def _world() -> dict[LayerKind, gpd.GeoDataFrame]:
    layers = make_layers()
    sites = layers[LayerKind.SITES].copy()
    sites.loc[sites["site_id"] == "w3", "name"] = TEXT_POSITIONS["site_name"]
    releases = layers[LayerKind.RELEASES].copy()
    releases.loc[releases["release_id"] == "r3", "source_name"] = TEXT_POSITIONS["release_source"]
    counts = layers[LayerKind.POPULATION_COUNTS].copy()
    counts.loc[counts["count_id"] == "c3", "source"] = TEXT_POSITIONS["count_source"]
    return {
        **layers,
        LayerKind.SITES: sites,
        LayerKind.RELEASES: releases,
        LayerKind.POPULATION_COUNTS: counts,
    }


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    path = tmp_path_factory.mktemp("privacy") / "world.gpkg"
    store = Store.create(path)
    provenance = Provenance("/home/ana/field data/sites.csv", note=TEXT_POSITIONS["provenance_note"])
    with store.transaction() as tx:
        for kind, frame in _world().items():
            tx.write(kind, frame, provenance=provenance, mode="replace")
    return prepare_publication(path, "public")


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame as table data: geometry as WKT (the published positions), nested values as JSON."""
    out = pd.DataFrame(frame).copy()
    for column in out.columns:
        if isinstance(out[column].dtype, gpd.array.GeometryDtype):
            out[column] = gpd.GeoSeries(out[column]).to_wkt()
        elif out[column].map(lambda v: isinstance(v, (dict, list))).any():
            out[column] = out[column].map(lambda v: json.dumps(v, ensure_ascii=False, default=str))
    return out.reset_index(drop=True)


def _frames(publication) -> dict[str, pd.DataFrame]:
    data = publication.data
    frames = {f"layer:{kind.value}": frame for kind, frame in data.layers.items()}
    frames |= {f"table:{name}": frame for name, frame in data.tables.items()}
    frames |= {"site_years": data.site_years, "reports": data.reports, "provenance": data.provenance}
    return {name: _plain(frame) for name, frame in frames.items() if frame is not None and len(frame)}


def _format(value: object, style: str) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or pd.isna(value):
        return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    if style == "dms":
        return dms_text(float(value), 1)
    if style == "repr":
        return repr(value)
    return f"{float(value):.{int(style)}f}"


STYLES = st.sampled_from(["repr", "dms", "2", "3", "4", "5", "6"])


def test_the_world_writes_positions_in_text_and_the_patterns_find_them():
    written = " ".join(TEXT_POSITIONS.values())
    assert any(p.search(written) for p in PATTERNS)
    assert all(any(p.search(text) for p in PATTERNS) for text in TEXT_POSITIONS.values())


def test_the_internal_publication_keeps_them(tmp_path):
    path = tmp_path / "world.gpkg"
    store = Store.create(path)
    with store.transaction() as tx:
        for kind, frame in _world().items():
            tx.write(kind, frame, provenance=Provenance("x"), mode="replace")
    frames = _frames(prepare_publication(path, "internal"))
    text = "\n".join(csv_text(frame) for frame in frames.values())
    assert TEXT_POSITIONS["site_name"] in text and TEXT_POSITIONS["count_source"] in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), style=STYLES)
def test_no_table_built_from_the_public_publication_carries_an_exact_position(publication, data, style):
    frames = _frames(publication)
    name = data.draw(st.sampled_from(sorted(frames)), label="frame")
    frame = frames[name]
    columns = data.draw(
        st.lists(st.sampled_from(list(frame.columns)), min_size=1, max_size=len(frame.columns), unique=True),
        label="columns",
    )
    chosen = frame[columns]
    display = chosen.apply(lambda column: column.map(lambda v: _format(v, style)))
    table = make_table("sources", "any", display, chosen)
    assert table is not None
    written = "\n".join([csv_text(table.data), *(text for row in table.rows() for text, _ in row)])
    hits = [p.pattern for p in PATTERNS if p.search(written)]
    assert not hits, f"{name}[{columns}] formatted {style!r}: {hits}"


def test_every_frame_is_searched_whole(publication):
    """The same search over every frame whole, every number in every style (no sampling)."""
    for name, frame in _frames(publication).items():
        for style in ("repr", "dms", "2", "4", "6"):
            text = csv_text(frame.apply(lambda column, s=style: column.map(lambda v: _format(v, s))))
            hits = [p.pattern for p in PATTERNS if p.search(text)]
            assert not hits, f"{name} formatted {style!r}: {hits}"


def test_source_files_are_named_by_file_name_only(publication):
    provenance = publication.data.provenance
    assert set(provenance["source_file"]) == {"sites.csv"}
    assert "/home/ana" not in csv_text(provenance)
