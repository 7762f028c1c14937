"""Benchmark: 100,000 points and 20,000 protected areas as deerhabitat maps versus folium, in the same run.

Measures, for each variant, the build time (construct + render + write, in this process), the size of the
HTML file, and the load time in headless Chromium (Debian's, via Playwright, every network request blocked:
from ``page.goto`` until the page has drawn its points, after two animation frames). Medians of ``--runs``.

Variants:

- ``deerhabitat``: :func:`deerhabitat.publish.render_map_html` of one :class:`MapLayer` (points drawn by the
  canvas layer, popup name and status per point), Leaflet and plugins inlined.
- ``folium GeoJson``: ``folium.GeoJson`` with ``CircleMarker`` points on a ``prefer_canvas`` map (the fastest
  plain GeoJson set-up; default markers do not load at 100,000 points), tooltip of the name.
- ``folium FastMarkerCluster``: ``folium.plugins.FastMarkerCluster`` on the coordinates.
- ``deerhabitat.publish.to_folium``: the same deerhabitat map drawn with folium (one escaped popup per
  feature) and saved with ``offline_html`` (``--folium-points``, default 10,000: at 100,000 points a folium
  GeoJson page does not finish loading).

Polygons (``--polygons``, default 20,000): random protected areas cut from one Voronoi partition of Central
Asia (so neighbours share borders), edges densified and bent by a smooth displacement (about 42 vertices a
polygon), each with a name and a designation; the deerhabitat page (packed, three simplified zoom levels)
beside plain ``folium.GeoJson`` with a tooltip on a ``prefer_canvas`` map.

folium links its JavaScript from CDNs, which a machine with no network cannot reach; for a fair comparison
the CDN links are replaced by the same files fetched once with ``npm pack`` into ``benchmarks/out/npm``
(leaflet, jquery, leaflet.awesome-markers, leaflet.markercluster; bootstrap and font CSS are dropped as they
only style icons).

Usage::

    .venv/bin/python benchmarks/bench_maps.py [--points 100000] [--polygons 20000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import tarfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

NPM = {
    "leaflet": ("leaflet@1.9.4", ["dist/leaflet.js"], ["dist/leaflet.css"]),
    "jquery": ("jquery@3.7.1", ["dist/jquery.min.js"], []),
    "awesome_markers": (
        "leaflet.awesome-markers@2.0.5",
        ["dist/leaflet.awesome-markers.js"],
        ["dist/leaflet.awesome-markers.css"],
    ),
    "markerclusterjs": (
        "leaflet.markercluster@1.5.3",
        ["dist/leaflet.markercluster.js"],
        ["dist/MarkerCluster.css", "dist/MarkerCluster.Default.css"],
    ),
}


def points_frame(n: int, seed: int = 1) -> gpd.GeoDataFrame:
    """``n`` random points over Central Asia with a name and a status."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(52.0, 82.0, n), rng.uniform(35.0, 48.0, n)
    statuses = np.array(["native", "reintroduced", "introduced", "captive"])[rng.integers(0, 4, n)]
    return gpd.GeoDataFrame(
        {"name": [f"Survey point {i}" for i in range(n)], "status": statuses},
        geometry=shapely.points(lon, lat),
        crs=4326,
    )


DESIGNATIONS = np.array(["Zapovednik", "National park", "Zakaznik", "Natural monument", "Ramsar wetland"])


def protected_areas_frame(n: int, seed: int = 2) -> gpd.GeoDataFrame:
    """``n`` protected areas over Central Asia, neighbours sharing borders.

    Cells of one Voronoi partition of 1.5 n random seeds (a third of them dropped, leaving gaps), edges
    densified every 0.012 degree and bent by a smooth displacement, rounded to 1e-6 degree; a valid
    coverage (checked).
    """
    rng = np.random.default_rng(seed)
    m = int(n * 1.5)
    box = shapely.box(52.0, 35.0, 82.0, 48.0)
    seeds = shapely.multipoints(np.column_stack([rng.uniform(52, 82, m), rng.uniform(35, 48, m)]))
    cells = shapely.intersection(
        np.asarray(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=box))), box
    )
    cells = shapely.segmentize(cells, 0.012)

    def bend(xy: np.ndarray) -> np.ndarray:
        x, y = xy[:, 0], xy[:, 1]
        dx = 0.0025 * (np.sin(x * 97.0 + y * 31.0) + np.sin(y * 143.0 - x * 57.0))
        dy = 0.0025 * (np.sin(y * 89.0 - x * 23.0) + np.sin(x * 131.0 + y * 61.0))
        return np.round(np.column_stack([x + dx, y + dy]), 6)

    cells = shapely.transform(cells, bend)[np.sort(rng.choice(m, n, replace=False))]
    if not shapely.coverage_is_valid(cells):
        raise RuntimeError("the generated protected areas are not a valid coverage")
    return gpd.GeoDataFrame(
        {
            "name": [f"Protected area {i}" for i in range(n)],
            "designation": DESIGNATIONS[rng.integers(0, 5, n)],
        },
        geometry=cells,
        crs=4326,
    )


def fetch_npm(folder: Path) -> dict[str, tuple[list[str], list[str]]]:
    """The JS and CSS texts of the npm packages folium needs, fetched once with ``npm pack``."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for key, (spec, scripts, styles) in NPM.items():
        name, version = spec.rsplit("@", 1)
        tarball = folder / f"{name}-{version}.tgz"
        if not tarball.is_file():
            subprocess.run(["npm", "pack", spec, "--silent"], cwd=folder, check=True, capture_output=True)
        with tarfile.open(tarball) as tar:
            read = lambda p: tar.extractfile(f"package/{p}").read().decode("utf-8")  # noqa: E731
            out[key] = ([read(p) for p in scripts], [read(p) for p in styles])
    return out


def _deerhabitat_html(frame: gpd.GeoDataFrame) -> str:
    from deerhabitat.publish import Field, MapLayer, WebMap, render_map_html
    from deerhabitat.publish.styles import SITE_STYLE

    layer = MapLayer(
        "points",
        "Survey points",
        "Populations",
        frame,
        SITE_STYLE,
        (Field("name", "Name"), Field("status", "Status")),
        searchable=True,
    )
    return render_map_html(WebMap("points", "100,000 points", "Benchmark", (layer,)))


def _deerhabitat_polygons_html(frame: gpd.GeoDataFrame) -> str:
    from deerhabitat.publish import Field, MapLayer, WebMap, render_map_html
    from deerhabitat.publish.styles import DEFAULT_STYLES
    from deerhabitat.schema import LayerKind

    layer = MapLayer(
        "protected-areas",
        "Protected areas",
        "Protection",
        frame,
        DEFAULT_STYLES[LayerKind.PROTECTED_AREAS],
        (Field("name", "Name"), Field("designation", "Designation")),
        searchable=True,
    )
    return render_map_html(WebMap("areas", f"{len(frame):,} protected areas", "Benchmark", (layer,)))


def _folium_polygons_html(frame: gpd.GeoDataFrame, npm: dict) -> str:
    import folium

    m = folium.Map(location=[41.5, 67.0], zoom_start=5, tiles=None, prefer_canvas=True, maxZoom=18)
    folium.GeoJson(
        frame,
        style_function=lambda f: {
            "color": "#1b5e20",
            "weight": 1,
            "fillColor": "#a5d6a7",
            "fillOpacity": 0.5,
        },
        tooltip=folium.GeoJsonTooltip(["name"]),
    ).add_to(m)
    return _inline_folium(m.get_root().render(), npm)


def _deerhabitat_to_folium_html(frame: gpd.GeoDataFrame) -> str:
    from deerhabitat.publish import Field, MapLayer, WebMap, offline_html, to_folium
    from deerhabitat.publish.styles import SITE_STYLE

    layer = MapLayer(
        "points",
        "Survey points",
        "Populations",
        frame,
        SITE_STYLE,
        (Field("name", "Name"), Field("status", "Status")),
    )
    return offline_html(to_folium(WebMap("points", f"{len(frame):,} points", "Benchmark", (layer,))))


def _inline_folium(html: str, npm: dict) -> str:
    def script(match: re.Match) -> str:
        url = match.group(1)
        key = next(
            (
                k
                for k, marker in (
                    ("markerclusterjs", "markercluster"),
                    ("awesome_markers", "awesome-markers"),
                    ("jquery", "jquery"),
                    ("leaflet", "leaflet"),
                )
                if marker in url
            ),
            None,
        )
        return "".join(f"<script>{s}</script>" for s in npm[key][0]) if key else ""

    def style(match: re.Match) -> str:
        url = match.group(1)
        key = (
            "awesome_markers" if "awesome-markers.css" in url else "leaflet" if "leaflet.css" in url else None
        )
        return "".join(f"<style>{s}</style>" for s in npm[key][1]) if key else ""

    html = re.sub(r'<script src="([^"]+)"></script>', script, html)
    html = re.sub(r'<link rel="stylesheet" href="([^"]+)"/>', style, html)
    css = "".join(f"<style>{s}</style>" for s in npm["markerclusterjs"][1])
    return html.replace("</head>", css + "</head>", 1)


def _folium_geojson_html(frame: gpd.GeoDataFrame, npm: dict) -> str:
    import folium

    m = folium.Map(location=[41.5, 67.0], zoom_start=5, tiles=None, prefer_canvas=True, maxZoom=18)
    folium.GeoJson(
        frame, marker=folium.CircleMarker(radius=3, fill=True), tooltip=folium.GeoJsonTooltip(["name"])
    ).add_to(m)
    return _inline_folium(m.get_root().render(), npm)


def _folium_fast_cluster_html(frame: gpd.GeoDataFrame, npm: dict) -> str:
    import folium
    from folium.plugins import FastMarkerCluster

    m = folium.Map(location=[41.5, 67.0], zoom_start=5, tiles=None, maxZoom=18)
    FastMarkerCluster(list(zip(frame.geometry.y, frame.geometry.x, strict=True))).add_to(m)
    return _inline_folium(m.get_root().render(), npm)


def build(variant, frame, path: Path) -> float:
    """Build one variant into ``path``; return the seconds taken (construct + render + write)."""
    start = time.perf_counter()
    path.write_text(variant(frame), encoding="utf-8")
    return time.perf_counter() - start


OFFLINE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:9",
    "--no-first-run",
]
"""Chromium with every host unresolvable and a dead proxy: nothing leaves the machine."""

LOADED = {
    "deerhabitat": "() => !!document.querySelector('.dh-map[data-ready]')",
    "folium": "() => document.querySelector('.leaflet-container') !== null",
}


def load_seconds(browser, path: Path, ready: str) -> tuple[float, list[str]]:
    """Seconds from navigation to the page drawn (two animation frames after ready).

    The network is blocked by the browser's own flags (see :data:`OFFLINE_ARGS`) rather than by Playwright's
    request interception, which would slow the reading of large local files; any request to a host is
    reported as an error.
    """
    context = browser.new_context(viewport={"width": 1200, "height": 800})
    errors: list[str] = []
    page = context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file:", "data:")) else errors.append(f"request {r.url}"),
    )
    start = time.perf_counter()
    page.goto(path.resolve().as_uri(), wait_until="load", timeout=300_000)
    page.wait_for_function(ready, timeout=300_000)
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
    seconds = time.perf_counter() - start
    context.close()
    return seconds, errors


def _run(browser, variants: dict, frame, out: Path, runs: int) -> dict:
    results = {}
    for name, (variant, ready) in variants.items():
        path = out / f"bench-{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.html"
        builds = [build(variant, frame, path) for _ in range(runs)]
        loads = [load_seconds(browser, path, ready) for _ in range(runs)]
        results[name] = {
            "build_s": statistics.median(builds),
            "html_mb": path.stat().st_size / 1e6,
            "load_s": statistics.median(s for s, _ in loads),
            "load_best_s": min(s for s, _ in loads),
            "page_errors": sorted({e for _, errs in loads for e in errs}),
        }
    return results


def _table(title: str, results: dict) -> None:
    base = results["deerhabitat"]
    print(f"\n| {title} | build (s) | HTML (MB) | load (s), median | best | HTML ratio | load ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['build_s']:.2f} | {r['html_mb']:.2f} | {r['load_s']:.2f} | "
            f"{r['load_best_s']:.2f} | {r['html_mb'] / base['html_mb']:.1f}x | "
            f"{r['load_s'] / base['load_s']:.1f}x |"
        )
        if r["page_errors"]:
            print(f"|  errors: {'; '.join(r['page_errors'])[:300]} |")


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print Markdown tables (also written as JSON into ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--folium-points", type=int, default=10_000)
    parser.add_argument("--polygons", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    npm = fetch_npm(args.out / "npm")
    points = points_frame(args.points)
    areas = protected_areas_frame(args.polygons)
    results: dict = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=OFFLINE_ARGS)
        results["points"] = _run(
            browser,
            {
                "deerhabitat": (_deerhabitat_html, LOADED["deerhabitat"]),
                "folium GeoJson (CircleMarker, prefer_canvas)": (
                    lambda f: _folium_geojson_html(f, npm),
                    LOADED["folium"],
                ),
                "folium FastMarkerCluster": (lambda f: _folium_fast_cluster_html(f, npm), LOADED["folium"]),
            },
            points,
            args.out,
            args.runs,
        )
        few = points_frame(args.folium_points)
        results["folium-interop"] = _run(
            browser,
            {
                "deerhabitat": (_deerhabitat_html, LOADED["deerhabitat"]),
                "deerhabitat.publish.to_folium + offline_html": (
                    _deerhabitat_to_folium_html,
                    LOADED["folium"],
                ),
            },
            few,
            args.out,
            args.runs,
        )
        results["polygons"] = _run(
            browser,
            {
                "deerhabitat": (_deerhabitat_polygons_html, LOADED["deerhabitat"]),
                "folium GeoJson (prefer_canvas, tooltip)": (
                    lambda f: _folium_polygons_html(f, npm),
                    LOADED["folium"],
                ),
            },
            areas,
            args.out,
            args.runs,
        )
        browser.close()
    _table(f"{args.points:,} points", results["points"])
    _table(f"{args.folium_points:,} points, deerhabitat map drawn by folium", results["folium-interop"])
    vertices = int(shapely.get_num_coordinates(areas.geometry.values).sum())
    _table(f"{args.polygons:,} protected areas ({vertices:,} vertices)", results["polygons"])
    (args.out / "bench_maps.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
