"""Every published page in headless Chromium, network blocked: renders, controls work, hostile text inert."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyproj
import pytest
import shapely
from publish_builders import PAYLOADS, hostile, make_store

from deerhabitat.publish import Field, MapLayer, WebMap, build_raster_layer, render_map_html
from deerhabitat.publish.styles import SITE_STYLE
from deerhabitat.workflows import report

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("browser")
    make_store(root / "world.gpkg")
    report(store=root / "world.gpkg", out=root / "maps", dpi=50)
    return root / "maps"


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(350)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


PAGES = ["index", "overview", "state-tjk", "state-uzb", "population", "reintroductions", "protected-coverage"]


@pytest.mark.parametrize("name", PAGES)
def test_page_renders_offline_without_console_errors(published, open_page, name):
    page, log = open_page(published / f"{name}.html")
    assert page.locator(".leaflet-container").count() >= 1
    assert page.locator("path.leaflet-interactive").count() > 0
    for control in (
        ".dh-layers",
        ".dh-search input",
        ".leaflet-control-zoom-fullscreen",
        ".leaflet-control-scale",
        ".leaflet-control-minimap",
        "a[title='Zoom to data']",
        "a[title='Measure a distance']",
    ):
        assert page.locator(control).count() >= 1, control
    scale = page.locator(".leaflet-control-scale-line").first.inner_text()
    assert re.fullmatch(r"\d[\d,]* (km|m)", scale), scale
    if name == "index":
        page.locator("#states").scroll_into_view_if_needed()  # the report places every map in its section
        page.wait_for_timeout(300)
    _shot(page, name)
    log.assert_clean()


def _open_everything(page) -> list[str]:
    """Open every popup and tooltip through Leaflet, then hover and click every interactive shape."""
    texts = page.evaluate("""() => {
        const out = [];
        for (const api of Object.values(window.deerhabitat.maps)) {
            for (const [id, entry] of Object.entries(api.layers)) {
                if (!entry.spec.n || entry.spec.interactive === false) continue;
                for (let i = 0; i < entry.spec.n; i++) {
                    const popup = api.openPopup(id, i);
                    out.push(popup.getElement().textContent);
                    if (entry.features) {
                        entry.features[i].openTooltip();
                        out.push(entry.features[i].getTooltip().getElement().textContent);
                        entry.features[i].closeTooltip();
                    }
                }
                api.setVisible(id, true);
            }
        }
        return out;
    }""")
    for shape in page.locator("path.leaflet-interactive").all():
        shape.dispatch_event("mouseover")
        shape.dispatch_event("click")
    return texts


@pytest.mark.parametrize(
    "name", ["overview", "population", "reintroductions", "state-uzb", "protected-coverage"]
)
def test_every_popup_and_tooltip_shows_hostile_text_literally_and_runs_nothing(published, open_page, name):
    page, log = open_page(published / f"{name}.html")
    texts = _open_everything(page)
    assert page.evaluate("window.__pwned") is None
    assert (
        page.locator(
            ".leaflet-popup-pane img, .leaflet-popup-pane svg, .leaflet-tooltip-pane img, "
            ".leaflet-popup-pane script"
        ).count()
        == 0
    )
    joined = "\n".join(texts)
    for payload in PAYLOADS:
        assert payload in joined
    log.assert_clean()


def test_site_popup_lists_its_fields_as_text(published, open_page):
    page, log = open_page(published / "overview.html")
    index = page.evaluate(
        f"""() => window.deerhabitat.maps.overview.layers.sites.spec.cols[0]
                                     .indexOf({hostile("Site")!r})"""
    )
    page.evaluate(f"window.deerhabitat.maps.overview.openPopup('sites', {index})")
    popup = page.locator(".leaflet-popup-content")
    assert popup.locator(".dh-popup-title").text_content() == hostile("Site")
    rows = dict(
        zip(popup.locator("th").all_text_contents(), popup.locator("td").all_text_contents(), strict=True)
    )
    assert rows["Latest count"] == "150 in 2005-04, census"
    assert rows["Position"].startswith("generalised: centre of a 10 km equal-area grid cell")
    assert rows["Source"] == "s" and rows["Country"] == hostile("Uzbekistan") + " (UZB)"
    _shot(page, "overview-popup")
    log.assert_clean()


def test_layer_toggle_hides_the_layer_and_its_legend(published, open_page):
    page, log = open_page(published / "overview.html")
    row = page.locator(".dh-layer", has_text="Protected areas")
    legend = row.locator(".dh-legend")
    shapes = page.locator("path.leaflet-interactive").count()
    assert legend.is_visible()
    row.locator("input[type=checkbox]").uncheck()
    assert page.locator("path.leaflet-interactive").count() == shapes - 2
    assert legend.is_hidden()
    row.locator("input[type=checkbox]").check()
    assert page.locator("path.leaflet-interactive").count() == shapes and legend.is_visible()
    hidden = page.locator(".dh-layer", has_text="Releases (source")
    assert hidden.locator(".dh-legend").is_hidden()
    hidden.locator("input[type=checkbox]").check()
    assert hidden.locator(".dh-legend").is_visible()
    log.assert_clean()


def test_year_slider_changes_what_is_shown(published, open_page):
    page, log = open_page(published / "population.html")
    api = "window.deerhabitat.maps.population"
    assert page.evaluate(f"{api}.year()") == "2008"
    assert page.locator(".dh-slider-year").text_content() == "2008"
    shown = {}
    for index, year in enumerate(["2002", "2005", "2008"]):
        page.locator(".dh-slider input[type=range]").fill(str(index))
        assert page.evaluate(f"{api}.year()") == year
        assert page.locator(".dh-slider-year").text_content() == year
        shown[year] = (
            page.evaluate(f"{api}.shownCount('counts')"),
            page.locator("path.leaflet-interactive[stroke-dasharray='3 3']").count(),
        )
        _shot(page, f"population-{year}")
    assert shown == {"2002": (2, 0), "2005": (4, 1), "2008": (3, 2)}
    log.assert_clean()


def test_search_lists_names_as_text_and_opens_the_feature(published, open_page):
    page, log = open_page(published / "overview.html")
    page.locator(".dh-search input").fill("бухарский")
    results = page.locator(".dh-search-results button")
    assert results.count() == 2
    assert hostile("Site") in results.all_text_contents()[1]
    results.nth(1).click()
    assert page.locator(".leaflet-popup-content .dh-popup-title").text_content() == hostile("Site")
    page.locator(".dh-search input").fill("no such place")
    assert page.locator(".dh-search-none").text_content() == "No match"
    assert page.evaluate("window.__pwned") is None
    log.assert_clean()


def test_measured_distance_is_geodesic(published, open_page):
    page, log = open_page(published / "overview.html")
    metres = page.evaluate("""() => { const m = window.deerhabitat.maps.overview;
        m.measure().start(); m.measure().add(37.2, 56.0); m.measure().add(45.5, 73.0);
        m.measure().add(41.0, 69.3);
        return m.measuredMetres(); }""")
    geod = pyproj.Geod(ellps="WGS84")
    expected = geod.inv(56.0, 37.2, 73.0, 45.5)[2] + geod.inv(73.0, 45.5, 69.3, 41.0)[2]
    assert metres == pytest.approx(expected, abs=0.01)
    assert page.locator(".dh-measure-out").text_content().startswith("Distance: ")
    assert page.locator(".dh-measure-out").text_content().endswith(" km (geodesic, WGS 84)")
    log.assert_clean()


def test_a_large_point_layer_is_drawn_on_canvas_with_working_popups(tmp_path, open_page):
    rng = np.random.default_rng(7)
    n = 5000
    lon, lat = rng.uniform(60, 70, n), rng.uniform(37, 43, n)
    names = [f"Point {i} <b>{i}</b>" for i in range(n)]
    frame = gpd.GeoDataFrame(
        {"name": names, "status": ["native"] * n}, geometry=shapely.points(lon, lat), crs=4326
    )
    layer = MapLayer(
        "points", "Points", "Populations", frame, SITE_STYLE, (Field("name", "Name"),), searchable=True
    )
    path = tmp_path / "big.html"
    path.write_text(render_map_html(WebMap("big", "Big", "5000 points", (layer,))), encoding="utf-8")
    page, log = open_page(path)
    assert page.locator("canvas.dh-canvas").count() == 1
    assert page.evaluate("window.deerhabitat.maps.big.shownCount('points')") == n
    point = page.evaluate(f"""() => {{ const m = window.deerhabitat.maps.big.map;
        m.setView([{lat[42]}, {lon[42]}], 14);
        const p = m.latLngToContainerPoint([{lat[42]}, {lon[42]}]); return [p.x, p.y]; }}""")
    box = page.locator("#dh-map-big").bounding_box()
    page.mouse.click(box["x"] + point[0], box["y"] + point[1])
    assert page.locator(".leaflet-popup-content .dh-popup-title").text_content() == names[42]
    _shot(page, "canvas-points")
    log.assert_clean()


def test_raster_layer_opacity_control(tmp_path, open_page):
    values = np.linspace(0, 1, 40 * 60).reshape(40, 60)
    raster = build_raster_layer(
        values,
        (38.0, 62.0, 41.0, 66.0),
        layer_id="suitability",
        title="Habitat suitability",
        kind="suitability",
    )
    path = tmp_path / "raster.html"
    path.write_text(render_map_html(WebMap("habitat", "Habitat", "", (raster,))), encoding="utf-8")
    page, log = open_page(path)
    image = page.locator("img.dh-raster")
    assert image.count() == 1 and image.evaluate("i => i.naturalWidth") == 60
    assert float(image.evaluate("i => i.style.opacity")) == pytest.approx(0.7)
    page.locator(".dh-opacity input").fill("25")
    assert float(image.evaluate("i => i.style.opacity")) == pytest.approx(0.25)
    assert page.locator(".dh-ramp").count() == 1
    log.assert_clean()
