"""The raster grid every habitat computation works on, and its blocks.

A :class:`Grid` is a north-up pixel grid: an affine transform, a size and a CRS. It is what the land-cover
raster defines in Area of Habitat, and every other input (elevation, covariates, range polygons) is brought
onto it. :meth:`Grid.blocks` cuts it into windows so that rasters bigger than memory are processed one block
at a time; :meth:`Grid.subgrid` gives the grid of one window.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyproj
import shapely
from affine import Affine

from deerhabitat.crs import describe_crs
from deerhabitat.errors import AnalysisError

DEFAULT_BLOCK_SIZE = 2048
"""Default block edge in pixels: a 2048 x 2048 block of float64 is 32 MiB."""


@dataclass(frozen=True)
class Window:
    """A rectangle of pixels of a grid: row and column offsets and size."""

    row_off: int
    col_off: int
    height: int
    width: int

    @property
    def slices(self) -> tuple[slice, slice]:
        """Row and column slices of this window in an array of the whole grid."""
        return (
            slice(self.row_off, self.row_off + self.height),
            slice(self.col_off, self.col_off + self.width),
        )


@dataclass(frozen=True)
class Grid:
    """A north-up raster grid.

    Parameters
    ----------
    transform : affine.Affine
        Pixel-to-CRS transform; must be north-up (no rotation, negative pixel height).
    width, height : int
        Size in pixels.
    crs : pyproj.CRS
        The CRS of the grid (any projected or geographic CRS).

    Examples
    --------
    >>> from affine import Affine
    >>> g = Grid(Affine(1000, 0, 0, 0, -1000, 5000), 4, 5, pyproj.CRS("EPSG:6933"))
    >>> g.bounds
    (0.0, 0.0, 4000.0, 5000.0)
    >>> [w.height for w in g.blocks(2)]
    [2, 2, 2, 2, 1, 1]
    """

    transform: Affine
    width: int
    height: int
    crs: pyproj.CRS

    def __post_init__(self) -> None:
        t = self.transform
        if t.b != 0 or t.d != 0 or t.a <= 0 or t.e >= 0:
            raise AnalysisError(
                f"the raster grid is rotated or not north-up (transform {tuple(t)[:6]}); deerhabitat needs a "
                f"north-up grid (no rotation, rows from north to south). Warp it first, for example "
                f"`gdalwarp -t_srs <its CRS> in.tif out.tif`."
            )
        if self.width < 1 or self.height < 1:
            raise AnalysisError(
                f"the raster grid is {self.width} x {self.height} pixels; it needs at least "
                f"one pixel. Give a raster with data."
            )

    @property
    def shape(self) -> tuple[int, int]:
        """``(height, width)``, the shape of an array of the grid."""
        return (self.height, self.width)

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """``(xmin, ymin, xmax, ymax)`` in the grid's CRS."""
        t = self.transform
        return (t.c, t.f + t.e * self.height, t.c + t.a * self.width, t.f)

    @property
    def box(self) -> shapely.Polygon:
        """The grid's extent as a polygon in its CRS."""
        return shapely.box(*self.bounds)

    def subgrid(self, window: Window) -> Grid:
        """Return the grid of one window (same CRS and resolution)."""
        t = self.transform @ Affine.translation(window.col_off, window.row_off)
        return Grid(t, window.width, window.height, self.crs)

    def blocks(self, block_size: int = DEFAULT_BLOCK_SIZE) -> Iterator[Window]:
        """Cut the grid into windows of at most ``block_size`` x ``block_size`` pixels, row by row.

        Raises
        ------
        AnalysisError
            If ``block_size`` is smaller than 1.
        """
        if block_size < 1:
            raise AnalysisError(
                f"block_size={block_size}; it must be a whole number of pixels of at least 1. "
                f"Use the default ({DEFAULT_BLOCK_SIZE}) unless memory is very short."
            )
        for row in range(0, self.height, block_size):
            for col in range(0, self.width, block_size):
                yield Window(row, col, min(block_size, self.height - row), min(block_size, self.width - col))

    def centres(self) -> tuple[np.ndarray, np.ndarray]:
        """Return the x and y coordinates of every pixel centre, as two arrays of the grid's shape."""
        t = self.transform
        cols = t.c + t.a * (np.arange(self.width) + 0.5)
        rows = t.f + t.e * (np.arange(self.height) + 0.5)
        return np.meshgrid(cols, rows)

    def describe(self) -> dict:
        """Describe the grid as plain JSON-ready data (CRS as WKT, transform as 6 numbers)."""
        return {
            "width": self.width,
            "height": self.height,
            "transform": list(self.transform)[:6],
            "crs": self.crs.to_wkt(),
            "crs_name": describe_crs(self.crs),
            "bounds": list(self.bounds),
        }
