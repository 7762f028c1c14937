"""Candidate reintroduction sites: contiguous suitable patches inside the historical range, away from deer.

The recipe (each step is stated in every candidate's ``explanation``):

1. **Patches**: connected groups of suitable pixels (8-connectivity: pixels touching at a corner belong to
   one patch), polygonised on the raster grid (:func:`habitat_patches`).
2. **Inside the historical range**: each patch is cut to the range of the historical period.
3. **Away from current populations**: the part of each patch closer than ``min_distance_km`` to a wild
   population (a site of status native, reintroduced or introduced) is removed; what is left is split into
   its separate parts.
4. **Large enough**: parts of at least ``min_area_km2`` are kept.
5. **Ranked** by ``score = w_area x area_score + w_protection x protected_fraction + w_proximity x
   proximity_score`` (weights normalised to sum to 1): ``area_score`` = area / largest candidate area;
   ``protected_fraction`` = share of the candidate inside the (dissolved) protected areas;
   ``proximity_score`` = 1 for the candidate closest to a source population (any site, captive breeding
   centres included, since they supply animals for release), 0 for the farthest, linear between.
   Ties go to the larger candidate.

All geometry work happens in the equal-area analysis CRS; distances are straight-line km in that CRS.
``distance_to_population_km`` is measured from the candidate's nearest edge (it shows the distance rule
holds); ``distance_to_source_km`` from a point inside the candidate (``shapely.point_on_surface``), since
after step 3 every candidate near a population has its edge exactly ``min_distance_km`` away.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import pixel_area_km2, polygonal
from deerhabitat.analysis.habitat.zonal import zones_block_stats
from deerhabitat.errors import AnalysisError, ConfigError
from deerhabitat.units import M2_PER_KM2, M_PER_KM

WILD_STATUSES = ("native", "reintroduced", "introduced")
"""Site statuses that count as a current (wild) population."""

CANDIDATE_COLUMNS = (
    "candidate_id",
    "rank",
    "score",
    "area_km2",
    "protected_fraction",
    "nearest_population_id",
    "distance_to_population_km",
    "nearest_source_id",
    "nearest_source_name",
    "distance_to_source_km",
    "area_score",
    "proximity_score",
    "explanation",
)
"""Columns of :func:`candidate_sites`, in order (then ``geometry``)."""


@dataclass(frozen=True)
class CandidateCriteria:
    """Thresholds and ranking weights for candidate sites.

    Attributes
    ----------
    min_area_km2 : float
        Smallest candidate kept, km² (> 0).
    min_distance_km : float
        Distance from every wild population, km (>= 0).
    weights : mapping
        ``area``, ``protection`` and ``proximity`` weights (>= 0, not all 0).
    """

    min_area_km2: float = 10.0
    min_distance_km: float = 20.0
    weights: Mapping[str, float] = field(
        default_factory=lambda: {"area": 0.4, "protection": 0.3, "proximity": 0.3}
    )

    def __post_init__(self) -> None:
        if not (np.isfinite(self.min_area_km2) and self.min_area_km2 > 0):
            raise AnalysisError(
                f"min_area_km2={self.min_area_km2!r}; give an area above 0 km², e.g. --min-area-km2 10."
            )
        if not (np.isfinite(self.min_distance_km) and self.min_distance_km >= 0):
            raise AnalysisError(
                f"min_distance_km={self.min_distance_km!r}; give a distance of 0 km or more, "
                f"e.g. --min-distance-km 20."
            )
        keys = {"area", "protection", "proximity"}
        weights = dict(self.weights)
        if (
            set(weights) != keys
            or any(not np.isfinite(v) or v < 0 for v in weights.values())
            or sum(weights.values()) <= 0
        ):
            raise ConfigError(
                f"candidate weights {weights!r} are not valid; give area, protection and "
                f"proximity, each 0 or more and not all 0, under [candidates.weights]."
            )

    def normalised_weights(self) -> dict[str, float]:
        """Weights divided by their sum."""
        total = sum(self.weights.values())
        return {k: float(v) / total for k, v in sorted(self.weights.items())}


def parse_candidate_weights(data: Mapping, *, origin: str = "weights file") -> dict[str, float] | None:
    """Read ``[candidates.weights]`` from parsed TOML (None when the table is absent).

    Examples
    --------
    >>> parse_candidate_weights({"candidates": {"weights": {"area": 1, "protection": 0, "proximity": 0}}})
    {'area': 1.0, 'protection': 0.0, 'proximity': 0.0}
    """
    table = (data.get("candidates") or {}).get("weights")
    if table is None:
        return None
    try:
        return {str(k): float(v) for k, v in table.items()}
    except (TypeError, ValueError, AttributeError):
        raise ConfigError(
            f"{origin}: [candidates.weights] = {table!r}; give numbers, e.g. area = 0.4."
        ) from None


def habitat_patches(mask: np.ndarray, grid: Grid) -> gpd.GeoDataFrame:
    """Polygons of the connected groups of True pixels (8-connectivity), in the grid's CRS.

    Parameters
    ----------
    mask : numpy.ndarray
        Boolean, True where the pixel is suitable.
    grid : Grid
        The mask's grid.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``patch_id`` (1, 2, ...; ordered by position) and ``geometry``.

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(1, 0, 0, 0, -1, 3), 3, 3, pyproj.CRS("EPSG:6933"))
    >>> m = np.eye(3, dtype=bool)
    >>> habitat_patches(m, g).geometry.area.tolist()
    [3.0]
    """
    from rasterio.features import shapes

    mask = np.asarray(mask, dtype=bool)
    polygons = [
        shapely.geometry.shape(geom)
        for geom, _ in shapes(mask.astype(np.uint8), mask=mask, transform=grid.transform, connectivity=8)
    ]
    polygons = [polygonal(shapely.make_valid(p)) for p in polygons]
    frame = gpd.GeoDataFrame(
        {"patch_id": np.arange(1, len(polygons) + 1)},
        geometry=gpd.GeoSeries(polygons, crs=grid.crs),
        crs=grid.crs,
    )
    return frame


def candidate_sites(
    patches: gpd.GeoDataFrame,
    *,
    historical_range: BaseGeometry,
    sites: gpd.GeoDataFrame,
    protected: BaseGeometry | None,
    criteria: CandidateCriteria,
) -> gpd.GeoDataFrame:
    """Candidate reintroduction sites, ranked and explained (see the module notes for the recipe).

    Parameters
    ----------
    patches : geopandas.GeoDataFrame
        Suitable patches (from :func:`habitat_patches`), in the equal-area analysis CRS.
    historical_range : shapely geometry
        The historical range, in the same CRS.
    sites : geopandas.GeoDataFrame
        The ``sites`` layer in the same CRS (``site_id``, ``name``, ``status``): wild statuses are current
        populations; every site is a possible source population.
    protected : shapely geometry or None
        Dissolved protected areas in the same CRS (None: no protected-area layer; protection is 0).
    criteria : CandidateCriteria
        Minimum area, minimum distance and ranking weights.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns :data:`CANDIDATE_COLUMNS` and ``geometry``, best first; empty when nothing qualifies.
    """
    parts = _qualifying_parts(patches, historical_range, sites, criteria)
    frame = gpd.GeoDataFrame(
        {"area_km2": shapely.area(parts) / M2_PER_KM2},
        geometry=gpd.GeoSeries(parts, crs=patches.crs),
        crs=patches.crs,
    )
    frame = frame[frame["area_km2"] >= criteria.min_area_km2].reset_index(drop=True)
    frame["protected_fraction"] = _protected_fraction(frame.geometry.values, protected)
    _add_nearest(frame, sites[sites["status"].isin(WILD_STATUSES)], "population")
    _add_nearest(frame, sites, "source")
    return explain_candidates(_rank(frame, criteria), criteria)


def _qualifying_parts(
    patches: gpd.GeoDataFrame,
    historical_range: BaseGeometry,
    sites: gpd.GeoDataFrame,
    criteria: CandidateCriteria,
) -> np.ndarray:
    inside = shapely.intersection(patches.geometry.values, historical_range)
    wild = sites[sites["status"].isin(WILD_STATUSES)]
    if criteria.min_distance_km > 0 and len(wild):
        zone = shapely.union_all(
            shapely.buffer(wild.geometry.values, criteria.min_distance_km * M_PER_KM, quad_segs=32)
        )
        inside = shapely.difference(inside, zone)
    parts = [p for g in inside for p in shapely.get_parts(polygonal(g)) if not p.is_empty]
    parts.sort(key=lambda p: (-p.area, p.centroid.x, p.centroid.y))
    out = np.empty(len(parts), dtype=object)
    out[:] = parts
    return out


def _protected_fraction(geoms: np.ndarray, protected: BaseGeometry | None) -> np.ndarray:
    if protected is None or shapely.is_empty(protected) or len(geoms) == 0:
        return np.zeros(len(geoms))
    inside = shapely.area(shapely.intersection(geoms, protected))
    return np.clip(inside / shapely.area(geoms), 0.0, 1.0)


def _add_nearest(frame: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, what: str) -> None:
    id_col, dist_col = f"nearest_{what}_id", f"distance_to_{what}_km"
    if sites.empty or frame.empty:
        frame[id_col] = pd.Series([None] * len(frame), dtype="string")
        frame[dist_col] = np.nan
        if what == "source":
            frame["nearest_source_name"] = frame[id_col]
        return
    ordered = sites.sort_values("site_id").reset_index(drop=True)
    geoms = np.asarray(frame.geometry.values)
    if what == "source":
        geoms = shapely.point_on_surface(geoms)
    distances = shapely.distance(geoms[:, None], np.asarray(ordered.geometry.values)[None, :])
    nearest = np.argmin(distances, axis=1)
    frame[id_col] = pd.array(ordered["site_id"].astype(str).to_numpy()[nearest], dtype="string")
    frame[dist_col] = distances[np.arange(len(frame)), nearest] / M_PER_KM
    if what == "source":
        frame["nearest_source_name"] = pd.array(
            ordered["name"].astype(str).to_numpy()[nearest], dtype="string"
        )


def _rank(frame: gpd.GeoDataFrame, criteria: CandidateCriteria) -> gpd.GeoDataFrame:
    weights = criteria.normalised_weights()
    if frame.empty:
        for column in ("area_score", "proximity_score", "score"):
            frame[column] = pd.Series(dtype=float)
    else:
        frame["area_score"] = frame["area_km2"] / frame["area_km2"].max()
        d = frame["distance_to_source_km"]
        spread = d.max() - d.min()
        frame["proximity_score"] = 1.0 - (d - d.min()) / spread if spread > 0 else 1.0
        frame["proximity_score"] = frame["proximity_score"].fillna(0.0)
        frame["score"] = (
            weights["area"] * frame["area_score"]
            + weights["protection"] * frame["protected_fraction"]
            + weights["proximity"] * frame["proximity_score"]
        )
    frame = frame.sort_values(["score", "area_km2"], ascending=False, kind="stable").reset_index(drop=True)
    frame["rank"] = np.arange(1, len(frame) + 1)
    width = max(2, len(str(len(frame))))
    frame["candidate_id"] = [f"C{r:0{width}d}" for r in frame["rank"]]
    return frame


def explain_candidates(frame: gpd.GeoDataFrame, criteria: CandidateCriteria) -> gpd.GeoDataFrame:
    """Add the ``explanation`` column (one sentence per candidate) and order the columns.

    A ``mean_suitability`` column, when present, is mentioned and kept after ``proximity_score``.
    """
    frame = frame.copy()
    w = criteria.normalised_weights()
    texts = []
    for row in frame.itertuples():
        mean = getattr(row, "mean_suitability", None)
        suit = f" (mean suitability {mean:.2f})" if mean is not None and np.isfinite(mean) else ""
        pop = (
            f"{row.distance_to_population_km:.1f} km from the nearest wild population "
            f"({row.nearest_population_id})"
            if pd.notna(row.nearest_population_id)
            else "no wild population in the store"
        )
        src = (
            f"nearest source population {row.nearest_source_name} ({row.nearest_source_id}) at "
            f"{row.distance_to_source_km:.1f} km from its centre"
            if pd.notna(row.nearest_source_id)
            else "no source site"
        )
        texts.append(
            f"Rank {row.rank} of {len(frame)}: {row.area_km2:.1f} km² of contiguous suitable habitat{suit} "
            f"inside the historical range, at least {criteria.min_distance_km:g} km from current "
            f"populations ({pop}); {row.protected_fraction:.0%} inside protected areas; {src}. Score "
            f"{row.score:.3f} = {w['area']:.2f} x area {row.area_score:.2f} + {w['protection']:.2f} x "
            f"protection {row.protected_fraction:.2f} + {w['proximity']:.2f} x proximity "
            f"{row.proximity_score:.2f}."
        )
    frame["explanation"] = pd.array(texts, dtype="string")
    extra = ["mean_suitability"] if "mean_suitability" in frame.columns else []
    columns = [*CANDIDATE_COLUMNS[:-1], *extra, "explanation"]
    return gpd.GeoDataFrame(frame[columns], geometry=frame.geometry.values, crs=frame.crs)


def with_mean_suitability(
    frame: gpd.GeoDataFrame,
    values: np.ndarray,
    valid: np.ndarray,
    grid: Grid,
    area_crs: pyproj.CRS,
    criteria: CandidateCriteria,
) -> gpd.GeoDataFrame:
    """Add each candidate's area-weighted ``mean_suitability``, and explanations that state it.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Candidates of :func:`candidate_sites`.
    values, valid : numpy.ndarray
        The suitability raster and its data mask, on ``grid``.
    grid : Grid
        The raster's grid.
    area_crs : pyproj.CRS
        The equal-area CRS of pixel areas.
    criteria : CandidateCriteria
        The criteria the candidates were found with.
    """
    geoms = dict(zip(frame["candidate_id"], frame.to_crs(grid.crs).geometry.values, strict=True))
    stats = zones_block_stats(values, valid, grid, geoms, pixel_area_km2(grid, area_crs))
    frame = frame.copy()
    frame["mean_suitability"] = [stats[k].mean if k in stats else np.nan for k in frame["candidate_id"]]
    return explain_candidates(frame, criteria)
