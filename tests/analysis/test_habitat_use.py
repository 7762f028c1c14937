"""Habitat use against availability: Boyce index (Hirzel et al. 2006) and AOH point prevalence."""

from __future__ import annotations

import numpy as np
import pyproj
import pytest
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat_use import (
    PrevalenceTally,
    boyce_from_counts,
    boyce_index,
    boyce_windows,
    model_prevalence,
    sample_grid,
)
from deerhabitat.errors import AnalysisError

GRID = Grid(Affine(100, 0, 0, 0, -100, 1000), 200, 10, pyproj.CRS("EPSG:6933"))


def _linear_raster() -> np.ndarray:
    """Suitability rising linearly from west to east: 0.0025 .. 0.9975 by column."""
    return np.tile((np.arange(200) + 0.5) / 200, (10, 1))


def test_points_drawn_in_proportion_to_suitability_give_boyce_near_plus_one():
    rng = np.random.default_rng(1)
    suit = _linear_raster()
    cells = rng.choice(suit.size, size=20_000, p=suit.ravel() / suit.sum())
    result = boyce_index(suit, suit.ravel()[cells])
    assert result.index > 0.95
    assert result.n_points == 20_000 and result.n_available == 2000
    assert result.window == pytest.approx(0.0995)
    assert len(result.table) == 101


def test_uniform_points_give_boyce_near_zero():
    rng = np.random.default_rng(2)
    suit = _linear_raster()
    cells = rng.integers(0, suit.size, 20_000)
    assert abs(boyce_index(suit, suit.ravel()[cells]).index) < 0.3


def test_points_on_the_worst_pixels_give_a_negative_boyce():
    suit = _linear_raster()
    assert boyce_index(suit, suit[:, :40].ravel()).index < -0.9


def test_boyce_ratio_by_hand_on_a_small_case():
    # available 0, 1, 2, 3 (one pixel each); occurrences 2, 3, 3; window 1, 1 step: [0, 1] and [2, 3]
    result = boyce_index(np.array([0.0, 1.0, 2.0, 3.0]), np.array([2.0, 3.0, 3.0]), window=1.0, steps=1)
    assert result.table["predicted"].tolist() == [0.0, 1.0]
    assert result.table["expected"].tolist() == [0.5, 0.5]
    assert result.table["ratio"].tolist() == [0.0, 2.0]
    assert result.index == pytest.approx(1.0)


def test_windows_are_closed_and_cover_the_top_value():
    w = boyce_windows(0.0, 1.0, steps=100)
    assert w.counts(np.array([1.0, 0.0])).tolist()[-1] == 1
    assert w.counts(np.array([1.0, 0.0])).tolist()[0] == 1
    with pytest.raises(AnalysisError, match="window"):
        boyce_windows(0.0, 1.0, window=2.0)
    with pytest.raises(AnalysisError, match=r"two\s+different"):
        boyce_index(np.ones(5), np.ones(3))


def test_boyce_from_batches_equals_boyce_of_all_points():
    rng = np.random.default_rng(3)
    suit = _linear_raster()
    obs = suit.ravel()[rng.integers(0, suit.size, 3000)]
    whole = boyce_index(suit, obs)
    windows = boyce_windows(float(suit.min()), float(suit.max()))
    counts = sum(windows.counts(part) for part in np.array_split(obs, 7))
    batched = boyce_from_counts(windows, counts, len(obs), windows.counts(suit.ravel()), suit.size)
    assert batched.index == pytest.approx(whole.index)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    scale_power=st.integers(-6, 6),
    shift=st.integers(-1000, 1000),
)
def test_boyce_is_invariant_under_a_positive_linear_rescaling(seed, scale_power, shift):
    rng = np.random.default_rng(seed)
    fit = rng.integers(0, 64, 500).astype(float)
    obs = rng.choice(fit, 200, p=(fit + 1) / (fit + 1).sum())
    scale = 2.0**scale_power  # exact in binary: windows map onto the same pixels
    before = boyce_index(fit, obs).index
    after = boyce_index(fit * scale + shift, obs * scale + shift).index
    assert after == pytest.approx(before, nan_ok=True)


def test_sample_grid_tells_raster_nodata_and_outside():
    values = np.arange(2000, dtype=float).reshape(10, 200)
    valid = values != 0
    s, on = sample_grid(values, valid, GRID, np.array([50.0, 150.0, -1.0, 20_000.0]), np.array([950.0] * 4))
    assert np.isnan(s[0]) and s[1] == 1.0 and np.isnan(s[2]) and np.isnan(s[3])
    assert on.tolist() == [True, True, False, False]


def test_point_prevalence_on_a_hand_made_raster():
    # 3 x 3 AOH raster: NaN = outside the range, 0 = range without habitat, > 0 = AOH (km2 per pixel)
    aoh = np.array([[np.nan, 0.0, 1.0], [0.0, 1.0, 0.5], [np.nan, np.nan, 1.0]])
    grid = Grid(Affine(10, 0, 0, 0, -10, 30), 3, 3, pyproj.CRS("EPSG:6933"))
    assert model_prevalence(aoh, np.isfinite(aoh)) == (4, 6)
    # points: 3 on AOH, 1 on range without habitat, 1 outside the range (NaN), 2 off the raster
    x = np.array([25, 15, 25, 15, 5, -5, 35.0])
    y = np.array([25, 15, 5, 25, 5, 5, 5.0])
    tally = PrevalenceTally()
    sampled, on = sample_grid(aoh, np.isfinite(aoh), grid, x[:4], y[:4])
    tally.add(sampled, on)
    sampled, on = sample_grid(aoh, np.isfinite(aoh), grid, x[4:], y[4:])
    tally.add(sampled, on)
    assert (tally.n_points, tally.n_outside_raster, tally.n_outside_range) == (7, 2, 1)
    assert (tally.n_in_range, tally.n_in_aoh) == (4, 3)
    assert tally.point_prevalence == 0.75
    assert PrevalenceTally().point_prevalence is None
