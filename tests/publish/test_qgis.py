"""QGIS layer styles from the web styles, and their place in the store's layer_styles table."""

from __future__ import annotations

import contextlib
import sqlite3
import xml.etree.ElementTree as ET

import pytest

from deerhabitat.errors import StoreError
from deerhabitat.io.store import STYLES_TABLE, StyleRow
from deerhabitat.publish import build_store_styles, render_qml, render_sld
from deerhabitat.publish.styles import DEFAULT_STYLES, SITE_STYLE, range_style
from deerhabitat.schema import LayerKind

QGIS_COLUMNS = [
    "id",
    "f_table_catalog",
    "f_table_schema",
    "f_table_name",
    "f_geometry_column",
    "styleName",
    "styleQML",
    "styleSLD",
    "useAsDefault",
    "description",
    "owner",
    "ui",
    "update_time",
]


def _options(symbol: ET.Element) -> dict[str, str]:
    return {o.get("name"): o.get("value") for o in symbol.iter("Option") if o.get("name")}


def test_categorized_qml_has_one_symbol_per_status_with_the_web_colours():
    root = ET.fromstring(render_qml(SITE_STYLE).split("\n", 1)[1])
    renderer = root.find("renderer-v2")
    assert renderer.get("type") == "categorizedSymbol" and renderer.get("attr") == "status"
    categories = [(c.get("value"), c.get("label")) for c in renderer.iter("category")]
    assert categories[0] == ("native", "Native population") and len(categories) == 4
    native = _options(renderer.find("symbols").find("symbol[@name='0']"))
    assert native["color"] == "0,158,115,230" and native["name"] == "circle"
    assert native["size"] == f"{12 * 25.4 / 96:.3g}" and native["size_unit"] == "MM"


def test_single_symbol_fill_with_dashed_outline():
    root = ET.fromstring(render_qml(DEFAULT_STYLES[LayerKind.PROTECTED_AREAS]).split("\n", 1)[1])
    options = _options(root.find("renderer-v2/symbols/symbol"))
    assert root.find("renderer-v2").get("type") == "singleSymbol"
    assert options["outline_style"] == "dash" and options["color"] == "165,214,167,89"


def test_category_values_from_data_are_escaped_xml():
    qml = render_qml(range_style(['2002 <b>"&', "historical"]))
    root = ET.fromstring(qml.split("\n", 1)[1])
    assert [c.get("value") for c in root.iter("category")] == ["historical", '2002 <b>"&']


def test_sld_has_a_rule_per_category():
    root = ET.fromstring(render_sld(SITE_STYLE, "sites"))
    rules = root.findall(".//{http://www.opengis.net/se}Rule")
    assert len(rules) == 4
    assert rules[0].find(".//{http://www.opengis.net/ogc}Literal").text == "native"


def test_store_styles_cover_every_layer(layers):
    styles = build_store_styles(layers)
    assert [s.table for s in styles] == [k.table for k in layers]


def test_styles_are_written_as_qgis_default_styles_and_rewritten_only_when_changed(store, layers):
    rows = [StyleRow(s.table, s.name, s.qml, s.sld, s.description) for s in build_store_styles(layers)]
    with store.transaction() as tx:
        assert tx.write_styles(rows) == len(rows)
    with contextlib.closing(sqlite3.connect(store.path)) as con:
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({STYLES_TABLE})")]
        geometry = dict(con.execute(f"SELECT f_table_name, f_geometry_column FROM {STYLES_TABLE}").fetchall())
        contents = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = ?", (STYLES_TABLE,)
        ).fetchall()
    assert columns == QGIS_COLUMNS and contents == [("attributes",)]
    assert geometry["sites"] == "geom"
    stored = store.styles()
    assert stored["sites"]["qml"] == rows[[r.table for r in rows].index("sites")].qml
    with store.transaction() as tx:
        assert tx.write_styles(rows) == 0
    assert store.read(LayerKind.SITES).shape[0] == 5


def test_a_style_for_a_table_that_is_not_in_the_store_is_refused(store):
    with pytest.raises(
        StoreError,
        match=r"cannot store a QGIS style for table 'nowhere': it is not a feature table "
        r"of the store \(feature tables: population_counts, ",
    ):
        with store.transaction() as tx:
            tx.write_styles([StyleRow("nowhere", "x", "<qgis/>", "")])


def test_no_styles_table_reads_as_empty(store):
    assert store.styles() == {}
