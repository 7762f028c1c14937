"""Presenting: offline interactive maps, static maps, QGIS styles and the Overview Report page.

Never reads or writes files (the workflows do) and never imports :mod:`deerhabitat.io` or
:mod:`deerhabitat.analysis`. The steps: :func:`prepare_data` applies the publishing profile, in
this one place (:mod:`deerhabitat.publish.publication`), and returns the :class:`PublishData` every
output is built from; :func:`build_maps` builds every map the data allows,
:func:`render_map_html` / :func:`render_static_map` draw one;
:func:`deerhabitat.publish.document.build_document` lays out the Overview Report and
:func:`render_report` draws its page. :func:`to_folium` draws a map as a ``folium.Map`` and
:func:`offline_html` writes any folium map with its scripts inlined (both imported on first use, so that
folium is loaded only by those who use it).
"""

from typing import Any

from deerhabitat.publish.assets import Basemap
from deerhabitat.publish.data import Corridors, PublishData
from deerhabitat.publish.generalise import Profile, generalise_layers, snap_to_cell_centres
from deerhabitat.publish.layers import MapLayer, RasterLayer, WebMap, encode_map
from deerhabitat.publish.maps import (
    build_coverage_map,
    build_habitat_map,
    build_maps,
    build_overview_map,
    build_population_map,
    build_reintroductions_map,
    build_state_map,
)
from deerhabitat.publish.page import render_map_html
from deerhabitat.publish.publication import ExactResults, prepare_data
from deerhabitat.publish.qgis import QgisStyle, build_store_styles, render_qml, render_sld
from deerhabitat.publish.rasters import build_raster_layer
from deerhabitat.publish.report_page import MapFigure, Report, build_report, embed_snippet, render_report
from deerhabitat.publish.report_tables import coverage_table, totals_table
from deerhabitat.publish.static import render_static_map, render_static_maps
from deerhabitat.publish.styles import DEFAULT_STYLES, Field, LayerStyle, Symbol
from deerhabitat.publish.table import Table

_FOLIUM_NAMES = ("FoliumMap", "offline_html", "to_folium")


def __getattr__(name: str) -> Any:
    if name in _FOLIUM_NAMES:
        from deerhabitat.publish import folium as folium_maps

        return getattr(folium_maps, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DEFAULT_STYLES",
    "Basemap",
    "Corridors",
    "ExactResults",
    "Field",
    "FoliumMap",
    "LayerStyle",
    "MapFigure",
    "MapLayer",
    "Profile",
    "PublishData",
    "QgisStyle",
    "RasterLayer",
    "Report",
    "Symbol",
    "Table",
    "WebMap",
    "build_coverage_map",
    "build_habitat_map",
    "build_maps",
    "build_overview_map",
    "build_population_map",
    "build_raster_layer",
    "build_reintroductions_map",
    "build_report",
    "build_state_map",
    "build_store_styles",
    "coverage_table",
    "embed_snippet",
    "encode_map",
    "generalise_layers",
    "offline_html",
    "prepare_data",
    "render_map_html",
    "render_qml",
    "render_report",
    "render_sld",
    "render_static_map",
    "render_static_maps",
    "snap_to_cell_centres",
    "to_folium",
    "totals_table",
]
