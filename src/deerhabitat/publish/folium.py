"""Every published map as a ``folium.Map``, for notebooks, and its offline HTML.

:func:`to_folium` draws a :class:`~deerhabitat.publish.layers.WebMap` (already generalised for its profile)
with folium: one ``folium.GeoJson`` per vector layer and one ``ImageOverlay`` per raster, in the map's
order, with the same symbols, popups and tooltips as deerhabitat's own page, a legend per layer (hidden
with its layer) and folium's ``LayerControl``. The result is a :class:`FoliumMap`, a plain ``folium.Map``
that users extend as usual (``folium.Marker(...).add_to(fmap)``); it shows inline in Jupyter with every
script inlined, so it needs no network. :func:`offline_html` gives the HTML of any folium map with
folium's CDN links replaced by deerhabitat's pinned, vendored copies
(:data:`~deerhabitat.publish.assets.FOLIUM_VENDORED`).

Escaping
--------
folium's popups and tooltips insert their text as HTML (``innerHTML``), and its layer control shows
layer names as HTML. Every text taken from the data (popup titles, labels and values, tooltips, layer
names) is therefore escaped here with :func:`html.escape` before folium sees it; the legend is built
from JSON with DOM text nodes. A site called ``<img src=x onerror=...>`` shows as that text.

What differs from deerhabitat's page
------------------------------------
folium has no year slider: a layer with a time column shows the features of the map's start year
(``WebMap.start_year``, what the page and the static map open on). Search, distance measuring and the
minimap are not drawn; the canvas renderer is used when a layer has more than
:data:`CANVAS_THRESHOLD` features.
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Sequence
from typing import Any

import folium
import numpy as np
import shapely
from branca.element import Figure, MacroElement
from folium.template import Template

from deerhabitat.errors import PublishError
from deerhabitat.publish.assets import (
    FOLIUM_VENDORED,
    TILE_SOURCES,
    VENDORED,
    Basemap,
    VendoredPackage,
    inline_package_css,
    marker_icon_uris,
    read_vendored,
)
from deerhabitat.publish.layers import (
    COORD_DECIMALS,
    MapLayer,
    RasterLayer,
    WebMap,
    legend_symbols,
    popup_columns,
    script_json,
    symbol_indices,
)
from deerhabitat.publish.styles import Symbol

CANVAS_THRESHOLD = 2500
"""Above this many features in a layer the map draws vectors on a canvas (``prefer_canvas``)."""

POPUP_FIELD = "popup"
TOOLTIP_FIELD = "tooltip"
"""GeoJSON properties holding each feature's popup (escaped HTML) and tooltip (escaped text)."""


class FoliumMap(folium.Map):
    """A ``folium.Map`` built by :func:`to_folium`; shows inline in Jupyter with no network.

    Attributes
    ----------
    deerhabitat_layers : dict of str to folium.map.Layer
        The folium layer of each deerhabitat layer, by layer id, in drawing order.
    deerhabitat_map : WebMap
        The map it was drawn from.
    """

    deerhabitat_layers: dict[str, folium.map.Layer]
    deerhabitat_map: WebMap

    def render(self, **kwargs: Any) -> str:
        """Render the map, its layer controls last, so that they list the layers the user added too."""
        for key, child in list(self._children.items()):
            if isinstance(child, folium.LayerControl):
                self._children.move_to_end(key)
        return super().render(**kwargs)

    def _repr_html_(self, **kwargs: Any) -> str:
        page = html.escape(offline_html(self))
        return (
            '<div style="width:100%;"><div style="position:relative;width:100%;height:0;padding-bottom:60%;">'
            f'<iframe srcdoc="{page}" style="position:absolute;width:100%;height:100%;left:0;top:0;'
            'border:none !important;" allowfullscreen></iframe></div></div>'
        )


# -- features ------------------------------------------------------------------------------------------


def _style(symbol: Symbol, *, geometry: str, radius: float | None, carried: bool) -> dict[str, Any]:
    """Leaflet path options of one feature, as deerhabitat's runtime computes them."""
    fill_opacity = symbol.fill_opacity * (0.35 if carried else 1.0) if symbol.fill else 0.0
    dash = "3 3" if carried else (" ".join(f"{d:g}" for d in symbol.dash) or None)
    style: dict[str, Any] = {
        "color": symbol.stroke,
        "weight": symbol.stroke_width_px,
        "opacity": 1,
        "fill": bool(symbol.fill),
        "fillColor": symbol.fill or symbol.stroke,
        "fillOpacity": fill_opacity,
        "dashArray": dash,
    }
    if geometry == "point":
        style["radius"] = symbol.radius_px if radius is None else radius
    return style


def popup_html(title: str, layer_title: str, rows: Sequence[tuple[str, str]]) -> str:
    """A popup's HTML with every text escaped: the title, the layer, then one table row per non-empty value.

    Examples
    --------
    >>> popup_html("<b>Site</b>", "Sites", [("Status", "native & wild"), ("Count", "")])[:73]
    '<div class="dh-popup"><div class="dh-popup-title">&lt;b&gt;Site&lt;/b&gt;'
    >>> popup_html("<b>Site</b>", "Sites", [("Status", "native & wild"), ("Count", "")])[-71:]
    '<table><tr><th>Status</th><td>native &amp; wild</td></tr></table></div>'
    """
    esc = html.escape
    cells = "".join(f"<tr><th>{esc(label)}</th><td>{esc(value)}</td></tr>" for label, value in rows if value)
    return (
        f'<div class="dh-popup"><div class="dh-popup-title">{esc(title)}</div>'
        f'<div class="dh-popup-layer">{esc(layer_title)}</div><table>{cells}</table></div>'
    )


def _geometries(layer: MapLayer) -> list[dict[str, Any]]:
    geoms = layer.frame.geometry.values
    if (shapely.is_missing(geoms) | shapely.is_empty(geoms)).any():
        raise ValueError(
            f"layer {layer.id!r} has missing or empty geometries; drop them before building the map"
        )
    if layer.style.geometry == "point":
        geoms = shapely.centroid(geoms)
    rounded = shapely.transform(geoms, lambda xy: np.round(xy, COORD_DECIMALS))
    return [shapely.geometry.mapping(g) for g in rounded]


def layer_features(layer: MapLayer, *, year: str | None = None) -> list[dict[str, Any]]:
    """The GeoJSON features of a layer as :func:`to_folium` draws them.

    Each feature has the ``id`` of its row in the layer, its geometry (coordinates rounded as on the page)
    and the properties ``popup`` (escaped HTML, see :func:`popup_html`), ``tooltip`` (escaped title) and
    ``style`` (Leaflet path options). With a time column, only the features of ``year`` are kept.
    """
    columns = popup_columns(layer)
    sym = symbol_indices(layer)
    symbols = layer.style.symbols()
    frame = layer.frame
    radii = frame[layer.radius_column].tolist() if layer.radius_column else None
    carried = frame[layer.carried_column].tolist() if layer.carried_column else None
    times = [str(v) for v in frame[layer.time_column]] if layer.time_column else None
    labels = [f.label for f in layer.fields]
    features = []
    for i, geometry in enumerate(_geometries(layer)):
        if times is not None and year is not None and times[i] != year:
            continue
        title = columns[0][i] if columns else layer.title
        rows = [(labels[j], columns[j][i]) for j in range(1, len(labels))]
        style = _style(
            symbols[sym[i] if sym else 0],
            geometry=layer.style.geometry,
            radius=None if radii is None else round(float(radii[i]), 2),
            carried=bool(carried[i]) if carried is not None else False,
        )
        features.append(
            {
                "type": "Feature",
                "id": str(i),
                "geometry": geometry,
                "properties": {
                    POPUP_FIELD: popup_html(title, layer.title, rows),
                    TOOLTIP_FIELD: html.escape(title),
                    "style": style,
                },
            }
        )
    return features


def _vector_layer(layer: MapLayer, *, year: str | None) -> folium.GeoJson:
    features = layer_features(layer, year=year)
    geojson = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=html.escape(layer.title),
        show=layer.visible,
        marker=folium.CircleMarker() if layer.style.geometry == "point" else None,
        zoom_on_click=False,
        interactive=layer.interactive,
    )
    if layer.interactive and features:
        folium.GeoJsonPopup([POPUP_FIELD], labels=False, max_width=340).add_to(geojson)
        folium.GeoJsonTooltip([TOOLTIP_FIELD], labels=False, sticky=layer.style.geometry != "point").add_to(
            geojson
        )
    return geojson


def _raster_layer(layer: RasterLayer) -> folium.raster_layers.ImageOverlay:
    west, south, east, north = layer.bounds
    return folium.raster_layers.ImageOverlay(
        "data:image/png;base64," + base64.b64encode(layer.png).decode("ascii"),
        bounds=[[south, west], [north, east]],
        opacity=layer.opacity,
        name=html.escape(layer.title),
        show=layer.visible,
        interactive=False,
        pixelated=False,
    )


# -- legend --------------------------------------------------------------------------------------------


def _symbol_legend(symbol: Symbol) -> dict[str, Any]:
    return {
        "label": symbol.label,
        "stroke": symbol.stroke,
        "fill": symbol.fill,
        "fillOpacity": symbol.fill_opacity,
        "dash": bool(symbol.dash),
    }


def legend_entry(layer: MapLayer | RasterLayer) -> dict[str, Any]:
    """What the legend shows for one layer: title, geometry, symbol rows or colour ramp, and note."""
    if isinstance(layer, RasterLayer):
        return {
            "title": layer.title,
            "geom": "raster",
            "ramp": list(layer.ramp),
            "rampLabels": list(layer.ramp_labels),
            "rows": [],
            "note": layer.note,
        }
    return {
        "title": layer.title,
        "geom": layer.style.geometry,
        "rows": [_symbol_legend(s) for s in legend_symbols(layer)],
        "sizes": [{"label": label, "radius": radius} for label, radius in layer.size_legend],
        "note": layer.note,
    }


class Legend(MacroElement):
    """A legend control listing each layer's symbols, shown only while its layer is on the map.

    Built in the browser from JSON with DOM text nodes (no HTML from data).

    Parameters
    ----------
    title : str
        The map's title, at the top of the legend.
    entries : sequence of (folium.map.Layer, dict)
        Each layer and its :func:`legend_entry`.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var data = JSON.parse({{ this.payload|tojson }});
            var layers = [
                {%- for layer in this.layers %}{{ layer.get_name() }},{% endfor -%}
            ];
            var control = L.control({position: "bottomright"});
            control.onAdd = function () {
                var box = L.DomUtil.create("div", "dh-folium-legend leaflet-bar");
                box.style.cssText = "background:#fff;padding:6px 8px;max-width:280px;max-height:60vh;" +
                    "overflow:auto;font:12px/1.4 sans-serif";
                L.DomEvent.disableClickPropagation(box);
                L.DomEvent.disableScrollPropagation(box);
                var head = document.createElement("div");
                head.style.fontWeight = "bold";
                head.textContent = data.title;
                box.appendChild(head);
                data.entries.forEach(function (entry, k) {
                    var part = document.createElement("div");
                    part.className = "dh-folium-legend-layer";
                    var name = document.createElement("div");
                    name.style.cssText = "font-weight:bold;margin-top:4px";
                    name.textContent = entry.title;
                    part.appendChild(name);
                    entry.rows.forEach(function (row) {
                        var line = document.createElement("div");
                        var swatch = document.createElement("span");
                        swatch.style.cssText = "display:inline-block;width:14px;height:10px;" +
                            "margin-right:5px;vertical-align:middle;border:2px solid";
                        swatch.style.borderColor = row.stroke;
                        if (row.dash) { swatch.style.borderStyle = "dashed"; }
                        if (entry.geom === "point") {
                            swatch.style.borderRadius = "50%";
                            swatch.style.width = "10px";
                        }
                        if (entry.geom === "line") {
                            swatch.style.borderWidth = "0 0 3px 0";
                            swatch.style.height = "6px";
                        }
                        if (row.fill) {
                            swatch.style.backgroundColor = row.fill;
                            swatch.style.opacity = String(Math.max(row.fillOpacity, 0.35));
                        }
                        line.appendChild(swatch);
                        line.appendChild(document.createTextNode(row.label));
                        part.appendChild(line);
                    });
                    (entry.sizes || []).forEach(function (size) {
                        var line = document.createElement("div");
                        line.textContent = "\u25cb " + size.label;
                        part.appendChild(line);
                    });
                    if (entry.ramp) {
                        var bar = document.createElement("div");
                        bar.style.cssText = "height:10px;width:160px;border:1px solid #999";
                        bar.style.background = "linear-gradient(to right," + entry.ramp.join(",") + ")";
                        part.appendChild(bar);
                        var ends = document.createElement("div");
                        ends.textContent = entry.rampLabels.join(" \u2026 ");
                        part.appendChild(ends);
                    }
                    if (entry.note) {
                        var note = document.createElement("div");
                        note.style.cssText = "color:#555;font-style:italic";
                        note.textContent = entry.note;
                        part.appendChild(note);
                    }
                    part.hidden = !map.hasLayer(layers[k]);
                    layers[k].on("add", function () { part.hidden = false; });
                    layers[k].on("remove", function () { part.hidden = true; });
                    box.appendChild(part);
                });
                return box;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, title: str, entries: Sequence[tuple[folium.map.Layer, dict[str, Any]]]) -> None:
        super().__init__()
        self._name = "DeerhabitatLegend"
        self.layers = [layer for layer, _ in entries]
        self.payload = script_json({"title": title, "entries": [entry for _, entry in entries]})


# -- the map -------------------------------------------------------------------------------------------


def to_folium(web_map: WebMap, *, basemap: Basemap | str = Basemap.NONE) -> FoliumMap:
    """Draw a published map with folium.

    Parameters
    ----------
    web_map : WebMap
        The map, as :func:`deerhabitat.publish.build_maps` builds it (generalised for its profile: the
        folium map shows exactly the positions the published page shows).
    basemap : Basemap or str, default "none"
        Optional tiles; ``none`` keeps the map free of network requests.

    Returns
    -------
    FoliumMap
        A ``folium.Map`` with one layer per map layer (``.deerhabitat_layers``), a legend and a layer
        control. Add your own folium layers to it; save it with
        :func:`deerhabitat.workflows.save_offline` (or write :func:`offline_html`) to open it offline.

    Raises
    ------
    ValueError
        If a vector layer has missing or empty geometries.
    """
    basemap = Basemap(basemap)
    many = any(
        isinstance(layer, MapLayer) and len(layer.frame) > CANVAS_THRESHOLD for layer in web_map.layers
    )
    fmap = FoliumMap(
        tiles=None,
        prefer_canvas=many,
        control_scale=True,
        maxZoom=18,
        minZoom=2,
        zoomSnap=0.5,
    )
    fmap.deerhabitat_map = web_map
    fmap.deerhabitat_layers = {}
    if basemap is not Basemap.NONE:
        tiles = TILE_SOURCES[basemap]
        folium.TileLayer(
            tiles.url,
            attr=html.escape(tiles.attribution),
            name=html.escape(tiles.title),
            max_zoom=tiles.max_zoom,
        ).add_to(fmap)
    year = web_map.start_year
    entries = []
    for layer in web_map.layers:
        flayer = _raster_layer(layer) if isinstance(layer, RasterLayer) else _vector_layer(layer, year=year)
        flayer.add_to(fmap)
        fmap.deerhabitat_layers[layer.id] = flayer
        entries.append((flayer, legend_entry(layer)))
    title = web_map.title + (f" ({web_map.time_label.lower()} {year})" if year is not None else "")
    Legend(title, entries).add_to(fmap)
    folium.LayerControl(collapsed=False).add_to(fmap)
    west, south, east, north = web_map.bounds
    fmap.fit_bounds([[south, west], [north, east]])
    return fmap


# -- offline HTML --------------------------------------------------------------------------------------

_SCRIPT_LINK = re.compile(r'<script src="([^"]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')

_ICON_ONLY = re.compile(r"bootstrap|glyphicons|fontawesome|font-awesome|awesome\.rotate", re.I)
"""Links that only style folium's icon glyphs (``folium.Icon``); dropped, not inlined."""


def _packages() -> dict[str, VendoredPackage]:
    return {p.name: p for p in (*VENDORED, *FOLIUM_VENDORED)}


_SCRIPT_FILES = {
    "leaflet.js": ("leaflet", "dist/leaflet.js"),
    "leaflet.awesome-markers.js": ("leaflet.awesome-markers", "dist/leaflet.awesome-markers.js"),
    "leaflet.markercluster.js": ("leaflet.markercluster", "dist/leaflet.markercluster.js"),
}
_CSS_FILES = {
    "leaflet.css": ("leaflet", "dist/leaflet.css"),
    "leaflet.awesome-markers.css": ("leaflet.awesome-markers", "dist/leaflet.awesome-markers.css"),
    "markercluster.css": ("leaflet.markercluster", "dist/MarkerCluster.css"),
    "markercluster.default.css": ("leaflet.markercluster", "dist/MarkerCluster.Default.css"),
}
_JQUERY = re.compile(r"jquery(-\d+\.\d+\.\d+)?(\.min)?\.js$", re.I)


def _vendored_text(name: str, package_path: str) -> str:
    package = _packages()[name]
    file = next(f for f in (*package.scripts, *package.stylesheets) if f.package_path == package_path)
    text = read_vendored(package, file).decode("utf-8")
    return inline_package_css(text, package) if package_path.endswith(".css") else text


def _unsupported(url: str) -> PublishError:
    return PublishError(
        f"the folium map links {url!r} from the network, which deerhabitat cannot inline (it inlines "
        f"Leaflet, jQuery, Leaflet.awesome-markers and Leaflet.markercluster); remove the plugin that needs "
        f"it, or save the map with folium's own `.save()` for use online"
    )


def _inline_script(match: re.Match[str]) -> str:
    url = match.group(1)
    base = url.rsplit("/", 1)[-1].split("?", 1)[0]
    if _JQUERY.search(base):
        text = _vendored_text("jquery", "dist/jquery.min.js")
    elif base.lower() in _SCRIPT_FILES:
        text = _vendored_text(*_SCRIPT_FILES[base.lower()])
    elif _ICON_ONLY.search(url):
        return ""
    else:
        raise _unsupported(url)
    if base.lower() == "leaflet.js":
        icons = script_json(marker_icon_uris())
        text += f"\n;L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({icons});"
    return f"<script>{text}</script>"


def _inline_css(match: re.Match[str]) -> str:
    url = match.group(1)
    base = url.rsplit("/", 1)[-1].split("?", 1)[0].lower()
    if base in _CSS_FILES:
        return f"<style>{_vendored_text(*_CSS_FILES[base])}</style>"
    if _ICON_ONLY.search(url):
        return ""
    raise _unsupported(url)


def offline_html(fmap: folium.Map) -> str:
    """The HTML page of a folium map with its CDN links replaced by the pinned, vendored files.

    Leaflet, jQuery, Leaflet.awesome-markers and Leaflet.markercluster are inlined (with their images
    as ``data:`` URIs); links that only style icon glyphs (Bootstrap, Font Awesome, glyphicons) are
    dropped. Tiles are the one thing still fetched, and only if the map has a tile layer.

    Parameters
    ----------
    fmap : folium.Map
        Any folium map (from :func:`to_folium` or not).

    Returns
    -------
    str
        The page, opening from disk with no request to any host.

    Raises
    ------
    PublishError
        If the map links a script or stylesheet deerhabitat does not vendor (a folium plugin beyond
        MarkerCluster/FastMarkerCluster).
    """
    if isinstance(fmap.get_root(), Figure):
        page = fmap.get_root().render()
    else:
        figure = Figure()
        figure.add_child(fmap)
        try:
            page = figure.render()
        finally:
            fmap._parent = None  # type: ignore[assignment]  # as folium.Map._repr_html_ leaves it
    page = _SCRIPT_LINK.sub(_inline_script, page)
    page = _CSS_LINK.sub(_inline_css, page)
    if "<script src=" in page or re.search(r"<link[^>]+href=\"https?:", page):
        raise _unsupported(re.findall(r'(?:src|href)="([^"]+)"', page)[0])
    return page


__all__ = [
    "CANVAS_THRESHOLD",
    "FoliumMap",
    "Legend",
    "layer_features",
    "legend_entry",
    "offline_html",
    "popup_html",
    "to_folium",
]
