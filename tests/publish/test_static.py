"""Static maps: same layers and legend as the web map, PNG at any resolution and SVG, deterministic."""

from __future__ import annotations

import io
import warnings
import xml.etree.ElementTree as ET

import pytest
from matplotlib.image import imread

from deerhabitat.publish import build_maps, render_static_map
from deerhabitat.publish.static import _legend_handles, _text


@pytest.fixture(scope="module")
def maps(public_data):
    return {m.name: m for m in build_maps(public_data)}


def test_png_is_deterministic_and_scales_with_dpi(maps):
    low = render_static_map(maps["overview"], fmt="png", dpi=100)
    assert low == render_static_map(maps["overview"], fmt="png", dpi=100)
    high = render_static_map(maps["overview"], fmt="png", dpi=200)
    assert low[:8] == b"\x89PNG\r\n\x1a\n"
    assert imread(io.BytesIO(low)).shape[:2] == (750, 1100)
    assert imread(io.BytesIO(high)).shape[:2] == (1500, 2200)


def test_svg_is_deterministic_valid_and_dated_nowhere(maps):
    svg = render_static_map(maps["state-uzb"], fmt="svg")
    assert svg == render_static_map(maps["state-uzb"], fmt="svg")
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    assert b"<dc:date>" not in svg


def test_legend_is_drawn_from_the_visible_layers_styles(maps):
    labels = [h.get_label() for h in _legend_handles(maps["overview"])]
    assert labels[:5] == [
        "Sites (latest count)",
        "Native population",
        "Reintroduced population",
        "Introduced population",
        "Captive (enclosure, zoo, centre)",
    ]
    assert "Releases (source → destination)" not in labels
    assert labels[-4:] == ["Range states", "Range state", "Other countries", "Other countries"]


def test_hostile_text_is_drawn_literally_without_mathtext():
    assert _text("${x}$") == r"\${x}\$"


def test_every_map_renders_in_both_formats(maps):
    for web_map in maps.values():
        assert render_static_map(web_map, fmt="svg").startswith(b"<?xml")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"fmt": "pdf"}, "fmt='pdf' is not a static map format"),
        ({"dpi": 20}, "dpi=20 is out of range; use 50 to 1200"),
    ],
)
def test_bad_format_or_dpi(maps, kwargs, message):
    with pytest.raises(ValueError, match=message):
        render_static_map(maps["overview"], **kwargs)


def test_labels_of_countries_rivers_and_areas_are_placed_without_overlaps(maps):
    from deerhabitat.publish.static import _figure

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # hostile names hold glyphs DejaVu lacks
        fig = _figure(maps["overview"], maps["overview"].start_year)
        renderer = fig.canvas.get_renderer()
    ax = fig.axes[0]
    layer_names = {
        str(v)
        for layer in maps["overview"].layers
        if getattr(layer, "label_kind", None)
        for v in layer.frame[layer.fields[0].column]
    }
    labels = [t for t in ax.texts if t.get_text() in layer_names or t.get_text().title() in layer_names]
    assert labels, [t.get_text() for t in ax.texts]
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        assert all(not a.overlaps(b) for b in boxes[i + 1 :]), labels[i].get_text()
