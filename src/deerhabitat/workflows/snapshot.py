"""Taking the snapshot ``analyze``, ``map`` and ``report`` share: the store read once, then projected once."""

from __future__ import annotations

import os

from deerhabitat import analysis as an
from deerhabitat.config import resolve_store
from deerhabitat.io.snapshot import StoreSnapshot, read_snapshot
from deerhabitat.schema import LayerKind

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
