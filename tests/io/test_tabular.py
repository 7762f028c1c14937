"""CSV and Excel tables: geometry columns, delimiters, quoting, encodings, typing, and writing."""

from __future__ import annotations

import math

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely
from hypothesis import given
from hypothesis import strategies as st

from deerhabitat.errors import InputFileError, StoreError
from deerhabitat.io.tabular import (
    find_geometry_columns,
    layer_to_table,
    parse_number,
    read_csv,
    read_xlsx,
    type_text_columns,
    write_csv,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["id", "Longitude", "Latitude"], ("lonlat", "Longitude", "Latitude", None)),
        (["id", "LON", "lat"], ("lonlat", "LON", "lat", None)),
        (["decimalLatitude", "decimalLongitude"], ("lonlat", "decimalLongitude", "decimalLatitude", None)),
        (
            ["Decimal Longitude", "Decimal Latitude"],
            ("lonlat", "Decimal Longitude", "Decimal Latitude", None),
        ),
        (["lng", "lat", "WKT"], ("wkt", None, None, "WKT")),
        (["X", "Y"], ("xy", "X", "Y", None)),
        (["easting", "northing"], ("xy", "easting", "northing", None)),
        (["the_geom"], ("wkt", None, None, "the_geom")),
        (["longitude"], ("none", None, None, None)),
    ],
)
def test_geometry_columns_are_found_by_their_common_names(columns, expected):
    found = find_geometry_columns(columns)
    assert (found.mode, found.x, found.y, found.wkt) == expected


def test_parse_number():
    assert parse_number(" 66.95 ") == 66.95
    assert parse_number("66,95") == 66.95
    assert parse_number(None) is None and parse_number(float("nan")) is None
    for bad in ("1,234.5", "38°51'N", "abc", True):
        with pytest.raises(ValueError):
            parse_number(bad)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_reads_back_what_repr_writes(value):
    assert parse_number(repr(value)) == value


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_quoting_newlines_crlf_and_empty_rows(tmp_path):
    text = (
        'id,name,lon,lat\r\n"a","Line one\nline two, with a comma",60,41\r\n\r\n,,,\r\n'
        '"b","He said ""hi""",61,42\r\n'
    )
    layer = read_csv(write(tmp_path, "q.csv", text))
    assert layer.frame["name"].tolist() == ["Line one\nline two, with a comma", 'He said "hi"']
    assert layer.frame["id"].tolist() == ["a", "b"] and not layer.findings


def test_short_rows_are_padded_and_long_rows_are_errors(tmp_path):
    layer = read_csv(write(tmp_path, "r.csv", "id,name,lon,lat\na,A\nb,B,60,41,extra\nc,C,60,41,,\n"))
    assert layer.frame["name"].tolist() == ["A", "B", "C"]
    assert layer.frame.geometry.isna().tolist() == [True, False, False]
    assert [str(f) for f in layer.findings] == [
        "row 2: has 5 values but the header names 4 columns (line 3); check the delimiter and quotes"
    ]


def test_one_coordinate_and_mixed_srids(tmp_path):
    layer = read_csv(write(tmp_path, "c.csv", "id,lon,lat\na,60,\n"))
    assert str(layer.findings[0]).startswith("row 1: only one coordinate given (lon='60', lat=None)")
    mixed = read_csv(write(tmp_path, "w.csv", "id,wkt\na,SRID=4326;POINT (1 2)\nb,SRID=3857;POINT (1 2)\n"))
    assert str(mixed.findings[0]).startswith("the WKT column mixes SRIDs [3857, 4326]")


def test_very_long_wkt_fields_are_read(tmp_path):
    ring = shapely.Point(66, 40).buffer(1, quad_segs=4000)
    layer = read_csv(write(tmp_path, "big.csv", f'id,wkt\na,"SRID=4326;{ring.wkt}"\n'))
    assert len(ring.wkt) > 131_072 and layer.frame.geometry[0].equals(ring)


def test_encodings(tmp_path):
    text = "id,name\na,Тигровая балка\n"
    assert (
        read_csv(write(tmp_path, "u16.csv", text, "utf-16"), encoding="utf-16").frame["name"][0]
        == "Тигровая балка"
    )
    assert (
        read_csv(write(tmp_path, "u16b.csv", text, "utf-16")).frame["name"][0] == "Тигровая балка"
    )  # its BOM
    with pytest.raises(InputFileError, match=r"is not valid utf-8-sig text \(byte 0xd2 at offset 10\)"):
        read_csv(write(tmp_path, "cp.csv", text, "cp1251"))


def test_nul_characters_are_kept_for_the_checks_to_refuse(tmp_path):
    assert read_csv(write(tmp_path, "n.csv", "id,name\na,\x00b\n")).frame["name"].tolist() == ["\x00b"]


def test_text_columns_are_typed_by_content():
    frame = gpd.GeoDataFrame(
        {
            "year": ["1998", None, "2002"],
            "code": ["007", "12", None],
            "ha": ["1.5", "2", None],
            "flag": ["yes", "no", None],
            "mixed": ["1", "a", None],
            "big": ["1e5", "-0.5", "3"],
        }
    )
    out = type_text_columns(frame, exclude=["code"])
    assert out["year"].tolist() == [1998, pd.NA, 2002] and str(out["year"].dtype) == "Int64"
    assert out["code"].tolist()[:2] == ["007", "12"] and pd.isna(out["code"][2])
    assert str(out["ha"].dtype) == "Float64" and out["ha"].tolist()[:2] == [1.5, 2.0]
    assert out["flag"].tolist() == [True, False, pd.NA]
    assert out["mixed"].tolist()[:2] == ["1", "a"]
    assert out["big"].tolist() == [1e5, -0.5, 3.0]


def test_tables_are_written_with_lonlat_or_ewkt():
    points = gpd.GeoDataFrame(
        {"id": ["a", "b"], "ok": pd.array([True, None], dtype="boolean")},
        geometry=[shapely.Point(60.123456789012345, 41.1), None],
        crs=4326,
    )
    assert layer_to_table(points) == (
        ["id", "ok", "longitude", "latitude"],
        [["a", True, 60.123456789012345, 41.1], ["b", None, None, None]],
    )
    mixed = gpd.GeoDataFrame({"id": ["p"]}, geometry=[shapely.box(0, 0, 1, 1)], crs=4326)
    header, rows = layer_to_table(mixed)
    assert header == ["id", "wkt"] and rows[0][1].startswith("SRID=4326;POLYGON ((")
    clash = gpd.GeoDataFrame({"Longitude": [1.0]}, geometry=[shapely.Point(0, 0)], crs=4326)
    with pytest.raises(
        StoreError, match=r"attribute column\(s\) \['longitude'\] named like the table's geometry"
    ):
        layer_to_table(clash)


def test_csv_round_trip_of_awkward_values(tmp_path):
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "text": ['x, "y"\nz', "=SUM(A1)"], "n": [math.pi, -0.0]},
        geometry=[shapely.Point(1e-7, -89.999999999), shapely.Point(-180, 90)],
        crs=4326,
    )
    write_csv(frame, tmp_path / "t.csv")
    back = read_csv(tmp_path / "t.csv").frame
    assert back["text"].tolist() == frame["text"].tolist()
    assert [float(v) for v in back["n"]] == [math.pi, -0.0]
    assert back.geometry.equals(frame.geometry)


def test_excel_round_trip_splits_long_wkt_over_cells(tmp_path):
    ring = shapely.Point(66, 40).buffer(1, quad_segs=1000)
    frame = gpd.GeoDataFrame({"id": ["a", "b"]}, geometry=[ring, shapely.box(60, 40, 61, 41)], crs=4326)
    write_xlsx(frame, tmp_path / "t.xlsx", sheet="ranges")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx").active
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["id", "wkt", "wkt_2"] and sheet.title == "ranges"
    back = read_xlsx(tmp_path / "t.xlsx")
    assert back.crs_origin == "EWKT" and back.frame.columns.tolist() == ["id", "geometry"]
    assert back.frame.geometry[0].equals(ring) and back.frame.geometry[1].equals(frame.geometry[1])


def test_excel_refuses_values_it_cannot_hold(tmp_path):
    frame = gpd.GeoDataFrame({"id": ["a"], "note": ["bell \x07"]}, geometry=[shapely.Point(0, 0)], crs=4326)
    with pytest.raises(
        StoreError, match=r"row 1, column 'note': the text 'bell \\x07' holds control characters"
    ):
        write_xlsx(frame, tmp_path / "t.xlsx", sheet="s")
    frame["note"] = ["x" * 40_000]
    with pytest.raises(StoreError, match="the text is 40,000 characters; an Excel cell holds at most 32,767"):
        write_xlsx(frame, tmp_path / "t.xlsx", sheet="s")
    assert not (tmp_path / "t.xlsx").exists()


def test_excel_reading_errors(tmp_path):
    (tmp_path / "bad.xlsx").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    with pytest.raises(InputFileError, match=r"is not a readable Excel \.xlsx workbook"):
        read_xlsx(tmp_path / "bad.xlsx")
    book = openpyxl.Workbook()
    book.active.title = "empty"
    book.save(tmp_path / "empty.xlsx")
    with pytest.raises(InputFileError, match=r"sheet 'empty' of .* is empty"):
        read_xlsx(tmp_path / "empty.xlsx")
    with pytest.raises(InputFileError, match=r"has no sheet 'x' \(sheets: empty\)"):
        read_xlsx(tmp_path / "empty.xlsx", sheet="x")


def test_excel_mixed_columns_become_text(tmp_path):
    import datetime as dt

    book = openpyxl.Workbook()
    book.active.append(["id", "when", "n", "lon", "lat"])
    book.active.append(["a", dt.date(2019, 5, 3), 1, 60, 41])
    book.active.append(["b", "about 2019", 2.5, 61, 42])
    book.save(tmp_path / "m.xlsx")
    frame = read_xlsx(tmp_path / "m.xlsx").frame
    assert frame["when"].tolist() == ["2019-05-03T00:00:00", "about 2019"]
    assert frame["n"].tolist() == [1, 2.5]
