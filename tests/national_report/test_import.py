"""Importing national reports: the mapping to layers, the report kept whole, versions, atomicity."""

from __future__ import annotations

import datetime as dt
import json
import math

import geopandas as gpd
import pyproj
import pytest
import shapely
import yaml

from deerhabitat.config import StoreChoice, StoreConfig
from deerhabitat.errors import LayerNotFoundError, ReportFormatError, StoreError
from deerhabitat.io import Provenance, Store
from deerhabitat.io.national_report_layers import circle_of_area, merge_version, report_layers
from deerhabitat.nrschema import check_report
from deerhabitat.schema import LayerKind, validate_layer
from deerhabitat.workflows import national_report_import, national_report_list, national_report_validate

TODAY = dt.date(2026, 11, 24)
ALBERS = pyproj.CRS(StoreConfig().analysis_crs)
NO_SITES = gpd.GeoDataFrame({"site_id": [], "iso3": []}, geometry=[], crs=4326)


def layers_of(report, *, sites=NO_SITES, pa_ids=(), states=("UZB", "KAZ", "TJK")):
    checked, problems = check_report(report, today=TODAY)
    assert problems == []
    return report_layers(
        checked,
        filename="r.yaml",
        store_sites=sites,
        store_pa_ids=pa_ids,
        range_states=states,
        analysis_crs=ALBERS,
    )


def store_sites(**sites):
    """A validated sites layer: ``name=(iso3, geometry)``."""
    frame = gpd.GeoDataFrame(
        {
            "site_id": list(sites),
            "name": list(sites),
            "iso3": [v[0] for v in sites.values()],
            "status": ["native"] * len(sites),
            "source": ["store"] * len(sites),
        },
        geometry=[v[1] for v in sites.values()],
        crs=4326,
    )
    return validate_layer(frame, "sites")


# -- the mapping ------------------------------------------------------------------------------------------


def test_counts_of_an_illustrative_report_are_marked_illustrative(make_report):
    official, _ = layers_of(make_report())
    assert "data_status" not in official.population_counts.columns  # derived from the method later
    report = make_report()
    report["report"]["illustrative"] = True
    layers, problems = layers_of(report)
    assert problems == []
    assert set(layers.population_counts["data_status"]) == {"illustrative"}


def test_report_maps_to_sites_counts_releases_and_protected_areas(make_report):
    layers, problems = layers_of(make_report())
    assert problems == []
    source = "national report UZB 2020-2023 (r.yaml)"
    assert layers.source == source and layers.id_prefix == "nr:UZB:2020-2023:"
    sites = layers.sites.set_index("site_id")
    assert list(sites.index) == ["UZB-A", "UZB-B"]
    assert sites.loc["UZB-A", "approximate"] and not sites.loc["UZB-B", "approximate"]
    assert (sites.loc["UZB-B", "status"], sites.loc["UZB-B", "scope"], sites.loc["UZB-B", "iso3"]) == (
        "native",
        "site",
        "UZB",
    )
    assert sites.geometry["UZB-B"].equals(shapely.Point(62.192, 40.608))
    counts = layers.population_counts
    assert counts["count_id"].tolist() == [
        "nr:UZB:2020-2023:UZB-A:2019-10",
        "nr:UZB:2020-2023:UZB-A:2023",
        "nr:UZB:2020-2023:UZB-B:2023",
    ]
    assert counts["count"].tolist() == [2112, 1475, 186] and counts["lower"].tolist()[0] == 1320
    assert set(counts["source"]) == {source} and counts["captive"].tolist() == [False] * 3
    assert counts.loc[1, "notes"] == "Cited in the report: eco.gov.uz news 3418"
    release = layers.releases.iloc[0]
    assert (release["release_id"], release["site_id"], release["source_site_id"], release["n_released"]) == (
        "nr:UZB:2020-2023:UZB-A:2021-07",
        "UZB-A",
        "UZB-B",
        12,
    )
    assert layers.protected_areas["pa_id"].tolist() == ["nr:UZB:kyzylkum-snr"]  # the other has no position
    pa = layers.protected_areas.iloc[0]
    assert (pa["iucn_cat"], pa["status_year"], pa["reported_area_km2"], pa["approximate"]) == (
        "Ia",
        1971,
        103.11,
        True,
    )


def test_circle_has_the_reported_area_in_the_equal_area_crs_and_on_the_ellipsoid():
    ring = circle_of_area(shapely.Point(74.738, 45.598), 9766.30, ALBERS)
    projected = gpd.GeoSeries([ring], crs=4326).to_crs(ALBERS).iloc[0]
    assert projected.area / 1e6 == pytest.approx(9766.30, rel=1e-9)
    geodesic_m2, _ = pyproj.Geod(ellps="WGS84").geometry_area_perimeter(ring)
    assert abs(geodesic_m2) / 1e6 == pytest.approx(9766.30, rel=2e-3)
    centre = gpd.GeoSeries([shapely.Point(74.738, 45.598)], crs=4326).to_crs(ALBERS).iloc[0]
    radius_m = math.sqrt(9766.30e6 / math.pi)
    assert projected.centroid.distance(centre) < 1.0
    assert (
        projected.exterior.hausdorff_distance(centre.buffer(radius_m, quad_segs=256).exterior)
        < 0.01 * radius_m
    )


def test_known_sites_keep_the_store_geometry_and_are_not_redrawn(make_report):
    report = make_report()
    del report["populations"][2]["latitude"], report["populations"][2]["longitude"]
    polygon = shapely.box(62.0, 40.5, 62.4, 40.7)
    layers, problems = layers_of(
        report, sites=store_sites(**{"UZB-B": ("UZB", polygon)}), pa_ids=["nr:UZB:kyzylkum-snr"]
    )
    assert problems == []
    assert layers.sites["site_id"].tolist() == ["UZB-A"]
    point = layers.population_counts.set_index("site_id").geometry["UZB-B"]
    assert point.within(polygon)
    assert layers.protected_areas.empty


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (
            lambda r: r["populations"][2].pop("latitude") and r["populations"][2].pop("longitude"),
            "populations[2].site_id: site 'UZB-B' is not in the store and the entry has no "
            "latitude/longitude; use the store's site id (see `deerhabitat export sites`) or give the site's "
            "coordinates to add it",
        ),
        (
            lambda r: r["releases"][0].update(site_id="UZB-Z"),
            "releases[0].site_id: destination site 'UZB-Z' is not in the store nor among the report's "
            "populations with coordinates; use the store's site id, or add the site with its coordinates "
            "under populations",
        ),
        (
            lambda r: r["releases"][0].update(source_site_id="UZB-Z"),
            "releases[0].source_site_id: source site 'UZB-Z' is not in the store nor among the report's "
            "populations with coordinates; use the store's site id, or add the site with its coordinates "
            "under populations",
        ),
        (
            lambda r: r["report"].update(country="AFG"),
            "report.country: 'AFG' is not a range state of this store (KAZ, TJK, UZB); correct the country "
            "code, or import into a store for this country's species",
        ),
    ],
)
def test_reports_that_do_not_fit_the_store(make_report, mutate, expected):
    report = make_report()
    mutate(report)
    _, problems = layers_of(report)
    assert problems == [expected]


def test_a_site_of_another_country_is_refused(make_report):
    _, problems = layers_of(
        make_report(), sites=store_sites(**{"UZB-B": ("TJK", shapely.Point(68.5, 37.25))})
    )
    assert problems == [
        "populations[2].site_id: site 'UZB-B' is in TJK in the store, not in UZB; a national report "
        "covers its own country's sites: correct the site id"
    ]


def test_merge_version_upserts_when_nothing_is_withdrawn():
    current = gpd.GeoDataFrame({"count_id": ["a", "nr:U:2020:x"]}, geometry=[None, None])
    new = gpd.GeoDataFrame({"count_id": ["nr:U:2020:x", "nr:U:2020:y"]}, geometry=[None, None])
    merge = merge_version(current, new, "count_id", "nr:U:2020:")
    assert (merge.mode, merge.withdrawn, merge.frame["count_id"].tolist()) == (
        "upsert",
        0,
        ["nr:U:2020:x", "nr:U:2020:y"],
    )
    emptied = merge_version(current, new.iloc[:0], "count_id", "nr:U:2020:")
    assert (emptied.mode, emptied.withdrawn, emptied.frame["count_id"].tolist()) == ("replace", 1, ["a"])


# -- the report kept in the store -----------------------------------------------------------------------


def test_records_are_versioned_by_country_and_period(store_path, make_report):
    report, _ = check_report(make_report(), today=TODAY)
    store = Store(store_path)
    with store.transaction() as tx:
        assert tx.add_national_report(report, filename="a.yaml", fmt="yaml", content=b"v1", sha256="s1") == 1
        assert tx.add_national_report(report, filename="b.xlsx", fmt="xlsx", content=b"v2", sha256="s2") == 2
    other = json.loads(json.dumps(report))
    other["report"].update(period_start=2016, period_end=2019)
    with store.transaction() as tx:
        assert tx.add_national_report(other, filename="c.yaml", fmt="yaml", content=b"old", sha256="s3") == 1
    records = store.national_reports()
    assert records[["period", "version", "latest", "filename"]].values.tolist() == [
        ["2016-2019", 1, True, "c.yaml"],
        ["2020-2023", 1, False, "a.yaml"],
        ["2020-2023", 2, True, "b.xlsx"],
    ]
    latest = store.national_report("UZB")
    assert (latest.period, latest.version, latest.original, latest.format) == ("2020-2023", 2, b"v2", "xlsx")
    assert latest.report == report
    assert store.national_report("UZB", period=(2020, 2023), version=1).original == b"v1"
    with pytest.raises(
        LayerNotFoundError,
        match=r"no national report KAZ in the store 'store.gpkg' \(kept: UZB "
        r"2016-2019 v1, UZB 2020-2023 v1, UZB 2020-2023 v2\); import it",
    ):
        store.national_report("KAZ")


def test_a_store_without_reports_lists_none(store_path):
    assert Store(store_path).national_reports().empty
    with pytest.raises(LayerNotFoundError, match=r"\(kept: none\)"):
        Store(store_path).national_report("UZB")


# -- the import workflow --------------------------------------------------------------------------------


def test_import_writes_layers_and_keeps_the_file(store_path, tmp_path, make_report, write_yaml, sha256):
    path = write_yaml(tmp_path / "uzb.yaml", make_report())
    result = national_report_import(path, store=store_path)
    assert (result.country, result.period, result.version, result.withdrawn) == ("UZB", "2020-2023", 1, 0)
    assert (
        result.sites_added,
        result.counts_written,
        result.releases_written,
        result.protected_areas_added,
    ) == (2, 3, 1, 1)
    store = Store(store_path)
    counts = store.read(LayerKind.POPULATION_COUNTS)
    assert sorted(counts["count"].tolist()) == [186, 1475, 2112]
    assert set(counts["source"]) == {"national report UZB 2020-2023 (uzb.yaml)"}
    assert store.read(LayerKind.SITES)["site_id"].tolist() == ["UZB-A", "UZB-B"]
    kept = Store(store_path).national_report("UZB")
    assert kept.original == path.read_bytes() and kept.sha256 == sha256(path) and kept.filename == "uzb.yaml"
    assert kept.report["populations"][0]["count"] == 1475
    assert (
        kept.note
        == "2 sites added, 3 counts, 1 releases, 1 protected areas added, 0 withdrawn from an earlier "
        "version"
    )
    provenance = store.provenance()
    assert set(provenance["action"]) == {"national-report"} and set(provenance["sha256"]) == {sha256(path)}


def test_reimport_adds_a_version_and_never_duplicates(store_path, tmp_path, make_report, write_yaml):
    path = write_yaml(tmp_path / "uzb.yaml", make_report())
    national_report_import(path, store=store_path)
    again = national_report_import(path, store=store_path)
    assert (again.version, again.sites_added, again.withdrawn) == (2, 0, 0)
    store = Store(store_path)
    assert len(store.read(LayerKind.POPULATION_COUNTS)) == 3 and len(store.read(LayerKind.RELEASES)) == 1
    assert len(store.read(LayerKind.PROTECTED_AREAS)) == 1
    assert [r["version"] for r in national_report_list(store=store_path)] == [1, 2]


def test_latest_version_wins_and_other_reports_are_untouched(
    store_path, tmp_path, make_report, write_yaml, bundled
):
    national_report_import(bundled / "KAZ-2020-2023.yaml", store=store_path)
    report = make_report()
    path = write_yaml(tmp_path / "uzb.yaml", report)
    national_report_import(path, store=store_path)
    report["populations"] = report["populations"][1:]
    report["populations"][0]["count"] = 2000
    report["releases"] = []
    result = national_report_import(write_yaml(tmp_path / "uzb-v2.yaml", report), store=store_path)
    assert (result.version, result.withdrawn, result.counts_written) == (2, 2, 2)
    counts = Store(store_path).read(LayerKind.POPULATION_COUNTS).set_index("count_id")
    uzb = counts[counts.index.str.startswith("nr:UZB:")]
    assert uzb["count"].to_dict() == {
        "nr:UZB:2020-2023:UZB-A:2019-10": 2000,
        "nr:UZB:2020-2023:UZB-B:2023": 186,
    }
    assert set(uzb["source"]) == {"national report UZB 2020-2023 (uzb-v2.yaml)"}
    assert counts.index.str.startswith("nr:KAZ:2020-2023:").sum() == 4
    releases = Store(store_path).read(LayerKind.RELEASES)["release_id"]
    assert not releases.str.startswith("nr:UZB:").any() and releases.str.startswith("nr:KAZ:").sum() == 4


@pytest.mark.parametrize("breakage", ["bad value", "unknown site", "not a range state", "late failure"])
def test_a_failed_import_leaves_the_store_byte_for_byte(
    store_path, tmp_path, make_report, write_yaml, sha256, bundled, monkeypatch, breakage
):
    national_report_import(bundled / "TJK-2020-2023.yaml", store=store_path)
    before = sha256(store_path)
    report = make_report()
    if breakage == "bad value":
        report["populations"][0]["count"] = -1
    elif breakage == "unknown site":
        del report["populations"][2]["latitude"], report["populations"][2]["longitude"]
    elif breakage == "not a range state":
        report["report"]["country"] = "FRA"
    else:

        def fail(*args, **kwargs):
            raise StoreError("disk full")

        monkeypatch.setattr("deerhabitat.io.gpkg_store.GpkgWriter.add_national_report", fail)
    path = write_yaml(tmp_path / "r.yaml", report)
    with pytest.raises((ReportFormatError, StoreError)):
        national_report_import(path, store=store_path)
    assert sha256(store_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.yaml", "store.gpkg"]


def test_a_store_of_other_range_states_refuses_the_report(tmp_path, bundled):
    from dataclasses import replace

    store = Store.create(tmp_path / "kaz.gpkg", config=replace(StoreConfig(), range_states=("KAZ",)))
    with pytest.raises(
        ReportFormatError,
        match=r"report.country \(line 8\): 'UZB' is not a range state of this "
        r"store \(KAZ\)",
    ):
        national_report_import(bundled / "UZB-2020-2023.yaml", store=store.path)


def test_the_bundled_store_is_never_written(tmp_path, bundled, monkeypatch, sha256):
    readonly = Store.create(tmp_path / "bundled.gpkg").path
    before = sha256(readonly)
    monkeypatch.setattr(
        "deerhabitat.workflows.store.resolve_store", lambda store=None: StoreChoice(readonly, "bundled")
    )
    with pytest.raises(
        StoreError,
        match=r"^read-only: the bundled store .* cannot be changed; get a writable copy with "
        r"`deerhabitat init --from-bundled my.gpkg`",
    ):
        national_report_import(bundled / "UZB-2020-2023.yaml")
    assert sha256(readonly) == before


def test_every_bundled_report_imports_into_a_new_store(store_path, bundled):
    expected = {}
    for source in sorted(bundled.glob("*.yaml")):
        data = yaml.safe_load(source.read_text(encoding="utf-8"))
        expected[data["report"]["country"]] = len(data.get("populations") or [])
        assert national_report_validate(source).valid
        national_report_import(source, store=store_path)
    counts = Store(store_path).read(LayerKind.POPULATION_COUNTS)
    by_country = counts["count_id"].str.split(":").str[1].value_counts().to_dict()
    assert by_country == {k: v for k, v in expected.items() if v}
    assert sum(expected.values()) == len(counts) >= 10
    assert {r["country"] for r in national_report_list(store=store_path)} == set(expected)


def test_import_uses_sites_already_in_the_store(store_path, bundled):
    sites = store_sites(**{"UZB-LABR": ("UZB", shapely.Point(60.5, 41.9))})
    with Store(store_path).transaction() as tx:
        tx.write(LayerKind.SITES, sites, provenance=Provenance("test"))
    result = national_report_import(bundled / "UZB-2020-2023.xlsx", store=store_path)
    assert result.sites_added == 4  # five sites in the report, one already in the store
    store = Store(store_path)
    labr = store.read(LayerKind.SITES).set_index("site_id").loc["UZB-LABR"]
    assert labr["source"] == "store"  # the store's site is not overwritten by the report


def test_bundled_reports_fit_the_bundled_store(tmp_path, bundled):
    """Imported into a copy of the bundled store, the bundled reports reuse its sites and protected areas."""
    import shutil

    from deerhabitat.config import bundled_store_path

    copy = tmp_path / "bundled-copy.gpkg"
    shutil.copyfile(bundled_store_path(), copy)
    before = Store(copy).read_all()
    for source in sorted(bundled.glob("*.xlsx")):
        result = national_report_import(source, store=copy)
        assert (result.sites_added, result.protected_areas_added) == (0, 0), source.name
    after = Store(copy).read_all()
    assert len(after[LayerKind.SITES]) == len(before[LayerKind.SITES])
    assert len(after[LayerKind.PROTECTED_AREAS]) == len(before[LayerKind.PROTECTED_AREAS])
    added = after[LayerKind.POPULATION_COUNTS]
    assert added["count_id"].str.startswith("nr:").sum() == len(added) - len(
        before[LayerKind.POPULATION_COUNTS]
    )
