"""One ``report`` of the bundled store reads each layer once and opens SQLite a bounded number of times."""

from __future__ import annotations

import collections
import sqlite3
import traceback
from pathlib import Path

import pyogrio
import pytest

from deerhabitat.config import bundled_store_path
from deerhabitat.io import Store
from deerhabitat.workflows import report

HABITAT = ("workflows/habitat.py", "analysis/habitat/")
"""The habitat rasters of the bundled store are computed (and cached) by the habitat workflow, which reads
the store on its own; its reads are counted apart."""


def _caller_is_habitat() -> bool:
    return any(
        part in frame.filename.replace("\\", "/") for frame in traceback.extract_stack() for part in HABITAT
    )


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    """Layer reads and SQLite connections made on the bundled store during one ``report``."""
    store = bundled_store_path().resolve()
    reads, opens, habitat = collections.Counter(), [0], [0]
    read_dataframe, connect = pyogrio.read_dataframe, sqlite3.connect

    def counting_read(path, *args, **kwargs):
        if Path(path).resolve() == store:
            if _caller_is_habitat():
                habitat[0] += 1
            else:
                reads[kwargs.get("layer")] += 1
        return read_dataframe(path, *args, **kwargs)

    def counting_connect(database, *args, **kwargs):
        if str(store) in str(database) and not _caller_is_habitat():
            opens[0] += 1
        return connect(database, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(pyogrio, "read_dataframe", counting_read)
        mp.setattr(sqlite3, "connect", counting_connect)
        mp.delenv("DEERHABITAT_STORE", raising=False)
        report(out=tmp_path_factory.mktemp("report") / "maps", dpi=50)
    return reads, opens[0], habitat[0]


def test_each_layer_is_read_once(counted):
    reads, _, _ = counted
    layers = {name for name, _ in pyogrio.list_layers(bundled_store_path())}
    expected = {
        "range_states",
        "rivers",
        "ranges",
        "protected_areas",
        "sites",
        "releases",
        "population_counts",
    }
    assert expected <= layers
    assert dict(reads) == dict.fromkeys(expected, 1)


def test_sqlite_is_opened_a_small_bounded_number_of_times(counted):
    _, opens, _ = counted
    # the tables list, the settings, the provenance log, the rasters registry, the report records and
    # the parsed form of each latest national report, the reporting cycles and the Work Programme catalogue
    latest = int(Store(bundled_store_path()).national_reports()["latest"].sum())
    assert opens <= 7 + latest
