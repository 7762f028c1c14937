"""Reporting cycles: each state's report status per period, independent of the other states and periods."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.reporting import default_deadline, reporting_status

STATES = ["KAZ", "TJK", "TKM", "UZB"]
TODAY = dt.date(2025, 8, 1)
NO_CYCLES = pd.DataFrame(columns=["period_start", "period_end", "deadline"])


def rec(country, start, end, submitted, version=1, latest=True, illustrative=None):
    return {
        "country": country,
        "period_start": start,
        "period_end": end,
        "version": version,
        "latest": latest,
        "submitted": submitted,
        "filename": f"{country}-{start}-v{version}.yaml",
        "parsed": {"report": {"illustrative": illustrative}},
    }


def by_state(frame, period):
    rows = frame[frame["period"] == period]
    return dict(zip(rows["country"], rows["status"], strict=True))


def test_default_deadline_without_cycles():
    reports = pd.DataFrame([rec("UZB", 2020, 2023, "2024-03"), rec("KAZ", 2020, 2023, "2025-02")])
    status = reporting_status(reports, NO_CYCLES, states=STATES, today=TODAY)
    assert by_state(status, "2020-2023") == {
        "KAZ": "late",
        "TJK": "missing",
        "TKM": "missing",
        "UZB": "received",
    }
    assert set(status["deadline"]) == {default_deadline(2023)} == {"2024-12-31"}
    assert set(status["deadline_from"]) == {"default"}


def test_a_new_report_changes_only_its_state_in_its_period():
    cycles = pd.DataFrame([{"period_start": 2024, "period_end": 2024, "deadline": "2025-06-30"}])
    old = [rec("UZB", 2020, 2023, "2024-03"), rec("TJK", 2020, 2023, "2024-06")]
    before = reporting_status(pd.DataFrame(old), cycles, states=STATES, today=TODAY)
    after = reporting_status(
        pd.DataFrame([*old, rec("TJK", 2024, 2024, "2025-05-02")]), cycles, states=STATES, today=TODAY
    )
    assert by_state(before, "2020-2023") == by_state(after, "2020-2023")
    assert by_state(before, "2024") == {
        "KAZ": "missing",
        "TJK": "missing",
        "TKM": "missing",
        "UZB": "missing",
    }
    assert by_state(after, "2024") == {
        "KAZ": "missing",
        "TJK": "received",
        "TKM": "missing",
        "UZB": "missing",
    }
    changed = before.compare(after)
    assert set(after.loc[changed.index, "country"]) == {"TJK"}


def test_deadline_comes_from_the_cycle_and_a_month_gets_the_benefit_of_the_doubt():
    cycles = pd.DataFrame([{"period_start": 2024, "period_end": 2024, "deadline": "2025-06-30"}])
    reports = pd.DataFrame(
        [
            rec("UZB", 2024, 2024, "2025-06"),
            rec("KAZ", 2024, 2024, "2025-07-01"),
            rec("TJK", 2024, 2024, "2025"),
        ]
    )
    status = reporting_status(reports, cycles, states=STATES, today=dt.date(2025, 6, 1))
    assert by_state(status, "2024") == {"KAZ": "late", "TJK": "received", "TKM": "awaited", "UZB": "received"}
    assert set(status["deadline"]) == {"2025-06-30"} and set(status["deadline_from"]) == {"cycle"}


def test_a_corrected_version_keeps_the_first_submission_and_illustrative_reports_are_not_late():
    reports = pd.DataFrame(
        [
            rec("UZB", 2020, 2023, "2024-03", version=1, latest=False),
            rec("UZB", 2020, 2023, "2026-01", version=2),
            rec("TJK", 2020, 2023, "2026-11", illustrative=True),
        ]
    )
    status = reporting_status(reports, NO_CYCLES, states=STATES, today=TODAY)
    row = status[(status["country"] == "UZB")].iloc[0]
    assert (row["status"], row["submitted"], row["version"], row["filename"]) == (
        "received",
        "2024-03",
        2,
        "UZB-2020-v2.yaml",
    )
    tjk = status[status["country"] == "TJK"].iloc[0]
    assert (tjk["status"], tjk["illustrative"]) == ("illustrative", True)


def test_a_cycle_without_reports_lists_every_state():
    cycles = pd.DataFrame([{"period_start": 2024, "period_end": 2025, "deadline": "2026-06-30"}])
    status = reporting_status(pd.DataFrame(), cycles, states=STATES, today=TODAY)
    assert by_state(status, "2024-2025") == dict.fromkeys(STATES, "awaited")


_periods = st.sampled_from([(2020, 2023), (2024, 2024), (2025, 2026)])
_reports = st.lists(
    st.tuples(
        st.sampled_from(STATES),
        _periods,
        st.sampled_from(["2024-03", "2025-01-15", "2026", "2027-07"]),
        st.booleans(),
    ),
    max_size=8,
)


def _frame(entries):
    rows, seen = [], {}
    for country, (start, end), submitted, illustrative in entries:
        version = seen[(country, start)] = seen.get((country, start), 0) + 1
        rows.append(rec(country, start, end, submitted, version=version, illustrative=illustrative))
    frame = pd.DataFrame(rows, columns=list(rec("KAZ", 1, 1, "x")))
    if not frame.empty:
        frame["latest"] = (
            frame.groupby(["country", "period_start"])["version"].transform("max") == frame["version"]
        )
    return frame


@settings(max_examples=60, deadline=None)
@given(
    entries=_reports, new=st.tuples(st.sampled_from(STATES), _periods, st.sampled_from(["2025-05", "2027"]))
)
def test_property_a_report_changes_only_its_own_cell(entries, new):
    """Whatever is kept, one more report changes the status of its state in its period and nothing else."""
    cycles = pd.DataFrame(
        [
            {"period_start": s, "period_end": e, "deadline": f"{e + 1}-06-30"}
            for s, e in [(2020, 2023), (2024, 2024), (2025, 2026)]
        ]
    )
    country, period, submitted = new
    before = reporting_status(_frame(entries), cycles, states=STATES, today=TODAY).set_index(
        ["period", "country"]
    )
    after = reporting_status(
        _frame([*entries, (country, period, submitted, False)]), cycles, states=STATES, today=TODAY
    ).set_index(["period", "country"])
    assert list(before.index) == list(after.index)
    label = f"{period[0]}-{period[1]}" if period[0] != period[1] else str(period[0])
    others = before.index != (label, country)
    pd.testing.assert_frame_equal(before[others], after[others])
    assert after.loc[(label, country), "status"] in {"received", "late", "illustrative"}
