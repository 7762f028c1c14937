"""Occurrences as published: hexagon density bins in every profile; fixes and tracks only in the internal one.

Method (the public profile publishes nothing else of the occurrences)
--------------------------------------------------------------------
Occurrences (GBIF records, camera-trap detections, GPS-collar fixes) are exact positions of wild
animals. A public publication shows only how many records fall in each hexagon of an equal-area grid:

1. each record's point is projected into the store's equal-area analysis CRS (``store.config.crs``);
2. the grid is of pointy-top hexagons whose neighbouring centres are ``hex_m`` metres apart
   (:data:`HEX_M`, by default the store's generalisation cell, 10 km: the public cells), one centre at
   the CRS's false origin (0, 0); a hexagon covers ``√3/2 · hex_m²`` (86.6 km² for 10 km); a point is
   binned to the nearest centre (cube rounding; a point on an edge goes to one of its two hexagons);
3. a hexagon with fewer than ``min_records`` records (:data:`MIN_RECORDS`, 5) is **suppressed**: not
   drawn, not listed; how many records and hexagons were suppressed is said under the legend;
4. each remaining hexagon is published as its outline (projected back to longitude/latitude) and its
   number of records. No record's position, date, identifier or animal is published.

The internal profile shows the same hexagons (none suppressed), every record at its position, and each
collared animal's telemetry track: its ``telemetry`` fixes joined in time order into one line.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from deerhabitat.i18n import format_measure
from deerhabitat.publish.map_text import text as map_text

MIN_RECORDS = 5
"""Hexagons with fewer records than this are suppressed in the public profile."""

HEX_M: float | None = None
"""Distance between neighbouring hexagon centres in metres; None: the store's generalisation cell."""

OccurrenceBatches = Callable[[], Iterable[gpd.GeoDataFrame]]
"""A lazy occurrences layer: each call yields the records again, batch by batch (EPSG:4326 points)."""


@dataclass(frozen=True)
class Density:
    """Hexagon bins of the occurrences.

    Attributes
    ----------
    hexagons : geopandas.GeoDataFrame
        ``hex_id`` (``q,r`` on the grid), ``records``; hexagon polygons in EPSG:4326, sorted by ``hex_id``.
    hex_m : float
        Distance between neighbouring centres (metres of the analysis CRS).
    min_records : int
        Hexagons with fewer records were suppressed (1: none).
    suppressed_records, suppressed_hexagons : int
        What the suppression left out.
    total_records : int
        Records with a position, binned or suppressed.
    """

    hexagons: gpd.GeoDataFrame
    hex_m: float
    min_records: int
    suppressed_records: int
    suppressed_hexagons: int
    total_records: int

    @property
    def note(self) -> str:
        """How the bins were made, for the legend."""
        note = map_text("map.note.density", size=format_measure(self.hex_m / 1000))
        if self.min_records > 1:
            note += " " + map_text(
                "map.note.density_suppressed",
                min=self.min_records,
                records=self.suppressed_records,
                hexagons=self.suppressed_hexagons,
            )
        return note


def _batches(occurrences: gpd.GeoDataFrame | OccurrenceBatches) -> Iterable[gpd.GeoDataFrame]:
    return [occurrences] if isinstance(occurrences, gpd.GeoDataFrame) else occurrences()


def hex_density(
    occurrences: gpd.GeoDataFrame | OccurrenceBatches,
    *,
    hex_m: float,
    crs: pyproj.CRS,
    min_records: int = MIN_RECORDS,
) -> Density:
    """Count occurrences per hexagon of an equal-area grid, batch by batch (see the module's method).

    Parameters
    ----------
    occurrences : geopandas.GeoDataFrame or callable
        Points, or a callable yielding batches of them (a lazy layer: memory stays one batch).
    hex_m : float
        Distance between neighbouring hexagon centres, metres of ``crs``.
    crs : pyproj.CRS
        The equal-area analysis CRS.
    min_records : int, default MIN_RECORDS
        Hexagons with fewer records are suppressed (1 keeps all).

    Returns
    -------
    Density

    Examples
    --------
    >>> pts = gpd.GeoDataFrame(geometry=shapely.points([(0, 0)] * 5 + [(50_000, 0)]), crs=3857)
    >>> d = hex_density(pts, hex_m=10_000, crs=pyproj.CRS(3857))
    >>> d.hexagons["records"].tolist(), d.suppressed_records
    ([5], 1)
    """
    radius = hex_m / math.sqrt(3)
    totals: dict[int, int] = {}
    for batch in _batches(occurrences):
        values = batch.geometry.to_crs(crs).values
        coords = shapely.get_coordinates(values[~(shapely.is_missing(values) | shapely.is_empty(values))])
        if not len(coords):
            continue
        q, r = _axial(coords[:, 0], coords[:, 1], radius)
        keys, counts = np.unique(_key(q, r), return_counts=True)
        for key, count in zip(keys.tolist(), counts.tolist(), strict=True):
            totals[key] = totals.get(key, 0) + count
    keys = np.array(sorted(totals), dtype=np.int64)
    records = np.array([totals[k] for k in keys.tolist()], dtype=np.int64)
    keep = records >= min_records
    q, r = _unkey(keys[keep])
    frame = gpd.GeoDataFrame(
        {
            "hex_id": [f"{a},{b}" for a, b in zip(q.tolist(), r.tolist(), strict=True)],
            "records": records[keep],
        },
        geometry=gpd.GeoSeries(_hexagons(q, r, radius), crs=crs).to_crs(4326).values,
        crs=4326,
    )
    return Density(
        frame,
        float(hex_m),
        int(min_records),
        int(records[~keep].sum()),
        int((~keep).sum()),
        int(records.sum()),
    )


def _axial(x: np.ndarray, y: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
    """Axial coordinates of the nearest pointy-top hexagon centre (cube rounding)."""
    qf = (math.sqrt(3) / 3 * x - y / 3) / radius
    rf = (2 / 3 * y) / radius
    sf = -qf - rf
    q, r, s = np.round(qf), np.round(rf), np.round(sf)
    dq, dr, ds = np.abs(q - qf), np.abs(r - rf), np.abs(s - sf)
    fix_q = (dq > dr) & (dq > ds)
    fix_r = ~fix_q & (dr > ds)
    q = np.where(fix_q, -r - s, q)
    r = np.where(fix_r, -q - s, r)
    return q.astype(np.int64), r.astype(np.int64)


_OFFSET = 1 << 30
"""Axial coordinates are shifted by this to pack (q, r) into one int64 (|q|, |r| < 2**30 hexagons)."""


def _key(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    return (q + _OFFSET) * (1 << 31) + (r + _OFFSET)


def _unkey(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return keys // (1 << 31) - _OFFSET, keys % (1 << 31) - _OFFSET


def _hexagons(q: np.ndarray, r: np.ndarray, radius: float) -> np.ndarray:
    cx = radius * math.sqrt(3) * (q + r / 2)
    cy = radius * 1.5 * r
    angles = np.radians(30 + 60 * np.arange(7))
    rings = np.stack(
        [cx[:, None] + radius * np.cos(angles)[None, :], cy[:, None] + radius * np.sin(angles)[None, :]],
        axis=2,
    )
    return np.asarray(shapely.polygons(rings)) if len(rings) else np.array([], dtype=object)


def occurrence_points(occurrences: gpd.GeoDataFrame | OccurrenceBatches) -> gpd.GeoDataFrame:
    """Every occurrence with a position, as recorded (the internal profile only), in EPSG:4326."""
    frames = [b.to_crs(4326) for b in _batches(occurrences)]
    frames = [f for f in frames if len(f)]
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs=4326)
    whole = pd.concat(frames, ignore_index=True)
    values = whole.geometry.values
    return whole[~(shapely.is_missing(values) | shapely.is_empty(values))].reset_index(drop=True)


def telemetry_tracks(points: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One line per collared animal: its ``telemetry`` fixes in time order (the internal profile only).

    Parameters
    ----------
    points : geopandas.GeoDataFrame
        Occurrences with ``kind``, ``animal_id`` and ``date``; animals with fewer than two fixes get no
        line.

    Returns
    -------
    geopandas.GeoDataFrame
        ``animal_id``, ``fixes``, ``first``, ``last`` (dates as text) and the line, sorted by animal.

    Examples
    --------
    >>> fixes = gpd.GeoDataFrame({"kind": ["telemetry"] * 3, "animal_id": ["a"] * 3,
    ...                           "date": pd.to_datetime(["2020-01-03", "2020-01-01", "2020-01-02"])},
    ...                          geometry=shapely.points([(3, 0), (1, 0), (2, 0)]), crs=4326)
    >>> telemetry_tracks(fixes).geometry.iloc[0].wkt
    'LINESTRING (1 0, 2 0, 3 0)'
    """
    columns = ["animal_id", "fixes", "first", "last"]
    if points.empty or not {"kind", "animal_id", "date"} <= set(points.columns):
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=points.crs)
    fixes = points[(points["kind"].astype("string") == "telemetry") & points["animal_id"].notna()]
    fixes = fixes.assign(animal_id=fixes["animal_id"].astype(str), _t=pd.to_datetime(fixes["date"], utc=True))
    fixes = fixes.sort_values(["animal_id", "_t"], kind="stable")
    sizes = fixes.groupby("animal_id", sort=True).size()
    fixes = fixes[fixes["animal_id"].isin(sizes.index[sizes >= 2])]
    if fixes.empty:
        return gpd.GeoDataFrame({c: [] for c in columns}, geometry=[], crs=points.crs)
    codes, animals = pd.factorize(fixes["animal_id"], sort=True)
    lines = shapely.linestrings(shapely.get_coordinates(fixes.geometry.values), indices=codes)
    span = fixes.groupby("animal_id", sort=True)["_t"].agg(["size", "min", "max"])
    return gpd.GeoDataFrame(
        {
            "animal_id": list(animals),
            "fixes": span["size"].to_numpy(),
            "first": [t.isoformat() for t in span["min"]],
            "last": [t.isoformat() for t in span["max"]],
        },
        geometry=lines,
        crs=points.crs,
    )
