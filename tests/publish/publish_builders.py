"""A small world for the publishing tests, built in code: hostile text, wild sites at known exact positions.

Imported as ``publish_builders`` (tests/publish/conftest.py and tests/browser/conftest.py put this folder
on sys.path).

Expected wild totals, worked out by hand from the rule (site figures carried at most 5 years; a national
estimate replaces its country's site figures in its year):

- 2002: UZB w1 100; TJK w2 30 -> 130
- 2005: UZB w1 150 + w3 12 = 162; TJK w2 30 carried from 2002 -> 192
- 2008: UZB w1 150 + w3 12 carried from 2005 = 162; TJK national estimate 500 (w2's 45 superseded) -> 662
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import pyproj
import shapely

from deerhabitat.config import StoreConfig
from deerhabitat.io import Provenance, Store
from deerhabitat.schema import LayerKind, validate_layer

PAYLOADS = (
    '<img src=x onerror="window.__pwned=1">',
    "<svg onload=window.__pwned=2>",
    "${window.__pwned=3}",
    "`backtick`",
    "\"double\" 'single'",
    "</script><script>window.__pwned=4</script>",
    "<!-- comment",
    "&amp; &lt;b&gt;",
    "Бухарский олень",
    "غزال بخارى",
    "🦌",
)
"""Text that must be shown literally: markup, template syntax, quotes, Cyrillic, Arabic, emoji."""


def hostile(label: str) -> str:
    """``label`` followed by every payload."""
    return f"{label} " + " ".join(PAYLOADS)


EXACT_WILD = {
    "w1": (64.123457, 40.654321),
    "w2": (68.512346, 37.876543),
    "tjk-national": (69.345678, 38.567891),
}
"""Exact positions of the wild point sites (longitude, latitude): must never reach public output."""

W3_CENTRE = (66.234567, 39.345678)
W3_POLYGON = shapely.Polygon(
    [(66.214567, 39.325678), (66.254567, 39.325678), (66.254567, 39.365678), (66.214567, 39.365678)]
)
"""A wild site drawn as a polygon: its vertices are exact positions too."""

CAPTIVE = {"zoo": (69.240135, 41.311246)}
"""A captive site: published as recorded."""

TOTALS = {2002: 130, 2005: 192, 2008: 662}
TOTALS_BY_COUNTRY = {
    ("UZB", 2002): 100,
    ("TJK", 2002): 30,
    ("UZB", 2005): 162,
    ("TJK", 2005): 30,
    ("UZB", 2008): 162,
    ("TJK", 2008): 500,
}


def exact_points() -> list[tuple[float, float]]:
    """Every exact wild position, the polygon site's vertices included."""
    return [*EXACT_WILD.values(), *list(W3_POLYGON.exterior.coords)[:4]]


def make_layers() -> dict[LayerKind, gpd.GeoDataFrame]:
    """Every layer kind, validated, in EPSG:4326."""
    frames = {
        LayerKind.RANGE_STATES: gpd.GeoDataFrame(
            {"iso3": ["TJK", "UZB"], "name": ["Tajikistan", hostile("Uzbekistan")], "source": ["NE", "NE"]},
            geometry=[shapely.box(67.4, 36.7, 75.0, 41.0), shapely.box(56.0, 37.2, 67.4, 45.6)],
            crs=4326,
        ),
        LayerKind.RIVERS: gpd.GeoDataFrame(
            {"river_id": ["amu"], "name": [hostile("Amu Darya")], "source": ["digitised"]},
            geometry=[shapely.LineString([(68.2, 37.1), (64.5, 38.9), (60.0, 42.5), (59.2, 43.8)])],
            crs=4326,
        ),
        LayerKind.RANGES: gpd.GeoDataFrame(
            {
                "range_id": ["hist", "r2002-uzb", "r2020-uzb", "r2020-tjk"],
                "name": [hostile("Historical tugai"), "2002 range", "2020 range", "2020 range TJK"],
                "period": ["historical", "2002", "2020", "2020"],
                "presence": [5, 1, 1, 1],
                "origin": [1, 1, 1, 2],
                "seasonal": [1, 1, 1, 1],
                "iso3": [None, "UZB", "UZB", "TJK"],
                "source": ["facts"] * 4,
            },
            geometry=[
                shapely.box(60.0, 37.0, 70.0, 43.0),
                shapely.box(63.5, 39.0, 67.0, 41.0),
                shapely.box(63.0, 38.8, 67.2, 41.2),
                shapely.box(68.0, 37.5, 69.8, 38.9),
            ],
            crs=4326,
        ),
        LayerKind.PROTECTED_AREAS: gpd.GeoDataFrame(
            {
                "pa_id": ["167070", "TJK-TB"],
                "name": [hostile("Reserve"), "Tigrovaya Balka"],
                "designation": ["State Nature Reserve", "Zapovednik"],
                "iucn_cat": ["Ia", "Ia"],
                "status_year": [1971, 1938],
                "reported_area_km2": [500.0, 496.0],
                "iso3": ["UZB", "TJK"],
                "source": ["WDPA", "WDPA"],
                "approximate": [False, True],
            },
            geometry=[shapely.box(63.9, 40.4, 64.4, 40.9), shapely.Point(68.6, 37.9).buffer(0.12)],
            crs=4326,
        ),
        LayerKind.SITES: gpd.GeoDataFrame(
            {
                "site_id": ["tjk-national", "w1", "w2", "w3", "zoo"],
                "name": [
                    "Tajikistan national estimate",
                    hostile("Site"),
                    "Tigrovaya Balka",
                    "Polygon site",
                    "Tashkent Zoo",
                ],
                "iso3": ["TJK", "UZB", "TJK", "UZB", "UZB"],
                "status": ["native", "native", "reintroduced", "introduced", "captive"],
                "source": [hostile("Source"), "s", "s", "s", "s"],
                "scope": ["country", "site", "site", "site", "site"],
                "latitude": [
                    EXACT_WILD["tjk-national"][1],
                    EXACT_WILD["w1"][1],
                    EXACT_WILD["w2"][1],
                    W3_CENTRE[1],
                    CAPTIVE["zoo"][1],
                ],
            },
            geometry=[
                shapely.Point(EXACT_WILD["tjk-national"]),
                shapely.Point(EXACT_WILD["w1"]),
                shapely.Point(EXACT_WILD["w2"]),
                W3_POLYGON,
                shapely.Point(CAPTIVE["zoo"]),
            ],
            crs=4326,
        ),
        LayerKind.RELEASES: gpd.GeoDataFrame(
            {
                "release_id": ["r1", "r2", "r3"],
                "site_id": ["w2", "w2", "w1"],
                "source_site_id": ["zoo", "zoo", None],
                "source_name": [None, None, hostile("Farm")],
                "date": ["1976", "1978-05", "2002"],
                "n_released": [10, 60, 5],
                "source": ["facts"] * 3,
            },
            geometry=[None, None, None],
            crs=4326,
        ),
        LayerKind.POPULATION_COUNTS: gpd.GeoDataFrame(
            {
                "count_id": ["c1", "c2", "c3", "c4", "c5", "c6", "c7"],
                "site_id": ["w1", "w1", "w2", "w2", "zoo", "tjk-national", "w3"],
                "date": ["2002", "2005-04", "2002", "2008", "2005", "2008-02", "2005"],
                "count": [100, 150, 30, 45, 20, 500, 12],
                "lower": [None, None, None, None, None, 450, None],
                "upper": [None, None, None, None, None, 550, None],
                "method": ["census", "census", "census", "census", "enclosure-count", "estimate", "census"],
                "captive": [False, False, False, False, True, False, False],
                "source": ["survey"] * 7,
            },
            geometry=[shapely.Point(EXACT_WILD["w1"])] * 2
            + [shapely.Point(EXACT_WILD["w2"])] * 2
            + [
                shapely.Point(CAPTIVE["zoo"]),
                shapely.Point(EXACT_WILD["tjk-national"]),
                shapely.Point(W3_CENTRE),
            ],
            crs=4326,
        ),
    }
    return {kind: validate_layer(frame, kind) for kind, frame in frames.items()}


def make_store(
    path: Path, layers: dict[LayerKind, gpd.GeoDataFrame] | None = None, config: StoreConfig | None = None
) -> Store:
    """A store at ``path`` holding ``layers`` (default: :func:`make_layers`)."""
    store = Store.create(path, config=config)
    with store.transaction() as tx:
        for kind, frame in (make_layers() if layers is None else layers).items():
            tx.write(kind, frame, provenance=Provenance("publish_builders"), mode="replace")
    return store


def cell_centre(
    lon: float, lat: float, *, cell_m: float = 10_000.0, crs: pyproj.CRS | None = None
) -> tuple[float, float]:
    """The published position of a wild point, computed here independently with pyproj."""
    crs = crs or StoreConfig().crs
    forward = pyproj.Transformer.from_crs(4326, crs, always_xy=True)
    x, y = forward.transform(lon, lat)
    cx, cy = (x // cell_m + 0.5) * cell_m, (y // cell_m + 0.5) * cell_m
    return pyproj.Transformer.from_crs(crs, 4326, always_xy=True).transform(cx, cy)


def coordinate_patterns(lon: float, lat: float) -> list[re.Pattern]:
    """Plausible ways a position may be written, as regular expressions.

    Pairs rounded to 2-6 decimals in both orders and with common separators, and single values with 4-6
    decimals (specific enough to be searched alone). A number matches only whole: ``37.8765`` does not
    match inside ``37.87659``.
    """
    out = []
    for d in range(2, 7):
        x, y = (re.escape(f"{v:.{d}f}") for v in (lon, lat))
        for a, b in ((x, y), (y, x)):
            out.append(rf"(?<![\d.]){a}[\"']?\s*[,; ]\s*[\"']?{b}(?![\d])")
        if d >= 4:
            out += [rf"(?<![\d.]){x}(?!\d)", rf"(?<![\d.]){y}(?!\d)"]
    return [re.compile(p) for p in out]
