"""The bundled Overview Report in Russian, read in headless Chromium: no English left on the page.

The page's visible text (``document.body.innerText``, and the text of every embedded map frame once it has
rendered) is scanned for Latin words. Allowed: citations (the data's sources: site names, URLs and titles,
kept as written), code and file names, codes (``UZB``, ``UZB-LABR``), units, URLs, scientific names and the
names of software in :data:`ALLOWED`. Names, descriptions and the national reports' free text are scanned: the
bundled data gives their Russian (``name_ru``, ``text_ru``, ``description_ru``). Anything else is an English
word the translation missed, and the test lists it with its context.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path

import pandas as pd
import pytest
from pagelog import PageLog

from deerhabitat.config import bundled_store_path
from deerhabitat.i18n import localised
from deerhabitat.vocabulary import is_code
from deerhabitat.workflows import report
from deerhabitat.workflows.maps import prepare_publication

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"

ALLOWED = {
    # software, formats and standards
    "deerhabitat",
    "Leaflet",
    "OpenStreetMap",
    "Web",
    "Mercator",
    "npm",
    "sha",
    "SHA",
    "UTC",
    "WGS",
    "EPSG",
    "LAEA",
    "Lambert",
    "Azimuthal",
    "Equal",
    "Area",
    "Albers",
    "Conic",
    "Asia",
    "North",
    "Central",
    "GeoPackage",
    "PyPI",
    "yaml",
    "xlsx",
    # IUCN protected-area categories (codes)
    "Ia",
    "Ib",
    # scientific names
    "Cervus",
    "elaphus",
    "bactrianus",
    "hanglu",
    # the formula of the resistance and its parameters
    "k",
    "p",
    "max",
    "exp",
    "ln",
    "min",
    "suitability",
    "resistance",
    # organisations named by their acronym in any language
    "WWF",
    "CIC",
}
"""Latin words allowed anywhere on the Russian page (besides codes, URLs, file names and citations)."""

LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


@pytest.fixture(scope="module")
def data_text():
    """The citations of the bundled data, longest first: shown as written (site names, URLs, titles).

    Only citations: every other text of the data (names, descriptions, notes, national reports' free
    text, the Work Programme) has its Russian (``name_ru``, ``text_ru``, ``description_ru``) and is scanned.
    A citation is what the Russian page shows, ``source_ru`` where the data gives one.
    """
    data = prepare_publication(bundled_store_path(), "public").data
    texts: set[str] = set()
    for layer in data.layers.values():
        if "source" in layer.columns:
            texts |= {str(localised(r, "source", lang="ru")) for r in layer.to_dict(orient="records")}
    for parsed in data.reports["parsed"] if data.reports is not None else []:
        texts |= set(_citations(parsed))
    for table in ("background.csv", "published_totals.csv", "work_programme.csv"):
        frame = pd.read_csv(files("deerhabitat") / "data" / table, dtype=str)
        texts |= {v for v in frame["source"].dropna()}
    kept = {t.strip() for t in texts if len(t.strip()) >= 4 and not is_code(t.strip())}
    return sorted(kept, key=len, reverse=True)


def _citations(value: object):
    """The ``source`` of every entry of a national report."""
    if isinstance(value, dict):
        for key, v in value.items():
            if key == "source" and isinstance(v, str):
                yield v
            else:
                yield from _citations(v)
    elif isinstance(value, list):
        for v in value:
            yield from _citations(v)


@pytest.fixture(scope="module")
def russian_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report-ru") / "maps"
    report(store=bundled_store_path(), out=out, dpi=50, lang="ru")
    return out / "index.html"


@pytest.fixture(scope="module")
def opened(browser, russian_report):
    """The Russian report opened once (network blocked), every embedded map scrolled in and rendered."""
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
    page.goto(russian_report.resolve().as_uri())
    page.wait_for_function("() => [...document.querySelectorAll('.dh-map')].every(e => e.dataset.ready)")
    frames = []
    for frame in page.locator("iframe.dh-screen").all():
        frame.scroll_into_view_if_needed()
        inner = frame.element_handle().content_frame()
        inner.wait_for_selector(".dh-map[data-ready]", state="attached", timeout=30_000)
        frames.append(inner)
    yield page, frames, log
    context.close()


def english_words(text: str, data_text: list[str]) -> list[str]:
    """Latin words of ``text`` that are not allowed, each with the line it is on."""
    found = []
    quotes = sorted(data_text, key=len, reverse=True)  # a name inside a longer text is removed with it
    for line in text.splitlines():
        rest = re.sub(r"`[^`]*`", " ", line)  # a command quoted in the text
        for quoted in quotes:
            if quoted in rest:
                rest = rest.replace(quoted, " ")
        for chunk in rest.split():
            if re.search(r"[./_=?@:\\]|\d", chunk.strip(".,;:()«»[]")):
                continue  # a URL, file name, citation, version or code with digits
            for word in LATIN_WORD.findall(chunk):
                if word in ALLOWED or (word.isupper() and len(word) <= 12):
                    continue  # a code (ISO3, site id, acronym)
                found.append(f"{word!r} in: {line.strip()[:140]}")
    return found


def _visible_text(page_or_frame, less: str = "code, pre") -> str:
    """The visible text less the text of the elements ``less`` (by default code: commands, snippets)."""
    text = page_or_frame.evaluate("() => document.body.innerText")
    for code in page_or_frame.locator(less).all_inner_texts():
        text = text.replace(code, " ")
    return text


def test_the_russian_report_page_has_no_english_left(opened, data_text):
    page, _, log = opened
    assert page.locator("html").get_attribute("lang") == "ru"
    text = _visible_text(page)  # with the overview map drawn in the page, its layer list and legend
    assert len(re.findall(r"[А-Яа-яЁё]+", text)) > 2000
    left = english_words(text, data_text)
    assert left == [], f"{len(left)} English words left on the Russian report:\n" + "\n".join(left[:80])
    log.assert_clean()


def test_the_map_captions_of_the_russian_report_have_no_english_left(opened, data_text):
    page, _, _ = opened
    captions = page.locator(
        "figure.dh-figure > figcaption, figure.dh-figure > h3, figure.dh-figure > h2"
    ).all_inner_texts()
    left = english_words("\n".join(captions), data_text)
    assert left == [], f"{len(left)} English words left in map captions:\n" + "\n".join(left[:80])


def test_the_map_frames_of_the_russian_report_have_no_english_left(opened, data_text):
    _, frames, log = opened
    assert len(frames) >= 4
    left = [
        f"{f.url.rsplit('/', 1)[-1]}: {w}" for f in frames for w in english_words(_visible_text(f), data_text)
    ]
    assert left == [], f"{len(left)} English words left in the map frames:\n" + "\n".join(left[:80])
    log.assert_clean()


def test_the_russian_report_reads_in_russian_screenshot(opened):
    page, _, log = opened
    headings = [h.strip() for h in page.locator("main > section > h2").all_inner_texts()]
    assert headings[0] == "Резюме" and "Пробелы" in headings and "Методы и источники" in headings
    summary = page.locator("#summary").inner_text()
    assert "3\u00a0350" in summary or "3 350" in summary  # Russian thousands separator
    assert "2023\u00a0г." in summary or "2023 г." in summary
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#summary").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "report-ru-summary.png"))
    page.locator("#threats").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "report-ru-threats.png"))
    log.assert_clean()
