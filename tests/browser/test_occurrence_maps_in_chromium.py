"""The occurrences map in headless Chromium: public hexagons only, internal hexagons, records and tracks."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "publish"))

from publish_builders import make_layers
from test_occurrence_privacy import FIXES

from deerhabitat.config import StoreConfig
from deerhabitat.publish import ExactResults, prepare_data, render_map_html
from deerhabitat.publish.maps import build_maps

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    root = tmp_path_factory.mktemp("occurrences")
    out = {}
    for profile in ("public", "internal"):
        data = prepare_data(
            make_layers(), StoreConfig(), profile=profile, results=ExactResults(occurrences=FIXES)
        )
        (web_map,) = [m for m in build_maps(data) if m.name == "occurrences"]
        out[profile] = root / f"occurrences-{profile}.html"
        out[profile].write_text(render_map_html(web_map), encoding="utf-8")
    return out


@pytest.mark.parametrize("profile", ["public", "internal"])
def test_occurrences_map_opens_without_console_errors(pages, open_page, profile):
    page, log = open_page(pages[profile])
    layers = page.evaluate("() => Object.keys(window.deerhabitat.maps.occurrences.layers)")
    assert "occurrence-density" in layers
    internal = {"telemetry-tracks", "occurrence-records"}
    assert internal <= set(layers) if profile == "internal" else not internal & set(layers)
    assert page.locator("path.leaflet-interactive").count() > 0
    assert "Hexagons with fewer than 5 records are not shown" in page.content() or profile == "internal"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(350)
    page.screenshot(path=str(SCREENSHOTS / f"occurrences-{profile}.png"))
    log.assert_clean()
