"""Field mapping (``--field SRC=DST``) and the column names a store can hold.

Mapping renames source columns to the names of the layer schema; every other column is kept as an
extra attribute. GeoPackage column names are case-insensitive and ``fid`` is its feature id, so
names that would collide there are refused with a message naming them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from deerhabitat.errors import Problem, SchemaError

RESERVED = ("fid", "ogc_fid", "geom")
"""Column names the store uses itself (compared ignoring case)."""


def parse_field_mapping(items: Iterable[str] | Mapping[str, str] | None) -> dict[str, str]:
    """Turn ``["SRC=DST", ...]`` (or a mapping) into a ``{source: target}`` dict.

    Raises
    ------
    SchemaError
        If an item has no ``=``, an empty side, or a source or target is given twice.

    Examples
    --------
    >>> parse_field_mapping(["Name=name", "ID = site_id"])
    {'Name': 'name', 'ID': 'site_id'}
    """
    if items is None:
        return {}
    pairs = list(items.items()) if isinstance(items, Mapping) else [_split(item) for item in items]
    mapping: dict[str, str] = {}
    for source, target in pairs:
        if source in mapping:
            raise SchemaError(
                "field mapping", [f"--field {source}=... is given twice; map each source column once"]
            )
        mapping[str(source)] = str(target)
    targets = list(mapping.values())
    twice = sorted({t for t in targets if targets.count(t) > 1})
    if twice:
        raise SchemaError(
            "field mapping", [f"several columns map to {twice}; map one source column to each target"]
        )
    return mapping


def _split(item: str) -> tuple[str, str]:
    source, sep, target = str(item).partition("=")
    if not sep or not source.strip() or not target.strip():
        raise SchemaError(
            "field mapping",
            [
                f"--field {item!r} is not SRC=DST; write e.g. --field NAME=name "
                f"(source column = schema column)"
            ],
        )
    return source.strip(), target.strip()


def apply_field_mapping(frame: gpd.GeoDataFrame, mapping: Mapping[str, str]) -> gpd.GeoDataFrame:
    """Rename columns by ``mapping``; a target that already exists is replaced by the mapped column.

    Raises
    ------
    SchemaError
        If a source column is not in the file; the message lists the columns found.

    Examples
    --------
    >>> import geopandas as gpd
    >>> f = gpd.GeoDataFrame({"NAME": ["Tigrovaya Balka"], "name": ["old"]})
    >>> apply_field_mapping(f, {"NAME": "name"}).columns.tolist()
    ['name']
    """
    geometry = _geometry_name(frame)
    columns = [c for c in frame.columns if c != geometry]
    missing = [s for s in mapping if s not in frame.columns]
    if missing:
        found = ", ".join(map(str, columns)) or "none"
        raise SchemaError(
            "field mapping",
            [
                f"--field names source column(s) {missing} that the file does not "
                f"have (columns: {found}); check the spelling and case"
            ],
        )
    replaced = [t for s, t in mapping.items() if t in frame.columns and t not in mapping]
    return frame.drop(columns=replaced).rename(columns=dict(mapping))


def column_problems(frame: gpd.GeoDataFrame) -> list[str]:
    """List column names a GeoPackage store cannot hold: case-only duplicates and reserved names.

    Examples
    --------
    >>> import geopandas as gpd
    >>> column_problems(gpd.GeoDataFrame({"Name": [1], "name": [2], "fid": [3]}))  # doctest: +ELLIPSIS
    ["columns 'Name' and 'name' differ only in case...", "column 'fid' is reserved..."]
    """
    geometry = _geometry_name(frame)
    problems = []
    seen: dict[str, str] = {}
    for column in frame.columns:
        if column == geometry:
            continue
        name = str(column)
        key = name.lower()
        if key in seen:
            problems.append(
                f"columns {seen[key]!r} and {name!r} differ only in case, which a GeoPackage cannot "
                f"hold; rename one with --field {name}=NEW_NAME"
            )
        seen.setdefault(key, name)
        if key in RESERVED:
            problems.append(
                f"column {name!r} is reserved by the GeoPackage store; rename it with --field "
                f"{name}=source_{key}"
            )
        if not name.strip():
            problems.append("a column has an empty name; name it in the file")
    return problems


def _geometry_name(frame: gpd.GeoDataFrame) -> str | None:
    try:
        return frame.geometry.name
    except AttributeError:
        return None


def uniform_types(frame: gpd.GeoDataFrame, *, exclude: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """Give each object column one type, so every format stores it the same way.

    All booleans → ``boolean``; all whole numbers → ``Int64``; all numbers → ``Float64``; all text →
    ``string``; a mix → text. Missing values stay missing.

    Examples
    --------
    >>> import geopandas as gpd
    >>> import pandas as pd
    >>> f = gpd.GeoDataFrame({c: pd.Series(v, dtype=object) for c, v in
    ...                       {"a": [True, None], "b": [1, None], "c": [1, 2.5], "d": [1, "x"]}.items()})
    >>> [str(t) for t in uniform_types(f).dtypes], uniform_types(f)["d"].tolist()
    (['boolean', 'Int64', 'Float64', 'string'], ['1', 'x'])
    """
    frame = frame.copy()
    skip = set(exclude) | {_geometry_name(frame)}
    for name in frame.columns:
        if name in skip or frame[name].dtype != object:
            continue
        values = frame[name].tolist()
        present = [v for v in values if not _missing(v)]
        kinds = {type(v) for v in present}
        if not present:
            continue
        if kinds <= {bool, np.bool_}:
            dtype = "boolean"
        elif kinds <= {int, np.int64, np.int32} and all(abs(v) < 2**63 for v in present):
            dtype = "Int64"
        elif kinds <= {int, float, np.int64, np.int32, np.float64}:
            dtype = "Float64"
        elif kinds <= {str}:
            dtype = "string"
        else:
            frame[name] = pd.array([None if _missing(v) else _text(v) for v in values], dtype="string")
            continue
        frame[name] = pd.array([None if _missing(v) else v for v in values], dtype=dtype)
    return frame


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value


def _text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def scalar_values(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Turn list and mapping values (JSON arrays and objects in GeoJSON properties) into JSON text.

    Examples
    --------
    >>> import geopandas as gpd
    >>> scalar_values(gpd.GeoDataFrame({"tags": [["a", 1], "x"], "n": [1, 2]}))["tags"].tolist()
    ['["a", 1]', 'x']
    """
    geometry = _geometry_name(frame)
    out = None
    for name in frame.columns:
        if name == geometry or frame[name].dtype != object:
            continue
        values = frame[name].tolist()
        if any(isinstance(v, (list, tuple, dict, set, np.ndarray)) for v in values):
            out = frame.copy() if out is None else out
            out[name] = [
                json.dumps(_plain(v), ensure_ascii=False, default=str)
                if isinstance(v, (list, tuple, dict, set, np.ndarray))
                else v
                for v in values
            ]
    return frame if out is None else out


def _plain(value: object) -> object:
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, set):
        return sorted(map(str, value))
    return value


def text_problems(frame: gpd.GeoDataFrame, labels: list[str]) -> list[Problem]:
    r"""List text values holding a NUL character, which GDAL and SQLite would cut short.

    Examples
    --------
    >>> import geopandas as gpd
    >>> [str(p) for p in text_problems(gpd.GeoDataFrame({"name": ["ok", "a\x00b"]}), ["row 1", "row 2"])]
    ["row 2: name 'a\\x00b' holds a NUL character, which the store cannot keep; remove it from the source"]
    """
    geometry = _geometry_name(frame)
    problems = []
    for name in frame.columns:
        if name == geometry or (
            frame[name].dtype.kind not in "OSU" and str(frame[name].dtype) not in ("string", "str")
        ):
            continue
        for label, value in zip(labels, frame[name].tolist(), strict=True):
            if isinstance(value, str) and "\x00" in value:
                problems.append(
                    Problem(
                        label,
                        f"{name} {value[:40]!r} holds a NUL character, which the store cannot "
                        f"keep; remove it from the source",
                    )
                )
    return problems
