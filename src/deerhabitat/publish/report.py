"""The Overview Report page (``maps/index.html``): the overview map, tables, the other maps, methods.

A :class:`Report` is plain data: the overview :class:`~deerhabitat.publish.layers.WebMap` (drawn live
in the page), :class:`Table` s (shown in the page and written as CSV), :class:`MapFigure` s (each map
embedded with an ``<iframe>`` of its standalone page, with links to its static images and an embed
snippet for report authors) and notes on methods. :func:`render_report` turns it into one HTML page
from ``templates/report.html.j2`` (autoescaped); nothing here writes files.

To extend the report (national reports, charts), add sections to :class:`Report` and blocks to the
template; tables only need a :class:`Table`.
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

    def rows(self) -> list[list[tuple[str, bool]]]:
        """Cells of ``display`` as ``(text, is_numeric)``, row by row."""
        numeric = [c in self.numeric for c in self.display.columns]
        return [[("" if pd.isna(v) else str(v), n) for v, n in zip(row, numeric, strict=True)]
                for row in self.display.itertuples(index=False, name=None)]


@dataclass(frozen=True)
class MapFigure:
    """A map of the report: its page, static images and embed snippet, relative to the report folder."""

    web_map: WebMap

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
class Report:
    """The Overview Report.

    Attributes
    ----------
    title, lead : str
        Page title and the paragraph under it.
    overview : WebMap
        The map drawn in the page.
    figures : tuple of MapFigure
        The other maps, embedded with iframes.
    tables : tuple of Table
        Shown in the page and written as CSV.
    notes : tuple of str
        Methods and caveats, one sentence or paragraph each.
    profile : Profile
        The publication profile (stated in the page).
    """

    title: str
    lead: str
    overview: WebMap
    figures: tuple[MapFigure, ...] = ()
    tables: tuple[Table, ...] = ()
    notes: tuple[str, ...] = field(default=())
    profile: Profile = Profile.PUBLIC


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
    return (f'<iframe src="{folder}/{web_map.name}.html" title="{title}" width="100%" height="520"\n'
            f'        style="border:0" loading="lazy"></iframe>\n'
            f'<img src="{folder}/static/{web_map.name}.png" alt="{title}" width="1100">\n')


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
    display = pd.DataFrame({"Country": [_country_label(i, names) for i in pivot.index]})
    for year in pivot.columns:
        display[str(year)] = [f"{int(v):,}" if not pd.isna(v) else "–" for v in pivot[year]]
    totals = frame.groupby("year")["count"].sum()
    display.loc[len(display)] = ["All range states", *[f"{int(totals[y]):,}" for y in pivot.columns]]
    data = frame.assign(country=[names.get(i, "") for i in frame["iso3"]])[["iso3", "country", "year", "count"]]
    caption = ("Wild animals counted or estimated in each range state (captive animals apart). "
               "A dash: no figure for that country and year. " + rule)
    return Table("totals_by_country_year", "Wild animals by country and year", caption.strip(), display,
                 data.sort_values(["year", "iso3"]).reset_index(drop=True),
                 numeric=tuple(str(y) for y in pivot.columns))


def coverage_table(coverage: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """The share of each period's range inside protected areas, by country and for the whole range."""
    if coverage is None or coverage.empty:
        return None
    frame = coverage.copy()
    display = pd.DataFrame({
        "Period": frame["period"].astype(str),
        "Country": ["Whole range" if i == "ALL" else _country_label(i, names) for i in frame["iso3"]],
        "Range (km²)": [f"{v:,.0f}" for v in frame["range_km2"]],
        "Protected (km²)": [f"{v:,.0f}" for v in frame["protected_km2"]],
        "Protected share": ["–" if pd.isna(v) else f"{100 * v:.1f} %" for v in frame["protected_fraction"]]})
    return Table("range_coverage", "Protected share of the range",
                 "Range of each period inside protected areas (overlapping areas counted once), in the store's "
                 "equal-area analysis CRS.", display, frame.reset_index(drop=True),
                 numeric=("Range (km²)", "Protected (km²)", "Protected share"))


def render_csv(table: Table) -> str:
    """The CSV text of a table's data (UTF-8, ``\\n`` line ends)."""
    return table.data.to_csv(index=False, lineterminator="\n")


def profile_note(profile: Profile, cell_km: float) -> str:
    """The sentence that says what the profile did to positions."""
    if profile is Profile.PUBLIC:
        return (f"Public edition: wild populations are shown at the centre of a {cell_km:g} km equal-area grid cell, "
                f"never at their exact position, in every map, table and file of this report.")
    return "Internal edition: positions are as recorded. Do not publish this folder."


def render_report(report: Report, *, basemap: Basemap | str = Basemap.NONE, cell_km: float = 10.0) -> str:
    """The report page (``index.html``): opens from disk; the same report gives the same text.

    Parameters
    ----------
    report : Report
        The report.
    basemap : Basemap or str, default "none"
        Optional tiles for the overview map.
    cell_km : float
        Generalisation cell, for the profile sentence.
    """
    basemap = Basemap(basemap)
    scripts = page_scripts([report.overview.name])
    return environment().get_template("report.html.j2").render(
        report=report, map=report.overview, payload=map_payload(report.overview, basemap=basemap),
        scripts=scripts, css=inline_stylesheet(), version=__version__,
        csp=content_security_policy(scripts, basemap=basemap, local_files=True),
        profile_note=profile_note(report.profile, cell_km))


def build_report(title: str, lead: str, maps: Sequence[WebMap], *, tables: Sequence[Table | None] = (),
                 notes: Sequence[str] = (), profile: Profile = Profile.PUBLIC) -> Report:
    """Assemble a :class:`Report`: the first map is the overview, the others become figures.

    Raises
    ------
    ValueError
        If ``maps`` is empty.
    """
    if not maps:
        raise ValueError("a report needs at least one map (the overview)")
    return Report(title, lead, maps[0], tuple(MapFigure(m) for m in maps[1:]),
                  tuple(t for t in tables if t is not None), tuple(notes), profile)
