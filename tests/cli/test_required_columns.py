"""A file with only the columns the schema requires imports, for every layer kind (the real command).

Columns whose values may be missing (``nullable`` in :mod:`deerhabitat.schema`) may be left out of a file;
a ``releases`` file needs one of ``source_site_id`` and ``source_name`` (design.md), not both.
"""

from __future__ import annotations

import json

import pytest

from deerhabitat.schema import SPECS, LayerKind

VALUES = {
    "iso3": "UZB",
    "name": "Kyzylkum",
    "source": "test",
    "river_id": "r1",
    "range_id": "g1",
    "period": "2020",
    "presence": 1,
    "origin": 1,
    "seasonal": 1,
    "pa_id": "p1",
    "designation": "Reserve",
    "iucn_cat": "Ia",
    "site_id": "s1",
    "status": "native",
    "release_id": "x1",
    "date": "2010",
    "n_released": 12,
    "count_id": "c1",
    "count": 40,
    "method": "census",
    "captive": "false",
    "source_site_id": "s1",
    "source_name": "Tigrovaya Balka",
    "occurrence_id": "o1",
    "kind": "observation",
    "longitude": 64.2,
    "latitude": 40.2,
}
SQUARE = [[[64.0, 40.0], [64.5, 40.0], [64.5, 40.5], [64.0, 40.5], [64.0, 40.0]]]
GEOMETRY = {
    LayerKind.RANGE_STATES: {"type": "Polygon", "coordinates": SQUARE},
    LayerKind.RIVERS: {"type": "LineString", "coordinates": [[64.0, 40.0], [64.5, 40.2]]},
    LayerKind.RANGES: {"type": "Polygon", "coordinates": SQUARE},
    LayerKind.PROTECTED_AREAS: {"type": "Polygon", "coordinates": SQUARE},
    LayerKind.SITES: {"type": "Point", "coordinates": [64.2, 40.2]},
}


def required_columns(kind: LayerKind) -> list[str]:
    return [c.name for c in SPECS[kind].columns if c.required and not c.nullable]


def write_file(tmp_path, kind: LayerKind, columns: list[str]):
    """GeoJSON for kinds with a geometry of their own, CSV without coordinates for releases and counts."""
    if kind in GEOMETRY:
        feature = {
            "type": "Feature",
            "properties": {c: VALUES[c] for c in columns},
            "geometry": GEOMETRY[kind],
        }
        path = tmp_path / f"{kind.value}.geojson"
        path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}), encoding="utf-8")
    else:
        if kind is LayerKind.OCCURRENCES:  # a table of points: the position in longitude/latitude
            columns = [*columns, "longitude", "latitude"]
        path = tmp_path / f"{kind.value}.csv"
        path.write_text(",".join(columns) + "\n" + ",".join(str(VALUES[c]) for c in columns) + "\n")
    return path


@pytest.fixture
def store(tmp_path, run_cli):
    """A new store holding the site that releases and counts refer to."""
    assert run_cli("init", "deer.gpkg").exit_code == 0
    sites = write_file(tmp_path, LayerKind.SITES, required_columns(LayerKind.SITES))
    assert run_cli("import", "sites", sites, "--store", "deer.gpkg").exit_code == 0
    return tmp_path / "deer.gpkg"


CASES = [(kind, required_columns(kind)) for kind in LayerKind if kind is not LayerKind.RELEASES] + [
    (LayerKind.RELEASES, [*required_columns(LayerKind.RELEASES), "source_site_id"]),
    (LayerKind.RELEASES, [*required_columns(LayerKind.RELEASES), "source_name"]),
]


@pytest.mark.parametrize(("kind", "columns"), CASES, ids=[f"{k.value}:{c[-1]}" for k, c in CASES])
def test_a_file_with_only_the_required_columns_imports(tmp_path, run_cli, store, kind, columns):
    path = write_file(tmp_path, kind, columns)
    result = run_cli("import", kind.value, path, "--store", store)
    assert result.exit_code == 0, result
    assert "1 added" in result.stdout or "1 updated" in result.stdout, result
    exported = tmp_path / "out.csv"
    assert run_cli("export", kind.value, exported, "--store", store).exit_code == 0
    header = exported.read_text(encoding="utf-8").splitlines()[0].split(",")
    # Nullable columns left out of the file are in the layer, with no value.
    assert set(required_columns(kind)) <= set(header)
    assert {c.name for c in SPECS[kind].columns if c.required} <= set(header)


def test_a_release_needs_where_the_animals_came_from(tmp_path, run_cli, store):
    path = write_file(tmp_path, LayerKind.RELEASES, required_columns(LayerKind.RELEASES))
    result = run_cli("import", "releases", path, "--store", store)
    assert result.exit_code == 1
    assert "missing required column(s): source_site_id or source_name" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_release_row_with_neither_source_is_refused(tmp_path, run_cli, store):
    columns = [*required_columns(LayerKind.RELEASES), "source_name"]
    path = tmp_path / "releases.csv"
    path.write_text(",".join(columns) + "\nx1,s1,2010,12,test,\n")
    result = run_cli("import", "releases", path, "--store", store)
    assert result.exit_code == 1
    assert "release_id='x1': give source_site_id or source_name" in result.stderr
