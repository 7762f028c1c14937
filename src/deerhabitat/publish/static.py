"""Static maps (PNG at any resolution, SVG) drawn with matplotlib, without a browser.

A static map is drawn from the same :class:`~deerhabitat.publish.layers.WebMap` as the web page: the
layers visible when the page opens, with the same styles, and a legend built from the same symbols. It
uses the web map's projection (Web Mercator, EPSG:3857) so that print and screen agree; the scale bar is
corrected for latitude at the map's centre. Drawing order as on the web page: the grey land of the other
countries, the range states, habitat rasters, the other layers, then the labels of countries, protected
areas and rivers (a label that would overlap one already placed is left out). A map with a year slider is
drawn for the year its slider starts on. Output is deterministic: the same map gives the same bytes
(fixed SVG id salt, no date).
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import textwrap
import warnings
from collections.abc import Sequence
from importlib import resources
from typing import Literal

import matplotlib
import matplotlib.patheffects as path_effects
import numpy as np
import pyproj
import shapely
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure
from matplotlib.image import imread
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from deerhabitat.i18n import format_measure, language
from deerhabitat.publish.layers import LABEL_LIMIT, MapLayer, RasterLayer, WebMap, encode_map, label_points
from deerhabitat.publish.map_text import text as map_text
from deerhabitat.publish.styles import Symbol

PX_TO_PT = 0.75
"""A CSS pixel is 0.75 typographic points; widths and radii keep their on-screen size in print."""

StaticFormat = Literal["png", "svg"]
_TO_MERC = pyproj.Transformer.from_crs(4326, 3857, always_xy=True)
_BACKGROUND = "#dfe9f0"


def _text(value: object) -> str:
    """Text from data shown literally by matplotlib: ``$`` would start mathtext."""
    return str(value).replace("$", r"\$")


def _merc_extent(
    bounds: tuple[float, float, float, float], aspect: float
) -> tuple[float, float, float, float]:
    west, south, east, north = bounds
    (x0, x1), (y0, y1) = _TO_MERC.transform([west, east], [max(south, -85.0), min(north, 85.0)])
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    width, height = width * 1.06, height * 1.06
    if width / height > aspect:
        height = width / aspect
    else:
        width = height * aspect
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return cx - width / 2, cx + width / 2, cy - height / 2, cy + height / 2


def _symbols_of(layer: MapLayer) -> np.ndarray:
    style = layer.style
    if not style.field:
        return np.zeros(len(layer.frame), dtype=int)
    return np.array([style.symbol_index(v) for v in layer.frame[style.field]], dtype=int)


def _visible_rows(layer: MapLayer, year: str | None) -> np.ndarray:
    if layer.time_column and year is not None:
        return (layer.frame[layer.time_column].astype(str) == year).to_numpy()
    return np.ones(len(layer.frame), dtype=bool)


def _draw_vector(ax, layer: MapLayer, year: str | None) -> None:
    rows = _visible_rows(layer, year)
    frame = layer.frame[rows].to_crs(3857)
    symbol_ids = _symbols_of(layer)[rows]
    carried = (
        layer.frame.loc[rows, layer.carried_column].astype(bool).to_numpy()
        if layer.carried_column
        else np.zeros(len(frame), dtype=bool)
    )
    radii = (
        layer.frame.loc[rows, layer.radius_column].astype(float).to_numpy() if layer.radius_column else None
    )
    symbols = layer.style.symbols()
    for index in sorted(set(symbol_ids.tolist())):
        for faded in (False, True):
            mask = (symbol_ids == index) & (carried == faded)
            if mask.any():
                _draw_part(
                    ax, layer, frame[mask], symbols[index], faded, None if radii is None else radii[mask]
                )


def _draw_part(ax, layer: MapLayer, frame, symbol: Symbol, faded: bool, radii: np.ndarray | None) -> None:
    width = symbol.stroke_width_px * PX_TO_PT
    style = "--" if symbol.dash or faded else "-"
    fill_alpha = symbol.fill_opacity * (0.35 if faded else 1.0)
    if layer.style.geometry == "point":
        xy = np.array([(g.centroid.x, g.centroid.y) for g in frame.geometry])
        sizes = ((radii if radii is not None else np.full(len(xy), symbol.radius_px)) * 2 * PX_TO_PT) ** 2
        ax.scatter(
            xy[:, 0],
            xy[:, 1],
            s=sizes,
            facecolors=to_rgba(symbol.fill or symbol.stroke, fill_alpha),
            edgecolors=symbol.stroke if symbol.stroke.lower() != "#ffffff" or not faded else "#888888",
            linewidths=width,
            linestyles=style,
            zorder=5,
        )
    elif layer.style.geometry == "line":
        frame.plot(ax=ax, color=symbol.stroke, linewidth=width, linestyle=style, zorder=3)
    else:
        face = to_rgba(symbol.fill, fill_alpha) if symbol.fill else "none"
        zorder = 1.0 if layer.context else 1.2 if layer.base else 2
        frame.plot(
            ax=ax, facecolor=face, edgecolor=symbol.stroke, linewidth=width, linestyle=style, zorder=zorder
        )


def _draw_raster(ax, layer: RasterLayer) -> None:
    image = imread(io.BytesIO(layer.png), format="png")
    west, south, east, north = layer.bounds
    (x0, x1), (y0, y1) = _TO_MERC.transform([west, east], [south, north])
    ax.imshow(image, extent=(x0, x1, y0, y1), alpha=layer.opacity, interpolation="nearest", zorder=1.5)


_LABEL_STYLE = {
    "country": {"fontsize": 9.5, "fontweight": "bold", "color": "#555555", "zorder": 7},
    "area": {"fontsize": 7, "color": "#1b5e20", "zorder": 7.2},
    "river": {"fontsize": 7, "fontstyle": "italic", "color": "#1f5f99", "zorder": 7.1},
}
_LABEL_ORDER = ("country", "area", "river")


def _draw_labels(fig: Figure, ax, web_map: WebMap) -> int:
    """Label countries, protected areas and rivers of the visible layers; skip labels that would overlap.

    Returns the number of labels placed.
    """
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    frame_box = ax.get_window_extent(renderer)
    placed: list = []
    layers = [
        layer
        for layer in web_map.layers
        if isinstance(layer, MapLayer)
        and layer.visible
        and layer.label_kind
        and 0 < len(layer.frame) <= LABEL_LIMIT
    ]
    layers.sort(key=lambda layer: _LABEL_ORDER.index(layer.label_kind or "river"))
    for layer in layers:
        points = label_points(layer)
        xs, ys = _TO_MERC.transform(points[:, 0], points[:, 1])
        title = layer.fields[0].column if layer.fields else None
        if title is None or title not in layer.frame.columns:
            continue
        texts = [layer.fields[0].format(v) for v in layer.frame[title]]
        kind = layer.label_kind or "river"
        for x, y, text in zip(xs, ys, texts, strict=True):
            if not text or not (x0 <= x <= x1 and y0 <= y <= y1):
                continue
            label = ax.text(
                x,
                y,
                _text(text.upper() if kind == "country" else text),
                ha="center",
                va="center",
                clip_on=True,
                **_LABEL_STYLE[kind],
            )
            label.set_path_effects([path_effects.withStroke(linewidth=2.2, foreground="white")])
            box = label.get_window_extent(renderer).expanded(1.08, 1.15)
            inside = (
                box.x0 >= frame_box.x0
                and box.x1 <= frame_box.x1
                and box.y0 >= frame_box.y0
                and box.y1 <= frame_box.y1
            )
            if not inside or any(box.overlaps(other) for other in placed):
                label.remove()
                continue
            placed.append(box)
    return len(placed)


def _legend_handles(web_map: WebMap) -> list:
    handles: list = []
    for layer in reversed(web_map.layers):
        if not layer.visible:
            continue
        handles.append(Line2D([], [], linestyle="none", label=_text(layer.title)))
        if isinstance(layer, RasterLayer):
            handles += [
                Patch(
                    facecolor=layer.ramp[0],
                    label=_text(map_text("map.legend.low", label=layer.ramp_labels[0])),
                ),
                Patch(
                    facecolor=layer.ramp[-1],
                    label=_text(map_text("map.legend.high", label=layer.ramp_labels[1])),
                ),
            ]
            continue
        used = (
            set(range(1, len(layer.style.categories) + 1))
            if layer.full_legend
            else set(_symbols_of(layer).tolist())
        )
        symbols = layer.style.symbols()
        order = [i for i in range(1, len(symbols)) if i in used] + (
            [0] if 0 in used or not layer.style.categories else []
        )
        handles += [_handle(symbols[i], layer.style.geometry) for i in order]
        handles += [
            _handle(Symbol(label, stroke="#555555", fill="#bbbbbb", fill_opacity=0.6, radius_px=r), "point")
            for label, r in layer.size_legend
        ]
    return handles


def _handle(symbol: Symbol, geometry: str):
    label = _text(symbol.label)
    style: Literal["--", "-"] = "--" if symbol.dash else "-"
    if geometry == "line":
        return Line2D(
            [],
            [],
            color=symbol.stroke,
            linewidth=symbol.stroke_width_px * PX_TO_PT,
            linestyle=style,
            label=label,
        )
    if geometry == "point":
        edge = "#555555" if symbol.stroke.lower() == "#ffffff" else symbol.stroke
        return Line2D(
            [],
            [],
            linestyle="none",
            marker="o",
            markersize=2 * symbol.radius_px * PX_TO_PT,
            markerfacecolor=to_rgba(symbol.fill or symbol.stroke, symbol.fill_opacity),
            markeredgecolor=edge,
            label=label,
        )
    return Patch(
        facecolor=to_rgba(symbol.fill, symbol.fill_opacity) if symbol.fill else "none",
        edgecolor=symbol.stroke,
        linestyle=style,
        label=label,
    )


def _nice_km(target_km: float) -> float:
    magnitude = 10 ** math.floor(math.log10(max(target_km, 1e-3)))
    return max(step * magnitude for step in (1, 2, 5) if step * magnitude <= target_km)


def _scale_bar(ax, extent: tuple[float, float, float, float]) -> None:
    x0, x1, y0, y1 = extent
    _, lat = _TO_MERC.transform((x0 + x1) / 2, (y0 + y1) / 2, direction="INVERSE")
    factor = math.cos(math.radians(lat))
    length_km = _nice_km((x1 - x0) * factor / 5 / 1000)
    length = length_km * 1000 / factor
    bx, by = x0 + 0.04 * (x1 - x0), y0 + 0.05 * (y1 - y0)
    ax.plot([bx, bx + length], [by, by], color="#222222", linewidth=3, solid_capstyle="butt", zorder=10)
    ax.text(
        bx + length / 2,
        by + 0.015 * (y1 - y0),
        map_text("map.static.scale", length=format_measure(length_km)),
        ha="center",
        va="bottom",
        fontsize=8,
        zorder=10,
    )
    nx, ny = x1 - 0.05 * (x1 - x0), y1 - 0.12 * (y1 - y0)
    ax.annotate(
        map_text("map.static.north"),
        xy=(nx, ny + 0.06 * (y1 - y0)),
        xytext=(nx, ny),
        ha="center",
        va="top",
        fontsize=10,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "#222222"},
        zorder=10,
    )


def _figure(web_map: WebMap, year: str | None) -> Figure:
    fig = Figure(figsize=(11.0, 7.5))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.01, 0.07, 0.66, 0.82))
    extent = _merc_extent(web_map.bounds, aspect=(0.66 * 11.0) / (0.82 * 7.5))
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_facecolor(_BACKGROUND)
    ax.set_xticks([])
    ax.set_yticks([])
    for layer in web_map.layers:
        if not layer.visible:
            continue
        if isinstance(layer, RasterLayer):
            _draw_raster(ax, layer)
        elif len(layer.frame):
            _draw_vector(ax, layer, year)
    ax.set_xlim(extent[0], extent[1])
    ax.set_ylim(extent[2], extent[3])
    ax.set_xlabel("")
    ax.set_ylabel("")
    _draw_labels(fig, ax, web_map)
    _scale_bar(ax, extent)
    title = textwrap.shorten(web_map.title, 95) + (f" — {year}" if year else "")
    fig.text(0.01, 0.965, _text(title), fontsize=14, fontweight="bold", va="top")
    fig.text(
        0.01,
        0.925,
        _text(textwrap.shorten(web_map.description, 170)),
        fontsize=8.5,
        va="top",
        color="#444444",
    )
    fig.text(
        0.01,
        0.02,
        map_text("map.static.credit"),
        fontsize=7,
        color="#555555",
    )
    legend = fig.legend(
        handles=_legend_handles(web_map),
        loc="upper left",
        bbox_to_anchor=(0.685, 0.89),
        frameon=False,
        fontsize=8,
        handlelength=2.2,
        borderaxespad=0.0,
    )
    for text, handle in zip(legend.get_texts(), legend.legend_handles, strict=True):
        if (
            isinstance(handle, Line2D)
            and handle.get_marker() in ("None", None, "")
            and handle.get_linestyle() in ("None", "none", "")
        ):
            text.set_fontweight("bold")
    return fig


def render_static_map(web_map: WebMap, *, fmt: StaticFormat = "png", dpi: int = 150) -> bytes:
    """Draw a map as PNG or SVG.

    Parameters
    ----------
    web_map : WebMap
        The map (already generalised for its profile).
    fmt : {"png", "svg"}, default "png"
        Output format.
    dpi : int, default 150
        Resolution of a PNG in dots per inch (300 for print); the page is 11 × 7.5 inches.

    Returns
    -------
    bytes
        The image; the same map gives the same bytes.

    Raises
    ------
    ValueError
        If ``fmt`` is not png or svg, or ``dpi`` is not between 50 and 1200.
    """
    if fmt not in ("png", "svg"):
        raise ValueError(f"fmt={fmt!r} is not a static map format; use 'png' or 'svg'")
    return render_static_maps(web_map, formats=(fmt,), dpi=dpi)[fmt]


SVG_DPI = 150
"""Resolution of the raster images embedded in an SVG (habitat layers)."""


def render_static_maps(
    web_map: WebMap, *, formats: Sequence[StaticFormat] = ("png", "svg"), dpi: int = 150
) -> dict[StaticFormat, bytes]:
    """Draw a map once and save it in several formats (the PNG at ``dpi``, an SVG's images at 150 dpi).

    Parameters
    ----------
    web_map : WebMap
        The map (already generalised for its profile).
    formats : sequence of {"png", "svg"}, default ("png", "svg")
        The formats wanted.
    dpi : int, default 150
        Resolution of the PNG in dots per inch (300 for print).

    Returns
    -------
    dict
        The image of each format; the same map gives the same bytes.

    Raises
    ------
    ValueError
        If a format is not png or svg, or ``dpi`` is not between 50 and 1200.
    """
    unknown = [f for f in formats if f not in ("png", "svg")]
    if unknown:
        raise ValueError(f"fmt={unknown[0]!r} is not a static map format; use 'png' or 'svg'")
    if not 50 <= dpi <= 1200:
        raise ValueError(f"dpi={dpi} is out of range; use 50 to 1200 (150 for screen, 300 for print)")
    out: dict[StaticFormat, bytes] = {}
    with (
        matplotlib.rc_context(
            {"svg.hashsalt": "deerhabitat", "svg.fonttype": "path", "font.family": "DejaVu Sans"}
        ),
        warnings.catch_warnings(),
        language(web_map.lang),
    ):
        warnings.filterwarnings("ignore", message=r".*(Glyph|glyph).*missing from", category=UserWarning)
        warnings.filterwarnings("ignore", message=r".*does not support .* natively", category=UserWarning)
        fig = _figure(web_map, web_map.start_year)
        for fmt in formats:
            buffer = io.BytesIO()
            metadata = {"Date": None} if fmt == "svg" else {"Software": "deerhabitat (matplotlib)"}
            fig.savefig(buffer, format=fmt, dpi=dpi if fmt == "png" else SVG_DPI, metadata=metadata)
            out[fmt] = buffer.getvalue()
    return out


def static_fingerprint(web_map: WebMap, *, encoded: str | None = None) -> str:
    """sha256 of everything a static map is drawn from: the map's data, geometries, styles and drawing code.

    Two maps with the same fingerprint give the same images, so a workflow may keep images by it.

    Parameters
    ----------
    web_map : WebMap
        The map.
    encoded : str, optional
        Text that holds the map's :func:`~deerhabitat.publish.layers.encode_map` JSON (its page, from
        :func:`deerhabitat.publish.render_map_html`), when already made; else it is encoded here.

    Examples
    --------
    >>> m = WebMap("overview", "Deer", "", ())
    >>> static_fingerprint(m) == static_fingerprint(WebMap("overview", "Deer", "", ()))
    True
    >>> static_fingerprint(m) == static_fingerprint(WebMap("overview", "Deer!", "", ()))
    False
    """
    digest = hashlib.sha256()
    if encoded is None:
        encoded = json.dumps(encode_map(web_map), sort_keys=True, default=str)
    digest.update(encoded.encode("utf-8"))
    digest.update(json.dumps([web_map.description, matplotlib.__version__]).encode("utf-8"))
    for layer in web_map.layers:
        if isinstance(layer, RasterLayer):
            digest.update(layer.png)
        else:
            digest.update(b"".join(w or b"" for w in shapely.to_wkb(layer.frame.geometry.values)))
    for module in ("static.py", "styles.py", "layers.py"):
        digest.update(resources.files("deerhabitat.publish").joinpath(module).read_bytes())
    return digest.hexdigest()
