"""The Overview Report page (``maps/index.html``): the overview map, tables, the other maps, methods.

A :class:`Report` is plain data: the overview :class:`~deerhabitat.publish.layers.WebMap` (drawn live
in the page), :class:`Table` s (shown in the page and written as CSV), :class:`MapFigure` s (each map
embedded with an ``<iframe>`` of its standalone page, with links to its static images and an embed
snippet for report authors) and notes on methods. :func:`render_report` turns it into one HTML page
from ``templates/report.html.j2`` (autoescaped); nothing here writes files.

The page is a sequence of :class:`Section` s, each holding blocks: :class:`Headline` s (the executive
summary), :class:`Chart` s (SVG text from :mod:`deerhabitat.publish.charts`), :class:`Table` s and
:class:`MapFigure` s. Maps no section places are shown under "Other maps"; every map's embed snippet is
repeated in the appendix. A print stylesheet swaps each interactive map for its static PNG. Every
user-visible string comes from :mod:`deerhabitat.publish.text`.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from deerhabitat._version import __version__
from deerhabitat.publish.assets import Basemap, inline_stylesheet
from deerhabitat.publish.generalise import Profile
from deerhabitat.publish.layers import WebMap
from deerhabitat.publish.page import content_security_policy, environment, map_payload, page_scripts
from deerhabitat.publish.text import current_language, message

OUTPUT_FOLDER = "maps"
"""The folder a report is written to by default; embed snippets assume the author's document is beside it."""


@dataclass(frozen=True)
class Table:
    """A table of the report.

    Attributes
    ----------
    name : str
        File name stem of its CSV (``tables/<name>.csv``) and anchor in the page.
    title, caption : str
        Heading and the sentence under it.
    display : pandas.DataFrame
        What the page shows (text cells; numbers already formatted).
    data : pandas.DataFrame
        What the CSV holds (raw values).
    numeric : tuple of str
        Columns of ``display`` to right-align.
    """

    name: str
    title: str
    caption: str
    display: pd.DataFrame
    data: pd.DataFrame
    numeric: tuple[str, ...] = ()
    source: str = ""

    kind = "table"

    def rows(self) -> list[list[tuple[str, bool]]]:
        """Cells of ``display`` as ``(text, is_numeric)``, row by row."""
        numeric = [c in self.numeric for c in self.display.columns]
        return [
            [("" if pd.isna(v) else str(v), n) for v, n in zip(row, numeric, strict=True)]
            for row in self.display.itertuples(index=False, name=None)
        ]


@dataclass(frozen=True)
class MapFigure:
    """A map of the report: its page, static images and embed snippet, relative to the report folder."""

    web_map: WebMap

    kind = "map"

    @property
    def page(self) -> str:
        """Relative path of the standalone page."""
        return f"{self.web_map.name}.html"

    @property
    def png(self) -> str:
        """Relative path of the PNG."""
        return f"static/{self.web_map.name}.png"

    @property
    def svg(self) -> str:
        """Relative path of the SVG."""
        return f"static/{self.web_map.name}.svg"

    @property
    def snippet(self) -> str:
        """HTML to paste into a document beside the report folder (see :func:`embed_snippet`)."""
        return embed_snippet(self.web_map)


@dataclass(frozen=True)
class Chart:
    """A chart of the report: SVG text (already escaped) and its caption; also written as ``charts/<name>.svg``."""

    name: str
    title: str
    caption: str
    svg: str

    kind = "chart"


@dataclass(frozen=True)
class Headline:
    """One headline figure of the executive summary, linked to the section or table it comes from."""

    text: str
    note: str = ""
    href: str = ""

    kind = "headline"


Block = Table | MapFigure | Chart | Headline
"""What a section holds."""


@dataclass(frozen=True)
class Section:
    """A section of the page: heading (level 2 or 3), intro paragraphs, a bullet list, then blocks."""

    id: str
    title: str
    intro: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    blocks: tuple[Block, ...] = ()
    level: int = 2


@dataclass(frozen=True)
class Report:
    """The Overview Report.

    Attributes
    ----------
    title, lead : str
        Page title and the paragraph under it.
    overview : WebMap
        The map drawn in the page.
    figures : tuple of MapFigure
        Every other map (embedded with iframes, in a section or under "Other maps").
    sections : tuple of Section
        The page's sections after the overview map, in order.
    notes : tuple of str
        Methods and caveats, one sentence or paragraph each.
    profile : Profile
        The publication profile (stated in the page).
    """

    title: str
    lead: str
    overview: WebMap
    figures: tuple[MapFigure, ...] = ()
    sections: tuple[Section, ...] = ()
    notes: tuple[str, ...] = field(default=())
    profile: Profile = Profile.PUBLIC

    def blocks(self, kind: str) -> list:
        """Every block of one kind (``"table"``, ``"chart"``, ``"map"``, ``"headline"``), in page order."""
        return [b for section in self.sections for b in section.blocks if b.kind == kind]

    @property
    def tables(self) -> tuple[Table, ...]:
        """Every table of the page, in order (each is written as ``tables/<name>.csv``)."""
        return tuple(self.blocks("table"))

    @property
    def charts(self) -> tuple[Chart, ...]:
        """Every chart of the page, in order."""
        return tuple(self.blocks("chart"))


def embed_snippet(web_map: WebMap, *, folder: str = OUTPUT_FOLDER) -> str:
    """An ``<iframe>`` of the interactive map and an ``<img>`` of its PNG, for a document beside ``folder``.

    Examples
    --------
    >>> m = WebMap("overview", 'Deer "overview"', "", ())
    >>> print(embed_snippet(m))  # doctest: +NORMALIZE_WHITESPACE
    <iframe src="maps/overview.html" title="Deer &quot;overview&quot;" width="100%" height="520"
            style="border:0" loading="lazy"></iframe>
    <img src="maps/static/overview.png" alt="Deer &quot;overview&quot;" width="1100">
    """
    title = html.escape(web_map.title, quote=True)
    return (
        f'<iframe src="{folder}/{web_map.name}.html" title="{title}" width="100%" height="520"\n'
        f'        style="border:0" loading="lazy"></iframe>\n'
        f'<img src="{folder}/static/{web_map.name}.png" alt="{title}" width="1100">\n'
    )


def _country_label(iso3: str, names: Mapping[str, str]) -> str:
    return f"{names[iso3]} ({iso3})" if iso3 in names else str(iso3)


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
    display = pd.DataFrame({message("col.country"): [_country_label(i, names) for i in pivot.index]})
    for year in pivot.columns:
        display[str(year)] = [f"{int(v):,}" if not pd.isna(v) else "–" for v in pivot[year]]
    totals = frame.groupby("year")["count"].sum()
    display.loc[len(display)] = [message("value.all_states"), *[f"{int(totals[y]):,}" for y in pivot.columns]]
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
            message("col.period"): frame["period"].astype(str),
            message("col.country"): [
                message("value.whole_range") if i == "ALL" else _country_label(i, names)
                for i in frame["iso3"]
            ],
            message("col.range_km2"): [f"{v:,.0f}" for v in frame["range_km2"]],
            message("col.protected_km2"): [f"{v:,.0f}" for v in frame["protected_km2"]],
            message("col.protected_share"): [
                "–" if pd.isna(v) else f"{100 * v:.1f} %" for v in frame["protected_fraction"]
            ],
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


def render_csv(table: Table) -> str:
    """The CSV text of a table's data (UTF-8, ``\\n`` line ends)."""
    return table.data.to_csv(index=False, lineterminator="\n")


def profile_note(profile: Profile, cell_km: float) -> str:
    """The sentence that says what the profile did to positions."""
    if profile is Profile.PUBLIC:
        return message("profile.public", cell_km=f"{cell_km:g}")
    return message("profile.internal")


def render_report(
    report: Report, *, basemap: Basemap | str = Basemap.NONE, cell_km: float = 10.0, lang: str | None = None
) -> str:
    """The report page (``index.html``): opens from disk; the same report gives the same text.

    Parameters
    ----------
    report : Report
        The report.
    basemap : Basemap or str, default "none"
        Optional tiles for the overview map.
    cell_km : float
        Generalisation cell, for the profile sentence.
    lang : str, optional
        Language of the page's fixed strings (a catalogue of :mod:`deerhabitat.publish.text`); default
        the language set with :func:`deerhabitat.publish.text.language`, else English.
    """
    basemap = Basemap(basemap)
    scripts = page_scripts([report.overview.name])

    def t(key: str, **values: object) -> str:
        return message(key, lang=lang, **values)

    return (
        environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            map=report.overview,
            payload=map_payload(report.overview, basemap=basemap),
            scripts=scripts,
            css=inline_stylesheet(),
            version=__version__,
            t=t,
            lang=lang or current_language(),
            csp=content_security_policy(scripts, basemap=basemap, local_files=True),
            profile_note=profile_note(report.profile, cell_km),
            all_maps=(MapFigure(report.overview), *report.figures),
        )
    )


def _placed(sections: Sequence[Section]) -> set[str]:
    return {b.web_map.name for s in sections for b in s.blocks if b.kind == "map"}


def build_report(
    title: str,
    lead: str,
    maps: Sequence[WebMap],
    *,
    tables: Sequence[Table | None] = (),
    sections: Sequence[Section | None] = (),
    notes: Sequence[str] = (),
    profile: Profile = Profile.PUBLIC,
) -> Report:
    """Assemble a :class:`Report`: the first map is the overview, the others become figures.

    Parameters
    ----------
    title, lead : str
        Page title and lead paragraph.
    maps : sequence of WebMap
        The overview first, then every other map.
    tables : sequence of Table or None
        Tables for a section of their own (None entries are skipped), after ``sections``.
    sections : sequence of Section or None
        The page's sections (None entries are skipped). A map of ``maps`` no section places is shown
        in a closing "Other maps" section.
    notes : sequence of str
        Methods and caveats.
    profile : Profile
        Publication profile.

    Raises
    ------
    ValueError
        If ``maps`` is empty.
    """
    if not maps:
        raise ValueError("a report needs at least one map (the overview)")
    chosen = [s for s in sections if s is not None]
    loose = tuple(t for t in tables if t is not None)
    if loose:
        chosen.append(Section("tables", message("section.trends"), blocks=loose))
    figures = tuple(MapFigure(m) for m in maps[1:])
    placed = _placed(chosen)
    others = tuple(f for f in figures if f.web_map.name not in placed)
    if others:
        chosen.append(Section("maps", message("section.maps"), intro=(message("maps.intro"),), blocks=others))
    return Report(title, lead, maps[0], figures, tuple(chosen), tuple(notes), profile)
