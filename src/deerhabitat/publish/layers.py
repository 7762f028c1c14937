"""What a published map is made of, and how it is written as the JSON the page reads.

A :class:`WebMap` is a list of :class:`MapLayer` (vector features in EPSG:4326 with a
:class:`~deerhabitat.publish.styles.LayerStyle` and popup :class:`~deerhabitat.publish.styles.Field` s)
and :class:`RasterLayer` (an image already coloured and warped for display). The web page
(:func:`deerhabitat.publish.maps.render_map_html`) and the static image
(:mod:`deerhabitat.publish.static`) are both drawn from it, so they share layers, styles and legends.

:func:`encode_map` turns a map into plain JSON-ready data: coordinates rounded to 5 decimals (about
1 m), popup values formatted as text, features in the frame's order. :func:`script_json` writes it for
a ``<script type="application/json">`` element.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import shapely

from deerhabitat.publish.styles import Field, LayerStyle, Symbol

GROUP_BOUNDARIES = "Boundaries"
GROUP_RANGE = "Range"
GROUP_PROTECTION = "Protection"
GROUP_POPULATIONS = "Populations"
GROUP_REINTRODUCTIONS = "Reintroductions"
GROUP_HABITAT = "Habitat"
GROUPS = (
    GROUP_POPULATIONS,
    GROUP_REINTRODUCTIONS,
    GROUP_HABITAT,
    GROUP_PROTECTION,
    GROUP_RANGE,
    GROUP_BOUNDARIES,
)
"""Layer-control headings, top to bottom."""

COORD_DECIMALS = 5
"""Decimal places of published longitudes/latitudes (about 1 m); attribute values are never rounded."""


@dataclass(frozen=True)
class MapLayer:
    """A vector layer of a map.

    Attributes
    ----------
    id : str
        Identifier, unique in the map (``[a-z0-9-]``).
    title : str
        Name shown in the layer control.
    group : str
        Heading of the layer control the layer sits under.
    frame : geopandas.GeoDataFrame
        Features in EPSG:4326, already generalised for the profile, in the order to draw them.
    style : LayerStyle
        How the features are drawn; its legend is the layer's legend.
    fields : tuple of Field
        Popup rows; the first is the popup title, the tooltip and the search text.
    visible : bool
        Shown when the map opens.
    searchable : bool
        Offered by the search box.
    radius_column : str, optional
        Column of per-feature point radii in pixels (proportional symbols).
    time_column : str, optional
        Column of the year each feature belongs to (the year slider shows one year at a time).
    carried_column : str, optional
        Boolean column: drawn faded and dashed (a value carried from an earlier year).
    size_legend : tuple of (str, float)
        Extra legend rows for proportional symbols: label and radius in pixels.
    note : str
        A sentence under the legend (e.g. how positions were generalised).
    base : bool
        The offline base (range-state outlines), also drawn in the minimap.
    interactive : bool
        Whether features have popups and tooltips.
    full_legend : bool
        List every category of the style in the legend (a choropleth's whole scale), not only those used.
    """

    id: str
    title: str
    group: str
    frame: gpd.GeoDataFrame
    style: LayerStyle
    fields: tuple[Field, ...]
    visible: bool = True
    searchable: bool = False
    radius_column: str | None = None
    time_column: str | None = None
    carried_column: str | None = None
    size_legend: tuple[tuple[str, float], ...] = ()
    note: str = ""
    base: bool = False
    interactive: bool = True
    full_legend: bool = False


@dataclass(frozen=True)
class RasterLayer:
    """A raster shown as an image over the map (habitat suitability, Area of Habitat).

    Attributes
    ----------
    id, title, group : str
        As for :class:`MapLayer`.
    png : bytes
        The image, warped to Web Mercator for display and coloured (transparent where there is no data).
    bounds : tuple of float
        ``(west, south, east, north)`` of the image in degrees.
    ramp : tuple of str
        Colours of the legend bar, low to high.
    ramp_labels : tuple of str
        Labels of the low and high ends of the legend bar.
    opacity : float
        Initial opacity (the layer control has a slider).
    note : str
        A sentence under the legend.
    visible : bool
        Shown when the map opens.
    """

    id: str
    title: str
    group: str
    png: bytes
    bounds: tuple[float, float, float, float]
    ramp: tuple[str, ...]
    ramp_labels: tuple[str, str]
    opacity: float = 0.7
    note: str = ""
    visible: bool = True


@dataclass(frozen=True)
class WebMap:
    """One published map.

    Attributes
    ----------
    name : str
        File name stem (``overview`` → ``overview.html``), ``[a-z0-9-]`` only.
    title : str
        Page and figure title.
    description : str
        One or two sentences shown under the title.
    layers : tuple of MapLayer or RasterLayer
        Drawn in order (first at the bottom).
    groups : tuple of str
        Layer-control headings in order.
    time_label : str
        Label of the year slider (when a layer has a ``time_column``).
    time_note : str
        Sentence under the year slider.
    extent : tuple of float, optional
        ``(west, south, east, north)`` the map opens on; default: the bounds of its data layers.
    initial_year : str, optional
        The year the slider starts on; default the latest.
    """

    name: str
    title: str
    description: str
    layers: tuple[MapLayer | RasterLayer, ...]
    groups: tuple[str, ...] = field(default=())
    time_label: str = "Year"
    time_note: str = ""
    extent: tuple[float, float, float, float] | None = None
    initial_year: str | None = None

    @property
    def start_year(self) -> str | None:
        """The year the slider and the static map show.

        ``initial_year`` if it is a year of the map, else the latest.
        """
        years = self.years
        if not years:
            return None
        return self.initial_year if self.initial_year in years else years[-1]

    @property
    def years(self) -> list[str]:
        """The years of the slider, ascending (empty when no layer has a time column)."""
        years: set[str] = set()
        for layer in self.layers:
            if isinstance(layer, MapLayer) and layer.time_column:
                years.update(str(v) for v in layer.frame[layer.time_column])
        return sorted(years)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(west, south, east, north)`` to open on.

        ``extent``, else every layer but the base, else the base.
        """
        if self.extent is not None:
            return tuple(round(float(v), 4) for v in self.extent)
        boxes = [_layer_bounds(layer) for layer in self.layers if not getattr(layer, "base", False)]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            boxes = [b for b in (_layer_bounds(layer) for layer in self.layers) if b is not None]
        if not boxes:
            return (-180.0, -60.0, 180.0, 75.0)
        arr = np.array(boxes)
        west, south, east, north = arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()
        pad = 0.05 if (east - west) < 0.1 and (north - south) < 0.1 else 0.0
        return tuple(round(float(v), 4) for v in (west - pad, south - pad, east + pad, north + pad))


def _layer_bounds(layer: MapLayer | RasterLayer) -> tuple[float, float, float, float] | None:
    if isinstance(layer, RasterLayer):
        return layer.bounds
    geoms = layer.frame.geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return None
    return tuple(float(v) for v in shapely.total_bounds(geoms))


# -- encoding --------------------------------------------------------------------------------------


def _symbol_json(symbol: Symbol) -> dict:
    return {
        "label": symbol.label,
        "stroke": symbol.stroke,
        "weight": symbol.stroke_width_px,
        "fill": symbol.fill,
        "fillOpacity": symbol.fill_opacity,
        "dash": " ".join(f"{d:g}" for d in symbol.dash) or None,
        "radius": symbol.radius_px,
    }


def _flat(coords: np.ndarray) -> list[float]:
    return np.round(coords[:, :2], COORD_DECIMALS).ravel().tolist()


def _line_parts(geom: shapely.Geometry) -> list[list[float]]:
    return [_flat(shapely.get_coordinates(part)) for part in shapely.get_parts(geom)]


def _polygon_parts(geom: shapely.Geometry) -> list[list[list[float]]]:
    return [
        [_flat(shapely.get_coordinates(ring)) for ring in shapely.get_rings(part)]
        for part in shapely.get_parts(geom)
    ]


def _geometry_json(layer: MapLayer) -> dict:
    geoms = layer.frame.geometry.values
    if layer.style.geometry == "point":
        xy = np.round(shapely.get_coordinates(shapely.centroid(geoms)), COORD_DECIMALS)
        return {"xy": xy.ravel().tolist()}
    encode = _line_parts if layer.style.geometry == "line" else _polygon_parts
    return {"coords": [encode(g) for g in geoms]}


def _column_json(values: list[str]) -> list[str] | dict:
    distinct = list(dict.fromkeys(values))
    if len(values) < 64 or len(distinct) * 4 > len(values):
        return values
    index = {v: i for i, v in enumerate(distinct)}
    return {"d": distinct, "c": [index[v] for v in values]}


def popup_columns(layer: MapLayer) -> list[list[str]]:
    """The popup texts of a layer, one list per field (the first is the title): what every client shows.

    Values are formatted by their :class:`~deerhabitat.publish.styles.Field` (units, digits); a field whose
    column is missing gives empty texts.
    """
    frame = layer.frame
    return [
        [
            f.format(v)
            for v in (frame[f.column].tolist() if f.column in frame.columns else [None] * len(frame))
        ]
        for f in layer.fields
    ]


def symbol_indices(layer: MapLayer) -> list[int] | None:
    """Index into ``layer.style.symbols()`` of each feature's symbol; None when the style has one symbol."""
    style = layer.style
    return [style.symbol_index(v) for v in layer.frame[style.field]] if style.field else None


def _columns_json(layer: MapLayer) -> list[list[str] | dict]:
    """Popup texts column by column; a column of few distinct values as ``{"d": values, "c": codes}``."""
    return [_column_json(column) for column in popup_columns(layer)]


def encode_layer(layer: MapLayer | RasterLayer) -> dict:
    """The JSON-ready description of one layer (see the map runtime ``deerhabitat-map.js``).

    Raises
    ------
    ValueError
        If a vector layer has missing or empty geometries (drop them before building the map).
    """
    if isinstance(layer, RasterLayer):
        return {
            "id": layer.id,
            "title": layer.title,
            "group": layer.group,
            "kind": "raster",
            "visible": layer.visible,
            "opacity": layer.opacity,
            "bounds": list(layer.bounds),
            "image": "data:image/png;base64," + base64.b64encode(layer.png).decode("ascii"),
            "ramp": list(layer.ramp),
            "rampLabels": list(layer.ramp_labels),
            "note": layer.note,
        }
    geoms = layer.frame.geometry.values
    if (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
        raise ValueError(
            f"layer {layer.id!r} has missing or empty geometries; drop them before building the map"
        )
    style = layer.style
    sym = symbol_indices(layer)
    out = {
        "id": layer.id,
        "title": layer.title,
        "group": layer.group,
        "kind": "vector",
        "geom": style.geometry,
        "visible": layer.visible,
        "search": layer.searchable,
        "base": layer.base,
        "interactive": layer.interactive,
        "n": len(layer.frame),
        "symbols": [_symbol_json(s) for s in style.symbols()],
        "legend": _legend_indices(style, None if layer.full_legend else sym),
        "sizeLegend": [{"label": label, "radius": radius} for label, radius in layer.size_legend],
        "note": layer.note,
        "fields": [f.label for f in layer.fields],
        "cols": _columns_json(layer),
    }
    out.update(_geometry_json(layer))
    if sym is not None:
        out["sym"] = sym
    if layer.radius_column:
        out["radius"] = [round(float(r), 2) for r in layer.frame[layer.radius_column]]
    if layer.time_column:
        out["time"] = [str(v) for v in layer.frame[layer.time_column]]
    if layer.carried_column:
        out["carried"] = [int(bool(v)) for v in layer.frame[layer.carried_column]]
    return out


def _legend_indices(style: LayerStyle, sym: list[int] | None) -> list[int]:
    if not style.categories:
        return [0]
    used = set(range(1, len(style.categories) + 1)) if sym is None else set(sym)
    return [i for i in range(1, len(style.categories) + 1) if i in used] + ([0] if 0 in used else [])


def legend_symbols(layer: MapLayer) -> list[Symbol]:
    """The symbols a layer's legend lists.

    Its categories in order (only those used, unless ``full_legend``), then the default symbol if used;
    the single symbol of an unclassified style.
    """
    symbols = layer.style.symbols()
    sym = None if layer.full_legend else symbol_indices(layer)
    return [symbols[i] for i in _legend_indices(layer.style, sym)]


def encode_map(web_map: WebMap) -> dict:
    """The JSON-ready description of a whole map: bounds, groups, years and layers."""
    used = list(dict.fromkeys(layer.group for layer in web_map.layers))
    groups = [g for g in web_map.groups if g in used] + [g for g in used if g not in web_map.groups]
    return {
        "name": web_map.name,
        "title": web_map.title,
        "bounds": list(web_map.bounds),
        "groups": groups,
        "years": web_map.years,
        "startYear": web_map.start_year,
        "timeLabel": web_map.time_label,
        "timeNote": web_map.time_note,
        "layers": [encode_layer(layer) for layer in web_map.layers],
    }


_SCRIPT_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def script_json(data: object) -> str:
    r"""JSON text safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as ``\u`` escapes, so no value can close the element
    (``</script>``) or open a comment (``<!--``); ``JSON.parse`` restores them.

    Examples
    --------
    >>> script_json({"name": "</script><b>"})
    '{"name":"\\u003c/script\\u003e\\u003cb\\u003e"}'
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    for char, escape in _SCRIPT_ESCAPES.items():
        text = text.replace(char, escape)
    return text
