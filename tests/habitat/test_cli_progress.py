"""The Area of Habitat bar: one step per block, drawn on a terminal only, silenced by ``-q``."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from habitat_builders import ORIGIN, km_grid, make_store, range_frame, to_store_crs

X0, Y0 = ORIGIN


@pytest.fixture
def aoh_args(tmp_path, tif):
    """A 64 x 64 km land-cover grid wholly in the range: 16 blocks of 16 x 16 pixels."""
    ranges = range_frame(
        [
            {
                "range_id": "r",
                "period": "2020",
                "geometry": to_store_crs([shapely.box(X0, Y0 - 64_000, X0 + 64_000, Y0)])[0],
            }
        ]
    )
    store = make_store(tmp_path / "deer.gpkg", ranges=ranges)
    lc = tif("lc.tif", np.ones((64, 64), dtype="uint8"), km_grid(64, 64))
    return [
        "habitat",
        "aoh",
        "--store",
        store.path,
        "--range-period",
        "2020",
        "--landcover",
        lc,
        "--suitable-classes",
        "1",
        "--block-size",
        "16",
        "--out",
        tmp_path / "out",
    ]


def test_a_terminal_shows_a_bar_of_one_step_per_block(run_in_terminal, aoh_args):
    code, drawn = run_in_terminal(*aoh_args)
    assert code == 0, drawn
    assert "Area of Habitat:" in drawn and "| 0/16 " in drawn  # one step per block


def test_q_silences_the_bar(run_in_terminal, aoh_args):
    code, drawn = run_in_terminal("-q", *aoh_args)
    assert code == 0, drawn
    assert "Area of Habitat" not in drawn


def test_a_pipe_gets_no_bar(run_cli, aoh_args):
    result = run_cli(*aoh_args)
    assert result.exit_code == 0, result
    assert result.stderr == ""
