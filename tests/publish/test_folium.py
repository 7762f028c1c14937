"""Every published map as a folium.Map: the same layers, styles, legends and popups, escaped, and offline."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import folium
import pytest
from folium.plugins import MarkerCluster
from publish_builders import EXACT_WILD, PAYLOADS, coordinate_patterns, exact_points, hostile

from deerhabitat.errors import PublishError
from deerhabitat.publish import FoliumMap, MapLayer, RasterLayer, build_maps, offline_html, to_folium
from deerhabitat.publish.folium import POPUP_FIELD, TOOLTIP_FIELD
from deerhabitat.publish.layers import encode_layer
from deerhabitat.workflows import folium_map, save_offline
from deerhabitat.workflows.maps import prepare_publication


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    from publish_builders import make_store

    path = tmp_path_factory.mktemp("folium") / "world.gpkg"
    make_store(path)
    return prepare_publication(path, "public")


@pytest.fixture(scope="module")
def web_maps(publication):
    return build_maps(publication.data)


class _Popup(HTMLParser):
    """Reads a popup's HTML back into title, layer and rows; fails on any element we did not write."""

    ALLOWED = frozenset({"div", "table", "tr", "th", "td"})

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []
        self._stack: list[str] = []
        self._class: list[str] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        assert tag in self.ALLOWED, f"unexpected element <{tag}> in a popup"
        assert all(name == "class" for name, _ in attrs), attrs
        self._stack.append(tag)
        self._class.append(dict(attrs).get("class") or "")

    def handle_endtag(self, tag):
        assert self._stack.pop() == tag
        self._class.pop()

    def handle_data(self, data):
        self.texts.append((self._class[-1] or self._stack[-1], data))

    @property
    def title(self) -> str:
        return "".join(t for c, t in self.texts if c == "dh-popup-title")

    @property
    def layer(self) -> str:
        return "".join(t for c, t in self.texts if c == "dh-popup-layer")

    @property
    def rows(self) -> list[tuple[str, str]]:
        cells = [(c, t) for c, t in self.texts if c in ("th", "td")]
        return [(cells[i][1], cells[i + 1][1]) for i in range(0, len(cells), 2)]


def _expected_popups(layer: MapLayer, keep: list[int]) -> list[tuple[str, list[tuple[str, str]]]]:
    spec = encode_layer(layer)

    def cell(j, i):
        column = spec["cols"][j]
        return column[i] if isinstance(column, list) else column["d"][column["c"][i]]

    out = []
    for i in keep:
        rows = [(spec["fields"][j], cell(j, i)) for j in range(1, len(spec["fields"])) if cell(j, i)]
        out.append((cell(0, i), rows))
    return out


def _features(flayer):
    return flayer.data["features"]


def test_every_map_has_the_same_layers_in_the_same_order(web_maps):
    assert {m.name for m in web_maps} >= {"overview", "population", "reintroductions", "protected-coverage"}
    for web_map in web_maps:
        fmap = to_folium(web_map)
        assert isinstance(fmap, folium.Map) and isinstance(fmap, FoliumMap)
        assert list(fmap.deerhabitat_layers) == [layer.id for layer in web_map.layers]
        children = [c for c in fmap._children.values() if c in fmap.deerhabitat_layers.values()]
        assert children == list(fmap.deerhabitat_layers.values()), "drawn in the map's order"
        for layer in web_map.layers:
            flayer = fmap.deerhabitat_layers[layer.id]
            assert flayer.layer_name == html.escape(layer.title)
            assert flayer.show == layer.visible
            if isinstance(layer, RasterLayer):
                assert isinstance(flayer, folium.raster_layers.ImageOverlay)
                assert flayer.url.startswith("data:image/png;base64,")
                west, south, east, north = layer.bounds
                assert flayer.bounds == [[south, west], [north, east]]


def test_popups_tooltips_styles_and_coordinates_equal_the_page(web_maps):
    checked = 0
    for web_map in web_maps:
        fmap = to_folium(web_map)
        year = web_map.start_year
        for layer in web_map.layers:
            if not isinstance(layer, MapLayer):
                continue
            spec = encode_layer(layer)
            features = _features(fmap.deerhabitat_layers[layer.id])
            keep = [i for i in range(spec["n"]) if "time" not in spec or spec["time"][i] == year]
            assert [int(f["id"]) for f in features] == keep
            expected = _expected_popups(layer, keep)
            for feature, (title, rows), i in zip(features, expected, keep, strict=True):
                popup = _Popup(feature["properties"][POPUP_FIELD])
                assert (popup.title, popup.layer, popup.rows) == (title, layer.title, rows)
                assert html.unescape(feature["properties"][TOOLTIP_FIELD]) == title
                symbol = spec["symbols"][spec["sym"][i] if "sym" in spec else 0]
                style = feature["properties"]["style"]
                assert (style["color"], style["weight"]) == (symbol["stroke"], symbol["weight"])
                assert style["fillColor"] == (symbol["fill"] or symbol["stroke"])
                geometry = feature["geometry"]
                if spec["geom"] == "point":
                    assert list(geometry["coordinates"]) == spec["xy"][2 * i : 2 * i + 2]
                    radius = spec["radius"][i] if "radius" in spec else symbol["radius"]
                    assert style["radius"] == radius
                else:
                    parts = geometry["coordinates"]
                    if geometry["type"] in ("Polygon", "LineString"):
                        parts = [parts]
                    flat = [
                        [[v for xy in ring for v in xy] for ring in part]
                        if spec["geom"] == "polygon"
                        else [v for xy in part for v in xy]
                        for part in parts
                    ]
                    assert flat == spec["coords"][i]
                checked += 1
    assert checked > 50


def test_legends_list_the_page_legend_for_every_layer(web_maps):
    overview = next(m for m in web_maps if m.name == "overview")
    fmap = to_folium(overview)
    legend = next(c for c in fmap._children.values() if type(c).__name__ == "Legend")
    import json

    payload = json.loads(legend.payload)
    assert [e["title"] for e in payload["entries"]] == [layer.title for layer in overview.layers]
    for entry, layer in zip(payload["entries"], overview.layers, strict=True):
        if isinstance(layer, MapLayer):
            spec = encode_layer(layer)
            assert [r["label"] for r in entry["rows"]] == [
                spec["symbols"][i]["label"] for i in spec["legend"]
            ]
            assert entry["note"] == layer.note
        else:
            assert entry["ramp"] == list(layer.ramp)
    assert legend.layers == [fmap.deerhabitat_layers[layer.id] for layer in overview.layers]


def test_hostile_text_is_escaped_everywhere_folium_would_read_it_as_html(web_maps):
    seen = []
    for web_map in web_maps:
        fmap = to_folium(web_map)
        for flayer in fmap.deerhabitat_layers.values():
            assert "<" not in flayer.layer_name
            if not hasattr(flayer, "data"):
                continue
            for feature in _features(flayer):
                popup = feature["properties"][POPUP_FIELD]
                tags = re.findall(r"<\s*([a-zA-Z!/]+)", popup)
                assert set(tags) <= {"div", "/div", "table", "/table", "tr", "/tr", "th", "/th", "td", "/td"}
                assert "<" not in feature["properties"][TOOLTIP_FIELD]
                seen.append(html.unescape(popup))
    joined = "\n".join(seen)
    for payload in PAYLOADS:
        assert payload in joined
    assert hostile("Site") in joined


def test_the_public_folium_map_never_holds_an_exact_wild_position(web_maps):
    for web_map in web_maps:
        page = offline_html(to_folium(web_map))
        for lon, lat in [*EXACT_WILD.values(), *exact_points()]:
            for pattern in coordinate_patterns(lon, lat):
                assert not pattern.search(page), (web_map.name, pattern.pattern)


def test_offline_html_inlines_every_script_and_links_nothing(web_maps):
    fmap = to_folium(web_maps[0])
    MarkerCluster([[40.0, 65.0], [40.1, 65.1]], name="My clusters").add_to(fmap)
    note = html.escape("<b>my note</b>")
    folium.Marker([39.5, 66.0], popup=note, icon=folium.Icon(color="red")).add_to(fmap)
    page = offline_html(fmap)
    assert "<script src=" not in page and not re.search(r"<link[^>]+href=", page)
    loads = r"""<(?:script|img|iframe|link|source)[^>]+(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    assert not re.search(loads, page, re.I)
    assert not re.search(r"""url\(\s*["']?(?:https?:)?//""", page)
    assert "Leaflet 1.9.4" in page and "jQuery v3.7.1" in page
    assert "L.AwesomeMarkers" in page and "MarkerClusterGroup" in page
    assert page.count("L.Icon.Default.mergeOptions(") == 1


def test_a_plugin_deerhabitat_does_not_vendor_is_refused_with_a_clear_message(web_maps):
    from folium.plugins import Draw

    fmap = to_folium(web_maps[0])
    Draw().add_to(fmap)
    with pytest.raises(PublishError, match=r"links 'https://.*draw.*' from the network, which deerhabitat"):
        offline_html(fmap)


def test_the_map_shows_inline_in_jupyter_without_network(web_maps):
    fmap = to_folium(web_maps[0])
    shown = fmap._repr_html_()
    assert shown.startswith("<div") and "<iframe srcdoc=" in shown
    inner = html.unescape(re.search(r'srcdoc="([^"]*)"', shown).group(1))
    assert "<script src=" not in inner and "Leaflet 1.9.4" in inner


def test_folium_map_and_save_offline(tmp_path, publication):
    fmap = folium_map("population", store=publication.snapshot.path)
    assert list(fmap.deerhabitat_layers)[-1:] == ["counts"]  # national figures are never markers
    path = save_offline(fmap, tmp_path / "population.html")
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(PublishError, match="there is no map called 'nowhere'"):
        folium_map("nowhere", store=publication.snapshot.path)
    with pytest.raises(PublishError, match=r"the folder .* does not exist; create it first"):
        save_offline(fmap, tmp_path / "missing" / "x.html")
