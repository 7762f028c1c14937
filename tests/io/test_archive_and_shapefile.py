"""Zip archives checked before reading; shapefiles: field names, sidecars, parts, encodings, many a folder."""

from __future__ import annotations

import json
import zipfile

import geopandas as gpd
import pyogrio
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.errors import InputFileError, StoreError
from deerhabitat.io import archive
from deerhabitat.io.shapefile import cut_long_text, read_shapefile, short_field_names, write_shapefile


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("a/b/c.shp", None),
        ("c.shp", None),
        ("dir/", None),
        ("..shp", None),
        ("../c.shp", "it climbs out of the folder with '..'"),
        ("a/../../c.shp", "it climbs out of the folder with '..'"),
        ("a\\..\\..\\c.shp", "it climbs out of the folder with '..'"),
        ("/etc/passwd", "it is an absolute path"),
        ("\\\\server\\share", "it is an absolute path"),
        ("C:\\x.shp", "it is an absolute path"),
        ("a\x00.shp", "it contains a NUL character"),
    ],
)
def test_member_names(name, reason):
    assert archive.unsafe_member_reason(name) == reason


def test_check_zip_lists_files_and_refuses_every_unsafe_member(tmp_path):
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as z:
        z.writestr("shp/", b"")
        z.writestr("shp/a.shp", b"x")
    assert archive.check_zip(good) == ["shp/a.shp"]
    bad = tmp_path / "bad.zip"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("../a.shp", b"x")
        z.writestr("/b.shp", b"x")
    with pytest.raises(InputFileError) as info:
        archive.check_zip(bad)
    assert "member '../a.shp' would land outside" in str(info.value)
    assert "member '/b.shp' would land outside" in str(info.value)


def test_size_limits_and_bombs(tmp_path, monkeypatch):
    path = tmp_path / "big.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("zeros.bin", b"\x00" * (3 << 20))
    monkeypatch.setattr(archive, "MAX_RATIO", 10)
    with pytest.raises(InputFileError, match=r"member 'zeros.bin' expands \d+-fold \(a zip bomb\?\)"):
        archive.check_zip(path)
    monkeypatch.setattr(archive, "MAX_RATIO", 10_000)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 1 << 20)
    with pytest.raises(
        InputFileError, match=r"it would expand to 3,145,728 bytes \(limit: --max-uncompressed-mb 1;"
    ):
        archive.check_zip(path)
    with pytest.raises(InputFileError, match=r"\(limit: --max-uncompressed-mb 2;"):
        archive.check_zip(path, max_total_bytes=2 << 20)
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 4 << 30)
    monkeypatch.setattr(archive, "MAX_MEMBERS", 0)
    with pytest.raises(InputFileError, match=r"it holds 1 members \(limit 0\)"):
        archive.check_zip(path)


def test_read_member_detects_corruption_and_size(tmp_path):
    path = tmp_path / "a.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("a.json", b'{"fields": {}}')
    assert archive.read_member(path, "a.json") == b'{"fields": {}}'
    with pytest.raises(InputFileError, match="is 14 bytes; at most 4 are read"):
        archive.read_member(path, "a.json", limit=4)
    data = bytearray(path.read_bytes())
    data[data.index(b'{"fields"')] = ord("[")
    path.write_bytes(bytes(data))
    with pytest.raises(InputFileError, match=r"cannot read member 'a\.json' .* the archive may be corrupt"):
        archive.read_member(path, "a.json")


@given(st.lists(st.text(min_size=1, max_size=25), max_size=30, unique=True))
def test_short_field_names_are_unique_and_fit_dbase(names):
    short = short_field_names(names)
    assert list(short) == names
    assert all(len(s.encode("utf-8")) <= 10 for s in short.values())
    assert len({s.lower() for s in short.values()}) == len(names)
    assert short_field_names(names) == short


def test_cut_long_text_cuts_at_a_character_boundary():
    frame = gpd.GeoDataFrame({"t": ["я" * 200, "ok", None]}, geometry=[None] * 3)
    cut, full = cut_long_text(frame)
    assert cut["t"][0] == "я" * 127 and full == {"t": {"0": "я" * 200}}
    assert cut["t"][1] == "ok" and cut["t"].isna()[2]


def _frame(n=2, **extra):
    data = {"site_id": [f"s{i}" for i in range(n)], "name": [f"N{i}" for i in range(n)]}
    data.update(extra)
    return gpd.GeoDataFrame(data, geometry=[shapely.Point(60 + i, 41) for i in range(n)], crs=4326)


def test_shapefiles_written_elsewhere_get_their_schema_names_back(tmp_path):
    frame = gpd.GeoDataFrame(
        {
            "pa_id": ["1"],
            "reported_area_km2": [5.5],
            "status_year": [1990],
            "designation": ["Reserve"],
            "approximate": [False],
        },
        geometry=[shapely.box(60, 41, 61, 42)],
        crs=4326,
    )
    with pytest.warns(RuntimeWarning, match="Normalized/laundered field name"):
        pyogrio.write_dataframe(frame, tmp_path / "qgis.shp")
    read = read_shapefile(tmp_path / "qgis.shp")
    assert read.frame.columns.tolist() == [
        "pa_id",
        "reported_area_km2",
        "status_year",
        "designation",
        "approximate",
        "geometry",
    ]


def test_several_shapefiles_in_a_folder(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    _frame(1).to_file(folder / "a.shp")
    _frame(2).to_file(folder / "b.shp")
    with pytest.raises(InputFileError, match=r"holds 2 shapefiles \(a, b\); choose one with --layer NAME"):
        read_shapefile(folder)
    assert len(read_shapefile(folder, layer="b").frame) == 2
    assert len(read_shapefile(folder, layer="*").frame) == 3
    assert len(read_shapefile(folder, default_layer="a").frame) == 1
    with pytest.raises(InputFileError, match=r"has no shapefile 'c' \(shapefiles: a, b\)"):
        read_shapefile(folder, layer="c")
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputFileError, match="holds no shapefile"):
        read_shapefile(empty)


def test_sidecars_that_do_not_fit_are_refused(tmp_path):
    write_shapefile(_frame(), tmp_path, "s", layer_name="sites")
    sidecar = tmp_path / "s.deerhabitat.json"
    data = json.loads(sidecar.read_text())
    sidecar.write_text(json.dumps({**data, "parts": ["../../etc/x.shp"]}))
    with pytest.raises(
        InputFileError, match=r"lists the part '../../etc/x.shp', which is not a shapefile beside it"
    ):
        read_shapefile(tmp_path / "s.shp")
    sidecar.write_text("{not json")
    with pytest.raises(InputFileError, match="is not valid JSON"):
        read_shapefile(tmp_path / "s.shp")
    sidecar.write_text("[1, 2]")
    with pytest.raises(InputFileError, match="is not a deerhabitat sidecar"):
        read_shapefile(tmp_path / "s.shp")
    sidecar.unlink()
    assert read_shapefile(tmp_path / "s.shp").frame["site_id"].tolist() == ["s0", "s1"]


def test_dbf_encoding_without_cpg(tmp_path):
    frame = _frame(1, name=["Тигровая балка"])
    frame.to_file(tmp_path / "c.shp", encoding="cp1251")
    (tmp_path / "c.cpg").unlink()
    assert read_shapefile(tmp_path / "c.shp", encoding="cp1251").frame["name"].tolist() == ["Тигровая балка"]


def test_geometry_collections_cannot_be_written_to_a_shapefile(tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": ["g"]}, geometry=[shapely.GeometryCollection([shapely.Point(0, 0)])], crs=4326
    )
    with pytest.raises(StoreError, match="geometry collections, which a shapefile cannot store"):
        write_shapefile(frame, tmp_path, "g", layer_name="x")


def test_a_zip_of_a_shapefile_in_a_subfolder(tmp_path):
    files, _ = write_shapefile(_frame(), tmp_path, "s", layer_name="sites")
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as z:
        for file in files:
            z.write(file, f"download/data/{file.name}")
    read = read_shapefile(tmp_path / "s.zip")
    assert read.frame["site_id"].tolist() == ["s0", "s1"] and read.layer == "s"


def test_a_shapefile_without_its_dbf_or_shx_is_refused(tmp_path):
    _frame().to_file(tmp_path / "s.shp")
    (tmp_path / "s.dbf").unlink()
    with pytest.raises(InputFileError, match=r"has no .dbf file beside it \(a shapefile is several files"):
        read_shapefile(tmp_path / "s.shp")
    (tmp_path / "s.shx").unlink()
    with pytest.raises(InputFileError, match=r"has no .shx or .dbf file beside it"):
        read_shapefile(tmp_path / "s.shp")
