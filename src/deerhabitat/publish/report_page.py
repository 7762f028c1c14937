"""The Overview Report's types and its page (``maps/index.html``): the overview map, sections, other maps.

A :class:`Report` is plain data: the overview :class:`~deerhabitat.publish.layers.WebMap` (drawn live
in the page), :class:`~deerhabitat.publish.table.Table` s (shown in the page and written as CSV),
:class:`MapFigure` s (each map embedded with an ``<iframe>`` of its standalone page, with links to its
static images and an embed snippet for report authors) and notes on methods. :func:`render_report`
turns it into one HTML page from ``templates/report.html.j2`` (autoescaped); nothing here writes files.

The page is a sequence of :class:`Section` s, each holding blocks: :class:`Headline` s (the executive
summary), :class:`Chart` s (SVG text from :mod:`deerhabitat.publish.charts`), :class:`Table` s and
:class:`MapFigure` s. Maps no section places are shown under "Other maps"; every map's embed snippet is
repeated in the appendix. A print stylesheet swaps each interactive map for its static PNG. Every
user-visible string comes from :mod:`deerhabitat.publish.text`.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from deerhabitat._version import __version__
from deerhabitat.i18n import format_measure
from deerhabitat.publish.assets import Basemap, inline_stylesheet
from deerhabitat.publish.generalise import Profile
from deerhabitat.publish.layers import WebMap
from deerhabitat.publish.page import content_security_policy, environment, map_payload, page_scripts
from deerhabitat.publish.table import Table
from deerhabitat.publish.text import current_language, message

OUTPUT_FOLDER = "maps"
"""The folder a report is written to by default; embed snippets assume the author's document is beside it."""


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
    """A chart of the report: SVG text (already escaped) and its caption; written as ``charts/<name>.svg``."""

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
    overview_map : WebMap
        The overview map, drawn live in the page.
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
    overview_map: WebMap
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


def profile_note(profile: Profile, cell_km: float) -> str:
    """The sentence that says what the profile did to positions."""
    if profile is Profile.PUBLIC:
        return message("profile.public", cell_km=format_measure(cell_km))
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
    scripts = page_scripts([report.overview_map.name])

    def t(key: str, **values: object) -> str:
        return message(key, lang=lang, **values)

    return (
        environment()
        .get_template("report.html.j2")
        .render(
            report=report,
            map=report.overview_map,
            payload=map_payload(report.overview_map, basemap=basemap),
            scripts=scripts,
            css=inline_stylesheet(),
            version=__version__,
            t=t,
            lang=lang or current_language(),
            csp=content_security_policy(scripts, basemap=basemap, local_files=True),
            profile_note=profile_note(report.profile, cell_km),
            all_maps=(MapFigure(report.overview_map), *report.figures),
        )
    )


def _placed(sections: Sequence[Section]) -> set[str]:
    return {b.web_map.name for s in sections for b in s.blocks if isinstance(b, MapFigure)}


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
