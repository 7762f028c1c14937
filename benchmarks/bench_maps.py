"""Benchmark: a layer of 100,000 points as a deerhabitat map versus plain folium, in the same run.

Measures, for each variant, the build time (construct + render + write, in this process), the size of the
HTML file, and the load time in headless Chromium (Debian's, via Playwright, every network request blocked:
from ``page.goto`` until the page has drawn its points, after two animation frames). Medians of ``--runs``.

Variants:

- ``deerhabitat``: :func:`deerhabitat.publish.render_map_html` of one :class:`MapLayer` (points drawn by the
  canvas layer, popup name and status per point), Leaflet and plugins inlined.
- ``folium GeoJson``: ``folium.GeoJson`` with ``CircleMarker`` points on a ``prefer_canvas`` map (the fastest
  plain GeoJson set-up; default markers do not load at 100,000 points), tooltip of the name.
- ``folium FastMarkerCluster``: ``folium.plugins.FastMarkerCluster`` on the coordinates.

folium links its JavaScript from CDNs, which a machine with no network cannot reach; for a fair comparison
the CDN links are replaced by the same files fetched once with ``npm pack`` into ``benchmarks/out/npm``
(leaflet, jquery, leaflet.awesome-markers, leaflet.markercluster; bootstrap and font CSS are dropped as they
only style icons).

Usage::

    .venv/bin/python benchmarks/bench_maps.py [--points 100000] [--runs 3] [--out benchmarks/out]
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


def main(argv: list[str] | None = None) -> dict:
    """Run the benchmark and print a Markdown table (also written as JSON into ``--out``)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "out")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    frame = points_frame(args.points)
    npm = fetch_npm(args.out / "npm")
    variants = {
        "deerhabitat": (_deerhabitat_html, LOADED["deerhabitat"]),
        "folium GeoJson (CircleMarker, prefer_canvas)": (
            lambda f: _folium_geojson_html(f, npm),
            LOADED["folium"],
        ),
        "folium FastMarkerCluster": (lambda f: _folium_fast_cluster_html(f, npm), LOADED["folium"]),
    }
    results = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=OFFLINE_ARGS)
        for name, (variant, ready) in variants.items():
            path = args.out / f"bench-{re.sub(r'[^a-z]+', '-', name.lower()).strip('-')}.html"
            builds = [build(variant, frame, path) for _ in range(args.runs)]
            loads = [load_seconds(browser, path, ready) for _ in range(args.runs)]
            results[name] = {
                "build_s": statistics.median(builds),
                "html_mb": path.stat().st_size / 1e6,
                "load_s": statistics.median(s for s, _ in loads),
                "page_errors": sorted({e for _, errs in loads for e in errs}),
            }
        browser.close()
    base = results["deerhabitat"]
    print(
        f"| variant ({args.points:,} points) | build (s) | HTML (MB) | load (s) | build ratio | load ratio |"
    )
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(
            f"| {name} | {r['build_s']:.2f} | {r['html_mb']:.1f} | {r['load_s']:.2f} | "
            f"{r['build_s'] / base['build_s']:.1f}x | {r['load_s'] / base['load_s']:.1f}x |"
        )
    (args.out / "bench_maps.json").write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
