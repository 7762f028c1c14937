"""The PostGIS backend of the store (being written)."""

from __future__ import annotations

from deerhabitat.errors import StoreError
from deerhabitat.io.store import Store, StoreLocation, shown_location


class PostgisStore(Store):
    """A deerhabitat store in a PostGIS database."""

    def __init__(self, location: StoreLocation, /, **kwargs: object) -> None:
        raise StoreError(f"{shown_location(location)!r}: PostGIS stores are not available yet")
