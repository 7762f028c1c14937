"""``deerhabitat report`` on the bundled store as a user runs it: national reports, files, determinism."""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from publish_builders import cell_centre, coordinate_patterns
from report_html import coded_values, internal_names, page_tables

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.workflows.analyze import analyze
from deerhabitat.workflows.maps import prepare_publication
from deerhabitat.workflows.national_report import national_report_validate

ROOT = Path(__file__).resolve().parents[2]
BUNDLED_REPORTS = sorted((ROOT / "data" / "national-reports").glob("*-*-*.*"))


def _deerhabitat(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
    exe = Path(sys.executable).with_name("deerhabitat")
    return subprocess.run([str(exe), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def _tree(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def bundled(tmp_path_factory):
    """The bundled report written twice with no argument but --dpi (default folder maps/ in a fresh cwd)."""
    root = tmp_path_factory.mktemp("bundled")
    runs = []
    for name in ("one", "two"):
        (root / name).mkdir()
        runs.append(_deerhabitat("report", "--dpi", "50", cwd=root / name))
    return root, runs


@pytest.mark.parametrize("path", BUNDLED_REPORTS, ids=lambda p: p.name)
def test_every_bundled_national_report_is_valid(path):
    check = national_report_validate(path)
    assert check.problems == [], [str(p) for p in check.problems]


def test_the_bundled_store_keeps_the_yaml_reports_as_records_without_doubling_the_counts():
    records = Store(bundled_store_path()).national_reports()
    assert records["country"].tolist() == ["KAZ", "TJK", "TKM", "UZB"]
    assert set(records["filename"]) == {p.name for p in BUNDLED_REPORTS if p.suffix == ".yaml"}
    assert records["note"].str.startswith("report record only").all()
    totals = analyze().tables["totals_by_year"].set_index("year")["count"]
    assert 350 <= totals[2002] <= 450 and 3300 <= totals[2020] <= 3900


def test_bundled_report_has_maps_tables_static_images_and_a_chart(bundled):
    root, runs = bundled
    assert runs[0].returncode == 0, runs[0].stderr
    out = root / "one" / "maps"
    page = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<iframe class="dh-screen" src="[a-z-]+\.html"', page)) >= 4
    assert len(list((out / "tables").glob("*.csv"))) >= 5
    assert len(list((out / "static").glob("*.png"))) >= 4
    assert page.count('<svg xmlns="http://www.w3.org/2000/svg" class="dh-chart') >= 2
    for heading in (
        "Executive summary",
        "Background and the Memorandum of Understanding",
        "Population trends",
        "Status per range state",
        "Distribution and range change",
        "Protected areas",
        "Threats",
        "Conservation measures and Work Programme progress",
        "Reintroductions",
        "Habitat and candidate sites",
        "Connectivity",
        "Gaps",
        "Conclusions and recommendations",
        "Methods and sources",
        "Appendix: embed these maps",
    ):
        assert f">{heading}</h2>" in page, heading


def test_bundled_report_shows_the_national_reports(bundled):
    root, _ = bundled
    out = root / "one" / "maps"
    page = (out / "index.html").read_text(encoding="utf-8")
    # The bundled national reports are illustrative examples: the headline and each state say so.
    assert (
        "National reports kept for 2020-2023: 4 of 5 range states, 4 of them illustrative examples, "
        "not submissions" in page
    )
    assert page.count("an illustrative example compiled from published sources, not a submission") == 4
    threats = pd.read_csv(out / "tables" / "threats_uzb.csv")
    assert "water-regulation" in set(threats["threat"])
    assert threats["source"].eq("national report UZB 2020-2023 v1 (UZB-2020-2023.yaml)").all()
    gaps = pd.read_csv(out / "tables" / "gaps_national_reports.csv")
    # the bundled reports are illustrative: never late, and Afghanistan (no report) is the only gap
    assert gaps[["country", "status"]].values.tolist() == [["AFG", "missing"]]
    received = pd.read_csv(out / "tables" / "reporting_status.csv")
    assert received.loc[received["country"] != "AFG", "status"].eq("illustrative").all()
    matrix = pd.read_csv(out / "tables" / "work_programme_matrix.csv")
    assert set(matrix["period"]) == {"2020-2023"}
    assert matrix.loc[matrix["country"] == "KAZ", "report_file"].dropna().eq("KAZ-2020-2023.yaml").all()
    assert "KAZ-2020-2023.yaml (illustrative)" in page
    reports = pd.read_csv(out / "tables" / "national_reports.csv")
    assert len(reports) == 4 and reports["sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    assert (out / "tables" / "gaps_work_programme.csv").is_file()
    assert (out / "tables" / "candidate_sites.csv").is_file()


def test_bundled_report_is_byte_identical_twice(bundled):
    root, runs = bundled
    assert runs[1].returncode == 0, runs[1].stderr
    one, two = _tree(root / "one" / "maps"), _tree(root / "two" / "maps")
    assert one.keys() == two.keys()
    assert one == two  # every file, PNGs included


def test_no_exact_wild_position_in_the_bundled_public_tables_and_charts(bundled):
    root, _ = bundled
    out = root / "one" / "maps"
    sites = pd.read_csv(ROOT / "data" / "sources" / "sites.csv")
    wild = sites[sites["status"] != "captive"]
    texts = {
        p: p.read_text(encoding="utf-8")
        for p in [*(out / "tables").glob("*.csv"), *(out / "charts").glob("*.svg"), out / "index.html"]
    }
    for lon, lat in zip(wild["lon"], wild["lat"], strict=True):
        for pattern in coordinate_patterns(lon, lat):
            hits = [p.name for p, text in texts.items() if pattern.search(text)]
            assert not hits, (pattern.pattern, hits)


def test_no_exact_wild_position_in_the_bundled_public_corridors(bundled):
    root, _ = bundled
    out = root / "one" / "maps"
    sites = pd.read_csv(ROOT / "data" / "sources" / "sites.csv")
    wild = sites[sites["status"] != "captive"]
    files = [
        out / "corridors.html",
        out / "embed" / "corridors.txt",
        *(out / "tables").glob("corridors*.csv"),
    ]
    assert len(files) >= 4 and all(p.is_file() for p in files)
    texts = {p: p.read_text(encoding="utf-8") for p in files}
    for lon, lat in zip(wild["lon"], wild["lat"], strict=True):
        for pattern in coordinate_patterns(lon, lat):
            hits = [p.name for p, text in texts.items() if pattern.search(text)]
            assert not hits, (pattern.pattern, hits)
    # the corridors end where the public edition shows the populations: their 10 km cell centres,
    # computed here with pyproj, never at the recorded positions
    data = prepare_publication(bundled_store_path(), "public").data
    ends = data.corridors.populations.set_index("site_id")
    recorded = wild.set_index("site_id").loc[ends.index]
    for site_id, point in ends.geometry.items():
        lon, lat = recorded.loc[site_id, ["lon", "lat"]]
        assert (point.x, point.y) == pytest.approx(cell_centre(lon, lat), abs=1e-5), site_id
        assert abs(point.x - lon) + abs(point.y - lat) > 1e-4, site_id
    paths = data.corridors.paths
    assert len(paths) and all(
        any(end == pytest.approx(tuple(ends.geometry[i].coords[0]), abs=1e-5) for i in (a, b))
        for a, b, line in zip(paths["from_id"], paths["to_id"], paths.geometry, strict=True)
        for end in (line.coords[0], line.coords[-1])
    )


def test_published_estimates_only_for_their_species():
    from deerhabitat.workflows.report import published_totals

    bukhara = published_totals("Cervus elaphus bactrianus")
    assert bukhara.set_index("year").loc[2002, ["low", "high"]].tolist() == [350, 450]
    assert bukhara["source"].str.len().gt(0).all() and list(bukhara.columns) == [
        "year",
        "low",
        "high",
        "label",
        "source",
        "source_ru",
    ]
    assert published_totals("Saiga tatarica").empty


def test_headings_never_skip_a_level(bundled):
    root, _ = bundled
    page = (root / "one" / "maps" / "index.html").read_text(encoding="utf-8")
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", page)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels


def test_no_column_of_the_bundled_report_is_an_internal_field_name(bundled):
    root, _ = bundled
    out = root / "one" / "maps"
    tables = page_tables((out / "index.html").read_text(encoding="utf-8"))
    assert len(tables) > 20 and all(t.head for t in tables)
    # every field name of the CSV tables written beside the page (the data's own column names)
    fields = {c for path in (out / "tables").glob("*.csv") for c in pd.read_csv(path, nrows=0).columns}
    assert {"iso3", "site_id", "report_file"} <= fields
    assert internal_names(tables, fields) == []
    assert coded_values(tables) == []
    headers = {h for t in tables for h in t.head}
    assert {"Country", "Threat", "Action", "SHA-256 checksum"} <= headers
