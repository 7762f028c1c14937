"""One ``report`` of the bundled store reads each layer once and opens SQLite a bounded number of times.

Every read is counted, the bundled habitat step included (AOH, suitability and candidate sites are
computed from the snapshot's layers, not from the store): the cache is a fresh, empty folder, so the
habitat step computes everything, and a second report (from the cache) is counted too.
"""

from __future__ import annotations

import collections
import sqlite3
from pathlib import Path

import pyogrio
import pytest

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.workflows import report

LAYERS = {"range_states", "rivers", "ranges", "protected_areas", "sites", "releases", "population_counts"}


def _counted_report(out: Path) -> tuple[collections.Counter, int]:
    store = bundled_store_path().resolve()
    reads: collections.Counter = collections.Counter()
    opens = [0]
    read_dataframe, connect = pyogrio.read_dataframe, sqlite3.connect

    def counting_read(path, *args, **kwargs):
        if Path(path).resolve() == store:
            reads[kwargs.get("layer")] += 1
        return read_dataframe(path, *args, **kwargs)

    def counting_connect(database, *args, **kwargs):
        if str(store) in str(database):
            opens[0] += 1
        return connect(database, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pyogrio, "read_dataframe", counting_read)
        mp.setattr(sqlite3, "connect", counting_connect)
        report(out=out, dpi=50)
    return reads, opens[0]


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """Layer reads and SQLite connections on the bundled store during a first and a second ``report``."""
    cache = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(cache))
        mp.delenv("DEERHABITAT_STORE", raising=False)
        first = _counted_report(tmp_path_factory.mktemp("first") / "maps")
        second = _counted_report(tmp_path_factory.mktemp("second") / "maps")
    areas = {p.name for p in (cache / "deerhabitat").iterdir()}
    return first, second, areas


def test_each_layer_is_read_once(counted):
    (first, _), (second, _), areas = counted
    assert LAYERS <= {name for name, _ in pyogrio.list_layers(bundled_store_path())}
    assert {"bundled-habitat", "bundled-candidates"} <= areas  # the habitat step ran and was cached
    assert dict(first) == dict.fromkeys(LAYERS, 1)
    assert dict(second) == dict.fromkeys(LAYERS, 1)


def test_sqlite_is_opened_a_small_bounded_number_of_times(counted):
    (_, first), (_, second), _ = counted
    # the tables list, the settings, the provenance log, the rasters registry, the report records and
    # the parsed form of each latest national report, the reporting cycles, the Work Programme
    # catalogue, the report texts and the registry of big layers' files (occurrences): 9 + 4 = 13 on the
    # bundled store (4 latest reports), the habitat, corridors and occurrences steps included
    latest = int(Store(bundled_store_path()).national_reports()["latest"].sum())
    assert first <= 9 + latest
    assert second <= 9 + latest
