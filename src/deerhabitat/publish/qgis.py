"""QGIS layer styles (QML, with an SLD twin) generated from the web maps' :class:`LayerStyle` objects.

A GIS specialist who opens the store in QGIS sees the web map's symbology: the workflow writes these
styles into the GeoPackage's ``layer_styles`` table (:meth:`deerhabitat.io.store.StoreWriter.write_styles`),
which QGIS reads as each layer's default style. Sizes keep their on-screen size: a CSS pixel is 0.2646 mm.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
from matplotlib.colors import to_rgba

from deerhabitat.publish.styles import DEFAULT_STYLES, LayerStyle, Symbol, range_style
from deerhabitat.schema import LayerKind

MM_PER_PX = 25.4 / 96
QGIS_VERSION = "3.34.0-Prizren"
STYLE_NAME = "deerhabitat"


@dataclass(frozen=True)
class QgisStyle:
    """One layer's style for QGIS: the table it styles, QML and SLD text, and a description."""

    table: str
    name: str
    qml: str
    sld: str
    description: str


def _rgba(colour: str | None, alpha: float = 1.0) -> str:
    if colour is None:
        return "0,0,0,0"
    r, g, b, a = to_rgba(colour, alpha)
    return ",".join(str(round(v * 255)) for v in (r, g, b, a))


def _mm(px: float) -> str:
    return f"{px * MM_PER_PX:.3g}"


def _options(parent: ET.Element, values: Mapping[str, str]) -> None:
    option_map = ET.SubElement(parent, "Option", {"type": "Map"})
    for key, value in values.items():
        ET.SubElement(option_map, "Option", {"name": key, "type": "QString", "value": value})


def _symbol_element(symbol: Symbol, geometry: str, name: str) -> ET.Element:
    kind = {"polygon": "fill", "line": "line", "point": "marker"}[geometry]
    element = ET.Element(
        "symbol", {"type": kind, "name": name, "alpha": "1", "clip_to_extent": "1", "force_rhr": "0"}
    )
    layer_class = {"fill": "SimpleFill", "line": "SimpleLine", "marker": "SimpleMarker"}[kind]
    layer = ET.SubElement(
        element, "layer", {"class": layer_class, "enabled": "1", "locked": "0", "pass": "0"}
    )
    stroke_style = "dash" if symbol.dash else "solid"
    if kind == "fill":
        values = {
            "color": _rgba(symbol.fill, symbol.fill_opacity),
            "style": "solid" if symbol.fill else "no",
            "outline_color": _rgba(symbol.stroke),
            "outline_style": stroke_style,
            "outline_width": _mm(symbol.stroke_width_px),
            "outline_width_unit": "MM",
        }
    elif kind == "line":
        values = {
            "line_color": _rgba(symbol.stroke),
            "line_style": stroke_style,
            "line_width": _mm(symbol.stroke_width_px),
            "line_width_unit": "MM",
            "capstyle": "round",
        }
    else:
        values = {
            "name": "circle",
            "color": _rgba(symbol.fill or symbol.stroke, symbol.fill_opacity),
            "outline_color": _rgba(symbol.stroke),
            "outline_style": "solid",
            "outline_width": _mm(symbol.stroke_width_px),
            "outline_width_unit": "MM",
            "size": _mm(2 * symbol.radius_px),
            "size_unit": "MM",
        }
    _options(layer, values)
    return element


def render_qml(style: LayerStyle) -> str:
    """The QGIS style file (QML) of a layer style: single symbol, or categorized by ``style.field``.

    Examples
    --------
    >>> qml = render_qml(DEFAULT_STYLES[LayerKind.SITES])
    >>> 'type="categorizedSymbol"' in qml and 'attr="status"' in qml
    True
    """
    root = ET.Element("qgis", {"version": QGIS_VERSION, "styleCategories": "Symbology"})
    if style.categories:
        if style.field is None:
            raise ValueError("a style with categories needs the field they are values of")
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {
                "type": "categorizedSymbol",
                "attr": style.field,
                "symbollevels": "0",
                "enableorderby": "0",
                "forceraster": "0",
            },
        )
        categories = ET.SubElement(renderer, "categories")
        for i, (value, symbol) in enumerate(style.categories):
            ET.SubElement(
                categories,
                "category",
                {"value": value, "label": symbol.label, "symbol": str(i), "render": "true", "type": "string"},
            )
        symbols = ET.SubElement(renderer, "symbols")
        for i, (_, symbol) in enumerate(style.categories):
            symbols.append(_symbol_element(symbol, style.geometry, str(i)))
        source = ET.SubElement(renderer, "source-symbol")
        source.append(_symbol_element(style.symbol, style.geometry, "0"))
    else:
        renderer = ET.SubElement(
            root,
            "renderer-v2",
            {"type": "singleSymbol", "symbollevels": "0", "enableorderby": "0", "forceraster": "0"},
        )
        symbols = ET.SubElement(renderer, "symbols")
        symbols.append(_symbol_element(style.symbol, style.geometry, "0"))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = "1"
    ET.indent(root)
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(
        root, encoding="unicode"
    )


_SLD_NS = {
    "xmlns": "http://www.opengis.net/sld",
    "xmlns:ogc": "http://www.opengis.net/ogc",
    "xmlns:se": "http://www.opengis.net/se",
    "version": "1.1.0",
}


def _sld_css(parent: ET.Element, tag: str, values: Mapping[str, str]) -> None:
    element = ET.SubElement(parent, tag)
    for key, value in values.items():
        ET.SubElement(element, "se:SvgParameter", {"name": key}).text = value


def _sld_symbolizer(rule: ET.Element, symbol: Symbol, geometry: str) -> None:
    stroke = {"stroke": symbol.stroke, "stroke-width": f"{symbol.stroke_width_px:g}"}
    if symbol.dash:
        stroke["stroke-dasharray"] = " ".join(f"{d:g}" for d in symbol.dash)
    fill = {"fill": symbol.fill or symbol.stroke, "fill-opacity": f"{symbol.fill_opacity:g}"}
    if geometry == "line":
        _sld_css(ET.SubElement(rule, "se:LineSymbolizer"), "se:Stroke", stroke)
    elif geometry == "polygon":
        symbolizer = ET.SubElement(rule, "se:PolygonSymbolizer")
        if symbol.fill:
            _sld_css(symbolizer, "se:Fill", fill)
        _sld_css(symbolizer, "se:Stroke", stroke)
    else:
        graphic = ET.SubElement(ET.SubElement(rule, "se:PointSymbolizer"), "se:Graphic")
        mark = ET.SubElement(graphic, "se:Mark")
        ET.SubElement(mark, "se:WellKnownName").text = "circle"
        _sld_css(mark, "se:Fill", fill)
        _sld_css(mark, "se:Stroke", stroke)
        ET.SubElement(graphic, "se:Size").text = f"{2 * symbol.radius_px:g}"


def render_sld(style: LayerStyle, layer_name: str) -> str:
    """The same style as OGC SLD 1.1 (one rule per category), for tools that read SLD."""
    root = ET.Element("StyledLayerDescriptor", _SLD_NS)
    layer = ET.SubElement(root, "NamedLayer")
    ET.SubElement(layer, "se:Name").text = layer_name
    feature_style = ET.SubElement(ET.SubElement(layer, "UserStyle"), "se:FeatureTypeStyle")
    items = style.categories or (("", style.symbol),)
    for value, symbol in items:
        rule = ET.SubElement(feature_style, "se:Rule")
        ET.SubElement(rule, "se:Name").text = symbol.label
        if style.categories:
            equal = ET.SubElement(ET.SubElement(rule, "ogc:Filter"), "ogc:PropertyIsEqualTo")
            ET.SubElement(equal, "ogc:PropertyName").text = style.field
            ET.SubElement(equal, "ogc:Literal").text = value
        _sld_symbolizer(rule, symbol, style.geometry)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=False)


def build_store_styles(layers: Mapping[LayerKind, gpd.GeoDataFrame]) -> list[QgisStyle]:
    """The QGIS style of each layer of a store, from the same styles as the web maps.

    Parameters
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers (the ranges' periods choose their colours).

    Returns
    -------
    list of QgisStyle
        One per layer present, in schema order.
    """
    styles = []
    for kind, frame in layers.items():
        style = range_style(frame["period"].astype(str)) if kind is LayerKind.RANGES else DEFAULT_STYLES[kind]
        styles.append(
            QgisStyle(
                kind.table,
                STYLE_NAME,
                render_qml(style),
                render_sld(style, kind.table),
                f"deerhabitat web-map style of the {kind.value} layer",
            )
        )
    return styles
