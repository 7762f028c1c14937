"""The HTML page of a map: the template, the embedded data, the inlined scripts and the security policy.

Every page inlines Leaflet, its plugins and the map runtime (:mod:`deerhabitat.publish.assets`), carries
its map's data as JSON in ``<script type="application/json">`` and a Content-Security-Policy that lets
only those scripts run (by sha256) and connects to no host. Templates live in ``publish/templates`` and
are autoescaped.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import cache

import jinja2

from deerhabitat._version import __version__
from deerhabitat.publish.assets import (
    TILE_SOURCES,
    Basemap,
    inline_scripts,
    inline_stylesheet,
    marker_icon_uris,
)
from deerhabitat.publish.layers import WebMap, encode_map, script_json


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("deerhabitat.publish", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _csp_hash(script: str) -> str:
    return (
        "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii") + "'"
    )


def content_security_policy(
    scripts: Sequence[str], *, basemap: Basemap = Basemap.NONE, local_files: bool = False
) -> str:
    """The page's Content-Security-Policy: only its own scripts (by sha256), no connection to any host.

    Parameters
    ----------
    scripts : sequence of str
        The exact text of every inline ``<script>`` that must run.
    basemap : Basemap
        A tile service whose images may load (none by default).
    local_files : bool
        Allow frames and images from the page's own folder (the report embeds maps and images).
    """
    images = ["data:"]
    if basemap is not Basemap.NONE:
        images.append(TILE_SOURCES[basemap].origin)
    if local_files:
        images += ["'self'", "file:"]
    frames = "'self' file:" if local_files else "'none'"
    hashes = " ".join(dict.fromkeys(_csp_hash(s) for s in scripts))
    return (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src {' '.join(images)}; "
        f"frame-src {frames}; connect-src 'none'; base-uri 'none'; form-action 'none'"
    )


def map_payload(web_map: WebMap, *, basemap: Basemap = Basemap.NONE) -> str:
    """The map's JSON for its ``<script type="application/json">`` element."""
    data = encode_map(web_map)
    data["markerIcon"] = marker_icon_uris()
    if basemap is not Basemap.NONE:
        tiles = TILE_SOURCES[basemap]
        data["tiles"] = {
            "title": tiles.title,
            "url": tiles.url,
            "attribution": tiles.attribution,
            "maxZoom": tiles.max_zoom,
        }
    return script_json(data)


def page_scripts(map_names: Sequence[str]) -> list[str]:
    """Every inline script of a page: Leaflet, plugins, the runtime, then one render call per map."""
    calls = "".join(f"deerhabitat.render({script_json(name)});" for name in map_names)
    return [*inline_scripts(), calls]


def render_map_html(web_map: WebMap, *, basemap: Basemap | str = Basemap.NONE) -> str:
    """The standalone HTML page of one map (opens from disk, no network unless a basemap is chosen).

    Parameters
    ----------
    web_map : WebMap
        The map.
    basemap : Basemap or str, default "none"
        Optional tile service; ``none`` keeps the page free of network requests.

    Returns
    -------
    str
        The page; the same map gives the same text, byte for byte.
    """
    basemap = Basemap(basemap)
    scripts = page_scripts([web_map.name])
    return (
        _environment()
        .get_template("map.html.j2")
        .render(
            map=web_map,
            payload=map_payload(web_map, basemap=basemap),
            scripts=scripts,
            css=inline_stylesheet(),
            csp=content_security_policy(scripts, basemap=basemap),
            version=__version__,
        )
    )


def environment() -> jinja2.Environment:
    """The Jinja environment of the publish templates (autoescaping on)."""
    return _environment()
