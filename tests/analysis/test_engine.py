"""The partitioned engine: counts per polygon and year equal to geopandas.sjoin + groupby, any partition."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.engine import EngineOptions, count_points_in_polygons
from deerhabitat.errors import AnalysisError, InputFileError
from deerhabitat.io.geoparquet import open_points, point_partitions, write_points

CRS = "EPSG:3857"


def sjoin_counts(points: gpd.GeoDataFrame, polygons: gpd.GeoSeries) -> pd.DataFrame:
    """The reference: geopandas.sjoin (intersects), then a groupby on polygon and calendar year."""
    joined = gpd.sjoin(
        points, gpd.GeoDataFrame(geometry=polygons.reset_index(drop=True)), predicate="intersects"
    )
    year = joined["date"].dt.year if "date" in joined else pd.Series(pd.NA, index=joined.index)
    counts = (
        joined.groupby([joined["index_right"].rename("polygon"), year.rename("year")], dropna=False)
        .size()
        .rename("count")
        .reset_index()
    )
    counts = counts.astype({"polygon": "int64", "year": "Int64", "count": "int64"})
    return counts.sort_values(["polygon", "year"], na_position="last").reset_index(drop=True)


def points_frame(xy, dates) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"date": pd.to_datetime(pd.Series(dates), format="ISO8601"), "kind": "telemetry"},
        geometry=[None if p is None else shapely.Point(p) for p in xy],
        crs=CRS,
    )


@pytest.fixture
def edge_case():
    """Points on edges, on vertices, in a hole, in two overlapping polygons, missing, and without a date."""
    with_hole = shapely.Polygon([(0, 0), (10, 0), (10, 10), (0, 10)], [[(3, 3), (6, 3), (6, 6), (3, 6)]])
    polygons = gpd.GeoSeries(
        [
            with_hole,
            shapely.box(5, 5, 15, 15),
            shapely.MultiPolygon([shapely.box(20, 0, 21, 1), shapely.box(30, 0, 31, 1)]),
            shapely.Polygon([(40, 0), (50, 10), (40, 10)]),
        ],
        crs=CRS,
    )
    xy = [
        (10, 5),
        (0, 0),
        (4, 4),
        (3, 3),
        (7, 7),
        (12, 12),
        (30.5, 0.5),
        (45, 5),
        (44, 5),
        None,
        (8, 8),
        (99, 99),
    ]
    dates = [
        "2019-03-01 12:30",
        "2020-01-01",
        "2020-06-01",
        "2020-06-01",
        "2021-01-01",
        "2021-12-31 23:59",
        "2022-02-02",
        "2022-02-02",
        "2023-01-01",
        "2020-01-01",
        None,
        "2020-01-01",
    ]
    return points_frame(xy, dates), polygons


def test_edges_vertices_holes_and_overlaps_match_sjoin(edge_case, tmp_path):
    points, polygons = edge_case
    expected = sjoin_counts(points, polygons)
    # a point on the hole's edge (3, 3) is in the polygon, one inside the hole (4, 4) is not
    assert expected["count"].sum() == 12
    pd.testing.assert_frame_equal(count_points_in_polygons(points, polygons), expected)
    write_points(points, tmp_path / "pts", partitions=3)
    lazy = open_points(tmp_path / "pts", columns=["date"])
    assert lazy.npartitions == 3
    arrays = point_partitions(tmp_path / "pts")
    assert len(arrays.readers) == 3
    for options in (EngineOptions(), EngineOptions(workers=2)):
        pd.testing.assert_frame_equal(count_points_in_polygons(lazy, polygons, options=options), expected)
        pd.testing.assert_frame_equal(count_points_in_polygons(arrays, polygons, options=options), expected)


def test_without_years_and_with_integer_years(edge_case):
    points, polygons = edge_case
    totals = count_points_in_polygons(points, polygons, year_column=None)
    assert totals["year"].isna().all()
    assert totals.set_index("polygon")["count"].to_dict() == {0: 5, 1: 4, 2: 1, 3: 2}
    points = points.assign(year=points["date"].dt.year.astype("Int64"))
    by_int = count_points_in_polygons(points, polygons, year_column="year")
    pd.testing.assert_frame_equal(by_int, count_points_in_polygons(points, polygons))


coordinate = st.integers(0, 8).map(float)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    xy=st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=60),
    boxes=st.lists(
        st.tuples(st.integers(0, 6), st.integers(0, 6), st.integers(1, 4), st.integers(1, 4)),
        min_size=1,
        max_size=6,
    ),
    partitions=st.integers(1, 5),
    workers=st.integers(1, 2),
)
def test_any_partitioning_gives_the_sjoin_counts(tmp_path_factory, xy, boxes, partitions, workers):
    # integer coordinates on a coarse grid: many points fall exactly on edges and corners
    polygons = gpd.GeoSeries(
        [
            shapely.box(x, y, x + w, y + h) if i % 2 else shapely.Polygon([(x, y), (x + w, y), (x, y + h)])
            for i, (x, y, w, h) in enumerate(boxes)
        ],
        crs=CRS,
    )
    dates = [f"{2000 + (i % 4)}-06-01" for i in range(len(xy))]
    points = points_frame(xy, dates)
    expected = sjoin_counts(points, polygons)
    pd.testing.assert_frame_equal(count_points_in_polygons(points, polygons), expected)
    if len(points):
        folder = tmp_path_factory.mktemp("pts")
        write_points(points, folder, partitions=partitions)
        options = EngineOptions(workers=workers)
        got = count_points_in_polygons(open_points(folder, ["date"]), polygons, options=options)
        pd.testing.assert_frame_equal(got, expected)
        got = count_points_in_polygons(point_partitions(folder), polygons, options=options)
        pd.testing.assert_frame_equal(got, expected)


def test_partitions_skip_polygons_far_from_them(tmp_path):
    # two clusters far apart, one file each: each file's bounding box meets one polygon only
    points = points_frame([(0, 0), (1, 1), (1000, 1000), (1001, 1001)], ["2020-01-01"] * 4)
    write_points(points, tmp_path, partitions=2)
    lazy = open_points(tmp_path, ["date"])
    assert lazy.spatial_partitions is not None
    polygons = gpd.GeoSeries([shapely.box(-1, -1, 2, 2), shapely.box(999, 999, 1002, 1002)], crs=CRS)
    got = count_points_in_polygons(lazy, polygons, options=EngineOptions(workers=2))
    assert got["count"].tolist() == [2, 2]
    arrays = point_partitions(tmp_path)
    assert arrays.extents == ((0.0, 0.0, 1.0, 1.0), (1000.0, 1000.0, 1001.0, 1001.0))
    assert count_points_in_polygons(arrays, polygons)["count"].tolist() == [2, 2]


def test_point_arrays_from_wkb_and_from_native_point_encoding(tmp_path):
    points = points_frame([(1.5, 2.5), None, (3, 4)], ["2020-01-01", "2021-05-05", None])
    points.to_parquet(tmp_path / "wkb.parquet")
    points.to_parquet(tmp_path / "native.parquet", geometry_encoding="geoarrow")
    for name in ("wkb", "native"):
        (reader,) = point_partitions(tmp_path / f"{name}.parquet").readers
        x, y, year = reader()
        np.testing.assert_array_equal(x, [1.5, np.nan, 3.0])
        np.testing.assert_array_equal(y, [2.5, np.nan, 4.0])
        np.testing.assert_array_equal(year, [2020.0, 2021.0, np.nan])
    # text dates, as the store's occurrences dataset keeps them; a list of files is one partition each
    points.assign(date=["2019-05-03T10:00Z", "soon", None]).to_parquet(tmp_path / "text.parquet")
    both = point_partitions([tmp_path / "text.parquet", tmp_path / "wkb.parquet"])
    assert len(both.readers) == 2
    np.testing.assert_array_equal(both.readers[0]()[2], [2019.0, np.nan, np.nan])
    pd.DataFrame({"a": [1]}).to_parquet(tmp_path / "plain.parquet")
    with pytest.raises(InputFileError, match=r"without GeoParquet metadata"):
        point_partitions(tmp_path / "plain.parquet")
    with pytest.raises(InputFileError, match=r"no column 'when'"):
        point_partitions(tmp_path / "wkb.parquet", "when")


def test_bad_input_is_refused(edge_case, tmp_path):
    points, polygons = edge_case
    with pytest.raises(AnalysisError, match=r"CRS \(EPSG:4326\) differs from the polygons' \(EPSG:3857\)"):
        count_points_in_polygons(points.set_crs(4326, allow_override=True), polygons)
    with pytest.raises(AnalysisError, match=r"no column 'when'"):
        count_points_in_polygons(points, polygons, year_column="when")
    with pytest.raises(AnalysisError, match=r"workers=0 is not allowed"):
        EngineOptions(workers=0)
    with pytest.raises(AnalysisError, match=r"a geometry is a Polygon, not a Point"):
        count_points_in_polygons(
            points.set_geometry([shapely.box(0, 0, 1, 1)] * len(points), crs=CRS), polygons
        )
    with pytest.raises(InputFileError, match=r"does not exist"):
        open_points(tmp_path / "missing")


def test_unreachable_scheduler_says_so(edge_case, tmp_path):
    pytest.importorskip("distributed")
    points, polygons = edge_case
    write_points(points, tmp_path, partitions=2)
    with pytest.raises(AnalysisError, match=r"cannot reach the dask scheduler at 'tcp://127.0.0.1:9'"):
        count_points_in_polygons(
            open_points(tmp_path, ["date"]), polygons, options=EngineOptions(scheduler="tcp://127.0.0.1:9")
        )


def test_on_a_dask_distributed_cluster(edge_case, tmp_path):
    distributed = pytest.importorskip("distributed")
    points, polygons = edge_case
    write_points(points, tmp_path, partitions=3)
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, protocol="tcp", dashboard_address=None
    ) as cluster:
        options = EngineOptions(scheduler=cluster.scheduler_address)
        got = count_points_in_polygons(point_partitions(tmp_path), polygons, options=options)
        pd.testing.assert_frame_equal(got, sjoin_counts(points, polygons))
        got = count_points_in_polygons(open_points(tmp_path, ["date"]), polygons, options=options)
        pd.testing.assert_frame_equal(got, sjoin_counts(points, polygons))
