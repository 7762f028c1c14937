"""``deerhabitat report``: the Overview Report of a store, into ``maps/``.

Writes ``index.html`` (executive summary, trend charts, status per range state with the threats and
measures of its national report, protected areas, reintroductions, habitat, gaps, methods and sources,
and an appendix of embed snippets), each map's own page, static images and embed snippet (as
``deerhabitat map``), each table as ``tables/<name>.csv`` and each chart as ``charts/<name>.svg``.
The store is only read: its layers, the analyses of :func:`deerhabitat.workflows.analyze`, its
provenance log and the national reports kept in it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path

import pandas as pd

from deerhabitat import analysis as an
from deerhabitat.errors import DeerHabitatError, PublishError
from deerhabitat.io import Store
from deerhabitat.io.csv_safe import csv_text
from deerhabitat.publish import Basemap, Profile, build_maps, build_report, render_report
from deerhabitat.publish import overview as ov
from deerhabitat.publish.charts import country_chart_svg, trend_chart_svg
from deerhabitat.publish.data import country_names
from deerhabitat.publish.generalise import generalisation_method
from deerhabitat.publish.layers import WebMap
from deerhabitat.publish.report import (
    Chart,
    MapFigure,
    Report,
    Section,
    Table,
    coverage_table,
    totals_table,
)
from deerhabitat.publish.text import CATALOGUES, language, message
from deerhabitat.workflows.analyze import TABLES, analyze
from deerhabitat.workflows.maps import (
    DEFAULT_DPI,
    DEFAULT_OUT,
    Publication,
    PublishResult,
    check_dpi,
    output_folder,
    prepare_publication,
    resolve_basemap,
    write_file,
    write_map,
)


def _method_notes(publication: Publication) -> list[str]:
    config = publication.data.config
    notes = []
    if publication.data.profile is Profile.PUBLIC:
        notes.append(message("methods.generalised", method=generalisation_method(config.generalise_m)))
    notes.append(an.totals_rule(config.stale_after_years))
    notes.append(message("methods.areas", crs=config.crs.name or config.analysis_crs))
    notes.append(message("methods.maps"))
    notes.append(message("methods.reports", months=ov.LATE_AFTER_MONTHS))
    return notes + publication.notes


def _analysis_tables(path: Path, notes: list[str]) -> tuple[dict[str, pd.DataFrame], int | None]:
    try:
        result = analyze(store=path)
    except DeerHabitatError as exc:
        notes.append(message("methods.failed", error=exc))
        return {name: pd.DataFrame() for name in TABLES}, None
    notes.extend(result.notes)
    return dict(result.tables), result.reference_year


def _national_reports(store: Store) -> pd.DataFrame:
    """Every report record kept, with ``parsed`` (the checked report) on the latest versions."""
    records = store.national_reports()
    parsed = []
    for row in records.itertuples(index=False):
        parsed.append(
            store.national_report(
                row.country,
                period=(int(row.period_start), int(row.period_end)),
                version=int(row.version),
            ).report
            if row.latest
            else None
        )
    return records.assign(parsed=parsed)


PUBLISHED_TOTALS = "published_totals.csv"
"""Package data: published range-wide estimates by species (scientific name), each with its source."""


def published_totals(scientific_name: str) -> pd.DataFrame:
    """The published range-wide estimates of a species (``year, low, high, label, source``); empty if none."""
    with resources.files("deerhabitat").joinpath("data", PUBLISHED_TOTALS).open("rb") as fh:
        frame = pd.read_csv(fh, encoding="utf-8")
    return (
        frame[frame["scientific_name"] == scientific_name]
        .drop(columns="scientific_name")
        .reset_index(drop=True)
    )


def _summary(
    tables: Mapping[str, pd.DataFrame],
    year: int | None,
    states: Sequence[str],
    reports: pd.DataFrame,
    gap_tables: Sequence[Table | None],
) -> Section:
    n_gaps = sum(len(t.data) for t in gap_tables if t is not None)
    heads = ov.headlines(tables, year, states, reports, n_gaps=n_gaps)
    return Section("summary", message("section.summary"), (message("summary.intro"),), blocks=tuple(heads))


def _by_name(maps: Sequence[WebMap]) -> dict[str, MapFigure]:
    return {m.name: MapFigure(m) for m in maps[1:]}


def _trends(
    tables: Mapping[str, pd.DataFrame],
    states: Sequence[str],
    names: Mapping[str, str],
    figures: Mapping[str, MapFigure],
    rule: str,
    reference: pd.DataFrame,
) -> Section:
    by_country = tables.get("totals_by_country_year")
    detail = tables.get("totals_detail")
    blocks: list = []
    if by_country is not None and not by_country.empty:
        title = message("trends.global_title")
        blocks.append(
            Chart(
                "trend_global",
                title,
                message("trends.intro", of=len(states)),
                trend_chart_svg(by_country, states, names, title=title, reference=reference, detail=detail),
            )
        )
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
        blocks.append(totals_table(by_country, names, rule=rule))
        blocks.append(ov.coverage_by_year_table(by_country, detail, states))
        blocks.append(ov.published_table(reference))
    if "population" in figures:
        blocks.append(figures["population"])
    return Section("trends", message("section.trends"), blocks=tuple(b for b in blocks if b is not None))


def _states(
    states: Sequence[str],
    names: Mapping[str, str],
    tables: Mapping[str, pd.DataFrame],
    reports: pd.DataFrame,
    figures: Mapping[str, MapFigure],
) -> list[Section]:
    by_country = tables.get("totals_by_country_year", pd.DataFrame(columns=["iso3", "year", "count"]))
    head = Section(
        "states",
        message("section.states"),
        (message("states.intro"),),
        blocks=tuple(b for b in [ov.states_table(states, names, by_country, reports)] if b),
    )
    latest = ov.latest_reports(reports).set_index("country")
    out = [head]
    for iso3 in sorted(states):
        country = names.get(iso3, iso3)
        if iso3 in latest.index:
            record = latest.loc[iso3]
            intro = message(
                "states.report_line",
                period=record["period"],
                version=record["version"],
                filename=record["filename"],
            )
        else:
            intro = message("states.no_report", country=country)
        blocks = [
            figures.get(f"state-{iso3.lower()}"),
            ov.threats_table(reports, names, country=iso3),
            ov.measures_table(reports, names, country=iso3),
            ov.priorities_table(reports, iso3),
        ]
        out.append(
            Section(
                f"state-{iso3.lower()}",
                f"{country} ({iso3})",
                (intro,),
                blocks=tuple(b for b in blocks if b is not None),
                level=3,
            )
        )
    return out


def _gap_tables(
    states: Sequence[str],
    names: Mapping[str, str],
    tables: Mapping[str, pd.DataFrame],
    reports: pd.DataFrame,
    year: int | None,
    stale_years: int,
    public: bool,
) -> list[Table | None]:
    return [
        ov.report_gaps_table(states, names, reports),
        ov.stale_table(tables.get("gaps_stale_counts"), names, years=stale_years, year=year),
        ov.unprotected_table(tables.get("gaps_outside_protected_areas"), names, round_km=public),
        ov.no_count_table(
            tables.get("gaps_range_states_without_recent_count"), names, years=stale_years, year=year
        ),
        ov.work_programme_table(reports, names),
    ]


def _sections(publication: Publication, maps: Sequence[WebMap], notes: list[str]) -> list[Section]:
    config, path = publication.data.config, Path(publication.store.path)
    names = country_names(publication.data)
    states = list(config.range_states)
    tables, year = _analysis_tables(path, notes)
    public = publication.data.profile is Profile.PUBLIC
    reports = _national_reports(publication.store)
    reports = ov.public_reports(reports) if public else reports
    figures = _by_name(maps)
    gaps = _gap_tables(states, names, tables, reports, year, config.stale_after_years, public)
    layers = {kind.value: frame for kind, frame in publication.data.layers.items()}
    rule = an.totals_rule(config.stale_after_years)
    return [
        _summary(tables, year, states, reports, gaps),
        _trends(tables, states, names, figures, rule, published_totals(config.scientific_name)),
        *_states(states, names, tables, reports, figures),
        Section(
            "protected",
            message("section.protected"),
            (message("protected.intro"),),
            blocks=tuple(
                b
                for b in (
                    coverage_table(tables.get("range_coverage"), names),
                    ov.protected_animals_table(tables.get("protected_by_country_year"), names, year),
                    figures.get("protected-coverage"),
                )
                if b is not None
            ),
        ),
        Section(
            "reintroductions",
            message("section.reintroductions"),
            (message("reintroductions.intro"),),
            blocks=tuple(
                b
                for b in (
                    ov.reintroductions_table(tables.get("reintroductions")),
                    figures.get("reintroductions"),
                )
                if b is not None
            ),
        ),
        Section(
            "habitat",
            message("section.habitat"),
            (message("habitat.intro") if "habitat" in figures else message("habitat.none"),),
            blocks=tuple(
                b
                for b in (ov.candidates_table(publication.data.candidates), figures.get("habitat"))
                if b is not None
            ),
        ),
        Section(
            "gaps",
            message("section.gaps"),
            (message("gaps.intro", year=year if year is not None else "–"),),
            blocks=tuple(t for t in gaps if t is not None),
        ),
        Section(
            "methods",
            message("section.methods"),
            (message("methods.intro"),),
            tuple(notes),
            blocks=tuple(
                t
                for t in (
                    ov.reports_table(reports, names),
                    ov.provenance_table(publication.store.provenance()),
                    ov.sources_table(layers),
                )
                if t is not None
            ),
        ),
    ]


def _make_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(
            f"cannot create the folder {str(path)!r} ({exc.strerror or exc}); --out must be a folder "
            f"you can write (it is created when missing)"
        ) from exc


def report(
    *,
    store: str | os.PathLike | None = None,
    out: str | os.PathLike = DEFAULT_OUT,
    profile: Profile | str = Profile.PUBLIC,
    dpi: int = DEFAULT_DPI,
    basemap: Basemap | str = Basemap.NONE,
    lang: str = "en",
) -> PublishResult:
    """Write the Overview Report of a store (``deerhabitat report``).

    Parameters
    ----------
    store : path-like, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled Bukhara deer store. Only read.
    out : path-like, default "maps"
        Output folder (``index.html``, the maps, ``static/``, ``embed/``, ``tables/``, ``charts/``).
    profile : {"public", "internal"}, default "public"
        ``public`` generalises the positions of wild populations before anything is written.
    dpi : int, default 150
        Resolution of the PNGs (300 for print).
    basemap : str, default "none"
        Optional tiles for every map; ``none`` keeps everything offline.
    lang : str, default "en"
        Language of the report's text (a catalogue of :mod:`deerhabitat.publish.text`); the maps'
        own labels stay in English.

    Returns
    -------
    PublishResult
        ``styles_written`` is always None: the report never writes the store.

    Raises
    ------
    PublishError
        If the profile, dpi, basemap or language is not valid, or the output cannot be written.
    StoreError
        If the store cannot be opened.
    """
    basemap, dpi, lang = resolve_basemap(basemap), check_dpi(dpi), check_language(lang)
    publication = prepare_publication(store, profile)
    maps = build_maps(publication.data)
    folder = output_folder(out)
    files = [path for web_map in maps for path in write_map(web_map, folder, dpi=dpi, basemap=basemap)]
    with language(lang):
        document = _document(publication, maps)
        page = render_report(document, basemap=basemap, cell_km=publication.data.cell_km)
    for table in document.tables:
        files.append(write_file(folder / "tables" / f"{table.name}.csv", csv_text(table.data)))
    if document.charts:
        _make_folder(folder / "charts")
    for chart in document.charts:
        files.append(write_file(folder / "charts" / f"{chart.name}.svg", chart.svg))
    files.append(write_file(folder / "index.html", page))
    return PublishResult(folder, [m.name for m in maps], files, None, list(publication.notes))


def check_language(lang: str) -> str:
    """``lang`` if the report has a catalogue for it, else a :class:`PublishError` listing the languages."""
    if lang in CATALOGUES:
        return lang
    raise PublishError(
        f"no report text in the language {lang!r}; the report is available in: {', '.join(sorted(CATALOGUES))}; "
        f"pass one of them with --lang (a translation is a catalogue in deerhabitat.publish.text)"
    )


def _document(publication: Publication, maps: Sequence[WebMap]) -> Report:
    config = publication.data.config
    notes = _method_notes(publication)
    sections = _sections(publication, maps, notes)
    return build_report(
        message("report.title", species=config.species, scientific_name=config.scientific_name),
        message("report.lead", species=config.species, store=publication.choice.path.name),
        maps,
        sections=sections,
        notes=notes,
        profile=publication.data.profile,
    )
