"""Reading and writing: the GeoPackage store, vector files and rasters. Never imports analysis or publish.

The store's names below are imported on first use (:pep:`562`), so a light module of this package
(:mod:`deerhabitat.io.limits`, which the command line reads for its ``--help``) does not load
geopandas.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from deerhabitat.io.store import LayerInfo, Provenance, Store, WriteResult, file_sha256

__all__ = ["LayerInfo", "Provenance", "Store", "WriteResult", "file_sha256"]


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("deerhabitat.io.store"), name)
    globals()[name] = value
    return value
