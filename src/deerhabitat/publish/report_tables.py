"""Tables of the Overview Report built from the analyses and the store's own records.

Each function takes plain frames of the publication data (the analysis tables of
:func:`deerhabitat.workflows.analyze`, the layers, the provenance log, all already prepared for the
profile by :func:`deerhabitat.publish.prepare_data`) and returns a
:class:`~deerhabitat.publish.table.Table` whose page view has formatted text and whose CSV keeps raw
values with a ``source`` column, or None when there is nothing to show. Titles, captions and column
labels come from :mod:`deerhabitat.publish.text`. Nothing here reads files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import pandas as pd

from deerhabitat.i18n import current_language, format_number, format_percent, format_year, localised
from deerhabitat.publish.charts import year_coverage
from deerhabitat.publish.table import (
    Table,
    code_cell,
    country_label,
    int_cell,
    km_cell,
    make_table,
    text_cell,
    word_cell,
)
from deerhabitat.publish.text import message


def totals_table(by_country_year: pd.DataFrame, names: Mapping[str, str], *, rule: str = "") -> Table | None:
    """Wild animals by country (rows) and year (columns), with a total row.

    Parameters
    ----------
    by_country_year : pandas.DataFrame
        ``iso3, year, count`` from :func:`deerhabitat.analysis.population_totals`.
    names : mapping of str to str
        Country names by ISO3 code.
    rule : str
        The totals rule, quoted in the caption.

    Returns
    -------
    Table or None
        None when there is no wild count.
    """
    if by_country_year is None or by_country_year.empty:
        return None
    frame = by_country_year[["iso3", "year", "count"]].copy()
    frame["year"] = frame["year"].astype(int)
    frame["count"] = frame["count"].astype(int)
    pivot = frame.pivot_table(index="iso3", columns="year", values="count", aggfunc="sum").sort_index()
    display = pd.DataFrame({message("col.country"): [country_label(i, names) for i in pivot.index]})
    for year in pivot.columns:
        display[str(year)] = [format_number(int(v)) if not pd.isna(v) else "–" for v in pivot[year]]
    totals = frame.groupby("year")["count"].sum()
    display.loc[len(display)] = [
        message("value.all_states"),
        *[format_number(int(totals[y])) for y in pivot.columns],
    ]
    data = frame.assign(country=[names.get(i, "") for i in frame["iso3"]])[
        ["iso3", "country", "year", "count"]
    ]
    caption = message("table.totals.caption") + " " + rule
    return Table(
        "totals_by_country_year",
        message("table.totals.title"),
        caption.strip(),
        display,
        data.sort_values(["year", "iso3"]).reset_index(drop=True),
        numeric=tuple(str(y) for y in pivot.columns),
    )


def coverage_table(coverage: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """The share of each period's range inside protected areas, by country and for the whole range."""
    if coverage is None or coverage.empty:
        return None
    frame = coverage.copy()
    display = pd.DataFrame(
        {
            message("col.period"): frame["period"].map(word_cell),
            message("col.country"): [
                message("value.whole_range") if i == "ALL" else country_label(i, names) for i in frame["iso3"]
            ],
            message("col.range_km2"): [format_number(v) for v in frame["range_km2"]],
            message("col.protected_km2"): [format_number(v) for v in frame["protected_km2"]],
            message("col.protected_share"): [
                "–" if pd.isna(v) else format_percent(v, decimals=1) for v in frame["protected_fraction"]
            ],
            **(
                {
                    message("col.range_geometry"): frame["range_geometry"].astype(str),
                    message("col.pa_geometry"): frame["protected_area_geometry"].astype(str),
                    message("col.caveat"): frame["caveat"].fillna("").astype(str),
                }
                if "caveat" in frame.columns
                else {}
            ),
        }
    )
    return Table(
        "range_coverage",
        message("table.coverage.title"),
        message("table.coverage.caption"),
        display,
        frame.reset_index(drop=True),
        numeric=(message("col.range_km2"), message("col.protected_km2"), message("col.protected_share")),
    )


def protected_animals_table(
    protected: pd.DataFrame | None, names: Mapping[str, str], year: int | None
) -> Table | None:
    """Wild animals counted at sites inside and outside protected areas in ``year``, by range state.

    National totals and splits have no position: a state whose only figure is national shows
    "not assessable", never 0 %.
    """
    if protected is None or protected.empty or year is None:
        return None
    data = protected[protected["year"] == year].sort_values("iso3")
    columns = [
        "iso3",
        "year",
        "count",
        "located",
        "inside",
        "outside",
        "protected_fraction",
        "assessable",
        "note",
    ]
    data = data[[c for c in columns if c in data.columns]].assign(
        source=message("source.store", layers="population-counts, protected-areas")
    )
    assessable = (
        data["assessable"].astype(bool) if "assessable" in data.columns else pd.Series(True, index=data.index)
    )
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.year"): data["year"].astype(int).astype(str),
            message("col.count"): [int_cell(v) for v in data["count"]],
            message("col.located"): [int_cell(v) for v in data.get("located", data["count"])],
            message("col.inside"): [int_cell(v) for v in data["inside"]],
            message("col.outside"): [int_cell(v) for v in data["outside"]],
            message("col.protected_share"): [
                message("value.not_assessable")
                if not a
                else "–"
                if pd.isna(v)
                else format_percent(v, decimals=1)
                for v, a in zip(data["protected_fraction"], assessable, strict=True)
            ],
            message("col.protection_note"): data.get("note", pd.Series("", index=data.index))
            .fillna("")
            .astype(str),
        }
    )
    return make_table(
        "protected_animals",
        "protected_animals",
        display,
        data,
        (
            message("col.count"),
            message("col.located"),
            message("col.inside"),
            message("col.outside"),
            message("col.protected_share"),
        ),
    )


def trends_table(trends: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """Each range state's change between successive counted years: a trend only when comparable."""
    if trends is None or trends.empty:
        return None
    data = trends.sort_values(["iso3", "to_year"]).assign(
        source=message("source.store", layers="population-counts")
    )
    display = pd.DataFrame(
        {
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.from_year"): data["from_year"].astype(int).astype(str),
            message("col.to_year"): data["to_year"].astype(int).astype(str),
            message("col.from_count"): [int_cell(v) for v in data["from_count"]],
            message("col.to_count"): [int_cell(v) for v in data["to_count"]],
            message("col.change"): [
                ("-" if v < 0 else "+") + format_number(abs(int(v))) for v in data["change"]
            ],
            message("col.trend"): [code_cell(str(v).replace(" ", "-")) for v in data["trend"]],
            message("col.reason"): data["reason"].fillna("").astype(str),
        }
    )
    return make_table(
        "country_trends",
        "country_trends",
        display,
        data,
        (message("col.from_count"), message("col.to_count"), message("col.change")),
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
            message("col.first_release"): data["first_release_year"].map(text_cell),
            message("col.founders"): [int_cell(v) for v in data["founders"]],
            message("col.releases"): [int_cell(v) for v in data["releases"]],
            message("col.latest_year"): data["latest_year"].map(
                lambda v: text_cell(v) or message("table.dash")
            ),
            message("col.latest_count"): [int_cell(v) for v in data["latest_count"]],
            message("col.growth"): [
                "–" if pd.isna(v) else _signed_percent(v) for v in data["growth_rate_per_year"]
            ],
            message("col.status"): data["status"].map(code_cell),
        }
    )
    return make_table(
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


def _signed_percent(fraction: float) -> str:
    """A yearly growth rate with its sign, as written in the report's language (``+1.4 %``; ``+1,4 %``).

    Examples
    --------
    >>> _signed_percent(0.0137), _signed_percent(-0.25)
    ('+1.4 %', '-25.0 %')
    """
    sign = "-" if math.copysign(1.0, fraction) < 0 else "+"
    return sign + format_percent(abs(fraction), decimals=1)


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
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(text_cell),
            message("col.latest_count"): [int_cell(v) for v in data["latest_count"]],
            message("col.age_years"): data["age_years"].map(text_cell),
        }
    )
    return make_table(
        "gaps_stale",
        "gaps_stale_counts",
        display,
        data,
        (message("col.latest_count"), message("col.age_years")),
        years=years,
        year=year if year is None else format_year(year),
    )


def unprotected_table(outside: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """Populations that no protected area intersects, with the distance to the nearest one.

    Distances are shown as the publication data holds them (the public profile rounds them to whole km).
    """
    if outside is None or outside.empty:
        return None
    data = outside.sort_values(["iso3", "site_id"]).copy()
    data = data.assign(source=message("source.store", layers="sites, population-counts, protected-areas"))
    display = pd.DataFrame(
        {
            message("col.site"): data["site_id"].astype(str),
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(text_cell),
            message("col.latest_count"): [int_cell(v) for v in data["latest_count"]],
            message("col.nearest_pa"): data["nearest_pa_id"].map(text_cell),
            message("col.distance_km"): [km_cell(v) for v in data["distance_km"]],
        }
    )
    return make_table(
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
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.latest_year"): data["latest_year"].map(
                lambda v: text_cell(v) or message("value.none")
            ),
        }
    )
    return make_table(
        "gaps_no_count",
        "gaps_range_states_without_recent_count",
        display,
        data,
        start=year - years,
        year=year,
    )


def provenance_table(provenance: pd.DataFrame | None) -> Table | None:
    """The store's provenance log (every write: layer, action, source file, sha256, time).

    Source files are named as the publication data holds them: by file name only, never a local path.
    """
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
            message("col.layer"): data["layer"].map(code_cell),
            message("col.action_kind"): data["action"].map(code_cell),
            message("col.file"): data["source_file"].map(text_cell),
            message("col.sha256"): data["sha256"].map(text_cell),
            message("col.time_utc"): data["time_utc"].map(text_cell),
        }
    )
    return make_table("provenance", "provenance", display, data)


def sources_table(layers: Mapping[str, pd.DataFrame]) -> Table | None:
    """The sources cited by the features of each layer, as shown, with how many features cite each.

    A source is shown in the current language (:func:`deerhabitat.i18n.localised`: ``source_ru`` in Russian
    where the layer has one) and the rows are grouped by the shown text. The CSV keeps ``source`` as stored
    (the distinct sources of a row joined by `` | ``, where two show the same), and in a language other than
    English the shown text as ``source_<lang>``.
    """
    lang = current_language()
    shown_column = f"source_{lang}" if lang != "en" else None
    rows = []
    for layer in sorted(layers):
        frame = layers[layer]
        if frame is None or "source" not in frame.columns or frame.empty:
            continue
        cited = pd.DataFrame(frame.drop(columns="geometry", errors="ignore"))
        cited = cited[cited["source"].notna()]
        pairs = pd.DataFrame(
            {
                "source": cited["source"].astype(str).tolist(),
                "shown": [str(localised(r, "source")) for r in cited.to_dict("records")],
            }
        )
        for shown, group in pairs.groupby("shown", sort=True):
            rows.append(
                {
                    "layer": layer,
                    "source": " | ".join(dict.fromkeys(group["source"])),
                    **({shown_column: shown} if shown_column else {}),
                    "features": len(group),
                    "shown": shown,
                }
            )
    columns = ["layer", "source", *([shown_column] if shown_column else []), "features"]
    table = pd.DataFrame(rows, columns=[*columns, "shown"])
    data = table[columns]
    display = pd.DataFrame(
        {
            message("col.layer"): table["layer"].map(code_cell),
            message("col.source"): table["shown"],
            message("col.features"): table["features"].astype(str),
        }
    )
    return make_table("sources", "sources", display, data, (message("col.features"),))


def published_table(reference: pd.DataFrame | None) -> Table | None:
    """Published range-wide estimates with sources (a reference series, never added to the store's totals)."""
    if reference is None or reference.empty:
        return None
    ordered = reference.sort_values("year", kind="stable")
    data = ordered[["year", "low", "high", "label", "source"]]
    display = pd.DataFrame(
        {
            message("col.year"): data["year"].astype(str),
            message("col.estimate"): data["label"],
            message("col.source"): [localised(r, "source") for r in ordered.to_dict("records")],
        }
    )
    return make_table("published", "published_totals", display, data)


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
            message("col.area_km2"): [format_number(v) for v in data["area_km2"]],
            message("col.protected_share"): [format_percent(v) for v in data["protected_fraction"]],
            message("col.nearest_population"): [
                f"{text_cell(i)} ({message('unit.km', value=format_number(d))})"
                for i, d in zip(data["nearest_population_id"], data["distance_to_population_km"], strict=True)
            ],
            message("col.nearest_source"): [
                f"{text_cell(i)} ({message('unit.km', value=format_number(d))})"
                for i, d in zip(data["nearest_source_id"], data["distance_to_source_km"], strict=True)
            ],
            message("col.score"): [format_number(v, decimals=2) for v in data["score"]],
        }
    )
    return make_table(
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
        national_estimate=[_national_states(detail, y) for y in cover["year"]],
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
            message("col.total"): [int_cell(v) for v in data["count"]],
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
    return make_table(
        "coverage_by_year",
        "totals_coverage",
        display,
        data,
        (message("col.total"), message("col.coverage")),
        of=len(states),
    )


def _national_states(detail: pd.DataFrame, year: int) -> str:
    """``KAZ TJK UZB (split)``: the states whose total that year is a national figure, splits marked."""
    rows = detail[(detail["year"].astype(int) == year) & detail["country_estimate"].astype(bool)]
    status = rows["national_status"] if "national_status" in rows.columns else pd.Series("", index=rows.index)
    return " ".join(
        message("value.split", iso3=iso3) if "national-split" in str(st) else str(iso3)
        for iso3, st in sorted(zip(rows["iso3"], status, strict=True))
    )
