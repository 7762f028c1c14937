"""Maps fit for print, on the bundled report in headless Chromium (network blocked).

Popups of every layer of every map are opened (all of them, or the first, middle and last of a larger
layer): no console error, the legend never overlaps it (bounding boxes), no popup value is squeezed to
one letter a line. Labels of countries, rivers and protected areas are shown and do not overlap; habitat
rasters sit above the range-state fill; other countries are grey land. Screenshots with a popup open go
to build/screenshots/print-*.png.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from deerhabitat.config import bundled_store_path
from deerhabitat.workflows import report

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

OPEN_AND_MEASURE = """async ([layer, index]) => {
  const api = Object.values(window.deerhabitat.maps)[0];
  const frame = () => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
  api.openPopup(layer, index);
  await frame();
  for (let i = 0; i < 40 && api.map._panAnim && api.map._panAnim._inProgress; i++) {
    await new Promise((done) => setTimeout(done, 50));
  }
  await frame();
  const box = (node) => {
    if (!node || node.offsetParent === null) { return null; }
    const r = node.getBoundingClientRect();
    return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  };
  const popup = document.querySelector('.leaflet-popup-content-wrapper');
  const legend = document.querySelector('.dh-layers');
  const cells = [...document.querySelectorAll('.leaflet-popup .dh-popup td')].map((td) => ({
    text: td.textContent, width: td.getBoundingClientRect().width,
  }));
  return {popup: box(popup), legend: box(legend), cells: cells,
          title: popup ? popup.querySelector('.dh-popup-title').textContent : null};
}"""

LAYERS = """() => {
  const api = Object.values(window.deerhabitat.maps)[0];
  return Object.values(api.layers)
    .filter((e) => e.spec.kind === 'vector' && e.spec.interactive !== false && e.spec.n > 0)
    .map((e) => ({id: e.spec.id, n: e.spec.n}));
}"""

VISIBLE_LABELS = """() => [...document.querySelectorAll('.dh-label')]
  .filter((n) => n.closest('.leaflet-marker-icon').style.visibility !== 'hidden')
  .map((n) => {
    const r = n.getBoundingClientRect();
    return {text: n.textContent, kind: n.className,
            left: r.left, top: r.top, right: r.right, bottom: r.bottom};
  })"""


def _overlap(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


SAMPLE = 3
"""Popups opened per layer: all of a layer up to this many features, else this many spread over it
(first and last included); the machine running the suite is shared, and each popup pans the map."""


def _indices(n: int) -> list[int]:
    if n <= SAMPLE:
        return list(range(n))
    return sorted({round(k * (n - 1) / (SAMPLE - 1)) for k in range(SAMPLE)})


@pytest.fixture(scope="module")
def bundled_maps(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("print") / "maps"
    report(store=bundled_store_path(), out=out, dpi=50)
    return out


def _map_pages(folder: Path) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.html") if p.stem != "index")


def test_the_bundled_report_has_its_maps(bundled_maps):
    pages = _map_pages(bundled_maps)
    assert {"overview", "habitat", "population", "reintroductions", "protected-coverage"} <= set(pages)
    assert sum(p.startswith("state-") for p in pages) == 5


@pytest.mark.parametrize(
    "name",
    [
        "overview",
        "habitat",
        "population",
        "reintroductions",
        "protected-coverage",
        "state-afg",
        "state-kaz",
        "state-tjk",
        "state-tkm",
        "state-uzb",
    ],
)
def test_every_popup_opens_clear_of_the_legend(bundled_maps, open_page, name):
    page, log = open_page(bundled_maps / f"{name}.html", width=1200, height=800)
    layers = page.evaluate(LAYERS)
    assert layers, "no interactive layer"
    opened = 0
    for layer in layers:
        for index in _indices(layer["n"]):
            got = page.evaluate(OPEN_AND_MEASURE, [layer["id"], index])
            assert got["popup"] is not None, (layer["id"], index)
            opened += 1
            where = (name, layer["id"], index, got["title"])
            if got["legend"] is not None:
                assert not _overlap(got["popup"], got["legend"]), where
            for cell in got["cells"]:
                if len(cell["text"].strip()) > 3:
                    assert cell["width"] >= 60, (where, cell)  # never one character a line
            if index == 0:
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(SCREENSHOTS / f"print-{name}-{layer['id']}.png"))
            page.evaluate("() => Object.values(window.deerhabitat.maps)[0].map.closePopup()")
    assert opened >= len(layers)
    log.assert_clean()


def test_the_legend_collapses_and_reopens_with_its_button(bundled_maps, open_page):
    page, log = open_page(bundled_maps / "overview.html", width=1200, height=800)
    toggle = page.locator(".dh-layers-toggle")
    body = page.locator(".dh-layers-body")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    assert toggle.get_attribute("aria-expanded") == "false"
    assert body.is_hidden()
    toggle.click()
    assert body.is_visible()
    # a popup collapses the open legend, closing it brings the legend back
    page.evaluate("() => window.deerhabitat.maps.overview.openPopup('sites', 0)")
    assert body.is_hidden()
    page.evaluate("() => window.deerhabitat.maps.overview.map.closePopup()")
    assert body.is_visible()
    log.assert_clean()


def test_labels_of_countries_rivers_and_protected_areas_do_not_overlap(bundled_maps, open_page):
    page, log = open_page(bundled_maps / "overview.html", width=1200, height=800)
    labels = page.evaluate(VISIBLE_LABELS)
    kinds = {k for label in labels for k in ("country", "river", "area") if f"dh-label-{k}" in label["kind"]}
    assert kinds == {"country", "river", "area"}, labels
    countries = {label["text"] for label in labels if "dh-label-country" in label["kind"]}
    assert {"Uzbekistan", "Tajikistan", "Turkmenistan"} <= countries
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            assert not _overlap(a, b), (a["text"], b["text"])
    # zooming in shows more labels, still without overlaps
    page.evaluate("() => window.deerhabitat.maps.overview.map.setZoom(7, {animate: false})")
    page.wait_for_timeout(200)
    zoomed = page.evaluate(VISIBLE_LABELS)
    for i, a in enumerate(zoomed):
        for b in zoomed[i + 1 :]:
            assert not _overlap(a, b), (a["text"], b["text"])
    log.assert_clean()


def test_habitat_rasters_sit_above_the_range_state_fill_and_other_land_is_grey(bundled_maps, open_page):
    page, log = open_page(bundled_maps / "habitat.html", width=1200, height=800)
    order = page.evaluate(
        """() => {
          const pane = (name) => document.querySelector('.leaflet-' + name + '-pane');
          const z = (name) => Number(getComputedStyle(pane(name)).zIndex);
          const fills = (name) => [...pane(name).querySelectorAll('path')].map((p) => p.getAttribute('fill'));
          const raster = document.querySelector('img.dh-raster');
          return {context: z('dhContext'), base: z('dhBase'), rasters: z('dhRasters'), overlay: z('overlay'),
                  rasterPane: raster ? raster.parentElement.className : null,
                  baseFills: fills('dhBase'), greyFills: fills('dhContext')};
        }"""
    )
    assert order["context"] < order["base"] < order["rasters"] < order["overlay"], order
    assert "leaflet-dhRasters-pane" in order["rasterPane"]
    assert order["baseFills"] and set(order["baseFills"]) == {"#f3efe6"}
    assert order["greyFills"] and set(order["greyFills"]) == {"#dcdad5"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "print-habitat-layers.png"))
    log.assert_clean()
