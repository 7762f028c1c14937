"""Honest figures in the bundled report and maps, read in headless Chromium as the Secretariat reads them.

The LABR popup gives its latest count (1,475 in 2023), not the 2002 split of the global figure placed at the
same point; no national total or split is a marker; the headlines count located animals only and carry the
caveat of the geometry they come from; the change table does not call a change of method a decline.
"""

from __future__ import annotations

import pytest

from deerhabitat.config import bundled_store_path
from deerhabitat.workflows import report

pytestmark = pytest.mark.browser

LABR = "Lower Amudarya Biosphere Reserve (Badai-Tugai), southern section"


@pytest.fixture(scope="module")
def bundled_maps(tmp_path_factory):
    out = tmp_path_factory.mktemp("honest") / "maps"
    report(store=bundled_store_path(), out=out, dpi=50)
    return out


def _layer_names(page, map_name: str, layer: str) -> list[str]:
    return page.evaluate(f"() => window.deerhabitat.maps[{map_name!r}].layers[{layer!r}].spec.cols[0]")


def _popup_rows(page, map_name: str, layer: str, index: int) -> dict[str, str]:
    page.evaluate(f"window.deerhabitat.maps[{map_name!r}].openPopup({layer!r}, {index})")
    popup = page.locator(".leaflet-popup-content")
    return dict(
        zip(popup.locator("th").all_text_contents(), popup.locator("td").all_text_contents(), strict=True)
    )


def test_the_labr_popup_shows_its_latest_count_with_the_history_below(bundled_maps, open_page):
    page, log = open_page(bundled_maps / "overview.html")
    names = _layer_names(page, "overview", "sites")
    assert names.count(LABR) == 1
    rows = _popup_rows(page, "overview", "sites", names.index(LABR))
    assert rows["Latest count"] == "1,475 in 2023, census"
    assert rows["Data status"] == "surveyed"
    history = rows["Earlier counts"]
    assert history.startswith("2,112 (1,320–3,344) in 2019-10, distance-sampling")
    assert "192" not in history and "192" not in rows["Latest count"]
    headers = page.locator(".leaflet-popup-content th").all_text_contents()
    assert headers.index("Latest count") < headers.index("Earlier counts")
    log.assert_clean()


@pytest.mark.parametrize(("map_name", "layer"), [("overview", "sites"), ("population", "counts")])
def test_no_national_total_or_split_is_a_marker(bundled_maps, open_page, map_name, layer):
    page, log = open_page(bundled_maps / f"{map_name}.html")
    layers = page.evaluate(f"() => Object.keys(window.deerhabitat.maps[{map_name!r}].layers)")
    assert "national-estimates" not in layers
    names = set(_layer_names(page, map_name, layer))
    assert LABR in names
    assert not any("national estimate" in n or "split of the 2002" in n for n in names), names
    log.assert_clean()


def test_headlines_count_located_animals_and_carry_the_geometry_caveat(bundled_maps, open_page):
    page, log = open_page(bundled_maps / "index.html")
    text = page.locator("#summary").inner_text()
    # 2023: LABR 1,475 + Kyzylkum 186 + Zarafshan 105 inside, Khorezm 10 outside; Ile-Balkhash 150 and
    # Tigrovaya Balka 200 (carried) inside; the national figures of KAZ and TJK have no position
    assert "Wild animals counted at sites inside protected areas in 2023: 2,116 of 2,126 (99.5 %)" in text
    assert "the located animals are 2,126 of the 3,350 in the totals" in text
    assert "Share of the 2020 range inside protected areas: 47.7 % (Approximate:" in text
    assert "belts or buffers drawn along rivers" in text and "circles of the reported area" in text
    assert "66 %" not in text
    protected = page.locator("#table-protected_animals").inner_text()
    assert "1,140" in protected and "has no position" in protected
    trends = page.locator("#table-country_trends").inner_text()
    uzb = next(line for line in trends.splitlines() if line.startswith("Uzbekistan") and "2023" in line)
    assert "not comparable" in uzb and "coverage changed" in uzb and "decline" not in uzb
    log.assert_clean()
