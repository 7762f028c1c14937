"""The publication data: a store's layers and results with the publishing profile applied, in one place.

:func:`prepare_data` is the only function that applies the profile. Every map, table, chart, CSV,
static image and embed snippet is built from the :class:`~deerhabitat.publish.data.PublishData` it
returns, so an output added later is protected without its author having to remember. In the
``public`` profile (the default) it:

- generalises every wild-population position of the layers (:func:`generalise_layers`: 10 km
  equal-area cells, schema columns only) and shows candidate sites as whole cells with distances
  rounded to the cell (:func:`generalise_areas`);
- rounds every distance of the analysis tables (``*distance*_km`` columns) to whole kilometres;
- withholds every position written in text (:func:`withhold_positions`) in every text cell: layers,
  analysis tables, national reports (their parsed text too), provenance, candidate sites;
- publishes the occurrences (GBIF records, camera traps, telemetry fixes) only as counts per hexagon of
  an equal-area grid, hexagons with fewer than :data:`~deerhabitat.publish.density.MIN_RECORDS` records
  suppressed (:mod:`deerhabitat.publish.density`); no record and no telemetry track is published.

In the ``internal`` profile the occurrences are published as hexagons (none suppressed), as points and
as one telemetry track per collared animal.

In every profile, the provenance log and the national reports name their files by file name only,
never by a local path.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import geopandas as gpd
import pandas as pd

from deerhabitat.config import StoreConfig
from deerhabitat.publish.data import Corridors, PublishData
from deerhabitat.publish.density import (
    HEX_M,
    MIN_RECORDS,
    OccurrenceBatches,
    hex_density,
    occurrence_points,
    telemetry_tracks,
)
from deerhabitat.publish.generalise import Profile, generalise_areas, generalise_layers, withhold_positions
from deerhabitat.publish.layers import RasterLayer
from deerhabitat.schema import LayerKind


@dataclass(frozen=True)
class ExactResults:
    """What a publication shows besides the layers, exactly as computed (before the profile).

    Attributes
    ----------
    tables : mapping of str to pandas.DataFrame
        The analysis tables (:data:`deerhabitat.workflows.analyze.TABLES`).
    reference_year : int or None
        The latest year with a wild count.
    site_years : pandas.DataFrame, optional
        The figure of each site in each year (:func:`deerhabitat.analysis.site_year_counts`).
    habitat : tuple of RasterLayer
        Habitat rasters ready for display.
    candidates : geopandas.GeoDataFrame, optional
        Candidate reintroduction sites (polygons).
    reports : pandas.DataFrame, optional
        National report records with ``parsed`` on the latest versions.
    provenance : pandas.DataFrame, optional
        The store's provenance log.
    corridors : Corridors, optional
        Least-cost corridors between the populations, computed in the profile being published (the
        public profile drops corridors computed from exact positions).
    occurrences : geopandas.GeoDataFrame or callable, optional
        The occurrences layer (points with ``kind``, ``animal_id``, ``date``), or a callable yielding it
        batch by batch (a lazy layer). An ``occurrences`` entry of ``layers`` is used when this is None.
    """

    tables: Mapping[str, pd.DataFrame] = field(default_factory=dict)
    reference_year: int | None = None
    site_years: pd.DataFrame | None = None
    habitat: tuple[RasterLayer, ...] = ()
    candidates: gpd.GeoDataFrame | None = None
    reports: pd.DataFrame | None = None
    provenance: pd.DataFrame | None = None
    corridors: Corridors | None = None
    occurrences: gpd.GeoDataFrame | OccurrenceBatches | None = None


def prepare_data(
    layers: Mapping[LayerKind, gpd.GeoDataFrame],
    config: StoreConfig,
    *,
    profile: Profile | str = Profile.PUBLIC,
    results: ExactResults | None = None,
) -> PublishData:
    """Apply the profile to a store's layers and results: the first step of every publication.

    Parameters
    ----------
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        The store's layers in EPSG:4326. Not modified.
    config : StoreConfig
        The store's settings (generalisation cell, analysis CRS).
    profile : Profile or str, default "public"
        ``public`` protects wild-population positions (see the module docstring); ``internal`` keeps them.
    results : ExactResults, optional
        Analysis tables, national reports, provenance, habitat and candidate sites. Not modified.

    Returns
    -------
    PublishData
        The only data maps, tables and charts are built from.
    """
    profile = Profile(profile)
    results = results or ExactResults()
    reports, provenance = _file_names(results.reports, results.provenance)
    tables = {name: _frame(frame) for name, frame in results.tables.items()}
    site_years = _frame(results.site_years) if results.site_years is not None else None
    candidates = results.candidates
    corridors = _corridors(results.corridors, profile)
    layers, occurrences = _without_occurrences(layers, results.occurrences)
    density = fixes = tracks = None
    if occurrences is not None:
        density = hex_density(
            occurrences,
            hex_m=HEX_M or config.generalise_m,
            crs=config.crs,
            min_records=MIN_RECORDS if profile is Profile.PUBLIC else 1,
        )
        if profile is Profile.INTERNAL:
            fixes = occurrence_points(occurrences)
            tracks = telemetry_tracks(fixes)
    if profile is Profile.PUBLIC:
        layers = {
            k: _withhold(f)
            for k, f in generalise_layers(layers, cell_m=config.generalise_m, crs=config.crs).items()
        }
        tables = {name: _withhold(_round_distances(frame)) for name, frame in tables.items()}
        site_years = _withhold(site_years) if site_years is not None else None
        candidates = _public_candidates(candidates, config) if candidates is not None else None
        reports = _withhold(reports, deep=True) if reports is not None else None
        provenance = _withhold(provenance) if provenance is not None else None
    return PublishData(
        dict(layers),
        config,
        profile,
        habitat=tuple(results.habitat),
        candidates=candidates,
        site_years=site_years,
        tables=tables,
        reference_year=results.reference_year,
        reports=reports,
        provenance=provenance,
        corridors=corridors,
        occurrence_density=density,
        occurrences=fixes,
        tracks=tracks,
    )


def _without_occurrences(
    layers: Mapping[LayerKind, gpd.GeoDataFrame], occurrences: gpd.GeoDataFrame | OccurrenceBatches | None
) -> tuple[dict[LayerKind, gpd.GeoDataFrame], gpd.GeoDataFrame | OccurrenceBatches | None]:
    """The layers without the occurrences (published only through :mod:`~deerhabitat.publish.density`)."""
    kept = {k: v for k, v in layers.items() if str(getattr(k, "value", k)) != "occurrences"}
    if occurrences is None:
        occurrences = next((v for k, v in layers.items() if k not in kept), None)
    return kept, occurrences


_CORRIDOR_LOCAL = ("store", "raster", "outputs", "transform_file", "registered_in_store", "excluded_sites")
"""Entries of ``corridors.json`` a publication leaves out: local paths and sites not joined."""


def _corridors(corridors: Corridors | None, profile: Profile) -> Corridors | None:
    """Corridors without local paths, prepared for the profile.

    In the public profile only corridors computed from generalised positions are kept (None otherwise),
    with every position written in their text withheld.
    """
    if corridors is None:
        return None
    if profile is Profile.PUBLIC and corridors.summary.get("profile") != Profile.PUBLIC.value:
        return None
    summary = {k: v for k, v in corridors.summary.items() if k not in _CORRIDOR_LOCAL}
    frames = (corridors.paths, corridors.zones, corridors.populations)
    if profile is Profile.PUBLIC:
        summary = _clean(summary, withhold_positions, deep=True)
        frames = tuple(_withhold(f) for f in frames)
    return Corridors(summary, *frames)


def _frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A plain table: attributes only, never a geometry."""
    return pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).reset_index(drop=True)


_DISTANCE = re.compile(r"distance.*_km$")


def _round_distances(frame: pd.DataFrame) -> pd.DataFrame:
    columns = [c for c in frame.columns if _DISTANCE.search(str(c))]
    if not columns:
        return frame
    return frame.assign(**{c: pd.to_numeric(frame[c], errors="coerce").round(0) for c in columns})


def _public_candidates(frame: gpd.GeoDataFrame, config: StoreConfig) -> gpd.GeoDataFrame:
    """Candidate areas as whole grid cells, distances rounded to the cell size, text positions withheld."""
    out = generalise_areas(frame, cell_m=config.generalise_m, crs=config.crs)
    cell_km = config.generalise_m / 1000.0
    for column in [c for c in out.columns if _DISTANCE.search(str(c))]:
        out[column] = [None if pd.isna(v) else round(float(v) / cell_km) * cell_km for v in out[column]]
    return _withhold(out)


def _clean(value: Any, text: Callable[[str], str], *, deep: bool) -> Any:
    if isinstance(value, str):
        return text(value)
    if deep and isinstance(value, dict):
        return {k: _clean(v, text, deep=deep) for k, v in value.items()}
    if deep and isinstance(value, list):
        return [_clean(v, text, deep=deep) for v in value]
    return value


def _map_text(
    frame: pd.DataFrame, columns: list[str], text: Callable[[str], str], *, deep: bool
) -> pd.DataFrame:
    out = frame.copy()
    for column in columns:
        out[column] = pd.Series(
            [_clean(v, text, deep=deep) for v in frame[column]], index=frame.index, dtype=frame[column].dtype
        )
    return out


def _withhold(frame: pd.DataFrame, *, deep: bool = False) -> pd.DataFrame:
    """``frame`` with every position written in its text cells withheld (in dicts and lists if ``deep``)."""
    geometry = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    columns = [
        c
        for c in frame.columns
        if c != geometry
        and (pd.api.types.is_object_dtype(frame[c]) or pd.api.types.is_string_dtype(frame[c]))
    ]
    return _map_text(frame, columns, withhold_positions, deep=deep)


_ABSOLUTE_DIRECTORY = re.compile(r"(?<![\w:/\\])(?:[A-Za-z]:[\\/]|~?[\\/])(?:[^\s\\/;,'\"]+[\\/])+")


def file_name(value: object) -> object:
    r"""The file name of a path (``data/sources/sites.csv`` -> ``sites.csv``); other values unchanged.

    Examples
    --------
    >>> file_name("/home/ana/reports/UZB-2020-2023.yaml"), file_name(r"C:\data\sites.csv"), file_name(None)
    ('UZB-2020-2023.yaml', 'sites.csv', None)
    """
    if not isinstance(value, str) or not value:
        return value
    return PureWindowsPath(value).name if "\\" in value else PurePosixPath(value).name


def _file_names(
    reports: pd.DataFrame | None, provenance: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """Provenance and report records naming files by file name, with no absolute folder in their notes."""

    def no_folders(text: str) -> str:
        return _ABSOLUTE_DIRECTORY.sub("", text)

    if provenance is not None:
        provenance = (
            provenance.assign(source_file=provenance["source_file"].map(file_name))
            if "source_file" in provenance
            else provenance
        )
        provenance = _map_text(provenance, [c for c in ("note",) if c in provenance], no_folders, deep=False)
    if reports is not None and "filename" in reports:
        reports = reports.assign(filename=reports["filename"].map(file_name))
        reports = _map_text(reports, [c for c in ("note",) if c in reports], no_folders, deep=False)
    return reports, provenance
