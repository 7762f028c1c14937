"""Progress: the core API (:mod:`deerhabitat.progress`) and the bar of ``deerhabitat import``."""

from __future__ import annotations

from typing import ClassVar

import geopandas as gpd
import pytest
import shapely

from deerhabitat.progress import reporting, task, track


class Recorder:
    """A display that records what it is told."""

    log: ClassVar[list[list[tuple]]] = []

    def __init__(self, label: str, total: int | None) -> None:
        self.events: list[tuple] = [("start", label, total)]
        Recorder.log.append(self.events)

    def update(self, n: int = 1) -> None:
        self.events.append(("update", n))

    def close(self) -> None:
        self.events.append(("close",))


def test_without_a_display_items_pass_through_and_nothing_is_shown():
    Recorder.log = []
    assert list(track(iter(range(3)), "x")) == [0, 1, 2]
    with task("y", 2) as advance:
        advance(2)
    assert Recorder.log == []


def test_a_display_sees_each_step_and_the_end_even_on_error():
    Recorder.log = []
    with reporting(Recorder):
        assert list(track(range(2), "two")) == [0, 1]
        with pytest.raises(ValueError, match="stop"), task("fails", 3) as advance:
            advance(1)
            raise ValueError("stop")
    assert Recorder.log == [
        [("start", "two", 2), ("update", 1), ("update", 1), ("close",)],
        [("start", "fails", 3), ("update", 1), ("close",)],
    ]
    assert list(track([1], "after")) == [1]
    assert len(Recorder.log) == 2  # the display was removed at the end of the block


@pytest.fixture
def sites_file(tmp_path):
    from deerhabitat.workflows import init

    init(tmp_path / "s.gpkg")
    sites = gpd.GeoDataFrame(
        {"site_id": ["a"], "name": ["A"], "iso3": ["UZB"], "status": ["native"], "source": ["t"]},
        geometry=[shapely.Point(65.0, 39.0)],
        crs=4326,
    )
    sites.to_file(tmp_path / "sites.geojson")
    return tmp_path / "sites.geojson"


def test_import_shows_its_steps_on_a_terminal(run_in_terminal, sites_file):
    code, drawn = run_in_terminal("import", "sites", sites_file, "--store", "s.gpkg")
    assert code == 0, drawn
    assert "Import sites:" in drawn and "| 0/5 " in drawn  # read, 3 checks, write


def test_import_is_quiet_with_q_and_in_a_pipe(run_in_terminal, run_cli, sites_file):
    code, drawn = run_in_terminal("-q", "import", "sites", sites_file, "--store", "s.gpkg")
    assert code == 0, drawn
    assert "Import sites" not in drawn
    piped = run_cli("import", "sites", sites_file, "--store", "s.gpkg")
    assert piped.exit_code == 0, piped
    assert "Import sites" not in piped.stderr + piped.stdout
