"""Tables of the Overview Report built from analysis results, national reports and the store's provenance.

Each function takes plain frames (the tables of :func:`deerhabitat.workflows.analyze`, the national
report records with their parsed form, the provenance log) and returns a
:class:`~deerhabitat.publish.report.Table` whose page view has formatted text and whose CSV keeps raw
values with a ``source`` column, or None when there is nothing to show. Titles, captions and column
labels come from :mod:`deerhabitat.publish.text`. Nothing here reads files.

National reports are passed as a frame of the *latest* version of each country and period, with the
columns of :meth:`deerhabitat.io.Store.national_reports` plus ``parsed`` (the checked report as a dict).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from deerhabitat.publish.charts import year_coverage
from deerhabitat.publish.report import Headline, Table
from deerhabitat.publish.text import message

LATE_AFTER_MONTHS = 12
"""A national report submitted more than this many months after its period ends counts as late."""

_SEVERITY_ORDER = {"high": 0, "medium": 1, "low": 2, "unknown": 3}
_NOT_STARTED = ("not-started", "planned")


_HEMISPHERE = r"[NSEW](?![A-Za-z])"
_DEGREES = (
    rf"[-+]?(?:\d{{1,3}}\.\d+\s*(?:°\s*(?:{_HEMISPHERE})?|{_HEMISPHERE})"
    rf"|\d{{1,3}}\.\d{{2,}}(?:\s*°)?(?:\s*{_HEMISPHERE})?)"
)
POSITION_PATTERN = re.compile(rf"(?<![\d.]){_DEGREES}\s*[,;/ ]\s*{_DEGREES}(?![\d])")
"""A pair of decimal degrees written in text (``41.80, 60.62``, ``41.80 N 60.62 E``, ``41.8°N; 60.62°E``)."""


def withhold_positions(text: str) -> str:
    """Replace every pair of decimal degrees in free text by a note that the position is withheld.

    Examples
    --------
    >>> withhold_positions("Deer seen at 41.80 N, 60.62 E in 2023; density 0.95 per km2")
    'Deer seen at [position withheld] in 2023; density 0.95 per km2'
    """
    return POSITION_PATTERN.sub(message("value.withheld"), text)


def public_reports(reports: pd.DataFrame) -> pd.DataFrame:
    """National report records whose parsed text has every position written in it withheld (public edition)."""
    if reports is None or reports.empty or "parsed" not in reports.columns:
        return reports

    def clean(value: object) -> object:
        if isinstance(value, str):
            return withhold_positions(value)
        if isinstance(value, dict):
            return {k: clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return reports.assign(parsed=[clean(p) for p in reports["parsed"]])


def _label(iso3: object, names: Mapping[str, str]) -> str:
    return f"{names[iso3]} ({iso3})" if iso3 in names else str(iso3)


def _text(value: object) -> str:
    return (
        "" if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)) else str(value)
    )


def _int(value: object) -> str:
    return message("table.dash") if value is None or pd.isna(value) else f"{int(value):,}"


def report_source(record: Mapping[str, object]) -> str:
    """How a figure from a national report is cited: ``national report UZB 2020-2023 v1 (UZB-2020-2023.yaml)``."""
    return message(
        "source.national_report",
        country=record["country"],
        period=record["period"],
        version=record["version"],
        filename=record["filename"],
    )


def _table(
    key: str,
    name: str,
    display: pd.DataFrame,
    data: pd.DataFrame,
    numeric: Sequence[str] = (),
    **values: object,
) -> Table | None:
    if data.empty:
        return None
    return Table(
        name,
        message(f"table.{key}.title"),
        message(f"table.{key}.caption", **values),
        display,
        data.reset_index(drop=True),
        numeric=tuple(numeric),
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
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): [_text(v) or message("table.dash") for v in data["latest_year"]],
            message("col.latest_count"): [_int(v) for v in data["latest_count"]],
            message("col.report"): [_text(v) or message("value.missing") for v in data["report"]],
            message("col.threats"): data["threats"].astype(str),
            message("col.threats_high"): data["threats_high"].astype(str),
            message("col.measures"): data["measures"].astype(str),
        }
    )
    return _table(
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
    """The display table of national-report entries: country, columns (``labels``: column -> message
    key) as text, cited source.
    """
    display = pd.DataFrame(
        {
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            **{message(key): data[column].map(_text) for column, key in labels.items()},
            message("col.source"): [
                f"{_text(c)} — {s}" if _text(c) else s
                for c, s in zip(data["cited"], data["source"], strict=True)
            ],
        }
    )
    name = kind if country is None else f"{kind}_{country.lower()}"
    if country is not None:
        display = display.drop(columns=message("col.country"))
    return _table(kind, name, display, data)


def threats_table(
    reports: pd.DataFrame, names: Mapping[str, str], *, country: str | None = None
) -> Table | None:
    """Threats of the latest national reports (of one country when given), most severe first."""
    fields = {
        "threat": lambda e: e.get("threat"),
        "severity": lambda e: e.get("severity"),
        "trend": lambda e: e.get("trend"),
        "where": lambda e: e.get("site_id") or e.get("area"),
        "description": lambda e: e.get("description"),
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
        "description": lambda e: e.get("description"),
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


def protected_animals_table(
    protected: pd.DataFrame | None, names: Mapping[str, str], year: int | None
) -> Table | None:
    """Wild animals inside and outside protected areas in ``year``, by range state."""
    if protected is None or protected.empty or year is None:
        return None
    data = protected[protected["year"] == year].sort_values("iso3")
    data = data[["iso3", "year", "count", "inside", "outside", "protected_fraction"]].assign(
        source=message("source.store", layers="population-counts, protected-areas")
    )
    display = pd.DataFrame(
        {
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.year"): data["year"].astype(int).astype(str),
            message("col.count"): [_int(v) for v in data["count"]],
            message("col.inside"): [_int(v) for v in data["inside"]],
            message("col.outside"): [_int(v) for v in data["outside"]],
            message("col.protected_share"): [
                "–" if pd.isna(v) else f"{100 * v:.1f} %" for v in data["protected_fraction"]
            ],
        }
    )
    return _table(
        "protected_animals",
        "protected_animals",
        display,
        data,
        (message("col.count"), message("col.inside"), message("col.outside"), message("col.protected_share")),
    )


def reintroductions_table(outcomes: pd.DataFrame | None) -> Table | None:
    """Reintroduced populations: founders, releases, latest count, growth and status."""
    if outcomes is None or outcomes.empty:
        return None
    data = outcomes.sort_values("site_id").assign(
        source=message("source.store", layers="releases, population-counts")
    )
    display = pd.DataFrame(
        {
            message("col.site"): data["site_id"].astype(str),
            message("col.first_release"): data["first_release_year"].map(_text),
            message("col.founders"): [_int(v) for v in data["founders"]],
            message("col.releases"): [_int(v) for v in data["releases"]],
            message("col.latest_year"): data["latest_year"].map(lambda v: _text(v) or message("table.dash")),
            message("col.latest_count"): [_int(v) for v in data["latest_count"]],
            message("col.growth"): [
                "–" if pd.isna(v) else f"{100 * v:+.1f} %" for v in data["growth_rate_per_year"]
            ],
            message("col.status"): data["status"].map(_text),
        }
    )
    return _table(
        "reintroductions",
        "reintroductions",
        display,
        data,
        (
            message("col.founders"),
            message("col.releases"),
            message("col.latest_count"),
            message("col.growth"),
        ),
    )


def report_gaps_table(
    states: Sequence[str],
    names: Mapping[str, str],
    reports: pd.DataFrame,
    *,
    late_after_months: int = LATE_AFTER_MONTHS,
) -> Table | None:
    """Range states whose national report for the latest reporting period is missing or late.

    The latest period is the one ending last among the reports kept; a state without a report for it
    is *missing*; one submitted more than ``late_after_months`` after the period's end is *late*.
    Without any report, every range state is missing (period unknown).
    """
    latest = latest_reports(reports)
    period = None
    if not latest.empty:
        last = latest.sort_values(["period_end", "period_start"]).iloc[-1]
        period = (int(last["period_start"]), int(last["period_end"]), str(last["period"]))
    rows = []
    for iso3 in sorted(states):
        mine = latest[(latest["country"] == iso3)]
        if period is not None:
            mine = mine[(mine["period_start"] == period[0]) & (mine["period_end"] == period[1])]
        if mine.empty:
            rows.append(
                {
                    "iso3": iso3,
                    "period": period[2] if period else None,
                    "problem": "missing",
                    "submitted": None,
                    "months_after_period": None,
                    "source": message("source.reports_kept"),
                }
            )
            continue
        record = mine.iloc[0]
        months = _months_after(str(record["submitted"]), int(record["period_end"]))
        if months is not None and months > late_after_months:
            rows.append(
                {
                    "iso3": iso3,
                    "period": record["period"],
                    "problem": "late",
                    "submitted": record["submitted"],
                    "months_after_period": months,
                    "source": report_source(record.to_dict()),
                }
            )
    data = pd.DataFrame(
        rows, columns=["iso3", "period", "problem", "submitted", "months_after_period", "source"]
    ).astype({"months_after_period": "Int64"})
    display = pd.DataFrame(
        {
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.period"): data["period"].map(_text),
            message("col.problem"): [message(f"value.{p}") for p in data["problem"]],
            message("col.submitted"): data["submitted"].map(_text),
        }
    )
    return _table(
        "gaps_reports",
        "gaps_national_reports",
        display,
        data,
        period=period[2] if period else "?",
        months=late_after_months,
    )


def _months_after(submitted: str, period_end: int) -> int | None:
    """Whole months from the end of ``period_end`` to the submission month (``2024-03`` → 3)."""
    try:
        year, month = int(submitted[:4]), int(submitted[5:7]) if len(submitted) >= 7 else 12
    except ValueError:
        return None
    return (year - period_end - 1) * 12 + month


def stale_table(
    stale: pd.DataFrame | None, names: Mapping[str, str], *, years: int, year: int | None
) -> Table | None:
    """Populations whose latest wild count is too old."""
    if stale is None or stale.empty:
        return None
    data = stale.sort_values(["iso3", "site_id"]).assign(
        source=message("source.store", layers="population-counts")
    )
    display = pd.DataFrame(
        {
            message("col.site"): data["site_id"].astype(str),
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(_text),
            message("col.latest_count"): [_int(v) for v in data["latest_count"]],
            message("col.age_years"): data["age_years"].map(_text),
        }
    )
    return _table(
        "gaps_stale",
        "gaps_stale_counts",
        display,
        data,
        (message("col.latest_count"), message("col.age_years")),
        years=years,
        year=year,
    )


def unprotected_table(
    outside: pd.DataFrame | None, names: Mapping[str, str], *, round_km: bool
) -> Table | None:
    """Populations that no protected area intersects; distances in whole km when ``round_km``."""
    if outside is None or outside.empty:
        return None
    data = outside.sort_values(["iso3", "site_id"]).copy()
    if round_km:
        data["distance_km"] = data["distance_km"].round(0)
    data = data.assign(source=message("source.store", layers="sites, population-counts, protected-areas"))
    display = pd.DataFrame(
        {
            message("col.site"): data["site_id"].astype(str),
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(_text),
            message("col.latest_count"): [_int(v) for v in data["latest_count"]],
            message("col.nearest_pa"): data["nearest_pa_id"].map(_text),
            message("col.distance_km"): [
                "–" if pd.isna(v) else f"{v:,.0f}" if round_km else f"{v:,.1f}" for v in data["distance_km"]
            ],
        }
    )
    return _table(
        "gaps_unprotected",
        "gaps_outside_protected_areas",
        display,
        data,
        (message("col.latest_count"), message("col.distance_km")),
    )


def no_count_table(
    without: pd.DataFrame | None, names: Mapping[str, str], *, years: int, year: int | None
) -> Table | None:
    """Range states without a recent wild count."""
    if without is None or without.empty or year is None:
        return None
    data = without.sort_values("iso3").assign(source=message("source.store", layers="population-counts"))
    display = pd.DataFrame(
        {
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(lambda v: _text(v) or message("value.none")),
        }
    )
    return _table(
        "gaps_no_count",
        "gaps_range_states_without_recent_count",
        display,
        data,
        start=year - years,
        year=year,
    )


def work_programme_table(reports: pd.DataFrame, names: Mapping[str, str]) -> Table | None:
    """Work Programme actions reported as not started or only planned."""
    rows = [
        {
            "iso3": r["country"],
            "programme": e.get("programme"),
            "action_id": e.get("action_id"),
            "action": e.get("action"),
            "status": e.get("status"),
            "comment": e.get("comment"),
            "cited": e.get("source"),
            "source": report_source(r),
        }
        for r, e in _entries(reports, "work_programme")
        if e.get("status") in _NOT_STARTED
    ]
    data = pd.DataFrame(
        rows, columns=["iso3", "programme", "action_id", "action", "status", "comment", "cited", "source"]
    )
    display = pd.DataFrame(
        {
            message("col.country"): [_label(i, names) for i in data["iso3"]],
            message("col.programme"): data["programme"].map(_text),
            message("col.action"): [
                f"{_text(i)} {_text(a)}".strip()
                for i, a in zip(data["action_id"], data["action"], strict=True)
            ],
            message("col.status"): data["status"].map(_text),
            message("col.comment"): data["comment"].map(_text),
            message("col.source"): data["source"],
        }
    )
    return _table("gaps_wp", "gaps_work_programme", display, data)


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
            message("col.country"): [_label(i, names) for i in data["country"]],
            message("col.period"): data["period"].astype(str),
            message("col.version"): data["version"].astype(str),
            message("col.submitted"): data["submitted"].map(_text),
            message("col.file"): data["filename"].astype(str),
            message("col.format"): data["format"].astype(str),
            message("col.sha256"): data["sha256"].astype(str),
        }
    )
    return _table("reports", "national_reports", display, data)


def provenance_table(provenance: pd.DataFrame | None) -> Table | None:
    """The store's provenance log (every write: layer, action, source file, sha256, time)."""
    if provenance is None or provenance.empty:
        return None
    columns = [
        c
        for c in ("layer", "action", "source_file", "sha256", "time_utc", "tool_version", "total", "note")
        if c in provenance.columns
    ]
    data = provenance[columns].reset_index(drop=True)
    display = pd.DataFrame(
        {
            message("col.layer"): data["layer"].astype(str),
            message("col.action_kind"): data["action"].astype(str),
            message("col.file"): data["source_file"].map(_text),
            message("col.sha256"): data["sha256"].map(_text),
            message("col.time_utc"): data["time_utc"].map(_text),
        }
    )
    return _table("provenance", "provenance", display, data)


def sources_table(layers: Mapping[str, pd.DataFrame]) -> Table | None:
    """The ``source`` values cited by the features of each layer, with how many features cite each."""
    rows = []
    for layer in sorted(layers):
        frame = layers[layer]
        if frame is None or "source" not in frame.columns or frame.empty:
            continue
        counts = frame["source"].dropna().astype(str).value_counts()
        rows += [{"layer": layer, "source": s, "features": int(n)} for s, n in sorted(counts.items())]
    data = pd.DataFrame(rows, columns=["layer", "source", "features"])
    display = pd.DataFrame(
        {
            message("col.layer"): data["layer"],
            message("col.source"): data["source"],
            message("col.features"): data["features"].astype(str),
        }
    )
    return _table("sources", "sources", display, data, (message("col.features"),))


def published_table(reference: pd.DataFrame | None) -> Table | None:
    """Published range-wide estimates (a reference series, never added to the store's totals), with sources."""
    if reference is None or reference.empty:
        return None
    data = reference[["year", "low", "high", "label", "source"]].sort_values("year")
    display = pd.DataFrame(
        {
            message("col.year"): data["year"].astype(str),
            message("col.estimate"): data["label"],
            message("col.source"): data["source"],
        }
    )
    return _table("published", "published_totals", display, data)


def candidates_table(candidates: pd.DataFrame | None) -> Table | None:
    """Candidate reintroduction sites by rank: area, protected share, distances to populations and sources.

    The frame is the one prepared for the profile (public: distances already rounded); its
    geometry and free-text explanation are left out.
    """
    if candidates is None or len(candidates) == 0:
        return None
    columns = [
        "rank",
        "candidate_id",
        "score",
        "area_km2",
        "protected_fraction",
        "nearest_population_id",
        "distance_to_population_km",
        "nearest_source_id",
        "distance_to_source_km",
    ]
    data = (
        pd.DataFrame(candidates[[c for c in columns if c in candidates.columns]])
        .sort_values("rank")
        .assign(source=message("source.rasters"))
    )
    display = pd.DataFrame(
        {
            message("col.rank"): data["rank"].astype(int).astype(str),
            message("col.candidate"): data["candidate_id"],
            message("col.area_km2"): [f"{v:,.0f}" for v in data["area_km2"]],
            message("col.protected_share"): [f"{100 * v:.0f} %" for v in data["protected_fraction"]],
            message("col.nearest_population"): [
                f"{_text(i)} ({d:,.0f} km)"
                for i, d in zip(data["nearest_population_id"], data["distance_to_population_km"], strict=True)
            ],
            message("col.nearest_source"): [
                f"{_text(i)} ({d:,.0f} km)"
                for i, d in zip(data["nearest_source_id"], data["distance_to_source_km"], strict=True)
            ],
            message("col.score"): [f"{v:.2f}" for v in data["score"]],
        }
    )
    return _table(
        "candidates",
        "candidate_sites",
        display,
        data,
        (message("col.area_km2"), message("col.protected_share"), message("col.score")),
    )


def coverage_by_year_table(
    by_country_year: pd.DataFrame | None, detail: pd.DataFrame | None, states: Sequence[str]
) -> Table | None:
    """For each year: the total, how many range states have a figure, and which were counted or carried.

    Parameters
    ----------
    by_country_year : pandas.DataFrame
        ``iso3, year, count``.
    detail : pandas.DataFrame
        ``iso3, year, observed, carried, country_estimate`` (``totals_detail``).
    states : sequence of str
        The store's range states.
    """
    if by_country_year is None or by_country_year.empty:
        return None
    cover = year_coverage(by_country_year, states)
    detail = (
        detail
        if detail is not None
        else pd.DataFrame(columns=["iso3", "year", "observed", "carried", "country_estimate"])
    )

    def states_where(year: int, test) -> str:
        rows = detail[detail["year"].astype(int) == year]
        return " ".join(sorted(str(r.iso3) for r in rows.itertuples(index=False) if test(r)))

    data = cover.assign(
        counted=[states_where(y, lambda r: int(r.carried) == 0) for y in cover["year"]],
        carried=[states_where(y, lambda r: int(r.carried) > 0) for y in cover["year"]],
        national_estimate=[states_where(y, lambda r: bool(r.country_estimate)) for y in cover["year"]],
        no_figure=[
            " ".join(
                sorted(
                    set(states) - set(by_country_year.loc[by_country_year["year"].astype(int) == y, "iso3"])
                )
            )
            for y in cover["year"]
        ],
        source=message("source.store", layers="population-counts"),
    )
    display = pd.DataFrame(
        {
            message("col.year"): data["year"].astype(str),
            message("col.total"): [_int(v) for v in data["count"]],
            message("col.coverage"): [
                f"{n}/{o}" for n, o in zip(data["n_states"], data["of_states"], strict=True)
            ],
            message("col.complete"): [message("value.yes" if c else "value.no") for c in data["complete"]],
            message("col.counted"): data["counted"],
            message("col.carried"): data["carried"],
            message("col.national"): data["national_estimate"],
            message("col.no_figure"): data["no_figure"],
        }
    )
    return _table(
        "coverage_by_year",
        "totals_coverage",
        display,
        data,
        (message("col.total"), message("col.coverage")),
        of=len(states),
    )


def priorities_table(reports: pd.DataFrame, country: str) -> Table | None:
    """Problems, gaps and priorities of a range state's latest national report."""
    rows = [
        {
            "iso3": r["country"],
            "kind": e.get("kind"),
            "text": e.get("text"),
            "cited": e.get("source"),
            "source": report_source(r),
        }
        for r, e in _entries(reports, "priorities")
        if r["country"] == country
    ]
    data = pd.DataFrame(rows, columns=["iso3", "kind", "text", "cited", "source"])
    display = pd.DataFrame(
        {
            message("col.kind"): data["kind"].map(_text),
            message("col.text"): data["text"].map(_text),
            message("col.source"): [
                f"{_text(c)} — {s}" if _text(c) else s
                for c, s in zip(data["cited"], data["source"], strict=True)
            ],
        }
    )
    return _table("priorities", f"priorities_{country.lower()}", display, data)


# -- executive summary -------------------------------------------------------------------------------
def _total_headline(by_country: pd.DataFrame | None, year: int | None, states: Sequence[str]) -> Headline:
    if year is None or by_country is None or by_country.empty:
        return Headline(message("summary.no_counts"))
    row = year_coverage(by_country, states).set_index("year").loc[year]
    return Headline(
        message("summary.total", year=year, count=f"{int(row['count']):,}"),
        message("summary.total_note", n=int(row["n_states"]), of=len(states), year=year),
        "#table-totals_by_country_year",
    )


def _range_headline(coverage: pd.DataFrame | None) -> Headline | None:
    if coverage is None or coverage.empty:
        return None
    whole = coverage[(coverage["iso3"] == "ALL") & coverage["period"].astype(str).str.isdigit()]
    if whole.empty:
        return None
    latest = whole.sort_values("period").iloc[-1]
    share = f"{100 * latest['protected_fraction']:.1f} %"
    return Headline(
        message("summary.protected_range", period=latest["period"], share=share), href="#table-range_coverage"
    )


def _animals_headline(protected: pd.DataFrame | None, year: int | None) -> Headline | None:
    if year is None or protected is None or protected.empty:
        return None
    now = protected[protected["year"] == year]
    total, inside = int(now["count"].sum()), int(now["inside"].sum())
    if not total:
        return None
    text = message(
        "summary.protected_animals",
        year=year,
        inside=f"{inside:,}",
        count=f"{total:,}",
        share=f"{100 * inside / total:.0f} %",
    )
    return Headline(text, href="#table-protected_animals")


def _reintroduction_headline(outcomes: pd.DataFrame | None) -> Headline | None:
    if outcomes is None or outcomes.empty:
        return None
    wild = outcomes[~outcomes["captive"].astype(bool)]
    growing = int(wild["status"].isin(["growing", "established"]).sum())
    return Headline(
        message("summary.reintroduced", n=len(wild), growing=growing), href="#table-reintroductions"
    )


def _reports_headline(reports: pd.DataFrame, states: Sequence[str]) -> Headline:
    latest = latest_reports(reports)
    if latest.empty:
        return Headline(message("summary.reports_none"), href="#table-gaps_national_reports")
    last = latest.sort_values(["period_end", "period_start"]).iloc[-1]
    same = (latest["period_end"] == last["period_end"]) & (latest["period_start"] == last["period_start"])
    n = int((same & latest["country"].isin(list(states))).sum())
    return Headline(
        message("summary.reports", period=last["period"], n=n, of=len(states)), href="#table-national_reports"
    )


def headlines(
    tables: Mapping[str, pd.DataFrame],
    year: int | None,
    states: Sequence[str],
    reports: pd.DataFrame,
    *,
    n_gaps: int,
) -> list[Headline]:
    """The headline figures of the executive summary, each linked to the table it comes from.

    Parameters
    ----------
    tables : mapping of str to pandas.DataFrame
        The analysis tables (``totals_by_country_year``, ``range_coverage``,
        ``protected_by_country_year``, ``reintroductions``); missing ones give no headline.
    year : int or None
        The reference year (latest year with a wild count).
    states : sequence of str
        The store's range states.
    reports : pandas.DataFrame
        National report records with ``parsed``.
    n_gaps : int
        How many gaps the Gaps section lists.
    """
    heads = [
        _total_headline(tables.get("totals_by_country_year"), year, states),
        _range_headline(tables.get("range_coverage")),
        _animals_headline(tables.get("protected_by_country_year"), year),
        _reintroduction_headline(tables.get("reintroductions")),
        _reports_headline(reports, states),
        Headline(message("summary.gaps", n=n_gaps), href="#gaps"),
    ]
    return [h for h in heads if h is not None]
