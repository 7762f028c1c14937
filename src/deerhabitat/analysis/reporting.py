"""Reporting cycles: each range state's national report status per reporting period.

The Secretariat opens a reporting cycle for a period with a deadline
(``deerhabitat national-report cycle open --period 2024 --deadline 2025-06-30``). For every period
(the cycles', and those of the reports kept) and every range state the status is:

- ``received``: the state's report for the period was submitted on or before the deadline;
- ``late``: submitted after the deadline;
- ``illustrative``: the report kept is marked illustrative (compiled for illustration, not a
  submission), so its timeliness means nothing;
- ``missing``: no report, and the deadline has passed;
- ``awaited``: no report yet, and the deadline has not passed.

Each period is judged on its own: a report from one state changes only that state's status in that
period. Timeliness is judged on the first version's submission date (a corrected version does not
make a report late); a date given as a year or a month counts as its first day (the benefit of the
doubt). Without a cycle for a period, the deadline is :data:`DEFAULT_DEADLINE_MONTHS` months after
the period's end, that is 31 December of the following year.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Sequence

import pandas as pd

from deerhabitat.analysis.work_programme import report_periods
from deerhabitat.nrschema import is_illustrative, period_label

DEFAULT_DEADLINE_MONTHS = 12
"""Without a reporting cycle, a report is due this many months after its period ends (31 December)."""
STATUS_COLUMNS = (
    "period_start",
    "period_end",
    "period",
    "country",
    "status",
    "deadline",
    "deadline_from",
    "submitted",
    "version",
    "filename",
    "illustrative",
)
"""Columns of :func:`reporting_status`."""


def default_deadline(period_end: int) -> str:
    """The deadline of a period without a cycle (ISO date).

    Examples
    --------
    >>> default_deadline(2023)
    '2024-12-31'
    """
    return f"{period_end + DEFAULT_DEADLINE_MONTHS // 12}-12-31"


def _first_day(date: str) -> str:
    """``2025``, ``2025-06`` or ``2025-06-30`` → the first day it can mean (ISO).

    Examples
    --------
    >>> _first_day("2025"), _first_day("2025-06"), _first_day("2025-06-30")
    ('2025-01-01', '2025-06-01', '2025-06-30')
    """
    parts = str(date).split("-")
    return "-".join([parts[0], *[*parts[1:], "01", "01"][:2]])


def reporting_status(
    reports: pd.DataFrame,
    cycles: pd.DataFrame,
    *,
    states: Sequence[str],
    today: _dt.date | None = None,
) -> pd.DataFrame:
    """Each range state's national report status per reporting period.

    Parameters
    ----------
    reports : pandas.DataFrame
        Every version of every report kept: ``country, period_start, period_end, version, latest,
        submitted, filename`` and ``parsed`` (the checked report, at least on the latest versions).
    cycles : pandas.DataFrame
        The reporting cycles: ``period_start, period_end, deadline`` (ISO date).
    states : sequence of str
        The range states (ISO3).
    today : datetime.date, optional
        The date that decides between ``missing`` and ``awaited`` (default: today).

    Returns
    -------
    pandas.DataFrame
        :data:`STATUS_COLUMNS`, one row per period and range state, oldest period first.
        ``deadline_from`` is ``cycle`` or ``default``; ``submitted`` is the first version's date,
        ``version`` and ``filename`` the latest version's.
    """
    today = today or _dt.date.today()
    deadlines = {
        (int(s), int(e)): str(d)
        for s, e, d in zip(cycles["period_start"], cycles["period_end"], cycles["deadline"], strict=True)
    }
    rows = []
    for period in report_periods(reports, deadlines):
        deadline = deadlines.get(period, default_deadline(period[1]))
        for country in sorted(states):
            versions = _versions(reports, country, period)
            rows.append(
                {
                    "period_start": period[0],
                    "period_end": period[1],
                    "period": period_label(*period),
                    "country": country,
                    "deadline": deadline,
                    "deadline_from": "cycle" if period in deadlines else "default",
                    **_status(versions, deadline, today),
                }
            )
    frame = pd.DataFrame(rows, columns=list(STATUS_COLUMNS))
    frame = frame.astype({"version": "Int64", "submitted": object, "filename": object, "illustrative": bool})
    for column in ("submitted", "filename"):  # None where there is no report, whatever pandas inferred
        values = [v if isinstance(v, str) else None for v in frame[column]]
        frame[column] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _versions(reports: pd.DataFrame, country: str, period: tuple[int, int]) -> pd.DataFrame:
    if reports is None or reports.empty:
        return pd.DataFrame(columns=["version", "submitted", "filename", "parsed"])
    mine = reports[
        (reports["country"] == country)
        & (reports["period_start"].astype(int) == period[0])
        & (reports["period_end"].astype(int) == period[1])
    ]
    return mine.sort_values("version")


def _status(versions: pd.DataFrame, deadline: str, today: _dt.date) -> dict:
    if versions.empty:
        return {
            "status": "missing" if today.isoformat() > deadline else "awaited",
            "submitted": None,
            "version": None,
            "filename": None,
            "illustrative": False,
        }
    first, latest = versions.iloc[0], versions.iloc[-1]
    illustrative = is_illustrative(latest.get("parsed"))
    late = _first_day(str(first["submitted"])) > deadline
    return {
        "status": "illustrative" if illustrative else "late" if late else "received",
        "submitted": str(first["submitted"]),
        "version": int(latest["version"]),
        "filename": latest["filename"],
        "illustrative": illustrative,
    }
