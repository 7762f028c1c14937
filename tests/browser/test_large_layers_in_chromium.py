"""Packed large layers in headless Chromium, network blocked.

They decode to the same features, and polygon detail follows the zoom level.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))

from test_packing import _coverage

from deerhabitat.publish import Field, MapLayer, WebMap, render_map_html
from deerhabitat.publish.layers import SIMPLIFY_LEVELS
from deerhabitat.publish.styles import DEFAULT_STYLES, SITE_STYLE
from deerhabitat.schema import LayerKind

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def page_path(tmp_path_factory):
    cells = _coverage(1500)
    areas = gpd.GeoDataFrame(
        {"name": [f"Area {i} <img src=x onerror=window.__pwned=1>" for i in range(len(cells))]},
        geometry=cells,
        crs=4326,
    )
    rng = np.random.default_rng(11)
    n = 4000
    points = gpd.GeoDataFrame(
        {
            "name": [f"Точка {i} 🦌 <b>{i}</b>" for i in range(n)],
            "status": np.array(["native", "captive"])[rng.integers(0, 2, n)],
        },
        geometry=shapely.points(rng.uniform(60, 70, n), rng.uniform(38, 44, n)),
        crs=4326,
    )
    layers = (
        MapLayer(
            "areas",
            "Protected areas",
            "Protection",
            areas,
            DEFAULT_STYLES[LayerKind.PROTECTED_AREAS],
            (Field("name", "Name"),),
            searchable=True,
        ),
        MapLayer(
            "points",
            "Points",
            "Populations",
            points,
            SITE_STYLE,
            (Field("name", "Name"), Field("status", "Status")),
        ),
    )
    path = tmp_path_factory.mktemp("large") / "large.html"
    path.write_text(render_map_html(WebMap("large", "Large", "", layers)), encoding="utf-8")
    return path, areas, points


def test_packed_layers_decode_to_the_same_features(page_path, open_page):
    path, areas, points = page_path
    page, log = open_page(path)
    decoded = page.evaluate("""() => {
        const m = window.deerhabitat.maps.large, p = m.layers.points.spec, a = m.layers.areas.spec;
        const names = [], xy = [];
        for (let i = 0; i < p.n; i++) { names.push(p.cols[0][i]); xy.push([p.xy[2 * i], p.xy[2 * i + 1]]); }
        const status = []; for (let i = 0; i < p.n; i++) { status.push(p.cols[1].d[p.cols[1].c[i]]); }
        return {names, xy, status, areaNames: a.cols[0].slice(), level: a.level, n: a.n};
    }""")
    expected = {
        name: (round(x, 5), round(y, 5), status)
        for name, x, y, status in zip(
            points["name"], points.geometry.x, points.geometry.y, points["status"], strict=True
        )
    }
    got = {
        name: (x, y, status)
        for name, (x, y), status in zip(decoded["names"], decoded["xy"], decoded["status"], strict=True)
    }
    assert got == expected
    assert decoded["areaNames"] == areas["name"].tolist() and decoded["n"] == len(areas)
    assert page.evaluate("window.__pwned") is None
    log.assert_clean()


def test_polygon_detail_follows_the_zoom_and_neighbours_still_meet(page_path, open_page):
    path, areas, _ = page_path
    page, log = open_page(path)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    counts = {}
    for zoom in (4, 7, 10):
        state = page.evaluate(
            """(zoom) => new Promise(done => {
                const m = window.deerhabitat.maps.large, a = m.layers.areas;
                m.map.once("zoomend", () => setTimeout(() => {
                    let vertices = 0;
                    a.features.forEach(f => f.getLatLngs()
                        .forEach(p => p.forEach(r => { vertices += r.length; })));
                    done({level: a.spec.level, vertices});
                }, 50));
                m.map.setView([41.0, 65.0], zoom, {animate: false});
            })""",
            zoom,
        )
        counts[zoom] = state
        page.wait_for_timeout(200)
        page.screenshot(path=str(SCREENSHOTS / f"large-polygons-z{zoom}.png"))
    levels = [z for z, _ in SIMPLIFY_LEVELS]
    assert [counts[z]["level"] for z in (4, 7, 10)] == [0, 1, 2] and levels == [0, 6, 9]
    assert counts[4]["vertices"] < counts[7]["vertices"] < counts[10]["vertices"]
    # Leaflet drops the closing vertex of each ring
    assert counts[10]["vertices"] == int(shapely.get_num_coordinates(areas.geometry.values).sum()) - len(
        areas
    )
    page.evaluate("window.deerhabitat.maps.large.openPopup('areas', 7)")
    assert page.locator(".leaflet-popup-content .dh-popup-title").text_content() == areas["name"][7]
    log.assert_clean()
