"""The one list of JavaScript and CSS that published maps inline, and the optional basemaps.

Every HTML file deerhabitat writes opens from disk with no request to any other host, so Leaflet and
its plugins are not linked from a CDN: they are copied from pinned npm packages into
``publish/vendor/<package>-<version>/`` by ``tools/vendor_assets.py`` (which runs ``npm pack`` and
checks each file against the sha256 listed here), committed with their licence files, and inlined
into each page. Relative ``url(...)`` images in the stylesheets become ``data:`` URIs when inlined.

Basemap tiles are the one remote resource a user may ask for (``--basemap``); the default is none,
and the range-state polygons then serve as the base.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from importlib import resources

from deerhabitat.errors import DeerHabitatError


@dataclass(frozen=True)
class VendoredFile:
    """One file copied from an npm package.

    Attributes
    ----------
    package_path : str
        Path inside the npm tarball (without the leading ``package/``).
    sha256 : str
        Hex digest the committed copy (and the tarball's file) must have.
    """

    package_path: str
    sha256: str

    @property
    def name(self) -> str:
        """File name inside the vendored folder (``dist/`` stripped)."""
        return self.package_path.removeprefix("dist/")


@dataclass(frozen=True)
class VendoredPackage:
    """An npm package pinned by exact version, and the files taken from it.

    Attributes
    ----------
    name : str
        npm package name.
    version : str
        Exact version (``npm pack name@version``).
    licence : str
        SPDX identifier of the package licence.
    licence_file : VendoredFile
        The licence text, committed beside the files.
    scripts, stylesheets, images : tuple of VendoredFile
        JavaScript inlined in order, CSS inlined in order, images referenced by the CSS.
    """

    name: str
    version: str
    licence: str
    licence_file: VendoredFile
    scripts: tuple[VendoredFile, ...] = ()
    stylesheets: tuple[VendoredFile, ...] = ()
    images: tuple[VendoredFile, ...] = ()

    @property
    def folder(self) -> str:
        """Folder under ``publish/vendor`` holding the files."""
        return f"{self.name}-{self.version}"

    @property
    def files(self) -> tuple[VendoredFile, ...]:
        """Every committed file of the package, licence first."""
        return (self.licence_file, *self.scripts, *self.stylesheets, *self.images)


VENDORED: tuple[VendoredPackage, ...] = (
    VendoredPackage(
        "leaflet",
        "1.9.4",
        "BSD-2-Clause",
        VendoredFile("LICENSE", "53e8dc25862014e4324741ca18fbe3611e11d42ef69f59f86ea8c5389647d4cb"),
        scripts=(
            VendoredFile(
                "dist/leaflet.js", "db49d009c841f5ca34a888c96511ae936fd9f5533e90d8b2c4d57596f4e5641a"
            ),
        ),
        stylesheets=(
            VendoredFile(
                "dist/leaflet.css", "a7837102824184820dfa198d1ebcd109ff6d0ff9a2672a074b9a1b4d147d04c6"
            ),
        ),
        images=(
            VendoredFile(
                "dist/images/layers.png", "1dbbe9d028e292f36fcba8f8b3a28d5e8932754fc2215b9ac69e4cdecf5107c6"
            ),
            VendoredFile(
                "dist/images/layers-2x.png",
                "066daca850d8ffbef007af00b06eac0015728dee279c51f3cb6c716df7c42edf",
            ),
            VendoredFile(
                "dist/images/marker-icon.png",
                "574c3a5cca85f4114085b6841596d62f00d7c892c7b03f28cbfa301deb1dc437",
            ),
            VendoredFile(
                "dist/images/marker-icon-2x.png",
                "00179c4c1ee830d3a108412ae0d294f55776cfeb085c60129a39aa6fc4ae2528",
            ),
            VendoredFile(
                "dist/images/marker-shadow.png",
                "264f5c640339f042dd729062cfc04c17f8ea0f29882b538e3848ed8f10edb4da",
            ),
        ),
    ),
    VendoredPackage(
        "leaflet.fullscreen",
        "5.3.3",
        "MIT",
        VendoredFile("LICENSE.md", "410385b71ead45410db7af5abbdc666fe74578b68422cd3365545ec3b46b8b3f"),
        scripts=(
            VendoredFile(
                "dist/Control.FullScreen.umd.js",
                "efa9c94be8519dca2d94949818f098a8ad6c755d0f1fa660be27ea36eb372bfc",
            ),
        ),
        stylesheets=(
            VendoredFile(
                "dist/Control.FullScreen.css",
                "d34b95070a545a815300d6298e7a6b0f64f58825fb468c30578873f972d8a4cc",
            ),
        ),
    ),
    VendoredPackage(
        "leaflet-minimap",
        "3.6.1",
        "BSD-2-Clause",
        VendoredFile("LICENSE.txt", "198e131ff1ddff5f2688f81ca0f9588db133ff14d107c66fd1b76ce8eeb68d1f"),
        scripts=(
            VendoredFile(
                "dist/Control.MiniMap.min.js",
                "1dbfdfd4531a2d5f909fa29261b73dd86c41d9b70aa7bfde7f135e89db84a378",
            ),
        ),
        stylesheets=(
            VendoredFile(
                "dist/Control.MiniMap.min.css",
                "a7469be69d05ac5b3d4f3e0e66089f02f20ff917745455046cd62355755e87dc",
            ),
        ),
        images=(
            VendoredFile(
                "dist/images/toggle.svg", "a98885c370d6b4d8263cfc72336b56e10d3240215d586b4227d46a4fd491ca1b"
            ),
            VendoredFile(
                "dist/images/toggle.png", "7528e6cda9672a197059c4e2c3aa85f36b4557ad264190264b9eff5670b35c88"
            ),
        ),
    ),
)
"""The pinned npm packages whose files are inlined into every map, in load order."""

FOLIUM_VENDORED: tuple[VendoredPackage, ...] = (
    VendoredPackage(
        "jquery",
        "3.7.1",
        "MIT",
        VendoredFile("LICENSE.txt", "d4db9ebe6f29f5168eac45ad713f055623ac5d0dcd5ba92da23d650ae012020d"),
        scripts=(
            VendoredFile(
                "dist/jquery.min.js", "fc9a93dd241f6b045cbff0481cf4e1901becd0e12fb45166a8f17f95823f0b1a"
            ),
        ),
    ),
    VendoredPackage(
        "leaflet.awesome-markers",
        "2.0.5",
        "MIT",
        VendoredFile("LICENSE", "eb9cb7abfd51b3d60a390ab572488738cf0278ae974fa06df0201909d1ce6dd6"),
        scripts=(
            VendoredFile(
                "dist/leaflet.awesome-markers.js",
                "8b0382d98ee76b3706729ebfb2c088b99be258aa30f6054de67b527602348d07",
            ),
        ),
        stylesheets=(
            VendoredFile(
                "dist/leaflet.awesome-markers.css",
                "bfba947d37a17ffa470a27a764affd7115cc747bae47e5ac24386feb5e99321c",
            ),
        ),
        images=(
            VendoredFile(
                "dist/images/markers-soft.png",
                "e41bc4be3d9cc8fcda26990db42fde1990230d352bc5f6f614fe89e163fb4edb",
            ),
            VendoredFile(
                "dist/images/markers-soft@2x.png",
                "d6926e36feb2224311ab88e08dd7c0eebdbe34a64b45ee09a8bc38ecab0cd5ee",
            ),
            VendoredFile(
                "dist/images/markers-shadow.png",
                "8703a2262710f5e3d29e65d2acdf90d6512e159e119d27b8234731d8a6208a20",
            ),
            VendoredFile(
                "dist/images/markers-shadow@2x.png",
                "b21a536be27313fb504f69f5899ff0b1245b276571769ac08d6c32c35676e47a",
            ),
        ),
    ),
    VendoredPackage(
        "leaflet.markercluster",
        "1.5.3",
        "MIT",
        VendoredFile("MIT-LICENCE.txt", "3133dacd38250bd1f524d8166cc60a016a382522e062fce143691c65bf5e4b3d"),
        scripts=(
            VendoredFile(
                "dist/leaflet.markercluster.js",
                "1e4e1d22972a3926f48598e0caf14e3fe7049835d428a344fed4f9e3665b3508",
            ),
        ),
        stylesheets=(
            VendoredFile(
                "dist/MarkerCluster.css", "614dea0a98ff3f4ead74f04918f6b1d1b9ba435c25b5fc23b21a394d1e3e4d87"
            ),
            VendoredFile(
                "dist/MarkerCluster.Default.css",
                "61258232d98d64dc2a7b1e02130d67421bc5b9bda5994eef70228ff97570c170",
            ),
        ),
    ),
)
"""The further pinned npm packages a saved folium map may link (jQuery for folium's popups, the
awesome-markers icons of ``folium.Marker`` and ``FastMarkerCluster``, and ``MarkerCluster``); inlined
only into folium maps (:mod:`deerhabitat.publish.folium`), never into deerhabitat's own pages."""

ALL_VENDORED: tuple[VendoredPackage, ...] = VENDORED + FOLIUM_VENDORED
"""Every committed package (what ``tools/vendor_assets.py`` fetches and checks)."""

OWN_SCRIPT = "deerhabitat-map.js"
OWN_STYLESHEET = "deerhabitat-map.css"
"""deerhabitat's own map code and style (in ``publish/templates``): layer control with groups and
legends, popups built from DOM text nodes, search, measuring, the year slider and the canvas layer."""


class AssetError(DeerHabitatError, OSError):
    """A vendored file is missing or does not match its pinned sha256."""


def _vendor_root():
    return resources.files("deerhabitat.publish") / "vendor"


def read_vendored(package: VendoredPackage, file: VendoredFile) -> bytes:
    """Read one vendored file and check it against its pinned sha256.

    Raises
    ------
    AssetError
        If the file is missing or its content differs from the pinned version.
    """
    path = _vendor_root() / package.folder / file.name
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise AssetError(
            f"vendored file {package.folder}/{file.name} is missing ({exc.strerror}); the package "
            f"installation is incomplete: reinstall deerhabitat, or run `python tools/vendor_assets.py`"
        ) from exc
    digest = hashlib.sha256(data).hexdigest()
    if digest != file.sha256:
        raise AssetError(
            f"vendored file {package.folder}/{file.name} has sha256 {digest[:16]}..., expected "
            f"{file.sha256[:16]}... (npm {package.name}@{package.version}); restore it with "
            f"`python tools/vendor_assets.py`"
        )
    return data


def _read_own(name: str) -> str:
    return (resources.files("deerhabitat.publish") / "templates" / name).read_text(encoding="utf-8")


_URL_RE = re.compile(r"url\(\s*['\"]?(images/[A-Za-z0-9_.@-]+)['\"]?\s*\)")
_MIME = {".png": "image/png", ".svg": "image/svg+xml"}


def inline_package_css(css: str, package: VendoredPackage) -> str:
    """``css`` of ``package`` with its relative ``url(images/...)`` references as ``data:`` URIs."""
    return _inline_images(css, package)


def _inline_images(css: str, package: VendoredPackage) -> str:
    images = {f.name: f for f in package.images}

    def data_uri(match: re.Match) -> str:
        file = images.get(match.group(1))
        if file is None:
            return "none"
        mime = _MIME[file.name[file.name.rfind(".") :]]
        encoded = base64.b64encode(read_vendored(package, file)).decode("ascii")
        return f'url("data:{mime};base64,{encoded}")'

    return _URL_RE.sub(data_uri, css)


@cache
def inline_scripts() -> tuple[str, ...]:
    """The JavaScript of every page, one string per ``<script>`` element, in load order.

    Returns
    -------
    tuple of str
        Leaflet, the plugins, then deerhabitat's own map code.

    Raises
    ------
    AssetError
        If a vendored file is missing or altered, or would end its ``<script>`` element early.
    """
    scripts = [read_vendored(p, f).decode("utf-8") for p in VENDORED for f in p.scripts]
    scripts.append(_read_own(OWN_SCRIPT))
    for text in scripts:
        if "</script" in text.lower() or "<!--" in text:
            raise AssetError(
                "an inlined script contains '</script' or '<!--', which would end its "
                "<script> element early; it cannot be inlined as it is"
            )
    return tuple(scripts)


@cache
def inline_stylesheet() -> str:
    """All CSS of a page in one string, with the plugins' images as ``data:`` URIs."""
    parts = [_inline_images(read_vendored(p, f).decode("utf-8"), p) for p in VENDORED for f in p.stylesheets]
    parts.append(_read_own(OWN_STYLESHEET))
    return "\n".join(parts)


@cache
def marker_icon_uris() -> dict[str, str]:
    """``data:`` URIs of Leaflet's default marker icon, set on ``L.Icon.Default`` after inlining."""
    leaflet = VENDORED[0]
    images = {f.name: f for f in leaflet.images}
    names = {
        "iconUrl": "images/marker-icon.png",
        "iconRetinaUrl": "images/marker-icon-2x.png",
        "shadowUrl": "images/marker-shadow.png",
    }
    return {
        key: "data:image/png;base64," + base64.b64encode(read_vendored(leaflet, images[n])).decode("ascii")
        for key, n in names.items()
    }


class Basemap(StrEnum):
    """Optional basemap tiles. ``none`` (the default) keeps every page free of network requests."""

    NONE = "none"
    OPENSTREETMAP = "openstreetmap"
    CARTO_LIGHT = "carto-light"
    ESRI_IMAGERY = "esri-imagery"


@dataclass(frozen=True)
class TileSource:
    """A tile service: URL template, attribution (plain text), zoom limit and the host it contacts."""

    title: str
    url: str
    attribution: str
    max_zoom: int
    origin: str


TILE_SOURCES: dict[Basemap, TileSource] = {
    Basemap.OPENSTREETMAP: TileSource(
        "OpenStreetMap",
        "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors",
        19,
        "https://tile.openstreetmap.org",
    ),
    Basemap.CARTO_LIGHT: TileSource(
        "CARTO Positron",
        "https://basemaps.cartocdn.com/light_all/{z}/{x}/{y}.png",
        "© OpenStreetMap contributors © CARTO",
        19,
        "https://basemaps.cartocdn.com",
    ),
    Basemap.ESRI_IMAGERY: TileSource(
        "Esri World Imagery",
        "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
        "Tiles © Esri — Source: Esri, Maxar, Earthstar Geographics, and the GIS User Community",
        18,
        "https://server.arcgisonline.com",
    ),
}
"""The tile services ``--basemap`` offers. OpenStreetMap's servers refuse requests that carry no
``Referer`` header, which is the case for a page opened from disk: serve the folder over HTTP, or
choose ``carto-light``."""
