"""Vendored Leaflet and plugins: pinned, licensed, unaltered, inlinable, small."""

from __future__ import annotations

import hashlib
import re
from importlib import resources

import pytest

from deerhabitat.publish import assets
from deerhabitat.publish.assets import (
    ALL_VENDORED,
    VENDORED,
    AssetError,
    inline_scripts,
    inline_stylesheet,
    read_vendored,
)

VENDOR = resources.files("deerhabitat.publish") / "vendor"


@pytest.mark.parametrize("package", ALL_VENDORED, ids=lambda p: f"{p.name}@{p.version}")
def test_every_vendored_file_matches_its_pinned_sha256_and_has_a_licence(package):
    assert re.fullmatch(r"\d+\.\d+\.\d+", package.version)
    licence = (VENDOR / package.folder / package.licence_file.name).read_text(encoding="utf-8")
    assert "Permission" in licence or "Redistribution" in licence
    for file in package.files:
        data = (VENDOR / package.folder / file.name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == file.sha256


def test_an_altered_file_is_refused(monkeypatch):
    package = VENDORED[0]
    altered = type(package.scripts[0])(package.scripts[0].package_path, "0" * 64)
    with pytest.raises(
        AssetError,
        match=r"has sha256 .* expected 0000000000000000\.\.\. \(npm leaflet@1\.9\.4\); "
        r"restore it with `python tools/vendor_assets.py`",
    ):
        read_vendored(package, altered)


def test_a_missing_file_is_refused():
    package = VENDORED[0]
    missing = type(package.scripts[0])("dist/nothing.js", "0" * 64)
    with pytest.raises(AssetError, match=r"vendored file leaflet-1\.9\.4/nothing\.js is missing"):
        read_vendored(package, missing)


def test_scripts_are_inlinable_and_leaflet_comes_first():
    scripts = inline_scripts()
    assert scripts[0].startswith("/* @preserve\n * Leaflet 1.9.4")
    assert "deerhabitat.render" not in scripts[0] and "DH.render = function" in scripts[-1]
    for text in scripts:
        assert "</script" not in text.lower()


def test_stylesheet_has_no_remote_or_relative_urls():
    css = inline_stylesheet()
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    assert urls and all(u.startswith("data:") or u == "#default#VML" for u in urls)
    assert "@import" not in css and "http://" not in css.replace("http://www.w3.org/2000/svg", "")


def test_the_runtime_never_builds_html_from_strings():
    runtime = inline_scripts()[-1]
    assert "innerHTML" not in runtime and "insertAdjacentHTML" not in runtime and "eval(" not in runtime
    assert "document.write" not in runtime and "new Function" not in runtime


def test_vendored_total_stays_small():
    total = sum(len(read_vendored(p, f)) for p in VENDORED for f in p.files)
    assert total < 250_000


def test_tile_sources_cover_every_basemap_but_none():
    assert set(assets.TILE_SOURCES) == set(assets.Basemap) - {assets.Basemap.NONE}
    for source in assets.TILE_SOURCES.values():
        assert source.url.startswith(source.origin + "/")
