"""Opening, creating and reading stores.

``init`` and ``layers``, and :func:`take_snapshot`, the snapshot that ``analyze``, ``map`` and ``report``
share: the store read once, then projected once.
"""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from deerhabitat import analysis as an
from deerhabitat.config import BUNDLED_STORE_NAME, StoreConfig, bundled_store_path, resolve_store
from deerhabitat.io import LayerInfo, Store
from deerhabitat.io.snapshot import StoreSnapshot, read_snapshot
from deerhabitat.io.store import is_database_url
from deerhabitat.schema import LayerKind


def open_store(store: str | os.PathLike | None = None, *, write: bool = False) -> Store:
    """Open the store chosen by :func:`deerhabitat.config.resolve_store`.

    Parameters
    ----------
    store : path-like, optional
        Explicit store path; else ``$DEERHABITAT_STORE``; else the bundled store (read-only).
    write : bool, default False
        The caller will write: a store that cannot be written (the bundled store however it is
        named, a file or folder without write permission) is refused now, before any work.

    Raises
    ------
    StoreError
        If the store does not exist or is not a deerhabitat store; with ``write``, ``read-only: ...``
        when it cannot be written.
    """
    choice = resolve_store(store)
    opened = Store(choice.path, readonly=choice.bundled)
    if write:
        opened.check_writable()
    return opened


def init(
    path: str | os.PathLike,
    *,
    analysis_crs: str | None = None,
    species: str | None = None,
    from_bundled: bool = False,
) -> Store:
    """Create a new store (``deerhabitat init PATH``): empty, or a writable copy of the bundled store.

    Parameters
    ----------
    path : path-like or str
        The new GeoPackage (must end in ``.gpkg`` and not exist), or a ``postgresql://`` URL of a
        database with no store in it. With ``from_bundled``, an existing
        folder is also accepted: the copy is written into it as ``bukhara-deer.gpkg``.
    analysis_crs : str, optional
        Equal-area CRS for areas; default Albers on Central Asia.
    species : str, optional
        Common name of the species; default Bukhara deer.
    from_bundled : bool, default False
        Copy the bundled Bukhara deer store (layers, provenance, national reports) instead of
        creating an empty one; ``analysis_crs`` and ``species`` then change its settings.
    """
    if from_bundled:
        if is_database_url(path):
            return Store.copy(bundled_store_path(), path, analysis_crs=analysis_crs, species=species)
        target = Path(path)
        if target.is_dir():
            target = target / BUNDLED_STORE_NAME
        return Store.copy(bundled_store_path(), target, analysis_crs=analysis_crs, species=species)
    config = StoreConfig()
    if analysis_crs:
        config = replace(config, analysis_crs=analysis_crs)
    if species:
        config = replace(config, species=species)
    return Store.create(path, config=config)


def copy(source: str | os.PathLike, target: str | os.PathLike, *, overwrite: bool = False) -> Store:
    """Copy a whole store to another location, GeoPackage or PostGIS (``deerhabitat copy SRC DST``).

    Every feature and attribute, the settings, the provenance log, national reports, rasters registry,
    QGIS styles, reporting cycles, report texts and Work Programme catalogue
    (:func:`deerhabitat.io.store_copy.copy_store`).

    Raises
    ------
    StoreError
        If ``source`` holds no store, or ``target`` holds one (or other tables) and ``overwrite`` is
        False.
    """
    from deerhabitat.io.store_copy import copy_store

    return copy_store(resolve_store(source).path, resolve_store(target).path, overwrite=overwrite)


def layers(*, store: str | os.PathLike | None = None) -> list[LayerInfo]:
    """List the layers of a store (``deerhabitat layers``)."""
    return open_store(store).layers()


PROJECTED = (
    LayerKind.POPULATION_COUNTS,
    LayerKind.SITES,
    LayerKind.PROTECTED_AREAS,
    LayerKind.RANGES,
    LayerKind.RANGE_STATES,
)
"""The layers the analyses use in the equal-area analysis CRS (an absent one is projected empty)."""

StoreLike = str | os.PathLike | StoreSnapshot | None
"""What ``analyze``, ``map_`` and ``report`` accept as ``store``: a path (None: the default) or a snapshot."""


def take_snapshot(store: StoreLike = None) -> StoreSnapshot:
    """The store read in one pass, with the analysed layers projected into its analysis CRS.

    Parameters
    ----------
    store : path-like or StoreSnapshot, optional
        A snapshot is returned as it is (projected if it was not); a path is resolved as every
        command does (explicit, else ``$DEERHABITAT_STORE``, else the bundled store).

    Raises
    ------
    StoreError
        If the store cannot be opened.
    CRSError
        If the store's analysis CRS does not preserve area.
    """
    snapshot = store if isinstance(store, StoreSnapshot) else read_snapshot(resolve_store(store))
    if snapshot.projected:
        return snapshot
    layers = {kind: snapshot.layer(kind) for kind in PROJECTED}
    return snapshot.with_projected(an.project_layers(layers, snapshot.config.crs))
