"""WDPA downloads: field mapping, status filter, points as circles of their reported area, overlaps kept."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pyogrio
import pyproj
import pytest
import shapely
from io_builders import sha

from deerhabitat.config import StoreConfig
from deerhabitat.errors import SchemaError
from deerhabitat.io import Store
from deerhabitat.io.wdpa import circle_radius_m, parse_statuses
from deerhabitat.workflows import ImportOptions, import_layer, validate_file

GEOD = pyproj.Geod(ellps="WGS84")


def wdpa_row(pid, name, status="Designated", iucn="IV", rep_area=10.0, iso3="UZB", year=1990):
    return {
        "WDPAID": float(str(pid).split("_")[0]),
        "WDPA_PID": str(pid),
        "NAME": name,
        "ORIG_NAME": name,
        "DESIG_ENG": "Nature Reserve",
        "IUCN_CAT": iucn,
        "STATUS": status,
        "STATUS_YR": year,
        "REP_AREA": rep_area,
        "GIS_AREA": rep_area,
        "ISO3": iso3,
        "MARINE": "0",
    }


@pytest.fixture
def wdpa_gpkg(tmp_path):
    """A WDPA-like GeoPackage: a polygon layer, a point layer and the non-spatial source table."""
    polys = gpd.GeoDataFrame(
        [
            wdpa_row(1001, "Badai-Tugai", iucn="Ia", rep_area=64.6, year=1971),
            wdpa_row(1002, "Overlapping reserve", iucn="Not Reported", year=0),
            wdpa_row(1003, "Proposed park", status="Proposed"),
            wdpa_row("1004_A", "Transboundary", iso3="KAZ;UZB", status="Inscribed"),
        ],
        geometry=[
            shapely.box(60.3, 41.7, 60.5, 41.9),
            shapely.box(60.4, 41.8, 60.6, 42.0),
            shapely.box(61.0, 41.0, 61.1, 41.1),
            shapely.box(62.0, 42.0, 62.2, 42.2),
        ],
        crs=4326,
    )
    points = gpd.GeoDataFrame(
        [
            wdpa_row(2001, "Point with area", rep_area=100.0, status="Established"),
            wdpa_row(2002, "Point without area", rep_area=0.0),
        ],
        geometry=[shapely.MultiPoint([(64.0, 40.0)]), shapely.MultiPoint([(64.5, 40.5)])],
        crs=4326,
    )
    path = tmp_path / "WDPA_Nov2025.gpkg"
    pyogrio.write_dataframe(polys, path, layer="WDPA_poly_Nov2025", promote_to_multi=True)
    pyogrio.write_dataframe(points, path, layer="WDPA_point_Nov2025", append=False)
    pyogrio.write_dataframe(
        pd.DataFrame({"METADATAID": [1], "DATA_TITLE": ["test"]}), path, layer="WDPA_source"
    )
    return path


def test_a_wdpa_download_becomes_protected_areas(wdpa_gpkg, store):
    result = import_layer("wdpa", wdpa_gpkg, store=store.path)
    pas = Store(store.path).read("protected-areas").set_index("pa_id")
    assert pas.index.tolist() == ["1001", "1002", "1004_A", "2001"]
    assert (result.added, result.rejected, result.features) == (4, 2, 6)
    assert pas.loc[
        "1001", ["name", "designation", "iucn_cat", "status_year", "reported_area_km2", "iso3"]
    ].tolist() == ["Badai-Tugai", "Nature Reserve", "Ia", 1971, 64.6, "UZB"]
    assert pd.isna(pas.loc["1002", "status_year"]), "STATUS_YR 0 means not reported"
    assert pas.loc["1004_A", "iso3"] == "KAZ" and pas.loc["1004_A", "wdpa_iso3"] == "KAZ;UZB"
    assert pas.loc["1001", "wdpaid"] == 1001 and pas.loc["1001", "ORIG_NAME"] == "Badai-Tugai"
    assert pas.loc["1001", "source"] == "WDPA (WDPA_Nov2025.gpkg)"
    assert pas["approximate"].tolist() == [False, False, False, True]
    texts = [str(w) for w in result.warnings]
    assert (
        "the status filter (Designated, Inscribed, Established) left out 1 area(s) (Proposed: 1); pass "
        "--status "
        "all to keep them" in texts
    )
    assert (
        "pa_id='2002': is a WDPA point with no reported area, so no boundary can be drawn; left out (add its "
        "polygon, or its REP_AREA)" in texts
    )
    assert any(
        t.startswith("pa_id='1004_A': transboundary area (KAZ;UZB) stored under iso3='KAZ'") for t in texts
    )


def test_overlapping_areas_are_all_kept(wdpa_gpkg, store):
    import_layer("wdpa", wdpa_gpkg, store=store.path)
    pas = Store(store.path).read("protected-areas").set_index("pa_id")
    overlap = pas.loc["1001", "geometry"].intersection(pas.loc["1002", "geometry"]).area
    assert overlap == pytest.approx(0.1 * 0.1)


def test_a_point_becomes_a_circle_of_exactly_its_reported_area(wdpa_gpkg, store):
    import_layer("wdpa", wdpa_gpkg, store=store.path)
    circle = Store(store.path).read("protected-areas").set_index("pa_id").loc["2001", "geometry"]
    albers = gpd.GeoSeries([circle], crs=4326).to_crs(StoreConfig().crs)
    assert albers.area.iloc[0] / 1e6 == pytest.approx(100.0, rel=1e-6)
    geodesic_m2, _ = GEOD.geometry_area_perimeter(circle)  # an independent measure: on the ellipsoid
    assert abs(geodesic_m2) / 1e6 == pytest.approx(100.0, rel=1e-3)
    centre = albers.centroid.to_crs(4326).iloc[0]
    assert (centre.x, centre.y) == (pytest.approx(64.0, abs=1e-6), pytest.approx(40.0, abs=1e-6))


def test_circle_radius_is_that_of_a_polygon_of_the_area():
    n = 64
    radius = circle_radius_m(100.0)
    assert n / 2 * radius**2 * math.sin(2 * math.pi / n) == pytest.approx(100e6)
    assert radius > math.sqrt(100e6 / math.pi)


def test_status_filter(wdpa_gpkg, store):
    result = import_layer("wdpa", wdpa_gpkg, store=store.path, options=ImportOptions(statuses=["all"]))
    assert result.added == 5 and result.rejected == 1
    only = import_layer(
        "wdpa", wdpa_gpkg, store=store.path, replace=True, options=ImportOptions(statuses="proposed")
    )
    assert only.added == 1 and Store(store.path).read("protected-areas")["pa_id"].tolist() == ["1003"]
    assert parse_statuses(("Designated,inscribed", "Adopted")) == ("Designated", "Inscribed", "Adopted")


def test_reimporting_wdpa_updates_by_parcel_id(wdpa_gpkg, store):
    import_layer("wdpa", wdpa_gpkg, store=store.path)
    again = import_layer("wdpa", wdpa_gpkg, store=store.path)
    assert (again.added, again.updated, again.total) == (0, 4, 4)


def test_a_file_that_is_not_wdpa_names_the_missing_columns(tmp_path, store):
    frame = gpd.GeoDataFrame({"id": [1], "title": ["x"]}, geometry=[shapely.box(60, 41, 61, 42)], crs=4326)
    frame.to_file(tmp_path / "other.geojson")
    before = sha(store.path)
    with pytest.raises(
        SchemaError,
        match=r"the file lacks the WDPA column\(s\) \['WDPAID or WDPA_PID', 'NAME', "
        r"'DESIG_ENG', 'IUCN_CAT', 'ISO3'\] \(columns found: id, title\)",
    ):
        import_layer("wdpa", tmp_path / "other.geojson", store=store.path)
    assert sha(store.path) == before


def test_wdpa_points_in_a_shapefile_zip_and_lowercase_fields(tmp_path, store):
    points = gpd.GeoDataFrame(
        [{k.lower(): v for k, v in wdpa_row(3001, "Zip point", rep_area=5.0).items()}],
        geometry=[shapely.Point(65.0, 40.0)],
        crs=4326,
    )
    folder = tmp_path / "shp"
    folder.mkdir()
    points.to_file(folder / "WDPA_points.shp")
    import zipfile

    with zipfile.ZipFile(tmp_path / "WDPA.zip", "w") as archive:
        for file in folder.iterdir():
            archive.write(file, f"WDPA_shp_0/{file.name}")
    report = validate_file("wdpa", tmp_path / "WDPA.zip", store=store.path)
    assert report.ok and report.accepted == 1 and report.file_format == "Shapefile"
