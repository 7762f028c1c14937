"""Tables of the Overview Report on Work Programme progress and national reporting, per reporting period.

Built from two tables the workflow computes from the store
(:func:`deerhabitat.workflows.maps.reporting_tables`): ``work_programme_matrix``
(:func:`deerhabitat.analysis.work_programme.work_programme_matrix` of the latest period) and
``reporting_status``
(:func:`deerhabitat.analysis.reporting.reporting_status`, deadlines from the store's reporting
cycles). Every cell names the national report it comes from, and a report marked illustrative says
so wherever it shows. Nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from deerhabitat.publish.table import Table, country_label, date_cell, make_table, text_cell
from deerhabitat.publish.text import ENGLISH, message

NOT_REPORTED = "not-reported"
_GAP_STATUSES = ("not-started", "planned", NOT_REPORTED)


def status_label(code: object) -> str:
    """The words of a status or progress code (``in-progress`` → ``in progress``); empty when missing."""
    text = text_cell(code)
    return message(f"status.{text}") if f"status.{text}" in ENGLISH else text.replace("-", " ")


def illustrative_reports(reporting: pd.DataFrame | None) -> set[tuple[str, str]]:
    """``(country, period)`` of every national report marked illustrative."""
    if reporting is None or reporting.empty:
        return set()
    rows = reporting[reporting["illustrative"].astype(bool)]
    return {(str(c), str(p)) for c, p in zip(rows["country"], rows["period"], strict=True)}


def report_name(filename: object, *, illustrative: bool) -> str:
    """How a cell names its national report: the file, marked when it is illustrative."""
    name = text_cell(filename)
    if not name:
        return message("wp.no_report")
    return message("wp.report_illustrative", file=name) if illustrative else name


def latest_period(status: pd.DataFrame) -> tuple[int, int] | None:
    """The latest reporting period of a status table (by end year, then start year)."""
    if status is None or status.empty:
        return None
    periods = {(int(s), int(e)) for s, e in zip(status["period_start"], status["period_end"], strict=True)}
    return max(periods, key=lambda p: (p[1], p[0]))


def _action_label(row: Mapping[str, object]) -> str:
    ident = text_cell(row.get("action_id")) or text_cell(row.get("id"))
    return f"{ident} {text_cell(row.get('text'))}".strip()


def _cell_text(row: Mapping[str, object], illustrative: set[tuple[str, str]]) -> str:
    words = status_label(row["status"])
    moved = text_cell(row.get("progress"))
    if moved and moved not in ("first-period", NOT_REPORTED):
        words += f" ({status_label(moved)})"
    if row["status"] == NOT_REPORTED and text_cell(row.get("last_status")):
        words += " — " + message(
            "wp.last_known", status=status_label(row["last_status"]), period=text_cell(row["last_period"])
        )
    marked = (str(row["country"]), str(row["period"])) in illustrative
    return f"{words} — {report_name(row.get('report_file'), illustrative=marked)}"


def work_programme_matrix_table(
    matrix: pd.DataFrame | None,
    reporting: pd.DataFrame | None,
    names: Mapping[str, str],
    states: Sequence[str],
) -> Table | None:
    """The Work Programme action × range state matrix of the latest reporting period.

    Each cell gives the state's status of the action, how it moved since the previous period and the
    national report it comes from (marked when illustrative); an action that does not concern a state
    shows a dash. The CSV holds one row per action and state.
    """
    if matrix is None or matrix.empty:
        return None
    illustrative = illustrative_reports(reporting)
    records = matrix.to_dict("records")
    actions = list(dict.fromkeys(str(r["id"]) for r in records))
    by_cell = {(str(r["id"]), str(r["country"])): r for r in records}
    labels = {str(r["id"]): _action_label(r) for r in records}
    countries = [s for s in sorted(states)] + sorted({str(r["country"]) for r in records} - set(states))
    dash = message("table.dash")
    display = pd.DataFrame(
        {
            message("col.action"): [labels[a] for a in actions],
            **{
                country_label(c, names): [
                    _cell_text(by_cell[(a, c)], illustrative) if (a, c) in by_cell else dash for a in actions
                ]
                for c in countries
            },
        }
    )
    data = matrix[
        [
            "period",
            "id",
            "programme",
            "action_id",
            "theme",
            "text",
            "country",
            "status",
            "previous_period",
            "previous_status",
            "progress",
            "last_status",
            "last_period",
            "report_file",
        ]
    ]
    first = records[0]
    previous = text_cell(first.get("previous_period")) or message("wp.no_previous")
    return make_table(
        "wp_matrix", "work_programme_matrix", display, data, period=first["period"], previous=previous
    )


def work_programme_gaps_table(
    matrix: pd.DataFrame | None, reporting: pd.DataFrame | None, names: Mapping[str, str]
) -> Table | None:
    """Catalogued actions a state has not started, only planned, or not reported in the latest period."""
    if matrix is None or matrix.empty:
        return None
    gaps = matrix[matrix["status"].isin(_GAP_STATUSES) & matrix["catalogued"].astype(bool)]
    illustrative = illustrative_reports(reporting)
    data = gaps[["period", "country", "id", "action_id", "text", "status", "last_status", "report_file"]]
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(c, names) for c in data["country"]],
            message("col.action"): [_action_label(r) for r in data.to_dict("records")],
            message("col.status"): data["status"].map(status_label),
            message("col.last_status"): data["last_status"].map(status_label),
            message("col.report"): [
                report_name(f, illustrative=(str(c), str(p)) in illustrative)
                for f, c, p in zip(data["report_file"], data["country"], data["period"], strict=True)
            ],
        }
    )
    period = text_cell(matrix["period"].iloc[0]) if not matrix.empty else "?"
    return make_table("gaps_wp", "gaps_work_programme", display, data, period=period)


def _reporting_cell(row: Mapping[str, object]) -> str:
    words = status_label(row["status"])
    if text_cell(row.get("filename")):
        words += f" — {row['filename']}"
        if text_cell(row.get("submitted")) and row["status"] != "illustrative":
            words += " " + message("wp.submitted", date=date_cell(row["submitted"]))
    else:
        words += " " + message("wp.deadline", date=date_cell(row["deadline"]))
    return words


def reporting_status_table(reporting: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """National reports received: one row per range state, one column per reporting period."""
    if reporting is None or reporting.empty:
        return None
    periods = list(dict.fromkeys(reporting["period"].astype(str)))
    countries = sorted(set(reporting["country"].astype(str)))
    cells = {(str(r["country"]), str(r["period"])): r for r in reporting.to_dict("records")}
    deadlines = reporting.drop_duplicates("period")
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(c, names) for c in countries],
            **{
                message("col.period_deadline", period=p, deadline=date_cell(d)): [
                    _reporting_cell(cells[(c, p)]) if (c, p) in cells else message("table.dash")
                    for c in countries
                ]
                for p, d in zip(deadlines["period"].astype(str), deadlines["deadline"], strict=True)
                if p in periods
            },
        }
    )
    sources = ", ".join(
        f"{p}: {message(f'wp.deadline_{f}')}"
        for p, f in zip(deadlines["period"], deadlines["deadline_from"], strict=True)
    )
    return make_table("reporting_status", "reporting_status", display, reporting, deadlines=sources)


def reporting_gaps_table(reporting: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """Range states whose national report for the latest reporting period is missing or late."""
    if reporting is None or reporting.empty:
        return None
    period = latest_period(reporting)
    assert period is not None
    latest = reporting[(reporting["period_start"] == period[0]) & (reporting["period_end"] == period[1])]
    data = latest[latest["status"].isin(["missing", "late"])]
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(c, names) for c in data["country"]],
            message("col.period"): data["period"].map(text_cell),
            message("col.problem"): data["status"].map(status_label),
            message("col.deadline"): data["deadline"].map(date_cell),
            message("col.submitted"): data["submitted"].map(date_cell),
        }
    )
    first = latest.iloc[0]
    return make_table(
        "gaps_reports",
        "gaps_national_reports",
        display,
        data,
        period=first["period"],
        deadline=date_cell(first["deadline"]),
    )
