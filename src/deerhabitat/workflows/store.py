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
        Kept for callers that say they will write. The bundled store is always opened read-only
        (however it is named: by default, by path or through the environment), so a write to it
        raises :class:`~deerhabitat.errors.StoreError`.
    """
    choice = resolve_store(store)
    return Store(choice.path, readonly=choice.bundled)


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
