"""``deerhabitat map --lang ru`` in headless Chromium, network blocked: Russian controls, legend and popups.

The visible text of the controls and the legend, and the field names and words of an opened popup, must be
Cyrillic; the Latin words allowed are units, codes and names of software. Hostile ``name_ru`` values show
literally in popups, tooltips and labels and run nothing.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from publish_builders import PAYLOADS, hostile, make_layers, make_store
from test_maps_in_chromium import _open_everything

from deerhabitat.schema import LayerKind
from deerhabitat.workflows.maps import map_

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

ALLOWED_LATIN = {"WGS", "EPSG", "Leaflet", "JavaScript", "deerhabitat", "AOH", "ISO", "Web", "Mercator"}
ALLOWED_LATIN |= {"AFG", "KAZ", "TJK", "TKM", "UZB"}  # ISO 3166 codes
"""Latin words a Russian page may show: units, codes and software names."""

PAGES = [
    "overview",
    "state-uzb",
    "population",
    "reintroductions",
    "protected-coverage",
    "habitat",
    "corridors",
]


@pytest.fixture(scope="module")
def ru_maps(tmp_path_factory):
    out = tmp_path_factory.mktemp("ru-maps") / "maps"
    map_(store=None, out=out, dpi=50, lang="ru")
    return out


def latin_words(text: str) -> set[str]:
    """Words of two or more Latin letters not in :data:`ALLOWED_LATIN` (file names aside)."""
    text = re.sub(r"[\w.-]+\.(tif|tiff|gpkg|csv)\b", "", text)
    return {w for w in re.findall(r"[A-Za-z]{2,}", text) if w not in ALLOWED_LATIN}


CONTROL_TEXT = """() => {
    const box = document.querySelector('.leaflet-control-container');
    const attributes = [...box.querySelectorAll('[title], [placeholder], [aria-label]')].map(e =>
        [e.getAttribute('title'), e.getAttribute('placeholder'), e.getAttribute('aria-label')].join(' '));
    return [box.innerText, ...attributes].join('\\n');
}"""


@pytest.mark.parametrize("name", PAGES)
def test_russian_page_controls_and_legend_are_cyrillic(ru_maps, open_page, name):
    page, log = open_page(ru_maps / f"{name}.html")
    assert page.evaluate("document.documentElement.lang") == "ru"
    for layer_id in page.evaluate("Object.keys(Object.values(deerhabitat.maps)[0].layers)"):
        page.evaluate(f"Object.values(deerhabitat.maps)[0].setVisible({layer_id!r}, true)")  # every legend
    text = page.evaluate(CONTROL_TEXT)
    assert "Слои и легенда" in text
    # the page's title is ours; its description may end with the analysis' caveat (the analysis domain)
    assert latin_words(page.locator(".dh-page-head h1").inner_text()) == set()
    assert latin_words(text) == set(), text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS.joinpath(f"ru-{name}.png")))
    log.assert_clean()


def test_russian_popup_field_names_and_words_are_cyrillic(ru_maps, open_page):
    page, log = open_page(ru_maps / "overview.html")
    rows = page.evaluate("""() => {
        const api = deerhabitat.maps.overview;
        api.focus('sites', 0);
        const popup = document.querySelector('.leaflet-popup');
        return {title: popup.querySelector('.dh-popup-title').textContent,
                layer: popup.querySelector('.dh-popup-layer').textContent,
                rows: [...popup.querySelectorAll('tr')].map(
                    r => [r.cells[0].textContent, r.cells[1].textContent])};
    }""")
    assert re.search("[А-Яа-я]", rows["title"]) and rows["layer"] == "Участки (последний учёт)"
    fields = dict(rows["rows"])
    assert all(not latin_words(f) for f in fields), fields
    for field in ("Статус", "Последний учёт", "Положение", "Страна"):
        assert not latin_words(fields[field].replace(fields.get("Идентификатор участка", ""), "")), fields
    assert "км" in fields["Положение"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(800)
    page.screenshot(path=str(SCREENSHOTS / "ru-overview-popup.png"))
    log.assert_clean()


def test_russian_search_measure_and_slider(ru_maps, open_page):
    page, log = open_page(ru_maps / "population.html")
    search = page.locator(".dh-search input")
    assert search.get_attribute("placeholder") == "Поиск участков по названию"
    search.fill("Тигровая")
    assert page.locator(".dh-search-results button").count() >= 1
    search.fill("zzzz")
    assert page.locator(".dh-search-none").inner_text() == "Ничего не найдено"
    assert page.locator(".dh-slider-label").inner_text().startswith("Год")
    page.locator("a[title='Измерить расстояние']").click()
    assert page.locator(".dh-measure-out").inner_text() == "Щёлкайте по карте, чтобы добавить точки."
    page.evaluate("deerhabitat.maps.population.measure().add(38.0, 68.0)")
    page.evaluate("deerhabitat.maps.population.measure().add(38.0, 69.0)")
    measured = page.locator(".dh-measure-out").inner_text()
    assert re.fullmatch(r"Расстояние: [\d\s]+(,\d+)? км \(геодезическое, WGS 84\)", measured), measured
    scale = page.locator(".leaflet-control-scale-line").inner_text()
    assert re.fullmatch(r"\d[\d\s]* (км|м)", scale), scale  # Leaflet's own bar says "km"
    assert page.locator("a[title='Во весь экран']").count() == 1
    assert page.locator("a[title='Приблизить']").count() == 1
    assert page.locator("a[title='Показать обзорную карту']").count() == 1
    log.assert_clean()


def test_hostile_russian_names_show_literally_in_popups_and_labels(tmp_path, open_page):
    layers = make_layers()
    for kind in (LayerKind.RANGE_STATES, LayerKind.RIVERS, LayerKind.PROTECTED_AREAS, LayerKind.SITES):
        frame = layers[kind]
        frame["name_ru"] = [hostile(f"Имя {i}") for i in range(len(frame))]
    make_store(tmp_path / "world.gpkg", layers)
    out = map_("overview", store=tmp_path / "world.gpkg", out=tmp_path / "maps", dpi=50, lang="ru").out
    page, log = open_page(out / "overview.html")
    texts = _open_everything(page)
    assert page.evaluate("window.__pwned") is None
    inert = (
        ".leaflet-popup-pane img, .leaflet-popup-pane svg, .leaflet-tooltip-pane img, .leaflet-pane script"
    )
    assert page.locator(inert + ", .leaflet-dhLabels-pane img, .leaflet-dhLabels-pane svg").count() == 0
    labels = page.evaluate(
        "[...document.querySelectorAll('.leaflet-dhLabels-pane *')].map(e => e.textContent)"
    )
    joined = "\n".join(texts + labels)
    assert "Имя 0" in joined
    for payload in PAYLOADS:
        assert payload in joined
    log.assert_clean()


@pytest.mark.parametrize("profile", ["public", "internal"])
def test_russian_occurrences_map(tmp_path, open_page, profile):
    from test_occurrence_privacy import FIXES

    from deerhabitat import i18n
    from deerhabitat.config import StoreConfig
    from deerhabitat.publish import ExactResults, prepare_data, render_map_html
    from deerhabitat.publish.maps import build_maps

    with i18n.language("ru"):
        data = prepare_data(
            make_layers(), StoreConfig(), profile=profile, results=ExactResults(occurrences=FIXES)
        )
        (web_map,) = [m for m in build_maps(data) if m.name == "occurrences"]
    path = tmp_path / "occurrences.html"
    path.write_text(render_map_html(web_map), encoding="utf-8")
    page, log = open_page(path)
    for layer_id in page.evaluate("Object.keys(Object.values(deerhabitat.maps)[0].layers)"):
        page.evaluate(f"Object.values(deerhabitat.maps)[0].setVisible({layer_id!r}, true)")
    text = page.evaluate(CONTROL_TEXT)
    assert "Встречи (записей на шестиугольник)" in text
    assert latin_words(text) == set(), text
    assert latin_words(page.locator(".dh-page-head").inner_text()) == {"GBIF"}
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"ru-occurrences-{profile}.png"))
    log.assert_clean()
