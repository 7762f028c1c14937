"""Opening and creating stores (``init``, ``layers``)."""

from __future__ import annotations

import os
from dataclasses import replace

from deerhabitat.config import StoreConfig, resolve_store
from deerhabitat.io import LayerInfo, Store


def open_store(store: str | os.PathLike | None = None, *, write: bool = False) -> Store:
    """Open the store chosen by :func:`deerhabitat.config.resolve_store`.

    Parameters
    ----------
    store : path-like, optional
        Explicit store path; else ``$DEERHABITAT_STORE``; else the bundled store (read-only).
    write : bool, default False
        Open for writing: the bundled store then raises :class:`~deerhabitat.errors.StoreError`.
    """
    choice = resolve_store(store)
    return Store(choice.path, readonly=choice.bundled and write) if write else Store(choice.path)


def init(path: str | os.PathLike, *, analysis_crs: str | None = None, species: str | None = None) -> Store:
    """Create a new, empty store (``deerhabitat init PATH``).

    Parameters
    ----------
    path : path-like
        The new GeoPackage (must end in ``.gpkg`` and not exist).
    analysis_crs : str, optional
        Equal-area CRS for areas; default Albers on Central Asia.
    species : str, optional
        Common name of the species; default Bukhara deer.
    """
    config = StoreConfig()
    if analysis_crs:
        config = replace(config, analysis_crs=analysis_crs)
    if species:
        config = replace(config, species=species)
    return Store.create(path, config=config)


def layers(*, store: str | os.PathLike | None = None) -> list[LayerInfo]:
    """List the layers of a store (``deerhabitat layers``)."""
    return open_store(store).layers()
