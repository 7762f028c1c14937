"""What a published map is made of, and how it is written as the JSON the page reads.

A :class:`WebMap` is a list of :class:`MapLayer` (vector features in EPSG:4326 with a
:class:`~deerhabitat.publish.styles.LayerStyle` and popup :class:`~deerhabitat.publish.styles.Field` s)
and :class:`RasterLayer` (an image already coloured and warped for display). The web page
(:func:`deerhabitat.publish.maps.render_map_html`) and the static image
(:mod:`deerhabitat.publish.static`) are both drawn from it, so they share layers, styles and legends.

:func:`encode_map` turns a map into plain JSON-ready data: coordinates rounded to 5 decimals (about
1 m), popup values formatted as text, features in the frame's order. :func:`script_json` writes it for
a ``<script type="application/json">`` element.

Layers of :data:`PACK_THRESHOLD` features or more are packed: coordinates as integers of 1e-5 degree,
delta-encoded, zigzag LEB128 varints in base64 (:func:`pack_xy`, :func:`pack_shapes`); popup texts
dictionary-encoded (few distinct values, codes as varints) or front-coded (each value as the length it
shares with the previous one plus the rest); large point layers are stored in Morton order so that
consecutive deltas are small; large polygon layers carry :data:`SIMPLIFY_LEVELS`, simplified as a
coverage so that shared borders stay shared (:func:`simplified_levels`). The page decodes them once.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import numpy as np
import shapely

from deerhabitat.i18n import language
from deerhabitat.publish.map_text import ui_text
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
    label_kind : {"country", "river", "area"}, optional
        Label each feature with its title (the first popup field), styled as this kind; on the web map,
        labels of a lower kind (country, then area, then river) are hidden where they would overlap.
    context : bool
        Grey land around the range states: drawn below everything, without popups or legend rows.
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
    label_kind: Literal["country", "river", "area"] | None = None
    context: bool = False


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
    lang : str
        Language of the map's texts (:data:`deerhabitat.i18n.LANGUAGES`); the page's controls speak it too.
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
    lang: str = "en"

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
            west, south, east, north = (round(float(v), 4) for v in self.extent)
            return (west, south, east, north)
        boxes = [
            _layer_bounds(layer)
            for layer in self.layers
            if not getattr(layer, "base", False) and not getattr(layer, "context", False)
        ]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            boxes = [
                b
                for b in (
                    _layer_bounds(layer) for layer in self.layers if not getattr(layer, "context", False)
                )
                if b is not None
            ]
        if not boxes:
            return (-180.0, -60.0, 180.0, 75.0)
        arr = np.array(boxes)
        west, south, east, north = arr[:, 0].min(), arr[:, 1].min(), arr[:, 2].max(), arr[:, 3].max()
        pad = 0.05 if (east - west) < 0.1 and (north - south) < 0.1 else 0.0
        return (
            round(float(west - pad), 4),
            round(float(south - pad), 4),
            round(float(east + pad), 4),
            round(float(north + pad), 4),
        )


def _layer_bounds(layer: MapLayer | RasterLayer) -> tuple[float, float, float, float] | None:
    if isinstance(layer, RasterLayer):
        return layer.bounds
    geoms = layer.frame.geometry.values
    geoms = geoms[~(shapely.is_missing(geoms) | shapely.is_empty(geoms))]
    if len(geoms) == 0:
        return None
    minx, miny, maxx, maxy = (float(v) for v in shapely.total_bounds(geoms))
    return (minx, miny, maxx, maxy)


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


PACK_THRESHOLD = 256
"""Layers with at least this many features are written packed (see :func:`encode_layer`); smaller layers
stay as plain JSON lists, readable in the page source."""

QUANTUM = 10**COORD_DECIMALS
"""Packed coordinates are integers of 1e-5 degree (the same values as the rounded decimals)."""

SIMPLIFY_LEVELS = ((0, 0.02), (6, 0.004), (9, 0.0))
"""Zoom-dependent detail of large polygon layers: ``(lowest zoom, tolerance in degrees)``; tolerance 0 is
the geometry as given. Below zoom 6 a pixel is at least 0.04 degree, below zoom 9 at least 0.005."""


def varints(values: np.ndarray) -> str:
    """Non-negative integers as LEB128 varints (7 bits a byte, high bit = more), base64-encoded.

    Examples
    --------
    >>> varints(np.array([0, 1, 127, 128, 300]))
    'AAF/gAGsAg=='
    """
    z = np.asarray(values, dtype=np.uint64)
    if z.size == 0:
        return ""
    nbytes = np.ones(z.shape, dtype=np.int64)
    for k in range(1, 10):
        nbytes += z >= np.uint64(1) << np.uint64(7 * k)
    starts = np.concatenate(([0], np.cumsum(nbytes)[:-1]))
    out = np.zeros(int(nbytes.sum()), dtype=np.uint8)
    for k in range(int(nbytes.max())):
        has = nbytes > k
        byte = (z[has] >> np.uint64(7 * k)) & np.uint64(0x7F)
        more = (nbytes[has] > k + 1).astype(np.uint64) << np.uint64(7)
        out[starts[has] + k] = (byte | more).astype(np.uint8)
    return base64.b64encode(out.tobytes()).decode("ascii")


def zigzag(values: np.ndarray) -> np.ndarray:
    """Signed integers mapped to non-negative ones (0, -1, 1, -2 → 0, 1, 2, 3) for :func:`varints`."""
    v = np.asarray(values, dtype=np.int64)
    return ((v << 1) ^ (v >> 63)).astype(np.uint64)


def pack_xy(xy: np.ndarray) -> str:
    """``(n, 2)`` longitudes/latitudes packed as varint deltas.

    Integers of 1e-5 degree, each axis delta-encoded along the array, zigzag varints interleaved x, y,
    base64. The page adds the deltas back up and divides by 1e5.
    """
    q = np.round(np.asarray(xy, dtype=np.float64)[:, :2] * QUANTUM).astype(np.int64)
    deltas = np.diff(q, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    return varints(zigzag(deltas.ravel()))


def _spatial_order(xy: np.ndarray) -> np.ndarray:
    """Indices putting points in Morton (Z-curve) order.

    Neighbours in the array are then near on the map, and their coordinate deltas small.
    """
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    cells = np.clip(((xy - lo) / span * 65535).astype(np.uint64), 0, 65535)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    return np.argsort(spread(cells[:, 0]) | (spread(cells[:, 1]) << np.uint64(1)), kind="stable")


def pack_shapes(geoms: np.ndarray, geometry: str) -> dict:
    """Lines or polygons packed.

    Counts of parts per feature (``np``), of rings per part (``nr``, polygons), of vertices per ring or
    line (``nc``), all as varints, and every vertex through :func:`pack_xy` (``xy``).
    """
    parts, owner = shapely.get_parts(geoms, return_index=True)
    out = {"np": varints(np.bincount(owner, minlength=len(geoms)))}
    leaves = parts
    if geometry == "polygon":
        rings, ring_owner = shapely.get_rings(parts, return_index=True)
        out["nr"] = varints(np.bincount(ring_owner, minlength=len(parts)))
        leaves = rings
    coords, leaf_owner = shapely.get_coordinates(leaves, return_index=True)
    out["nc"] = varints(np.bincount(leaf_owner, minlength=len(leaves)))
    out["xy"] = pack_xy(coords)
    return out


def simplified_levels(geoms: np.ndarray) -> list[tuple[int, np.ndarray]]:
    """The polygons at each of :data:`SIMPLIFY_LEVELS`, as ``(lowest zoom, geometries)``.

    A valid coverage (polygons that do not overlap, like adjacent protected areas cut from one partition) is
    simplified with :func:`shapely.coverage_simplify`, which moves each shared border once, so neighbours keep
    meeting exactly at every level; overlapping polygons are simplified one by one
    (``shapely.simplify(preserve_topology=True)``), where shared borders may part slightly.
    """
    coverage = bool(shapely.coverage_is_valid(geoms))
    levels = []
    for zoom, tolerance in SIMPLIFY_LEVELS:
        if tolerance == 0:
            levels.append((zoom, geoms))
        elif coverage:
            levels.append((zoom, shapely.coverage_simplify(geoms, tolerance)))
        else:
            levels.append((zoom, shapely.simplify(geoms, tolerance, preserve_topology=True)))
    return levels


def _geometry_json(layer: MapLayer) -> dict:
    geoms = layer.frame.geometry.values
    if layer.style.geometry == "point":
        xy = np.round(shapely.get_coordinates(shapely.centroid(geoms)), COORD_DECIMALS)
        if len(geoms) >= PACK_THRESHOLD:
            return {"pxy": pack_xy(xy)}
        return {"xy": xy.ravel().tolist()}
    if len(geoms) >= PACK_THRESHOLD:
        geoms = np.asarray(geoms)
        if layer.style.geometry == "polygon":
            return {
                "levels": [
                    {"z": zoom, **pack_shapes(level, "polygon")} for zoom, level in simplified_levels(geoms)
                ]
            }
        return {"pcoords": pack_shapes(geoms, layer.style.geometry)}
    encode = _line_parts if layer.style.geometry == "line" else _polygon_parts
    return {"coords": [encode(g) for g in geoms]}


def _front_coded(values: list[str]) -> dict:
    """Front coding: each value as the prefix it shares with the previous value, and the rest.

    Prefix lengths are in UTF-16 code units, as JavaScript counts.
    """
    prefixes, suffixes, previous = [], [], ""
    for value in values:
        k = 0
        limit = min(len(value), len(previous))
        while k < limit and value[k] == previous[k]:
            k += 1
        prefixes.append(len(value[:k].encode("utf-16-le")) // 2)
        suffixes.append(value[k:])
        previous = value
    out: dict = {"p": varints(np.array(prefixes)), "s": suffixes}
    for separator in "|~^`#":
        if not any(separator in suffix for suffix in suffixes):
            out.update(s=separator.join(suffixes), j=separator)
            break
    return out


def _column_json(values: list[str]) -> list[str] | dict:
    distinct = list(dict.fromkeys(values))
    if len(values) < 64:
        return values
    if len(distinct) * 4 > len(values):
        if len(values) < PACK_THRESHOLD:
            return values
        coded = _front_coded(values)
        plain = sum(len(v) + 3 for v in values)
        return coded if len(json.dumps(coded["s"])) + len(coded["p"]) < plain else values
    index = {v: i for i, v in enumerate(distinct)}
    codes = [index[v] for v in values]
    if len(values) >= PACK_THRESHOLD:
        return {"d": distinct, "pc": varints(np.array(codes))}
    return {"d": distinct, "c": codes}


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


LABEL_LIMIT = 400
"""Layers with more features than this are not labelled (their labels would only be hidden by overlaps)."""


def label_points(layer: MapLayer) -> np.ndarray:
    """Where each feature's label goes, ``(n, 2)`` longitudes and latitudes.

    Polygons: a point inside the largest part (:func:`shapely.point_on_surface`, so a bent country's label
    stays on it), protected areas (``label_kind`` "area") at the northernmost vertex of the largest part;
    lines: the middle of the longest part; points: the point.
    """
    out = np.zeros((len(layer.frame), 2))
    for i, geom in enumerate(layer.frame.geometry.values):
        parts = shapely.get_parts(geom)
        if layer.style.geometry == "polygon" and layer.label_kind == "area":
            # above the area, at its northernmost vertex: never its centre, which for an area drawn as a
            # circle of its reported size around a population would be that population's position
            ring = shapely.get_coordinates(
                shapely.get_exterior_ring(parts[int(np.argmax(shapely.area(parts)))])
            )
            point = shapely.Point(ring[int(np.argmax(ring[:, 1]))])
        elif layer.style.geometry == "polygon":
            point = shapely.point_on_surface(parts[int(np.argmax(shapely.area(parts)))])
        elif layer.style.geometry == "line":
            merged = shapely.line_merge(shapely.multilinestrings(parts)) if len(parts) > 1 else parts[0]
            pieces = shapely.get_parts(merged)
            longest = pieces[int(np.argmax(shapely.length(pieces)))]
            point = shapely.line_interpolate_point(longest, 0.5, normalized=True)
        else:
            point = shapely.centroid(geom)
        out[i] = shapely.get_coordinates(point)[0]
    return out


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
    if layer.style.geometry == "point" and len(geoms) >= PACK_THRESHOLD:
        order = _spatial_order(shapely.get_coordinates(shapely.centroid(geoms)))
        layer = replace(layer, frame=layer.frame.iloc[order].reset_index(drop=True))
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
    if sym is not None and len(sym) >= PACK_THRESHOLD:
        out["psym"] = varints(np.array(sym))
    elif sym is not None:
        out["sym"] = sym
    if layer.radius_column:
        out["radius"] = [round(float(r), 2) for r in layer.frame[layer.radius_column]]
    if layer.time_column:
        out["time"] = [str(v) for v in layer.frame[layer.time_column]]
    if layer.carried_column:
        out["carried"] = [int(bool(v)) for v in layer.frame[layer.carried_column]]
    if layer.label_kind and 0 < len(layer.frame) <= LABEL_LIMIT:
        out["labels"] = np.round(label_points(layer), 3).tolist()
        out["labelKind"] = layer.label_kind
    if layer.context:
        out["context"] = True
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
    """The JSON-ready description of a whole map: bounds, groups, years and layers.

    Popup values are written in the map's language (``web_map.lang``), whatever language is current: the
    report writes its map pages after it has left its own ``language`` block.
    """
    with language(web_map.lang):
        return _encode_map(web_map)


def _encode_map(web_map: WebMap) -> dict:
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
        "text": ui_text(web_map.lang),
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
