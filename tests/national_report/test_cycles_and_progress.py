"""Reporting cycles, Work Programme progress and prefilled templates, run as the real commands."""

from __future__ import annotations

import copy
import json
import re

import pytest
import yaml

from deerhabitat.io import Store

from .conftest import minimal_report


def _report(country, start, end, submitted, wp=(), **head):
    """A valid report of ``country`` for ``start``-``end`` with Work Programme entries ``wp``."""
    data = copy.deepcopy(minimal_report())
    data["report"].update(country=country, period_start=start, period_end=end, submitted=submitted, **head)
    site = {"UZB": ("UZB-A", 41.8, 60.62), "TJK": ("TJK-TB", 37.25, 68.5), "KAZ": ("KAZ-IB", 45.3, 74.9)}[
        country
    ]
    data["populations"] = [
        {
            "site_id": site[0],
            "site_name": f"Site {site[0]}",
            "site_status": "native",
            "latitude": site[1],
            "longitude": site[2],
            "date": str(end),
            "count": 100 + end - 2000,
            "method": "census",
            "trend": "stable",
            "source": f"survey {end}",
        }
    ]
    data["releases"] = []
    data["protected_areas"] = []
    data["poaching"][0]["site_id"] = site[0]
    data["work_programme"] = [
        {"programme": "WP 2021-2026", "action_id": action, "action": "as catalogued", "status": status}
        for action, status in wp
    ]
    return data


@pytest.fixture
def store(tmp_path, write_yaml, run_cli):
    """A store with UZB's and TJK's 2020-2023 reports (TJK late), and the 2024 cycle due 2025-06-30."""
    path = Store.create(tmp_path / "s.gpkg").path
    write_yaml(
        tmp_path / "UZB-1.yaml",
        _report("UZB", 2020, 2023, "2024-03", [("9.7", "planned"), ("MONITOR", "not-started")]),
    )
    write_yaml(tmp_path / "TJK-1.yaml", _report("TJK", 2020, 2023, "2025-02", [("HABITAT", "in-progress")]))
    for name in ("UZB-1.yaml", "TJK-1.yaml"):
        assert run_cli("national-report", "import", name, "--store", path).exit_code == 0
    opened = run_cli(
        "national-report", "cycle", "open", "--period", "2024", "--deadline", "2025-06-30", "--store", path
    )
    assert opened.exit_code == 0, opened
    assert opened.stdout.strip() == "Opened the reporting cycle 2024: national reports due by 2025-06-30"
    return path


def _status(run_cli, store):
    result = run_cli("national-report", "cycle", "list", "--store", store, "--json")
    assert result.exit_code == 0, result
    return {(r["period"], r["country"]): r for r in json.loads(result.stdout)}


def test_a_new_report_changes_only_its_state_in_its_period(run_cli, store, tmp_path, write_yaml):
    before = _status(run_cli, store)
    assert {k: v["status"] for k, v in before.items()} == {
        ("2020-2023", "AFG"): "missing",
        ("2020-2023", "KAZ"): "missing",
        ("2020-2023", "TJK"): "late",
        ("2020-2023", "TKM"): "missing",
        ("2020-2023", "UZB"): "received",
        ("2024", "AFG"): "missing",
        ("2024", "KAZ"): "missing",
        ("2024", "TJK"): "missing",
        ("2024", "TKM"): "missing",
        ("2024", "UZB"): "missing",
    }
    assert (
        before[("2024", "UZB")]["deadline"] == "2025-06-30"
        and before[("2024", "UZB")]["deadline_from"] == "cycle"
    )
    assert before[("2020-2023", "UZB")]["deadline"] == "2024-12-31"
    write_yaml(tmp_path / "TJK-2.yaml", _report("TJK", 2024, 2024, "2025-05-20", [("HABITAT", "completed")]))
    assert run_cli("national-report", "import", "TJK-2.yaml", "--store", store).exit_code == 0
    after = _status(run_cli, store)
    changed = {k for k in before if before[k] != after[k]}
    assert changed == {("2024", "TJK")}
    assert (after[("2024", "TJK")]["status"], after[("2024", "TJK")]["filename"]) == (
        "received",
        "TJK-2.yaml",
    )
    text = run_cli("national-report", "cycle", "list", "--store", store).stdout
    assert "2024: due 2025-06-30 (set by the cycle)" in text
    assert "  TJK  received       submitted 2025-05-20, v1 TJK-2.yaml" in text


def test_progress_across_two_periods_names_the_report_of_each_cell(run_cli, store, tmp_path, write_yaml):
    write_yaml(tmp_path / "UZB-2.yaml", _report("UZB", 2024, 2024, "2025-06", [("9.7", "in-progress")]))
    write_yaml(tmp_path / "TJK-2.yaml", _report("TJK", 2024, 2024, "2025-05", [("HABITAT", "completed")]))
    for name in ("UZB-2.yaml", "TJK-2.yaml"):
        assert run_cli("national-report", "import", name, "--store", store).exit_code == 0
    result = run_cli("national-report", "progress", "--store", store, "--json")
    assert result.exit_code == 0, result
    cells = {(c["id"], c["country"]): c for c in json.loads(result.stdout)}
    corridor = cells[("WP2021-9.7", "UZB")]
    assert (corridor["previous_status"], corridor["status"], corridor["progress"]) == (
        "planned",
        "in-progress",
        "advanced",
    )
    assert (corridor["country"], corridor["period"], corridor["report_version"], corridor["report_file"]) == (
        "UZB",
        "2024",
        1,
        "UZB-2.yaml",
    )
    habitat = cells[("WP2021-HABITAT", "TJK")]
    assert (habitat["previous_status"], habitat["status"], habitat["progress"]) == (
        "in-progress",
        "completed",
        "advanced",
    )
    # UZB said nothing of monitoring in 2024: not reported, its last status kept with its period
    monitor = cells[("WP2021-MONITOR", "UZB")]
    assert (monitor["status"], monitor["last_status"], monitor["last_period"]) == (
        "not-reported",
        "not-started",
        "2020-2023",
    )
    first = json.loads(
        run_cli("national-report", "progress", "--period", "2020-2023", "--store", store, "--json").stdout
    )
    assert {(c["id"], c["country"], c["status"]) for c in first if c["status"] != "not-reported"} == {
        ("WP2021-9.7", "UZB", "planned"),
        ("WP2021-MONITOR", "UZB", "not-started"),
        ("WP2021-HABITAT", "TJK", "in-progress"),
    }


def test_prefilled_template_filled_in_is_a_valid_report(run_cli, store):
    result = run_cli(
        "national-report", "template", "--country", "UZB", "--store", store, "--out", "UZB-2024.yaml"
    )
    assert result.exit_code == 0, result
    assert result.stdout.strip().endswith("(prefilled from " + str(store) + ")")
    data = yaml.safe_load((store.parent / "UZB-2024.yaml").read_text(encoding="utf-8"))
    head = data["report"]
    assert (head["period_start"], head["period_end"], head["authority"]) == (
        2024,
        2024,
        "Ministry of Ecology",
    )
    (site,) = data["populations"]
    assert (site["site_id"], site["latitude"], site["longitude"]) == ("UZB-A", 41.8, 60.62)
    assert site["notes"].startswith(
        "Previous count in the store: 123 (2023, census; source: national report UZB"
    )
    statuses = {(e["action_id"], e.get("status")) for e in data["work_programme"]}
    assert {("9.7", "planned"), ("MONITOR", "not-started"), ("10.4", None)} <= statuses
    # as prefilled, the rows still need this period's figures: the check says so
    check = run_cli("national-report", "validate", "UZB-2024.yaml")
    assert check.exit_code == 1 and "populations[0].count (entry at line" in check.stderr
    site.update(date="2024-04", count=130, method="census", trend="stable", source="spring census 2024")
    head["submitted"] = "2025-05"
    for entry in data["work_programme"]:
        entry["status"] = entry.get("status") or "not-started"
    (store.parent / "UZB-2024.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    check = run_cli("national-report", "validate", "UZB-2024.yaml")
    assert check.exit_code == 0, check


def test_cycle_errors_leave_the_store_unchanged(run_cli, store, sha256):
    before = sha256(store)
    bad_period = run_cli(
        "national-report", "cycle", "open", "--period", "24", "--deadline", "2025-06-30", "--store", store
    )
    assert (
        bad_period.exit_code == 2
        and "'24' is not a reporting period; write a year (2024) or two (2020-2023)" in bad_period.stderr
    )
    early = run_cli(
        "national-report", "cycle", "open", "--period", "2024", "--deadline", "2024-06-30", "--store", store
    )
    assert early.exit_code == 1
    assert early.stderr.strip() == (
        "Error: --deadline '2024-06-30' is before the period 2024 ends; reports are due after it: give a "
        "later date"
    )
    overlap = run_cli(
        "national-report",
        "cycle",
        "open",
        "--period",
        "2023-2025",
        "--deadline",
        "2026-06-30",
        "--store",
        store,
    )
    assert overlap.exit_code == 1 and "overlaps the reporting cycle 2024" in overlap.stderr
    assert "Traceback" not in bad_period.stderr + early.stderr + overlap.stderr
    assert sha256(store) == before
    moved = run_cli(
        "national-report", "cycle", "open", "--period", "2024", "--deadline", "2025-09-30", "--store", store
    )
    assert moved.stdout.strip().endswith("due by 2025-09-30 (was 2025-06-30)")


def test_the_bundled_store_refuses_a_cycle(run_cli, sha256):
    from deerhabitat.config import bundled_store_path

    before = sha256(bundled_store_path())
    result = run_cli("national-report", "cycle", "open", "--period", "2024", "--deadline", "2025-06-30")
    assert result.exit_code == 1 and "read-only" in result.stderr
    assert sha256(bundled_store_path()) == before


def test_a_store_catalogue_for_a_new_programme(run_cli, store, tmp_path):
    (tmp_path / "wp.csv").write_text(
        "id,programme,action_id,theme,text,indicator,states,source,note\n"
        "WP25-1,WP 2025-2032,1.1,Populations,Count every population each spring,counts,all,MOS3,\n",
        encoding="utf-8",
    )
    assert run_cli("national-report", "programme", "load", "wp.csv", "--store", store).exit_code == 0
    shown = json.loads(run_cli("national-report", "programme", "show", "--store", store, "--json").stdout)
    assert [a["id"] for a in shown] == ["WP25-1"]
    cells = json.loads(
        run_cli("national-report", "progress", "--period", "2020-2023", "--store", store, "--json").stdout
    )
    # the old reports' WP 2021-2026 actions are kept, though the new catalogue does not hold them
    assert {(c["id"], c["catalogued"]) for c in cells if c["country"] == "UZB"} == {
        ("WP25-1", True),
        ("WP 2021-2026: 9.7", False),
        ("WP 2021-2026: MONITOR", False),
    }


def _latin_words(line: str) -> list[str]:
    """The Latin words of a ``progress`` line once action ids, country codes and file names are taken out."""
    line = re.sub(r"\bWP[\w.-]*|\b[A-Z]{3}\b|[\w.-]+\.(?:yaml|xlsx)|\bv\d+\b", " ", line)
    return re.findall(r"[A-Za-z]+", line)


def test_progress_in_russian_on_the_bundled_store_has_russian_headers_and_statuses(run_cli):
    ru = run_cli("national-report", "progress", "--lang", "ru")
    en = run_cli("national-report", "progress")
    assert (ru.exit_code, en.exit_code) == (0, 0), (ru, en)
    lines = ru.stdout.splitlines()
    assert lines[0] == "Статус Программы работ за 2020-2023 (предыдущий период: нет)"
    assert [word for line in lines for word in _latin_words(line)] == []
    assert (
        "WP2021-9.7         UZB  запланировано  было -              первый период   "
        "[UZB 2020-2023 v1 UZB-2020-2023.yaml]"
    ) in lines
    assert any(" нет сведений " in line and line.endswith("[нет отчёта]") for line in lines)
    assert any(" выполняется " in line for line in lines) and any(" выполнено " in line for line in lines)
    # English as it always was: the codes themselves
    english = en.stdout.splitlines()
    assert english[0] == "Work Programme status in 2020-2023 (previous period: none)"
    assert (
        "WP2021-9.7         UZB  planned       was -             first-period    "
        "[UZB 2020-2023 v1 UZB-2020-2023.yaml]"
    ) in english
    assert any("not-reported  was -" in line and line.endswith("[no report]") for line in english)
    assert len(english) == len(lines)


def test_progress_in_russian_across_two_periods_and_its_errors(run_cli, store, tmp_path, write_yaml):
    write_yaml(tmp_path / "UZB-2.yaml", _report("UZB", 2024, 2024, "2025-06", [("9.7", "in-progress")]))
    assert run_cli("national-report", "import", "UZB-2.yaml", "--store", store).exit_code == 0
    ru = run_cli("national-report", "progress", "--store", store, "--lang", "ru")
    assert ru.exit_code == 0, ru
    lines = ru.stdout.splitlines()
    assert lines[0] == "Статус Программы работ за 2024 (предыдущий период: 2020-2023)"
    assert (
        "WP2021-9.7         UZB  выполняется    было запланировано  продвинулось    [UZB 2024 v1 UZB-2.yaml]"
    ) in lines
    assert any("нет сведений   было не начато      нет сведений" in line for line in lines), lines
    assert [word for line in lines for word in _latin_words(line)] == []
    en = run_cli("national-report", "progress", "--store", store).stdout.splitlines()
    assert (
        "WP2021-9.7         UZB  in-progress   was planned       advanced        [UZB 2024 v1 UZB-2.yaml]"
        in en
    )
    # --json keeps the codes whatever the language
    as_json = run_cli("national-report", "progress", "--store", store, "--lang", "ru", "--json")
    cells = {(c["id"], c["country"]): c for c in json.loads(as_json.stdout)}
    assert (cells[("WP2021-9.7", "UZB")]["status"], cells[("WP2021-9.7", "UZB")]["progress"]) == (
        "in-progress",
        "advanced",
    )
    for lang, expected in (
        (
            "ru",
            "Ошибка: в хранилище нет отчётного периода 1999 (периоды: 2020-2023, 2024); выберите один из них "
            "или откройте его командой `deerhabitat national-report cycle open`",
        ),
        (
            "en",
            "Error: no reporting period 1999 in the store (periods: 2020-2023, 2024); pick one of them, or "
            "open it with `deerhabitat national-report cycle open`",
        ),
    ):
        refused = run_cli("national-report", "progress", "--store", store, "--period", "1999", "--lang", lang)
        assert refused.exit_code == 1, refused
        assert refused.stderr.splitlines() == [expected]


def test_progress_in_russian_on_an_empty_store(run_cli, tmp_path):
    path = Store.create(tmp_path / "empty.gpkg").path
    ru = run_cli("national-report", "progress", "--store", path, "--lang", "ru")
    en = run_cli("national-report", "progress", "--store", path)
    assert ru.stdout.splitlines() == [
        "В хранилище нет ни национальных отчётов, ни отчётных циклов: статусов Программы работ пока нет."
    ]
    assert en.stdout.splitlines() == [
        "No national report and no reporting cycle in the store: no Work Programme status yet."
    ]
