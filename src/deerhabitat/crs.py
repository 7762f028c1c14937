"""CRS policy: the store holds EPSG:4326; areas, lengths and grids use an equal-area CRS.

Labelling a CRS (:func:`parse_crs` + ``set_crs``) is kept apart from transforming to one
(``to_crs``), as geopandas does. Nothing here guesses a CRS.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import pyproj
from pyproj.exceptions import CRSError as _ProjCRSError

from deerhabitat.errors import CRSError
from deerhabitat.i18n import current_language, message

CRSInput: TypeAlias = pyproj.CRS | str | int
"""A CRS as callers give it: a :class:`pyproj.CRS`, an ``EPSG:...``, WKT or PROJ string, or an EPSG code."""

STORE_CRS = pyproj.CRS.from_epsg(4326)
"""The CRS of every vector layer in a store: WGS 84 longitude/latitude (``always_xy``)."""


def parse_crs(value: Any, *, origin: str = "argument") -> pyproj.CRS:
    """Turn a user-supplied CRS (``EPSG:32642``, WKT, PROJ string, integer) into a :class:`pyproj.CRS`.

    Parameters
    ----------
    value : str, int or pyproj.CRS
        The CRS as given by the user.
    origin : str, default "argument"
        Where the value came from, named in the error message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If pyproj cannot understand ``value``.

    Examples
    --------
    >>> parse_crs("EPSG:4326").to_epsg()
    4326
    """
    try:
        return pyproj.CRS.from_user_input(value)
    except (_ProjCRSError, TypeError, ValueError) as exc:
        shown = str(value)[:60]
        raise CRSError(
            f"{origin}: {shown!r} is not a CRS pyproj understands; give an authority code such as "
            f"'EPSG:4326' or 'EPSG:32642', a WKT string or a PROJ string."
        ) from exc


def _degrees(value: float, positive: str, negative: str) -> str:
    number = f"{abs(value):g}"
    if current_language() != "en":
        number = number.replace(".", ",")
    return f"{number}° {message('crs.' + (positive if value >= 0 else negative))}"


def describe_crs(crs: pyproj.CRS) -> str:
    """A CRS named for a reader: its EPSG code and name, or the projection and its parameters.

    A CRS built from a PROJ string (the store's Albers equal-area default) has no name (pyproj says
    "unknown"); it is then written as its method, its parameters and its datum.

    Parameters
    ----------
    crs : pyproj.CRS
        Any CRS.

    Returns
    -------
    str
        ``"EPSG:32642 (WGS 84 / UTM zone 42N)"``, or for the Albers default ``"Albers equal-area conic,
        standard parallels 37.1667° N and 45.8333° N, origin 41.5° N 67° E, datum WGS 84, metres"``.

    Examples
    --------
    >>> describe_crs(pyproj.CRS.from_epsg(32642))
    'EPSG:32642 (WGS 84 / UTM zone 42N)'
    >>> describe_crs(pyproj.CRS("+proj=aea +lat_1=37 +lat_2=46 +lat_0=41.5 +lon_0=67 +datum=WGS84 +units=m"))
    'Albers equal-area conic, standard parallels 37° N and 46° N, origin 41.5° N 67° E, datum WGS 84, metres'
    """
    code = crs.to_epsg(min_confidence=90)
    if code is not None:
        return f"EPSG:{code} ({crs.name})"
    datum = crs.datum.name if crs.datum is not None else "unknown datum"
    datum = "WGS 84" if datum == "World Geodetic System 1984" else datum
    units = crs.axis_info[0].unit_name if crs.axis_info else ""
    units_text = {"metre": "metres", "degree": "degrees"}.get(units, units)
    op = crs.coordinate_operation
    if op is None:
        named = crs.name if crs.name and crs.name.lower() != "unknown" else "geographic coordinates"
        return f"{named}, datum {datum}"
    params = {p.name: p.value for p in op.params}
    if op.method_name == "Albers Equal Area":
        angles = {name: float(value) for name, value in params.items()}
        lat1 = angles.get("Latitude of 1st standard parallel", 0.0)
        lat2 = angles.get("Latitude of 2nd standard parallel", 0.0)
        lat0 = angles.get("Latitude of false origin", 0.0)
        lon0 = angles.get("Longitude of false origin", 0.0)
        return message(
            "crs.albers",
            lat1=_degrees(lat1, "N", "S"),
            lat2=_degrees(lat2, "N", "S"),
            lat0=_degrees(lat0, "N", "S"),
            lon0=_degrees(lon0, "E", "W"),
            datum=datum,
            units=message("crs.metres") if units == "metre" else units_text,
        )
    shown = ", ".join(f"{name.lower()} {value}" for name, value in params.items())
    return f"{op.method_name} ({shown}), datum {datum}, {units_text}"


def albers_for_bounds(bounds: tuple[float, float, float, float]) -> pyproj.CRS:
    """Build an Albers equal-area conic CRS centred on lon/lat ``bounds`` (see :func:`albers_proj4`).

    The standard parallels sit at one sixth and five sixths of the latitude span, the usual rule of
    thumb that keeps scale error small across the region.

    Parameters
    ----------
    bounds : tuple of float
        ``(min_lon, min_lat, max_lon, max_lat)`` in degrees (EPSG:4326).

    Returns
    -------
    pyproj.CRS
        An equal-area CRS in metres.

    Examples
    --------
    >>> crs = albers_for_bounds((52.0, 35.0, 82.0, 48.0))
    >>> crs.is_projected, crs.axis_info[0].unit_name
    (True, 'metre')
    """
    return pyproj.CRS.from_proj4(albers_proj4(bounds))


def albers_proj4(bounds: tuple[float, float, float, float]) -> str:
    """PROJ string of an Albers equal-area conic centred on lon/lat ``bounds``.

    Examples
    --------
    >>> albers_proj4((52.0, 35.0, 82.0, 48.0)).split()
    ['+proj=aea', '+lat_1=37.1667', '+lat_2=45.8333', '+lat_0=41.5', '+lon_0=67.0', '+x_0=0', '+y_0=0',
     '+datum=WGS84', '+units=m', '+no_defs']
    """
    min_lon, min_lat, max_lon, max_lat = bounds
    span = max(max_lat - min_lat, 1e-6)
    lat_1 = round(min_lat + span / 6.0, 4)
    lat_2 = round(max_lat - span / 6.0, 4)
    lat_0 = round((min_lat + max_lat) / 2.0, 4)
    lon_0 = round((min_lon + max_lon) / 2.0, 4)
    return (
        f"+proj=aea +lat_1={lat_1} +lat_2={lat_2} +lat_0={lat_0} +lon_0={lon_0} "
        "+x_0=0 +y_0=0 +datum=WGS84 +units=m +no_defs"
    )


_EQUAL_AREA_METHODS = (
    "albers equal area",
    "lambert azimuthal equal area",
    "lambert cylindrical equal area",
    "mollweide",
    "equal earth",
    "sinusoidal",
    "behrmann",
    "eckert iv",
    "eckert vi",
)


def is_equal_area(crs: pyproj.CRS) -> bool:
    """Tell whether ``crs`` is a projected CRS whose projection preserves area.

    Examples
    --------
    >>> is_equal_area(parse_crs("EPSG:6933")), is_equal_area(parse_crs("EPSG:3857"))
    (True, False)
    """
    if not crs.is_projected or crs.coordinate_operation is None:
        return False
    method = crs.coordinate_operation.method_name.lower()
    return any(name in method for name in _EQUAL_AREA_METHODS)


def require_equal_area(crs: Any, *, what: str = "analysis CRS") -> pyproj.CRS:
    """Return ``crs`` as a :class:`pyproj.CRS`, or raise if it does not preserve area.

    Raises
    ------
    CRSError
        If the CRS is geographic, Web Mercator or any other projection that distorts area.

    Examples
    --------
    >>> require_equal_area("EPSG:6933").to_epsg()
    6933
    """
    parsed = parse_crs(crs, origin=what)
    if not is_equal_area(parsed):
        raise CRSError(
            f"{what} {parsed.name!r} does not preserve area; areas must be computed in an equal-area CRS "
            f"(Albers, Lambert azimuthal equal-area, Mollweide, EPSG:6933 ...). Set the store's analysis "
            f"CRS to one, for example with `deerhabitat init PATH --analysis-crs EPSG:6933`."
        )
    return parsed


def require_crs(frame: Any, *, what: str = "layer") -> pyproj.CRS:
    """Return the CRS of a GeoDataFrame or GeoSeries, or raise if it has none.

    Raises
    ------
    CRSError
        If ``frame.crs`` is None.
    """
    if frame.crs is None:
        raise CRSError(
            f"{what} has no CRS; deerhabitat never guesses one. Label it with the CRS it is really in, "
            f"for example `--assume-crs EPSG:4326` (labelling does not move any coordinate)."
        )
    return pyproj.CRS.from_user_input(frame.crs)


def require_same_crs(*frames: Any, what: str = "analysis inputs") -> pyproj.CRS:
    """Return the CRS shared by all ``frames``, or raise if they differ.

    Raises
    ------
    CRSError
        If a frame has no CRS or two frames have different CRSs.
    """
    crs_list = [require_crs(f, what=what) for f in frames]
    first = crs_list[0]
    for other in crs_list[1:]:
        if other != first:
            raise CRSError(
                f"{what} are in different CRSs ({first.name[:50]!r} and {other.name[:50]!r}); "
                f"reproject them to one CRS first, e.g. `gdf.to_crs(other.crs)`."
            )
    return first
