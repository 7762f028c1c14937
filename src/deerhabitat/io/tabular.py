"""CSV and Excel ``.xlsx`` tables: reading them into features, and writing layers as tables.

Geometry comes from columns found by their common names:

- ``longitude``/``latitude`` (also ``lon``/``lat``, ``lng``, ``long``, ``decimalLongitude``/
  ``decimalLatitude``): points in degrees. The names say the unit, so these are read as WGS 84
  (EPSG:4326), as GBIF and Darwin Core define them; ``--assume-crs`` overrides;
- ``x``/``y`` or ``easting``/``northing``: points with no CRS (label them with ``--assume-crs``);
- a WKT column (``wkt``, ``geometry``, ``geom``, ``the_geom``, ``wkt_geom``): any geometry. An EWKT
  prefix ``SRID=4326;`` gives the CRS; plain WKT has none.

Layers are written with ``longitude``/``latitude`` when every geometry is a point (or missing),
else with an EWKT ``wkt`` column, so a table written here reads back with its CRS.
Text in Excel is always written as text: a value such as ``=HYPERLINK(...)`` stays data, never
a formula. In CSV such text gets a leading apostrophe (:mod:`deerhabitat.io.csv_safe`), which
:func:`read_csv` removes again.
"""

from __future__ import annotations

import csv
import datetime as _dt
import io
import math
import os
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeAlias
from xml.etree.ElementTree import ParseError

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely
from openpyxl.utils.exceptions import InvalidFileException
from shapely.errors import GEOSException

from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import ConfigError, InputFileError, StoreError
from deerhabitat.io.archive import MAX_TOTAL_BYTES, check_zip
from deerhabitat.io.csv_safe import neutralise_cell, quoting_for, restore_cell
from deerhabitat.io.fields import apply_field_mapping
from deerhabitat.io.findings import Finding, error, warning
from deerhabitat.io.source import SourceLayer
from deerhabitat.io.workbook import RowBudget, check_workbook_zip, open_workbook, sheet_rows
from deerhabitat.limits import EXCEL_MAX_COLUMNS, EXCEL_MAX_ROWS, MB, ReadLimits

LON_NAMES = ("longitude", "lon", "lng", "long", "decimallongitude")
LAT_NAMES = ("latitude", "lat", "decimallatitude")
X_NAMES = ("x", "easting")
Y_NAMES = ("y", "northing")
WKT_NAMES = ("wkt", "ewkt", "geometry", "geom", "thegeom", "wktgeom", "shape")
"""Column names recognised (compared lower-case with everything but letters and digits removed)."""

_SRID_RE = re.compile(r"^\s*SRID=(\d+)\s*;\s*", re.IGNORECASE)
_DELIMITERS = (",", ";", "\t", "|")
_FIELD_LIMIT = 1 << 28
_EXCEL_TEXT_LIMIT = 32_767


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


@dataclass(frozen=True)
class GeometryColumns:
    """Which columns of a table hold the geometry.

    Attributes
    ----------
    mode : {"lonlat", "xy", "wkt", "none"}
        How the geometry is encoded.
    x, y : str or None
        The coordinate columns (``lonlat`` and ``xy``).
    wkt : str or None
        The WKT column (``wkt``).
    """

    mode: str
    x: str | None = None
    y: str | None = None
    wkt: str | None = None

    @property
    def used(self) -> list[str]:
        """The columns consumed by the geometry."""
        return [c for c in (self.x, self.y, self.wkt) if c]


def find_geometry_columns(columns: list[str]) -> GeometryColumns:
    """Find the geometry columns of a table by their common names (WKT first, then lon/lat, then x/y).

    Examples
    --------
    >>> find_geometry_columns(["site_id", "Longitude", "Latitude"])
    GeometryColumns(mode='lonlat', x='Longitude', y='Latitude', wkt=None)
    >>> find_geometry_columns(["id", "WKT"]).mode
    'wkt'
    """
    by_norm: dict[str, str] = {}
    for column in columns:
        by_norm.setdefault(_norm(column), column)

    def first(names: tuple[str, ...]) -> str | None:
        return next((by_norm[n] for n in names if n in by_norm), None)

    wkt = first(WKT_NAMES)
    if wkt:
        return GeometryColumns("wkt", wkt=wkt)
    lon, lat = first(LON_NAMES), first(LAT_NAMES)
    if lon and lat:
        return GeometryColumns("lonlat", x=lon, y=lat)
    x, y = first(X_NAMES), first(Y_NAMES)
    if x and y:
        return GeometryColumns("xy", x=x, y=y)
    return GeometryColumns("none")


def parse_number(value: object) -> float | None:
    """Parse a coordinate: a number, or text with a decimal point (or a lone decimal comma).

    Returns None for a missing value; raises ValueError for text that is not a number.

    Examples
    --------
    >>> parse_number("41.5"), parse_number("41,5"), parse_number(""), parse_number(7)
    (41.5, 41.5, None, 7.0)
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, bool):
        raise ValueError(f"{value!r} is not a number")
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    text = str(value).strip()
    if not text:
        return None
    if "," in text and "." not in text and text.count(",") == 1:
        text = text.replace(",", ".")
    return float(text)


def _points(frame: pd.DataFrame, cols: GeometryColumns) -> tuple[list, list[Finding]]:
    findings: list[Finding] = []
    geoms: list = []
    for i, (xv, yv) in enumerate(zip(frame[cols.x].tolist(), frame[cols.y].tolist(), strict=True)):
        where = f"row {i + 1}"
        try:
            x = parse_number(xv)
        except (ValueError, OverflowError):
            findings.append(
                error(
                    where,
                    f"{cols.x} {str(xv)[:40]!r} is not a number; write decimal "
                    f"degrees such as 66.95 (no degree signs or N/E letters)",
                )
            )
            x = math.nan
        try:
            y = parse_number(yv)
        except (ValueError, OverflowError):
            findings.append(
                error(
                    where,
                    f"{cols.y} {str(yv)[:40]!r} is not a number; write decimal "
                    f"degrees such as 38.85 (no degree signs or N/E letters)",
                )
            )
            y = math.nan
        if x is None and y is None:
            geoms.append(None)
        elif x is None or y is None:
            findings.append(
                error(
                    where,
                    f"only one coordinate given ({cols.x}={xv!r}, {cols.y}={yv!r}); "
                    f"give both, or leave both empty",
                )
            )
            geoms.append(None)
        elif math.isnan(x) or math.isnan(y):
            geoms.append(None)
        else:
            geoms.append(shapely.Point(x, y))
    return geoms, findings


def _wkt_geometries(values: list) -> tuple[list, int | None, list[Finding]]:
    findings: list[Finding] = []
    geoms: list = []
    srids: set[int] = set()
    for i, value in enumerate(values):
        text = "" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
        match = _SRID_RE.match(text)
        if match:
            srids.add(int(match.group(1)))
            text = text[match.end() :]
        if not text.strip():
            geoms.append(None)
            continue
        try:
            geoms.append(shapely.from_wkt(text))
        except (GEOSException, ValueError, TypeError) as exc:
            findings.append(
                error(
                    f"row {i + 1}",
                    f"{text[:50]!r} is not WKT ({str(exc)[:80]}); write e.g. "
                    f"'POINT (66.95 38.85)' or 'POLYGON ((...))'",
                )
            )
            geoms.append(None)
    if len(srids) > 1:
        findings.append(
            error(
                "file",
                f"the WKT column mixes SRIDs {sorted(srids)}; one file must use one "
                f"CRS: reproject the rows to one CRS",
            )
        )
    return geoms, (srids.pop() if len(srids) == 1 else None), findings


def table_to_layer(frame: pd.DataFrame, *, file_format: str, layer: str | None = None) -> SourceLayer:
    """Turn a table into features, building the geometry from its columns.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table, one row per feature (object columns; missing values None).
    file_format : str
        Named in the result (``CSV`` or ``Excel``).
    layer : str, optional
        The sheet read, if any.

    Returns
    -------
    SourceLayer
        Features with the geometry columns consumed; CRS EPSG:4326 for longitude/latitude columns,
        the EWKT SRID for WKT, else None.

    Examples
    --------
    >>> table = pd.DataFrame([["a", "66.9", "38.8"]], columns=["id", "lon", "lat"])
    >>> layer = table_to_layer(table, file_format="CSV")
    >>> layer.frame.geometry[0].wkt, layer.crs_origin
    ('POINT (66.9 38.8)', 'column names')
    """
    cols = find_geometry_columns([str(c) for c in frame.columns])
    crs: pyproj.CRS | str | None = None
    origin = "none"
    findings: list[Finding] = []
    pieces: list[str] = []
    if cols.mode == "wkt" and cols.wkt is not None:
        pieces = _continuations(list(frame.columns), cols.wkt)
        geoms, srid, findings = _wkt_geometries(_joined(frame, [cols.wkt, *pieces]))
        if srid is not None:
            crs, origin = f"EPSG:{srid}", "EWKT"
    elif cols.mode in ("lonlat", "xy"):
        geoms, findings = _points(frame, cols)
        if cols.mode == "lonlat":
            crs, origin = STORE_CRS, "column names"
    else:
        geoms, origin = [None] * len(frame), "no coordinates"
    attrs = frame.drop(columns=cols.used + pieces)
    if "geometry" in attrs.columns:
        attrs = attrs.rename(columns={"geometry": "geometry_text"})
    try:
        gdf = gpd.GeoDataFrame(attrs, geometry=gpd.GeoSeries(geoms, index=attrs.index), crs=crs)
    except (ValueError, TypeError) as exc:
        raise InputFileError(
            f"the WKT column gives the CRS {crs!r}, which pyproj does not know ({exc}); "
            f"use an EPSG code in the SRID= prefix, or remove it and pass --assume-crs"
        ) from exc
    return SourceLayer(
        gdf,
        file_format,
        layer=layer,
        crs_origin=origin,
        findings=findings,
        text_attributes=file_format == "CSV",
    )


def _continuations(columns: list, name: str) -> list[str]:
    """``wkt_2``, ``wkt_3`` ...: the pieces of WKT too long for one Excel cell, in order."""
    pieces: list[str] = []
    while f"{name}_{len(pieces) + 2}" in columns:
        pieces.append(f"{name}_{len(pieces) + 2}")
    return pieces


def _joined(frame: pd.DataFrame, names: list[str]) -> list:
    if len(names) == 1:
        return frame[names[0]].tolist()
    rows = zip(*(frame[n].tolist() for n in names), strict=True)
    return [
        None if all(v is None for v in row) else "".join("" if v is None else str(v) for v in row)
        for row in rows
    ]


# -- CSV ------------------------------------------------------------------------------------------


def _decode(data: bytes, path: str, encoding: str | None) -> str:
    utf16 = data[:2] in (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode text" is UTF-16 with a byte-order mark
    name = encoding or ("utf-16" if utf16 else "utf-8-sig")
    try:
        text = data.decode(name)
    except LookupError as exc:
        raise ConfigError(
            f"--encoding {encoding!r} is not an encoding Python knows; use e.g. utf-8, "
            f"cp1251 (Cyrillic Windows), cp1252, latin-1 or utf-16"
        ) from exc
    except UnicodeDecodeError as exc:
        byte = data[exc.start : exc.start + 1].hex()
        raise InputFileError(
            f"{path!r} is not valid {name} text (byte 0x{byte} at offset {exc.start}); pass the file's "
            f"encoding with --encoding, e.g. --encoding cp1251 (Cyrillic Windows), --encoding cp1252 "
            f"or --encoding latin-1 (Western European), --encoding utf-16"
        ) from exc
    return text.lstrip("\ufeff")


def _delimiter(text: str, path: str) -> str:
    first = text.split("\n", 1)[0]
    if path.lower().endswith(".tsv"):
        return "\t"
    counts = {d: first.count(d) for d in _DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _header(raw: list[str], path: str) -> tuple[list[str], list[int]]:
    names = [str(h).strip() for h in raw]
    keep = [i for i, n in enumerate(names) if n]
    seen: dict[str, int] = {}
    duplicates = []
    for i in keep:
        key = names[i]
        if key in seen:
            duplicates.append(key)
        seen[key] = i
    if duplicates:
        raise InputFileError(
            f"{path!r}: the column(s) {sorted(set(duplicates))} appear more than once in the "
            f"header; each column needs its own name: rename them in the file"
        )
    return [names[i] for i in keep], keep


def read_csv(
    path: str | os.PathLike, /, *, encoding: str | None = None, fields: Mapping[str, str] | None = None
) -> SourceLayer:
    """Read a CSV (or TSV) file: delimiter from the header line (``,`` ``;`` tab ``|``), text kept as text.

    Parameters
    ----------
    path : path-like
        The file.
    encoding : str, optional
        Its text encoding (default UTF-8, with or without a byte-order mark).
    fields : mapping, optional
        ``{source: target}`` column renames, applied before the geometry columns are looked for.

    Returns
    -------
    SourceLayer
        All attributes as text (typed later by the layer schema); row problems as findings.

    Raises
    ------
    InputFileError
        If the file cannot be decoded (the message names the byte and suggests ``--encoding``), is not
        CSV, has no header, or repeats a column name.
    """
    path = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise InputFileError(
            f"cannot read {path!r} ({exc.strerror}); check the path and permissions"
        ) from exc
    text = _decode(data, path, encoding)
    if not text.strip():
        raise InputFileError(f"{path!r} is empty; a CSV file needs a header line and one row per feature")
    csv.field_size_limit(max(csv.field_size_limit(), _FIELD_LIMIT))
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text, path), strict=False))
    except csv.Error as exc:
        raise InputFileError(
            f"{path!r} is not readable as CSV ({exc}); check the quoting and that it is a "
            f"text file, not a spreadsheet or binary file saved as .csv"
        ) from exc
    header, keep = _header([restore_cell(h) for h in rows[0]], path)
    body = [[restore_cell(v) for v in row] for row in rows[1:]]
    return _rows_to_layer(header, keep, body, "CSV", fields=fields)


def _rows_to_layer(
    header: list[str],
    keep: list[int],
    body: list,
    file_format: str,
    layer: str | None = None,
    fields: Mapping[str, str] | None = None,
) -> SourceLayer:
    width = max(keep) + 1 if keep else 0
    findings: list[Finding] = []
    rows: list[list[Any]] = []
    for number, row in enumerate(body, start=1):
        values = list(row)
        if not any(v is not None and str(v).strip() for v in values):
            continue
        if len(values) > width and any(v is not None and str(v).strip() for v in values[width:]):
            findings.append(
                error(
                    f"row {len(rows) + 1}",
                    f"has {len(values)} values but the header names "
                    f"{width} columns (line {number + 1}); check the "
                    f"delimiter and quotes",
                )
            )
        values = (values + [None] * width)[:width]
        rows.append(
            [
                None if v is None or (isinstance(v, str) and not v.strip()) else v
                for v in (values[i] for i in keep)
            ]
        )
    table = pd.DataFrame(rows, columns=header, dtype=object) if rows else pd.DataFrame(columns=header)
    layer_ = table_to_layer(apply_field_mapping(table, fields or {}), file_format=file_format, layer=layer)
    layer_.findings[:0] = findings
    return layer_


# -- Excel ----------------------------------------------------------------------------------------


_TABLE_LIMITS = ReadLimits(
    uncompressed_mb=MAX_TOTAL_BYTES / MB, sheets=10_000, rows=EXCEL_MAX_ROWS, columns=EXCEL_MAX_COLUMNS
)
"""A layer table may fill a whole sheet; the zip is bounded as any archive (``--max-uncompressed-mb``)."""

_XLSX_ERRORS = (
    InvalidFileException,
    zipfile.BadZipFile,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    EOFError,
    ParseError,
    SyntaxError,
)


def _open_workbook(path: str, limits: ReadLimits) -> tuple[Any, list[Finding]]:
    check_zip(path, what="Excel .xlsx workbook (a zip archive)", max_total_bytes=limits.uncompressed_bytes)
    notes = []
    try:
        active = check_workbook_zip(path, Path(path).name, limits)
        if active:
            notes.append(
                warning(
                    "file",
                    f"the workbook holds {', '.join(active)}; they were not run and are not imported: only "
                    f"the cell values were read",
                )
            )
        return open_workbook(path), notes
    except InputFileError:
        raise
    except _XLSX_ERRORS as exc:
        raise InputFileError(
            f"{path!r} is not a readable Excel .xlsx workbook ({type(exc).__name__}: "
            f"{str(exc)[:120]}); it may be corrupt or truncated, or an old .xls file: "
            f"open it in a spreadsheet program and save it as .xlsx"
        ) from exc


def _choose_sheet(names: list[str], sheet: str | None, default: str | None, path: str) -> str:
    if sheet is not None:
        if sheet not in names:
            raise InputFileError(
                f"{path!r} has no sheet {sheet!r} (sheets: {', '.join(names)}); choose one with --layer NAME"
            )
        return sheet
    if len(names) == 1:
        return names[0]
    if default in names:
        return default
    raise InputFileError(
        f"{path!r} has {len(names)} sheets ({', '.join(names)}); choose one with --layer NAME"
    )


def read_xlsx(
    path: str | os.PathLike,
    /,
    *,
    sheet: str | None = None,
    default_sheet: str | None = None,
    fields: Mapping[str, str] | None = None,
    max_uncompressed_mb: float | None = None,
) -> SourceLayer:
    """Read one sheet of an Excel ``.xlsx`` workbook: first row the header, one feature per row.

    Every row is read, whatever dimension the sheet declares. Macros, ActiveX controls, embedded
    objects and links to other workbooks are never run nor imported; a warning says they were there.

    Parameters
    ----------
    path : path-like
        The workbook.
    sheet : str, optional
        The sheet to read; required when there are several and none is called ``default_sheet``.
    default_sheet : str, optional
        The sheet read when ``sheet`` is not given and the workbook has several.
    fields : mapping, optional
        ``{source: target}`` column renames, applied before the geometry columns are looked for.
    max_uncompressed_mb : float, optional
        Most MB the workbook's zip members may expand to (default 2048, ``--max-uncompressed-mb``).

    Raises
    ------
    InputFileError
        If the workbook is corrupt, truncated, not ``.xlsx`` or over ``max_uncompressed_mb``, or the
        sheet is missing or ambiguous.
    """
    path = str(path)
    limits = replace(_TABLE_LIMITS, uncompressed_mb=max_uncompressed_mb or _TABLE_LIMITS.uncompressed_mb)
    book, notes = _open_workbook(path, limits)
    try:
        name = _choose_sheet(list(book.sheetnames), sheet, default_sheet, path)
        try:
            numbered = sheet_rows(book[name], Path(path).name, RowBudget(limits))
        except InputFileError:
            raise
        except _XLSX_ERRORS as exc:
            raise InputFileError(
                f"cannot read sheet {name!r} of {path!r} ({type(exc).__name__}: "
                f"{str(exc)[:120]}); the workbook may be corrupt: save it again as .xlsx"
            ) from exc
    finally:
        book.close()
    rows = _dense(numbered)
    if not rows:
        raise InputFileError(
            f"sheet {name!r} of {path!r} is empty; it needs a header row and one row per feature"
        )
    header, keep = _header(["" if h is None else str(h) for h in rows[0]], path)
    layer = _rows_to_layer(header, keep, rows[1:], "Excel", layer=name, fields=fields)
    layer.frame = _uniform_columns(layer.frame)
    layer.findings[:0] = notes
    return layer


def _dense(numbered: list[tuple[int, tuple]]) -> list[list]:
    """Rows as lists, the header first; empty rows between rows with data are left out."""
    if numbered == [(1, ())]:
        return []
    return [list(values) for _, values in numbered]


def _uniform_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Give each attribute column one type: mixed Python types become text."""
    frame = frame.copy()
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        values = [v for v in frame[name].tolist() if v is not None]
        kinds = {type(v) for v in values}
        if len(kinds) > 1 and not kinds <= {int, float}:
            frame[name] = [None if v is None else _text(v) for v in frame[name].tolist()]
    return frame


def _text(value: object) -> str:
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- typing text columns ----------------------------------------------------------------------------

_INT_RE = re.compile(r"^-?(0|[1-9]\d{0,17})$")
_FLOAT_RE = re.compile(r"^-?((0|[1-9]\d*)\.\d+([eE][-+]?\d+)?|(0|[1-9]\d*)[eE][-+]?\d+)$")


def type_text_columns(frame: gpd.GeoDataFrame, *, exclude: list[str]) -> gpd.GeoDataFrame:
    """Give text columns a numeric or boolean type when every value is one (extra columns of CSV, KML).

    Whole numbers with a leading zero (``007``) stay text, so codes keep their form.

    Examples
    --------
    >>> import geopandas as gpd
    >>> f = gpd.GeoDataFrame({"a": ["1", None], "b": ["007", "8"], "c": ["1.5", "2.0"], "d": ["true", "no"]})
    >>> out = type_text_columns(f, exclude=[])
    >>> [str(out[c].dtype) for c in "acd"], out["b"].tolist()
    (['Int64', 'Float64', 'boolean'], ['007', '8'])
    """
    frame = frame.copy()
    for name in frame.columns:
        if name in exclude:
            continue
        values = [
            v for v in frame[name].tolist() if v is not None and not (isinstance(v, float) and math.isnan(v))
        ]
        if not values or not all(isinstance(v, str) for v in values):
            continue
        typed = _typed(values, frame[name].tolist())
        if typed is not None:
            frame[name] = typed
    return frame


def _typed(values: list[str], column: list) -> pd.array | None:
    def convert(func):
        return [
            None if v is None or (isinstance(v, float) and math.isnan(v)) else func(v.strip()) for v in column
        ]

    stripped = [v.strip() for v in values]
    if all(_INT_RE.match(v) for v in stripped):
        return pd.array(convert(int), dtype="Int64")
    if all(_INT_RE.match(v) or _FLOAT_RE.match(v) for v in stripped):
        return pd.array(convert(float), dtype="Float64")
    if all(v.lower() in ("true", "false", "yes", "no") for v in stripped):
        return pd.array(convert(lambda v: v.lower() in ("true", "yes")), dtype="boolean")
    return None


# -- writing ----------------------------------------------------------------------------------------


def _geometry_table(frame: gpd.GeoDataFrame) -> tuple[list[str], list[list]]:
    geoms = frame.geometry.values
    present = [g for g in geoms if g is not None and not g.is_empty]
    if all(g.geom_type == "Point" for g in present):
        return ["longitude", "latitude"], [
            [None, None] if g is None or g.is_empty else [g.x, g.y] for g in geoms
        ]
    epsg = frame.crs.to_epsg() if frame.crs is not None else None
    prefix = f"SRID={epsg};" if epsg else ""
    return ["wkt"], [
        [None if g is None else prefix + shapely.to_wkt(g, rounding_precision=-1)] for g in geoms
    ]


def layer_to_table(frame: gpd.GeoDataFrame, *, max_text: int | None = None) -> tuple[list[str], list[list]]:
    """Flatten a layer to a header and rows: attributes, then ``longitude``/``latitude`` or ``wkt``.

    With ``max_text``, WKT longer than that is split over ``wkt``, ``wkt_2``, ``wkt_3`` ... (read
    back joined), so a large polygon fits Excel's cell limit.

    Raises
    ------
    StoreError
        If an attribute is called like a geometry column the table needs.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> layer_to_table(gpd.GeoDataFrame({"id": ["a"]}, geometry=[shapely.Point(1, 2)], crs=4326))
    (['id', 'longitude', 'latitude'], [['a', 1.0, 2.0]])
    """
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    geo_header, geo_rows = _geometry_table(frame)
    if max_text and geo_header == ["wkt"]:
        geo_header, geo_rows = _split_text(geo_header[0], geo_rows, max_text)
    clash = sorted(set(map(_norm, attrs)) & set(map(_norm, geo_header)))
    if clash:
        raise StoreError(
            f"the layer has attribute column(s) {clash} named like the table's geometry "
            f"columns {geo_header}; export to .gpkg, .geojson or .parquet instead"
        )
    columns = [frame[c].tolist() for c in attrs]
    rows = [[_cell(col[i]) for col in columns] + geo_rows[i] for i in range(len(frame))]
    return attrs + geo_header, rows


def _split_text(name: str, rows: list[list], limit: int) -> tuple[list[str], list[list]]:
    pieces = [[] if r[0] is None else [r[0][i : i + limit] for i in range(0, len(r[0]), limit)] for r in rows]
    width = max([len(p) for p in pieces] + [1])
    header = [name] + [f"{name}_{k}" for k in range(2, width + 1)]
    return header, [(p + [None] * width)[:width] for p in pieces]


def _cell(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def _csv_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


def write_csv(frame: gpd.GeoDataFrame, path: str | os.PathLike, /) -> None:
    """Write a layer as UTF-8 CSV (comma-separated, RFC 4180 quoting); see :func:`layer_to_table`.

    Text that a spreadsheet would run as a formula (``=...``, ``+...``, ``-...``, ``@...``) is written
    with a leading apostrophe (:func:`deerhabitat.io.csv_safe.neutralise_cell`); :func:`read_csv`
    removes it again, so the round trip is exact.
    """
    header, rows = layer_to_table(frame)
    lines = [[str(neutralise_cell(h)) for h in header], *([_safe_csv_text(v) for v in row] for row in rows)]
    quoting = quoting_for(v for line in lines for v in line)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n", quoting=quoting).writerows(lines)


def _safe_csv_text(value: object) -> str:
    text = _csv_text(value)
    return text if isinstance(value, (int, float)) else str(neutralise_cell(text))


def write_xlsx(frame: gpd.GeoDataFrame, path: str | os.PathLike, /, *, sheet: str) -> None:
    """Write a layer as one sheet of an ``.xlsx`` workbook; text always stays text (never a formula).

    Raises
    ------
    StoreError
        If a value cannot be stored in Excel (control characters, text over 32,767 characters).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    header, rows = layer_to_table(frame, max_text=_EXCEL_TEXT_LIMIT)
    values = [
        [_excel_value(v, f"row {n}, column {name!r}") for name, v in zip(header, row, strict=True)]
        for n, row in enumerate(rows, start=1)
    ]
    book = Workbook(write_only=True)
    sheet_ = book.create_sheet(sheet[:31])
    sheet_.append(header)
    for row in values:
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet_)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"
            cells.append(cell)
        sheet_.append(cells)
    book.save(path)


ExcelValue: TypeAlias = bool | float | str | _dt.date | _dt.time | _dt.timedelta | None
"""What an Excel cell holds (``int`` counts as ``float``; ``datetime`` is a ``date``)."""


def _excel_value(value: object, where: str) -> ExcelValue:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if isinstance(value, _dt.datetime) and value.tzinfo is not None:
        value = value.isoformat()
    if isinstance(value, str):
        if len(value) > _EXCEL_TEXT_LIMIT:
            raise StoreError(
                f"{where}: the text is {len(value):,} characters; an Excel cell holds at most "
                f"{_EXCEL_TEXT_LIMIT:,}; export to .gpkg, .geojson or .csv instead"
            )
        if ILLEGAL_CHARACTERS_RE.search(value):
            raise StoreError(
                f"{where}: the text {value[:40]!r} holds control characters, which Excel cannot "
                f"store; export to .csv, .gpkg or .geojson instead"
            )
    if isinstance(value, float) and not math.isfinite(value):
        raise StoreError(f"{where}: {value!r} cannot be stored in Excel; export to .gpkg or .parquet instead")
    if value is None or isinstance(value, (bool, int, float, str, _dt.date, _dt.time, _dt.timedelta)):
        return value
    raise StoreError(
        f"{where}: a {type(value).__name__} value cannot be stored in Excel; export to .gpkg or .csv instead"
    )
