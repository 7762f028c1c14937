"""Work Programme progress: each state's status per action per reporting period, from its national reports.

A national report lists Work Programme actions with a status (``work_programme`` section:
``not-started``, ``planned``, ``in-progress``, ``completed``, ``not-applicable``). Matched against
the catalogue (:mod:`deerhabitat.io.work_programme`), every reporting period gets one status per
action and concerned state; an action a state's report for that period does not mention is
``not-reported``. Periods are kept side by side: a report for a new period never changes the status
recorded for an earlier one. Actions that a report lists but the catalogue does not hold are kept
too (``catalogued`` False), so nothing a state reports is lost.

Inputs are plain tables: the catalogue, and the national report records with their parsed reports
(``country, period_start, period_end, period, version, latest, filename, parsed``, ``parsed`` set on
the latest versions), as :func:`deerhabitat.workflows.national_report_records` gives them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from deerhabitat.i18n import localised, message
from deerhabitat.nrschema import period_label

NOT_REPORTED = "not-reported"
"""Status of an action that the state's report for the period does not mention (or no report)."""
STATUS_RANK = {"not-started": 0, "planned": 1, "in-progress": 2, "completed": 3}
"""Order of the statuses that measure progress (``not-applicable`` and ``not-reported`` have none)."""
STATUS_COLUMNS = (
    "period_start",
    "period_end",
    "period",
    "id",
    "programme",
    "action_id",
    "theme",
    "text",
    "catalogued",
    "country",
    "status",
    "comment",
    "cited",
    "report_version",
    "report_file",
)
"""Columns of :func:`work_programme_status`."""
Period = tuple[int, int]


def _norm(text: object) -> str:
    """Compare programme names and action texts without regard to case, spaces or dash kinds.

    Examples
    --------
    >>> _norm("WP 2021–2026") == _norm("wp2021-2026")
    True
    """
    return re.sub(r"[\s\u2010-\u2015-]+", "", str(text or "")).lower()


def _concerned(catalogue: pd.DataFrame, states: Sequence[str]) -> dict[str, list[str]]:
    """Action id → the states concerned (``all`` = every range state)."""
    out = {}
    for row in catalogue.to_dict("records"):
        text = str(row.get("states") or "")
        codes = [s.strip().upper() for s in text.replace(";", ",").split(",") if s.strip()]
        out[row["id"]] = sorted(states) if text.strip().lower() == "all" else codes
    return out


def match_action(catalogue: pd.DataFrame, entry: dict[str, Any]) -> dict[str, Any] | None:
    """The catalogue row a report's Work Programme entry refers to, or None.

    An entry matches a row of its programme (any programme if it names none) by ``action_id``
    (the row's ``action_id`` or ``id``), else by the action's text.

    Examples
    --------
    >>> cat = pd.DataFrame(
    ...     [{"id": "W-9.7", "programme": "WP 2021-2026", "action_id": "9.7", "text": "Corridor"}]
    ... )
    >>> match_action(cat, {"programme": "WP 2021–2026", "action_id": "9.7", "action": "x"})["id"]
    'W-9.7'
    >>> match_action(cat, {"action": "corridor"})["id"]
    'W-9.7'
    >>> match_action(cat, {"action_id": "9.8", "action": "y"}) is None
    True
    """
    rows = catalogue.to_dict("records")
    if entry.get("programme"):
        rows = [r for r in rows if _norm(r["programme"]) == _norm(entry["programme"])]
    if entry.get("action_id"):
        wanted = _norm(entry["action_id"])
        return next((r for r in rows if wanted in (_norm(r["action_id"]), _norm(r["id"]))), None)
    wanted = _norm(entry.get("action"))
    return next((r for r in rows if _norm(r["text"]) == wanted), None)


MEASURE_TO_WP_STATUS = {"planned": "planned", "ongoing": "in-progress", "completed": "completed"}
"""The Work Programme status a measure's status stands for (a measure with no status says nothing)."""


def measure_entries(measures: Iterable[dict[str, Any]], *, since: int | None = None) -> list[dict[str, Any]]:
    """Work Programme entries from the measures of a report that name the action they implement.

    Of several measures naming one action, the most advanced status counts (completed over ongoing
    over planned); the comment lists what was done. A measure completed before ``since`` (the first
    year of the reporting period) is not progress of this period and is left out.

    Examples
    --------
    >>> measure_entries(
    ...     [
    ...         {"measure": "water-management", "description": "Canals", "status": "completed",
    ...          "wp_action": "HABITAT"},
    ...         {"measure": "habitat-restoration", "description": "Replanting", "status": "ongoing",
    ...          "wp_action": "HABITAT"},
    ...         {"measure": "awareness", "description": "Leaflets", "status": "ongoing"},
    ...     ]
    ... )[0]["status"]
    'completed'
    >>> old = {"description": "Done", "status": "completed", "year": 2004, "wp_action": "X"}
    >>> measure_entries([old], since=2020)
    []
    """
    by_action: dict[str, dict[str, Any]] = {}
    for measure in measures:
        action, status = measure.get("wp_action"), MEASURE_TO_WP_STATUS.get(measure.get("status") or "")
        if not action or status is None:
            continue
        year = measure.get("year")
        if status == "completed" and since is not None and year is not None and int(year) < since:
            continue
        entry = by_action.setdefault(
            _norm(action), {"action_id": str(action), "action": str(action), "status": status, "comment": []}
        )
        if STATUS_RANK.get(status, -1) > STATUS_RANK.get(entry["status"], -1):
            entry["status"] = status
        entry["comment"].append(str(localised(measure, "description") or measure.get("measure")))
        entry.setdefault("source", measure.get("source"))
    return [
        {**e, "comment": message("analysis.wp.from_measures", comments="; ".join(e["comment"]))}
        for e in by_action.values()
    ]


def report_periods(reports: pd.DataFrame, extra: Iterable[Period] = ()) -> list[Period]:
    """Every reporting period: those of the reports kept and ``extra`` (the cycles), oldest first.

    Examples
    --------
    >>> frame = pd.DataFrame({"period_start": [2020, 2024], "period_end": [2023, 2024]})
    >>> report_periods(frame, [(2025, 2025), (2020, 2023)])
    [(2020, 2023), (2024, 2024), (2025, 2025)]
    """
    periods = set(extra)
    if reports is not None and not reports.empty:
        periods |= {
            (int(s), int(e)) for s, e in zip(reports["period_start"], reports["period_end"], strict=True)
        }
    return sorted(periods, key=lambda p: (p[1], p[0]))


def _latest(reports: pd.DataFrame) -> dict[tuple[str, Period], dict]:
    """(country, period) → the latest version's record (with ``parsed``)."""
    if reports is None or reports.empty:
        return {}
    latest = reports[reports["latest"].astype(bool)]
    return {
        (r["country"], (int(r["period_start"]), int(r["period_end"]))): r for r in latest.to_dict("records")
    }


def work_programme_status(
    catalogue: pd.DataFrame,
    reports: pd.DataFrame,
    *,
    states: Sequence[str],
    periods: Iterable[Period] = (),
) -> pd.DataFrame:
    """Each state's status per action per reporting period.

    Parameters
    ----------
    catalogue : pandas.DataFrame
        The Work Programme catalogue (``id, programme, action_id, theme, text, states`` ...).
    reports : pandas.DataFrame
        National report records with ``parsed`` on the latest versions (see the module docstring).
    states : sequence of str
        The range states (ISO3), for actions concerning ``all``.
    periods : iterable of (int, int), optional
        Reporting periods to include besides those of the reports (the reporting cycles).

    Returns
    -------
    pandas.DataFrame
        :data:`STATUS_COLUMNS`: one row per period, action and concerned state, plus one per action
        a state reported that the catalogue does not hold (``catalogued`` False) or that does not
        concern it. ``status`` is the reported code or ``not-reported``; ``report_version`` and
        ``report_file`` name the national report the status comes from (empty when none).
        Sorted by period, catalogue order, country.
    """
    concerned = _concerned(catalogue, states)
    latest = _latest(reports)
    order = {ident: i for i, ident in enumerate(catalogue["id"])}
    rows: list[dict] = []
    for period in report_periods(reports, periods):
        cells: dict[tuple[str, str], dict] = {}
        for row in catalogue.to_dict("records"):
            for country in concerned[row["id"]]:
                record = latest.get((country, period))
                cells[(row["id"], country)] = _cell(period, row, country, record, None)
        for (country, when), record in latest.items():
            if when != period:
                continue
            parsed = record.get("parsed") or {}
            # Measures that name their action first, so the report's own Work Programme entries win.
            measures = measure_entries(parsed.get("measures") or [], since=period[0])
            entries = [*measures, *(parsed.get("work_programme") or [])]
            for entry in entries:
                row = match_action(catalogue, entry) or _uncatalogued(entry)
                cells[(row["id"], country)] = _cell(period, row, country, record, entry)
        rows.extend(cells.values())
    frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    if frame.empty:
        return frame
    frame["_order"] = frame["id"].map(order).fillna(len(order))
    frame = frame.sort_values(["period_end", "period_start", "_order", "id", "country"], kind="stable")
    return frame.drop(columns="_order").astype({"report_version": "Int64"}).reset_index(drop=True)


def _uncatalogued(entry: dict) -> dict[str, Any]:
    label = entry.get("action_id") or entry.get("action")
    return {
        "id": f"{entry.get('programme') or 'WP'}: {label}",
        "programme": entry.get("programme"),
        "action_id": entry.get("action_id"),
        "theme": None,
        "text": localised(entry, "action"),
        "catalogued": False,
    }


def _cell(period: Period, row: dict, country: str, record: dict | None, entry: dict | None) -> dict:
    return {
        "period_start": period[0],
        "period_end": period[1],
        "period": period_label(*period),
        "id": row["id"],
        "programme": row.get("programme"),
        "action_id": row.get("action_id"),
        "theme": row.get("theme"),
        "text": row.get("text"),
        "catalogued": row.get("catalogued", True),
        "country": country,
        "status": entry["status"] if entry else NOT_REPORTED,
        "comment": localised(entry, "comment") if entry else None,
        "cited": entry.get("source") if entry else None,
        "report_version": int(record["version"]) if record is not None else None,
        "report_file": record["filename"] if record is not None else None,
    }


def progress(previous: str | None, current: str) -> str:
    """How a status moved since the previous period.

    Returns
    -------
    str
        ``first-period`` (no previous period), ``not-reported`` (nothing this period),
        ``first-reported`` (nothing the previous period), ``advanced``, ``unchanged``, ``regressed``,
        or ``not-comparable`` (one of them is ``not-applicable``).

    Examples
    --------
    >>> progress("planned", "completed"), progress("completed", "in-progress"), progress(None, "planned")
    ('advanced', 'regressed', 'first-period')
    >>> progress("not-reported", "planned"), progress("planned", "not-reported")
    ('first-reported', 'not-reported')
    """
    if previous is None:
        return "first-period"
    if current == NOT_REPORTED:
        return NOT_REPORTED
    if previous == NOT_REPORTED:
        return "first-reported"
    if previous == current:
        return "unchanged"
    if previous not in STATUS_RANK or current not in STATUS_RANK:
        return "not-comparable"
    return "advanced" if STATUS_RANK[current] > STATUS_RANK[previous] else "regressed"


def work_programme_matrix(status: pd.DataFrame, period: Period) -> pd.DataFrame:
    """The action × country cells of one period, with the previous period's status and the progress.

    Parameters
    ----------
    status : pandas.DataFrame
        :func:`work_programme_status`.
    period : (int, int)
        The period shown.

    Returns
    -------
    pandas.DataFrame
        The period's rows of ``status`` with ``previous_period``, ``previous_status`` (None when there
        is no earlier period; ``not-reported`` when the state said nothing of the action then),
        ``progress`` (:func:`progress`), and ``last_status`` / ``last_period``: the latest status
        reported up to this period (an action not mentioned this time keeps its last known status).
    """
    periods = sorted(
        {(int(s), int(e)) for s, e in zip(status["period_start"], status["period_end"], strict=True)}
    )
    periods.sort(key=lambda p: (p[1], p[0]))
    period = (int(period[0]), int(period[1]))
    if period not in periods:
        known = ", ".join(period_label(*p) for p in periods) or "none"
        raise KeyError(f"no reporting period {period_label(*period)} (periods: {known})")
    index = periods.index(period)
    previous = periods[index - 1] if index else None
    key = ["id", "country"]
    cells = status[(status["period_start"] == period[0]) & (status["period_end"] == period[1])].copy()
    before = status[
        [
            (int(s), int(e)) in periods[:index]
            for s, e in zip(status["period_start"], status["period_end"], strict=True)
        ]
    ]
    if previous is not None:
        prev = before[(before["period_start"] == previous[0]) & (before["period_end"] == previous[1])]
        cells = cells.merge(
            prev[[*key, "status"]].rename(columns={"status": "previous_status"}), on=key, how="left"
        )
        cells["previous_status"] = cells["previous_status"].fillna(NOT_REPORTED)
    else:
        cells["previous_status"] = None
    cells["previous_period"] = period_label(*previous) if previous else None
    cells["progress"] = [
        progress(p, c) for p, c in zip(cells["previous_status"], cells["status"], strict=True)
    ]
    reported = pd.concat([before, cells[list(STATUS_COLUMNS)]])
    reported = reported[reported["status"] != NOT_REPORTED].drop_duplicates(key, keep="last")
    last = reported[[*key, "status", "period"]].rename(
        columns={"status": "last_status", "period": "last_period"}
    )
    return cells.merge(last, on=key, how="left").reset_index(drop=True)
