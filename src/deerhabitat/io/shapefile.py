"""Shapefiles: a ``.shp`` file, a folder holding shapefiles, or a ``.zip`` of them.

The dBASE table of a shapefile cuts field names to 10 bytes and holds one geometry type. So that
a layer exported here comes back whole, the writer keeps short, unique names and writes a sidecar
``<name>.deerhabitat.json`` with the full names; a layer mixing points and polygons is written as
one shapefile per geometry type (``sites.shp`` and ``sites_polygons.shp``), listed in the same
sidecar. Shapefiles written by other programs have no sidecar: the truncated names of the schema's
long columns (``reported_a`` for ``reported_area_km2``) are still mapped back.
"""

from __future__ import annotations

import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import geopandas as gpd
import pandas as pd
import pyogrio

from deerhabitat.errors import InputFileError, StoreError
from deerhabitat.io.archive import check_zip, read_member, vsizip_path
from deerhabitat.io.ogr import read_layer
from deerhabitat.io.source import SourceLayer
from deerhabitat.limits import MB
from deerhabitat.schema import SPECS

SIDECAR_SUFFIX = ".deerhabitat.json"
_SET_SUFFIXES = (".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix", ".sbn", ".sbx", SIDECAR_SUFFIX)
_FAMILIES = {
    "Point": "point",
    "MultiPoint": "point",
    "LineString": "line",
    "MultiLineString": "line",
    "LinearRing": "line",
    "Polygon": "polygon",
    "MultiPolygon": "polygon",
}
_DBF_TEXT_BYTES = 254

KNOWN_SHORT_NAMES = {c.name[:10]: c.name for spec in SPECS.values() for c in spec.columns if len(c.name) > 10}
"""Truncated schema column names as other programs write them, mapped back to the full names."""


@dataclass(frozen=True)
class _Container:
    """Shapefiles found in a folder or zip: member names, and how to open or read them."""

    label: str
    shapefiles: list[str]
    others: set[str]
    gdal_path: Callable[[str], str]
    read_text: Callable[[str], bytes]


def _folder(path: Path) -> _Container:
    names = sorted(p.name for p in path.iterdir() if p.is_file())
    return _Container(
        str(path),
        [n for n in names if n.lower().endswith(".shp")],
        set(names),
        lambda n: str(path / n),
        lambda n: (path / n).read_bytes(),
    )


def _archive(path: Path, max_total_bytes: int | None = None) -> _Container:
    members = check_zip(path, max_total_bytes=max_total_bytes)
    return _Container(
        str(path),
        [m for m in members if m.lower().endswith(".shp")],
        set(members),
        lambda n: vsizip_path(path, n),
        lambda n: read_member(path, n),
    )


def _stem(name: str) -> str:
    return PurePosixPath(name).name[:-4]


def _sidecar(container: _Container, shp: str) -> dict | None:
    name = shp[:-4] + SIDECAR_SUFFIX
    if name not in container.others:
        return None
    try:
        data = json.loads(container.read_text(name).decode("utf-8"))
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InputFileError(
            f"the sidecar {name!r} in {container.label!r} is not valid JSON ({exc}); delete "
            f"it (field names then stay as in the .dbf) or export the layer again"
        ) from exc
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("fields", {}), dict)
        or not isinstance(data.get("parts", []), list)
    ):
        raise InputFileError(
            f"the sidecar {name!r} in {container.label!r} is not a deerhabitat sidecar "
            f"(expected 'fields' and 'parts'); delete it or export the layer again"
        )
    return data


def _parts(container: _Container, shp: str) -> tuple[list[str], dict[str, str], dict]:
    sidecar = _sidecar(container, shp) or {}
    folder = str(PurePosixPath(shp).parent)
    parts: list[str] = []
    for part in sidecar.get("parts") or [PurePosixPath(shp).name]:
        member = part if folder == "." else f"{folder}/{part}"
        if not isinstance(part, str) or "/" in part or "\\" in part or member not in container.shapefiles:
            raise InputFileError(
                f"the sidecar of {shp!r} in {container.label!r} lists the part {part!r}, which "
                f"is not a shapefile beside it; delete the sidecar or export the layer again"
            )
        parts.append(member)
    fields = {str(k): str(v) for k, v in sidecar.get("fields", {}).items()}
    long_text = sidecar.get("long_text")
    return parts, fields, long_text if isinstance(long_text, dict) else {}


def _choose(container: _Container, layer: str | None, default: str | None, chosen: str | None) -> list[str]:
    shps = container.shapefiles
    stems = {_stem(s): s for s in shps}
    if not shps:
        raise InputFileError(
            f"{container.label!r} holds no shapefile (.shp); give the folder or .zip that "
            f"holds the .shp, .shx, .dbf and .prj files"
        )
    if layer == "*":
        return shps
    if layer is not None:
        if layer not in stems:
            raise InputFileError(
                f"{container.label!r} has no shapefile {layer!r} (shapefiles: "
                f"{', '.join(sorted(stems))}); choose one with --layer NAME"
            )
        return [stems[layer]]
    if chosen is not None:
        return [chosen]
    leaders = [s for s in shps if _sidecar(container, s)]
    if len(shps) == 1 or len(leaders) == 1:
        return [shps[0] if len(shps) == 1 else leaders[0]]
    if default in stems:
        return [stems[default]]
    raise InputFileError(
        f"{container.label!r} holds {len(shps)} shapefiles ({', '.join(sorted(stems))}); "
        f"choose one with --layer NAME, or read them all with --layer '*'"
    )


def _read_one(container: _Container, member: str, encoding: str | None) -> gpd.GeoDataFrame:
    label = member if container.label in (".", "") else f"{container.label}/{member}"
    return read_layer(container.gdal_path(member), encoding=encoding, label=label, fmt="Shapefile")


def read_shapefile(
    path: str | os.PathLike,
    /,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    default_layer: str | None = None,
    max_uncompressed_mb: float | None = None,
) -> SourceLayer:
    """Read a shapefile: a ``.shp`` path, a folder, or a ``.zip`` (checked member by member first).

    Parameters
    ----------
    path : path-like
        The ``.shp`` file, a folder holding shapefiles, or a ``.zip`` of them.
    layer : str, optional
        The shapefile to read by name (without ``.shp``) when there are several; ``'*'`` reads all.
    encoding : str, optional
        Text encoding of the ``.dbf`` when it has no ``.cpg`` file (e.g. ``CP1251``).
    default_layer : str, optional
        The shapefile read when there are several and ``layer`` is not given.
    max_uncompressed_mb : float, optional
        Most MB the members of a ``.zip`` may expand to (``--max-uncompressed-mb``, default 2048).

    Returns
    -------
    SourceLayer
        The features with their full field names restored.

    Raises
    ------
    InputFileError
        If the archive is unsafe or corrupt, no or several shapefiles are found, or GDAL cannot read it.
    """
    path = Path(path)
    chosen = None
    if path.is_dir():
        container = _folder(path)
    elif path.suffix.lower() == ".zip":
        container = _archive(path, None if max_uncompressed_mb is None else int(max_uncompressed_mb * MB))
    else:
        container, chosen = _folder(path.parent if str(path.parent) else Path(".")), path.name
    selected = _choose(container, layer, default_layer, chosen)
    frames, names = [], []
    for shp in selected:
        parts, fields, long_text = _parts(container, shp)
        for part in parts:
            _require_companions(container, part)
            frame = restore_field_names(_read_one(container, part, encoding), fields)
            frame, _ = restore_long_text(frame, long_text.get(PurePosixPath(part).name, {}))
            frames.append(frame)
            names.append(_stem(part))
    return SourceLayer(_concat(frames, container.label), "Shapefile", layer=",".join(names))


def _require_companions(container: _Container, member: str) -> None:
    others = {o.lower() for o in container.others}
    missing = [ext for ext in (".shx", ".dbf") if (member[:-4] + ext).lower() not in others]
    if missing:
        raise InputFileError(
            f"the shapefile {member!r} in {container.label!r} has no {' or '.join(missing)} file "
            f"beside it (a shapefile is several files: .shp, .shx, .dbf and .prj); copy or zip "
            f"them all together"
        )


def restore_long_text(frame: gpd.GeoDataFrame, long_text: dict) -> tuple[gpd.GeoDataFrame, int]:
    """Put back the full text of values cut to 254 bytes, from the sidecar (only where the cut text matches).

    Examples
    --------
    >>> import geopandas as gpd
    >>> f = gpd.GeoDataFrame({"notes": ["ab", "x"]})
    >>> out, n = restore_long_text(f, {"notes": {"0": "abc", "1": "zzz"}})
    >>> out["notes"].tolist(), n
    (['abc', 'x'], 1)
    """
    restored = 0
    frame = frame.copy()
    for column, rows in long_text.items():
        if column not in frame.columns or not isinstance(rows, dict):
            continue
        values = frame[column].astype(object).tolist()
        for key, full in rows.items():
            row = int(key) if str(key).isdigit() else -1
            if (
                0 <= row < len(values)
                and isinstance(full, str)
                and isinstance(values[row], str)
                and full.startswith(values[row])
            ):
                values[row] = full
                restored += 1
        frame[column] = values
    return frame, restored


def _concat(frames: list[gpd.GeoDataFrame], label: str) -> gpd.GeoDataFrame:
    crs_set = {f.crs.to_wkt() if f.crs is not None else None for f in frames}
    if len(crs_set) > 1:
        raise InputFileError(
            f"the shapefiles read from {label!r} are in different CRSs; import them one at a "
            f"time with --layer NAME"
        )
    if len(frames) == 1:
        return frames[0]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)


def restore_field_names(frame: gpd.GeoDataFrame, fields: dict[str, str]) -> gpd.GeoDataFrame:
    """Rename truncated field names back: from the sidecar, else the known schema short names.

    Examples
    --------
    >>> import geopandas as gpd
    >>> restore_field_names(gpd.GeoDataFrame({"reported_a": [1.0], "pa_id": ["x"]}), {}).columns.tolist()
    ['reported_area_km2', 'pa_id']
    """
    mapping = (
        dict(fields) if fields else {s: f for s, f in KNOWN_SHORT_NAMES.items() if f not in frame.columns}
    )
    mapping = {s: f for s, f in mapping.items() if s in frame.columns and s != f}
    return frame.rename(columns=mapping)


# -- writing ----------------------------------------------------------------------------------------


def short_field_names(columns: list[str]) -> dict[str, str]:
    """Give each column a dBASE field name: at most 10 bytes, unique ignoring case.

    Examples
    --------
    >>> short_field_names(["site_id", "reported_area_km2", "reported_area_m2"])
    {'site_id': 'site_id', 'reported_area_km2': 'reported_a', 'reported_area_m2': 'reported_1'}
    """
    out: dict[str, str] = {}
    taken: set[str] = set()
    for name in columns:
        short = name.encode("utf-8")[:10].decode("utf-8", errors="ignore") or "field"
        number = 0
        while short.lower() in taken:
            number += 1
            suffix = f"_{number}"
            base = name.encode("utf-8")[: 10 - len(suffix)].decode("utf-8", errors="ignore")
            short = (base or "f") + suffix
        taken.add(short.lower())
        out[name] = short
    return out


def _families(frame: gpd.GeoDataFrame) -> dict[str, gpd.GeoDataFrame]:
    family = [None if g is None else _FAMILIES.get(g.geom_type, "other") for g in frame.geometry.values]
    present = [f for f in ("point", "line", "polygon", "other") if f in family]
    if "other" in present:
        raise StoreError(
            "the layer holds geometry collections, which a shapefile cannot store; export to "
            ".gpkg, .geojson or .fgb instead"
        )
    if not present:
        return {"point": frame}
    first = present[0]
    keys = [first if f is None else f for f in family]
    return {f: frame[[k == f for k in keys]] for f in present}


def cut_long_text(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, dict[str, dict[str, str]]]:
    """Cut text longer than a dBASE field (254 bytes) at a character boundary; return the full values.

    Examples
    --------
    >>> import geopandas as gpd
    >>> out, full = cut_long_text(gpd.GeoDataFrame({"notes": ["é" * 200, "short"]}))
    >>> len(out["notes"][0].encode()), list(full["notes"])
    (254, ['0'])
    """
    frame = frame.copy()
    full: dict[str, dict[str, str]] = {}
    for name in frame.columns:
        values = frame[name].tolist()
        if not any(isinstance(v, str) and len(v.encode("utf-8")) > _DBF_TEXT_BYTES for v in values):
            continue
        cut = []
        for row, value in enumerate(values):
            if isinstance(value, str) and len(value.encode("utf-8")) > _DBF_TEXT_BYTES:
                full.setdefault(str(name), {})[str(row)] = value
                value = value.encode("utf-8")[:_DBF_TEXT_BYTES].decode("utf-8", errors="ignore")
            cut.append(value)
        frame[name] = pd.array(cut, dtype=frame[name].dtype) if str(frame[name].dtype) == "string" else cut
    return frame, full


def write_shapefile(
    frame: gpd.GeoDataFrame, folder: Path, stem: str, /, *, layer_name: str
) -> tuple[list[Path], list[str]]:
    """Write a layer as shapefile(s) named ``stem`` in ``folder``, with the sidecar.

    Text longer than a dBASE field holds (254 bytes) is cut in the ``.dbf`` and kept whole in the
    sidecar, so deerhabitat reads it back whole; other programs see the cut text.

    Returns
    -------
    (list of pathlib.Path, list of str)
        The files written, and notes for the user (text that was cut).

    Raises
    ------
    StoreError
        If the layer holds geometry collections, or GDAL cannot write.
    """
    attrs = [c for c in frame.columns if c != frame.geometry.name]
    names = short_field_names(attrs)
    parts, long_text, cut_count = [], {}, 0
    for number, (family, part) in enumerate(_families(frame).items()):
        part_stem = stem if number == 0 else f"{stem}_{family}s"
        part, full = cut_long_text(part.reset_index(drop=True))
        if full:
            long_text[f"{part_stem}.shp"] = full
            cut_count += sum(len(v) for v in full.values())
        renamed = part.rename(columns=names)
        try:
            pyogrio.write_dataframe(
                renamed,
                folder / f"{part_stem}.shp",
                driver="ESRI Shapefile",
                encoding="UTF-8",
                geometry_type=_shape_type(renamed, family),
            )
        except (RuntimeError, OSError, ValueError) as exc:
            raise StoreError(f"cannot write the shapefile {part_stem}.shp in {str(folder)!r}: {exc}") from exc
        parts.append(f"{part_stem}.shp")
    sidecar = {
        "deerhabitat": 1,
        "layer": layer_name,
        "parts": parts,
        "fields": {short: full for full, short in names.items()},
        "long_text": long_text,
    }
    (folder / f"{stem}{SIDECAR_SUFFIX}").write_text(
        json.dumps(sidecar, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    notes = (
        [
            f"{cut_count} text value(s) longer than 254 bytes were cut in the .dbf (a shapefile limit); "
            f"the full text is in {stem}{SIDECAR_SUFFIX}, which deerhabitat reads back, but other programs "
            f"show the cut text"
        ]
        if cut_count
        else []
    )
    return sorted(p for p in folder.iterdir() if p.is_file()), notes


def _shape_type(frame: gpd.GeoDataFrame, family: str) -> str:
    types = {g.geom_type for g in frame.geometry.values if g is not None}
    return {
        "point": "Point" if types <= {"Point"} else "MultiPoint",
        "line": "MultiLineString",
        "polygon": "MultiPolygon",
    }[family]


def zip_files(files: list[Path], target: Path) -> None:
    """Put ``files`` (flat, by name) into the zip archive ``target``."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for file in files:
            archive.write(file, file.name)


def shapefile_set(folder: Path, stem: str) -> list[Path]:
    """The existing files of the shapefile ``stem`` in ``folder``, including parts listed by its sidecar."""
    files = [folder / f"{stem}{suffix}" for suffix in _SET_SUFFIXES]
    sidecar = folder / f"{stem}{SIDECAR_SUFFIX}"
    if sidecar.is_file():
        try:
            parts = json.loads(sidecar.read_text(encoding="utf-8")).get("parts", [])
        except (ValueError, OSError, AttributeError):
            parts = []
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, str) and "/" not in part and "\\" not in part and part.endswith(".shp"):
                files += [folder / f"{part[:-4]}{suffix}" for suffix in _SET_SUFFIXES[:-1]]
    return sorted({f for f in files if f.is_file()})
