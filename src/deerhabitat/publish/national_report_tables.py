"""Tables of the Overview Report built from the national reports kept in the store.

Each function takes the national report records of the publication data
(:attr:`deerhabitat.publish.data.PublishData.reports`: the columns of
:meth:`deerhabitat.io.Store.national_reports` plus ``parsed``, the checked report as a dict, on the
latest versions) and returns a
:class:`~deerhabitat.publish.table.Table` whose page view has formatted text and whose CSV keeps raw
values with a ``source`` column citing the report, or None when there is nothing to show. Titles,
captions and column labels come from :mod:`deerhabitat.publish.text`. Nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from deerhabitat.i18n import localised
from deerhabitat.publish.table import (
    Table,
    code_cell,
    country_label,
    date_cell,
    int_cell,
    make_table,
    text_cell,
)
from deerhabitat.publish.text import message

_FREE_TEXT = ("where", "description")
"""Entry fields shown as written (in the report's language when the report translates them,
``description_ru``); the others are codes of the format, shown as words."""
_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "unknown": 3}


def report_source(record: Mapping[str, object]) -> str:
    """How a figure from a national report is cited.

    For example ``national report UZB 2020-2023 v1 (UZB-2020-2023.yaml)``.
    """
    return message(
        "source.national_report",
        country=record["country"],
        period=record["period"],
        version=record["version"],
        filename=record["filename"],
    )


def latest_reports(records: pd.DataFrame) -> pd.DataFrame:
    """The latest version of each country's latest period (one row per country), sorted by country."""
    if records is None or records.empty:
        return pd.DataFrame(columns=["country", "period", "version", "filename", "parsed"])
    latest = records[records["latest"]].sort_values(["country", "period_end", "period_start"])
    return latest.drop_duplicates("country", keep="last").reset_index(drop=True)


def _entries(reports: pd.DataFrame, section: str) -> list[tuple[dict, dict]]:
    """``(record, entry)`` for every entry of ``section`` in the latest reports, by country."""
    out = []
    for record in latest_reports(reports).to_dict(orient="records"):
        for entry in (record.get("parsed") or {}).get(section) or []:
            out.append((record, entry))
    return out


def states_table(
    states: Sequence[str], names: Mapping[str, str], by_country_year: pd.DataFrame, reports: pd.DataFrame
) -> Table | None:
    """One row per range state: latest wild figure, latest national report, threats and measures counted.

    Parameters
    ----------
    states : sequence of str
        The store's range states (ISO3).
    names : mapping of str to str
        Country names.
    by_country_year : pandas.DataFrame
        ``iso3, year, count``.
    reports : pandas.DataFrame
        National report records with ``parsed`` (see the module docstring).
    """
    latest = latest_reports(reports).set_index("country")
    figures = (
        by_country_year.sort_values("year").drop_duplicates("iso3", keep="last").set_index("iso3")
        if by_country_year is not None and not by_country_year.empty
        else pd.DataFrame(columns=["year", "count"])
    )
    rows = []
    for iso3 in sorted(states):
        parsed = latest.loc[iso3, "parsed"] if iso3 in latest.index else {}
        threats = parsed.get("threats") or []
        rows.append(
            {
                "iso3": iso3,
                "country": names.get(iso3, ""),
                "latest_year": int(figures.loc[iso3, "year"]) if iso3 in figures.index else None,
                "latest_count": int(figures.loc[iso3, "count"]) if iso3 in figures.index else None,
                "report": message(
                    "value.report_of", period=latest.loc[iso3, "period"], version=latest.loc[iso3, "version"]
                )
                if iso3 in latest.index
                else None,
                "threats": len(threats),
                "threats_high": sum(t.get("severity") == "high" for t in threats),
                "measures": len(parsed.get("measures") or []),
                "source": report_source({"country": iso3, **latest.loc[iso3].to_dict()})
                if iso3 in latest.index
                else message("source.store_any"),
            }
        )
    data = pd.DataFrame(rows).astype({"latest_year": "Int64", "latest_count": "Int64"})
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): [text_cell(v) or message("table.dash") for v in data["latest_year"]],
            message("col.latest_count"): [int_cell(v) for v in data["latest_count"]],
            message("col.report"): [text_cell(v) or message("value.missing") for v in data["report"]],
            message("col.threats"): data["threats"].astype(str),
            message("col.threats_high"): data["threats_high"].astype(str),
            message("col.measures"): data["measures"].astype(str),
        }
    )
    return make_table(
        "states",
        "range_states",
        display,
        data,
        (
            message("col.latest_count"),
            message("col.threats"),
            message("col.threats_high"),
            message("col.measures"),
        ),
    )


def _entries_frame(
    reports: pd.DataFrame, section: str, fields: Mapping[str, Callable[[dict], object]], country: str | None
) -> pd.DataFrame:
    """One row per entry of ``section`` of the latest reports: iso3, ``fields``, cited, source."""
    rows = [
        {
            "iso3": r["country"],
            **{name: get(e) for name, get in fields.items()},
            "cited": e.get("source"),
            "source": report_source(r),
        }
        for r, e in _entries(reports, section)
        if country in (None, r["country"])
    ]
    return pd.DataFrame(rows, columns=["iso3", *fields, "cited", "source"])


def _entries_table(
    kind: str, data: pd.DataFrame, names: Mapping[str, str], labels: Mapping[str, str], country: str | None
) -> Table | None:
    """The display table of national-report entries: country, columns as text, cited source.

    ``labels`` maps each column to the message key of its heading.
    """
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            **{
                message(key): data[column].map(text_cell if column in _FREE_TEXT else code_cell)
                for column, key in labels.items()
            },
            message("col.source"): [
                f"{text_cell(c)} — {s}" if text_cell(c) else s
                for c, s in zip(data["cited"], data["source"], strict=True)
            ],
        }
    )
    name = kind if country is None else f"{kind}_{country.lower()}"
    if country is not None:
        display = display.drop(columns=message("col.country"))
    return make_table(kind, name, display, data)


def threats_table(
    reports: pd.DataFrame, names: Mapping[str, str], *, country: str | None = None
) -> Table | None:
    """Threats of the latest national reports (of one country when given), most severe first."""
    fields = {
        "threat": lambda e: e.get("threat"),
        "severity": lambda e: e.get("severity"),
        "trend": lambda e: e.get("trend"),
        "where": lambda e: e.get("site_id") or localised(e, "area"),
        "description": lambda e: localised(e, "description"),
    }
    data = _entries_frame(reports, "threats", fields, country)
    data = (
        data.assign(_rank=data["severity"].map(_SEVERITY_ORDER).fillna(9))
        .sort_values(["iso3", "_rank", "threat"], kind="stable")
        .drop(columns="_rank")
    )
    labels = {
        "threat": "col.threat",
        "severity": "col.severity",
        "trend": "col.trend",
        "where": "col.where",
        "description": "col.description",
    }
    return _entries_table("threats", data, names, labels, country)


def measures_table(
    reports: pd.DataFrame, names: Mapping[str, str], *, country: str | None = None
) -> Table | None:
    """Measures of the latest national reports (of one country when given)."""
    fields = {
        "measure": lambda e: e.get("measure"),
        "status": lambda e: e.get("status"),
        "year": lambda e: e.get("year"),
        "where": lambda e: e.get("site_id"),
        "description": lambda e: localised(e, "description"),
    }
    data = _entries_frame(reports, "measures", fields, country).astype({"year": "Int64"})
    labels = {
        "measure": "col.measure",
        "status": "col.status",
        "year": "col.year",
        "where": "col.where",
        "description": "col.description",
    }
    return _entries_table("measures", data, names, labels, country)


def priorities_table(reports: pd.DataFrame, country: str) -> Table | None:
    """Problems, gaps and priorities of a range state's latest national report."""
    rows = [
        {
            "iso3": r["country"],
            "kind": e.get("kind"),
            "text": localised(e, "text"),
            "cited": e.get("source"),
            "source": report_source(r),
        }
        for r, e in _entries(reports, "priorities")
        if r["country"] == country
    ]
    data = pd.DataFrame(rows, columns=["iso3", "kind", "text", "cited", "source"])
    display = pd.DataFrame(
        {
            message("col.kind"): data["kind"].map(code_cell),
            message("col.text"): data["text"].map(text_cell),
            message("col.source"): [
                f"{text_cell(c)} — {s}" if text_cell(c) else s
                for c, s in zip(data["cited"], data["source"], strict=True)
            ],
        }
    )
    return make_table("priorities", f"priorities_{country.lower()}", display, data)


def reports_table(records: pd.DataFrame, names: Mapping[str, str]) -> Table | None:
    """Every national report kept: country, period, version, submission, file and sha256."""
    if records is None or records.empty:
        return None
    data = records[
        [
            "country",
            "period",
            "version",
            "latest",
            "submitted",
            "filename",
            "format",
            "sha256",
            "imported_utc",
        ]
    ].sort_values(["country", "period", "version"])
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(i, names) for i in data["country"]],
            message("col.period"): data["period"].astype(str),
            message("col.version"): data["version"].astype(str),
            message("col.submitted"): data["submitted"].map(date_cell),
            message("col.file"): data["filename"].astype(str),
            message("col.format"): data["format"].astype(str),
            message("col.sha256"): data["sha256"].astype(str),
        }
    )
    return make_table("reports", "national_reports", display, data)
