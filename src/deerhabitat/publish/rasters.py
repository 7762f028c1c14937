"""Habitat rasters coloured for display: a transparent PNG and its legend ramp.

The array comes from :func:`deerhabitat.io.raster.read_display_image`, already warped to Web Mercator
(the grid Leaflet stretches an image over) and reduced for the page; it is for display only, never
for measuring. Cells without data, and cells at or below ``transparent_at_or_below`` (no habitat),
are transparent.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_hex

from deerhabitat.i18n import format_measure
from deerhabitat.publish.layers import GROUP_HABITAT, RasterLayer
from deerhabitat.publish.map_text import text

SUITABILITY_RAMP: tuple[str, ...] = ("#ffffcc", "#c2e699", "#78c679", "#31a354", "#006837")
AOH_RAMP: tuple[str, ...] = ("#fee6ce", "#fdae6b", "#e6550d")


def colour_array(
    values: np.ndarray,
    *,
    value_range: tuple[float, float],
    ramp: Sequence[str],
    transparent_at_or_below: float | None = None,
) -> np.ndarray:
    """RGBA bytes of ``values`` on a colour ramp; NaN (and values at or below a threshold) transparent.

    Examples
    --------
    >>> rgba = colour_array(np.array([[0.0, 1.0, np.nan]]), value_range=(0, 1), ramp=("#000000", "#ffffff"))
    >>> rgba[0, :, 0].tolist(), rgba[0, :, 3].tolist()
    ([0, 255, 0], [255, 255, 0])
    """
    low, high = value_range
    scaled = np.clip((values.astype("float64") - low) / ((high - low) or 1.0), 0.0, 1.0)
    cmap = LinearSegmentedColormap.from_list("deerhabitat", list(ramp), N=256)
    rgba = (cmap(np.nan_to_num(scaled, nan=0.0)) * 255).round().astype("uint8")
    hidden = ~np.isfinite(values)
    if transparent_at_or_below is not None:
        hidden |= np.nan_to_num(values, nan=transparent_at_or_below) <= transparent_at_or_below
    rgba[hidden, 3] = 0
    return rgba


def png_bytes(rgba: np.ndarray) -> bytes:
    """Encode RGBA bytes as PNG (same array, same bytes)."""
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, rgba, format="png", metadata={"Software": "deerhabitat (matplotlib)"})
    return buffer.getvalue()


def build_raster_layer(
    values: np.ndarray,
    bounds: tuple[float, float, float, float],
    *,
    layer_id: str,
    title: str,
    kind: str,
    note: str = "",
) -> RasterLayer:
    """A :class:`RasterLayer` for the habitat map.

    Parameters
    ----------
    values : numpy.ndarray
        2-D float values in Web Mercator, NaN where there is no data.
    bounds : tuple of float
        ``(south, west, north, east)`` in degrees, as :func:`deerhabitat.io.raster.read_display_image` gives.
    layer_id, title : str
        Layer identifier and name.
    kind : {"suitability", "aoh"}
        ``suitability``: 0–1 on a green ramp, 0 transparent; ``aoh``: habitat fraction or area, its
        range from the data, 0 transparent.
    note : str
        Sentence under the legend.

    Raises
    ------
    ValueError
        If ``kind`` is not suitability or aoh, or ``values`` is not 2-D.
    """
    if kind not in ("suitability", "aoh"):
        raise ValueError(f"kind={kind!r}; use 'suitability' or 'aoh'")
    if values.ndim != 2:
        raise ValueError(f"values must be a 2-D array, got shape {values.shape}")
    finite = values[np.isfinite(values)]
    if kind == "suitability":
        value_range, ramp = (0.0, 1.0), SUITABILITY_RAMP
        labels = (text("map.legend.suitability_low"), text("map.legend.suitability_high"))
    else:
        top = float(finite.max()) if finite.size else 1.0
        value_range, ramp = (0.0, top or 1.0), AOH_RAMP
        labels = ("0", text("map.legend.aoh_high", top=format_measure(top)))
    rgba = colour_array(values, value_range=value_range, ramp=ramp, transparent_at_or_below=0.0)
    south, west, north, east = bounds
    return RasterLayer(
        layer_id,
        title,
        GROUP_HABITAT,
        png_bytes(rgba),
        (west, south, east, north),
        tuple(to_hex(c) for c in ramp),
        labels,
        note=note,
    )
