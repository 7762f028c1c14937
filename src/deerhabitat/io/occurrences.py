"""GBIF / Darwin Core occurrences into population counts, and the survey location of counts.

A Darwin Core occurrence table (a GBIF "simple" download, tab- or comma-separated) becomes
``population-counts``:

=================================  ===============================================================
Darwin Core                        population count
=================================  ===============================================================
``gbifID`` (else ``occurrenceID``,  ``count_id`` = ``gbif:<id>`` (re-importing updates, never
``catalogNumber``)                  duplicates)
``decimalLongitude/Latitude``      the point (WGS 84)
``individualCount``                ``count`` (an ``ABSENT`` record without one counts 0)
``eventDate`` (else ``year``,      ``date`` (an interval ``2019-05-01/2019-05-31`` gives its start)
``month``, ``day``)
``coordinateUncertaintyInMeters``  ``coordinate_uncertainty_m``
``samplingProtocol``,              ``method``: camera-trap, distance-sampling or census when the
``basisOfRecord``                  protocol says so, camera-trap for machine observations, else
                                   estimate
``degreeOfEstablishment``,         ``captive`` (``captive``/``cultivated``, or ``managed``; or the
``establishmentMeans``             linked site is captive)
=================================  ===============================================================

Each record is linked to the nearest site within ``max_distance_km`` (measured in the equal-area
analysis CRS). Records that cannot be counts (no coordinates, no individual count, no date, no site
near enough) are left out, each with a warning, and counted as rejected; wrong values (a negative
or fractional count, a future date) are errors.
"""

from __future__ import annotations

import math
import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from deerhabitat.errors import SchemaError
from deerhabitat.io.findings import Finding, error, warning
from deerhabitat.units import M_PER_KM

_CAPTIVE = {"captive", "cultivated"}


def _lookup(frame: pd.DataFrame) -> dict[str, str]:
    return {str(c).lower(): c for c in frame.columns}


def _value(row: dict, column: str | None) -> object:
    if column is None:
        return None
    value = row.get(column)
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def event_date(row: dict, columns: dict[str, str]) -> str | None:
    """The date of a Darwin Core record: ``eventDate`` (start of an interval, day part), else year-month-day.

    Examples
    --------
    >>> event_date({"eventDate": "2019-05-03T10:22:00Z"}, {"eventdate": "eventDate"})
    '2019-05-03'
    >>> event_date({"eventDate": "2019-05/2019-06"}, {"eventdate": "eventDate"})
    '2019-05'
    >>> event_date({"year": 2018.0, "month": 7}, {"year": "year", "month": "month"})
    '2018-07'
    """
    text = _value(row, columns.get("eventdate"))
    if text is not None:
        return re.split(r"[T ]", str(text).strip().split("/")[0])[0]
    year = _value(row, columns.get("year"))
    if year is None:
        return None
    parts = [year, _value(row, columns.get("month")), _value(row, columns.get("day"))]
    out: list[str] = []
    for part in parts:
        if part is None:
            break
        try:
            if not isinstance(part, (int, float, str)):
                raise TypeError(part)
            number = int(float(part))
        except (TypeError, ValueError):
            return str(year)
        out.append(f"{number:04d}" if not out else f"{number:02d}")
    return "-".join(out)


def sampling_method(row: dict, columns: dict[str, str]) -> str:
    """The count method a Darwin Core record implies (see the module table).

    Examples
    --------
    >>> sampling_method({"samplingProtocol": "camera trapping"}, {"samplingprotocol": "samplingProtocol"})
    'camera-trap'
    >>> sampling_method({"basisOfRecord": "HUMAN_OBSERVATION"}, {"basisofrecord": "basisOfRecord"})
    'estimate'
    """
    protocol = str(_value(row, columns.get("samplingprotocol")) or "").lower()
    basis = str(_value(row, columns.get("basisofrecord")) or "").upper()
    if "camera" in protocol:
        return "camera-trap"
    if "distance" in protocol:
        return "distance-sampling"
    if "census" in protocol:
        return "census"
    if basis == "MACHINE_OBSERVATION":
        return "camera-trap"
    return "estimate"


def _is_captive(row: dict, columns: dict[str, str]) -> bool:
    degree = str(_value(row, columns.get("degreeofestablishment")) or "").strip().lower()
    means = str(_value(row, columns.get("establishmentmeans")) or "").strip().lower()
    return degree in _CAPTIVE or means == "managed"


def _record_id(frame: pd.DataFrame, columns: dict[str, str]) -> str:
    for name in ("gbifid", "occurrenceid", "catalognumber"):
        if name in columns:
            return columns[name]
    found = ", ".join(map(str, frame.columns)) or "none"
    raise SchemaError(
        "population-counts",
        [
            f"the file has no record id column (gbifID, occurrenceID or "
            f"catalogNumber; columns found: {found}); is it a GBIF or Darwin "
            f"Core occurrence file? Map yours with --field SRC=gbifID"
        ],
    )


def map_darwin_core(frame: gpd.GeoDataFrame, *, source: str) -> tuple[gpd.GeoDataFrame, list[Finding], int]:
    """Turn Darwin Core occurrence records into population counts (without ``site_id`` yet).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The occurrence table, its points built from ``decimalLongitude``/``decimalLatitude``.
    source : str
        The file name, used in each count's ``source``.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding, int)
        The counts (other Darwin Core columns kept), a warning per record left out, and how many.

    Raises
    ------
    SchemaError
        If the file has no record id, ``individualCount`` or date column.

    Examples
    --------
    >>> f = gpd.GeoDataFrame({"gbifID": ["7"], "individualCount": ["12"], "eventDate": ["2021-04-02"]},
    ...                      geometry=[shapely.Point(68.1, 37.2)], crs=4326)
    >>> counts, findings, rejected = map_darwin_core(f, source="gbif.csv")
    >>> counts[["count_id", "count", "date", "method", "captive"]].values.tolist()
    [['gbif:7', '12', '2021-04-02', 'estimate', False]]
    """
    columns = _lookup(frame)
    id_col = _record_id(frame, columns)
    missing = [
        n
        for n, keys in (
            ("individualCount", ("individualcount",)),
            ("eventDate (or year)", ("eventdate", "year")),
        )
        if not set(keys) & set(columns)
    ]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise SchemaError(
            "population-counts",
            [
                f"the file lacks the Darwin Core column(s) {missing} (columns "
                f"found: {found}); a population count needs them"
            ],
        )
    records, findings, keep = [], [], []
    geometry = frame.geometry.name
    for i, row in enumerate(frame.to_dict("records")):
        record_id = _value(row, id_col)
        where = f"count_id='gbif:{_text(record_id)}'" if record_id is not None else f"row {i + 1}"
        reason = _left_out(row, columns, geometry)
        if reason:
            findings.append(warning(where, f"{reason}; left out"))
            keep.append(False)
            continue
        keep.append(True)
        records.append(_count_record(row, columns, id_col, source))
    kept = frame[np.array(keep, dtype=bool)] if len(frame) else frame
    extras = kept.drop(
        columns=[
            c
            for c in (
                columns.get("individualcount"),
                columns.get("eventdate"),
                columns.get("coordinateuncertaintyinmeters"),
            )
            if c
        ]
    )
    counts = pd.DataFrame(records, index=kept.index, columns=_COUNT_COLUMNS)
    clash = [
        c for c in extras.columns if c in counts.columns or str(c).lower() in map(str.lower, counts.columns)
    ]
    out = pd.concat([counts, extras.drop(columns=clash)], axis=1)
    out = gpd.GeoDataFrame(out, geometry=geometry, crs=frame.crs).reset_index(drop=True)
    return out, findings, int(len(frame) - sum(keep))


_COUNT_COLUMNS = ["count_id", "count", "date", "method", "captive", "source", "coordinate_uncertainty_m"]


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _left_out(row: dict, columns: dict[str, str], geometry: str) -> str | None:
    geom = row.get(geometry)
    if geom is None or geom.is_empty:
        return "has no coordinates (decimalLongitude/decimalLatitude empty)"
    status = str(_value(row, columns.get("occurrencestatus")) or "").strip().upper()
    if _value(row, columns.get("individualcount")) is None and status != "ABSENT":
        return "has no individualCount: a presence-only record is not a population count"
    if event_date(row, columns) in (None, ""):
        return "has no eventDate (nor year)"
    return None


def _count_record(row: dict, columns: dict[str, str], id_col: str, source: str) -> list:
    record_id = _text(_value(row, id_col))
    count = _value(row, columns.get("individualcount"))
    uncertainty = _value(row, columns.get("coordinateuncertaintyinmeters"))
    label = "GBIF occurrence" if id_col.lower() == "gbifid" else "Darwin Core occurrence"
    return [
        f"gbif:{record_id}",
        count if count is not None else 0,
        event_date(row, columns),
        sampling_method(row, columns),
        _is_captive(row, columns),
        f"{label} {record_id} ({source})",
        uncertainty,
    ]


def uncertainty_problems(
    frame: gpd.GeoDataFrame, labels: list[str], *, max_distance_km: float
) -> list[Finding]:
    """Check ``coordinate_uncertainty_m``: a number ≥ 0 (else an error); over the link distance, a warning."""
    if "coordinate_uncertainty_m" not in frame.columns:
        return []
    findings = []
    values = []
    for label, value in zip(labels, frame["coordinate_uncertainty_m"].tolist(), strict=True):
        number = None
        if value is not None and not (isinstance(value, float) and math.isnan(value)):
            try:
                number = float(value)
                if not math.isfinite(number) or number < 0:
                    raise ValueError
            except (TypeError, ValueError):
                findings.append(
                    error(
                        label,
                        f"coordinateUncertaintyInMeters {str(value)[:30]!r} is not a number "
                        f"of metres ≥ 0; fix or empty it",
                    )
                )
                number = None
            else:
                if number > max_distance_km * M_PER_KM:
                    findings.append(
                        warning(
                            label,
                            f"coordinate uncertainty ({number:g} m) exceeds the link "
                            f"distance ({max_distance_km:g} km): the site link may be wrong",
                        )
                    )
        values.append(number)
    frame["coordinate_uncertainty_m"] = pd.array(values, dtype="Float64")
    return findings


def link_to_sites(
    frame: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    crs: pyproj.CRS,
    labels: list[str],
    *,
    max_distance_km: float,
) -> tuple[gpd.GeoDataFrame, list[Finding], np.ndarray]:
    """Link each count to the nearest site within ``max_distance_km`` (ties: the smallest ``site_id``).

    Distances are measured in the equal-area analysis ``crs`` (metres), to the site's point or
    polygon (0 inside it).

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Counts in EPSG:4326.
    sites : geopandas.GeoDataFrame
        The store's sites (EPSG:4326).
    crs : pyproj.CRS
        The analysis CRS.
    labels : list of str
        Feature labels for the findings.
    max_distance_km : float
        Largest distance to a site, in kilometres.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding, numpy.ndarray)
        Linked counts with ``site_id`` and ``distance_to_site_km`` (``captive`` also set for captive
        sites), a warning per count with no site near enough, and the mask of counts kept.

    Raises
    ------
    SchemaError
        If ``max_distance_km`` is not a positive number, or the store has no sites.
    """
    if max_distance_km is None or not (max_distance_km > 0 and math.isfinite(max_distance_km)):
        raise SchemaError(
            "population-counts",
            [
                f"--max-distance-km {max_distance_km!r} must be a positive "
                f"number of kilometres (how far a record may lie from its site); "
                f"e.g. --max-distance-km 10"
            ],
        )
    sites = sites[sites.geometry.notna()]
    if sites.empty:
        raise SchemaError(
            "population-counts",
            [
                "the store has no sites with a location; each GBIF record is "
                "linked to the nearest site, so import the sites first "
                "(`deerhabitat import sites FILE`)"
            ],
        )
    site_ids = np.asarray(sites["site_id"].astype(str).to_numpy(), dtype=object)
    tree = shapely.STRtree(np.asarray(sites.to_crs(crs).geometry.values, dtype=object))
    points = np.asarray(frame.geometry.to_crs(crs).values, dtype=object)
    nearest, distance = _nearest(tree, points, site_ids)
    limit = max_distance_km * M_PER_KM
    keep = np.array([d is not None and d <= limit for d in distance], dtype=bool)
    findings = []
    for i in np.flatnonzero(~keep):
        if nearest[i] is None:
            continue
        findings.append(
            warning(
                labels[i],
                f"no site within {max_distance_km:g} km (the nearest, "
                f"site_id={nearest[i]!r}, is {distance[i] / M_PER_KM:.1f} km away); "
                f"left out: add its site, or raise --max-distance-km",
            )
        )
    out = frame.copy()
    out["site_id"] = list(nearest)
    out["distance_to_site_km"] = pd.array(
        [None if d is None else round(d / M_PER_KM, 3) for d in distance], dtype="Float64"
    )
    captive_sites: set[str] = set()
    if "status" in sites.columns:
        captive_sites = set(sites.loc[sites["status"].astype(str) == "captive", "site_id"].astype(str))
    out["captive"] = [
        bool(c) or s in captive_sites for c, s in zip(out["captive"].tolist(), nearest, strict=True)
    ]
    return out[keep].reset_index(drop=True), findings, keep


def _nearest(tree: shapely.STRtree, points: np.ndarray, site_ids: np.ndarray) -> tuple[list, list]:
    nearest: list = [None] * len(points)
    distance: list = [None] * len(points)
    present = np.array(
        [p is not None and not p.is_empty and np.isfinite(shapely.get_coordinates(p)).all() for p in points],
        dtype=bool,
    )
    if not present.any():
        return nearest, distance
    query = points[present]
    (inputs, _), dists = tree.query_nearest(query, all_matches=False, return_distance=True)
    nearest_m = np.full(len(query), np.inf)
    nearest_m[inputs] = dists
    # Sites within a micrometre of the nearest distance tie; the smallest site_id wins (GEOS returns one).
    inputs, targets = tree.query(query, predicate="dwithin", distance=nearest_m + _TIE_M)
    pair_m = shapely.distance(query[inputs], tree.geometries[targets])
    positions = np.flatnonzero(present)
    best: dict[int, tuple[str, float]] = {}
    for k, t, d in zip(inputs, targets, pair_m, strict=True):
        if d <= nearest_m[k] + _TIE_M and (k not in best or str(site_ids[t]) < best[k][0]):
            best[k] = (str(site_ids[t]), float(nearest_m[k]))
    for k, (sid, d) in best.items():
        nearest[positions[k]] = sid
        distance[positions[k]] = d
    return nearest, distance


_TIE_M = 1e-6


def fill_locations_from_sites(
    frame: gpd.GeoDataFrame, sites: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int]:
    """Give counts with no survey location the location of their site (its point, or a point inside it).

    Returns
    -------
    (geopandas.GeoDataFrame, int)
        The counts, and how many locations were filled in.

    Examples
    --------
    >>> sites = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[shapely.Point(68, 37)], crs=4326)
    >>> counts = gpd.GeoDataFrame({"site_id": ["s"]}, geometry=[None], crs=4326)
    >>> out, filled = fill_locations_from_sites(counts, sites)
    >>> out.geometry[0].wkt, filled
    ('POINT (68 37)', 1)
    """
    if "site_id" not in frame.columns or sites.empty:
        return frame, 0
    where = {str(s): g for s, g in zip(sites["site_id"], sites.geometry.values, strict=True) if g is not None}
    geoms = list(frame.geometry.values)
    filled = 0
    for i, (geom, site) in enumerate(zip(geoms, frame["site_id"].tolist(), strict=True)):
        site_geom = where.get(str(site)) if site is not None else None
        if (geom is None or geom.is_empty) and site_geom is not None and not site_geom.is_empty:
            geoms[i] = site_geom if site_geom.geom_type == "Point" else site_geom.representative_point()
            filled += 1
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(geoms, index=frame.index, crs=frame.crs)
    return out, filled
