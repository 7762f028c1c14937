"""Area of Habitat (Brooks et al. 2019): a range refined by suitable land-cover classes and elevation limits.

The recipe, as implemented (aoh-calculator and the IUCN Red List Technical Working Group rules):

1. **Range**: the union of the range polygons of one period, optionally filtered by IUCN presence, origin
   and seasonal codes (:data:`IUCN_PRESETS`; the default keeps every polygon of the period).
2. **Coverage**: the range is laid on the land-cover grid with exact cell-coverage fractions
   (:func:`~deerhabitat.analysis.habitat.pixel_coverage.coverage_fraction`): a pixel half inside the range
   counts half. Each pixel weighs ``coverage x pixel area`` (km², from the equal-area grid or the analysis
   CRS).
3. **Habitat**: pixels whose land-cover class is one of the suitable classes. Land-cover nodata is not
   habitat.
4. **Elevation**: pixels whose elevation ``e`` satisfies ``min_m <= e <= max_m`` (either limit may be
   open). Elevation nodata fails the test. Limits are used as given: they are not widened or swapped.
5. **Fallbacks**: if the range holds no suitable pixel, the habitat filter is dropped (the whole range is
   habitat); then, if no habitat pixel lies within the elevation limits, the elevation filter is dropped.
   Each fallback used is reported.
6. **Outputs**: per pixel, the km² of Area of Habitat it holds (NaN outside the range); totals
   ``range_km2``, ``habitat_km2`` (range ∩ suitable classes), ``elevation_km2`` (range ∩ elevation limits),
   ``aoh_km2``, and ``prevalence = aoh_km2 / range_km2``.

Zones (countries, protected areas) are handled exactly as the range: each zone is the range intersected
with the zone polygon, and its coverage fractions weigh the same pixels, so zone totals add up to the
range total when zones tile the range.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import SupportsFloat

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.analysis.habitat.grid import Grid
from deerhabitat.analysis.habitat.pixel_coverage import coverage_fraction, polygonal
from deerhabitat.errors import AnalysisError
from deerhabitat.schema import ORIGIN_CODES, PRESENCE_CODES, SEASONAL_CODES


@dataclass(frozen=True)
class IucnCodes:
    """Which IUCN presence, origin and seasonal codes of range polygons to keep (None keeps every code).

    Examples
    --------
    >>> IUCN_PRESETS["aoh"].presence
    (1, 2)
    >>> IucnCodes().describe()
    {'presence': 'all', 'origin': 'all', 'seasonal': 'all'}
    """

    presence: tuple[int, ...] | None = None
    origin: tuple[int, ...] | None = None
    seasonal: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        for name, allowed in (
            ("presence", PRESENCE_CODES),
            ("origin", ORIGIN_CODES),
            ("seasonal", SEASONAL_CODES),
        ):
            codes = getattr(self, name)
            if codes is None:
                continue
            bad = [c for c in codes if c not in allowed]
            if bad or not codes:
                raise AnalysisError(
                    f"IUCN {name} codes {list(codes)} are not valid; allowed codes are "
                    f"{', '.join(f'{k} ({v})' for k, v in allowed.items())}. Give a comma-separated list "
                    f"such as 1,2."
                )

    def describe(self) -> dict[str, list[int] | str]:
        """Describe the codes kept, as JSON-ready data (``'all'`` when a code is not filtered)."""
        return {
            name: "all" if getattr(self, name) is None else sorted(getattr(self, name))
            for name in ("presence", "origin", "seasonal")
        }


IUCN_PRESETS: Mapping[str, IucnCodes] = {
    "all": IucnCodes(),
    "aoh": IucnCodes(presence=(1, 2), origin=(1, 2, 6), seasonal=(1, 2, 3, 4)),
    "dopa": IucnCodes(presence=(1, 2), origin=(1, 2), seasonal=(1, 2, 3)),
    "life": IucnCodes(presence=(1, 2), origin=(1, 2, 6), seasonal=(1, 2, 3, 5)),
}
"""Named selections of range polygons: ``all`` (the default: every polygon of the period), ``aoh``
(prioritizr/aoh: presence 1-2, origin 1, 2, 6, seasonal 1-4), ``dopa`` (presence 1-2, origin 1-2,
seasonal 1-3) and ``life`` (presence 1-2, origin 1, 2, 6, seasonal 1, 2, 3, 5)."""


@dataclass(frozen=True)
class ElevationLimits:
    """Elevation limits in metres; either may be None (open-ended). Both bounds are inclusive.

    Raises
    ------
    AnalysisError
        If both are None, if one is not finite, or if ``min_m > max_m``.

    Examples
    --------
    >>> ElevationLimits(0, 500).mask(np.array([-1.0, 0.0, 250.0, 500.0, 501.0])).tolist()
    [False, True, True, True, False]
    """

    min_m: float | None = None
    max_m: float | None = None

    def __post_init__(self) -> None:
        if self.min_m is None and self.max_m is None:
            raise AnalysisError(
                "an elevation filter needs --min-elevation-m, --max-elevation-m or both; "
                "got neither. Give the species' elevation limits in metres."
            )
        for name in ("min_m", "max_m"):
            value = getattr(self, name)
            if value is not None and not np.isfinite(value):
                raise AnalysisError(
                    f"elevation limit {name}={value!r} is not a finite number of metres; "
                    f"give a number such as 1500."
                )
        if self.min_m is not None and self.max_m is not None and self.min_m > self.max_m:
            raise AnalysisError(
                f"the minimum elevation ({self.min_m:g} m) is above the maximum ({self.max_m:g} m); the "
                f"minimum must not exceed the maximum. Swap --min-elevation-m and --max-elevation-m."
            )

    def mask(self, elevation: np.ndarray) -> np.ndarray:
        """Boolean array: which elevations lie within the limits (NaN never does)."""
        ok = np.isfinite(elevation)
        if self.min_m is not None:
            ok &= elevation >= self.min_m
        if self.max_m is not None:
            ok &= elevation <= self.max_m
        return ok

    def describe(self) -> dict[str, float | None]:
        """Describe the limits as JSON-ready data."""
        return {"min_m": self.min_m, "max_m": self.max_m}


@dataclass(frozen=True)
class HabitatLayers:
    """The rasters of one block (or a whole grid), all on the same grid.

    Attributes
    ----------
    landcover : numpy.ndarray
        Land-cover class values.
    landcover_valid : numpy.ndarray
        Boolean, False where land cover is nodata.
    pixel_area_km2 : float or numpy.ndarray
        Area of each pixel in km² (one number on an equal-area grid).
    elevation : numpy.ndarray, optional
        Elevation in metres, NaN where unknown.
    """

    landcover: np.ndarray
    landcover_valid: np.ndarray
    pixel_area_km2: float | np.ndarray
    elevation: np.ndarray | None = None


@dataclass
class AohTotals:
    """Sums of pixel areas weighted by coverage, in km²; add blocks with :meth:`add`.

    Attributes
    ----------
    range_km2 : float
        The range on the grid.
    habitat_km2 : float
        Range ∩ suitable classes.
    elevation_km2 : float or None
        Range ∩ elevation limits (None without an elevation filter).
    habitat_elevation_km2 : float or None
        Range ∩ suitable classes ∩ elevation limits.
    class_km2 : dict
        Range area by land-cover class value.
    """

    range_km2: float = 0.0
    habitat_km2: float = 0.0
    elevation_km2: float | None = None
    habitat_elevation_km2: float | None = None
    class_km2: dict[int | float, float] = field(default_factory=dict)

    def add(self, other: AohTotals) -> None:
        """Add the sums of ``other`` (another block) to these."""
        self.range_km2 += other.range_km2
        self.habitat_km2 += other.habitat_km2
        if other.elevation_km2 is not None:
            self.elevation_km2 = (self.elevation_km2 or 0.0) + other.elevation_km2
            self.habitat_elevation_km2 = (self.habitat_elevation_km2 or 0.0) + (
                other.habitat_elevation_km2 or 0.0
            )
        for value, area in other.class_km2.items():
            self.class_km2[value] = self.class_km2.get(value, 0.0) + area

    def aoh_km2(self, mode: AohMode) -> float:
        """Return the Area of Habitat under ``mode`` (which filters are applied)."""
        if mode.use_habitat and mode.use_elevation:
            return float(self.habitat_elevation_km2 or 0.0)
        if mode.use_habitat:
            return self.habitat_km2
        if mode.use_elevation:
            return float(self.elevation_km2 or 0.0)
        return self.range_km2


@dataclass(frozen=True)
class AohMode:
    """Which filters shape the Area of Habitat, and the fallbacks that removed any."""

    use_habitat: bool = True
    use_elevation: bool = False
    fallbacks: tuple[str, ...] = ()


def decide_mode(totals: AohTotals, *, elevation_given: bool) -> AohMode:
    """Apply the fallback rules to the totals of the whole range.

    Examples
    --------
    >>> decide_mode(AohTotals(range_km2=10, habitat_km2=0), elevation_given=False).fallbacks
    ('no suitable land-cover class in the range: the whole range is taken as habitat',)
    """
    fallbacks = []
    use_habitat = totals.habitat_km2 > 0
    if not use_habitat:
        fallbacks.append("no suitable land-cover class in the range: the whole range is taken as habitat")
    use_elevation = elevation_given
    if elevation_given:
        within = totals.habitat_elevation_km2 if use_habitat else totals.elevation_km2
        if not within:
            use_elevation = False
            fallbacks.append("no habitat pixel within the elevation limits: the elevation filter is ignored")
    return AohMode(use_habitat=use_habitat, use_elevation=use_elevation, fallbacks=tuple(fallbacks))


@dataclass
class AohBlockResult:
    """One block's contribution: totals for the range and for each zone, and its AOH pixels (km²)."""

    totals: AohTotals
    zone_totals: dict[str, AohTotals]
    pixels: np.ndarray


def aoh_block(
    layers: HabitatLayers,
    grid: Grid,
    range_geometry: BaseGeometry,
    *,
    suitable_classes: Iterable[int],
    limits: ElevationLimits | None = None,
    zones: Mapping[str, BaseGeometry] | None = None,
    mode: AohMode | None = None,
) -> AohBlockResult:
    """Area of Habitat of one block: totals, zone totals, and pixels under ``mode``.

    Parameters
    ----------
    layers : HabitatLayers
        The block's rasters.
    grid : Grid
        The block's grid.
    range_geometry : shapely geometry
        The range, in the grid's CRS.
    suitable_classes : iterable of int
        Land-cover classes that are habitat.
    limits : ElevationLimits, optional
        Elevation limits; needs ``layers.elevation``.
    zones : mapping of str to geometry, optional
        Zone name -> zone polygon already intersected with the range, in the grid's CRS.
    mode : AohMode, optional
        Filters for the pixels; default: every filter given (habitat, and elevation when limits are set).

    Returns
    -------
    AohBlockResult
        ``pixels`` is float32 km² of AOH per pixel, NaN where the pixel is outside the range.
    """
    suitable = _suitable_mask(layers, suitable_classes)
    within = _elevation_mask(layers, limits)
    mode = mode or AohMode(use_habitat=True, use_elevation=limits is not None)
    cover = coverage_fraction(range_geometry, grid)
    totals = _totals(cover, layers, suitable, within)
    zone_totals = {
        name: _totals(coverage_fraction(geom, grid), layers, suitable, within)
        for name, geom in (zones or {}).items()
    }
    return AohBlockResult(totals, zone_totals, _pixels(cover, layers, suitable, within, mode))


def _suitable_mask(layers: HabitatLayers, suitable_classes: Iterable[int]) -> np.ndarray:
    classes = np.asarray(sorted(set(int(c) for c in suitable_classes)))
    return layers.landcover_valid & np.isin(layers.landcover, classes)


def _elevation_mask(layers: HabitatLayers, limits: ElevationLimits | None) -> np.ndarray | None:
    if limits is None:
        return None
    if layers.elevation is None:
        raise AnalysisError(
            "elevation limits were given but no elevation raster; give --elevation PATH "
            "or leave out --min-elevation-m/--max-elevation-m."
        )
    return limits.mask(layers.elevation)


def _totals(
    cover: np.ndarray, layers: HabitatLayers, suitable: np.ndarray, within: np.ndarray | None
) -> AohTotals:
    weight = cover.astype(np.float64) * layers.pixel_area_km2
    totals = AohTotals(range_km2=float(weight.sum()), habitat_km2=float(weight[suitable].sum()))
    if within is not None:
        totals.elevation_km2 = float(weight[within].sum())
        totals.habitat_elevation_km2 = float(weight[suitable & within].sum())
    inside = (cover > 0) & layers.landcover_valid
    if inside.any():
        values, inverse = np.unique(layers.landcover[inside], return_inverse=True)
        sums = np.bincount(inverse.ravel(), weights=weight[inside])
        totals.class_km2 = {_class_key(v): float(s) for v, s in zip(values, sums, strict=True)}
    return totals


def _class_key(value: SupportsFloat) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _pixels(
    cover: np.ndarray, layers: HabitatLayers, suitable: np.ndarray, within: np.ndarray | None, mode: AohMode
) -> np.ndarray:
    keep = np.ones(cover.shape, dtype=bool)
    if mode.use_habitat:
        keep &= suitable
    if mode.use_elevation and within is not None:
        keep &= within
    area = np.broadcast_to(np.asarray(layers.pixel_area_km2, dtype=np.float64), cover.shape)
    pixels = np.where(keep, cover * area, 0.0).astype(np.float32)
    pixels[cover <= 0] = np.nan
    return pixels


@dataclass
class AohResult:
    """Area of Habitat of a whole range: totals, zone totals, mode, and (in memory) the pixel array."""

    totals: AohTotals
    zone_totals: dict[str, AohTotals]
    mode: AohMode
    pixels: np.ndarray | None = None

    @property
    def aoh_km2(self) -> float:
        """Total Area of Habitat in km²."""
        return self.totals.aoh_km2(self.mode)

    @property
    def prevalence(self) -> float | None:
        """``aoh_km2 / range_km2`` (None when the range does not touch the grid)."""
        return self.aoh_km2 / self.totals.range_km2 if self.totals.range_km2 > 0 else None

    def zone_aoh_km2(self) -> dict[str, float]:
        """AOH in each zone, under the mode of the whole range."""
        return {name: t.aoh_km2(self.mode) for name, t in sorted(self.zone_totals.items())}


def area_of_habitat(
    layers: HabitatLayers,
    grid: Grid,
    range_geometry: BaseGeometry,
    *,
    suitable_classes: Iterable[int],
    limits: ElevationLimits | None = None,
    zones: Mapping[str, BaseGeometry] | None = None,
) -> AohResult:
    """Area of Habitat of a range on a grid held in memory (see the module notes for the recipe).

    Parameters
    ----------
    layers : HabitatLayers
        Land cover (and elevation) of the whole grid, with pixel areas.
    grid : Grid
        The land-cover grid.
    range_geometry : shapely geometry
        The range (e.g. from :func:`select_range`), in the grid's CRS.
    suitable_classes : iterable of int
        Land-cover classes that are habitat.
    limits : ElevationLimits, optional
        Elevation limits (needs ``layers.elevation``).
    zones : mapping of str to geometry, optional
        Zones intersected with the range (see :func:`range_zones`), in the grid's CRS.

    Returns
    -------
    AohResult
        With ``pixels``: km² of AOH per pixel (float32, NaN outside the range).

    Examples
    --------
    >>> import pyproj
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 2000), 2, 2, pyproj.CRS("EPSG:6933"))
    >>> lc = np.array([[1, 2], [2, 2]])
    >>> from deerhabitat.analysis.habitat.pixel_coverage import pixel_area_km2
    >>> layers = HabitatLayers(lc, lc > 0, pixel_area_km2(g, "EPSG:6933"))
    >>> r = area_of_habitat(layers, g, shapely.box(0, 0, 2000, 2000), suitable_classes=[1])
    >>> r.totals.range_km2, r.aoh_km2, r.prevalence
    (4.0, 1.0, 0.25)
    """
    first = aoh_block(
        layers, grid, range_geometry, suitable_classes=suitable_classes, limits=limits, zones=zones
    )
    mode = decide_mode(first.totals, elevation_given=limits is not None)
    pixels = first.pixels
    if mode != AohMode(use_habitat=True, use_elevation=limits is not None):
        pixels = aoh_block(
            layers, grid, range_geometry, suitable_classes=suitable_classes, limits=limits, mode=mode
        ).pixels
    return AohResult(first.totals, first.zone_totals, mode, pixels)


def select_range(
    ranges: gpd.GeoDataFrame, period: str, *, codes: IucnCodes | None = None
) -> gpd.GeoDataFrame:
    """Select the range polygons of one period, filtered by IUCN codes.

    Parameters
    ----------
    ranges : geopandas.GeoDataFrame
        A ``ranges`` layer (any CRS).
    period : str
        The period, e.g. ``historical`` or ``2020``.
    codes : IucnCodes, optional
        Codes to keep; default every polygon of the period (:data:`IUCN_PRESETS` ``all``).

    Returns
    -------
    geopandas.GeoDataFrame
        The polygons kept, sorted by ``range_id``.

    Raises
    ------
    AnalysisError
        If the layer has no polygon of ``period``, or none is left after the code filter; the message
        lists the periods, or the codes present.
    """
    codes = codes or IucnCodes()
    periods = sorted(set(ranges["period"].astype(str)))
    of_period = ranges[ranges["period"].astype(str) == str(period)]
    if of_period.empty:
        raise AnalysisError(
            f"the ranges layer has no polygon of period {str(period)!r}; periods in the store: "
            f"{', '.join(periods) or 'none'}. Choose one with --range-period, or import the range."
        )
    kept = of_period
    for name in ("presence", "origin", "seasonal"):
        wanted = getattr(codes, name)
        if wanted is not None:
            kept = kept[kept[name].astype("Int64").isin(wanted)]
    if kept.empty:
        present = {n: sorted(set(of_period[n].astype(int))) for n in ("presence", "origin", "seasonal")}
        raise AnalysisError(
            f"no range polygon of period {str(period)!r} has the IUCN codes kept ({codes.describe()}); the "
            f"period's polygons have {present}. Choose other codes (--iucn-preset all keeps every polygon)."
        )
    return kept.sort_values("range_id").reset_index(drop=True)


def range_zones(range_geometry: BaseGeometry, zones: gpd.GeoDataFrame, key: str) -> dict[str, BaseGeometry]:
    """Intersect the range with each zone (grouped by ``key``): zone name -> polygon, empty ones dropped.

    Parameters
    ----------
    range_geometry : shapely geometry
        The range, in the zones' CRS.
    zones : geopandas.GeoDataFrame
        Zone polygons (countries, protected areas); several rows with one ``key`` are merged.
    key : str
        Column naming the zone.

    Returns
    -------
    dict
        Sorted by zone name.
    """
    out = {}
    for name, group in zones.groupby(zones[key].astype(str), sort=True):
        merged = polygonal(shapely.union_all(shapely.make_valid(group.geometry.values)))
        part = polygonal(shapely.intersection(range_geometry, merged))
        if not shapely.is_empty(part) and part.area > 0:
            out[str(name)] = part
    return out
