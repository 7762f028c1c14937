"""The bundled Overview Report in headless Chromium, network blocked: every map shows, print gives a PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pagelog import PageLog

from deerhabitat.config import bundled_store_path
from deerhabitat.workflows import report

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"
SECTIONS = [
    "Executive summary",
    "Overview map",
    "Background and the Memorandum of Understanding",
    "Population trends",
    "Status per range state",
    "Distribution and range change",
    "Protected areas",
    "Threats",
    "Conservation measures and Work Programme progress",
    "Reintroductions",
    "Habitat and candidate sites",
    "Connectivity",
    "Gaps",
    "Conclusions and recommendations",
    "Methods and sources",
    "Appendix: embed these maps",
]


@pytest.fixture(scope="module")
def bundled_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "maps"
    report(store=bundled_store_path(), out=out, dpi=50)
    return out / "index.html"


@pytest.fixture(scope="module")
def opened(browser, bundled_report):
    """The report page opened once for the module (network blocked), every embedded map scrolled into view."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    log = PageLog()

    def route(request_route):
        url = request_route.request.url
        if url.startswith(("file://", "data:")):
            request_route.continue_()
        else:
            log.blocked.append(url)
            request_route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on(
        "console",
        lambda m: log.errors.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None,
    )
    page.on("pageerror", lambda e: log.errors.append(f"pageerror: {e}"))
    page.goto(bundled_report.resolve().as_uri())
    page.wait_for_function("() => [...document.querySelectorAll('.dh-map')].every(e => e.dataset.ready)")
    for frame in page.locator("iframe.dh-screen").all():
        frame.scroll_into_view_if_needed()
        handle = frame.element_handle().content_frame()
        handle.wait_for_selector(".dh-map[data-ready]", state="attached", timeout=30_000)
    yield page, log
    context.close()


def test_report_renders_offline_with_every_embedded_map(opened):
    page, log = opened
    frames = page.locator("iframe.dh-screen").all()
    assert len(frames) >= 4
    for frame in frames:
        inner = frame.element_handle().content_frame()
        assert inner.locator(".dh-map.leaflet-container").count() == 1, inner.url
        assert inner.locator("path.leaflet-interactive").count() > 0, inner.url
    assert page.locator("svg.dh-chart").count() >= 2
    assert page.locator("svg.dh-chart rect.dh-incomplete").count() >= 1
    assert [h.strip() for h in page.locator("main > section > h2").all_inner_texts()] == SECTIONS
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "report-summary.png"))
    log.assert_clean()


def test_connectivity_section_shows_its_corridor_map_and_tables(opened):
    page, log = opened
    section = page.locator("#connectivity")
    assert section.locator("h2").inner_text().strip() == "Connectivity"
    frame = section.locator("iframe.dh-screen")
    assert frame.count() == 1
    frame.scroll_into_view_if_needed()
    inner = frame.element_handle().content_frame()
    inner.wait_for_selector(".dh-map[data-ready]", state="attached", timeout=30_000)
    assert inner.url.endswith("/corridors.html")
    # zones and paths drawn as interactive vector paths, bottlenecks and populations as markers
    assert inner.locator("path.leaflet-interactive").count() > 10
    legend = inner.locator("body").text_content()  # the layer list and legend, folded or not
    for label in ("Least-cost path", "Bottleneck outside protected areas", "Protected areas", "Rivers"):
        assert label in legend, label
    tables = [t.strip() for t in section.locator("table caption, figcaption, h3").all_inner_texts()]
    text = section.inner_text()
    for title in ("Corridors between populations", "Isolated populations", "Unprotected bottlenecks"):
        assert title in text, (title, tables)
    assert "illustrative" in text and "tolerance" not in text.split("Method:")[0]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    section.scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "report-connectivity.png"), full_page=False)
    frame.screenshot(path=str(SCREENSHOTS / "report-connectivity-map.png"))
    log.assert_clean()


SECTION_TABLES = {
    "background": [],
    "state-uzb": ["Populations by site"],
    "distribution": ["Range change"],
    "protected": ["Protected areas holding deer"],
    "threats": ["Threats by range state"],
    "measures": ["Work Programme: actions by range state"],
    "gaps": ["Missing or late national reports", "Work Programme actions not started or not reported"],
    "conclusions": [],
    "methods": ["National reports received, by reporting period"],
}
"""Sections of the draft Overview Report checked one by one, with the titles of the tables they must show."""


@pytest.mark.parametrize("section_id", list(SECTION_TABLES))
def test_each_section_of_the_overview_report_shows_its_tables(opened, section_id):
    page, log = opened
    section = page.locator(f"#{section_id}")
    section.scroll_into_view_if_needed()
    assert section.is_visible()
    text = section.inner_text()
    for title in SECTION_TABLES[section_id]:
        assert title in text, (section_id, title)
    if section_id == "measures":
        assert "UZB-2020-2023.yaml (illustrative)" in text  # the bundled reports are never shown as real
    if section_id == "conclusions":
        assert "Draft:" in text and "range states" in text
    if section_id == "background":
        assert "16 May 2002" in text and "Source:" in text
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"report-section-{section_id}.png"), full_page=False)
    log.assert_clean()


def test_print_swaps_maps_for_static_images_and_gives_a_pdf_of_several_pages(opened):
    page, log = opened
    page.emulate_media(media="print")
    try:
        state = page.evaluate("""() => ({
            iframes: [...document.querySelectorAll('iframe')].map(e => getComputedStyle(e).display),
            live: [...document.querySelectorAll('.dh-report .dh-map')].map(e => getComputedStyle(e).display),
            images: [...document.querySelectorAll('img.dh-print')].map(
                e => [e.getAttribute('src'), getComputedStyle(e).display, e.complete && e.naturalWidth > 0]),
            nav: getComputedStyle(document.querySelector('nav')).display,
            breaks: [...document.querySelectorAll('main > section > h2')]
                .map(e => getComputedStyle(e).breakBefore),
        })""")
        assert set(state["iframes"]) == {"none"} and set(state["live"]) == {"none"} and state["nav"] == "none"
        assert len(state["images"]) >= 5
        for src, display, loaded in state["images"]:
            assert re.fullmatch(r"static/[a-z-]+\.png", src) and display == "block" and loaded, (src, display)
        assert state["breaks"][:2] == ["auto", "auto"] and set(state["breaks"][2:]) == {
            "page"
        }  # summary + map first
        page.screenshot(path=str(SCREENSHOTS / "report-print.png"))
        pdf = page.pdf(format="A4", print_background=True)
    finally:
        page.emulate_media(media="screen")
    assert pdf.startswith(b"%PDF-")
    pages = len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))
    assert pages >= 4
    log.assert_clean()
