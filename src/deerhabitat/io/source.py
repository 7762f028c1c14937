"""What a reader returns: the features of one file, with what it found while reading them."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd

from deerhabitat.io.findings import Finding


@dataclass
class SourceLayer:
    """The features of one input file, before any check of the layer kind.

    Attributes
    ----------
    frame : geopandas.GeoDataFrame
        The features; its CRS is None when the file declares none.
    file_format : str
        Human name of the format read (``GeoPackage``, ``CSV`` ...).
    layer : str or None
        The layer, sheet or shapefile read, when the file holds several.
    crs_origin : str
        Where the CRS came from: ``file``, ``column names`` (longitude/latitude columns are degrees),
        ``EWKT`` (an ``SRID=`` prefix), or ``none``.
    findings : list of Finding
        Row problems found while reading (unparseable coordinates, ragged rows ...).
    text_attributes : bool
        Whether every attribute came as text (CSV, KML), so extra columns may be typed by content.
    """

    frame: gpd.GeoDataFrame
    file_format: str
    layer: str | None = None
    crs_origin: str = "file"
    findings: list[Finding] = field(default_factory=list)
    text_attributes: bool = False
