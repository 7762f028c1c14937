"""Work Programme status per action, state and period, from hand-made national reports over two periods."""

from __future__ import annotations

import pandas as pd
import pytest

from deerhabitat.analysis.work_programme import (
    NOT_REPORTED,
    match_action,
    progress,
    work_programme_matrix,
    work_programme_status,
)

CATALOGUE = pd.DataFrame(
    [
        {
            "id": "A-1",
            "programme": "WP 2021-2026",
            "action_id": "1.1",
            "theme": "Corridors",
            "text": "Build a corridor",
            "indicator": "",
            "states": "UZB",
            "source": "s",
            "note": "",
        },
        {
            "id": "A-2",
            "programme": "WP 2021-2026",
            "action_id": "2.1",
            "theme": "Monitoring",
            "text": "Count every population",
            "indicator": "",
            "states": "all",
            "source": "s",
            "note": "",
        },
    ]
)
STATES = ["KAZ", "TJK", "UZB"]


def record(country, start, end, entries, version=1, filename=None):
    return {
        "country": country,
        "period_start": start,
        "period_end": end,
        "period": f"{start}-{end}" if start != end else str(start),
        "version": version,
        "latest": True,
        "filename": filename or f"{country}-{start}.yaml",
        "parsed": {"work_programme": entries},
    }


def wp(status, action_id=None, action="x", programme="WP 2021-2026", comment=None):
    return {
        "programme": programme,
        "action_id": action_id,
        "action": action,
        "status": status,
        "comment": comment,
        "source": "cited",
    }


REPORTS = pd.DataFrame(
    [
        # period 1: UZB plans the corridor, TJK has monitoring in progress, KAZ does not report
        record("UZB", 2020, 2023, [wp("planned", "1.1"), wp("not-started", "2.1")]),
        record(
            "TJK",
            2020,
            2023,
            [
                wp("in-progress", action="count every  population"),
                wp("completed", "7.7", action="Fence the reserve"),
            ],
        ),
        # period 2: UZB's corridor advances, monitoring goes back; TJK completes monitoring; KAZ reports
        # monitoring for the first time; version 1 of KAZ is superseded by version 2
        record("UZB", 2024, 2024, [wp("in-progress", "1.1"), wp("not-started", "2.1")]),
        record("TJK", 2024, 2024, [wp("completed", "2.1")]),
        {**record("KAZ", 2024, 2024, [wp("completed", "2.1")], version=1), "latest": False, "parsed": None},
        record("KAZ", 2024, 2024, [wp("planned", "2.1")], version=2, filename="KAZ-2024-v2.xlsx"),
    ]
)


def cell(frame, ident, country):
    rows = frame[(frame["id"] == ident) & (frame["country"] == country)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_status_per_period_keeps_both_periods_and_every_state():
    status = work_programme_status(CATALOGUE, REPORTS, states=STATES)
    assert sorted(set(status["period"])) == ["2020-2023", "2024"]
    first = status[status["period"] == "2020-2023"]
    # A-1 concerns UZB only; A-2 every range state; TJK's fence action is kept though not catalogued
    assert sorted(map(tuple, first[["id", "country", "status"]].values.tolist())) == [
        ("A-1", "UZB", "planned"),
        ("A-2", "KAZ", NOT_REPORTED),
        ("A-2", "TJK", "in-progress"),
        ("A-2", "UZB", "not-started"),
        ("WP 2021-2026: 7.7", "TJK", "completed"),
    ]
    fence = cell(first, "WP 2021-2026: 7.7", "TJK")
    assert not fence["catalogued"] and fence["text"] == "Fence the reserve"
    kaz = cell(status[status["period"] == "2024"], "A-2", "KAZ")
    assert (kaz["status"], kaz["report_version"], kaz["report_file"]) == ("planned", 2, "KAZ-2024-v2.xlsx")
    assert pd.isna(cell(first, "A-2", "KAZ")["report_version"])


def test_a_new_period_never_changes_an_earlier_one():
    before = work_programme_status(CATALOGUE, REPORTS.iloc[:2], states=STATES)
    after = work_programme_status(CATALOGUE, REPORTS, states=STATES)
    pd.testing.assert_frame_equal(before, after[after["period"] == "2020-2023"].reset_index(drop=True))


def test_matrix_with_progress_and_the_report_each_cell_comes_from():
    status = work_programme_status(CATALOGUE, REPORTS, states=STATES)
    matrix = work_programme_matrix(status, (2024, 2024))
    got = {
        (r["id"], r["country"]): (
            r["previous_status"],
            r["status"],
            r["progress"],
            r["last_status"],
            r["last_period"],
        )
        for r in matrix.to_dict("records")
    }
    assert got == {
        ("A-1", "UZB"): ("planned", "in-progress", "advanced", "in-progress", "2024"),
        ("A-2", "KAZ"): (NOT_REPORTED, "planned", "first-reported", "planned", "2024"),
        ("A-2", "TJK"): ("in-progress", "completed", "advanced", "completed", "2024"),
        ("A-2", "UZB"): ("not-started", "not-started", "unchanged", "not-started", "2024"),
    }
    assert set(matrix["previous_period"]) == {"2020-2023"}
    uzb = cell(matrix, "A-1", "UZB")
    assert (uzb["country"], uzb["period"], uzb["report_version"], uzb["report_file"]) == (
        "UZB",
        "2024",
        1,
        "UZB-2024.yaml",
    )


def test_an_action_not_mentioned_keeps_its_last_known_status():
    later = pd.concat([REPORTS, pd.DataFrame([record("TJK", 2025, 2025, [])])], ignore_index=True)
    status = work_programme_status(CATALOGUE, later, states=STATES)
    matrix = work_programme_matrix(status, (2025, 2025))
    tjk = cell(matrix, "A-2", "TJK")
    assert (tjk["status"], tjk["progress"], tjk["last_status"], tjk["last_period"]) == (
        NOT_REPORTED,
        NOT_REPORTED,
        "completed",
        "2024",
    )
    # TJK's uncatalogued fence action of 2020-2023 is not carried into later periods as a cell
    assert "WP 2021-2026: 7.7" not in set(matrix["id"])


def test_first_period_has_no_previous_status_and_cycles_add_periods():
    status = work_programme_status(CATALOGUE, REPORTS.iloc[:2], states=STATES, periods=[(2024, 2024)])
    assert set(status["period"]) == {"2020-2023", "2024"}
    assert set(status[status["period"] == "2024"]["status"]) == {NOT_REPORTED}
    first = work_programme_matrix(status, (2020, 2023))
    assert first["previous_status"].isna().all() and set(first["progress"]) == {"first-period"}
    with pytest.raises(KeyError, match="no reporting period 2030"):
        work_programme_matrix(status, (2030, 2030))


def test_no_reports_gives_an_empty_table():
    empty = pd.DataFrame(columns=["country", "period_start", "period_end", "version", "latest", "filename"])
    assert work_programme_status(CATALOGUE, empty, states=STATES).empty


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ({"programme": "WP 2021–2026", "action_id": "1.1", "action": "other words"}, "A-1"),
        ({"action_id": "A-2", "action": "x"}, "A-2"),
        ({"programme": None, "action_id": None, "action": "BUILD a corridor"}, "A-1"),
        ({"programme": "WP 2025-2032", "action_id": "1.1", "action": "x"}, None),
    ],
)
def test_match_action(entry, expected):
    found = match_action(CATALOGUE, entry)
    assert (found["id"] if found else None) == expected


@pytest.mark.parametrize("status", ["not-started", "planned", "in-progress", "completed"])
def test_progress_is_unchanged_for_the_same_status(status):
    assert progress(status, status) == "unchanged"
    assert progress("not-applicable", status) == "not-comparable"


def test_measures_that_name_their_action_count_unless_the_report_says_otherwise():
    # Tajikistan reports measures, not Work Programme entries: the measures that name an action are
    # that action's status (ongoing = in progress); one completed before the period is no progress of it.
    measures = [
        {
            "measure": "protected-area",
            "description": "Reserve enlarged",
            "status": "completed",
            "year": 2022,
            "wp_action": "2.1",
            "source": "decree",
        },
        {
            "measure": "water-management",
            "description": "Canals",
            "status": "completed",
            "year": 2005,
            "wp_action": "1.1",
        },
        {"measure": "awareness", "description": "Leaflets", "status": "ongoing"},
    ]
    tjk = {**record("TJK", 2020, 2023, []), "parsed": {"measures": measures}}
    status = work_programme_status(CATALOGUE, pd.DataFrame([tjk]), states=STATES)
    monitoring = cell(status, "A-2", "TJK")
    assert (monitoring["status"], monitoring["cited"]) == ("completed", "decree")
    assert "Reserve enlarged" in monitoring["comment"] and "from the measures" in monitoring["comment"]
    assert list(status["country"]).count("TJK") == 1  # the 2005 canals and the leaflets add nothing
    # the report's own Work Programme entry for the same action wins over its measures
    both = {**tjk, "parsed": {"measures": measures, "work_programme": [wp("in-progress", "2.1")]}}
    status = work_programme_status(CATALOGUE, pd.DataFrame([both]), states=STATES)
    assert cell(status, "A-2", "TJK")["status"] == "in-progress"
