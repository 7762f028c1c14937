"""``deerhabitat analyze``: the real command on small stores built here, with answers computed apart."""

from __future__ import annotations

import csv
import hashlib
import json
import math

import geopandas as gpd
import pyproj
import pytest
import shapely
from shapely.geometry.polygon import orient

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Provenance, Store
from deerhabitat.schema import LayerKind, validate_layer
from deerhabitat.workflows import analyze
from deerhabitat.workflows.analyze import TABLES

GEOD = pyproj.Geod(ellps="WGS84")

SITES = [  # site_id, iso3, lon, lat, status
    ("amu", "UZB", 65.30, 40.40, "native"),  # inside PA p-ia (and p-iv, which overlaps it)
    ("syr", "KAZ", 68.10, 44.10, "native"),  # inside PA p-kaz
    ("vakhsh", "TJK", 68.60, 37.40, "native"),  # outside every PA
    ("zer", "UZB", 66.90, 39.50, "reintroduced"),
]
COUNTS = {  # site_id: {year: count}; every site counted every year (plain sums)
    "amu": {2002: 120, 2010: 300, 2020: 900},
    "syr": {2002: 60, 2010: 110, 2020: 500},
    "vakhsh": {2002: 200, 2010: 250, 2020: 400},
    "zer": {2002: 20, 2010: 45, 2020: 160},
}
RELEASES = [("zer", "1999", 12), ("zer", "2001-04", 8)]
PAS = [  # pa_id, iucn_cat, status_year, lon/lat box
    ("p-ia", "Ia", 1975, (65.0, 40.0, 66.0, 41.0)),
    ("p-iv", "IV", 1990, (65.2, 40.2, 65.8, 40.8)),  # inside p-ia: adds nothing
    ("p-kaz", "II", 2001, (67.5, 43.5, 68.5, 44.5)),
]
RANGE_2020 = (64.0, 39.0, 67.5, 42.0)  # UZB, contains p-ia entirely
HISTORICAL = (60.0, 37.0, 70.0, 45.0)  # UZB


def geodesic_km2(polygon):
    return abs(GEOD.geometry_area_perimeter(orient(polygon, 1.0))[0]) / 1e6


def _write(store, kind, frame):
    with store.transaction() as tx:
        tx.write(kind, validate_layer(frame, kind), provenance=Provenance("tests/cli/test_analyze.py"))


def build_store(path, *, with_protected_areas=True, with_ranges=True, with_releases=True):
    store = Store.create(path)
    points = {s[0]: shapely.Point(s[2], s[3]) for s in SITES}
    _write(
        store,
        LayerKind.SITES,
        gpd.GeoDataFrame(
            {
                "site_id": [s[0] for s in SITES],
                "name": [s[0].title() for s in SITES],
                "iso3": [s[1] for s in SITES],
                "status": [s[4] for s in SITES],
                "source": "test",
            },
            geometry=list(points.values()),
            crs=4326,
        ),
    )
    rows = [(site, year, n) for site, by_year in COUNTS.items() for year, n in by_year.items()]
    _write(
        store,
        LayerKind.POPULATION_COUNTS,
        gpd.GeoDataFrame(
            {
                "count_id": [f"{s}-{y}" for s, y, _ in rows],
                "site_id": [s for s, _, _ in rows],
                "date": [str(y) for _, y, _ in rows],
                "count": [n for _, _, n in rows],
                "method": "census",
                "captive": False,
                "source": "test",
            },
            geometry=[points[s] for s, _, _ in rows],
            crs=4326,
        ),
    )
    if with_protected_areas:
        _write(
            store,
            LayerKind.PROTECTED_AREAS,
            gpd.GeoDataFrame(
                {
                    "pa_id": [p[0] for p in PAS],
                    "name": [p[0] for p in PAS],
                    "designation": "Zapovednik",
                    "iucn_cat": [p[1] for p in PAS],
                    "status_year": [p[2] for p in PAS],
                    "reported_area_km2": None,
                    "iso3": ["UZB", "UZB", "KAZ"],
                    "source": "test",
                },
                geometry=[shapely.box(*p[3]) for p in PAS],
                crs=4326,
            ),
        )
    if with_ranges:
        _write(
            store,
            LayerKind.RANGES,
            gpd.GeoDataFrame(
                {
                    "range_id": ["h", "c"],
                    "name": ["historical", "current"],
                    "period": ["historical", "2020"],
                    "presence": [5, 1],
                    "origin": [1, 1],
                    "seasonal": [1, 1],
                    "iso3": ["UZB", "UZB"],
                    "source": "test",
                },
                geometry=[shapely.box(*HISTORICAL), shapely.box(*RANGE_2020)],
                crs=4326,
            ),
        )
    if with_releases:
        _write(
            store,
            LayerKind.RELEASES,
            gpd.GeoDataFrame(
                {
                    "release_id": [f"r{i}" for i in range(len(RELEASES))],
                    "site_id": [r[0] for r in RELEASES],
                    "source_site_id": None,
                    "source_name": "Bukhara breeding centre",
                    "date": [r[1] for r in RELEASES],
                    "n_released": [r[2] for r in RELEASES],
                    "source": "test",
                },
                geometry=[None] * len(RELEASES),
                crs=4326,
            ),
        )
    return store.path


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def store_path(tmp_path_factory):
    return build_store(tmp_path_factory.mktemp("analyze") / "deer.gpkg")


@pytest.fixture(scope="module")
def output(store_path, tmp_path_factory):
    """One real `deerhabitat analyze --json --store S --out DIR` run, shared by the tests below."""
    import subprocess
    import sys
    from pathlib import Path

    out_dir = tmp_path_factory.mktemp("tables")
    before = sha256(store_path)
    exe = Path(sys.executable).with_name("deerhabitat")
    done = subprocess.run(
        [str(exe), "analyze", "--json", "--store", str(store_path), "--out", str(out_dir)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return {
        "json": json.loads(done.stdout),
        "stderr": done.stderr,
        "out": out_dir,
        "unchanged": sha256(store_path) == before,
    }


def test_totals_are_plain_sums(output):
    data = output["json"]
    assert data["totals_by_year"] == {"2002": 400, "2010": 705, "2020": 1960}
    expected = sorted(
        (
            {"iso3": iso3, "year": year, "count": sum(COUNTS[s[0]][year] for s in SITES if s[1] == iso3)}
            for iso3 in ("KAZ", "TJK", "UZB")
            for year in (2002, 2010, 2020)
        ),
        key=lambda r: (r["year"], r["iso3"]),
    )
    assert data["totals_by_country_year"] == expected
    assert "carried" in data["totals_rule"] and data["carried_counts"] == []
    assert all(not row["carried"] for row in data["totals_detail"])
    assert data["captive_by_year"] == {}


def test_animals_inside_protected_areas(output):
    rows = {(r["iso3"], r["year"]): r for r in output["json"]["protected_by_country_year"]}
    uzb = rows[("UZB", 2020)]
    assert (uzb["count"], uzb["inside"], uzb["outside"]) == (1060, 900, 160)  # amu inside (once), zer outside
    assert uzb["protected_fraction"] == pytest.approx(900 / 1060)
    assert (rows[("KAZ", 2010)]["inside"], rows[("TJK", 2010)]["outside"]) == (110, 250)
    sites = {r["site_id"]: r for r in output["json"]["site_protection"]}
    assert sites["amu"]["pa_ids"] == ["p-ia", "p-iv"] and sites["amu"]["distance_km"] == 0.0
    assert sites["zer"]["nearest_pa_id"] == "p-ia"
    # zer (66.9E 39.5N) lies south-east of p-ia (65-66E, 40-41N): the nearest point is its corner 66E 40N
    assert sites["zer"]["distance_km"] == pytest.approx(GEOD.inv(66.9, 39.5, 66.0, 40.0)[2] / 1000, rel=1e-6)


def test_range_coverage_and_change_against_geodesic_areas(output):
    data = output["json"]
    rows = {(r["period"], r["iso3"]): r for r in data["range_coverage"]}
    current_km2 = geodesic_km2(shapely.box(*RANGE_2020))
    reserve_km2 = geodesic_km2(shapely.box(*PAS[0][3]))
    for iso3 in ("ALL", "UZB"):
        assert rows[("2020", iso3)]["range_km2"] == pytest.approx(current_km2, rel=1e-3)
        assert rows[("2020", iso3)]["protected_km2"] == pytest.approx(reserve_km2, rel=1e-3)
        assert rows[("2020", iso3)]["protected_fraction"] == pytest.approx(
            reserve_km2 / current_km2, rel=1e-3
        )
    historical_km2 = geodesic_km2(shapely.box(*HISTORICAL))
    assert rows[("historical", "ALL")]["range_km2"] == pytest.approx(historical_km2, rel=1e-3)
    change = {r["iso3"]: r for r in data["range_change"]}
    assert change["UZB"]["lost_fraction"] == pytest.approx(1 - current_km2 / historical_km2, rel=1e-3)
    assert change["ALL"]["current_period"] == "2020"
    assert "Albers" in data["crs"]["name"] and data["crs"]["definition"].startswith("+proj=aea")


def test_eoo_and_aoo(output):
    rows = {r["year"]: r for r in output["json"]["eoo_aoo_by_year"]}
    hull = shapely.convex_hull(shapely.MultiPoint([(s[2], s[3]) for s in SITES]))
    for year in (2002, 2010, 2020):
        assert rows[year]["n_sites"] == 4 and rows[year]["aoo_cells"] == 4 and rows[year]["aoo_km2"] == 16.0
        assert rows[year]["eoo_km2"] == pytest.approx(geodesic_km2(hull), rel=5e-3)
    assert output["json"]["aoo_grid"]["cell_m"] == 2000.0 and output["json"]["aoo_grid"]["origin_x_m"] == 0.0


def test_reintroductions(output):
    (row,) = output["json"]["reintroductions"]
    assert (row["site_id"], row["first_release_year"], row["founders"], row["releases"]) == (
        "zer",
        1999,
        20,
        2,
    )
    assert (row["latest_year"], row["latest_count"]) == (2020, 160)
    assert row["growth_rate_per_year"] == pytest.approx(math.log(160 / 20) / (2020 - 1999), rel=1e-9)
    assert row["status"] == "established"
    assert "ln(latest_count / founders)" in output["json"]["reintroductions_rule"]


def test_gaps(output):
    gaps = output["json"]["gaps"]
    assert gaps["reference_year"] == 2020
    assert [r["site_id"] for r in gaps["outside_protected_areas"]] == ["vakhsh", "zer"]
    assert gaps["stale_counts"] == []
    assert [r["iso3"] for r in gaps["range_states_without_recent_count"]] == ["AFG", "TKM"]


def test_out_writes_every_table_and_the_store_is_unchanged(output):
    files = sorted(p.name for p in output["out"].iterdir())
    assert "analysis.json" in files and "totals_by_year.csv" in files and len(files) == 17
    with open(output["out"] / "totals_by_year.csv", newline="") as fh:
        assert list(csv.reader(fh)) == [["year", "count"], ["2002", "400"], ["2010", "705"], ["2020", "1960"]]
    with open(output["out"] / "site_protection.csv", newline="") as fh:
        amu = next(r for r in csv.DictReader(fh) if r["site_id"] == "amu")
    assert amu["pa_ids"] == "p-ia;p-iv"
    assert json.loads((output["out"] / "analysis.json").read_text())["totals_by_year"]["2020"] == 1960
    assert "Wrote the analysis tables" in output["stderr"]
    assert output["unchanged"]


def test_missing_layers_give_empty_lists_with_notes(tmp_path, run_cli):
    path = build_store(
        tmp_path / "bare.gpkg", with_protected_areas=False, with_ranges=False, with_releases=False
    )
    result = run_cli("analyze", "--json", "--store", path)
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["totals_by_year"]["2020"] == 1960
    for key in (
        "protected_by_country_year",
        "site_protection",
        "protected_areas",
        "range_coverage",
        "range_change",
        "reintroductions",
    ):
        assert data[key] == [], key
    assert data["gaps"]["outside_protected_areas"] == []
    notes = " ".join(data["notes"])
    assert "no protected-areas layer" in notes and "no ranges layer" in notes and "no releases layer" in notes


def test_an_empty_store_and_the_text_summary(tmp_path, run_cli):
    Store.create(tmp_path / "empty.gpkg")
    result = run_cli("analyze", "--store", "empty.gpkg")
    assert result.exit_code == 0, result
    assert (
        "Wild animals by year: none" in result.stdout and "Note: no population-counts layer" in result.stdout
    )


def test_the_store_can_come_from_the_environment(store_path, run_cli):
    result = run_cli("analyze", env={"DEERHABITAT_STORE": str(store_path)})
    assert result.exit_code == 0, result
    assert "Wild animals by year: 2002: 400, 2010: 705, 2020: 1960" in result.stdout
    assert (
        "Inside protected areas in 2020: 1400 of 1960 animals counted at sites (71%); national figures have "
        "no position" in result.stdout
    )


def test_errors_are_one_line_and_exit_1_or_2(tmp_path, run_cli, store_path):
    missing = run_cli("analyze", "--store", tmp_path / "nowhere.gpkg")
    assert missing.exit_code == 1
    assert missing.stderr.strip().startswith("Error: store ") and "does not exist" in missing.stderr
    assert len(missing.stderr.strip().splitlines()) == 1
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    blocked = run_cli("analyze", "--store", store_path, "--out", a_file / "sub")
    assert blocked.exit_code == 1 and "Error: cannot write the analysis tables to" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    assert run_cli("analyze", "--bogus").exit_code == 2


def test_workflow_function_matches_the_command(store_path, output):
    result = analyze(store=store_path)
    assert list(result.tables) == list(TABLES)
    data = result.to_json()
    assert data == {**output["json"], "store": str(store_path)}
    assert result.summary_lines()[1] == "Wild animals by year: 2002: 400, 2010: 705, 2020: 1960"


def test_bundled_store(run_cli):
    if not bundled_store_path().is_file():
        pytest.skip("the bundled store src/deerhabitat/data/bukhara-deer.gpkg is not built yet")
    result = run_cli("analyze", "--json")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    totals = data["totals_by_year"]
    assert 350 <= totals["2002"] <= 450
    assert 3300 <= totals["2020"] <= 3900
    _bundled_honest_figures(data)


def _bundled_honest_figures(data):
    """The bundled figures, worked out by hand from data/sources (see data/README.md)."""
    protected = {(r["iso3"], r["year"]): r for r in data["protected_by_country_year"]}
    # 2020: Tajikistan's only figure is its national total (408): not assessable, not 0 %
    tjk = protected[("TJK", 2020)]
    assert (tjk["count"], tjk["located"], tjk["inside"], tjk["outside"]) == (408, 0, 0, 0)
    assert tjk["assessable"] is False and tjk["protected_fraction"] is None
    # 2023: Kazakhstan's national ~1,140 has no position; only Ile-Balkhash's 150 (2022, carried) is
    # located, and it lies in the Ile-Balkhash reserve
    kaz = protected[("KAZ", 2023)]
    assert (kaz["count"], kaz["located"], kaz["inside"], kaz["outside"]) == (1140, 150, 150, 0)
    assert kaz["protected_fraction"] == 1.0 and "1,140 has no position" in kaz["note"]
    # 2023 Uzbekistan: LABR 1,475 + Kyzylkum 186 + Zarafshan 105 inside, Khorezm 10 outside
    uzb = protected[("UZB", 2023)]
    assert (uzb["count"], uzb["located"], uzb["inside"], uzb["outside"]) == (1776, 1776, 1766, 10)
    # 2002: the split of the global figure (192) has no position either; Karachingil (200) lies
    # outside every protected area
    assert (protected[("UZB", 2002)]["located"], protected[("UZB", 2002)]["assessable"]) == (0, False)
    assert (protected[("KAZ", 2002)]["inside"], protected[("KAZ", 2002)]["outside"]) == (0, 200)
    # every protected share of the range names its geometry and carries the caveat
    coverage = {(r["period"], r["iso3"]): r for r in data["range_coverage"]}
    whole = coverage[("2020", "ALL")]
    assert whole["range_geometry"].startswith("belts or buffers drawn along rivers")
    assert whole["protected_area_geometry"] == "circles of the reported area around a point (13 of 13 areas)"
    assert whole["caveat"].startswith("Approximate:")
    assert all(r["caveat"] for r in data["range_coverage"])
    # a decline only where method and coverage compare
    trends = {(r["iso3"], r["to_year"]): r for r in data["country_trends"]}
    uzb_trend = trends[("UZB", 2023)]
    assert (uzb_trend["from_year"], uzb_trend["from_count"], uzb_trend["to_count"]) == (2019, 2112, 1776)
    assert uzb_trend["trend"] == "not comparable" and uzb_trend["reason"].startswith("coverage changed")
    assert trends[("UZB", 2019)]["trend"] == "not comparable"  # LABR: estimate 2014 -> distance sampling
    assert "method changed" in trends[("UZB", 2019)]["reason"]
    assert trends[("TJK", 2022)]["trend"] == "decline"  # national total 510 -> 434, both estimates
    assert trends[("TJK", 2020)]["trend"] == "not comparable"  # Tigrovaya Balka 8 -> national 408
    declines = {(r["iso3"], r["to_year"]) for r in data["country_trends"] if r["trend"] == "decline"}
    assert declines == {("TJK", 2000), ("TJK", 2022)}


def test_a_dataset_imported_with_deerhabitat_import(tmp_path, run_cli):
    """The acceptance path: files -> `deerhabitat import` (counts as CSV without positions) -> analyze."""
    gpd.GeoDataFrame(
        {
            "site_id": [s[0] for s in SITES],
            "name": [s[0] for s in SITES],
            "iso3": [s[1] for s in SITES],
            "status": [s[4] for s in SITES],
            "source": "synthetic",
        },
        geometry=[shapely.Point(s[2], s[3]) for s in SITES],
        crs=4326,
    ).to_file(tmp_path / "sites.geojson")
    rows = ["count_id,site_id,date,count,method,captive,source"] + [
        f"{site}-{year},{site},{year},{n},census,false,synthetic"
        for site, by_year in COUNTS.items()
        for year, n in by_year.items()
    ]
    (tmp_path / "counts.csv").write_text("\n".join(rows) + "\n")
    gpd.GeoDataFrame(
        {
            "pa_id": [p[0] for p in PAS],
            "name": [p[0] for p in PAS],
            "designation": "Zapovednik",
            "iucn_cat": [p[1] for p in PAS],
            "status_year": [p[2] for p in PAS],
            "reported_area_km2": None,
            "iso3": "UZB",
            "source": "synthetic",
        },
        geometry=[shapely.box(*p[3]) for p in PAS],
        crs=4326,
    ).to_file(tmp_path / "pas.geojson")
    assert run_cli("init", "s.gpkg").exit_code == 0
    for kind, name in (
        ("sites", "sites.geojson"),
        ("population-counts", "counts.csv"),
        ("protected-areas", "pas.geojson"),
    ):
        imported = run_cli("import", kind, name, "--store", "s.gpkg")
        assert imported.exit_code == 0, imported
    result = run_cli("analyze", "--json", "--store", "s.gpkg")
    assert result.exit_code == 0, result
    data = json.loads(result.stdout)
    assert data["totals_by_year"] == {"2002": 400, "2010": 705, "2020": 1960}
    rows = {(r["iso3"], r["year"]): r for r in data["protected_by_country_year"]}
    assert (rows[("UZB", 2020)]["inside"], rows[("UZB", 2020)]["outside"]) == (900, 160)
    assert {r["year"]: r["n_sites"] for r in data["eoo_aoo_by_year"]} == {2002: 4, 2010: 4, 2020: 4}
    assert data["range_coverage"] == [] and "no ranges layer" in " ".join(data["notes"])
