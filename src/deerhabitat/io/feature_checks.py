"""Checks of the features of an input file before they reach the store.

Each check takes a GeoDataFrame and the feature labels (``site_id='a'`` or ``row 3``) and returns
findings; the checks that change features return a new frame too. A feature with an error has its
geometry blanked, so later checks skip it while the report goes on listing every problem.

- :func:`label_crs`: a file with no CRS is refused unless the user labels it (``--assume-crs``).
- :func:`check_coordinates`: non-finite coordinates; coordinates that cannot be degrees (projected
  metres labelled as EPSG:4326) or look like swapped latitude/longitude.
- :func:`to_store_crs`: transform to EPSG:4326, the store's CRS.
- :func:`simplify_types`: drop Z values; a MultiPoint of one point becomes a Point.
- :func:`repair_geometries`: invalid geometries repaired with ``shapely.make_valid`` (reported), or
  refused with ``on_invalid="reject"``.
- :func:`check_region`: features outside the region of the stored range states (warnings), and a
  whole file that lies there only with longitude and latitude exchanged (error).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import numpy as np
import pyproj
import shapely
from shapely.geometry.base import BaseGeometry

from deerhabitat.crs import STORE_CRS, CRSInput, parse_crs
from deerhabitat.errors import CRSError, SchemaError
from deerhabitat.io.findings import Finding, error, warning
from deerhabitat.schema import LayerSpec
from deerhabitat.units import M_PER_KM

OnInvalid = Literal["repair", "reject"]
ON_INVALID = ("repair", "reject")
REGION_MARGIN_KM = 50.0
"""Features farther than this from every range state are reported as outside the region."""


def _geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
    """A copy of the geometries as an object array (changing it never changes ``frame``)."""
    return np.array(frame.geometry.values, dtype=object, copy=True)


def _present(geoms: np.ndarray) -> np.ndarray:
    return np.array([g is not None and not g.is_empty for g in geoms], dtype=bool)


def _with_geoms(frame: gpd.GeoDataFrame, geoms: np.ndarray | list) -> gpd.GeoDataFrame:
    out = frame.copy()
    out[frame.geometry.name] = gpd.GeoSeries(list(geoms), index=frame.index, crs=frame.crs)
    return out


def _xy(geom: BaseGeometry) -> str:
    if isinstance(geom, shapely.Point):
        point = geom
    elif geom.is_valid:
        point = geom.representative_point()
    else:
        point = shapely.Point(shapely.get_coordinates(geom)[0])
    return f"({point.x:.6g}, {point.y:.6g})"


def _blanked(geoms: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """A copy of the object array ``geoms`` with None where ``drop`` is True."""
    out = np.array(geoms, dtype=np.object_)
    out[drop] = None
    return out


# -- CRS ------------------------------------------------------------------------------------------


def label_crs(
    frame: gpd.GeoDataFrame, *, crs_origin: str, assume_crs: CRSInput | None, path: str
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Give the features their CRS: the file's, or the one the user assumes. Never guessed.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Features as read.
    crs_origin : str
        Where the file's CRS came from (see :class:`~deerhabitat.io.source.SourceLayer`).
    assume_crs : str, int or pyproj.CRS, optional
        The CRS the user says the coordinates are in (``--assume-crs``); it labels, never moves.
    path : str
        The file, named in messages.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding)
        The labelled features, and a warning when ``assume_crs`` overrides a declared CRS.

    Raises
    ------
    CRSError
        If the file has coordinates but no CRS and ``assume_crs`` is not given, or ``assume_crs``
        is not a CRS.
    """
    if not _present(_geoms(frame)).any() and assume_crs is None:
        return frame.set_crs(frame.crs or STORE_CRS, allow_override=True), []
    if assume_crs is None:
        if frame.crs is None:
            hint = (
                "the coordinate columns (x/y, easting/northing) do not say their CRS"
                if crs_origin == "none"
                else "the file declares no CRS"
            )
            raise CRSError(
                f"{path!r} has no CRS: {hint}; deerhabitat never guesses one. Label it with the CRS "
                f"its coordinates are really in, e.g. --assume-crs EPSG:4326 (longitude/latitude "
                f"degrees) or --assume-crs EPSG:32642 (UTM 42N metres); labelling moves no coordinate"
            )
        return frame, []
    crs = parse_crs(assume_crs, origin="--assume-crs")
    findings = []
    if (
        frame.crs is not None
        and pyproj.CRS.from_user_input(frame.crs) != crs
        and crs_origin != "column names"
    ):
        findings.append(
            warning(
                "file",
                f"the file declares {frame.crs.name[:50]!r}; labelled as {crs.name[:50]!r} "
                f"as --assume-crs asks (no coordinate moved)",
            )
        )
    return frame.set_crs(crs, allow_override=True), findings


def check_coordinates(frame: gpd.GeoDataFrame, labels: list[str]) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Find coordinates that are not numbers, cannot be degrees, or look like swapped latitude/longitude.

    In a geographic CRS, a feature beyond ±180° longitude or ±90° latitude cannot be in degrees: with
    x and y exchanged it fits, it looks swapped; otherwise it looks like projected metres labelled as
    degrees. In a projected CRS, a file whose coordinates all lie within ±180/±90 looks like degrees
    labelled as metres (a warning: a tiny local grid is possible). Features with an error have their
    geometry blanked.

    Examples
    --------
    >>> f = gpd.GeoDataFrame(geometry=[shapely.Point(66.9, 38.8), shapely.Point(38.8, 166.9),
    ...                                shapely.Point(500000, 4300000)], crs=4326)
    >>> out, findings = check_coordinates(f, ["row 1", "row 2", "row 3"])
    >>> [str(x)[:40] for x in findings]
    ['row 2: coordinates (38.8, 166.9) are not', 'row 3: coordinates (500000, 4.3e+06) can']
    >>> out.geometry.isna().tolist()
    [False, True, True]
    """
    geoms = _geoms(frame)
    present = _present(geoms)
    findings: list[Finding] = []
    bad = np.zeros(len(geoms), dtype=bool)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    nonfinite = np.unique(index[~np.isfinite(coords).all(axis=1)])
    for i in nonfinite:
        findings.append(
            error(
                labels[i],
                "has coordinates that are not finite numbers (NaN or infinity); fix "
                "or remove the feature in the source",
            )
        )
        bad[i] = True
    geographic = frame.crs is not None and pyproj.CRS.from_user_input(frame.crs).is_geographic
    bounds = shapely.bounds(geoms)
    for i in np.flatnonzero(present & ~bad):
        minx, miny, maxx, maxy = bounds[i]
        if geographic and (minx < -180 or maxx > 180 or miny < -90 or maxy > 90):
            findings.append(error(labels[i], _not_degrees(geoms[i], minx, miny, maxx, maxy, frame.crs)))
            bad[i] = True
    if not geographic and frame.crs is not None and (present & ~bad).any():
        ok = bounds[present & ~bad]
        if (np.abs(ok[:, [0, 2]]) <= 180).all() and (np.abs(ok[:, [1, 3]]) <= 90).all():
            findings.append(
                warning(
                    "file",
                    f"every coordinate lies within ±180/±90, yet the CRS "
                    f"{frame.crs.name[:50]!r} is in metres: degrees labelled as metres? "
                    f"If so, label the file with --assume-crs EPSG:4326",
                )
            )
    geoms = _blanked(geoms, bad)
    return _with_geoms(frame, geoms), findings


def _not_degrees(geom, minx: float, miny: float, maxx: float, maxy: float, crs) -> str:
    where = _xy(geom)
    if -90 <= minx and maxx <= 90 and -180 <= miny and maxy <= 180:
        return (
            f"coordinates {where} are not longitude/latitude but look like swapped latitude/longitude; "
            f"put longitude (x, east) first: for a table, swap the columns with --field (e.g. "
            f"--field latitude=longitude --field longitude=latitude)"
        )
    return (
        f"coordinates {where} cannot be degrees in {crs.name[:40]!r} (longitude must lie within ±180, "
        f"latitude within ±90): they look like projected metres labelled as degrees; give the CRS they are "
        f"really in with --assume-crs (e.g. EPSG:32642), or fix the file's CRS"
    )


def to_store_crs(frame: gpd.GeoDataFrame, labels: list[str]) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Transform features to EPSG:4326; features that do not transform to finite degrees are errors.

    Raises
    ------
    CRSError
        If pyproj cannot transform between the CRSs at all.
    """
    if frame.crs is not None and pyproj.CRS.from_user_input(frame.crs) == STORE_CRS:
        return frame, []
    try:
        out = frame.to_crs(STORE_CRS)
    except (pyproj.exceptions.ProjError, pyproj.exceptions.CRSError, ValueError) as exc:
        raise CRSError(
            f"cannot transform from {frame.crs.name[:50]!r} to EPSG:4326 ({exc}); check the CRS given "
            f"with --assume-crs or in the file"
        ) from exc
    geoms = _geoms(out)
    findings = []
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    lon_ok = np.abs(coords[:, 0]) <= 180
    lat_ok = np.abs(coords[:, 1]) <= 90
    bad = np.unique(index[~(np.isfinite(coords).all(axis=1) & lon_ok & lat_ok)])
    for i in bad:
        findings.append(
            error(
                labels[i],
                f"does not transform from {frame.crs.name[:40]!r} to longitude/latitude "
                f"(it lies outside the area where that CRS is defined); check its "
                f"coordinates and the CRS",
            )
        )
    geoms[bad] = None
    return _with_geoms(out, geoms), findings


# -- geometry -------------------------------------------------------------------------------------


def simplify_types(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Drop Z (height) values and make a MultiPoint of one point a Point.

    Examples
    --------
    >>> f = gpd.GeoDataFrame(geometry=[shapely.MultiPoint([(1, 2, 3)])], crs=4326)
    >>> out, findings = simplify_types(f)
    >>> out.geometry[0].wkt, len(findings)
    ('POINT (1 2)', 1)
    """
    geoms = _geoms(frame)
    present = _present(geoms)
    findings = []
    if shapely.has_z(geoms[present]).any():
        z = shapely.get_coordinates(geoms[present], include_z=True)[:, 2]
        if (np.nan_to_num(z) != 0).any():
            findings.append(warning("file", "Z (height) values were dropped: the store holds 2D geometries"))
        geoms = np.where(present, shapely.force_2d(geoms), geoms)
    if shapely.has_m(geoms[present]).any():
        findings.append(warning("file", "M (measure) values were dropped: the store holds 2D geometries"))
        geoms = np.where(present, shapely.force_2d(geoms), geoms)
    for i in np.flatnonzero(present):
        g = geoms[i]
        if g.geom_type == "MultiPoint" and len(g.geoms) == 1:
            geoms[i] = g.geoms[0]
    return _with_geoms(frame, geoms), findings


def _family(spec: LayerSpec, geom: BaseGeometry) -> str:
    allowed = set(spec.geometry_types)
    if allowed & {"Polygon", "MultiPolygon"} and geom.geom_type in ("Polygon", "MultiPolygon"):
        return "polygon"
    if allowed & {"LineString", "MultiLineString"}:
        return "line"
    return "polygon" if allowed & {"Polygon", "MultiPolygon"} else "point"


def _keep_family(geom: BaseGeometry, family: str) -> BaseGeometry | None:
    dims = {"point": 0, "line": 1, "polygon": 2}[family]
    parts = [p for p in shapely.get_parts(geom) if shapely.get_dimensions(p) == dims]
    flat = [q for p in parts for q in shapely.get_parts(p)]
    if not flat:
        return None
    if len(flat) == 1:
        return flat[0]
    if dims == 0:
        return shapely.MultiPoint(flat)
    if dims == 1:
        return shapely.MultiLineString(flat)
    return shapely.MultiPolygon(flat)


def repair_geometries(
    frame: gpd.GeoDataFrame, spec: LayerSpec, labels: list[str], *, on_invalid: OnInvalid = "repair"
) -> tuple[gpd.GeoDataFrame, list[Finding]]:
    """Repair invalid geometries with ``shapely.make_valid`` (reported), or refuse them.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        Features in EPSG:4326.
    spec : LayerSpec
        The layer kind's schema; its geometry types decide which parts of a repair are kept.
    labels : list of str
        Feature labels for the findings.
    on_invalid : {"repair", "reject"}
        ``repair`` makes each invalid geometry valid and warns; ``reject`` makes each an error.

    Returns
    -------
    (geopandas.GeoDataFrame, list of Finding)
        Repaired features; a warning per repair, an error per refusal or per geometry that collapses.

    Raises
    ------
    SchemaError
        If ``on_invalid`` is not ``repair`` or ``reject``.

    Examples
    --------
    >>> from deerhabitat.schema import SPECS, LayerKind
    >>> bowtie = shapely.Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])
    >>> out, findings = repair_geometries(gpd.GeoDataFrame(geometry=[bowtie], crs=4326),
    ...                                   SPECS[LayerKind.RANGES], ["range_id='r'"])
    >>> out.geometry[0].geom_type, out.geometry[0].is_valid, findings[0].level
    ('MultiPolygon', True, 'warning')
    """
    if on_invalid not in ON_INVALID:
        raise SchemaError(
            spec.kind.value, [f"--on-invalid {on_invalid!r} is not allowed; use repair or reject"]
        )
    geoms = _geoms(frame)
    present = _present(geoms)
    invalid = np.flatnonzero(present & ~shapely.is_valid(_blanked(geoms, ~present)))
    findings = []
    for i in invalid:
        reason = shapely.is_valid_reason(geoms[i])
        if on_invalid == "reject":
            findings.append(
                error(
                    labels[i],
                    f"geometry is invalid ({reason}); --on-invalid reject refuses it: fix "
                    f"it in the source, or import with --on-invalid repair",
                )
            )
            geoms[i] = None
            continue
        family = _family(spec, geoms[i])
        # "structure" drops collapsed polygon parts itself; "linework" cannot (shapely refuses
        # keep_collapsed=False there), so a collapsed line comes back as a point and
        # _keep_family drops it.
        if family == "polygon":
            repaired = shapely.make_valid(geoms[i], method="structure", keep_collapsed=False)
        else:
            repaired = shapely.make_valid(geoms[i], method="linework")
        fixed = _keep_family(repaired, family)
        if fixed is None or fixed.is_empty:
            findings.append(
                error(
                    labels[i],
                    f"geometry is invalid ({reason}) and collapses when repaired (no "
                    f"{family} is left); fix it in the source",
                )
            )
        else:
            findings.append(warning(labels[i], f"geometry was invalid ({reason}); repaired with make_valid"))
        geoms[i] = fixed
    return _with_geoms(frame, geoms), findings


# -- region ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Region:
    """The area of the stored range states, grown by a margin, in the analysis (equal-area) CRS.

    Attributes
    ----------
    area : shapely.Geometry
        The grown union of the range states, in ``crs`` (metres).
    crs : pyproj.CRS
        The store's equal-area analysis CRS.
    states : tuple of str
        ISO3 codes of the range states, for messages.
    margin_km : float
        How far beyond the states a feature still counts as inside.
    """

    area: shapely.Geometry
    crs: pyproj.CRS
    states: tuple[str, ...]
    margin_km: float

    def contains(self, geoms: np.ndarray) -> np.ndarray:
        """Whether each EPSG:4326 geometry touches the region (False for missing or unprojectable ones)."""
        present = _present(geoms)
        projected = np.array(
            gpd.GeoSeries(list(_blanked(geoms, ~present)), crs=STORE_CRS).to_crs(self.crs).values,
            dtype=np.object_,
        )
        coords, index = shapely.get_coordinates(projected, return_index=True)
        broken = np.unique(index[~np.isfinite(coords).all(axis=1)])
        present[broken] = False
        projected[~present] = None
        return present & shapely.intersects(self.area, projected)


def region_from_states(
    states: gpd.GeoDataFrame, crs: pyproj.CRS, *, margin_km: float = REGION_MARGIN_KM
) -> Region | None:
    """Build the :class:`Region` of a range-states layer (EPSG:4326), or None if it is empty.

    The states are simplified by 1 km and grown by ``margin_km``, both in the equal-area ``crs``.
    """
    geoms = states.geometry.dropna()
    if geoms.empty:
        return None
    projected = geoms.to_crs(crs).values
    area = shapely.union_all(shapely.simplify(projected, 1 * M_PER_KM)).buffer(margin_km * M_PER_KM)
    shapely.prepare(area)
    codes = tuple(sorted(str(c) for c in states.get("iso3", [])))
    return Region(area, crs, codes, margin_km)


def check_region(frame: gpd.GeoDataFrame, region: Region | None, labels: list[str]) -> list[Finding]:
    """Warn about features outside the region; refuse a file that is inside only when swapped.

    Returns
    -------
    list of Finding
        A warning per feature outside the region (with a hint when swapping x and y would put it
        inside); one error when every feature is outside and every swapped one inside.
    """
    if region is None:
        return []
    geoms = _geoms(frame)
    present = _present(geoms)
    if not present.any():
        return []
    inside = region.contains(geoms)
    swapped = np.array(
        [
            None if not p else shapely.transform(g, lambda c: c[:, ::-1])
            for g, p in zip(geoms, present, strict=True)
        ],
        dtype=object,
    )
    swapped_fits = np.array(
        [
            p and abs(g.bounds[1]) <= 90 and abs(g.bounds[3]) <= 90
            for g, p in zip(swapped, present, strict=True)
        ],
        dtype=bool,
    )
    swapped_inside = region.contains(_blanked(swapped, ~swapped_fits))
    outside = present & ~inside
    states = ", ".join(region.states) or "the range states"
    if outside.sum() == present.sum() and swapped_inside[present].all():
        return [
            error(
                "file",
                f"all {int(present.sum())} features lie outside the region of the range states "
                f"({states}) and would all lie inside with longitude and latitude exchanged: the "
                f"coordinates look like swapped latitude/longitude; swap them in the source (for a "
                f"table: --field latitude=longitude --field longitude=latitude)",
            )
        ]
    findings = []
    for i in np.flatnonzero(outside):
        hint = (
            "; with x and y exchanged it would be inside (swapped latitude/longitude?)"
            if swapped_inside[i]
            else ""
        )
        findings.append(
            warning(
                labels[i],
                f"lies outside the region of the range states ({states}, with a "
                f"{region.margin_km:g} km margin) at {_xy(geoms[i])}; check its "
                f"coordinates{hint}",
            )
        )
    return findings
