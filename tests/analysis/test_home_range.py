"""Home ranges: MCP as adehabitatHR's mcp, KDE isopleths against the analytical area of a normal density."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from deerhabitat.analysis.home_range import (
    home_range_table,
    home_ranges,
    href_factor,
    kde_home_range,
    mcp_area_km2,
)
from deerhabitat.config import StoreConfig
from deerhabitat.errors import AnalysisError, CRSError

ALBERS = StoreConfig().crs


def _square_with_outliers() -> np.ndarray:
    """95 fixes on a 2 km x 2 km square around (0, 0) and 5 far outliers (one each side, one corner)."""
    side = np.linspace(-1000, 1000, 19)
    ring = np.unique(
        np.concatenate(
            [
                np.column_stack([side, np.full(19, -1000.0)]),
                np.column_stack([side, np.full(19, 1000.0)]),
                np.column_stack([np.full(19, -1000.0), side]),
                np.column_stack([np.full(19, 1000.0), side]),
            ]
        ),
        axis=0,
    )
    inner = np.column_stack([np.linspace(-900, 900, 95 - len(ring)), np.zeros(95 - len(ring))])
    outliers = np.array([[20_000, 0], [-20_000, 0], [0, 20_000], [0, -20_000], [15_000, 15_000.0]])
    return np.concatenate([ring, inner, outliers])


def test_mcp_95_drops_the_5_percent_farthest_from_the_mean_centre():
    xy = _square_with_outliers()
    assert len(xy) == 100
    # 100 %: the hull of everything (a diamond of half-diagonal 20 km plus the corner at (15, 15) km)
    assert mcp_area_km2(xy, 95) == pytest.approx(4.0)
    hull = shapely.convex_hull(shapely.multipoints(xy))
    assert mcp_area_km2(xy, 100) == pytest.approx(hull.area / 1e6)


def test_mcp_follows_r_quantile_type_7():
    rng = np.random.default_rng(3)
    xy = rng.normal(0, 500, (41, 2))
    d = np.hypot(*(xy - xy.mean(axis=0)).T)
    # R's quantile(d, 0.9) (type 7) by hand: h = (n - 1) p, interpolate between order statistics
    s, h = np.sort(d), (len(d) - 1) * 0.9
    q = s[int(h)] + (h - int(h)) * (s[int(h) + 1] - s[int(h)])
    kept = xy[d <= q]
    expected = shapely.convex_hull(shapely.multipoints(kept)).area / 1e6
    assert mcp_area_km2(xy, 90) == pytest.approx(expected)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    n=st.integers(5, 60),
    p1=st.floats(1, 100),
    p2=st.floats(1, 100),
)
def test_mcp_area_is_monotone_in_the_percentage(seed, n, p1, p2):
    xy = np.random.default_rng(seed).normal(0, 1000, (n, 2))
    low, high = sorted((p1, p2))
    assert mcp_area_km2(xy, low) <= mcp_area_km2(xy, high) + 1e-12


def _normal_isopleth_km2(covariance: np.ndarray, percent: float) -> float:
    """Area of the ``percent`` % highest-density region of a bivariate normal: pi chi2_2(p) sqrt(det)."""
    return float(np.pi * stats.chi2.ppf(percent / 100, 2) * np.sqrt(np.linalg.det(covariance)) / 1e6)


@pytest.mark.parametrize("factor", [None, 0.5])
def test_kde_isopleth_of_a_normal_sample_matches_the_convolved_normal(factor):
    # The KDE of a normal sample with covariance S and kernel covariance f^2 S estimates the normal
    # of covariance (1 + f^2) S: its 95 % isopleth is an ellipse of known area.
    rng = np.random.default_rng(11)
    n = 20_000
    xy = rng.multivariate_normal([5e5, 4e6], [[1.0e6, 3e5], [3e5, 4e6]], n)
    f = href_factor(n) if factor is None else factor
    result = kde_home_range(xy, 95, bandwidth_factor=factor)
    expected = _normal_isopleth_km2((1 + f**2) * np.cov(xy.T), 95)
    assert result.bandwidth_factor == pytest.approx(f)
    assert result.grid_mass == pytest.approx(1.0, abs=1e-4)
    assert result.area_km2 == pytest.approx(expected, rel=0.03)


def test_kde_of_a_small_sample_without_binning_matches_too():
    rng = np.random.default_rng(5)
    xy = rng.normal(0, 1000, (3000, 2))
    result = kde_home_range(xy, 50, bandwidth_factor=0.3)
    assert result.area_km2 == pytest.approx(_normal_isopleth_km2(1.09 * np.cov(xy.T), 50), rel=0.04)


def test_kde_refuses_fixes_on_a_line_and_bad_settings():
    line = np.column_stack([np.arange(10.0), np.arange(10.0)])
    with pytest.raises(AnalysisError, match="on a line"):
        kde_home_range(line)
    pts = np.random.default_rng(0).normal(0, 1, (20, 2))
    with pytest.raises(AnalysisError, match="percent=0"):
        kde_home_range(pts, 0)
    with pytest.raises(AnalysisError, match="bandwidth_factor"):
        kde_home_range(pts, bandwidth_factor=-1)
    with pytest.raises(AnalysisError, match="at least 5"):
        mcp_area_km2(pts[:4])


def test_home_range_table_gives_areas_only_and_says_why_one_is_missing():
    rng = np.random.default_rng(2)
    table = home_range_table(
        {"b": rng.normal(0, 800, (200, 2)), "a": np.zeros((4, 2)), "c": np.zeros((10, 2))}
    )
    assert table["animal_id"].tolist() == ["a", "b", "c"]
    assert table.loc[0, "note"].startswith("not assessable: 4 fixes")
    assert np.isnan(table.loc[0, "mcp_km2"]) and np.isnan(table.loc[0, "kde_km2"])
    assert table.loc[1, "mcp_km2"] > 0 and table.loc[1, "kde_km2"] > table.loc[1, "mcp_km2"] * 0.5
    assert table.loc[2, "mcp_km2"] == 0 and "on a line or at one place" in table.loc[2, "note"]
    assert not {"x", "y", "geometry"} & set(table.columns)


def test_home_ranges_from_a_geodataframe_needs_an_equal_area_crs():
    rng = np.random.default_rng(4)
    xy = rng.normal(0, 1000, (30, 2))
    fixes = gpd.GeoDataFrame({"animal_id": ["x"] * 29 + [None]}, geometry=shapely.points(xy), crs=ALBERS)
    table = home_ranges(fixes)
    assert table["n_fixes"].tolist() == [29]
    assert table.loc[0, "mcp_km2"] == pytest.approx(mcp_area_km2(xy[:29]))
    with pytest.raises(CRSError):
        home_ranges(fixes.set_crs("EPSG:4326", allow_override=True))
