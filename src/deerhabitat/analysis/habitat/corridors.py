"""Corridors between populations: resistance, least-cost paths, corridor zones and bottlenecks.

The method (every figure of ``deerhabitat habitat corridors`` follows it):

1. **Resistance** per cell, the cost of crossing one km of it. Either a raster given by the user (values
   above 0; nodata = barrier), or derived from habitat suitability *s* (0-1) by the editable transform of
   ``corridors.toml`` (:class:`ResistanceModel`): ``resistance = 1 + k (1 - s)^p`` (k = 99, p = 4 by
   default: the 1-100 scale, cheap through moderately suitable land, after Keeley et al. 2016); cells below
   ``barrier_below`` and cells with no suitability are barriers (never crossed) unless the file says
   otherwise.
2. **Populations** (:func:`wild_populations`): sites of scope ``site`` that are not captive and whose latest
   wild count is above 0 (native, reintroduced and introduced alike). Each is the grid cell of its point;
   a point on a barrier cell starts from the nearest passable cell (the distance moved is reported).
3. **Cost-weighted distance** from each population to every cell with scikit-image's
   :class:`skimage.graph.MCP_Geometric` (Dijkstra on the 8-neighbour grid): a step between two cells costs
   its length in km (1 cell, or √2 cells diagonally, measured on the equal-area grid) times the mean of
   the two cells' resistances. 1 cost unit = 1 km through resistance-1 habitat. With a ``max_cost``, the
   search stops beyond ``max_cost + tolerance`` (no cell further out can belong to a corridor).
4. **Least-cost path** of each pair: the traceback of the search from the first population to the cell of
   the second; its cost is the least cost ``LCD_AB``. A pair is **linked** when ``LCD_AB <= max_cost``. A
   population with no link is **isolated**. A link whose path crosses a third population's cell is not
   **direct** (it is the chain of two shorter links; Linkage Mapper drops such links).
5. **Corridor zone** of a linked pair (Linkage Mapper's normalised least-cost corridor): the cells where
   ``cd_A + cd_B <= LCD_AB + tolerance``, i.e. cells on some route at most ``tolerance`` dearer than the
   best. The corridor raster is the mosaic ``min over linked pairs of (cd_A + cd_B - LCD_AB)`` where it is
   within the tolerance.
6. **Width and bottleneck**: at each cell of the path, the corridor width is the length of the straight
   transect through the cell centre, perpendicular to the path's local direction (from the path cells 3
   steps before to 3 after), that stays inside the zone without a break; it is measured by stepping a
   quarter cell at a time and ending half a step past the last sample inside, so a straight channel W
   cells wide measures exactly W cells. The **bottleneck** is the path cell where the width is smallest,
   ignoring the stretches within ``tolerance`` of either end (there the zone narrows to its end point by
   construction, whatever the landscape).
7. **Shares**: km² of each zone inside protected areas and inside each country, from exact cell-coverage
   fractions on the equal-area grid; km of each path inside protected areas and each country, by
   intersecting the path line with the polygons.

Pure computation on arrays and geometries: nothing here opens a file.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import polygonal
from deerhabitat.errors import AnalysisError, ConfigError
from deerhabitat.units import M2_PER_KM2, M_PER_KM

if TYPE_CHECKING:  # scikit-image is imported when a search runs
    from skimage.graph import MCP_Geometric

CAPTIVE = "captive"
TRANSECT_SPAN = 3
"""Path cells before and after a cell that give the path's local direction for the width transect."""
TRANSECT_STEP = 0.25
"""Transect sampling step, in cells."""


# -- settings ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResistanceModel:
    """The transform from suitability to resistance: ``1 + k (1 - s)^p`` (see ``corridors.toml``).

    Attributes
    ----------
    k : float
        Extra resistance of suitability 0 over suitability 1 (>= 0).
    p : float
        Shape exponent (> 0); above 1, moderately suitable cells are cheap.
    barrier_below : float
        Cells with suitability below this (0-1) are barriers; 0 means none.
    nodata : float or None
        Resistance of cells with no suitability; None makes them barriers.

    Examples
    --------
    >>> m = ResistanceModel(k=99, p=1)
    >>> m.apply(np.array([[1.0, 0.5, 0.0, np.nan]]), np.array([[True, True, True, False]])).tolist()
    [[1.0, 50.5, 100.0, inf]]
    """

    k: float = 99.0
    p: float = 4.0
    barrier_below: float = 0.0
    nodata: float | None = None

    def __post_init__(self) -> None:
        ok = np.isfinite(self.k) and self.k >= 0 and np.isfinite(self.p) and self.p > 0
        ok = ok and np.isfinite(self.barrier_below) and 0 <= self.barrier_below <= 1
        if not ok or (self.nodata is not None and not (np.isfinite(self.nodata) and self.nodata > 0)):
            raise ConfigError(
                f"resistance transform k={self.k!r}, p={self.p!r}, barrier_below={self.barrier_below!r}, "
                f"nodata={self.nodata!r} is not valid; k must be 0 or more, p above 0, barrier_below "
                f'within 0-1 and nodata "barrier" or a resistance above 0 (see the bundled corridors.toml).'
            )

    def apply(self, suitability: np.ndarray, valid: np.ndarray) -> np.ndarray:
        """Resistance (float64, ``inf`` = barrier) of each cell from its suitability and data mask."""
        s = np.clip(np.where(valid, suitability, 0.0).astype(np.float64), 0.0, 1.0)
        out = 1.0 + self.k * (1.0 - s) ** self.p
        out[valid & (s < self.barrier_below)] = np.inf
        out[~valid] = np.inf if self.nodata is None else self.nodata
        return out

    def describe(self) -> dict:
        """JSON-ready description, with the formula."""
        return {
            "formula": "resistance = 1 + k * (1 - suitability) ^ p",
            "k": self.k,
            "p": self.p,
            "barrier_below": self.barrier_below,
            "nodata": "barrier" if self.nodata is None else self.nodata,
        }


@dataclass(frozen=True)
class CorridorSettings:
    """Thresholds of the corridor analysis, in cost units (1 = 1 km through resistance-1 habitat).

    Attributes
    ----------
    max_cost : float or None
        Pairs whose least cost is above it are not linked; None links every reachable pair.
    tolerance : float
        Width of the corridor zone: cells on a route at most this much dearer than the least cost.
    """

    max_cost: float | None = 1000.0
    tolerance: float = 50.0

    def __post_init__(self) -> None:
        if self.max_cost is not None and not (np.isfinite(self.max_cost) and self.max_cost > 0):
            raise AnalysisError(
                f"max cost {self.max_cost!r} is not allowed; give a cost above 0, e.g. --max-cost 1000."
            )
        if not (np.isfinite(self.tolerance) and self.tolerance >= 0):
            raise AnalysisError(
                f"tolerance {self.tolerance!r} is not allowed; give a cost of 0 or more, e.g. --tolerance 50."
            )

    @property
    def search_limit(self) -> float:
        """Cost beyond which no cell can matter: ``max_cost + tolerance`` (inf without a max cost)."""
        return np.inf if self.max_cost is None else self.max_cost + self.tolerance


def parse_corridor_config(
    data: Mapping, *, origin: str = "corridors file"
) -> tuple[ResistanceModel, CorridorSettings]:
    """Read ``[resistance]`` and ``[corridors]`` from parsed TOML (missing keys take the defaults).

    Raises
    ------
    ConfigError
        For unknown keys or values that are not numbers.

    Examples
    --------
    >>> data = {"resistance": {"k": 9, "nodata": "barrier"}, "corridors": {"tolerance": 5}}
    >>> m, s = parse_corridor_config(data)
    >>> (m.k, m.p, m.nodata, s.tolerance)
    (9.0, 4.0, None, 5.0)
    """
    res, cor = dict(data.get("resistance") or {}), dict(data.get("corridors") or {})
    unknown = sorted(set(res) - {"k", "p", "barrier_below", "nodata"}) + sorted(
        set(cor) - {"max_cost", "tolerance"}
    )
    if unknown or set(data) - {"resistance", "corridors"}:
        extra = unknown or sorted(set(data) - {"resistance", "corridors"})
        raise ConfigError(
            f"{origin}: unknown key(s) {', '.join(extra)}; [resistance] takes k, p, barrier_below, nodata "
            f"and [corridors] takes max_cost, tolerance (see the bundled corridors.toml)."
        )
    try:
        nodata = res.get("nodata", "barrier")
        model = ResistanceModel(
            k=float(res.get("k", 99.0)),
            p=float(res.get("p", 4.0)),
            barrier_below=float(res.get("barrier_below", 0.0)),
            nodata=None if nodata == "barrier" else float(nodata),
        )
        max_cost = cor.get("max_cost", 1000.0)
        settings = CorridorSettings(
            max_cost=None if max_cost == "none" else float(max_cost),
            tolerance=float(cor.get("tolerance", 50.0)),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f'{origin}: {exc}; give numbers (nodata may be "barrier", max_cost may be "none").'
        ) from None
    return model, settings


def given_resistance(values: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Check a resistance raster: float64 with ``inf`` for nodata (barriers).

    Raises
    ------
    AnalysisError
        If a cell with data has a resistance of 0 or less, or no cell has data.

    Examples
    --------
    >>> given_resistance(np.array([[1, 5]]), np.array([[True, False]])).tolist()
    [[1.0, inf]]
    """
    out = np.where(valid, values, np.inf).astype(np.float64)
    bad = valid & ~(out > 0)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise AnalysisError(
            f"the resistance raster has {int(bad.sum())} cell(s) of 0 or less (first at row {r}, column {c}: "
            f"{values[r, c]!r}); resistance must be above 0 (1 = the easiest land). Set those cells to "
            f"nodata to make them barriers."
        )
    if not np.isfinite(out).any():
        raise AnalysisError("the resistance raster has no cell with data; give a raster with values above 0.")
    return out


# -- populations ---------------------------------------------------------------------------------------------


def wild_populations(
    sites: gpd.GeoDataFrame, counts: pd.DataFrame, *, include_uncounted: bool = False
) -> tuple[gpd.GeoDataFrame, pd.DataFrame]:
    """The populations corridors join, and the sites left out with the reason.

    A population is a site of scope ``site`` (not a national figure), not ``captive``, whose latest wild
    count (``captive`` false; latest ``date``, then greatest ``count_id``) is above 0. With
    ``include_uncounted``, wild sites with no wild count at all are populations too.

    Parameters
    ----------
    sites : geopandas.GeoDataFrame
        The ``sites`` layer (``site_id``, ``name``, ``iso3``, ``status``, optional ``scope``).
    counts : pandas.DataFrame
        The ``population-counts`` layer (``count_id``, ``site_id``, ``date``, ``count``, ``captive``).
    include_uncounted : bool, default False
        Keep wild sites that have no wild count.

    Returns
    -------
    tuple
        ``(populations, excluded)``: the populations (columns ``site_id``, ``name``, ``iso3``,
        ``status``, ``latest_count``, ``latest_date`` and the geometry), sorted by ``site_id``; and a
        table ``site_id``, ``name``, ``reason`` of the sites left out.

    Examples
    --------
    >>> s = gpd.GeoDataFrame({"site_id": ["a", "b", "c"], "name": ["A", "B", "C"], "iso3": ["UZB"] * 3,
    ...     "status": ["native", "captive", "reintroduced"]}, geometry=gpd.points_from_xy([0, 1, 2], [0] * 3))
    >>> c = pd.DataFrame({"count_id": ["1", "2", "3"], "site_id": ["a", "b", "c"],
    ...     "date": ["2020", "2020", "2021"], "count": [5, 3, 0], "captive": [False, True, False]})
    >>> p, x = wild_populations(s, c)
    >>> p.site_id.tolist(), x.reason.tolist()
    (['a'], ['captive', 'latest wild count is 0 (2021)'])
    """
    latest = _latest_wild_counts(counts)
    scope = (
        sites["scope"].astype("string").fillna("site")
        if "scope" in sites
        else pd.Series("site", index=sites.index)
    )
    keep, reasons = [], []
    for (idx, site), site_scope in zip(sites.iterrows(), scope, strict=True):
        sid = str(site["site_id"])
        reason = None
        if site_scope == "country":
            reason = "national figure, not a population"
        elif str(site["status"]) == CAPTIVE:
            reason = "captive"
        elif site.geometry is None or shapely.is_empty(site.geometry):
            reason = "no position"
        elif sid not in latest.index:
            reason = None if include_uncounted else "no wild count"
        elif latest.loc[sid, "count"] <= 0:
            reason = f"latest wild count is 0 ({latest.loc[sid, 'date']})"
        if reason is None:
            keep.append(idx)
        else:
            reasons.append({"site_id": sid, "name": str(site["name"]), "reason": reason})
    out = sites.loc[keep, ["site_id", "name", "iso3", "status", sites.geometry.name]].copy()
    out["site_id"] = out["site_id"].astype(str)
    found = out["site_id"].isin(latest.index)
    out["latest_count"] = pd.array(
        [int(latest.loc[s, "count"]) if f else None for s, f in zip(out["site_id"], found, strict=True)],
        dtype="Int64",
    )
    out["latest_date"] = [
        str(latest.loc[s, "date"]) if f else None for s, f in zip(out["site_id"], found, strict=True)
    ]
    excluded = pd.DataFrame(reasons, columns=["site_id", "name", "reason"])
    return out.sort_values("site_id").reset_index(drop=True), excluded


def _latest_wild_counts(counts: pd.DataFrame) -> pd.DataFrame:
    if counts is None or counts.empty:
        return pd.DataFrame(columns=["count", "date"])
    frame = pd.DataFrame(
        {
            "site_id": counts["site_id"].astype(str).to_numpy(),
            "date": counts["date"].astype(str).to_numpy(),
            "count_id": counts["count_id"].astype(str).to_numpy(),
            "count": pd.to_numeric(counts["count"]).to_numpy(),
            "captive": counts["captive"].astype("boolean").fillna(False).to_numpy(dtype=bool),
        }
    )
    wild = frame[~frame["captive"]].sort_values(["site_id", "date", "count_id"], kind="stable")
    return wild.drop_duplicates("site_id", keep="last").set_index("site_id")[["count", "date"]]


@dataclass(frozen=True)
class Endpoints:
    """The grid cells the populations start from.

    Attributes
    ----------
    rows, cols : numpy.ndarray
        Cell of each population (int).
    moved_m : numpy.ndarray
        Distance (m) from the population's point to the centre of its start cell when that cell had to
        be moved off a barrier, else 0.
    """

    rows: np.ndarray
    cols: np.ndarray
    moved_m: np.ndarray


def population_cells(x: np.ndarray, y: np.ndarray, grid: Grid, resistance: np.ndarray) -> Endpoints:
    """Cells of points (grid CRS); a point on a barrier moves to the nearest passable cell.

    Raises
    ------
    AnalysisError
        If a point lies outside the grid, or no cell is passable.

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 3000), 3, 3, pyproj.CRS("EPSG:6933"))
    >>> r = np.ones((3, 3)); r[0, 0] = np.inf
    >>> e = population_cells(np.array([500.0]), np.array([2500.0]), g, r)
    >>> (int(e.rows[0]), int(e.cols[0]), float(e.moved_m[0]))
    (1, 0, 1000.0)
    """
    from scipy import ndimage

    t = grid.transform
    cols = np.floor((np.asarray(x) - t.c) / t.a).astype(np.int64)
    rows = np.floor((np.asarray(y) - t.f) / t.e).astype(np.int64)
    outside = (rows < 0) | (rows >= grid.height) | (cols < 0) | (cols >= grid.width)
    if outside.any():
        raise AnalysisError(
            f"{int(outside.sum())} population point(s) lie outside the raster (bounds "
            f"{tuple(round(b) for b in grid.bounds)}); give a raster that covers every population."
        )
    passable = np.isfinite(resistance)
    if not passable.any():
        raise AnalysisError("every cell of the resistance surface is a barrier; no corridor can exist.")
    moved = np.zeros(len(rows))
    blocked = ~passable[rows, cols]
    if blocked.any():
        _, (ir, ic) = ndimage.distance_transform_edt(~passable, return_indices=True)
        r0, c0 = rows[blocked], cols[blocked]
        rows, cols = rows.copy(), cols.copy()
        rows[blocked], cols[blocked] = ir[r0, c0], ic[r0, c0]
        moved[blocked] = np.hypot((rows[blocked] - r0) * t.e, (cols[blocked] - c0) * t.a)
    return Endpoints(rows, cols, moved)


# -- cost distances ------------------------------------------------------------------------------------------


@dataclass
class CostSurfaces:
    """Cost-weighted distances from every population, least costs and least-cost paths.

    Attributes
    ----------
    distances : numpy.ndarray
        float32 ``(n, height, width)``: cost from population *i* to each cell (``inf`` beyond the
        search limit or unreachable).
    costs : numpy.ndarray
        float64 ``(n, n)``: least cost between populations (``inf`` when above the search limit).
    paths : dict
        ``(i, j)`` with ``i < j`` -> int array ``(m, 2)`` of (row, col) from population *i* to *j*.
    """

    distances: np.ndarray
    costs: np.ndarray
    paths: dict[tuple[int, int], np.ndarray] = field(default_factory=dict)


def _mcp(resistance: np.ndarray, sampling: tuple[float, float], limit: float) -> MCP_Geometric:
    """An MCP_Geometric search; with a finite ``limit``, one that stops beyond it.

    The stop is a Python ``goal_reached`` called for every cell taken from the heap, so it is only used
    when there is a limit (it saves far more than it costs then).
    """
    from skimage.graph import MCP_Geometric

    if not np.isfinite(limit):
        return MCP_Geometric(resistance, sampling=sampling)

    class CappedMCP(MCP_Geometric):
        """MCP_Geometric that stops once the cheapest open cell costs more than ``limit``."""

        limit = np.inf

        def goal_reached(self, index: int, cumcost: float) -> int:
            return 2 if cumcost > self.limit else 0

    mcp = CappedMCP(resistance, sampling=sampling)
    mcp.limit = limit
    return mcp


def cost_surfaces(
    resistance: np.ndarray,
    grid: Grid,
    ends: Endpoints,
    *,
    limit: float = np.inf,
    progress: Callable[[int, int], None] | None = None,
) -> CostSurfaces:
    """Run one :class:`skimage.graph.MCP_Geometric` search per population (see step 3 of the module).

    Parameters
    ----------
    resistance : numpy.ndarray
        Resistance per cell (``inf`` = barrier), on ``grid``.
    grid : Grid
        An equal-area grid in metres; step lengths come from its pixel size.
    ends : Endpoints
        The population cells.
    limit : float, default inf
        Stop each search beyond this cost (cells further out are ``inf``).
    progress : callable, optional
        Called as ``progress(done, total)`` after each population.

    Returns
    -------
    CostSurfaces

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 1000), 5, 1, pyproj.CRS("EPSG:6933"))
    >>> e = Endpoints(np.array([0, 0]), np.array([0, 4]), np.zeros(2))
    >>> float(cost_surfaces(np.full((1, 5), 2.0), g, e).costs[0, 1])  # 4 km at resistance 2
    8.0
    """
    n = len(ends.rows)
    sampling = (abs(grid.transform.e) / M_PER_KM, grid.transform.a / M_PER_KM)
    mcp = _mcp(resistance, sampling, limit)
    distances = np.full((n, *grid.shape), np.inf, dtype=np.float32)
    costs = np.full((n, n), np.inf)
    np.fill_diagonal(costs, 0.0)
    paths: dict[tuple[int, int], np.ndarray] = {}
    for i in range(n):
        cum, _ = mcp.find_costs([(int(ends.rows[i]), int(ends.cols[i]))])
        cum[cum > limit] = np.inf
        distances[i] = cum
        for j in range(i + 1, n):
            value = cum[ends.rows[j], ends.cols[j]]
            if np.isfinite(value):
                costs[i, j] = costs[j, i] = value
                paths[(i, j)] = np.asarray(
                    mcp.traceback((int(ends.rows[j]), int(ends.cols[j]))), dtype=np.int64
                )
        if progress is not None:
            progress(i + 1, n)
    return CostSurfaces(distances, costs, paths)


# -- corridors -----------------------------------------------------------------------------------------------


def corridor_zone(cd_a: np.ndarray, cd_b: np.ndarray, least_cost: float, tolerance: float) -> np.ndarray:
    """Cells of the normalised least-cost corridor: ``cd_a + cd_b <= least_cost + tolerance``.

    A relative slack of 1e-6 absorbs the float32 rounding of the stored distances, so path cells always
    belong to the zone.

    Examples
    --------
    >>> corridor_zone(np.array([0.0, 1, 2, 3]), np.array([3.0, 2, 1.5, 0]), 3.0, 0.0).tolist()
    [True, True, False, True]
    """
    slack = 1e-6 * max(1.0, least_cost)
    return (cd_a.astype(np.float64) + cd_b) <= least_cost + tolerance + slack


def corridor_widths_m(
    zone: np.ndarray, path: np.ndarray, grid: Grid, *, span: int = TRANSECT_SPAN
) -> np.ndarray:
    """Width (m) of the corridor zone across the path at each path cell (step 6 of the module).

    Parameters
    ----------
    zone : numpy.ndarray
        Boolean corridor zone on ``grid``.
    path : numpy.ndarray
        ``(m, 2)`` path cells (row, col), in order.
    grid : Grid
        The grid (pixel sizes in metres).
    span : int, default 3
        Path cells before and after that set the local direction.

    Returns
    -------
    numpy.ndarray
        float64 ``(m,)``; NaN for a path of one cell (no direction).

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(100, 0, 0, 0, -100, 0), 9, 7, pyproj.CRS("EPSG:6933"))
    >>> z = np.zeros((7, 9), bool); z[2:5] = True   # a channel 3 cells (300 m) wide
    >>> p = np.array([(3, c) for c in range(9)])
    >>> corridor_widths_m(z, p, g).tolist() == [300.0] * 9
    True
    """
    m = len(path)
    if m < 2:
        return np.full(m, np.nan)
    dx_m, dy_m = grid.transform.a, abs(grid.transform.e)
    before = path[np.maximum(np.arange(m) - span, 0)]
    after = path[np.minimum(np.arange(m) + span, m - 1)]
    # direction in metres (x east, y north); rows grow southwards
    vx = (after[:, 1] - before[:, 1]) * dx_m
    vy = -(after[:, 0] - before[:, 0]) * dy_m
    norm = np.hypot(vx, vy)
    norm[norm == 0] = 1.0
    nx, ny = -vy / norm, vx / norm  # unit normal, metres
    step_m = TRANSECT_STEP * min(dx_m, dy_m)
    row0, col0 = path[:, 0] + 0.5, path[:, 1] + 0.5
    total = np.zeros(m)
    for sign in (1.0, -1.0):
        reach = np.zeros(m)
        active = np.ones(m, dtype=bool)
        k = 0
        while active.any():
            k += 1
            t = k * step_m
            r = np.floor(row0 - sign * ny * t / dy_m).astype(np.int64)
            c = np.floor(col0 + sign * nx * t / dx_m).astype(np.int64)
            inside = (r >= 0) & (r < zone.shape[0]) & (c >= 0) & (c < zone.shape[1])
            ok = np.zeros(m, dtype=bool)
            ok[inside] = zone[r[inside], c[inside]]
            stop = active & ~ok
            reach[stop] = (k - 1) * step_m + step_m / 2
            active &= ok
        total += reach
    return total


@dataclass(frozen=True)
class ShareLayers:
    """What corridor shares are measured against, on the analysis grid.

    Attributes
    ----------
    protected : numpy.ndarray or None
        Coverage fraction (0-1) of each cell by the dissolved protected areas (None: no layer).
    countries : mapping of str to numpy.ndarray
        iso3 -> coverage fraction of each cell by the country.
    protected_geometry : shapely geometry or None
        The dissolved protected areas (grid CRS), for path lengths.
    country_geometries : mapping of str to shapely geometry
        iso3 -> country polygon (grid CRS).
    pixel_km2 : float
        Area of one cell.
    """

    protected: np.ndarray | None
    countries: Mapping[str, np.ndarray]
    protected_geometry: BaseGeometry | None
    country_geometries: Mapping[str, BaseGeometry]
    pixel_km2: float


@dataclass
class CorridorResult:
    """Every pair's figures, the linked pairs' paths and zones, and the corridor mosaic.

    Attributes
    ----------
    pairs : list of dict
        One dict per pair of populations (see :func:`link_corridors`).
    paths : list of shapely.LineString
        Path of each linked pair (grid CRS), in the order of ``linked``.
    zones : list of shapely geometry
        Corridor zone polygons of each linked pair (grid CRS).
    linked : list of int
        Index into ``pairs`` of each linked pair.
    mosaic : numpy.ndarray
        float32 normalised least-cost corridor mosaic (NaN outside every zone).
    """

    pairs: list[dict]
    paths: list[BaseGeometry]
    zones: list[BaseGeometry]
    linked: list[int]
    mosaic: np.ndarray


def link_corridors(
    surfaces: CostSurfaces,
    ends: Endpoints,
    grid: Grid,
    settings: CorridorSettings,
    shares: ShareLayers,
    ids: list[str],
) -> CorridorResult:
    """Links, corridor zones, widths, bottlenecks and shares of every pair (steps 4-7 of the module).

    Returns
    -------
    CorridorResult
        ``pairs`` holds for each pair: ``from_id``, ``to_id``, ``least_cost`` (None above the search
        limit), ``linked``, ``direct``, ``via``, ``path_length_km``, ``euclidean_km``,
        ``cost_per_km``, ``zone_km2``, ``zone_protected_km2``, ``zone_protected_fraction``,
        ``zone_by_country``, ``path_protected_km``, ``path_protected_fraction``, ``path_by_country``,
        ``min_width_m``, ``median_width_m`` and ``bottleneck`` (x, y in the grid CRS, ``width_m``,
        ``protected``, ``iso3``).
    """
    n = len(ids)
    mosaic = np.full(grid.shape, np.inf, dtype=np.float32)
    cells = {(int(r), int(c)) for r, c in zip(ends.rows, ends.cols, strict=True)}
    result = CorridorResult([], [], [], [], mosaic)
    for i in range(n):
        for j in range(i + 1, n):
            cost = surfaces.costs[i, j]
            row: dict[str, Any] = {"from_id": ids[i], "to_id": ids[j], "least_cost": _num(cost)}
            row["euclidean_km"] = _num(_euclidean_km(ends, grid, i, j))
            linked = bool(np.isfinite(cost) and (settings.max_cost is None or cost <= settings.max_cost))
            row["linked"] = linked
            if not linked:
                result.pairs.append(row)
                continue
            path = surfaces.paths[(i, j)]
            own = {(int(ends.rows[i]), int(ends.cols[i])), (int(ends.rows[j]), int(ends.cols[j]))}
            on_path = {(int(r), int(c)) for r, c in path} & (cells - own)
            via = [ids[k] for k in range(n) if (int(ends.rows[k]), int(ends.cols[k])) in on_path]
            zone = corridor_zone(surfaces.distances[i], surfaces.distances[j], cost, settings.tolerance)
            nlcc = surfaces.distances[i] + surfaces.distances[j] - np.float32(cost)
            np.fmin(mosaic, np.where(zone, np.maximum(nlcc, 0), np.inf).astype(np.float32), out=mosaic)
            line = _path_line(path, grid)
            row.update(direct=not via, via=via)
            row.update(_path_figures(line, cost, shares))
            row.update(_zone_figures(zone, shares))
            row.update(_bottleneck(zone, path, grid, surfaces, i, j, settings, shares))
            result.linked.append(len(result.pairs))
            result.pairs.append(row)
            result.paths.append(line)
            result.zones.append(_zone_polygon(zone, grid))
    mosaic[~np.isfinite(mosaic)] = np.nan
    return result


def isolated_populations(pairs: list[dict], ids: list[str]) -> list[str]:
    """Populations with no linked pair, sorted.

    Examples
    --------
    >>> isolated_populations([{"from_id": "a", "to_id": "b", "linked": True},
    ...                       {"from_id": "a", "to_id": "c", "linked": False}], ["a", "b", "c"])
    ['c']
    """
    linked = {p[k] for p in pairs if p["linked"] for k in ("from_id", "to_id")}
    return sorted(set(ids) - linked)


def _num(value: float) -> float | None:
    return float(value) if np.isfinite(value) else None


def _euclidean_km(ends: Endpoints, grid: Grid, i: int, j: int) -> float:
    dx = (ends.cols[i] - ends.cols[j]) * grid.transform.a
    dy = (ends.rows[i] - ends.rows[j]) * grid.transform.e
    return float(np.hypot(dx, dy)) / M_PER_KM


def _path_line(path: np.ndarray, grid: Grid) -> BaseGeometry:
    t = grid.transform
    xs = t.c + t.a * (path[:, 1] + 0.5)
    ys = t.f + t.e * (path[:, 0] + 0.5)
    if len(path) == 1:
        return shapely.Point(xs[0], ys[0])
    return shapely.LineString(np.column_stack([xs, ys]))


def _length_in(line: BaseGeometry, area: BaseGeometry | None) -> float:
    if area is None or shapely.is_empty(area):
        return 0.0
    return float(shapely.intersection(line, area).length) / M_PER_KM


def _path_figures(line: BaseGeometry, cost: float, shares: ShareLayers) -> dict:
    length = float(shapely.length(line)) / M_PER_KM
    protected = _length_in(line, shares.protected_geometry)
    by_country = [
        {"iso3": iso3, "km": km, "fraction": km / length if length > 0 else None}
        for iso3, geom in sorted(shares.country_geometries.items())
        if (km := _length_in(line, geom)) > 0
    ]
    return {
        "path_length_km": length,
        "cost_per_km": cost / length if length > 0 else None,
        "path_protected_km": protected if shares.protected_geometry is not None else None,
        "path_protected_fraction": protected / length
        if shares.protected_geometry is not None and length > 0
        else None,
        "path_by_country": by_country,
    }


def _zone_figures(zone: np.ndarray, shares: ShareLayers) -> dict:
    km2 = float(zone.sum()) * shares.pixel_km2
    protected = (
        float(shares.protected[zone].sum()) * shares.pixel_km2 if shares.protected is not None else None
    )
    by_country = [
        {"iso3": iso3, "km2": area, "fraction": area / km2 if km2 > 0 else None}
        for iso3, cover in sorted(shares.countries.items())
        if (area := float(cover[zone].sum()) * shares.pixel_km2) > 0
    ]
    return {
        "zone_km2": km2,
        "zone_protected_km2": protected,
        "zone_protected_fraction": protected / km2 if protected is not None and km2 > 0 else None,
        "zone_by_country": by_country,
    }


def _bottleneck(
    zone: np.ndarray,
    path: np.ndarray,
    grid: Grid,
    surfaces: CostSurfaces,
    i: int,
    j: int,
    settings: CorridorSettings,
    shares: ShareLayers,
) -> dict:
    widths = corridor_widths_m(zone, path, grid)
    empty = {"min_width_m": None, "median_width_m": None, "bottleneck": None}
    if not np.isfinite(widths).any():
        return empty
    r, c = path[:, 0], path[:, 1]
    interior = (surfaces.distances[i][r, c] > settings.tolerance) & (
        surfaces.distances[j][r, c] > settings.tolerance
    )
    candidates = np.flatnonzero(interior) if interior.any() else np.arange(len(path))
    k = candidates[np.argmin(widths[candidates])]
    t = grid.transform
    rk, ck = int(r[k]), int(c[k])
    countries = {iso3: float(cover[rk, ck]) for iso3, cover in shares.countries.items()}
    return {
        "min_width_m": float(widths[k]),
        "median_width_m": float(np.median(widths[candidates])),
        "bottleneck": {
            "x": float(t.c + t.a * (ck + 0.5)),
            "y": float(t.f + t.e * (rk + 0.5)),
            "width_m": float(widths[k]),
            "protected": None if shares.protected is None else bool(shares.protected[rk, ck] >= 0.5),
            "iso3": max(countries, key=lambda k: countries[k])
            if countries and max(countries.values()) > 0
            else None,
        },
    }


def _zone_polygon(zone: np.ndarray, grid: Grid) -> BaseGeometry:
    from affine import Affine
    from rasterio.features import shapes

    rows, cols = np.flatnonzero(zone.any(axis=1)), np.flatnonzero(zone.any(axis=0))
    if not len(rows):
        return shapely.MultiPolygon()
    r0, r1, c0, c1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
    sub = np.ascontiguousarray(zone[r0:r1, c0:c1]).astype(np.uint8)
    transform = grid.transform @ Affine.translation(c0, r0)
    polys = [shapely.geometry.shape(g) for g, _ in shapes(sub, mask=sub.astype(bool), transform=transform)]
    return polygonal(shapely.union_all(polys))


def zone_area_km2(geometry: BaseGeometry) -> float:
    """Area of a zone polygon in km² (grid CRS in metres, equal-area)."""
    return float(shapely.area(geometry)) / M2_PER_KM2
