"""Habitat use against availability: the continuous Boyce index and the AOH point prevalence.

Both test a habitat raster against where the animals were seen. Occurrences are sampled at the pixel
that holds them (:func:`sample_grid`, in the raster's CRS); a point outside the raster or on a nodata
pixel is counted as such and not used.

**Continuous Boyce index** (Hirzel et al. 2006, *Ecol. Model.* 199: 142-152; as ecospat's
``ecospat.boyce``): windows of width ``w`` (default a tenth of the range of the available
suitability) slide in ``steps`` equal steps (default 100, so 101 windows) from the lowest to the
highest suitability. In each window, ``P`` = share of the occurrences whose suitability lies in it,
``E`` = share of the available pixels (every valid pixel of the raster) in it, and ``F = P / E``.
Windows without available pixels are dropped; of successive windows with the same ``F`` only the
last is kept (ecospat's ``rm.duplicate``). The index is the Spearman correlation between ``F`` and
the windows' lower bound: near +1 when occurrences are ever more frequent than expected as
suitability rises, near 0 for a model no better than chance, negative for a model counter to the
data. Windows are closed intervals, so the highest value is in the last window (ecospat shifts the
last window by +1 instead). A positive linear rescaling of the suitability leaves the index
unchanged; a non-linear one moves the windows and can change it.

**Point prevalence** (Brooks et al. 2019, *Trends Ecol. Evol.* 34: 977-986; Dahal et al. 2022):
the share of the occurrences inside the range (on a pixel of the AOH raster that is not NaN) that
fall on an AOH pixel (value above 0), against the **model prevalence**, the share of the range's
pixels that are AOH. An AOH that tells habitat from non-habitat better than chance has a point
prevalence above its model prevalence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.errors import AnalysisError

DEFAULT_STEPS = 100
"""Steps of the Boyce moving window (Hirzel et al. 2006: 101 windows)."""
WINDOW_SHARE = 0.1
"""Default Boyce window width as a share of the range of the available suitability."""


def sample_grid(
    values: np.ndarray, valid: np.ndarray, grid: Grid, x: np.ndarray, y: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The raster value under each point, and whether the point is on the raster.

    Parameters
    ----------
    values, valid : numpy.ndarray
        The raster's values and data mask (True where data), of the grid's shape.
    grid : Grid
        The raster's grid.
    x, y : numpy.ndarray
        Point coordinates in the grid's CRS (NaN for a missing point).

    Returns
    -------
    sampled : numpy.ndarray of float
        The value of the pixel holding each point; NaN off the raster or on nodata.
    on_raster : numpy.ndarray of bool
        Whether the point lies inside the raster's extent (a point on the right or bottom edge
        is outside).

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(10, 0, 0, 0, -10, 20), 2, 2, pyproj.CRS("EPSG:6933"))
    >>> v = np.array([[1.0, 2.0], [3.0, 4.0]])
    >>> s, on = sample_grid(v, v > 1, g, np.array([5.0, 15.0, 25.0]), np.array([15.0, 5.0, 5.0]))
    >>> s.tolist(), on.tolist()
    ([nan, 4.0, nan], [True, True, False])
    """
    t = grid.transform
    col = np.floor((np.asarray(x, dtype=float) - t.c) / t.a)
    row = np.floor((np.asarray(y, dtype=float) - t.f) / t.e)
    on = (col >= 0) & (col < grid.width) & (row >= 0) & (row < grid.height)
    sampled = np.full(len(col), np.nan)
    r, c = row[on].astype(np.intp), col[on].astype(np.intp)
    ok = np.asarray(valid)[r, c]
    picked = np.asarray(values, dtype=float)[r, c]
    sampled[np.flatnonzero(on)] = np.where(ok, picked, np.nan)
    return sampled, on


@dataclass(frozen=True)
class BoyceWindows:
    """The moving windows of a Boyce index: lower bounds and the common width."""

    starts: np.ndarray
    width: float

    def counts(self, values: np.ndarray) -> np.ndarray:
        """How many of ``values`` (NaN ignored) lie in each closed window; add them over batches."""
        v = np.sort(np.asarray(values, dtype=float)[np.isfinite(values)])
        return np.searchsorted(v, self.starts + self.width, side="right") - np.searchsorted(
            v, self.starts, side="left"
        )


def boyce_windows(
    low: float, high: float, *, window: float | None = None, steps: int = DEFAULT_STEPS
) -> BoyceWindows:
    """The windows from ``low`` to ``high``: ``steps + 1`` windows of width ``window``.

    Parameters
    ----------
    low, high : float
        Lowest and highest suitability (of the available pixels and the occurrences).
    window : float, optional
        Window width in suitability units; default a tenth of ``high - low``.
    steps : int, default 100
        Number of steps between the first and the last window.

    Raises
    ------
    AnalysisError
        If the bounds are not finite, ``window`` is not positive or not below ``high - low``, or
        ``steps`` is below 1.

    Examples
    --------
    >>> w = boyce_windows(0.0, 1.0, steps=2)
    >>> w.starts.tolist(), w.width
    ([0.0, 0.45, 0.9], 0.1)
    """
    if not (np.isfinite(low) and np.isfinite(high) and high > low):
        raise AnalysisError(
            f"Boyce index: the suitability runs from {low!r} to {high!r}; it needs at least two "
            f"different finite values. Check the suitability raster."
        )
    width = (high - low) * WINDOW_SHARE if window is None else float(window)
    if not (np.isfinite(width) and 0 < width < high - low):
        raise AnalysisError(
            f"Boyce index: window={window!r} is not allowed; give a width above 0 and below the range "
            f"of the suitability ({high - low:g}), or leave it out for a tenth of the range"
        )
    if not (isinstance(steps, (int, np.integer)) and steps >= 1):
        raise AnalysisError(f"Boyce index: steps={steps!r} is not allowed; give a whole number of at least 1")
    starts = low + (high - low - width) * np.arange(steps + 1) / steps
    return BoyceWindows(starts, width)


@dataclass(frozen=True)
class BoyceResult:
    """A continuous Boyce index and the table it comes from.

    Attributes
    ----------
    index : float
        Spearman correlation of ``F`` with the windows' position; NaN with fewer than two windows.
    n_points : int
        Occurrences with a suitability value.
    n_available : int
        Available pixels.
    window : float
        Window width in suitability units.
    table : pandas.DataFrame
        ``start``, ``end``, ``predicted`` (share of occurrences), ``expected`` (share of pixels),
        ``ratio`` (F), ``used`` (in the correlation) for every window.
    """

    index: float
    n_points: int
    n_available: int
    window: float
    table: pd.DataFrame


def boyce_from_counts(
    windows: BoyceWindows, observed: np.ndarray, n_observed: int, available: np.ndarray, n_available: int
) -> BoyceResult:
    """The Boyce index from per-window counts (summed over batches of points and blocks of pixels).

    Parameters
    ----------
    windows : BoyceWindows
        The windows the counts were made in.
    observed, available : numpy.ndarray of int
        Occurrences and available pixels in each window (:meth:`BoyceWindows.counts`).
    n_observed, n_available : int
        All occurrences with a value, all available pixels.

    Returns
    -------
    BoyceResult
    """
    from scipy import stats

    predicted = observed / n_observed if n_observed else np.full(len(observed), np.nan)
    expected = available / n_available if n_available else np.full(len(available), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, predicted / expected, np.nan)
    keep = np.flatnonzero(np.isfinite(ratio))
    f = ratio[keep]
    last_of_run = np.append(f[1:] != f[:-1], True) if len(f) else np.zeros(0, dtype=bool)
    used = np.zeros(len(ratio), dtype=bool)
    used[keep[last_of_run]] = True
    index = np.nan
    if n_observed and used.sum() >= 2 and np.ptp(ratio[used]) > 0:
        index = float(stats.spearmanr(ratio[used], windows.starts[used]).statistic)
    table = pd.DataFrame(
        {
            "start": windows.starts,
            "end": windows.starts + windows.width,
            "predicted": predicted,
            "expected": expected,
            "ratio": ratio,
            "used": used,
        }
    )
    return BoyceResult(index, int(n_observed), int(n_available), windows.width, table)


def boyce_index(
    available: np.ndarray,
    observed: np.ndarray,
    *,
    window: float | None = None,
    steps: int = DEFAULT_STEPS,
) -> BoyceResult:
    """The continuous Boyce index of suitability values at occurrences against available ones.

    Parameters
    ----------
    available : numpy.ndarray
        Suitability of every available pixel (NaN ignored).
    observed : numpy.ndarray
        Suitability at each occurrence (NaN ignored: off the raster or on nodata).
    window : float, optional
        Window width; default a tenth of the range of ``available``.
    steps : int, default 100
        Steps of the moving window.

    Returns
    -------
    BoyceResult

    Raises
    ------
    AnalysisError
        If the available suitability has fewer than two distinct values, or the window is not valid.

    Examples
    --------
    >>> fit = np.repeat(np.arange(10.0), 10)
    >>> obs = np.repeat(np.arange(10.0), np.arange(10) + 1)
    >>> round(boyce_index(fit, obs).index, 3)
    1.0
    """
    fit = np.asarray(available, dtype=float).ravel()
    fit = fit[np.isfinite(fit)]
    obs = np.asarray(observed, dtype=float).ravel()
    obs = obs[np.isfinite(obs)]
    if len(fit) == 0:
        raise AnalysisError("Boyce index: the suitability raster has no valid pixel; check its nodata value")
    low, high = (
        float(min(fit.min(), obs.min(initial=np.inf))),
        float(max(fit.max(), obs.max(initial=-np.inf))),
    )
    if window is None:
        window = (float(fit.max()) - float(fit.min())) * WINDOW_SHARE or None
    windows = boyce_windows(low, high, window=window, steps=steps)
    return boyce_from_counts(windows, windows.counts(obs), len(obs), windows.counts(fit), len(fit))


@dataclass
class PrevalenceTally:
    """Occurrences against an Area of Habitat raster; add batches with :meth:`add`.

    Attributes
    ----------
    n_points : int
        Occurrences seen.
    n_outside_raster : int
        Of which outside the raster's extent.
    n_outside_range : int
        Of which on the raster but not in the range (NaN or nodata pixel).
    n_in_range : int
        Of which in the range.
    n_in_aoh : int
        Of which on an AOH pixel (value above 0).
    """

    n_points: int = 0
    n_outside_raster: int = 0
    n_outside_range: int = 0
    n_in_range: int = 0
    n_in_aoh: int = 0

    def add(self, sampled: np.ndarray, on_raster: np.ndarray) -> None:
        """Add a batch: the AOH values under points and whether each is on the raster (see sample_grid)."""
        sampled = np.asarray(sampled, dtype=float)
        in_range = np.isfinite(sampled)
        self.n_points += len(sampled)
        self.n_outside_raster += int((~np.asarray(on_raster, dtype=bool)).sum())
        self.n_outside_range += int((np.asarray(on_raster, dtype=bool) & ~in_range).sum())
        self.n_in_range += int(in_range.sum())
        self.n_in_aoh += int((sampled[in_range] > 0).sum())

    @property
    def point_prevalence(self) -> float | None:
        """Share of the occurrences in the range that are on AOH pixels; None with none in the range."""
        return self.n_in_aoh / self.n_in_range if self.n_in_range else None


def model_prevalence(aoh: np.ndarray, valid: np.ndarray) -> tuple[int, int]:
    """AOH pixels and range pixels of an AOH raster (values above 0; finite values with data).

    Add the two counts over blocks; model prevalence = AOH pixels / range pixels.

    Examples
    --------
    >>> a = np.array([[np.nan, 0.0], [0.5, 1.0]])
    >>> model_prevalence(a, np.isfinite(a))
    (2, 3)
    """
    values = np.asarray(aoh, dtype=float)
    in_range = np.asarray(valid, dtype=bool) & np.isfinite(values)
    return int((values[in_range] > 0).sum()), int(in_range.sum())
