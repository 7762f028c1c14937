"""Preconditions shared by the analysis functions: one equal-area CRS, the columns each needs."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyproj

from deerhabitat.crs import require_equal_area, require_same_crs
from deerhabitat.errors import SchemaError


def require_analysis_crs(*frames: object, what: str) -> pyproj.CRS:
    """Return the one equal-area CRS shared by ``frames``.

    Parameters
    ----------
    *frames : geopandas.GeoDataFrame or geopandas.GeoSeries
        The spatial inputs of one analysis.
    what : str
        The function and arguments, named in the error message.

    Returns
    -------
    pyproj.CRS

    Raises
    ------
    CRSError
        If a frame has no CRS, the frames differ in CRS, or the CRS does not preserve area.
    """
    crs = require_same_crs(*frames, what=what)
    return require_equal_area(crs, what=f"the CRS of {what}")


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, kind: str) -> None:
    """Raise :class:`SchemaError` naming every column of ``columns`` missing from ``frame``.

    Parameters
    ----------
    frame : pandas.DataFrame
        The input table.
    columns : iterable of str
        Columns the analysis reads.
    kind : str
        The layer kind of ``frame`` (``population-counts``, ``sites`` ...), named in the message.
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(str(c) for c in frame.columns if c != "geometry") or "none"
        raise SchemaError(
            kind,
            [
                f"missing column(s) {', '.join(missing)} needed by the analysis "
                f"(columns found: {found}); read the layer from a deerhabitat store, "
                f"or add the columns"
            ],
        )
