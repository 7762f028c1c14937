"""Reading and writing vector files in every supported format, chosen by the file extension.

=================  =====================================  ===================================
format             extensions                             notes
=================  =====================================  ===================================
GeoPackage         ``.gpkg``                              ``--layer`` picks one of several
GeoJSON            ``.geojson`` ``.json``                 EPSG:4326 by RFC 7946
Shapefile          ``.shp``, a folder, ``.zip``           see :mod:`deerhabitat.io.shapefile`
FlatGeobuf         ``.fgb``
GeoParquet         ``.parquet`` ``.geoparquet``
KML                ``.kml``                               ``Name`` becomes ``name``; text is HTML
CSV                ``.csv`` ``.tsv`` ``.txt``             see :mod:`deerhabitat.io.tabular`
Excel              ``.xlsx``                              ``--layer`` picks the sheet
=================  =====================================  ===================================

Every failure of GDAL, pyarrow, openpyxl or the text decoder is re-raised as
:class:`~deerhabitat.errors.InputFileError` (reading) or :class:`~deerhabitat.errors.StoreError`
(writing) with a message that says what to do. Writing goes to a temporary folder beside the
target and moves into place only when complete, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import html
import os
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from shapely.errors import GEOSException

from deerhabitat.errors import InputFileError, StoreError
from deerhabitat.io import shapefile, tabular
from deerhabitat.io.fields import apply_field_mapping, scalar_values, uniform_types
from deerhabitat.io.findings import Finding, warning
from deerhabitat.io.ogr import gdal_message, read_layer
from deerhabitat.io.source import SourceLayer

FORMATS: dict[str, str] = {
    ".gpkg": "GeoPackage",
    ".geojson": "GeoJSON",
    ".json": "GeoJSON",
    ".shp": "Shapefile",
    ".zip": "Shapefile",
    ".fgb": "FlatGeobuf",
    ".parquet": "GeoParquet",
    ".geoparquet": "GeoParquet",
    ".kml": "KML",
    ".csv": "CSV",
    ".tsv": "CSV",
    ".txt": "CSV",
    ".xlsx": "Excel",
}
"""File extension → format name."""

_OGR_DRIVERS = {"GeoPackage": "GPKG", "GeoJSON": "GeoJSON", "FlatGeobuf": "FlatGeobuf", "KML": "LIBKML"}
_KML_STRUCTURE = (
    "id",
    "description",
    "timestamp",
    "begin",
    "end",
    "altitudeMode",
    "tessellate",
    "extrude",
    "visibility",
    "drawOrder",
    "icon",
    "snippet",
)
_KML_DEFAULTS = {"tessellate": {-1, 0}, "extrude": {0}, "visibility": {-1, 1}}


def format_of(path: str | os.PathLike) -> str:
    """Name the format of ``path`` from its extension (a folder is a shapefile folder).

    Raises
    ------
    InputFileError
        If the extension is not supported; the message lists those that are.

    Examples
    --------
    >>> format_of("sites.GeoJSON"), format_of("pas.zip")
    ('GeoJSON', 'Shapefile')
    """
    path = Path(path)
    if path.is_dir():
        return "Shapefile"
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        allowed = " ".join(FORMATS)
        hint = "; save old .xls workbooks as .xlsx" if path.suffix.lower() == ".xls" else ""
        raise InputFileError(
            f"{str(path)!r}: the extension {path.suffix or '(none)'!r} is not a supported "
            f"format; use one of {allowed} (or a folder of shapefiles){hint}"
        )
    return fmt


def read_vector(
    path: str | os.PathLike,
    /,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    default_layer: str | None = None,
    fields: Mapping[str, str] | None = None,
    max_uncompressed_mb: float | None = None,
) -> SourceLayer:
    """Read the features of a vector file, whatever its format.

    Parameters
    ----------
    path : path-like
        The file (or shapefile folder). The format comes from the extension.
    layer : str, optional
        Layer (GeoPackage, KML), sheet (Excel) or shapefile (folder, zip) to read when the file holds
        several; ``'*'`` reads and joins all layers.
    encoding : str, optional
        Text encoding of a CSV or a shapefile without ``.cpg``; other formats are UTF-8 by definition.
    default_layer : str, optional
        Layer read when there are several and ``layer`` is not given (the layer kind's table name,
        so a deerhabitat store or export can be read without ``--layer``).
    max_uncompressed_mb : float, optional
        Most MB a ``.zip`` shapefile or an ``.xlsx`` may expand to (``--max-uncompressed-mb``,
        default 2048), checked before anything is decompressed.
    fields : mapping, optional
        ``{source: target}`` column renames (``--field SRC=DST``); for tables they apply before the
        coordinate columns are looked for, so ``--field X_COORD=longitude`` works.

    Returns
    -------
    SourceLayer
        The features, in the file's CRS (None when it declares none), and what reading found.

    Raises
    ------
    InputFileError
        If the file is missing, empty, corrupt, truncated, of an unsupported format, undecodable, or
        its layer is ambiguous or absent.
    """
    path = Path(path)
    fmt = format_of(path)
    _require_file(path)
    fields = dict(fields or {})
    if fmt == "CSV":
        return tabular.read_csv(path, encoding=encoding, fields=fields)
    if fmt == "Excel":
        return tabular.read_xlsx(
            path,
            sheet=layer,
            default_sheet=default_layer,
            fields=fields,
            max_uncompressed_mb=max_uncompressed_mb,
        )
    notes = (
        []
        if encoding is None or fmt not in ("GeoParquet",)
        else [warning("file", f"--encoding {encoding!r} was ignored: {fmt} text is UTF-8 by definition")]
    )
    with _gdal_warnings() as caught:
        if fmt == "Shapefile":
            source = shapefile.read_shapefile(
                path,
                layer=layer,
                encoding=encoding,
                default_layer=default_layer,
                max_uncompressed_mb=max_uncompressed_mb,
            )
        elif fmt == "GeoParquet":
            source = SourceLayer(_read_parquet(path), fmt)
        else:
            source = _read_ogr(path, fmt, layer, default_layer, encoding)
    source.findings[:0] = notes + caught
    source.frame = scalar_values(apply_field_mapping(source.frame, fields))
    return source


def _require_file(path: Path) -> None:
    if not path.exists():
        raise InputFileError(
            f"{str(path)!r} does not exist; check the path (relative paths start from the "
            f"current folder, {os.getcwd()!r})"
        )
    if path.is_file() and path.stat().st_size == 0:
        raise InputFileError(f"{str(path)!r} is empty (0 bytes); export or download it again")
    if path.is_dir() and format_of(path) != "Shapefile":  # pragma: no cover - format_of maps folders
        raise InputFileError(f"{str(path)!r} is a folder")


@contextlib.contextmanager
def _gdal_warnings() -> Iterator[list[Finding]]:
    """Collect the warnings GDAL, pyogrio and pyarrow emit while reading, as findings."""
    caught: list[Finding] = []
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        yield caught
    seen = set()
    for record in records:
        text = " ".join(str(record.message).split())[:200]
        if text not in seen:
            seen.add(text)
            caught.append(warning("file", f"while reading: {text}"))


def _ogr_fail(path: Path, fmt: str, exc: BaseException) -> InputFileError:
    detail = gdal_message(exc)
    return InputFileError(
        f"cannot read {str(path)!r} as {fmt} ({detail}); the file may be corrupt or "
        f"truncated, or not really {fmt}: export or download it again, and check that "
        f"its extension matches its content"
    )


def _layer_names(path: Path, fmt: str) -> dict[str, bool]:
    """Layer name → whether it has geometry."""
    try:
        return {str(name): gtype is not None for name, gtype in pyogrio.list_layers(path)}
    except (RuntimeError, OSError, ValueError) as exc:
        raise _ogr_fail(path, fmt, exc) from exc


def _choose_layers(layers: dict[str, bool], layer: str | None, default: str | None, path: Path) -> list[str]:
    names = list(layers)
    if not names:
        raise InputFileError(f"{str(path)!r} holds no layer; export the data again")
    if layer == "*":
        return [n for n in names if layers[n]] or names
    if layer is not None:
        if layer not in names:
            raise InputFileError(
                f"{str(path)!r} has no layer {layer!r} (layers: {', '.join(names)}); choose "
                f"one with --layer NAME"
            )
        return [layer]
    if len(names) == 1:
        return names
    if default in names:
        return [default]
    raise InputFileError(
        f"{str(path)!r} has {len(names)} layers ({', '.join(names)}); choose one with "
        f"--layer NAME, or read them all with --layer '*'"
    )


def _read_ogr(
    path: Path, fmt: str, layer: str | None, default: str | None, encoding: str | None
) -> SourceLayer:
    names = _choose_layers(_layer_names(path, fmt), layer, default, path)
    frames = []
    for name in names:
        frame = read_layer(path, layer=name, encoding=encoding, label=str(path), fmt=fmt)
        frames.append(_clean_kml(frame) if fmt == "KML" else frame)
    crs_set = {f.crs.to_wkt() if f.crs is not None else None for f in frames}
    if len(crs_set) > 1:
        raise InputFileError(
            f"the layers of {str(path)!r} are in different CRSs; import them one at a time with --layer NAME"
        )
    frame = (
        frames[0]
        if len(frames) == 1
        else gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    )
    return SourceLayer(frame, fmt, layer=",".join(names), text_attributes=fmt == "KML")


def _clean_kml(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop the KML structure fields LIBKML adds when they carry nothing; ``Name`` becomes ``name``."""
    drop = []
    for name in _KML_STRUCTURE:
        if name not in frame.columns:
            continue
        values = [v for v in frame[name].tolist() if not _is_null(v)]
        defaults = _KML_DEFAULTS.get(name, set())
        if name == "id":
            generated = all(isinstance(v, str) and v.rsplit(".", 1)[-1].isdigit() for v in values)
            if generated:
                drop.append(name)
        elif all(v in defaults for v in values):
            drop.append(name)
    frame = frame.drop(columns=drop)
    if "Name" in frame.columns and "name" not in frame.columns:
        frame = frame.rename(columns={"Name": "name"})
    if "name" in frame.columns and frame["name"].isna().all():
        frame = frame.drop(columns=["name"])
    return _html_text(frame, html.unescape)


def _html_text(frame: gpd.GeoDataFrame, convert) -> gpd.GeoDataFrame:
    """Escape or unescape every text value of ``frame`` for KML.

    KML viewers (Google Earth) show KML text as HTML, so text written
    to KML is HTML-escaped (markup in data is never executed there) and KML text read is unescaped.
    """
    frame = frame.copy()
    for name in frame.columns:
        if name == frame.geometry.name:
            continue
        values = frame[name].tolist()
        if any(isinstance(v, str) for v in values):
            frame[name] = pd.array(
                [convert(v) if isinstance(v, str) else v for v in values],
                dtype=frame[name].dtype if str(frame[name].dtype) == "string" else object,
            )
    return frame


def _is_null(value: object) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def _read_parquet(path: Path) -> gpd.GeoDataFrame:
    import pyarrow

    try:
        return gpd.read_parquet(path)
    except (
        ValueError,
        OSError,
        TypeError,
        KeyError,
        NotImplementedError,
        pyarrow.ArrowException,
        GEOSException,
    ) as exc:
        raise _ogr_fail(path, "GeoParquet", exc) from exc


# -- writing ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """What :func:`write_vector` wrote: the format, and notes for the user (e.g. text cut in a .dbf)."""

    file_format: str
    notes: tuple[str, ...] = ()


def write_vector(
    frame: gpd.GeoDataFrame, path: str | os.PathLike, /, *, layer_name: str, overwrite: bool = False
) -> Written:
    """Write a layer to ``path`` in the format its extension names.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer, in EPSG:4326.
    path : path-like
        Target file; ``.shp`` writes a shapefile (and its sidecar) beside it, ``.zip`` a zipped one; an
        existing folder gets ``<layer_name>.shp``.
    layer_name : str
        Layer name (GeoPackage, KML), sheet (Excel) or sidecar label (shapefile).
    overwrite : bool, default False
        Replace an existing file; otherwise an existing target is refused.

    Returns
    -------
    Written
        The format written, and notes (text a shapefile had to cut, kept whole in its sidecar).

    Raises
    ------
    StoreError
        If the target exists (without ``overwrite``), its folder is missing, or the format cannot hold
        the data (Excel cell limits and control characters, geometry collections in a shapefile).
    InputFileError
        If the extension is not a supported format.
    """
    path = Path(path)
    if path.is_dir():
        path = path / f"{layer_name}.shp"
    fmt = format_of(path)
    targets = _existing_targets(path, fmt)
    if targets and not overwrite:
        raise StoreError(
            f"{str(path)!r} already exists; choose another name, or pass --overwrite to replace it"
        )
    if not path.parent.is_dir():
        raise StoreError(f"the folder {str(path.parent)!r} does not exist; create it first")
    frame = uniform_types(frame)
    with _staging(path) as staging:
        produced, notes = _write_into(frame, staging, path, fmt, layer_name)
        for old in targets:
            old.unlink()
        for file in produced:
            os.replace(file, path.parent / file.name)
    return Written(fmt, tuple(notes))


def _existing_targets(path: Path, fmt: str) -> list[Path]:
    if fmt == "Shapefile" and path.suffix.lower() == ".shp":
        return shapefile.shapefile_set(path.parent, path.stem)
    return [path] if path.exists() else []


@contextlib.contextmanager
def _staging(path: Path) -> Iterator[Path]:
    try:
        folder = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    except OSError as exc:
        raise StoreError(
            f"cannot write in {str(path.parent)!r} ({exc.strerror}); check it is writable"
        ) from exc
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _write_into(
    frame: gpd.GeoDataFrame, staging: Path, path: Path, fmt: str, layer_name: str
) -> tuple[list[Path], list[str]]:
    target = staging / path.name
    if fmt == "Shapefile":
        files, notes = shapefile.write_shapefile(frame, staging, path.stem, layer_name=layer_name)
        if path.suffix.lower() == ".zip":
            shapefile.zip_files(files, target)
            return [target], notes
        return files, notes
    try:
        if fmt == "CSV":
            tabular.write_csv(frame, target)
        elif fmt == "Excel":
            tabular.write_xlsx(frame, target, sheet=layer_name)
        elif fmt == "GeoParquet":
            frame.to_parquet(target)
        elif fmt == "KML":
            _write_ogr(_html_text(frame, html.escape), target, fmt, layer_name)
        else:
            _write_ogr(frame, target, fmt, layer_name)
    except (RuntimeError, OSError, ValueError, TypeError) as exc:
        if isinstance(exc, StoreError):
            raise
        raise StoreError(f"cannot write {str(path)!r} as {fmt}: {' '.join(str(exc).split())[:200]}") from exc
    return [target], []


def _write_ogr(frame: gpd.GeoDataFrame, target: Path, fmt: str, layer_name: str) -> None:
    options: dict = {}
    if fmt == "FlatGeobuf" and frame.geometry.isna().any():
        options["SPATIAL_INDEX"] = "NO"
    types = {g.geom_type for g in frame.geometry.values if g is not None}
    geometry_type = types.pop() if len(types) == 1 else "Unknown"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        pyogrio.write_dataframe(
            frame, target, layer=layer_name, driver=_OGR_DRIVERS[fmt], geometry_type=geometry_type, **options
        )


def write_gpkg_layers(layers: Mapping[str, gpd.GeoDataFrame], path: str | os.PathLike, /) -> Path:
    """Write several layers (EPSG:4326) into one new GeoPackage, replacing ``path`` in one step.

    The file is built in a staging folder beside ``path`` and moved into place only when every layer is
    written, so a failure leaves any previous file as it was.

    Raises
    ------
    StoreError
        If the folder is missing or not writable.
    """
    path = Path(path)
    if not path.parent.is_dir():
        raise StoreError(f"the folder {str(path.parent)!r} does not exist; create it first")
    with _staging(path) as staging:
        target = staging / path.name
        for name, frame in layers.items():
            _write_ogr(uniform_types(frame), target, "GeoPackage", name)
        os.replace(target, path)
    return path
