"""How each layer is drawn: one set of styles for the web maps, the static maps and QGIS.

A :class:`LayerStyle` is a single :class:`Symbol` or one symbol per category of a field. The web map
draws it with Leaflet, :mod:`deerhabitat.publish.static` with matplotlib, and
:mod:`deerhabitat.publish.qgis` turns it into a QGIS layer style (QML), so the legend is always drawn
from the style that drew the features. Colours of the site statuses are the Okabe-Ito palette
(distinguishable with the common colour-vision deficiencies).

Popup and tooltip contents are :class:`Field` lists: a column, a readable label, a unit, and how to
format the value; formatting happens here in Python, and the page only ever shows the text.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal

import pandas as pd

from deerhabitat.i18n import percent_sign
from deerhabitat.publish.map_text import number, text, yes_no
from deerhabitat.schema import (
    IUCN_CATEGORIES,
    ORIGIN_CODES,
    PRESENCE_CODES,
    SEASONAL_CODES,
    LayerKind,
    period_order,
)

GeometryKind = Literal["polygon", "line", "point"]


@dataclass(frozen=True)
class Symbol:
    """How one class of features is drawn.

    Attributes
    ----------
    label : str
        Legend text.
    stroke : str
        Outline or line colour (``#rrggbb``).
    stroke_width_px : float
        Outline or line width in screen pixels.
    fill : str or None
        Fill colour; None for lines or unfilled shapes.
    fill_opacity : float
        0–1.
    dash : tuple of float
        Dash pattern in pixels (empty for solid).
    radius_px : float
        Radius of point symbols in pixels.
    """

    label: str
    stroke: str = "#333333"
    stroke_width_px: float = 1.0
    fill: str | None = None
    fill_opacity: float = 0.35
    dash: tuple[float, ...] = ()
    radius_px: float = 6.0


@dataclass(frozen=True)
class LayerStyle:
    """The style of a layer: one symbol, or one symbol per value of ``field``.

    Attributes
    ----------
    geometry : {"polygon", "line", "point"}
        What the layer draws.
    symbol : Symbol
        The symbol of features whose category is not listed (or of every feature).
    field : str, optional
        Column whose value chooses the symbol.
    categories : tuple of (str, Symbol)
        Values of ``field`` and their symbols, in legend order.
    """

    geometry: GeometryKind
    symbol: Symbol
    field: str | None = None
    categories: tuple[tuple[str, Symbol], ...] = ()

    def symbol_index(self, value: object) -> int:
        """Index into :meth:`symbols` of the symbol for ``value`` (0 is the default symbol)."""
        for i, (category, _) in enumerate(self.categories, start=1):
            if str(value) == category:
                return i
        return 0

    def symbols(self) -> tuple[Symbol, ...]:
        """The default symbol followed by the category symbols."""
        return (self.symbol, *(s for _, s in self.categories))

    def legend(self, used: Iterable[int] | None = None) -> tuple[Symbol, ...]:
        """Symbols for the legend: the categories (those in ``used`` if given), else the one symbol."""
        if not self.categories:
            return (self.symbol,)
        symbols = self.symbols()
        used_set = set(range(1, len(symbols))) if used is None else set(used)
        shown = [symbols[i] for i in sorted(used_set - {0})]
        if 0 in used_set:
            shown.append(self.symbol)
        return tuple(shown)


STATUS_COLOURS = {
    "native": "#009E73",
    "reintroduced": "#0072B2",
    "introduced": "#E69F00",
    "captive": "#CC79A7",
}
"""Okabe-Ito colours of the site statuses."""

_STATUS_LABELS = {
    "native": "Native population",
    "reintroduced": "Reintroduced population",
    "introduced": "Introduced population",
    "captive": "Captive (enclosure, zoo, centre)",
}


def _status_symbol(status: str, *, radius_px: float = 6.0) -> Symbol:
    return Symbol(
        _STATUS_LABELS[status],
        stroke="#ffffff",
        stroke_width_px=1.5,
        fill=STATUS_COLOURS[status],
        fill_opacity=0.9,
        radius_px=radius_px,
    )


SITE_STYLE = LayerStyle(
    "point",
    Symbol("Site (other status)", stroke="#ffffff", fill="#777777", fill_opacity=0.9),
    field="status",
    categories=tuple((s, _status_symbol(s)) for s in STATUS_COLOURS),
)

DEFAULT_STYLES: Mapping[LayerKind, LayerStyle] = {
    LayerKind.RANGE_STATES: LayerStyle(
        "polygon",
        Symbol("Range state", stroke="#7a7a7a", stroke_width_px=1.0, fill="#f3efe6", fill_opacity=1.0),
    ),
    LayerKind.RIVERS: LayerStyle("line", Symbol("River", stroke="#3a87c8", stroke_width_px=2.0)),
    LayerKind.RANGES: LayerStyle(
        "polygon", Symbol("Range", stroke="#2f7d4f", stroke_width_px=1.0, fill="#7fc97f", fill_opacity=0.35)
    ),
    LayerKind.PROTECTED_AREAS: LayerStyle(
        "polygon",
        Symbol(
            "Protected area",
            stroke="#1b5e20",
            stroke_width_px=1.5,
            fill="#a5d6a7",
            fill_opacity=0.35,
            dash=(5.0, 3.0),
        ),
    ),
    LayerKind.SITES: SITE_STYLE,
    LayerKind.RELEASES: LayerStyle(
        "point", Symbol("Release", stroke="#ffffff", fill="#7b3294", fill_opacity=0.9, radius_px=5.0)
    ),
    LayerKind.POPULATION_COUNTS: LayerStyle(
        "point",
        Symbol(
            "Population count (survey position)",
            stroke="#ffffff",
            fill="#444444",
            fill_opacity=0.8,
            radius_px=4.0,
        ),
    ),
}
"""The style of each layer kind of the store (ranges get one symbol per period: :func:`range_style`)."""

CONTEXT_LAND_STYLE = LayerStyle(
    "polygon",
    Symbol("Other countries", stroke="#b3b0a8", stroke_width_px=0.8, fill="#dcdad5", fill_opacity=1.0),
)
"""Grey land around the range states (only the range states are filled in colour)."""

_HISTORICAL = Symbol(
    "Historical range",
    stroke="#a0522d",
    stroke_width_px=1.5,
    fill="#deb887",
    fill_opacity=0.3,
    dash=(6.0, 4.0),
)
_PERIOD_RAMP = ("#a1d99b", "#74c476", "#41ab5d", "#238b45", "#006d2c", "#00441b")


def range_style(periods: Iterable[str]) -> LayerStyle:
    """Style of the ``ranges`` layer, one symbol per period: historical dashed brown, later periods greener.

    Parameters
    ----------
    periods : iterable of str
        The periods present (``historical``, ``2002``, ``2020`` ...).

    Examples
    --------
    >>> [s.label for s in range_style(["2020", "historical", "2002"]).legend()]
    ['Historical range', 'Range 2002', 'Range 2020']
    """
    ordered = period_order(periods)
    current = [p for p in ordered if p.lower() != "historical"]
    categories = []
    for period in ordered:
        if period.lower() == "historical":
            categories.append((period, replace(_HISTORICAL, label=text("map.legend.historical_range"))))
            continue
        step = current.index(period)
        colour = _PERIOD_RAMP[
            min(len(_PERIOD_RAMP) - 1, round(step * (len(_PERIOD_RAMP) - 1) / max(len(current) - 1, 1)))
        ]
        categories.append(
            (
                period,
                Symbol(
                    text("map.legend.range_period", period=period),
                    stroke=colour,
                    stroke_width_px=1.5,
                    fill=colour,
                    fill_opacity=0.35,
                ),
            )
        )
    return LayerStyle(
        "polygon", DEFAULT_STYLES[LayerKind.RANGES].symbol, field="period", categories=tuple(categories)
    )


COVERAGE_CLASSES = (
    (0.0, 0.10, "#ffffcc"),
    (0.10, 0.17, "#c2e699"),
    (0.17, 0.30, "#78c679"),
    (0.30, 0.50, "#31a354"),
    (0.50, 1.0, "#006837"),
)
"""Classes of protected fraction: 17 % is Aichi Target 11, 30 % the Kunming-Montreal 30x30 target."""


def coverage_class(fraction: float | None) -> str:
    """The class label of a protected fraction (0–1), or ``no range`` when there is none.

    Examples
    --------
    >>> coverage_class(0.2), coverage_class(0.0), coverage_class(1.0), coverage_class(None)
    ('17–30 %', '0–10 %', '50–100 %', 'no range')
    """
    if fraction is None or pd.isna(fraction):
        return "no range"
    for low, high, _ in COVERAGE_CLASSES:
        if fraction < high or high == 1.0:
            return _class_label(low, high)
    return _class_label(*COVERAGE_CLASSES[-1][:2])


def _class_label(low: float, high: float) -> str:
    """The class's value in the layer (English, whatever the map's language: a category, not a text)."""
    return f"{round(low * 100)}–{round(high * 100)} %"


def _class_text(low: float, high: float) -> str:
    """The class as the legend shows it, in the map's language (``10–17 %``; Russian a no-break space)."""
    return percent_sign(f"{round(low * 100)}–{round(high * 100)}")


def coverage_style() -> LayerStyle:
    """Choropleth of range states by the protected fraction of their current range."""
    categories = tuple(
        (
            _class_label(low, high),
            Symbol(
                text("map.legend.coverage_class", classes=_class_text(low, high)),
                stroke="#555555",
                fill=colour,
                fill_opacity=0.85,
            ),
        )
        for low, high, colour in COVERAGE_CLASSES
    )
    return LayerStyle(
        "polygon",
        Symbol(text("map.legend.no_range"), stroke="#888888", fill="#eeeeee", fill_opacity=0.8),
        field="coverage_class",
        categories=categories,
    )


RELEASE_FLOW_STYLE = LayerStyle(
    "line",
    Symbol("Release: source → destination (width: animals released)", stroke="#7b3294", stroke_width_px=2.0),
)

CANDIDATE_STYLE = LayerStyle(
    "polygon",
    Symbol(
        "Candidate reintroduction site",
        stroke="#d95f02",
        stroke_width_px=2.0,
        fill="#fdae6b",
        fill_opacity=0.45,
    ),
)


def proportional_radius_px(
    count: float, max_count: float, *, min_px: float = 4.0, max_px: float = 24.0
) -> float:
    """Radius of a proportional circle: area grows with the count (square-root scaling).

    Examples
    --------
    >>> proportional_radius_px(100, 400), proportional_radius_px(0, 400), proportional_radius_px(400, 400)
    (14.0, 4.0, 24.0)
    """
    if max_count <= 0 or count <= 0:
        return min_px
    return round(min_px + (max_px - min_px) * math.sqrt(min(count, max_count) / max_count), 2)


def _nice_at_most(value: float) -> int:
    if value < 1:
        return 0
    magnitude = 10 ** (len(str(int(value))) - 1)
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= value)


def size_legend_values(max_count: float) -> tuple[int, ...]:
    """Up to three round reference counts for a proportional-symbol legend.

    About the largest, a third and a fifteenth of it, each rounded down to 1, 2 or 5 times a power of ten.

    Examples
    --------
    >>> size_legend_values(1800), size_legend_values(150), size_legend_values(45), size_legend_values(3)
    ((50, 200, 1000), (5, 20, 100), (1, 5, 20), (2,))
    """
    top = _nice_at_most(max_count)
    values = {top, _nice_at_most(top / 3), _nice_at_most(top / 15)}
    return tuple(sorted(v for v in values if v >= 1))


# -- popup fields ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """One row of a popup: a column, its readable label and unit, and how its value is written.

    Attributes
    ----------
    column : str
        Column of the layer's frame.
    label : str
        Readable name shown in the popup.
    unit : str
        Appended to the value (``km²``, ``%``; ``%`` spaced as the language writes it, a no-break space in
        Russian).
    digits : int, optional
        Decimal places of a number (None: integers with thousands separators).
    year : bool
        The value is a year: written as a whole number with no thousands separator (``1938``).
    codes : tuple of (object, str)
        Code → meaning (IUCN presence 1 → Extant); shown as ``1 – Extant``.
    words : tuple of (object, str)
        Value → the text shown instead (a vocabulary value that is a word, written in the map's language).
    """

    column: str
    label: str
    unit: str = ""
    digits: int | None = None
    codes: tuple[tuple[object, str], ...] = field(default_factory=tuple)
    words: tuple[tuple[object, str], ...] = field(default_factory=tuple)
    year: bool = False

    def format(self, value: object) -> str:
        """The text shown for ``value`` ('' when missing).

        Examples
        --------
        >>> Field("a", "Area", unit="km²", digits=1).format(1234.56)
        '1,234.6 km²'
        >>> Field("p", "Presence", codes=((1, "Extant"),)).format(1)
        '1 – Extant'
        >>> Field("n", "Name").format(None)
        ''
        >>> Field("y", "Designated in", year=True).format(1938.0), Field("p", "Share", "%", 1).format(12.5)
        ('1938', '12.5 %')
        """
        if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
            return ""
        for code, meaning in self.codes:
            if value == code:
                return f"{value} – {meaning}"
        for word, shown in self.words:
            if value == word:
                return shown
        if isinstance(value, bool):
            shown = yes_no(value) or ""
        elif self.year and isinstance(value, int | float):
            shown = str(int(value))
        elif isinstance(value, int) or (
            self.digits is None and isinstance(value, float) and value.is_integer()
        ):
            shown = number(int(value))
        elif isinstance(value, float):
            shown = number(value, self.digits if self.digits is not None else 2)
        else:
            shown = str(value)
        if self.unit == "%" and shown:
            return percent_sign(shown)
        return f"{shown} {self.unit}" if self.unit and shown else shown


def _codes(mapping: Mapping[int, str]) -> tuple[tuple[object, str], ...]:
    return tuple(mapping.items())


def _iucn_words() -> tuple[tuple[object, str], ...]:
    """The WDPA IUCN categories that are words (``Not Reported``): shown in the map's language."""
    return tuple((c, c) for c in IUCN_CATEGORIES if " " in c)


POPUP_FIELDS: Mapping[LayerKind, tuple[Field, ...]] = {
    LayerKind.RANGE_STATES: (Field("name", "Name"), Field("iso3", "ISO 3166 code")),
    LayerKind.RIVERS: (Field("name", "Name"), Field("source", "Source")),
    LayerKind.RANGES: (
        Field("name", "Name"),
        Field("period_text", "Period"),
        Field("country", "Country"),
        Field("presence", "Presence (IUCN)", codes=_codes(PRESENCE_CODES)),
        Field("origin", "Origin (IUCN)", codes=_codes(ORIGIN_CODES)),
        Field("seasonal", "Seasonality (IUCN)", codes=_codes(SEASONAL_CODES)),
        Field("source", "Source"),
    ),
    LayerKind.PROTECTED_AREAS: (
        Field("name", "Name"),
        Field("designation", "Designation"),
        Field("iucn_cat", "IUCN category", words=_iucn_words()),
        Field("status_year", "Designated in", year=True),
        Field("reported_area_km2", "Reported area", unit="km²", digits=1),
        Field("country", "Country"),
        Field("boundary", "Boundary"),
        Field("pa_id", "Identifier"),
        Field("source", "Source"),
    ),
    LayerKind.SITES: (
        Field("name", "Name"),
        Field("site_id", "Site identifier"),
        Field("country", "Country"),
        Field("status_label", "Status"),
        Field("latest_count_text", "Latest count"),
        Field("latest_status_text", "Data status"),
        Field("count_history_text", "Earlier counts"),
        Field("position", "Position"),
        Field("source", "Source"),
    ),
}
"""Popup rows of each layer kind; the first field is the popup title, the tooltip and the search text."""
