"""One layer read through GDAL (pyogrio), with every failure turned into an :class:`InputFileError`.

Arrow is used when it can be (fast). GDAL's Arrow stream fails on text that is not valid UTF-8 and
on null geometries of some drivers, so those reads fall back to the feature-by-feature reader, which
also honours ``--encoding`` for any format. Text that cannot be decoded gives a message saying which
encoding to pass.
"""

from __future__ import annotations

import os

import geopandas as gpd
import pyarrow
import pyogrio
from shapely.errors import GEOSException

from deerhabitat.errors import InputFileError


def gdal_message(exc: BaseException) -> str:
    """The useful part of a GDAL/pyogrio error message, on one line.

    Examples
    --------
    >>> exc = RuntimeError("'x.fgb' not recognized as being in a supported file format.; It might help")
    >>> gdal_message(exc)
    "'x.fgb' not recognized as being in a supported file format."
    """
    text = " ".join(str(exc).split()).split("; It might help")[0]
    return text[:200]


def encoding_error(label: str, exc: UnicodeDecodeError, encoding: str | None) -> InputFileError:
    """The message for text that does not decode: the byte, and which encodings to try."""
    byte = exc.object[exc.start : exc.start + 1].hex() if isinstance(exc.object, bytes) else "?"
    used = encoding or "UTF-8"
    return InputFileError(
        f"{label}: text is not valid {used} (byte 0x{byte}); pass the file's encoding with --encoding, e.g. "
        f"--encoding cp1251 (Cyrillic Windows), --encoding cp1252 or --encoding latin-1 (Western European), "
        f"or re-save the file as UTF-8"
    )


def read_layer(
    path: str | os.PathLike,
    *,
    layer: str | None = None,
    encoding: str | None = None,
    label: str = "",
    fmt: str = "",
) -> gpd.GeoDataFrame:
    """Read one layer with pyogrio.

    Parameters
    ----------
    path : path-like
        File, or GDAL path (``/vsizip/...``).
    layer : str, optional
        Layer name.
    encoding : str, optional
        Text encoding to decode with (then read without Arrow).
    label : str
        How the file is named in messages.
    fmt : str
        Format name for messages.

    Raises
    ------
    InputFileError
        If GDAL cannot read the layer, or its text does not decode.
    """
    label = label or str(path)
    try:
        return _read(path, layer, encoding)
    except UnicodeDecodeError as exc:
        raise encoding_error(label, exc, encoding) from exc
    except LookupError as exc:
        raise InputFileError(
            f"--encoding {encoding!r} is not an encoding Python knows; use e.g. utf-8, cp1251, "
            f"cp1252 or latin-1"
        ) from exc
    except (RuntimeError, OSError, ValueError, GEOSException, pyarrow.ArrowException) as exc:
        raise InputFileError(
            f"cannot read {label!r} as {fmt or 'a GDAL layer'} ({gdal_message(exc)}); the file may "
            f"be corrupt or truncated, or not really {fmt or 'that format'}: export or download it "
            f"again, and check that its extension matches its content"
        ) from exc


def _read(path: str | os.PathLike, layer: str | None, encoding: str | None) -> gpd.GeoDataFrame:
    if encoding:
        return pyogrio.read_dataframe(path, layer=layer, encoding=encoding, use_arrow=False)
    try:
        return _decoded(pyogrio.read_dataframe(path, layer=layer, use_arrow=True))
    except (GEOSException, pyarrow.ArrowException, UnicodeDecodeError):
        return pyogrio.read_dataframe(path, layer=layer, use_arrow=False)


def _decoded(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Arrow keeps text it could not decode as broken strings that fail only when used: touch them now."""
    for name in frame.columns:
        if name != frame.geometry.name and frame[name].dtype.kind not in "biufcmM":
            frame[name].tolist()
    return frame
