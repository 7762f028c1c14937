"""Static images are drawn once per map content and dpi, then copied from the user's cache."""

from __future__ import annotations

import pytest

from deerhabitat.publish import Basemap, build_maps
from deerhabitat.publish.static import static_fingerprint
from deerhabitat.workflows import maps as workflow


@pytest.fixture
def overview(public_data):
    return build_maps(public_data)[0]


def _write(web_map, folder):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "static").mkdir(exist_ok=True)
    (folder / "embed").mkdir(exist_ok=True)
    return workflow.write_map(web_map, folder, dpi=60, basemap=Basemap.NONE)


def test_the_same_map_is_drawn_once_and_the_copy_is_identical(overview, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    drawn = []
    real = workflow.render_static_maps
    monkeypatch.setattr(workflow, "render_static_maps", lambda m, **kw: drawn.append(m.name) or real(m, **kw))
    first = _write(overview, tmp_path / "a")
    second = _write(overview, tmp_path / "b")
    assert drawn == ["overview"]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


def test_a_damaged_entry_or_another_dpi_is_drawn_again(overview, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    drawn = []
    real = workflow.render_static_maps
    monkeypatch.setattr(
        workflow, "render_static_maps", lambda m, **kw: drawn.append(kw["dpi"]) or real(m, **kw)
    )
    first = _write(overview, tmp_path / "a")
    for png in (tmp_path / "cache").rglob("overview.png"):
        png.write_bytes(b"truncated")
    again = _write(overview, tmp_path / "b")
    assert drawn == [60, 60]
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in again]
    workflow.write_map(overview, tmp_path / "b", dpi=61, basemap=Basemap.NONE)
    assert drawn == [60, 60, 61]


def test_the_fingerprint_changes_with_what_is_drawn(overview, public_data):
    from dataclasses import replace

    assert static_fingerprint(overview) == static_fingerprint(build_maps(public_data)[0])
    assert static_fingerprint(overview) != static_fingerprint(replace(overview, description="other"))
    moved = replace(overview, layers=(*overview.layers[:-1],))
    assert static_fingerprint(overview) != static_fingerprint(moved)
