"""folium maps saved with save_offline, in headless Chromium with the network blocked.

They draw, run no hostile text, show the same popups as the page, and keep working when the user adds
folium layers.
"""

from __future__ import annotations

from pathlib import Path

import folium
import pytest
from folium.plugins import MarkerCluster
from publish_builders import PAYLOADS, hostile, make_store

from deerhabitat.publish import build_maps, to_folium
from deerhabitat.workflows import save_offline
from deerhabitat.workflows.maps import prepare_publication

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def web_maps(tmp_path_factory):
    path = tmp_path_factory.mktemp("folium-browser") / "world.gpkg"
    make_store(path)
    return {m.name: m for m in build_maps(prepare_publication(path, "public").data)}


OPEN_EVERYTHING = """([mapName, layerNames]) => {
    // folium binds one popup and one tooltip to each GeoJson group: a click or hover on a feature opens them.
    const map = window[mapName], out = [];
    for (const name of layerNames) {
        const group = window[name];
        if (!map.hasLayer(group)) { group.addTo(map); }
        if (!group.getPopup || !group.getPopup()) { continue; }
        group.eachLayer(layer => {
            const at = layer.getLatLng ? layer.getLatLng() : layer.getBounds().getCenter();
            map.closePopup();
            layer.fire("click", {latlng: at}, true);
            out.push(group.getPopup().getElement().textContent);
            layer.fire("mouseover", {latlng: at}, true);
            out.push(group.getTooltip().getElement().textContent);
            layer.fire("mouseout", {latlng: at}, true);
        });
    }
    return out;
}"""


@pytest.mark.parametrize("name", ["overview", "population", "reintroductions", "protected-coverage"])
def test_saved_folium_map_opens_offline_and_shows_hostile_text_literally(web_maps, tmp_path, open_page, name):
    fmap = to_folium(web_maps[name])
    path = save_offline(fmap, tmp_path / f"{name}-folium.html")
    page, log = open_page(path)
    assert page.locator(".leaflet-container").count() == 1
    assert page.locator("path.leaflet-interactive").count() > 0
    assert page.locator(".leaflet-control-layers").count() == 1
    assert page.locator(".dh-folium-legend").count() == 1
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / f"folium-{name}.png"))
    layer_names = [flayer.get_name() for flayer in fmap.deerhabitat_layers.values()]
    texts = page.evaluate(OPEN_EVERYTHING, [fmap.get_name(), layer_names])
    assert texts, "every map has popups"
    assert page.evaluate("window.__pwned") is None
    assert (
        page.locator(
            ".leaflet-popup-pane img, .leaflet-popup-pane svg, .leaflet-popup-pane script, "
            ".leaflet-tooltip-pane img, .leaflet-control-layers img, .dh-folium-legend img"
        ).count()
        == 0
    )
    joined = "\n".join(texts)
    if name != "protected-coverage":
        for payload in PAYLOADS:
            assert payload in joined
    log.assert_clean()


def test_popup_of_a_site_lists_its_fields_as_text(web_maps, tmp_path, open_page):
    fmap = to_folium(web_maps["overview"])
    page, log = open_page(save_offline(fmap, tmp_path / "overview.html"))
    sites = fmap.deerhabitat_layers["sites"].get_name()
    rows = page.evaluate(
        """([name, title]) => {
            const group = window[name];
            let found = null;
            group.eachLayer(layer => {
                layer.fire("click", {latlng: layer.getLatLng()}, true);
                const box = group.getPopup().getElement();
                if (box.querySelector(".dh-popup-title").textContent === title) {
                    found = [...box.querySelectorAll(".dh-popup tr")]
                        .map(r => [r.cells[0].textContent, r.cells[1].textContent]);
                }
            });
            return found;
        }""",
        [sites, hostile("Site")],
    )
    rows = dict(rows)
    assert rows["Latest count"] == "150 in 2005-04, census"
    assert rows["Position"].startswith("generalised: centre of a 10 km equal-area grid cell")
    log.assert_clean()


def test_a_map_the_user_extends_with_folium_layers_still_opens_offline(web_maps, tmp_path, open_page):
    fmap = to_folium(web_maps["overview"])
    MarkerCluster([[39.0 + i / 50, 64.0 + i / 40] for i in range(40)], name="My survey points").add_to(fmap)
    folium.Marker([40.2, 66.5], popup="My camp", icon=folium.Icon(color="red", icon="info-sign")).add_to(fmap)
    folium.Marker([40.5, 67.5], tooltip="A default marker").add_to(fmap)
    page, log = open_page(save_offline(fmap, tmp_path / "extended.html"))
    assert page.locator(".marker-cluster").count() >= 1
    assert page.locator("div.awesome-marker-icon-red").count() == 1
    image = page.locator("img.leaflet-marker-icon:not(.awesome-marker)")
    assert image.count() == 1 and image.evaluate("i => i.complete && i.naturalWidth") == 25
    page.wait_for_timeout(300)
    page.screenshot(path=str(SCREENSHOTS / "folium-extended.png"))
    log.assert_clean()
