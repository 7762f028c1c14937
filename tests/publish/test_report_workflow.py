"""The report workflow on thin stores: an empty store, another species, an output folder that is a file."""

from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from deerhabitat.config import StoreChoice
from deerhabitat.errors import PublishError
from deerhabitat.io import Store
from deerhabitat.io.snapshot import read_snapshot
from deerhabitat.workflows import report
from deerhabitat.workflows.store import init


def test_an_empty_store_gives_a_report_that_says_what_is_missing(tmp_path):
    store = tmp_path / "empty.gpkg"
    init(store)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    result = report(store=store, out=tmp_path / "maps", dpi=50)
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before
    page = (result.out / "index.html").read_text(encoding="utf-8")
    assert "The store holds no wild count." in page
    assert "No national report is kept in the store." in page
    assert "The store has no habitat raster; this section is empty." in page
    # no report and no reporting cycle: no period is due, so nothing is missing or late
    assert not (result.out / "tables" / "gaps_national_reports.csv").exists()
    assert not (result.out / "charts").exists()
    assert not (
        result.out / "tables" / "published_totals.csv"
    ).exists()  # no totals: no trend section content


def test_the_published_reference_series_only_for_the_store_species(tmp_path):
    from publish_builders import make_store

    from deerhabitat.config import StoreConfig

    bukhara, saiga = tmp_path / "bukhara.gpkg", tmp_path / "saiga.gpkg"
    make_store(bukhara)
    make_store(saiga, config=StoreConfig(species="Saiga", scientific_name="Saiga tatarica"))
    shown = report(store=bukhara, out=tmp_path / "bukhara", dpi=50).out
    hidden = report(store=saiga, out=tmp_path / "saiga", dpi=50).out
    assert (shown / "tables" / "published_totals.csv").is_file()
    assert (shown / "charts" / "trend_global.svg").read_text(encoding="utf-8").count(
        'class="dh-reference"'
    ) == 6
    assert not (hidden / "tables" / "published_totals.csv").exists()
    assert 'class="dh-reference"' not in (hidden / "charts" / "trend_global.svg").read_text(encoding="utf-8")
    assert "Saiga (Saiga tatarica): Overview Report" in (hidden / "index.html").read_text(encoding="utf-8")


def test_an_output_folder_that_is_a_file_is_refused_with_one_clear_message(tmp_path):
    store = tmp_path / "empty.gpkg"
    init(store)
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    with pytest.raises(
        PublishError, match=r"cannot create the output folder .*taken.*; --out must be a folder"
    ):
        report(store=store, out=tmp_path / "taken", dpi=50)


def test_a_translation_catalogue_changes_the_report_text_and_falls_back_to_english(tmp_path, monkeypatch):
    from deerhabitat import i18n

    monkeypatch.setitem(i18n.translations("ru", "report"), "section.gaps", "Пробелы")
    monkeypatch.setitem(i18n.translations("ru", "report"), "value.missing", "нет")
    monkeypatch.delitem(i18n.translations("ru", "report"), "section.summary", raising=False)
    store = tmp_path / "empty.gpkg"
    init(store)
    out = report(store=store, out=tmp_path / "maps", dpi=50, lang="ru").out
    page = (out / "index.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page and "<h2>Пробелы</h2>" in page
    assert "<h2>Executive summary</h2>" in page  # not translated: English
    assert "<td>нет</td>" in page
    assert i18n.current_language() == "en"  # the language is set only while the report is built


def test_an_unknown_language_is_refused_before_anything_is_written(tmp_path, run_cli):
    result = run_cli("report", "--lang", "xx", "--out", tmp_path / "maps")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: no report text in the language 'xx'; the report is available in: en, ru; pass one of them "
        "with --lang (a translation is a set of .po files in deerhabitat/locale)"
    )
    assert not (tmp_path / "maps").exists()


def test_a_position_in_a_kept_national_report_is_withheld_from_the_public_report(tmp_path):
    store = tmp_path / "store.gpkg"
    target = init(store)
    parsed = {
        "report": {"country": "UZB", "period_start": 2020, "period_end": 2023, "submitted": "2024-02"},
        "threats": [
            {"threat": "poaching", "severity": "high", "description": "Snares found at 41.8123, 60.6234"}
        ],
        "work_programme": [{"action_id": "9.7", "action": "Corridor", "status": "not-started"}],
    }
    with target.transaction() as tx:
        tx.add_national_report(parsed, filename="UZB.yaml", fmt="yaml", content=b"x", sha256="0" * 64)
    public = report(store=store, out=tmp_path / "public", dpi=50).out
    internal = report(store=store, out=tmp_path / "internal", dpi=50, profile="internal").out
    for folder, shown in ((public, False), (internal, True)):
        texts = [
            p.read_text(encoding="utf-8") for p in [folder / "index.html", *(folder / "tables").glob("*.csv")]
        ]
        assert any("41.8123" in t for t in texts) is shown
    threats = pd.read_csv(public / "tables" / "threats_uzb.csv")
    assert threats["description"].tolist() == ["Snares found at [position withheld]"]
    gaps = pd.read_csv(public / "tables" / "gaps_national_reports.csv")
    assert gaps["country"].tolist() == ["AFG", "KAZ", "TJK", "TKM"]  # UZB on time (2 months after the period)
    assert set(gaps["status"]) == {"missing"}
    wp_gaps = pd.read_csv(public / "tables" / "gaps_work_programme.csv")
    assert wp_gaps[wp_gaps["country"] == "UZB"]["action_id"].astype(str).tolist()[0] == "9.7"


def test_the_reporting_cycle_and_the_store_catalogue_drive_the_reporting_tables(tmp_path):
    store = tmp_path / "cycle.gpkg"
    init(store)
    action = {"id": "WP2025-1", "programme": "WP 2025-2032", "action_id": "1", "theme": "monitoring"}
    action |= {"text": "Count <every> population", "indicator": "", "states": "KAZ, UZB", "source": "s"}
    catalogue = pd.DataFrame([{**action, "note": ""}])
    with Store(store).transaction() as tx:
        tx.open_cycle((2024, 2024), "2099-06-30")
        tx.write_work_programme(catalogue)
    snapshot = read_snapshot(StoreChoice(store, "argument"))
    assert snapshot.cycles["deadline"].tolist() == ["2099-06-30"]
    assert snapshot.catalogue["id"].tolist() == ["WP2025-1"]
    out = report(store=snapshot, out=tmp_path / "maps", dpi=50).out
    received = pd.read_csv(out / "tables" / "reporting_status.csv")
    # the deadline is the cycle's, not the default rule; it has not passed, so every state is awaited
    assert set(received["deadline"]) == {"2099-06-30"} and set(received["deadline_from"]) == {"cycle"}
    assert set(received["status"]) == {"awaited"}
    assert not (out / "tables" / "gaps_national_reports.csv").exists()
    matrix = pd.read_csv(out / "tables" / "work_programme_matrix.csv")
    assert matrix[["id", "country", "status"]].values.tolist() == [
        ["WP2025-1", "KAZ", "not-reported"],
        ["WP2025-1", "UZB", "not-reported"],
    ]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "1 Count &lt;every&gt; population" in page and "Count <every>" not in page
    assert "2024 (due 2099-06-30)" in page
