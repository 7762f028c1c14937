"""WDPA (World Database on Protected Areas) downloads into the ``protected-areas`` layer.

- WDPA field names are mapped to the schema: ``WDPA_PID`` (the parcel id, else ``WDPAID``) →
  ``pa_id``, ``NAME`` → ``name``, ``DESIG_ENG`` → ``designation``, ``IUCN_CAT`` → ``iucn_cat``,
  ``STATUS_YR`` → ``status_year`` (0, "not reported", becomes empty), ``REP_AREA`` (km²) →
  ``reported_area_km2``, ``ISO3`` → ``iso3`` (the first of a transboundary ``KAZ;UZB``, the
  whole value kept in ``wdpa_iso3``), ``STATUS`` → ``status``. Other columns are kept.
- Status filter: by default only ``Designated``, ``Inscribed`` and ``Established`` areas are kept,
  as in common WDPA cleaning practice; the rest are counted as rejected.
- A point with a reported area becomes a circle of exactly that area, drawn in the equal-area
  analysis CRS and flagged ``approximate``; a point without one cannot be drawn and is rejected.
- Overlapping areas are all kept: coverage analysis dissolves them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import SchemaError
from deerhabitat.io.findings import Finding, warning
from deerhabitat.units import M2_PER_KM2

WDPA_FIELDS = {
    "NAME": "name",
    "DESIG_ENG": "designation",
    "IUCN_CAT": "iucn_cat",
    "STATUS_YR": "status_year",
    "REP_AREA": "reported_area_km2",
    "ISO3": "iso3",
    "STATUS": "status",
}
"""WDPA column → schema column (the id is handled apart: ``WDPA_PID``, else ``WDPAID``)."""
DEFAULT_STATUSES = ("Designated", "Inscribed", "Established")
"""WDPA ``STATUS`` values kept unless ``--status`` says otherwise."""
CIRCLE_QUAD_SEGS = 16
"""Segments per quarter circle of the polygon drawn for a WDPA point (a 64-gon)."""


def parse_statuses(value: str | Sequence[str] | None) -> tuple[str, ...] | None:
    """Turn ``--status`` (comma-separated or repeated) into the statuses kept; None keeps all.

    Examples
    --------
    >>> parse_statuses(None)
    ('Designated', 'Inscribed', 'Established')
    >>> parse_statuses("designated, proposed"), parse_statuses("all")
    (('Designated', 'Proposed'), None)
    """
    if value is None:
        return DEFAULT_STATUSES
    items = [value] if isinstance(value, str) else list(value)
    names = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    if any(n.lower() == "all" for n in names):
        return None
    return tuple(n[:1].upper() + n[1:].lower() for n in names) or DEFAULT_STATUSES


def _column(frame: pd.DataFrame, name: str) -> str | None:
    upper = {str(c).upper(): c for c in frame.columns}
    return upper.get(name)


def map_wdpa(
    frame: gpd.GeoDataFrame, *, statuses: tuple[str, ...] | None, source: str
) -> tuple[gpd.GeoDataFrame, list[Finding], int]:
    """Map WDPA fields to the protected-areas schema and apply the status filter.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Features of a WDPA download (field names in any case).
    statuses : tuple of str or None
        ``STATUS`` values kept; None keeps all.
    source : str
        The ``source`` of features that have none (the file name).

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding, int)
        The mapped features, warnings (transboundary areas, the filter's effect), and the number of
        features the status filter left out.

    Raises
    ------
    SchemaError
        If WDPA columns are missing; the message names them and lists the columns found.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"WDPAID": [1.0, 2.0], "NAME": ["A", "B"], "DESIG_ENG": ["Zapovednik"] * 2,
    ...     "IUCN_CAT": ["Ia", "IV"], "STATUS": ["Designated", "Proposed"], "STATUS_YR": [1938, 0],
    ...     "REP_AREA": [687.2, 0.0], "ISO3": ["TJK", "TJK"]}, geometry=[None, None], crs=4326)
    >>> out, findings, dropped = map_wdpa(f, statuses=("Designated",), source="wdpa.gpkg")
    >>> out[["pa_id", "name", "status_year", "reported_area_km2", "source"]].values.tolist(), dropped
    ([['1', 'A', 1938, 687.2, 'wdpa.gpkg']], 1)
    """
    id_col = _column(frame, "WDPA_PID") or _column(frame, "WDPAID")
    found = {k: _column(frame, k) for k in WDPA_FIELDS}
    missing = [k for k in ("NAME", "DESIG_ENG", "IUCN_CAT", "ISO3") if found[k] is None]
    if id_col is None:
        missing.insert(0, "WDPAID or WDPA_PID")
    if missing:
        columns = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name) or "none"
        raise SchemaError(
            "protected-areas",
            [
                f"the file lacks the WDPA column(s) {missing} (columns found: "
                f"{columns}); is it a WDPA download? Map your columns with "
                f"--field SRC=DST"
            ],
        )
    out, findings, dropped = _filter_status(frame, found["STATUS"], statuses)
    renames = {found[k]: v for k, v in WDPA_FIELDS.items() if found[k] is not None}
    wdpaid = _column(out, "WDPAID")
    if id_col != wdpaid and wdpaid is not None:
        renames[wdpaid] = "wdpaid"
    renames[id_col] = "pa_id"
    taken = [c for c in out.columns if c in renames.values() and c not in renames]
    out = out.drop(columns=taken).rename(columns=renames)
    out["pa_id"] = [_id_text(v) for v in out["pa_id"].tolist()]
    out, iso_findings = _first_iso3(out)
    out = _not_reported_as_missing(out)
    if "source" not in out.columns:
        out["source"] = source
    return out.reset_index(drop=True), findings + iso_findings, dropped


def _id_text(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value


def _filter_status(
    frame: gpd.GeoDataFrame, column: str | None, statuses: tuple[str, ...] | None
) -> tuple[gpd.GeoDataFrame, list[Finding], int]:
    if statuses is None:
        return frame, [], 0
    if column is None:
        return (
            frame,
            [warning("file", "the file has no WDPA STATUS column, so the status filter was not applied")],
            0,
        )
    values = frame[column].astype("string").str.strip().str.lower()
    keep = values.isin([s.lower() for s in statuses]).fillna(False).to_numpy(dtype=bool)
    dropped = int((~keep).sum())
    findings = []
    if dropped:
        counts = frame.loc[~keep, column].astype("string").fillna("(empty)").value_counts().sort_index()
        shown = ", ".join(f"{k}: {v}" for k, v in counts.items())
        findings.append(
            warning(
                "file",
                f"the status filter ({', '.join(statuses)}) left out {dropped} area(s) "
                f"({shown}); pass --status all to keep them",
            )
        )
    return frame[keep], findings, dropped


def _first_iso3(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    values = frame["iso3"].tolist()
    if not any(isinstance(v, str) and ";" in v for v in values):
        return frame, []
    frame = frame.copy()
    frame["wdpa_iso3"] = values
    findings = []
    firsts = []
    for pa_id, value in zip(frame["pa_id"].tolist(), values, strict=True):
        if isinstance(value, str) and ";" in value:
            first = value.split(";")[0].strip()
            findings.append(
                warning(
                    f"pa_id={pa_id!r}",
                    f"transboundary area ({value}) stored under iso3={first!r}; "
                    f"all codes are kept in wdpa_iso3",
                )
            )
            firsts.append(first)
        else:
            firsts.append(value)
    frame["iso3"] = firsts
    return frame, findings


def _not_reported_as_missing(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frame = frame.copy()
    if "status_year" in frame.columns:
        frame["status_year"] = [None if _number(v) == 0 else v for v in frame["status_year"].tolist()]
    if "reported_area_km2" in frame.columns:
        frame["reported_area_km2"] = [
            None if (n := _number(v)) is not None and n <= 0 else v
            for v in frame["reported_area_km2"].tolist()
        ]
    return frame


def _number(value: object) -> float | None:
    if not isinstance(value, (int, float, str)):
        return None  # None, or no number at all
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


def circle_radius_m(area_km2: float, *, quad_segs: int = CIRCLE_QUAD_SEGS) -> float:
    """Radius of the ``4 * quad_segs``-gon that shapely's buffer draws, for an area of ``area_km2``.

    The polygon of a buffer has its vertices on the circle, so it is slightly smaller than the
    circle; this radius makes the polygon's own area exactly ``area_km2``.

    Examples
    --------
    >>> round(circle_radius_m(math.pi), 1)  # a circle of pi km² has a radius of 1 km; the 64-gon needs more
    1000.8
    """
    n = 4 * quad_segs
    return math.sqrt(area_km2 * M2_PER_KM2 / (n / 2 * math.sin(2 * math.pi / n)))


def circles_for_points(
    frame: gpd.GeoDataFrame, crs: pyproj.CRS, labels: list[str]
) -> tuple[gpd.GeoDataFrame, list[Finding], np.ndarray]:
    """Replace WDPA points by circles of their reported area (drawn in the equal-area ``crs``).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Mapped WDPA features in EPSG:4326.
    crs : pyproj.CRS
        The store's equal-area analysis CRS.
    labels : list of str
        Feature labels for the findings.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding, numpy.ndarray)
        Features with circles and the ``approximate`` flag set; a warning per point left out; the
        boolean mask of features kept.
    """
    geoms = np.array(frame.geometry.values, dtype=object, copy=True)
    is_point = np.array([g is not None and g.geom_type in ("Point", "MultiPoint") for g in geoms], dtype=bool)
    approximate = [bool(p) for p in is_point]
    keep = np.ones(len(frame), dtype=bool)
    findings = []
    areas = (
        frame["reported_area_km2"].tolist() if "reported_area_km2" in frame.columns else [None] * len(frame)
    )
    for i in np.flatnonzero(is_point):
        area = _number(areas[i])
        if area is None or area <= 0:
            findings.append(
                warning(
                    labels[i],
                    "is a WDPA point with no reported area, so no boundary can be drawn; "
                    "left out (add its polygon, or its REP_AREA)",
                )
            )
            keep[i] = False
            continue
        geoms[i] = _circle(geoms[i], area, crs)
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(list(geoms), index=frame.index, crs=STORE_CRS)
    out["approximate"] = approximate
    return out[keep].reset_index(drop=True), findings, keep


def _circle(geom: BaseGeometry, area_km2: float, crs: pyproj.CRS) -> BaseGeometry:
    points = list(shapely.get_parts(geom))
    radius = circle_radius_m(area_km2 / len(points))
    projected = gpd.GeoSeries(points, crs=STORE_CRS).to_crs(crs)
    circles = projected.buffer(radius, quad_segs=CIRCLE_QUAD_SEGS)
    merged = shapely.union_all(circles.values) if len(points) > 1 else circles.values[0]
    return gpd.GeoSeries([merged], crs=crs).to_crs(STORE_CRS).values[0]
