"""Field mapping, column types, and the format dispatch of read_vector / write_vector."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from deerhabitat.errors import InputFileError, SchemaError
from deerhabitat.io.fields import apply_field_mapping, column_problems, parse_field_mapping, uniform_types
from deerhabitat.io.ogr import gdal_message
from deerhabitat.io.vector import FORMATS, format_of, read_vector, write_vector


def test_field_mapping_parsing():
    assert parse_field_mapping(None) == {}
    assert parse_field_mapping({"A": "a"}) == {"A": "a"}
    assert parse_field_mapping(["WKT = wkt", "a=b=c"]) == {"WKT": "wkt", "a": "b=c"}
    with pytest.raises(SchemaError, match=r"--field 'x=' is not SRC=DST"):
        parse_field_mapping(["x="])
    with pytest.raises(SchemaError, match=r"--field a=\.\.\. is given twice"):
        parse_field_mapping(["a=b", "a=c"])
    with pytest.raises(SchemaError, match=r"several columns map to \['name'\]"):
        parse_field_mapping(["a=name", "b=name"])


def test_mapping_swaps_and_replaces_columns():
    frame = gpd.GeoDataFrame({"lat": [60.0], "lon": [41.0], "name": ["old"], "NAME": ["new"]})
    out = apply_field_mapping(frame, {"lat": "lon", "lon": "lat", "NAME": "name"})
    assert out.to_dict("records") == [{"lon": 60.0, "lat": 41.0, "name": "new"}]


def test_column_problems_and_uniform_types():
    frame = gpd.GeoDataFrame({"OGC_FID": [1], "Geom": [2], "x": [3]}, geometry=[None])
    assert len(column_problems(frame)) == 2
    mixed = gpd.GeoDataFrame(
        {
            "when": pd.Series([pd.Timestamp("2019-05-03"), "later"], dtype=object),
            "big": pd.Series([2**70, 1], dtype=object),
        }
    )
    out = uniform_types(mixed)
    assert out["when"].tolist() == ["2019-05-03T00:00:00", "later"]
    assert str(out["big"].dtype) == "Float64"


def test_format_of_every_extension(tmp_path):
    assert {format_of(f"x{ext}") for ext in FORMATS} == {
        "GeoPackage",
        "GeoJSON",
        "Shapefile",
        "FlatGeobuf",
        "GeoParquet",
        "KML",
        "CSV",
        "Excel",
    }
    assert format_of(tmp_path) == "Shapefile"
    with pytest.raises(InputFileError, match=r"save old \.xls workbooks as \.xlsx"):
        format_of("x.xls")
    with pytest.raises(InputFileError, match=r"the extension '\(none\)' is not a supported format"):
        format_of("README")


def test_gdal_messages_lose_their_driver_advice():
    assert gdal_message(RuntimeError("a\n b; It might help to specify the driver")) == "a b"


def test_every_layer_of_a_geopackage_and_the_encoding_note(tmp_path):
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"site_id": ["a"]}, geometry=[shapely.Point(1, 2)], crs=4326)
    pyogrio.write_dataframe(frame, path, layer="one")
    pyogrio.write_dataframe(frame.assign(site_id=["b"]), path, layer="two")
    pyogrio.write_dataframe(pd.DataFrame({"meta": [1]}), path, layer="metadata")
    read = read_vector(path, layer="*")
    assert read.frame["site_id"].tolist() == ["a", "b"] and read.layer == "one,two" and read.findings == []


def test_text_that_is_not_utf8_in_any_gdal_format(tmp_path):
    path = tmp_path / "cyr.geojson"
    path.write_bytes(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": '
        '"Тигровая"}, "geometry": null}]}'.encode("cp1251")
    )
    with pytest.raises(
        InputFileError,
        match=r"text is not valid UTF-8 \(byte 0xd2\); pass the file's encoding "
        r"with --encoding, e.g. --encoding cp1251",
    ):
        read_vector(path)
    assert read_vector(path, encoding="cp1251").frame["name"].tolist() == ["Тигровая"]
    with pytest.raises(InputFileError, match="--encoding 'nope' is not an encoding Python knows"):
        read_vector(path, encoding="nope")
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(1, 2)], crs=4326)
    frame.to_parquet(tmp_path / "a.parquet")
    assert "was ignored: GeoParquet text is UTF-8" in str(
        read_vector(tmp_path / "a.parquet", encoding="x").findings[0]
    )


def test_layers_in_different_crs_are_not_joined(tmp_path):
    path = tmp_path / "two.gpkg"
    frame = gpd.GeoDataFrame({"a": [1]}, geometry=[shapely.Point(1, 2)], crs=4326)
    pyogrio.write_dataframe(frame, path, layer="one")
    pyogrio.write_dataframe(frame.to_crs(3857), path, layer="two")
    with pytest.raises(InputFileError, match="are in different CRSs; import them one at a time"):
        read_vector(path, layer="*")


def test_kml_structure_fields_are_dropped_but_real_descriptions_kept(tmp_path):
    frame = gpd.GeoDataFrame(
        {"name": ["A <b>", "B"], "description": ["tugai forest", None], "n": [1, 2]},
        geometry=[shapely.Point(60, 41), shapely.Point(61, 42)],
        crs=4326,
    )
    write_vector(frame, tmp_path / "a.kml", layer_name="sites")
    read = read_vector(tmp_path / "a.kml")
    assert read.frame.columns.tolist() == ["name", "description", "n", "geometry"]
    assert read.frame["name"].tolist() == ["A <b>", "B"] and read.text_attributes


def test_library_warnings_while_reading_become_findings():
    import warnings

    from deerhabitat.io.vector import _gdal_warnings

    with _gdal_warnings() as caught:
        warnings.warn("Measured (M) geometry types are not supported", UserWarning, stacklevel=1)
        warnings.warn("Measured (M) geometry types are not supported", UserWarning, stacklevel=1)
        warnings.warn("driver said\n  something", RuntimeWarning, stacklevel=1)
    assert [str(f) for f in caught] == [
        "while reading: Measured (M) geometry types are not supported",
        "while reading: driver said something",
    ]
