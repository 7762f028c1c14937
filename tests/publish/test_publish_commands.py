"""``deerhabitat report`` and ``deerhabitat map`` run as a user would: files, privacy, determinism, errors."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from publish_builders import (
    CAPTIVE,
    EXACT_WILD,
    TOTALS_BY_COUNTRY,
    coordinate_patterns,
    exact_points,
    make_layers,
    make_store,
)

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.schema import TABLE_KINDS, LayerKind
from deerhabitat.workflows import map_, report

MAPS = ["overview", "state-tjk", "state-uzb", "population", "reintroductions", "protected-coverage"]
REPORT_TABLES = [
    "totals_by_country_year",
    "country_trends",
    "totals_coverage",
    "published_totals",
    "range_coverage",
    "range_states",
    "protected_animals",
    "reintroductions",
    "population_tjk",
    "population_uzb",
    "range_change",
    "protected_areas_with_deer",
    "gaps_outside_protected_areas",
    "gaps_range_states_without_recent_count",
    "provenance",
    "sources",
]
"""The report's tables for the hostile world (no national report kept and no reporting cycle opened: no
reporting period, so no threat, measure, WP or reporting table; its
species is the default Bukhara deer, so the published estimates are shown)."""
REPORT_CHARTS = ["trend_global", "trend_tjk", "trend_uzb"]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _deerhabitat(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
    exe = Path(sys.executable).with_name("deerhabitat")
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The hostile world published by the real command, public and internal, store hashed before and after."""
    root = tmp_path_factory.mktemp("published")
    store = root / "world.gpkg"
    make_store(store)
    before = _sha(store)
    runs = {
        profile: _deerhabitat(
            "report",
            "--store",
            str(store),
            "--out",
            str(root / profile),
            "--profile",
            profile,
            "--dpi",
            "80",
            cwd=root,
        )
        for profile in ("public", "internal")
    }
    return root, store, before, runs


def _all_text(folder: Path) -> dict[Path, str]:
    return {p: p.read_bytes().decode("latin-1") for p in sorted(folder.rglob("*")) if p.is_file()}


def test_report_writes_every_file(published):
    root, _, _, runs = published
    assert runs["public"].returncode == 0, runs["public"].stderr
    assert runs["public"].stdout.startswith(f"Wrote the report to {root / 'public' / 'index.html'} (6 maps, ")
    out = root / "public"
    expected = {
        "index.html",
        *(f"{m}.html" for m in MAPS),
        *(f"static/{m}.{x}" for m in MAPS for x in ("png", "svg")),
        *(f"embed/{m}.txt" for m in MAPS),
        *(f"tables/{t}.csv" for t in REPORT_TABLES),
        *(f"charts/{c}.svg" for c in REPORT_CHARTS),
    }
    assert {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()} == expected


def test_no_exact_wild_position_reaches_any_public_file(published):
    root, _, _, _ = published
    files = _all_text(root / "public")
    for lon, lat in exact_points():
        for pattern in coordinate_patterns(lon, lat):
            hits = [p.name for p, content in files.items() if pattern.search(content)]
            assert not hits, f"{pattern.pattern!r} found in {hits}"


def test_the_internal_report_keeps_them_so_the_search_above_can_find_them(published):
    root, _, _, runs = published
    assert runs["internal"].returncode == 0, runs["internal"].stderr
    overview = (root / "internal" / "overview.html").read_text(encoding="utf-8")
    assert "64.12346,40.65432" in overview
    assert any(p.search(overview) for p in coordinate_patterns(*EXACT_WILD["w1"]))
    public = (root / "public" / "overview.html").read_text(encoding="utf-8")
    assert f"{CAPTIVE['zoo'][0]:.5f},{CAPTIVE['zoo'][1]:.5f}" in public


def test_totals_csv_matches_the_hand_computed_totals(published):
    root, _, _, _ = published
    table = pd.read_csv(root / "public" / "tables" / "totals_by_country_year.csv")
    assert {(r.iso3, r.year): r.count for r in table.itertuples()} == TOTALS_BY_COUNTRY


def test_report_never_writes_the_store(published):
    _, store, before, _ = published
    assert _sha(store) == before


def test_report_is_byte_identical_when_run_again(published, tmp_path):
    root, store, _, _ = published
    result = report(store=store, out=tmp_path / "again", dpi=80)
    first = {p.relative_to(root / "public"): _sha(p) for p in (root / "public").rglob("*") if p.is_file()}
    again = {
        p.relative_to(tmp_path / "again"): _sha(p) for p in (tmp_path / "again").rglob("*") if p.is_file()
    }
    assert again == first and result.styles_written is None


def test_map_writes_one_map_and_stores_qgis_styles_once(tmp_path, run_cli):
    store = tmp_path / "s.gpkg"
    make_store(store)
    first = run_cli("map", "overview", "--store", store, "--out", tmp_path / "out", "--dpi", "60")
    assert first.exit_code == 0, first
    assert first.stdout.splitlines()[:2] == [
        f"Wrote 1 map(s) to {tmp_path / 'out'}: overview",
        "QGIS layer styles in the store: 7 stored or updated",
    ]
    assert sorted(p.name for p in (tmp_path / "out").glob("*.html")) == ["overview.html"]
    assert set(Store(store).styles()) == {k.table for k in TABLE_KINDS}
    written = _sha(store)
    second = run_cli("map", "overview", "--store", store, "--out", tmp_path / "out", "--dpi", "60")
    assert "QGIS layer styles in the store: 0 stored or updated" in second.stdout
    assert _sha(store) == written


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["map", "nowhere"],
            1,
            "Error: there is no map called 'nowhere' for this store; its maps are: overview, "
            "state-tjk, state-uzb, population, reintroductions, protected-coverage; run `deerhabitat "
            "map` without a name for all of them",
        ),
        (
            ["map", "--profile", "secret"],
            2,
            "Invalid value for '--profile': 'secret' is not one of 'public', 'internal'",
        ),
        (["report", "--dpi", "10"], 2, "Invalid value for '--dpi': 10 is not in the range 50<=x<=1200"),
        (["report", "--basemap", "google"], 2, "Invalid value for '--basemap': 'google' is not one of"),
    ],
)
def test_bad_requests_fail_with_one_line_and_leave_the_store_unchanged(
    tmp_path, run_cli, args, code, message
):
    store = tmp_path / "s.gpkg"
    make_store(store)
    before = _sha(store)
    result = run_cli(*args, "--store", store, "--out", tmp_path / "out")
    assert result.exit_code == code, result
    assert message in " ".join(result.stderr.split())
    assert "Traceback" not in result.stderr
    if code == 1:
        assert result.stderr.count("\n") == 1
    assert _sha(store) == before


def test_an_output_folder_that_is_a_file_is_refused(tmp_path, run_cli):
    from deerhabitat.errors import PublishError

    store = tmp_path / "s.gpkg"
    make_store(store)
    (tmp_path / "taken").write_text("x")
    result = run_cli("map", "overview", "--store", store, "--out", tmp_path / "taken")
    assert (
        result.exit_code == 2
        and "Invalid value for '--out'" in result.stderr
        and "is a file" in result.stderr
    )
    with pytest.raises(PublishError, match=f"cannot create the output folder {str(tmp_path / 'taken')!r}"):
        map_("overview", store=store, out=tmp_path / "taken")


def test_workflow_errors_name_the_allowed_values(tmp_path):
    from deerhabitat.errors import PublishError

    store = tmp_path / "s.gpkg"
    make_store(store)
    with pytest.raises(PublishError, match="profile 'secret' is not a publishing profile; use 'public'"):
        map_("overview", store=store, out=tmp_path / "o", profile="secret")
    with pytest.raises(
        PublishError, match="basemap 'google' is not offered; use one of: none, openstreetmap"
    ):
        map_("overview", store=store, out=tmp_path / "o", basemap="google")
    with pytest.raises(PublishError, match="dpi 5 is out of range; use 50 to 1200"):
        report(store=store, out=tmp_path / "o", dpi=5)


def test_a_store_with_only_range_states_still_publishes_an_overview(tmp_path):
    store = tmp_path / "small.gpkg"
    make_store(store, {LayerKind.RANGE_STATES: make_layers()[LayerKind.RANGE_STATES]})
    result = map_(store=store, out=tmp_path / "o", dpi=60)
    assert result.maps == ["overview", "state-tjk", "state-uzb"]
    assert any("no population map" in note for note in result.notes)


def test_report_of_the_bundled_store_from_any_folder(tmp_path, run_cli):
    if not bundled_store_path().is_file():
        pytest.skip("the bundled store is not built yet")
    before = _sha(bundled_store_path())
    result = run_cli("report", "--dpi", "60", cwd=tmp_path)
    assert result.exit_code == 0, result
    assert (tmp_path / "maps" / "index.html").is_file() and (tmp_path / "maps" / "overview.html").is_file()
    assert _sha(bundled_store_path()) == before
    styles = run_cli("map", "overview", "--dpi", "60", cwd=tmp_path)
    assert styles.exit_code == 0 and "QGIS layer styles" not in styles.stdout
