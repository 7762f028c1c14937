"""A store read in one pass: layers, settings, provenance, national reports, rasters, cycles, WP catalogue.

``analyze``, ``map`` and ``report`` all work from one :class:`StoreSnapshot`, so a report reads each
layer once and opens the store a bounded number of times, however many analyses, maps and tables
it makes. The snapshot is plain data: nothing in it refers back to the file. Projection into the
analysis CRS is computation and happens in :mod:`deerhabitat.analysis`; the workflow that takes the
snapshot stores the projected layers in :attr:`StoreSnapshot.projected`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import geopandas as gpd
import pandas as pd

from deerhabitat.config import StoreChoice, StoreConfig
from deerhabitat.io.store import Store, empty_layer
from deerhabitat.io.work_programme import bundled_catalogue
from deerhabitat.schema import DATASET_KINDS, LayerKind


@dataclass(frozen=True)
class StoreSnapshot:
    """Everything a publication draws from a store, read once.

    Attributes
    ----------
    path : pathlib.Path or str
        The store read: its GeoPackage file, or its database URL (what reopens it).
    bundled : bool
        Whether it is the read-only store shipped in the package.
    config : StoreConfig
        Its settings (species, analysis CRS, generalisation cell, stale years).
    layers : mapping of LayerKind to geopandas.GeoDataFrame
        Every layer present, in EPSG:4326, columns typed as in the schema.
    provenance : pandas.DataFrame
        The provenance log, one row per write, oldest first.
    reports : pandas.DataFrame
        The national report records (:meth:`Store.national_reports` columns) plus ``parsed``: the
        checked report (a dict) on the latest version of each country and period, None on older ones.
    rasters : pandas.DataFrame
        The rasters registered in the store (:meth:`Store.rasters` columns).
    cycles : pandas.DataFrame
        The reporting cycles opened in the store (:meth:`Store.reporting_cycles` columns: periods
        and deadlines); empty when none was opened.
    catalogue : pandas.DataFrame
        The Work Programme catalogue the store uses (its own, else the bundled one of its species;
        :func:`deerhabitat.io.work_programme.store_catalogue`).
    name : str
        A short name of the store (the file name, or the database name).
    shown : str
        The store's location for messages and outputs (a database password masked).
    texts : mapping of str to str
        The report texts the author set in the store (:meth:`Store.report_texts`).
    projected : mapping of LayerKind to geopandas.GeoDataFrame
        Layers projected into the analysis CRS (filled by the workflow with
        :func:`deerhabitat.analysis.project_layers`; empty until then).
    """

    path: Path | str
    bundled: bool
    config: StoreConfig
    layers: Mapping[LayerKind, gpd.GeoDataFrame]
    provenance: pd.DataFrame
    reports: pd.DataFrame
    rasters: pd.DataFrame
    cycles: pd.DataFrame = field(default_factory=pd.DataFrame)
    catalogue: pd.DataFrame = field(default_factory=pd.DataFrame)
    texts: Mapping[str, str] = field(default_factory=dict)
    name: str = ""
    shown: str = ""
    projected: Mapping[LayerKind, gpd.GeoDataFrame] = field(default_factory=dict)
    big_layers: frozenset[LayerKind] = frozenset()
    content_key: str = ""

    def has(self, kind: LayerKind) -> bool:
        """Whether the store holds a layer of ``kind`` (it may be empty; a big layer: some records)."""
        return kind in self.layers or kind in self.big_layers

    def layer(self, kind: LayerKind) -> gpd.GeoDataFrame:
        """The layer of ``kind``; an empty layer with the schema's columns when the store has none."""
        return self.layers[kind] if kind in self.layers else empty_layer(kind)

    def with_projected(self, projected: Mapping[LayerKind, gpd.GeoDataFrame]) -> StoreSnapshot:
        """A copy holding ``projected`` (layers in the analysis CRS)."""
        return replace(self, projected=dict(projected))


def read_snapshot(choice: StoreChoice) -> StoreSnapshot:
    """Read a store in one pass.

    Parameters
    ----------
    choice : StoreChoice
        Which store (see :func:`deerhabitat.config.resolve_store`); only read.

    Returns
    -------
    StoreSnapshot

    Raises
    ------
    StoreError
        If the file does not exist or is not a deerhabitat store.
    """
    store = Store(choice.path, readonly=choice.bundled)
    with store.reading():
        config = store.config
        catalogue = store.work_programme()
        return StoreSnapshot(
            path=store.location,
            bundled=choice.bundled,
            config=config,
            layers={kind: store.read(kind) for kind in store.kinds()},
            provenance=store.provenance(),
            reports=_reports(store),
            rasters=store.rasters(),
            cycles=store.reporting_cycles(),
            catalogue=catalogue if catalogue is not None else bundled_catalogue(config.scientific_name),
            texts=store.report_texts(),
            name=store.name,
            shown=store.shown,
            big_layers=frozenset(kind for kind in DATASET_KINDS if store.has(kind)),
            content_key=store.content_key(),
        )


def _reports(store: Store) -> pd.DataFrame:
    """Every report record kept, with ``parsed`` (the checked report) on the latest versions."""
    records = store.national_reports()
    parsed = [
        store.national_report(
            row.country, period=(int(row.period_start), int(row.period_end)), version=int(row.version)
        ).report
        if row.latest
        else None
        for row in records.itertuples(index=False)
    ]
    return records.assign(parsed=pd.Series(parsed, index=records.index, dtype=object))
