"""Open a deerhabitat store in QGIS (PyQGIS, headless) and report what QGIS sees; render every layer to a PNG.

Run by tests/qgis/test_qgis_client.py with Debian's ``/usr/bin/python3`` (which has ``python3-qgis``), never
with the project's venv, and with ``QT_QPA_PLATFORM=offscreen``. It imports nothing from deerhabitat.

Usage: ``/usr/bin/python3 qgis_client.py STORE.gpkg OUT.png`` → a JSON object on stdout:
``{"qgis": version, "layers": {table: {...}}}``, where each layer has ``valid``, ``features``, ``geometry``,
``renderer`` (QGIS's renderer type), ``symbols`` (label → fill and stroke colours as ``#rrggbb``),
``same_as_stored`` (the default style QGIS applied on load renders exactly like the stored QML applied by
hand), ``stored_style`` (name of the default style in ``layer_styles``) and ``load_message``.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMapRendererSequentialJob,
    QgsMapSettings,
    QgsProviderRegistry,
    QgsReadWriteContext,
    QgsRectangle,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QSize
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtXml import QDomDocument


def _symbols(layer: QgsVectorLayer) -> dict[str, dict[str, str]]:
    out = {}
    renderer = layer.renderer()
    items = renderer.legendSymbolItems()
    for item in items:
        symbol = item.symbol()
        if symbol is None:
            continue
        first = symbol.symbolLayer(0)
        props = first.properties() if first is not None else {}
        fill = props.get("color") or props.get("line_color")
        stroke = props.get("outline_color") or props.get("line_color")

        def hex_of(value: str | None) -> str | None:
            if not value:
                return None
            rgba = [int(float(v)) for v in value.split(",")[:4]]
            return QColor(*rgba[:3]).name() if len(rgba) < 4 or rgba[3] > 0 else None

        out[item.label() or layer.name()] = {"fill": hex_of(fill), "stroke": hex_of(stroke)}
    return out


def _renderer_xml(layer: QgsVectorLayer) -> str:
    doc = QDomDocument()
    element = layer.renderer().save(doc, QgsReadWriteContext())
    doc.appendChild(element)
    return doc.toString()


def main(store: str, png: str) -> None:
    app = QgsApplication([], False)
    app.initQgis()
    stored = {}
    with sqlite3.connect(store) as con:
        for table, name, qml in con.execute(
            "SELECT f_table_name, styleName, styleQML FROM layer_styles WHERE useAsDefault ORDER BY id"
        ):
            stored[table] = (name, qml)
        tables = [
            row[0] for row in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type = 'features'")
        ]
    result: dict = {"qgis": Qgis.QGIS_VERSION}
    layers = {}
    loaded = []
    for table in sorted(tables):
        uri = f"{store}|layername={table}"
        layer = QgsVectorLayer(uri, table, "ogr")  # loads the default style from layer_styles
        info: dict = {"valid": layer.isValid()}
        if layer.isValid():
            info["features"] = layer.featureCount()
            info["geometry"] = QgsWkbTypes.geometryDisplayString(layer.geometryType())
            info["renderer"] = layer.renderer().type()
            info["symbols"] = _symbols(layer)
            if table in stored:
                info["stored_style"] = stored[table][0]
                options = QgsVectorLayer.LayerOptions(True, False)
                options.loadDefaultStyle = False
                bare = QgsVectorLayer(uri, table, "ogr", options)
                doc = QDomDocument()
                doc.setContent(stored[table][1])
                ok, message = bare.importNamedStyle(doc)
                info["load_message"] = message
                info["same_as_stored"] = bool(ok) and _renderer_xml(bare) == _renderer_xml(layer)
            loaded.append(layer)
        layers[table] = info
    result["layers"] = layers
    result["providers"] = "ogr" in QgsProviderRegistry.instance().providerList()

    settings = QgsMapSettings()
    settings.setLayers(list(reversed(loaded)))  # first in the list is drawn on top
    extent = QgsRectangle()
    for layer in loaded:
        if layer.featureCount():
            extent.combineExtentWith(layer.extent())
    extent.scale(1.05)
    settings.setExtent(extent)
    settings.setOutputSize(QSize(1200, 800))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    job.renderedImage().save(png, "png")
    result["errors"] = [f"{e.layerID}: {e.message}" for e in job.errors()]
    print(json.dumps(result), flush=True)
    # QGIS 3.22's exitQgis() crashes (SIGSEGV) on the offscreen platform; the work is done, so leave at once.
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
