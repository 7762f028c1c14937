"""The store opened in QGIS as a user would: every layer loads with the style `deerhabitat map` wrote.

QGIS runs in a child process (Debian's ``/usr/bin/python3`` with ``python3-qgis``, headless with
``QT_QPA_PLATFORM=offscreen``; the project's venv has no PyQGIS) through ``qgis_client.py`` in this folder.
`make qgis` (a step of `make test`) installs Debian's QGIS when it can; without it these tests skip.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matplotlib.colors import to_hex
from PIL import Image

from deerhabitat.config import bundled_store_path
from deerhabitat.io.store import Store
from deerhabitat.publish.styles import DEFAULT_STYLES
from deerhabitat.schema import LayerKind

SYSTEM_PYTHON = "/usr/bin/python3"
CLIENT = Path(__file__).resolve().with_name("qgis_client.py")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "build" / "screenshots"


def _qgis_missing() -> str | None:
    if not Path(SYSTEM_PYTHON).is_file():
        return f"{SYSTEM_PYTHON} not found (QGIS's Python bindings come with Debian's python3)"
    probe = subprocess.run([SYSTEM_PYTHON, "-c", "import qgis.core"], capture_output=True, text=True)
    if probe.returncode != 0:
        return (
            "QGIS is not installed: PyQGIS (Debian's python3-qgis) cannot be imported by /usr/bin/python3; "
            "`make qgis` installs python3-qgis and qgis-providers (about 1 GB)"
        )
    return None


pytestmark = pytest.mark.skipif(bool(_qgis_missing()), reason=_qgis_missing() or "")


@pytest.fixture(scope="module")
def opened(tmp_path_factory):
    """A copy of the bundled store after `deerhabitat map`, as QGIS sees it, and its rendered image."""
    root = tmp_path_factory.mktemp("qgis")
    store = root / "store.gpkg"
    shutil.copyfile(bundled_store_path(), store)
    env = {k: v for k, v in os.environ.items() if k != "DEERHABITAT_STORE"}
    exe = Path(sys.executable).with_name("deerhabitat")
    done = subprocess.run(
        [str(exe), "map", "overview", "--store", str(store), "--out", str(root / "maps")],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "QGIS layer styles in the store" in done.stdout
    png = root / "qgis.png"
    qgis_env = {**env, "QT_QPA_PLATFORM": "offscreen", "XDG_RUNTIME_DIR": str(root)}
    qgis_env.pop("PYTHONPATH", None)
    run = subprocess.run(
        [SYSTEM_PYTHON, str(CLIENT), str(store), str(png)],
        capture_output=True,
        text=True,
        env=qgis_env,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(png, SCREENSHOTS / "qgis-store.png")
    return store, json.loads(run.stdout), png


def _feature_tables(store: Path) -> dict[str, int]:
    with sqlite3.connect(store) as con:
        tables = [
            r[0] for r in con.execute("SELECT table_name FROM gpkg_contents WHERE data_type='features'")
        ]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_qgis_is_the_debian_release_the_issue_names(opened):
    _, seen, _ = opened
    assert seen["qgis"].startswith("3.") and seen["providers"]


def test_every_layer_loads_with_all_its_features(opened):
    store, seen, _ = opened
    expected = _feature_tables(store)
    assert set(seen["layers"]) == set(expected)
    for table, count in expected.items():
        layer = seen["layers"][table]
        assert layer["valid"], table
        assert layer["features"] == count, table


def test_every_layer_opens_with_the_style_deerhabitat_map_stored(opened):
    store, seen, _ = opened
    stored = Store(store).styles()
    assert set(stored) == set(seen["layers"]), "map wrote a default style for every layer"
    for table, layer in seen["layers"].items():
        assert layer["stored_style"] == stored[table]["name"] == "deerhabitat", table
        assert layer["load_message"] == "", table
        assert layer["same_as_stored"], f"{table}: QGIS did not apply the stored default style on load"


def test_qgis_draws_the_web_maps_colours(opened):
    _, seen, _ = opened
    sites = seen["layers"]["sites"]
    assert sites["renderer"] == "categorizedSymbol"
    web = {symbol.label: to_hex(symbol.fill) for _, symbol in DEFAULT_STYLES[LayerKind.SITES].categories}
    qgis = {label: s["fill"] for label, s in sites["symbols"].items() if label in web}
    assert qgis and qgis == {label: web[label] for label in qgis}
    pas = DEFAULT_STYLES[LayerKind.PROTECTED_AREAS].symbol
    protected = next(iter(seen["layers"]["protected_areas"]["symbols"].values()))
    assert protected == {"fill": to_hex(pas.fill), "stroke": to_hex(pas.stroke)}
    assert seen["layers"]["ranges"]["renderer"] == "categorizedSymbol"


def test_the_rendered_image_shows_the_styled_layers(opened):
    _, seen, png = opened
    assert seen["errors"] == []
    pixels = np.asarray(Image.open(png).convert("RGB")).reshape(-1, 3)
    colours = {tuple(p) for p in pixels[::7]}
    assert len(colours) > 50, "more than a blank or single-colour image"
    states = DEFAULT_STYLES[LayerKind.RANGE_STATES].symbol.fill
    rgb = tuple(int(to_hex(states)[i : i + 2], 16) for i in (1, 3, 5))
    assert (pixels == rgb).all(axis=1).mean() > 0.2, "range states fill a good part of the image"
    for _, symbol in DEFAULT_STYLES[LayerKind.SITES].categories[:2]:
        site = tuple(int(to_hex(symbol.fill)[i : i + 2], 16) for i in (1, 3, 5))
        assert (np.abs(pixels.astype(int) - site).sum(axis=1) < 12).sum() > 20, symbol.label
