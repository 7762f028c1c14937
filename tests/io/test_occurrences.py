"""GBIF / Darwin Core occurrences into population counts, linked to the nearest site within a distance."""

from __future__ import annotations

import pandas as pd
import pyproj
import pytest
import shapely
from io_builders import put, sha

from deerhabitat.config import StoreConfig
from deerhabitat.errors import SchemaError
from deerhabitat.io import Store
from deerhabitat.io.occurrences import event_date, sampling_method
from deerhabitat.workflows import ImportOptions, import_layer, validate_file

GEOD = pyproj.Geod(ellps="WGS84")
COLUMNS = [
    "gbifID",
    "occurrenceID",
    "basisOfRecord",
    "occurrenceStatus",
    "individualCount",
    "eventDate",
    "year",
    "month",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "samplingProtocol",
    "degreeOfEstablishment",
    "scientificName",
]
BADAI = (60.41, 41.82)
ZARAFSHAN = (66.94, 39.95)


def record(gbif_id, lon, lat, count="12", date="2019-05-03T10:22:00Z", **extra):
    row = dict.fromkeys(COLUMNS, "")
    row.update(
        {
            "gbifID": str(gbif_id),
            "occurrenceID": f"urn:x:{gbif_id}",
            "basisOfRecord": "HUMAN_OBSERVATION",
            "occurrenceStatus": "PRESENT",
            "individualCount": count,
            "eventDate": date,
            "decimalLatitude": "" if lat is None else repr(lat),
            "decimalLongitude": "" if lon is None else repr(lon),
            "scientificName": "Cervus elaphus bactrianus Lydekker, 1900",
        }
    )
    row.update(extra)
    return row


def gbif_file(tmp_path, rows, name="occurrence.csv"):
    """A GBIF 'simple' download: tab-separated, though called .csv."""
    lines = ["\t".join(COLUMNS)] + ["\t".join(r[c] for c in COLUMNS) for r in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def north_of(point, metres):
    lon, lat, _ = GEOD.fwd(point[0], point[1], 0, metres)
    return lon, lat


def albers_km(a, b) -> float:
    """Distance in the store's equal-area CRS, computed here with pyproj directly."""
    to_albers = pyproj.Transformer.from_crs(4326, StoreConfig().crs, always_xy=True)
    (x1, y1), (x2, y2) = to_albers.transform(*a), to_albers.transform(*b)
    return ((x1 - x2) ** 2 + (y1 - y2) ** 2) ** 0.5 / 1000


def test_records_become_counts_linked_to_the_nearest_site(tmp_path, store):
    near_badai = north_of(BADAI, 3000)
    far = north_of(ZARAFSHAN, 30_000)
    path = gbif_file(
        tmp_path,
        [
            record(101, *near_badai, coordinateUncertaintyInMeters="50"),
            record(
                102, 68.3, 37.25, count="7", date="2020-04-01/2020-04-30", samplingProtocol="Camera trapping"
            ),
            record(103, *far),
            record(104, *BADAI, count=""),
            record(105, *BADAI, count="", occurrenceStatus="ABSENT"),
            record(106, None, None),
            record(107, *ZARAFSHAN, date="", year="2018", month="7", degreeOfEstablishment="captive"),
        ],
    )
    result = import_layer("gbif", path, store=store.path, options=ImportOptions(max_distance_km=10))
    assert (result.features, result.added, result.rejected) == (7, 4, 3)
    counts = Store(store.path).read("population-counts").set_index("count_id")
    assert counts.index.tolist() == ["gbif:101", "gbif:102", "gbif:105", "gbif:107"]
    assert counts["site_id"].tolist() == ["badai", "tigrovaya", "badai", "zarafshan"]
    assert counts["count"].tolist() == [12, 7, 0, 12]
    assert counts["date"].tolist() == ["2019-05-03", "2020-04-01", "2019-05-03", "2018-07"]
    assert counts["method"].tolist() == ["estimate", "camera-trap", "estimate", "estimate"]
    assert counts["captive"].tolist() == [False, False, False, True]
    assert counts.loc["gbif:101", "distance_to_site_km"] == pytest.approx(
        albers_km(near_badai, BADAI), abs=1e-3
    )
    assert counts.loc["gbif:101", "distance_to_site_km"] == pytest.approx(3.0, rel=0.01)  # geodesic 3 km
    assert counts.loc["gbif:102", "distance_to_site_km"] == 0.0, "inside the site's polygon"
    assert counts.loc["gbif:101", "coordinate_uncertainty_m"] == 50.0
    assert counts.loc["gbif:101", "source"] == "GBIF occurrence 101 (occurrence.csv)"
    assert counts.loc["gbif:101", "scientificName"] == "Cervus elaphus bactrianus Lydekker, 1900"
    point = counts.loc["gbif:101", "geometry"]
    assert (point.x, point.y) == pytest.approx(near_badai)
    texts = sorted(str(w) for w in result.warnings)
    distance = albers_km(far, ZARAFSHAN)
    assert texts == [
        "count_id='gbif:103': no site within 10 km (the nearest, site_id='zarafshan', is "
        f"{distance:.1f} km away); left out: add its site, or raise --max-distance-km",
        "count_id='gbif:104': has no individualCount: a presence-only record is not a population count; left "
        "out",
        "count_id='gbif:106': has no coordinates (decimalLongitude/decimalLatitude empty); left out",
    ]
    log = Store(store.path).provenance().iloc[-1]
    assert (log["layer"], log["added"], log["rejected"]) == ("population-counts", 4, 3)


def test_reimporting_the_same_download_updates_the_counts(tmp_path, store):
    path = gbif_file(tmp_path, [record(101, *BADAI)])
    import_layer("gbif", path, store=store.path, options=ImportOptions(max_distance_km=5))
    again = import_layer("gbif", path, store=store.path, options=ImportOptions(max_distance_km=5))
    assert (again.added, again.updated, again.total) == (0, 1, 1)


def test_wrong_values_are_errors(tmp_path, store):
    path = gbif_file(
        tmp_path,
        [
            record(201, *BADAI, count="-2"),
            record(202, *BADAI, count="2.5"),
            record(203, *BADAI, date="2999-01-01"),
            record(204, *BADAI, coordinateUncertaintyInMeters="far"),
        ],
    )
    report = validate_file("gbif", path, store=store.path, options=ImportOptions(max_distance_km=5))
    found = [str(f) for f in report.errors]
    assert "count_id='gbif:201': count=-2 must be at least 0" in found
    assert "count_id='gbif:202': count '2.5' is not a whole number" in found
    assert any(f.startswith("count_id='gbif:203': date '2999-01-01' is in the future") for f in found)
    assert (
        "count_id='gbif:204': coordinateUncertaintyInMeters 'far' is not a number of metres ≥ 0; fix or "
        "empty "
        "it" in found
    )
    before = sha(store.path)
    with pytest.raises(SchemaError):
        import_layer("gbif", path, store=store.path, options=ImportOptions(max_distance_km=5))
    assert sha(store.path) == before


def test_refusals(tmp_path, store):
    path = gbif_file(tmp_path, [record(301, *BADAI)])
    with pytest.raises(SchemaError, match="a GBIF import needs --max-distance-km D"):
        import_layer("gbif", path, store=store.path)
    with pytest.raises(SchemaError, match=r"--max-distance-km -1\.0 must be a positive number of kilometres"):
        import_layer("gbif", path, store=store.path, options=ImportOptions(max_distance_km=-1.0))
    with pytest.raises(
        SchemaError, match="the store has no sites with a location; each GBIF record is linked"
    ):
        import_layer(
            "gbif",
            path,
            store=Store.create(tmp_path / "empty.gpkg").path,
            options=ImportOptions(max_distance_km=5),
        )
    bare = tmp_path / "bare.csv"
    bare.write_text("gbifID,decimalLatitude,decimalLongitude\n1,41,60\n", encoding="utf-8")
    with pytest.raises(
        SchemaError,
        match=r"lacks the Darwin Core column\(s\) \['individualCount', 'eventDate \(or "
        r"year\)'\]",
    ):
        import_layer("gbif", bare, store=store.path, options=ImportOptions(max_distance_km=5))
    anonymous = tmp_path / "anon.csv"
    anonymous.write_text("individualCount,eventDate,decimalLatitude,decimalLongitude\n1,2019,41,60\n")
    with pytest.raises(SchemaError, match="no record id column \\(gbifID, occurrenceID or catalogNumber"):
        import_layer("gbif", anonymous, store=store.path, options=ImportOptions(max_distance_km=5))
    nothing = gbif_file(tmp_path, [record(302, *BADAI, count="")], name="nothing.csv")
    with pytest.raises(SchemaError, match=r"no feature of .* is left after the gbif filters"):
        import_layer("gbif", nothing, store=store.path, options=ImportOptions(max_distance_km=5))


def test_equidistant_sites_link_to_the_smallest_id(tmp_path, empty_store):
    # The Albers CRS is symmetric about its central meridian (67°E): these two sites are exactly as far.
    sites = [
        {"site_id": s, "name": s, "iso3": "UZB", "status": st, "source": "t"}
        for s, st in (("b", "native"), ("a", "captive"))
    ]
    import geopandas as gpd

    frame = gpd.GeoDataFrame(sites, geometry=[shapely.Point(67.2, 40.0), shapely.Point(66.8, 40.0)], crs=4326)
    put(empty_store, "sites", frame)
    path = gbif_file(tmp_path, [record(401, 67.0, 40.0)])
    import_layer("gbif", path, store=empty_store.path, options=ImportOptions(max_distance_km=50))
    row = Store(empty_store.path).read("population-counts").iloc[0]
    assert (row["site_id"], row["captive"]) == ("a", True), "the captive site makes the count captive"


def test_uncertainty_larger_than_the_link_distance_is_a_warning(tmp_path, store):
    path = gbif_file(tmp_path, [record(501, *BADAI, coordinateUncertaintyInMeters="20000")])
    report = validate_file("gbif", path, store=store.path, options=ImportOptions(max_distance_km=5))
    assert [str(w) for w in report.warnings] == [
        "count_id='gbif:501': coordinate uncertainty (20000 m) exceeds the link distance (5 km): the site "
        "link may be wrong"
    ]


def test_darwin_core_helpers():
    cols = {"eventdate": "eventDate", "year": "year", "month": "month", "day": "day"}
    assert event_date({"eventDate": "2019-05-03 08:00"}, cols) == "2019-05-03"
    assert event_date({"eventDate": None, "year": "2017", "month": None}, cols) == "2017"
    assert event_date({"eventDate": None, "year": 2017, "month": 3, "day": 9}, cols) == "2017-03-09"
    assert event_date({"eventDate": None, "year": None}, cols) is None
    protocol = {"samplingprotocol": "p", "basisofrecord": "b"}
    assert (
        sampling_method({"p": "Distance sampling (line transects)", "b": ""}, protocol) == "distance-sampling"
    )
    assert sampling_method({"p": "annual census", "b": ""}, protocol) == "census"
    assert sampling_method({"p": "", "b": "MACHINE_OBSERVATION"}, protocol) == "camera-trap"
    assert sampling_method({"p": pd.NA, "b": None}, protocol) == "estimate"
