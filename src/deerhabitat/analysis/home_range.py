"""Home ranges of tracked animals: minimum convex polygon (MCP) and kernel density (KDE) isopleths.

Both work on one animal's fixes in the equal-area analysis CRS (metres) and give areas in km²; no
position leaves this module (the published tables hold areas only).

* **MCP** (as adehabitatHR's ``mcp``): the centroid is the mean of the fixes; the ``100 - percent``
  share of fixes farthest from it is dropped (a fix is kept when its distance is at most the
  ``percent`` quantile of the distances, R's default type-7 quantile = numpy's ``linear``), and the
  area is that of the convex hull of the fixes kept.
* **KDE**: :class:`scipy.stats.gaussian_kde` with a bivariate Gaussian kernel whose covariance is the
  fixes' sample covariance times ``factor²``. The default factor is the reference bandwidth
  ``href = n^(-1/6)`` (Scott's rule in two dimensions, Worton 1989); adehabitatHR's isotropic href
  uses ``sqrt((var x + var y) / 2) * n^(-1/6)`` for both axes, which is the same kernel when the fixes
  spread equally in x and y without correlation. The density is evaluated at the centres of a square
  grid (``cells`` along the longer side) reaching 4 kernel standard deviations beyond the fixes; the
  ``percent`` isopleth is the smallest set of cells, densest first, holding ``percent`` % of the
  density on the grid, and its area is the number of those cells times the cell area. With more than
  :data:`BIN_ABOVE` fixes, the fixes are first counted on the same grid and the kernel is placed at
  the cell centres weighted by the counts (the bandwidth is still computed from the fixes); the shift
  is at most half a cell, a small fraction of the bandwidth.

An animal with fewer than :data:`MIN_FIXES` fixes (adehabitatHR's minimum) has no home range: its
areas are NaN with a note, never 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from deerhabitat.analysis._preconditions import require_analysis_crs, require_columns
from deerhabitat.analysis.join import point_xy
from deerhabitat.errors import AnalysisError
from deerhabitat.i18n import message
from deerhabitat.progress import track
from deerhabitat.units import m2_to_km2

MIN_FIXES = 5
"""Fewest fixes of an animal for a home range (adehabitatHR's minimum)."""
DEFAULT_PERCENT = 95.0
"""Default share (%) of fixes in the MCP and of density in the KDE isopleth."""
DEFAULT_CELLS = 200
"""Default number of KDE grid cells along the longer side of the grid."""
GRID_MARGIN_SD = 4.0
"""The KDE grid reaches this many kernel standard deviations beyond the fixes."""
BIN_ABOVE = 5_000
"""With more fixes than this, the KDE places its kernels at grid-cell centres weighted by counts."""

HOME_RANGE_COLUMNS = [
    "animal_id",
    "n_fixes",
    "mcp_percent",
    "mcp_km2",
    "kde_percent",
    "kde_km2",
    "kde_bandwidth_factor",
    "note",
]


@dataclass(frozen=True)
class KdeHomeRange:
    """A KDE isopleth's area and how it was computed.

    Attributes
    ----------
    area_km2 : float
        Area of the cells of the isopleth.
    bandwidth_factor : float
        The factor applied to the fixes' covariance (``n^(-1/6)`` for href).
    cell_m : float
        Side of a grid cell in metres.
    grid_mass : float
        Share of the density's total volume that falls on the grid (close to 1).
    """

    area_km2: float
    bandwidth_factor: float
    cell_m: float
    grid_mass: float


def href_factor(n: int) -> float:
    """The reference bandwidth factor ``n^(-1/6)`` for ``n`` fixes in two dimensions.

    Examples
    --------
    >>> href_factor(64)
    0.5
    """
    return float(n) ** (-1.0 / 6.0)


def mcp_area_km2(xy: np.ndarray, percent: float = DEFAULT_PERCENT) -> float:
    """Area of the ``percent`` % minimum convex polygon of one animal's fixes, in km².

    Parameters
    ----------
    xy : numpy.ndarray
        Fixes as an ``(n, 2)`` array of x, y in metres of an equal-area CRS.
    percent : float, default 95
        Share of fixes kept, nearest the mean centre first (0 < percent <= 100).

    Returns
    -------
    float
        km²; 0.0 when the fixes kept lie on a line or at one place.

    Raises
    ------
    AnalysisError
        If ``percent`` is outside (0, 100] or there are fewer than :data:`MIN_FIXES` fixes.

    Examples
    --------
    >>> square = np.array([[0, 0], [1000, 0], [1000, 1000], [0, 1000], [500, 500]])
    >>> mcp_area_km2(square, 100)
    1.0
    """
    xy = _check_fixes(xy, percent, "mcp_area_km2")
    distance = np.hypot(*(xy - xy.mean(axis=0)).T)
    kept = xy[distance <= np.quantile(distance, percent / 100.0)]
    hull = shapely.convex_hull(shapely.multipoints(kept))
    return float(m2_to_km2(shapely.area(hull)))


def kde_home_range(
    xy: np.ndarray,
    percent: float = DEFAULT_PERCENT,
    *,
    bandwidth_factor: float | None = None,
    cells: int = DEFAULT_CELLS,
) -> KdeHomeRange:
    """The ``percent`` % isopleth of a kernel density estimate of one animal's fixes.

    Parameters
    ----------
    xy : numpy.ndarray
        Fixes as an ``(n, 2)`` array of x, y in metres of an equal-area CRS.
    percent : float, default 95
        Share of the density's volume inside the isopleth (0 < percent <= 100).
    bandwidth_factor : float, optional
        Factor on the fixes' covariance; default href, ``n^(-1/6)``.
    cells : int, default 200
        Grid cells along the longer side of the grid.

    Returns
    -------
    KdeHomeRange

    Raises
    ------
    AnalysisError
        If ``percent``, ``bandwidth_factor`` or ``cells`` is not valid, there are fewer than
        :data:`MIN_FIXES` fixes, or the fixes lie on a line or at one place (no 2-D density).
    """
    from scipy import stats

    xy = _check_fixes(xy, percent, "kde_home_range")
    factor = href_factor(len(xy)) if bandwidth_factor is None else float(bandwidth_factor)
    if not (np.isfinite(factor) and factor > 0):
        raise AnalysisError(
            f"kde_home_range(): bandwidth_factor={bandwidth_factor!r} is not allowed; give a positive "
            f"number (1 = the fixes' own spread) or leave it out for href = n^(-1/6)"
        )
    if not (isinstance(cells, (int, np.integer)) and 10 <= cells <= 2000):
        raise AnalysisError(
            f"kde_home_range(): cells={cells!r} is not allowed; give a whole number of grid cells "
            f"from 10 to 2000 (default {DEFAULT_CELLS})"
        )
    covariance = np.cov(xy.T)
    if not np.all(np.isfinite(covariance)) or np.linalg.det(covariance) <= 0:
        raise AnalysisError("the fixes lie on a line or at one place: no kernel density home range")
    sd = np.sqrt(np.diag(covariance)) * factor
    low, high = xy.min(axis=0) - GRID_MARGIN_SD * sd, xy.max(axis=0) + GRID_MARGIN_SD * sd
    cell = float((high - low).max() / cells)
    nx, ny = (np.ceil((high - low) / cell).astype(int)) + 1
    cx = low[0] + cell * (np.arange(nx) + 0.5)
    cy = low[1] + cell * (np.arange(ny) + 0.5)
    if len(xy) > BIN_ABOVE:
        data, weights = _binned(xy, low, cell, nx, ny)
        kde = stats.gaussian_kde(data.T, bw_method=factor, weights=weights)
    else:
        kde = stats.gaussian_kde(xy.T, bw_method=factor)
    gx, gy = np.meshgrid(cx, cy)
    density = kde(np.vstack([gx.ravel(), gy.ravel()]))
    mass = density * cell * cell
    total = float(mass.sum())
    ordered = np.sort(mass)[::-1]
    n_in = int(np.searchsorted(np.cumsum(ordered), percent / 100.0 * total, side="left")) + 1
    n_in = min(n_in, len(ordered))
    return KdeHomeRange(float(m2_to_km2(n_in * cell * cell)), factor, cell, min(total, 1.0))


def home_range_table(
    fixes: Mapping[str, np.ndarray],
    *,
    percent: float = DEFAULT_PERCENT,
    bandwidth_factor: float | None = None,
    cells: int = DEFAULT_CELLS,
) -> pd.DataFrame:
    """MCP and KDE home ranges of every animal, as areas only.

    Parameters
    ----------
    fixes : mapping of str to numpy.ndarray
        Animal id -> its fixes as an ``(n, 2)`` array in metres of an equal-area CRS.
    percent : float, default 95
        MCP share of fixes and KDE share of volume.
    bandwidth_factor : float, optional
        KDE factor on the covariance; default href.
    cells : int, default 200
        KDE grid cells along the longer side.

    Returns
    -------
    pandas.DataFrame
        :data:`HOME_RANGE_COLUMNS`, one row per animal sorted by ``animal_id``: ``n_fixes``,
        ``mcp_km2``, ``kde_km2`` (NaN when not assessable, with the reason in ``note``),
        ``kde_bandwidth_factor``.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> table = home_range_table({"A1": rng.normal(0, 1000, (50, 2)), "B2": np.zeros((3, 2))})
    >>> table[["animal_id", "n_fixes", "note"]].values.tolist()
    [['A1', 50, ''], ['B2', 3, 'not assessable: 3 fixes, at least 5 are needed']]
    """
    rows = []
    for animal in track(sorted(fixes, key=str), message("progress.home_ranges")):
        xy = np.asarray(fixes[animal], dtype=float).reshape(-1, 2)
        xy = xy[np.isfinite(xy).all(axis=1)]
        row = {
            "animal_id": str(animal),
            "n_fixes": len(xy),
            "mcp_percent": float(percent),
            "mcp_km2": np.nan,
            "kde_percent": float(percent),
            "kde_km2": np.nan,
            "kde_bandwidth_factor": np.nan,
            "note": "",
        }
        if len(xy) < MIN_FIXES:
            row["note"] = f"not assessable: {len(xy)} fixes, at least {MIN_FIXES} are needed"
        else:
            row["mcp_km2"] = mcp_area_km2(xy, percent)
            try:
                kde = kde_home_range(xy, percent, bandwidth_factor=bandwidth_factor, cells=cells)
            except AnalysisError as exc:
                if "on a line" not in str(exc):
                    raise
                row["note"] = f"KDE not assessable: {exc}"
            else:
                row["kde_km2"], row["kde_bandwidth_factor"] = kde.area_km2, kde.bandwidth_factor
        rows.append(row)
    return pd.DataFrame(rows, columns=HOME_RANGE_COLUMNS)


def home_ranges(fixes: gpd.GeoDataFrame, **options: object) -> pd.DataFrame:
    """Home ranges of the animals of a GeoDataFrame of fixes (``animal_id`` and points).

    Parameters
    ----------
    fixes : geopandas.GeoDataFrame
        Telemetry fixes with ``animal_id``, in an equal-area CRS; rows without an animal are left out.
    **options
        ``percent``, ``bandwidth_factor``, ``cells`` as for :func:`home_range_table`.

    Returns
    -------
    pandas.DataFrame
        As :func:`home_range_table`.

    Raises
    ------
    CRSError
        If the fixes are not in an equal-area CRS.
    """
    require_analysis_crs(fixes, what="home_ranges(fixes)")
    require_columns(fixes, ("animal_id",), kind="occurrences")
    x, y = point_xy(fixes.geometry.to_numpy())
    ids = fixes["animal_id"]
    known = ids.notna().to_numpy()
    frame = pd.DataFrame({"animal": ids.astype(str).to_numpy()[known], "x": x[known], "y": y[known]})
    grouped = {str(k): g[["x", "y"]].to_numpy() for k, g in frame.groupby("animal", sort=True)}
    return home_range_table(grouped, **options)  # type: ignore[arg-type]


def _check_fixes(xy: np.ndarray, percent: float, what: str) -> np.ndarray:
    if not (isinstance(percent, (int, float)) and 0 < percent <= 100):
        raise AnalysisError(
            f"{what}(): percent={percent!r} is not allowed; give a share of fixes above 0 and at most "
            f"100 (95 is usual)"
        )
    xy = np.asarray(xy, dtype=float).reshape(-1, 2)
    xy = xy[np.isfinite(xy).all(axis=1)]
    if len(xy) < MIN_FIXES:
        raise AnalysisError(
            f"{what}(): {len(xy)} fixes; a home range needs at least {MIN_FIXES} fixes of one animal"
        )
    return xy


def _binned(xy: np.ndarray, low: np.ndarray, cell: float, nx: int, ny: int) -> tuple[np.ndarray, np.ndarray]:
    ix = np.clip(np.floor((xy[:, 0] - low[0]) / cell).astype(np.int64), 0, nx - 1)
    iy = np.clip(np.floor((xy[:, 1] - low[1]) / cell).astype(np.int64), 0, ny - 1)
    keys, counts = np.unique(iy * nx + ix, return_counts=True)
    centres = np.column_stack([low[0] + cell * (keys % nx + 0.5), low[1] + cell * (keys // nx + 0.5)])
    return centres, counts.astype(float)
