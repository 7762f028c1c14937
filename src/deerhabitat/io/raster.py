"""Raster files: the only module that opens GeoTIFFs (reading by blocks, aligning grids, writing COGs).

- :func:`read_raster_info` checks a raster (exists, opens, has a CRS) and describes its grid.
- :class:`AlignedRasters` reads windows of several rasters on the grid of a reference raster (the land
  cover): a raster on the same grid is read as it is; any other is warped on the fly (GDAL WarpedVRT)
  with the resampling named for it, ``nearest`` for classes and ``bilinear`` for continuous values, so a
  raster bigger than memory is never loaded whole.
- :class:`RasterWriter` writes a raster block by block into a temporary tiled GeoTIFF and, when every block
  is written, turns it into a Cloud-Optimised GeoTIFF (GDAL ``COG`` driver: tiled 512, DEFLATE, overviews)
  that replaces the destination in one ``os.replace``.
- :func:`raster_record` describes a raster (path, sha256, role, CRS, grid) for the store's registry
  (:meth:`deerhabitat.io.store.StoreWriter.register_rasters`).

GDAL's block cache is capped at :data:`GDAL_CACHE_MB` while these objects are open, so memory stays
bounded whatever the raster size.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Protocol

import numpy as np
import pandas as pd
import pyproj
from affine import Affine

from deerhabitat.crs import describe_crs, parse_crs
from deerhabitat.errors import CRSError, InputFileError
from deerhabitat.io.store import RasterRecord, file_sha256

GDAL_CACHE_MB = 256
RESAMPLING_METHODS = ("nearest", "bilinear")
BUNDLED_RASTERS = "data/rasters"


class WindowLike(Protocol):
    """Anything with ``row_off``, ``col_off``, ``height`` and ``width`` (pixels), read-only or not."""

    @property
    def row_off(self) -> int:
        """First row."""
        ...

    @property
    def col_off(self) -> int:
        """First column."""
        ...

    @property
    def height(self) -> int:
        """Rows."""
        ...

    @property
    def width(self) -> int:
        """Columns."""
        ...


@dataclass(frozen=True)
class RasterInfo:
    """What a raster file is: its grid, band type and nodata.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    crs : pyproj.CRS
        Its CRS.
    transform : affine.Affine
        Pixel-to-CRS transform.
    width, height : int
        Size in pixels.
    dtype : str
        Data type of band 1.
    nodata : float or None
        Nodata value of band 1.
    count : int
        Number of bands (only band 1 is used).
    """

    path: Path
    crs: pyproj.CRS
    transform: Affine
    width: int
    height: int
    dtype: str
    nodata: float | None
    count: int

    def same_grid(self, other: RasterInfo) -> bool:
        """Whether ``other`` has the same CRS, size and (to 1e-9 of a pixel) the same transform."""
        if (self.width, self.height) != (other.width, other.height) or self.crs != other.crs:
            return False
        tol = 1e-9 * max(abs(self.transform.a), abs(self.transform.e))
        return all(
            math.isclose(a, b, abs_tol=tol) for a, b in zip(self.transform, other.transform, strict=True)
        )

    def describe(self) -> dict:
        """JSON-ready description: path, CRS name and WKT, size, transform, dtype, nodata."""
        nodata = (
            None
            if self.nodata is None or (isinstance(self.nodata, float) and math.isnan(self.nodata))
            else self.nodata
        )
        return {
            "path": str(self.path),
            "crs_name": describe_crs(self.crs),
            "crs": self.crs.to_wkt(),
            "width": self.width,
            "height": self.height,
            "transform": list(self.transform)[:6],
            "dtype": self.dtype,
            "nodata": nodata,
        }


def read_raster_info(path: str | os.PathLike, /, *, role: str = "raster") -> RasterInfo:
    """Open a raster, check it, and describe it.

    Parameters
    ----------
    path : path-like
        A GeoTIFF (or any raster GDAL reads).
    role : str, default "raster"
        What the raster is for (``landcover``, ``elevation`` ...), named in error messages.

    Returns
    -------
    RasterInfo

    Raises
    ------
    InputFileError
        If the file is missing or is not a raster GDAL can read.
    CRSError
        If the raster has no CRS.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    path = Path(path)
    if not path.is_file():
        raise InputFileError(
            f"the {role} raster {str(path)!r} does not exist; give the path of a GeoTIFF "
            f"(check the spelling and the working folder)."
        )
    try:
        with rasterio.open(path) as src:
            info = RasterInfo(
                path=path,
                crs=_dataset_crs(src, path, role),
                transform=src.transform,
                width=src.width,
                height=src.height,
                dtype=src.dtypes[0],
                nodata=src.nodata,
                count=src.count,
            )
    except RasterioIOError as exc:
        raise InputFileError(
            f"the {role} raster {str(path)!r} cannot be read as a raster ({exc}); give a "
            f"GeoTIFF, e.g. convert it with `gdal_translate in out.tif`."
        ) from exc
    return info


def _dataset_crs(src: Any, path: Path, role: str) -> pyproj.CRS:
    if src.crs is None:
        raise CRSError(
            f"the {role} raster {str(path)!r} has no CRS; deerhabitat never guesses one. Label it "
            f"with the CRS it is in, e.g. `gdal_edit.py -a_srs EPSG:32642 {path.name}`."
        )
    return parse_crs(src.crs.to_wkt(), origin=f"{role} raster {path.name}")


def _window(window: WindowLike) -> Any:
    from rasterio.windows import Window

    return Window(window.col_off, window.row_off, window.width, window.height)


class AlignedRasters:
    """Read windows of several rasters on the grid of a reference raster.

    Parameters
    ----------
    reference : RasterInfo
        The raster that defines the grid (the land cover); read as it is.
    others : mapping of str to (RasterInfo, str)
        Name -> (raster, resampling). ``resampling`` is ``nearest`` (classes) or ``bilinear``
        (continuous values). A raster on the reference grid is read as it is; any other is warped to it
        and read as float32 with NaN where it has no data.

    Examples
    --------
    ``with AlignedRasters(lc, {"elevation": (dem, "bilinear")}) as rasters: rasters.read("elevation", w)``
    """

    def __init__(
        self,
        reference: RasterInfo,
        others: Mapping[str, tuple[RasterInfo, str]] | None = None,
        *,
        reference_name: str = "landcover",
    ) -> None:
        self.reference = reference
        self.reference_name = reference_name
        self.others = dict(others or {})
        for name, (_, method) in self.others.items():
            if method not in RESAMPLING_METHODS:
                raise ValueError(f"resampling {method!r} for {name!r}; use one of {RESAMPLING_METHODS}")
        self._stack = contextlib.ExitStack()
        self._datasets: dict[str, Any] = {}

    def __enter__(self) -> AlignedRasters:
        import rasterio

        self._stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        self._datasets[self.reference_name] = self._stack.enter_context(rasterio.open(self.reference.path))
        for name, (info, method) in self.others.items():
            self._datasets[name] = self._open_aligned(info, method)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    def resampling(self, name: str) -> str:
        """How ``name`` reaches the reference grid: ``same grid``, or the resampling used to warp it."""
        info, method = self.others[name]
        return "same grid" if info.same_grid(self.reference) else method

    def _open_aligned(self, info: RasterInfo, method: str) -> Any:
        import rasterio
        from rasterio.enums import Resampling
        from rasterio.vrt import WarpedVRT

        src = self._stack.enter_context(rasterio.open(info.path))
        if info.same_grid(self.reference):
            return src
        ref = self.reference
        return self._stack.enter_context(
            WarpedVRT(
                src,
                crs=ref.crs.to_wkt(),
                transform=ref.transform,
                width=ref.width,
                height=ref.height,
                resampling=Resampling[method],
                src_nodata=src.nodata,
                nodata=float("nan"),
                dtype="float32",
            )
        )

    def read(self, name: str, window: WindowLike) -> tuple[np.ndarray, np.ndarray]:
        """Values and data mask (True where there is data) of raster ``name`` in ``window``."""
        dataset = self._datasets[name]
        win = _window(window)
        values = dataset.read(1, window=win)
        valid = dataset.read_masks(1, window=win) != 0
        if np.issubdtype(values.dtype, np.floating):
            valid &= np.isfinite(values)
        return values, valid


class RasterWriter:
    """Write a single-band raster block by block, then publish it as a Cloud-Optimised GeoTIFF.

    Parameters
    ----------
    path : path-like
        Destination ``.tif``; replaced atomically when the ``with`` block succeeds, untouched otherwise.
    crs : pyproj.CRS
        CRS of the grid.
    transform : affine.Affine
        Transform of the grid.
    width, height : int
        Size of the grid.
    dtype : str, default "float32"
        Band type.
    nodata : float, default NaN
        Nodata value (pixels never written keep it).
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        crs: pyproj.CRS,
        transform: Affine,
        width: int,
        height: int,
        dtype: str = "float32",
        nodata: float = float("nan"),
    ) -> None:
        self.path = Path(path)
        self.dtype = dtype
        self.profile = {
            "driver": "GTiff",
            "width": width,
            "height": height,
            "count": 1,
            "dtype": dtype,
            "crs": crs.to_wkt(),
            "transform": transform,
            "nodata": nodata,
            "tiled": True,
            "blockxsize": 512,
            "blockysize": 512,
            "compress": "deflate",
            "BIGTIFF": "IF_SAFER",
        }
        self._stack = contextlib.ExitStack()
        self._dataset: Any = None
        self._tmp: str | None = None

    def __enter__(self) -> RasterWriter:
        import rasterio

        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self._tmp = tempfile.mkstemp(
                prefix=f".{self.path.stem}.", suffix=".tmp.tif", dir=self.path.parent
            )
        except OSError as exc:
            raise InputFileError(
                f"cannot write into {str(self.path.parent)!r} ({exc.strerror}); choose an "
                f"output folder you can write to."
            ) from exc
        os.close(fd)
        self._stack.enter_context(rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB))
        self._dataset = rasterio.open(self._tmp, "w", **self.profile)
        return self

    def write(self, window: WindowLike, array: np.ndarray) -> None:
        """Write ``array`` (of the window's shape) into ``window``."""
        self._dataset.write(array.astype(self.dtype, copy=False), 1, window=_window(window))

    def __exit__(self, exc_type: type[BaseException] | None, *exc: object) -> None:
        tmp = self._tmp
        assert tmp is not None, "__exit__ runs only after __enter__ made the temporary file"
        try:
            self._dataset.close()
            if exc_type is None:
                _publish_cog(Path(tmp), self.path)
        finally:
            self._stack.close()
            with contextlib.suppress(FileNotFoundError):
                os.remove(tmp)


def _publish_cog(source: Path, destination: Path) -> None:
    import rasterio.shutil
    from rasterio.errors import RasterioError

    fd, tmp = tempfile.mkstemp(prefix=f".{destination.stem}.", suffix=".cog.tif", dir=destination.parent)
    os.close(fd)
    try:
        rasterio.shutil.copy(
            source,
            tmp,
            driver="COG",
            COMPRESS="DEFLATE",
            BLOCKSIZE=512,
            OVERVIEWS="AUTO",
            BIGTIFF="IF_SAFER",
            NUM_THREADS="2",
        )
        os.replace(tmp, destination)
    except (RasterioError, OSError) as exc:
        raise InputFileError(
            f"cannot write the raster {str(destination)!r} ({exc}); check the folder is "
            f"writable and has space."
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)


def write_raster(
    path: str | os.PathLike,
    array: np.ndarray,
    *,
    crs: pyproj.CRS,
    transform: Affine,
    nodata: float = float("nan"),
) -> Path:
    """Write an in-memory 2-D array as a Cloud-Optimised GeoTIFF (see :class:`RasterWriter`)."""
    height, width = array.shape
    with RasterWriter(
        path, crs=crs, transform=transform, width=width, height=height, dtype=str(array.dtype), nodata=nodata
    ) as writer:
        writer.write(SimpleNamespace(row_off=0, col_off=0, height=height, width=width), array)
    return Path(path)


def read_raster(
    path: str | os.PathLike, /, *, role: str = "raster"
) -> tuple[np.ndarray, np.ndarray, RasterInfo]:
    """Read band 1 of a raster whole: values, data mask (True where data) and :class:`RasterInfo`.

    For rasters that fit in memory; use :class:`AlignedRasters` for the others.
    """
    import rasterio

    info = read_raster_info(path, role=role)
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(info.path) as src:
        values = src.read(1)
        valid = src.read_masks(1) != 0
    if np.issubdtype(values.dtype, np.floating):
        valid &= np.isfinite(values)
    return values, valid, info


def read_display_image(
    path: str | os.PathLike, /, *, max_size: int = 1024, dst_crs: str = "EPSG:3857"
) -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Read a raster warped for web display: float32 values (NaN = no data) and lon/lat bounds.

    The image is in ``dst_crs`` (Web Mercator, as Leaflet draws an image overlay), at most ``max_size``
    pixels on its long side, resampled with ``nearest``. For display only: never measure areas on it.

    Returns
    -------
    tuple
        ``(array, (south, west, north, east))`` in degrees.
    """
    import rasterio
    from rasterio.enums import Resampling
    from rasterio.vrt import WarpedVRT

    info = read_raster_info(path)
    with (
        rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB),
        rasterio.open(info.path) as src,
        WarpedVRT(
            src,
            crs=dst_crs,
            resampling=Resampling.nearest,
            src_nodata=src.nodata,
            nodata=float("nan"),
            dtype="float32",
        ) as vrt,
    ):
        scale = max(vrt.width, vrt.height) / max_size
        shape = (max(1, round(vrt.height / max(scale, 1))), max(1, round(vrt.width / max(scale, 1))))
        array = vrt.read(1, out_shape=shape, resampling=Resampling.nearest)
        left, bottom, right, top = vrt.bounds
    to_lonlat = pyproj.Transformer.from_crs(dst_crs, "EPSG:4326", always_xy=True)
    west, south = to_lonlat.transform(left, bottom)
    east, north = to_lonlat.transform(right, top)
    return array, (south, west, north, east)


def bundled_raster_path(name: str) -> Path:
    """Path of a sample raster shipped with the package (``landcover.tif``, ``elevation.tif`` ...)."""
    return Path(str(resources.files("deerhabitat") / BUNDLED_RASTERS / name))


def read_class_table(path: str | os.PathLike, /) -> pd.DataFrame:
    """Read a land-cover class table (CSV with columns ``value``, ``name``, ``suitable``), sorted by value.

    Raises
    ------
    InputFileError
        If the file is missing or lacks a column.
    """
    path = Path(path)
    try:
        table = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputFileError(
            f"cannot read the class table {str(path)!r} ({exc}); give a CSV with columns value,name,suitable."
        ) from exc
    missing = {"value", "name", "suitable"} - set(table.columns)
    if missing:
        raise InputFileError(
            f"the class table {str(path)!r} lacks column(s) {', '.join(sorted(missing))} "
            f"(found: {', '.join(map(str, table.columns))}); it needs value,name,suitable."
        )
    table["suitable"] = table["suitable"].astype(str).str.strip().str.lower().isin(["true", "1", "yes"])
    return table.sort_values("value").reset_index(drop=True)


def raster_record(info: RasterInfo, role: str, *, command: str = "") -> RasterRecord:
    """Describe ``info`` for the registry (hashes the file)."""
    described = info.describe()
    return RasterRecord(
        role=role,
        path=str(info.path.resolve()),
        sha256=file_sha256(info.path),
        crs_name=describe_crs(info.crs),
        crs_wkt=info.crs.to_wkt(),
        width=info.width,
        height=info.height,
        transform=json.dumps(described["transform"]),
        dtype=info.dtype,
        nodata=described["nodata"],
        command=command,
    )
