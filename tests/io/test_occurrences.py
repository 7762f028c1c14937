"""Occurrences: GBIF (Darwin Core) and Movebank files streamed into a GeoParquet dataset beside the store.

The files are made here with known answers: record counts, the ids refused per reason, and speeds
between telemetry fixes computed independently with pyproj.Geod.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pyarrow.parquet as pq
import pyproj
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_builders import sha

from deerhabitat.errors import SchemaError
from deerhabitat.io import Store
from deerhabitat.io.datasets import (
    dataset_folder,
    iter_occurrences,
    occurrence_files,
    read_occurrences,
    years_present,
)
from deerhabitat.io.gpkg_store import GpkgWriter
from deerhabitat.io.store import file_sha256
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import ImportOptions, import_layer, validate_file

GEOD = pyproj.Geod(ellps="WGS84")
DWC = [
    "gbifID",
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
    "organismID",
]
BADAI = (60.41, 41.82)  # inside UZB of the test store's range states
TIGROVAYA = (68.3, 37.25)


def dwc(gbif_id, lon, lat, date="2019-05-03T10:22:00Z", **extra) -> dict:
    row = dict.fromkeys(DWC, "")
    row.update(
        gbifID=str(gbif_id),
        basisOfRecord="HUMAN_OBSERVATION",
        occurrenceStatus="PRESENT",
        eventDate=date,
        decimalLongitude="" if lon is None else repr(lon),
        decimalLatitude="" if lat is None else repr(lat),
    )
    row.update(extra)
    return row


def write_dwc(path: Path, rows: list[dict]) -> Path:
    """A GBIF 'simple' download: tab-separated, though called .csv."""
    lines = ["\t".join(DWC)] + ["\t".join(r[c] for c in DWC) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HOLD_OUT = [
    dwc(1, *BADAI, individualCount="3", coordinateUncertaintyInMeters="50"),
    dwc(2, *TIGROVAYA, date="2020-04-01/2020-04-30", samplingProtocol="Camera trapping"),
    dwc(3, *BADAI, occurrenceStatus="ABSENT"),  # an absence: left out, not an occurrence
    dwc(4, None, None),  # no position
    dwc(5, 0.0, 0.0),  # 0/0
    dwc(6, 10.0, 50.0),  # Germany: outside the range states
    dwc(7, *BADAI, date="", year="2018", month="7", basisOfRecord="PRESERVED_SPECIMEN"),
    dwc(8, "x", 41.0),  # no position
    dwc(9, *BADAI, date="2999-01-01"),  # future
    dwc(10, *BADAI, individualCount="-2"),  # bad value
    dwc(11, *BADAI, samplingProtocol="dung counts", organismID="f-1"),
]


def test_darwin_core_bad_records_refuse_the_file_and_leave_the_store_unchanged(tmp_path, store):
    path = write_dwc(tmp_path / "occurrence.csv", HOLD_OUT)
    before = sha(store.path)
    with pytest.raises(SchemaError) as caught:
        import_layer("gbif", path, store=store.path)
    texts = [str(p) for p in caught.value.problems]
    assert texts[0] == (
        "no position (longitude/latitude empty, not numbers, or beyond ±180/±90): 2 record(s) "
        "(gbif:4, gbif:8)"
    )
    assert texts[1] == "position 0/0: 1 record(s) (gbif:5)"
    assert texts[2].startswith(
        "no date, or a date that is not one, in the future or before 1700: 1 record(s) (gbif:9)"
    )
    assert texts[3].endswith(": 1 record(s) (gbif:10)")
    assert texts[4].startswith("outside the range states (TJK, UZB; 50 km margin): 1 record(s) (gbif:6)")
    assert texts[4].endswith("leave them out with --drop-invalid")
    assert sha(store.path) == before
    assert not dataset_folder(store.path, LayerKind.OCCURRENCES).exists()
    assert not Store(store.path).has(LayerKind.OCCURRENCES)


def test_darwin_core_with_drop_invalid(tmp_path, store):
    path = write_dwc(tmp_path / "occurrence.csv", HOLD_OUT)
    result = import_layer("gbif", path, store=store.path, options=ImportOptions(drop_invalid=True))
    assert result.dropped == {
        "no-position": 2,
        "zero-zero": 1,
        "bad-date": 1,
        "bad-value": 1,
        "outside-range": 1,
    }
    assert (result.features, result.added, result.rejected, result.total) == (11, 4, 7, 4)
    frame = read_occurrences(store.path).set_index("occurrence_id").sort_index()
    assert frame.index.tolist() == ["gbif:1", "gbif:11", "gbif:2", "gbif:7"]
    assert frame["kind"].tolist() == ["observation", "sign", "camera-trap", "specimen"]
    assert frame["date"].tolist() == ["2019-05-03T10:22:00Z", "2019-05-03T10:22:00Z", "2020-04-01", "2018-07"]
    assert frame.loc["gbif:1", "count"] == 3 and frame["count"].isna().sum() == 3
    assert frame.loc["gbif:1", "coordinate_uncertainty_m"] == 50.0
    assert frame.loc["gbif:11", "animal_id"] == "f-1"
    assert (frame.loc["gbif:2", "geometry"].x, frame.loc["gbif:2", "geometry"].y) == TIGROVAYA
    assert years_present(store.path) == [2018, 2019, 2020]
    log = Store(store.path).provenance().iloc[-1]
    assert (log["layer"], log["added"], log["rejected"], log["total"]) == ("occurrences", 4, 7, 4)
    assert log["sha256"] == file_sha256(path)


def test_the_files_are_geoparquet_registered_with_their_sha256(tmp_path, store):
    path = write_dwc(tmp_path / "occurrence.csv", HOLD_OUT[:2])
    import_layer("gbif", path, store=store.path)
    files = Store(store.path).dataset_files(LayerKind.OCCURRENCES)
    assert len(files) == 2 and sorted(files["partition"]) == [2019, 2020]
    folder = dataset_folder(store.path, LayerKind.OCCURRENCES)
    assert sorted(p.relative_to(folder).parts[0] for p in folder.rglob("*.parquet")) == [
        "year=2019",
        "year=2020",
    ]
    for row in files.itertuples():
        assert file_sha256(row.path) == row.sha256 and row.rows == 1
        geo = json.loads(pq.read_schema(row.path).metadata[b"geo"])
        assert geo["version"].startswith("1.") and geo["columns"]["geometry"]["encoding"] == "WKB"
        assert "covering" in geo["columns"]["geometry"]  # the bbox column
    with __import__("sqlite3").connect(store.path) as con:
        (relative,) = con.execute("SELECT path FROM deerhabitat_datasets LIMIT 1").fetchone()
    assert relative.startswith("deer.occurrences/year=")


def test_a_gbif_zip_download_is_read_from_inside(tmp_path, store):
    table = write_dwc(tmp_path / "occurrence.txt", HOLD_OUT[:2])
    archive = tmp_path / "0012345-250101.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(table, "occurrence.txt")
        zf.writestr("meta.xml", "<archive/>")
        zf.writestr("verbatim.txt", "gbifID\n1\n")
    result = import_layer("gbif", archive, store=store.path)
    assert (result.added, result.file_format) == (2, "zip (Darwin Core Archive)")


def test_reimporting_updates_and_replace_replaces(tmp_path, store):
    first = write_dwc(tmp_path / "a.csv", HOLD_OUT[:2])
    import_layer("gbif", first, store=store.path)
    old_files = set(occurrence_files(store.path))
    again = import_layer("gbif", first, store=store.path)
    assert (again.added, again.updated, again.total) == (0, 2, 2)
    assert not old_files & set(occurrence_files(store.path)), "the old files were rewritten"
    assert all(not p.exists() for p in old_files)
    more = write_dwc(tmp_path / "b.csv", [dwc(1, *BADAI, individualCount="9"), dwc(20, *BADAI)])
    result = import_layer("gbif", more, store=store.path)
    assert (result.added, result.updated, result.total) == (1, 1, 3)
    frame = read_occurrences(store.path).set_index("occurrence_id")
    assert frame.loc["gbif:1", "count"] == 9 and len(frame) == 3
    replaced = import_layer("gbif", more, store=store.path, replace=True)
    assert replaced.total == 2 and len(read_occurrences(store.path)) == 2
    on_disk = {p.resolve() for p in dataset_folder(store.path, LayerKind.OCCURRENCES).rglob("*.parquet")}
    assert on_disk == {p.resolve() for p in occurrence_files(store.path)}


def test_duplicate_ids_in_a_file_are_refused(tmp_path, store):
    path = write_dwc(tmp_path / "dup.csv", [dwc(1, *BADAI), dwc(1, *BADAI), dwc(2, *BADAI)])
    with pytest.raises(SchemaError, match=r"1 record id\(s\) appear more than once in the file \(gbif:1\)"):
        import_layer("gbif", path, store=store.path, options=ImportOptions(chunk_rows=1))


def test_a_failed_import_leaves_neither_registry_row_nor_file(tmp_path, store, monkeypatch):
    path = write_dwc(tmp_path / "occurrence.csv", HOLD_OUT[:2])
    before = sha(store.path)

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(GpkgWriter, "register_dataset_files", broken)
    with pytest.raises(OSError, match="disk full"):
        import_layer("gbif", path, store=store.path)
    assert sha(store.path) == before
    folder = dataset_folder(store.path, LayerKind.OCCURRENCES)
    assert not folder.exists() or not any(folder.rglob("*"))


# -- Movebank telemetry -------------------------------------------------------------------------

MOVEBANK = [
    "event-id",
    "individual-local-identifier",
    "timestamp",
    "location-long",
    "location-lat",
    "sensor-type",
]


def fixes() -> list[tuple[str, str, str, float, float]]:
    """Two animals, interleaved; A jumps 150 km east for one fix (an impossible speed), then comes back."""
    a0 = (66.0, 40.0)
    a1 = GEOD.fwd(*a0, 0, 5_000)[:2]  # 5 km north in 1 h: 5 km/h
    a2 = GEOD.fwd(*a1, 90, 150_000)[:2]  # 150 km east in 1 h: 150 km/h
    a3 = GEOD.fwd(*a1, 180, 2_000)[:2]  # 2 km from a1 in 2 h (a2 is not a previous fix)
    b0 = (66.5, 40.5)
    b1 = GEOD.fwd(*b0, 45, 60_000)[:2]  # 60 km in 1 h: 60 km/h
    return [
        ("1", "A", "2021-03-01 00:00:00.000", *a0),
        ("2", "B", "2021-03-01 00:00:00.000", *b0),
        ("3", "A", "2021-03-01 01:00:00.000", *a1),
        ("4", "A", "2021-03-01 02:00:00.000", *a2),
        ("5", "B", "2021-03-01 01:00:00.000", *b1),
        ("6", "A", "2021-03-01 03:00:00.000", *a3),
    ]


def write_movebank(path: Path, rows) -> Path:
    lines = [",".join(MOVEBANK)] + [",".join([*map(str, r), "gps"]) for r in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def hand_speeds_kmh() -> dict[str, float]:
    """Speeds from each fix's previous accepted fix, computed here with pyproj.Geod (80 km/h limit)."""
    rows = {r[0]: r for r in fixes()}

    def speed(a, b, hours):
        return GEOD.inv(rows[a][3], rows[a][4], rows[b][3], rows[b][4])[2] / 1000 / hours

    return {
        "3": speed("1", "3", 1),
        "4": speed("3", "4", 1),
        "5": speed("2", "5", 1),
        "6": speed("3", "6", 2),
    }


def test_hand_computed_speeds():
    speeds = hand_speeds_kmh()
    assert speeds["3"] == pytest.approx(5.0) and speeds["4"] == pytest.approx(150.0)
    assert speeds["5"] == pytest.approx(60.0) and speeds["6"] == pytest.approx(1.0)


def test_movebank_fixes_with_an_impossible_speed(tmp_path, store):
    path = write_movebank(tmp_path / "study.csv", fixes())
    before = sha(store.path)
    with pytest.raises(
        SchemaError, match=r"faster than 80 km/h from the animal's previous fix: 1 record\(s\) \(movebank:4\)"
    ):
        import_layer("movebank", path, store=store.path)
    assert sha(store.path) == before
    result = import_layer("movebank", path, store=store.path, options=ImportOptions(drop_invalid=True))
    assert result.dropped == {"impossible-speed": 1} and result.added == 5
    frame = read_occurrences(store.path).set_index("occurrence_id").sort_index()
    assert frame.index.tolist() == ["movebank:1", "movebank:2", "movebank:3", "movebank:5", "movebank:6"]
    assert set(frame["kind"]) == {"telemetry"} and frame["animal_id"].tolist() == ["A", "B", "A", "B", "A"]
    assert frame.loc["movebank:3", "date"] == "2021-03-01T01:00:00Z"
    assert frame.loc["movebank:1", "source"] == "Movebank (study.csv, gps)"


def test_a_lower_speed_limit_refuses_more(tmp_path, store):
    path = write_movebank(tmp_path / "study.csv", fixes())
    options = ImportOptions(drop_invalid=True, max_speed_kmh=50)
    result = import_layer("movebank", path, store=store.path, options=options)
    # 60 km/h (B) is now too fast too; A's fix 6 is still compared with fix 3.
    assert result.dropped == {"impossible-speed": 2}
    assert sorted(read_occurrences(store.path)["occurrence_id"]) == [
        "movebank:1",
        "movebank:2",
        "movebank:3",
        "movebank:6",
    ]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chunk_rows=st.integers(1, 7), batch_rows=st.integers(1, 7))
def test_any_chunk_and_batch_size_gives_the_same_rows(tmp_path_factory, chunk_rows, batch_rows):
    from io_builders import put

    folder = tmp_path_factory.mktemp("chunks")
    store = Store.create(folder / "deer.gpkg")
    put(store, "range-states")
    path = write_movebank(folder / "study.csv", fixes())
    options = ImportOptions(drop_invalid=True, chunk_rows=chunk_rows)
    result = import_layer("movebank", path, store=store.path, options=options)
    assert result.dropped == {"impossible-speed": 1}
    batches = list(iter_occurrences(store.path, batch_rows=batch_rows))
    assert all(len(b) <= batch_rows for b in batches)
    ids = sorted(i for b in batches for i in b["occurrence_id"])
    assert ids == ["movebank:1", "movebank:2", "movebank:3", "movebank:5", "movebank:6"]


def test_fixes_out_of_time_order_refuse_the_file(tmp_path, store):
    rows = fixes()
    rows[2], rows[3] = rows[3], rows[2]  # A's 02:00 fix before its 01:00 fix
    path = write_movebank(tmp_path / "study.csv", rows)
    with pytest.raises(SchemaError, match="the fixes of animal 'A' are not in time order: movebank:3"):
        import_layer(
            "movebank", path, store=store.path, options=ImportOptions(chunk_rows=2, drop_invalid=True)
        )


def test_movebank_columns_are_required(tmp_path, store):
    path = tmp_path / "bad.csv"
    path.write_text("event-id,timestamp\n1,2020-01-01\n")
    with pytest.raises(SchemaError, match="lacks the Movebank column"):
        import_layer("movebank", path, store=store.path)


# -- reading ------------------------------------------------------------------------------------


def test_reader_filters_by_year_bbox_and_columns(tmp_path, store):
    rows = [dwc(i, 60.0 + i / 10, 41.0, date=f"{2015 + i % 3}-06-01") for i in range(1, 10)]
    import_layer("gbif", write_dwc(tmp_path / "o.csv", rows), store=store.path)
    assert len(read_occurrences(store.path)) == 9
    assert sorted(read_occurrences(store.path, years=[2016])["occurrence_id"]) == [
        "gbif:1",
        "gbif:4",
        "gbif:7",
    ]
    inside = read_occurrences(store.path, bbox=(60.15, 40.0, 60.45, 42.0))
    assert sorted(inside["occurrence_id"]) == ["gbif:2", "gbif:3", "gbif:4"]
    slim = read_occurrences(store.path, columns=["date"])
    assert list(slim.columns) == ["date", "geometry"] and str(slim.crs) == "EPSG:4326"
    assert len(occurrence_files(store.path, years=[2017])) == 1
    assert read_occurrences(store.path, years=[1990]).empty


def test_validate_reports_bad_records_without_writing(tmp_path, store):
    path = write_dwc(tmp_path / "occurrence.csv", HOLD_OUT)
    before = sha(store.path)
    report = validate_file("gbif", path, store=store.path)
    assert not report.ok and len(report.errors) == 5 and report.features == 11
    dropped = validate_file("gbif", path, store=store.path, options=ImportOptions(drop_invalid=True))
    assert dropped.ok and dropped.accepted == 4
    assert sha(store.path) == before


def test_files_left_by_a_killed_import_are_removed_by_the_next(tmp_path, store):
    import_layer("gbif", write_dwc(tmp_path / "a.csv", HOLD_OUT[:1]), store=store.path)
    folder = dataset_folder(store.path, LayerKind.OCCURRENCES)
    stray = folder / "year=2019" / "part-killed-00000.parquet"
    tmp = folder / "year=2031" / ".part-killed-00001.parquet.tmp"
    for path in (stray, tmp):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"half a file")
    assert len(read_occurrences(store.path)) == 1, "readers trust the registry, not the folder"
    import_layer("gbif", write_dwc(tmp_path / "b.csv", [dwc(2, *BADAI)]), store=store.path)
    assert not stray.exists() and not tmp.exists() and not tmp.parent.exists()
    assert sorted(read_occurrences(store.path)["occurrence_id"]) == ["gbif:1", "gbif:2"]


def test_a_copied_store_gets_its_own_occurrence_files(tmp_path, store):
    import_layer("gbif", write_dwc(tmp_path / "a.csv", HOLD_OUT[:2]), store=store.path)
    copy = Store.copy(store.path, tmp_path / "copy.gpkg")
    mine, theirs = occurrence_files(copy.path), occurrence_files(store.path)
    assert len(mine) == 2 and not {p.resolve() for p in mine} & {p.resolve() for p in theirs}
    assert all(p.parent.parent.name == "copy.occurrences" for p in mine)
    import_layer("gbif", write_dwc(tmp_path / "b.csv", [dwc(1, *BADAI)]), store=copy.path, replace=True)
    assert len(read_occurrences(store.path)) == 2 and len(read_occurrences(copy.path)) == 1
    assert all(p.exists() for p in theirs), "the original's files are left alone"


def test_a_record_without_id_is_named_by_its_line(tmp_path, store):
    rows = [dwc(1, *BADAI), dwc(2, *BADAI, occurrenceStatus="ABSENT"), dwc("", *BADAI), dwc(4, *BADAI)]
    path = write_dwc(tmp_path / "o.csv", rows)
    for chunk_rows in (1, 2, 10):
        with pytest.raises(SchemaError, match=r"no record id: 1 record\(s\) \(line 4\)"):
            import_layer("gbif", path, store=store.path, options=ImportOptions(chunk_rows=chunk_rows))


def test_movebank_columns_can_be_mapped_with_field(tmp_path, store):
    path = tmp_path / "renamed.csv"
    path.write_text("id,animal,time,lon,lat\n1,A,2022-01-01 00:00:00,64.0,41.0\n", encoding="utf-8")
    fields = [
        "id=event-id",
        "animal=individual-local-identifier",
        "time=timestamp",
        "lon=location-long",
        "lat=location-lat",
    ]
    result = import_layer("movebank", path, store=store.path, options=ImportOptions(fields=fields))
    assert result.added == 1
    assert read_occurrences(store.path)["date"].tolist() == ["2022-01-01T00:00:00Z"]
