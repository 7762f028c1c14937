"""The map layers of the occurrences: hexagon density (every profile), records and tracks (internal only).

Built from :class:`~deerhabitat.publish.data.PublishData` after the profile was applied
(:func:`deerhabitat.publish.publication.prepare_data`): in the public profile ``data.occurrences`` and
``data.tracks`` are None, so only the hexagons can be drawn.
"""

from __future__ import annotations

from dataclasses import replace

import geopandas as gpd
import numpy as np
import pandas as pd

from deerhabitat.publish.data import PublishData
from deerhabitat.publish.generalise import Profile
from deerhabitat.publish.layers import GROUP_POPULATIONS, MapLayer
from deerhabitat.publish.map_text import text
from deerhabitat.publish.styles import Field, LayerStyle, Symbol

DENSITY_CLASSES = (
    (1, 4, "#fff5eb"),
    (5, 9, "#fdd0a2"),
    (10, 49, "#fdae6b"),
    (50, 249, "#f16913"),
    (250, 999, "#d94801"),
    (1000, None, "#7f2704"),
)
"""Classes of records per hexagon: lowest, highest (None: no limit) and fill colour."""


def _class_label(low: int, high: int | None) -> str:
    return f"{low:,} or more records" if high is None else f"{low:,}–{high:,} records"


def _class_text(low: int, high: int | None) -> str:
    """A class label in the current language (the English :func:`_class_label` stays the category value)."""
    if high is None:
        return text("map.legend.records_more", low=low)
    return text("map.legend.records_range", low=low, high=high)


def density_class(records: np.ndarray) -> list[str]:
    """The legend class of each hexagon's number of records.

    Examples
    --------
    >>> density_class(np.array([3, 5, 120, 5000]))
    ['1–4 records', '5–9 records', '50–249 records', '1,000 or more records']
    """
    lows = np.array([low for low, _, _ in DENSITY_CLASSES])
    index = np.searchsorted(lows, records, side="right") - 1
    return [_class_label(*DENSITY_CLASSES[i][:2]) for i in np.clip(index, 0, len(lows) - 1)]


DENSITY_STYLE = LayerStyle(
    "polygon",
    Symbol("Occurrence records", stroke="#8c2d04", fill="#fdae6b", fill_opacity=0.7, stroke_width_px=0.5),
    field="density_class",
    categories=tuple(
        (
            _class_label(low, high),
            Symbol(
                _class_label(low, high), stroke="#8c2d04", fill=colour, fill_opacity=0.7, stroke_width_px=0.5
            ),
        )
        for low, high, colour in DENSITY_CLASSES
    ),
)

KIND_COLOURS = {
    "telemetry": "#6a3d9a",
    "camera-trap": "#1f78b4",
    "observation": "#33a02c",
    "specimen": "#b15928",
    "sign": "#e31a1c",
}
RECORD_STYLE = LayerStyle(
    "point",
    Symbol("Occurrence (other kind)", stroke="#333333", fill="#999999", fill_opacity=0.8, radius_px=3.0),
    field="kind",
    categories=tuple(
        (kind, Symbol(f"Occurrence: {kind}", stroke=colour, fill=colour, fill_opacity=0.8, radius_px=3.0))
        for kind, colour in KIND_COLOURS.items()
    ),
)


def _density_style() -> LayerStyle:
    """:data:`DENSITY_STYLE` with its legend in the current language."""
    return replace(
        DENSITY_STYLE,
        categories=tuple(
            (value, replace(symbol, label=_class_text(low, high)))
            for (value, symbol), (low, high, _) in zip(DENSITY_STYLE.categories, DENSITY_CLASSES, strict=True)
        ),
    )


TRACK_STYLE = LayerStyle("line", Symbol("Telemetry track (fixes in time order)", stroke="#6a3d9a"))

DENSITY_FIELDS = (Field("title", "Occurrence density"), Field("records", "Records"))
RECORD_FIELDS = (
    Field("occurrence_id", "Occurrence"),
    Field("kind", "Kind"),
    Field("date_text", "Date"),
    Field("animal_id", "Animal"),
    Field("source", "Source"),
)
TRACK_FIELDS = (
    Field("animal_id", "Animal"),
    Field("fixes", "Fixes"),
    Field("first", "First fix"),
    Field("last", "Last fix"),
)


def density_layer(data: PublishData, *, visible: bool = True) -> MapLayer | None:
    """The hexagons with their number of records, or None without occurrences."""
    density = data.occurrence_density
    if density is None or density.hexagons.empty:
        return None
    frame = density.hexagons.copy()
    frame["density_class"] = density_class(frame["records"].to_numpy())
    frame["title"] = [text("map.value.records_here", count=n) for n in frame["records"].tolist()]
    return MapLayer(
        "occurrence-density",
        "Occurrences (records per hexagon)",
        GROUP_POPULATIONS,
        frame,
        _density_style(),
        DENSITY_FIELDS,
        visible=visible,
        note=density.note,
    )


def record_layers(data: PublishData, *, visible: bool = True) -> list[MapLayer]:
    """Internal profile: every record at its position and each animal's track (nothing in public)."""
    if data.profile is not Profile.INTERNAL:
        return []
    layers = []
    tracks = data.tracks
    if tracks is not None and not tracks.empty:
        layers.append(
            MapLayer(
                "telemetry-tracks",
                "Telemetry tracks",
                GROUP_POPULATIONS,
                tracks.reset_index(drop=True),
                TRACK_STYLE,
                TRACK_FIELDS,
                visible=visible,
                note=text("map.note.tracks"),
            )
        )
    records = data.occurrences
    if records is not None and not records.empty:
        layers.append(
            MapLayer(
                "occurrence-records",
                "Occurrence records",
                GROUP_POPULATIONS,
                _record_frame(records),
                RECORD_STYLE,
                RECORD_FIELDS,
                visible=visible,
                note=text("map.note.records"),
            )
        )
    return layers


def _record_frame(records: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    keep = [c for c in ("occurrence_id", "kind", "animal_id", "source") if c in records.columns]
    out = gpd.GeoDataFrame(records[keep].copy(), geometry=records.geometry.values, crs=records.crs)
    if "date" in records.columns:
        dates = pd.to_datetime(records["date"], errors="coerce", utc=True)
        out["date_text"] = dates.dt.strftime("%Y-%m-%d %H:%M").fillna("")
    return out
