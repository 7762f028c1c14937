"""The Overview Report as a document: its sections in order, their blocks and the headline figures.

:func:`build_document` lays out the report from the publication data only
(:class:`~deerhabitat.publish.data.PublishData`, already prepared for the profile) and the maps built
from it: executive summary, population trends, one section per range state, protected areas,
reintroductions, habitat, connectivity, gaps, methods and sources. Tables come from
:mod:`deerhabitat.publish.report_tables` and :mod:`deerhabitat.publish.national_report_tables`,
charts from :mod:`deerhabitat.publish.charts`; the page is drawn by
:func:`deerhabitat.publish.report_page.render_report`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from deerhabitat.crs import describe_crs
from deerhabitat.i18n import format_number, format_percent, format_year
from deerhabitat.nrschema import is_illustrative
from deerhabitat.publish import conclusions as cn
from deerhabitat.publish import corridor_tables as ct
from deerhabitat.publish import national_report_tables as nr
from deerhabitat.publish import occurrence_tables as oc
from deerhabitat.publish import overview_tables as ov
from deerhabitat.publish import report_tables as rt
from deerhabitat.publish import work_programme_tables as wp
from deerhabitat.publish.charts import country_chart_svg, trend_chart_svg, year_coverage
from deerhabitat.publish.data import PublishData, country_names, local_names
from deerhabitat.publish.generalise import Profile, generalisation_method
from deerhabitat.publish.layers import WebMap
from deerhabitat.publish.report_page import Block, Chart, Headline, MapFigure, Report, Section, build_report
from deerhabitat.publish.table import Table
from deerhabitat.publish.text import message, species_name
from deerhabitat.schema import LayerKind


@dataclass(frozen=True)
class DocumentText:
    """What the report says that the publication data does not hold.

    Attributes
    ----------
    store_name : str
        File name of the store (named in the lead paragraph).
    totals_rule : str
        How wild totals are made (:func:`deerhabitat.analysis.totals_rule`).
    reference : pandas.DataFrame
        Published range-wide estimates of the species (``year, low, high, label, source``); may be empty.
    notes : tuple of str
        What was left out or could not be computed, and why (methods section).
    background : pandas.DataFrame, optional
        Background paragraphs on the species and its MOU (``text, source``); may be empty.
    conclusions : str, optional
        The author's conclusions and recommendations (kept in the store); None: the default draft.
    """

    store_name: str
    totals_rule: str
    reference: pd.DataFrame
    notes: tuple[str, ...] = ()
    background: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["text", "source"]))
    conclusions: str | None = None


def build_document(data: PublishData, maps: Sequence[WebMap], text: DocumentText) -> Report:
    """The Overview Report of the publication data (the first map is the overview map).

    Parameters
    ----------
    data : PublishData
        Everything published, prepared for the profile; every table and chart is built from it.
    maps : sequence of WebMap
        The maps built from ``data``, the overview map first.
    text : DocumentText
        Store name, totals rule, published estimates and notes.
    """
    config = data.config
    species = species_name(config.species, config.scientific_name)
    notes = _method_notes(data, text)
    return build_report(
        message("report.title", species=species, scientific_name=config.scientific_name),
        message("report.lead", species=species, store=text.store_name),
        maps,
        sections=_sections(data, maps, text, notes),
        notes=notes,
        profile=data.profile,
    )


def _method_notes(data: PublishData, text: DocumentText) -> list[str]:
    config = data.config
    notes = []
    if data.profile is Profile.PUBLIC:
        notes.append(message("methods.generalised", method=generalisation_method(config.generalise_m)))
    notes.append(text.totals_rule)
    notes.append(message("methods.areas", crs=describe_crs(config.crs)))
    notes.append(message("methods.maps"))
    notes.append(message("methods.reports"))
    return notes + list(text.notes)


def _reports(data: PublishData) -> pd.DataFrame:
    if data.reports is None:
        return pd.DataFrame(columns=["country", "period_start", "period_end", "period", "version", "latest"])
    return data.reports


def _blocks(*blocks: Block | None) -> tuple[Block, ...]:
    return tuple(b for b in blocks if b is not None)


def _sections(
    data: PublishData, maps: Sequence[WebMap], text: DocumentText, notes: list[str]
) -> list[Section]:
    names, states = country_names(data), list(data.config.range_states)
    tables, year, reports = data.tables, data.reference_year, _reports(data)
    figures = {m.name: MapFigure(m) for m in maps[1:]}
    gaps = _gap_tables(data, names, reports)
    n_gaps = sum(len(t.data) for t in gaps if t is not None)
    return [
        Section(
            "summary",
            message("section.summary"),
            (message("summary.intro"),),
            blocks=tuple(headlines(tables, year, states, reports, n_gaps=n_gaps, names=names)),
        ),
        _background(data, text),
        _trends(tables, states, names, figures, text),
        *_states(states, names, data, reports, figures),
        Section(
            "distribution",
            message("section.distribution"),
            (message("distribution.intro"),),
            blocks=_blocks(ov.range_change_table(tables.get("range_change"), names)),
        ),
        Section(
            "protected",
            message("section.protected"),
            (message("protected.intro"),),
            blocks=_blocks(
                ov.protected_areas_with_deer_table(
                    tables.get("site_protection"),
                    tables.get("protected_areas"),
                    data.site_years,
                    names,
                    local_names(data),
                ),
                rt.coverage_table(tables.get("range_coverage"), names),
                rt.protected_animals_table(tables.get("protected_by_country_year"), names, year),
                figures.get("protected-coverage"),
            ),
        ),
        Section(
            "threats",
            message("section.threats"),
            (message("threats.intro"),),
            blocks=_blocks(ov.threat_matrix_table(reports, names, states), nr.threats_table(reports, names)),
        ),
        _measures(data, names),
        Section(
            "reintroductions",
            message("section.reintroductions"),
            (message("reintroductions.intro"),),
            blocks=_blocks(
                rt.reintroductions_table(tables.get("reintroductions")), figures.get("reintroductions")
            ),
        ),
        _habitat(data, figures),
        _connectivity(data, names, figures),
        Section(
            "gaps",
            message("section.gaps"),
            (message("gaps.intro", year=format_year(year) if year is not None else "–"),),
            blocks=_blocks(*gaps),
        ),
        _conclusions(data, text, gaps),
        Section(
            "methods",
            message("section.methods"),
            (message("methods.intro"),),
            tuple(notes),
            blocks=_blocks(
                wp.reporting_status_table(tables.get("reporting_status"), names),
                nr.reports_table(reports, names),
                rt.provenance_table(data.provenance),
                rt.sources_table({kind.value: frame for kind, frame in data.layers.items()}),
            ),
        ),
    ]


def _habitat(data: PublishData, figures: Mapping[str, MapFigure]) -> Section:
    intro = message("habitat.intro") if "habitat" in figures else message("habitat.none")
    occurrences = oc.occurrences_intro(data.tables)
    return Section(
        "habitat",
        message("section.habitat"),
        (intro,) if occurrences is None else (intro, occurrences),
        blocks=_blocks(
            rt.candidates_table(data.candidates),
            oc.habitat_use_table(data.tables),
            figures.get("habitat"),
            figures.get("occurrences"),
        ),
    )


def _connectivity(data: PublishData, names: Mapping[str, str], figures: Mapping[str, MapFigure]) -> Section:
    corridors = data.corridors
    if corridors is None:
        return Section("connectivity", message("section.connectivity"), (message("connectivity.none"),))
    method = [ct.corridor_method(corridors)]
    if corridors.summary.get("illustrative"):
        method.append(message("connectivity.illustrative"))
    return Section(
        "connectivity",
        message("section.connectivity"),
        (message("connectivity.intro"), *method),
        blocks=_blocks(
            figures.get("corridors"),
            ct.corridor_pairs_table(corridors, names, local_names(data)),
            ct.isolated_table(corridors, names, local_names(data)),
            ct.unprotected_bottlenecks_table(corridors, names, local_names(data)),
        ),
    )


def _trends(
    tables: Mapping[str, pd.DataFrame],
    states: Sequence[str],
    names: Mapping[str, str],
    figures: Mapping[str, MapFigure],
    text: DocumentText,
) -> Section:
    by_country, detail = tables.get("totals_by_country_year"), tables.get("totals_detail")
    blocks: list[Block | None] = []
    if by_country is not None and not by_country.empty and detail is not None:
        title = message("trends.global_title")
        svg = trend_chart_svg(by_country, states, names, title=title, reference=text.reference, detail=detail)
        blocks.append(Chart("trend_global", title, message("trends.intro", of=len(states)), svg))
        for iso3 in sorted(set(detail["iso3"])):
            name = names.get(iso3, iso3)
            blocks.append(
                Chart(
                    f"trend_{iso3.lower()}",
                    message("trends.country_title", country=name),
                    message("trends.country_caption"),
                    country_chart_svg(detail, iso3, name),
                )
            )
        blocks.append(rt.totals_table(by_country, names, rule=text.totals_rule))
        blocks.append(rt.trends_table(tables.get("country_trends"), names))
        blocks.append(rt.coverage_by_year_table(by_country, detail, states))
        blocks.append(rt.published_table(text.reference))
    blocks.append(figures.get("population"))
    return Section("trends", message("section.trends"), blocks=_blocks(*blocks))


def _states(
    states: Sequence[str],
    names: Mapping[str, str],
    data: PublishData,
    reports: pd.DataFrame,
    figures: Mapping[str, MapFigure],
) -> list[Section]:
    tables = data.tables
    by_country = tables.get("totals_by_country_year", pd.DataFrame(columns=["iso3", "year", "count"]))
    head = Section(
        "states",
        message("section.states"),
        (message("states.intro"),),
        blocks=_blocks(nr.states_table(states, names, by_country, reports)),
    )
    latest = nr.latest_reports(reports).set_index("country")
    sites, counts = data.layers.get(LayerKind.SITES), data.layers.get(LayerKind.POPULATION_COUNTS)
    return [
        head,
        *(
            _state(
                iso3,
                names,
                reports,
                latest,
                figures,
                ov.site_population_table(sites, counts, names, country=iso3),
            )
            for iso3 in sorted(states)
        ),
    ]


def _state(
    iso3: str,
    names: Mapping[str, str],
    reports: pd.DataFrame,
    latest: pd.DataFrame,
    figures: Mapping[str, MapFigure],
    populations: Table | None,
) -> Section:
    country = names.get(iso3, iso3)
    if iso3 in latest.index:
        record = latest.loc[iso3]
        intro = message(
            "states.report_line_illustrative"
            if is_illustrative(record.get("parsed"))
            else "states.report_line",
            period=record["period"],
            version=record["version"],
            filename=record["filename"],
        )
    else:
        intro = message("states.no_report", country=country)
    return Section(
        f"state-{iso3.lower()}",
        f"{country} ({iso3})",
        (intro,),
        blocks=_blocks(
            populations,
            figures.get(f"state-{iso3.lower()}"),
            nr.threats_table(reports, names, country=iso3),
            nr.measures_table(reports, names, country=iso3),
            nr.priorities_table(reports, iso3),
        ),
        level=3,
    )


def _gap_tables(data: PublishData, names: Mapping[str, str], reports: pd.DataFrame) -> list[Table | None]:
    tables = data.tables
    years, year = data.config.stale_after_years, data.reference_year
    return [
        wp.reporting_gaps_table(tables.get("reporting_status"), names),
        rt.stale_table(tables.get("gaps_stale_counts"), names, years=years, year=year),
        rt.unprotected_table(tables.get("gaps_outside_protected_areas"), names),
        rt.no_count_table(
            tables.get("gaps_range_states_without_recent_count"), names, years=years, year=year
        ),
        wp.work_programme_gaps_table(
            tables.get("work_programme_matrix"), tables.get("reporting_status"), names
        ),
    ]


def _background(data: PublishData, text: DocumentText) -> Section:
    paragraphs = [str(t) for t in text.background["text"]]
    sources = [str(s) for s in text.background["source"]]
    if not paragraphs:
        return Section(
            "background",
            message("section.background"),
            (
                message(
                    "background.none", species=species_name(data.config.species, data.config.scientific_name)
                ),
            ),
        )
    return Section(
        "background",
        message("section.background"),
        tuple(paragraphs),
        tuple(message("background.source", source=s) for s in sources),
    )


def figures(data: PublishData, wp_gaps: Table | None) -> dict[str, str]:
    """The figures the conclusions' placeholders name (``{total_latest}``...), as text."""
    states, year, tables = list(data.config.range_states), data.reference_year, data.tables
    by_country = tables.get("totals_by_country_year")
    values = {"n_states": str(len(states)), "year": format_year(year) if year is not None else "–"}
    if year is not None and by_country is not None and not by_country.empty:
        now = by_country[by_country["year"] == year]
        values |= {
            "total_latest": f"{format_number(int(now['count'].sum()))}",
            "n_states_counted": str(now["iso3"].nunique()),
        }
    else:
        values |= {"total_latest": "–", "n_states_counted": "0"}
    reporting = tables.get("reporting_status")
    if reporting is not None and not reporting.empty:
        period = reporting.sort_values(["period_end", "period_start"]).iloc[-1]["period"]
        mine = reporting[reporting["period"] == period]
        values |= {
            "period": str(period),
            "n_reports": str(int(mine["status"].isin(["received", "late", "illustrative"]).sum())),
            "n_illustrative": str(int((mine["status"] == "illustrative").sum())),
            "n_missing": str(int((mine["status"] == "missing").sum())),
        }
    else:
        values |= {"period": "–", "n_reports": "0", "n_illustrative": "0", "n_missing": "0"}
    values["n_wp_gaps"] = str(len(wp_gaps.data) if wp_gaps is not None else 0)
    return values


def _conclusions(data: PublishData, text: DocumentText, gaps: Sequence[Table | None]) -> Section:
    wp_gaps = next((t for t in gaps if t is not None and t.name == "gaps_work_programme"), None)
    values = figures(data, wp_gaps)
    content = cn.conclusions(text.conclusions, values)
    intro = ((message("conclusions.draft"),) if content.draft else ()) + content.paragraphs
    if content.unknown:
        known = ", ".join("{" + k + "}" for k in sorted(values))
        intro += (message("conclusions.unknown", names=", ".join(content.unknown), known=known),)
    return Section("conclusions", message("section.conclusions"), intro, content.items)


def _measures(data: PublishData, names: Mapping[str, str]) -> Section:
    tables = data.tables
    matrix = wp.work_programme_matrix_table(
        tables.get("work_programme_matrix"), tables.get("reporting_status"), names, data.config.range_states
    )
    intro = message("measures.intro") if matrix is not None else message("measures.no_catalogue")
    return Section(
        "measures",
        message("section.measures"),
        (intro,),
        blocks=_blocks(matrix, nr.measures_table(_reports(data), names)),
    )


# -- executive summary -------------------------------------------------------------------------------


def _total_headline(by_country: pd.DataFrame | None, year: int | None, states: Sequence[str]) -> Headline:
    if year is None or by_country is None or by_country.empty:
        return Headline(message("summary.no_counts"))
    row = year_coverage(by_country, states).set_index("year").loc[year]
    return Headline(
        message("summary.total", year=format_year(year), count=format_number(int(row["count"]))),
        message("summary.total_note", n=int(row["n_states"]), of=len(states), year=format_year(year)),
        "#table-totals_by_country_year",
    )


def _range_headline(coverage: pd.DataFrame | None) -> Headline | None:
    if coverage is None or coverage.empty:
        return None
    whole = coverage[(coverage["iso3"] == "ALL") & coverage["period"].astype(str).str.isdigit()]
    if whole.empty:
        return None
    latest = whole.sort_values("period").iloc[-1]
    share = format_percent(latest["protected_fraction"], decimals=1)
    caveat = str(latest["caveat"]) if "caveat" in latest.index and isinstance(latest["caveat"], str) else ""
    if not caveat:
        text = message("summary.protected_range_mapped", period=latest["period"], share=share)
        return Headline(text, href="#table-range_coverage")
    geometry = message(
        "summary.protected_geometry",
        range=latest["range_geometry"],
        areas=latest["protected_area_geometry"],
    )
    return Headline(
        message("summary.protected_range", period=latest["period"], share=share, caveat=caveat),
        geometry,
        "#table-range_coverage",
    )


def _animals_headline(
    protected: pd.DataFrame | None, year: int | None, names: Mapping[str, str] | None = None
) -> Headline | None:
    if year is None or protected is None or protected.empty:
        return None
    now = protected[protected["year"] == year]
    located_column = "located" if "located" in now.columns else "count"
    total, located, inside = int(now["count"].sum()), int(now[located_column].sum()), int(now["inside"].sum())
    if not total:
        return None
    names = names or {}
    blind = (
        sorted(now.loc[~now["assessable"].astype(bool), "iso3"].astype(str))
        if "assessable" in now.columns
        else []
    )
    if not located:
        return Headline(
            message("summary.protected_none", year=format_year(year)), href="#table-protected_animals"
        )
    text = message(
        "summary.protected_animals",
        year=format_year(year),
        inside=format_number(inside),
        located=format_number(located),
        share=format_percent(inside / located, decimals=1),
    )
    if blind:
        note = message("summary.protected_animals_note", states=", ".join(names.get(i, i) for i in blind))
    elif located != total:
        note = message(
            "summary.protected_animals_partial", located=format_number(located), count=format_number(total)
        )
    else:
        note = ""
    return Headline(text, note, "#table-protected_animals")


def _reintroduction_headline(outcomes: pd.DataFrame | None) -> Headline | None:
    if outcomes is None or outcomes.empty:
        return None
    wild = outcomes[~outcomes["captive"].astype(bool)]
    growing = int(wild["status"].isin(["growing", "established"]).sum())
    return Headline(
        message("summary.reintroduced", n=len(wild), growing=growing), href="#table-reintroductions"
    )


def _reports_headline(reports: pd.DataFrame, states: Sequence[str]) -> Headline:
    latest = nr.latest_reports(reports)
    if latest.empty:
        return Headline(message("summary.reports_none"), href="#table-gaps_national_reports")
    last = latest.sort_values(["period_end", "period_start"]).iloc[-1]
    same = (latest["period_end"] == last["period_end"]) & (latest["period_start"] == last["period_start"])
    kept = latest[same & latest["country"].isin(list(states))]
    n_illustrative = sum(is_illustrative(parsed) for parsed in kept.get("parsed", pd.Series(dtype=object)))
    key = "summary.reports_illustrative" if n_illustrative else "summary.reports"
    text = message(key, period=last["period"], n=len(kept), of=len(states), n_illustrative=n_illustrative)
    return Headline(text, href="#table-national_reports")


def headlines(
    tables: Mapping[str, pd.DataFrame],
    year: int | None,
    states: Sequence[str],
    reports: pd.DataFrame,
    *,
    n_gaps: int,
    names: Mapping[str, str] | None = None,
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
    names : mapping of str to str, optional
        Country names (for the states that are not assessable).
    """
    heads = [
        _total_headline(tables.get("totals_by_country_year"), year, states),
        _range_headline(tables.get("range_coverage")),
        _animals_headline(tables.get("protected_by_country_year"), year, names),
        _reintroduction_headline(tables.get("reintroductions")),
        _reports_headline(reports, states),
        Headline(message("summary.gaps", n=n_gaps), href="#gaps"),
    ]
    return [h for h in heads if h is not None]
