"""The maps: which exist, what they show, and pages that are deterministic, offline and safe."""

from __future__ import annotations

import base64
import hashlib
import html.parser
import json
import re
from dataclasses import replace

import pytest
import shapely
from publish_builders import CAPTIVE, EXACT_WILD, PAYLOADS, TOTALS, cell_centre, hostile, make_store

from deerhabitat.publish import build_maps, render_map_html
from deerhabitat.publish.data import count_text, latest_counts, population_frame, release_flows, site_frame
from deerhabitat.publish.maps import build_population_map, build_state_map
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.maps import prepare_publication


@pytest.fixture(scope="module")
def publication(tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "world.gpkg"
    make_store(path)
    return prepare_publication(path, "public")


@pytest.fixture(scope="module")
def maps(publication):
    return {m.name: m for m in build_maps(publication.data)}


def test_every_map_the_data_allows_is_built_overview_first(maps):
    assert list(maps) == [
        "overview",
        "state-tjk",
        "state-uzb",
        "population",
        "reintroductions",
        "protected-coverage",
    ]


def test_overview_has_every_layer_with_groups(maps):
    layers = {layer.id: layer for layer in maps["overview"].layers}
    assert list(layers) == [
        "other-countries",
        "range-states",
        "rivers",
        "range-historical",
        "range-2002",
        "range-2020",
        "protected-areas",
        "releases",
        "sites",
    ]
    assert layers["range-states"].base and layers["sites"].searchable and not layers["releases"].visible
    assert (
        not layers["range-2002"].visible
        and layers["range-2020"].visible
        and layers["range-historical"].visible
    )


def test_sites_show_their_latest_count_and_how_their_position_was_published(publication):
    sites = site_frame(publication.data).set_index("site_id")
    assert sites.loc["w1", "latest_count_text"] == "150 in 2005-04, census"
    assert sites.loc["w1", "latest_status_text"] == "surveyed"
    assert sites.loc["zoo", "latest_count_text"] == "20 in 2005, enclosure-count, captive animals"
    # a national figure has no position: its site is never a marker
    assert "tjk-national" not in sites.index
    assert sites.loc["w1", "position"].startswith("generalised: centre of a 10 km equal-area grid cell")
    assert sites.loc["zoo", "position"] == "as recorded"
    assert sites.loc["w1", "country"] == hostile("Uzbekistan") + " (UZB)"


def test_site_popups_show_the_latest_count_with_the_history_below(publication):
    sites = site_frame(publication.data).set_index("site_id")
    counts = publication.data.layers[LayerKind.POPULATION_COUNTS]
    w1 = counts[counts["site_id"] == "w1"].sort_values("date")
    assert len(w1) >= 2  # the builder gives w1 more than one count
    history = sites.loc["w1", "count_history_text"].split("\n")
    assert len(history) == len(w1) - 1
    assert sites.loc["w1", "latest_count_text"] == count_text(w1.iloc[-1].to_dict())
    assert history[0] == count_text(w1.iloc[-2].to_dict())  # newest earlier count first


def test_a_site_whose_every_count_is_a_split_is_not_a_marker(publication):
    layers = dict(publication.data.layers)
    counts = layers[LayerKind.POPULATION_COUNTS].copy()
    counts["data_status"] = ["national-split" if s == "w3" else None for s in counts["site_id"]]
    layers[LayerKind.POPULATION_COUNTS] = counts
    data = replace(publication.data, layers=layers)
    assert "w3" not in set(site_frame(data)["site_id"])
    assert "w3" not in set(population_frame(data)["site_id"])


def test_latest_count_breaks_date_ties_by_the_last_count_id(layers):
    counts = layers[LayerKind.POPULATION_COUNTS].copy()
    counts.loc[counts["count_id"] == "c2", "date"] = "2002"
    latest = latest_counts(counts).set_index("site_id")
    assert latest.loc["w1", "count_id"] == "c2"


def test_count_text_without_range():
    assert (
        count_text(
            {
                "count": 1200,
                "lower": None,
                "upper": None,
                "date": "2019",
                "method": "census",
                "captive": False,
            }
        )
        == "1,200 in 2019, census"
    )


def test_state_map_keeps_its_country_and_opens_on_it(publication):
    web_map = build_state_map(publication.data, "TJK")
    layers = {layer.id: layer for layer in web_map.layers}
    assert set(layers["sites"].frame["site_id"]) == {"w2"}
    assert list(layers["protected-areas"].frame["pa_id"]) == ["TJK-TB"]
    assert set(layers["range-2020"].frame["range_id"]) == {"r2020-tjk"}
    assert set(layers["range-historical"].frame["range_id"]) == {"hist"}
    assert web_map.bounds == (67.4, 36.7, 75.0, 41.0)
    assert list(layers["releases"].frame["title"]) == ["Tashkent Zoo → Tigrovaya Balka"]


def test_population_frame_follows_the_totals_rule(publication):
    frame = population_frame(publication.data)
    shown = {(r.site_id, r.year): (r.count, bool(r.carried), r.in_total_text) for r in frame.itertuples()}
    assert shown[("w1", 2008)] == (150, True, "yes")
    assert shown[("w3", 2008)] == (12, True, "yes")
    assert shown[("w2", 2008)] == (
        45,
        False,
        "no: the country's national estimate for this year replaces its site figures",
    )
    assert shown[("w2", 2005)] == (30, True, "yes")
    assert shown[("zoo", 2005)] == (20, False, "no: captive animals are reported apart")
    assert ("zoo", 2008) not in shown
    # national figures have no position: never on the population map
    assert not any(s == "tjk-national" for s, _ in shown)
    wild_total = {
        year: sum(c for (s, y), (c, _, t) in shown.items() if y == year and t == "yes") for year in TOTALS
    }
    national = {2008: 500}  # Tajikistan's national estimate (publish_builders), in the totals only
    assert {y: wild_total[y] + national.get(y, 0) for y in TOTALS} == TOTALS


def test_population_map_slider_starts_on_the_latest_wild_year_and_sizes_circles_by_count(publication):
    web_map = build_population_map(publication.data)
    assert web_map.years == ["2002", "2005", "2008"] and web_map.start_year == "2008"
    counts = next(layer for layer in web_map.layers if layer.id == "counts")
    radii = dict(zip(counts.frame["count"], counts.frame["radius_px"], strict=True))
    assert radii[150] > radii[45] > radii[12]
    # sized by the site counts only (the national 500 is no marker): largest 150
    assert [label for label, _ in counts.size_legend] == ["5 animals", "20 animals", "100 animals"]


def test_release_flows_total_each_route(publication):
    flows = release_flows(publication.data)
    row = flows.iloc[0]
    assert len(flows) == 1 and row["n_total"] == 70 and row["n_releases"] == 2
    assert row["releases_text"] == "1976: 10 animals\n1978-05: 60 animals" and row["years"] == "1976–1978"
    assert row["flow_class"] == "51+"
    end = list(row.geometry.geoms[0].coords)[-1]
    assert end == pytest.approx(cell_centre(*EXACT_WILD["w2"]), abs=1e-9)
    assert row.geometry.geoms[0].coords[0] == pytest.approx(CAPTIVE["zoo"])


def test_release_without_a_source_site_is_listed_at_its_destination(maps):
    sites = next(layer for layer in maps["reintroductions"].layers if layer.id == "release-sites").frame
    received = dict(zip(sites["site_id"], sites["received"], strict=True))
    assert received["w1"] == f"2002: 5 from {hostile('Farm')}"
    assert received["w2"] == "1976: 10 from Tashkent Zoo\n1978-05: 60 from Tashkent Zoo"


def test_coverage_map_classes_each_country(maps):
    layer = next(layer for layer in maps["protected-coverage"].layers if layer.id == "coverage")
    classes = dict(zip(layer.frame["iso3"], layer.frame["coverage_class"], strict=True))
    assert set(classes) == {"TJK", "UZB"} and all(c.endswith("%") for c in classes.values())
    # Tigrovaya Balka is drawn as a circle (approximate), the UZB reserve has a mapped boundary
    caveats = dict(zip(layer.frame["iso3"], layer.frame["caveat"], strict=True))
    assert caveats["TJK"].startswith("Approximate: protected areas are circles of their reported area")
    assert caveats["UZB"] == ""
    assert "Approximate: protected areas are circles" in maps["protected-coverage"].description


# -- the page ---------------------------------------------------------------------------------------


class _Scan(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.scripts, self.current = [], [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self.current = (tag, dict(attrs))

    def handle_data(self, data):
        if self.current and self.current[0] == "script":
            self.scripts.append((self.current[1].get("type"), data))

    def handle_endtag(self, tag):
        self.current = None


@pytest.fixture(scope="module")
def pages(maps):
    return {name: render_map_html(web_map) for name, web_map in maps.items()}


def test_pages_are_byte_identical_when_rendered_again(publication, pages):
    again = {m.name: render_map_html(m) for m in build_maps(publication.data)}
    assert again == pages


def test_pages_load_nothing_from_any_host(pages):
    for text in pages.values():
        scan = _Scan()
        scan.feed(text)
        for tag, attrs in scan.tags:
            assert "src" not in attrs or tag == "iframe", (tag, attrs)
            assert tag != "link"
        assert not re.search(r"""src\s*=\s*["']?(https?:)?//|url\(\s*["']?(https?:)?//|@import""", text)


def test_hostile_text_never_appears_as_markup(pages):
    for text in pages.values():
        for payload in PAYLOADS:
            if "<" in payload or ">" in payload:
                assert payload not in text
        assert "onerror" in text  # the payload is there, escaped inside the JSON


def test_content_security_policy_allows_exactly_the_inline_scripts(pages):
    for text in pages.values():
        scan = _Scan()
        scan.feed(text)
        policy = next(
            a["content"]
            for t, a in scan.tags
            if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"
        )
        allowed = set(re.findall(r"'sha256-([^']+)'", policy))
        run = [data for kind, data in scan.scripts if kind is None]
        assert {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in run} == allowed
        assert (
            "default-src 'none'" in policy
            and "connect-src 'none'" in policy
            and "unsafe-inline'" not in policy.split("style-src")[0]
        )


def test_embedded_data_parses_back_to_the_hostile_names(pages):
    text = pages["overview"]
    payload = re.search(
        r'<script type="application/json" id="dh-data-overview">(.*?)</script>', text, re.S
    ).group(1)
    data = json.loads(payload)
    sites = next(layer for layer in data["layers"] if layer["id"] == "sites")
    assert hostile("Site") in sites["cols"][0]


def test_other_countries_are_grey_land_below_and_never_a_range_state(maps):
    for web_map in maps.values():
        first = web_map.layers[0]
        assert first.id == "other-countries" and first.context and not first.interactive
        states = next(layer for layer in web_map.layers if layer.base).frame
        assert not set(first.frame["iso3"]) & set(states["iso3"].astype(str))
        assert (
            first.style.symbol.fill != next(layer for layer in web_map.layers if layer.base).style.symbol.fill
        )


def test_countries_rivers_and_protected_areas_are_labelled_inside_their_shapes(maps):
    from deerhabitat.publish.layers import encode_layer, label_points

    layers = {layer.id: layer for layer in maps["overview"].layers}
    kinds = {i: layers[i].label_kind for i in ("range-states", "rivers", "protected-areas")}
    assert kinds == {"range-states": "country", "rivers": "river", "protected-areas": "area"}
    for layer_id in ("range-states", "protected-areas"):
        layer = layers[layer_id]
        points = shapely.points(label_points(layer))
        assert shapely.covers(layer.frame.geometry.values, points).all()
    areas = layers["protected-areas"].frame.geometry.values
    tops = label_points(layers["protected-areas"])[:, 1]
    assert (tops == shapely.bounds(areas)[:, 3]).all() or len(areas) == 0  # above the area, not its centre
    rivers = layers["rivers"]
    near = shapely.distance(rivers.frame.geometry.values, shapely.points(label_points(rivers)))
    assert (near < 1e-6).all()
    encoded = encode_layer(layers["range-states"])
    assert encoded["labelKind"] == "country" and len(encoded["labels"]) == len(layers["range-states"].frame)
