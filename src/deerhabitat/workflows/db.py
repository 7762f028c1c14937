"""``deerhabitat db roles``: the database roles of a PostGIS store, with the public profile as SQL views."""

from __future__ import annotations

import os
from collections.abc import Mapping

from deerhabitat.config import STORE_ENV, StoreConfig
from deerhabitat.errors import StoreError
from deerhabitat.io import postgis_roles
from deerhabitat.io.postgis_roles import RolesResult
from deerhabitat.publish.public_views import PUBLIC_KINDS, TableColumns, public_view_query, table_for
from deerhabitat.schema import LayerKind


def db_roles(store: str | None = None, *, passwords: Mapping[str, str] | None = None) -> RolesResult:
    """Create, or bring up to date, the roles ``deerhabitat_public``, ``_internal`` and ``_editor``.

    Parameters
    ----------
    store : str, optional
        ``postgresql://USER@HOST:PORT/DATABASE`` of the store (default: ``$DEERHABITAT_STORE``), connected to
        as a superuser or the store's owner with ``CREATEROLE``.
    passwords : mapping of str to str, optional
        Role name -> password, for the roles that log in themselves (the others are NOLOGIN roles granted
        to people's own logins).

    Returns
    -------
    RolesResult
        The roles created, the roles given a password and the public views.

    Raises
    ------
    StoreError
        If the store is not a PostGIS store, cannot be reached, or is not a deerhabitat store.
    """
    location = store or os.environ.get(STORE_ENV)
    if not location:
        raise StoreError(
            "db roles needs a PostGIS store: give --store postgresql://USER@HOST:PORT/DATABASE (or set "
            f"${STORE_ENV}); the bundled store is a read-only GeoPackage"
        )
    with postgis_roles.connect(location) as conn:
        schema = postgis_roles.store_schema(conn, location)
        config = StoreConfig.from_mapping(postgis_roles.read_config(conn, schema))
        tables = {
            name: TableColumns(t.name, t.columns, t.geometry, t.primary_key)
            for name, t in postgis_roles.describe_tables(conn, schema).items()
        }
        sites = table_for(LayerKind.SITES, tables)
        views = {}
        for kind in PUBLIC_KINDS:
            table = table_for(kind, tables)
            if table is not None:
                views[kind.table] = public_view_query(
                    kind, table, schema=schema, sites=sites, cell_m=config.generalise_m, crs=config.crs
                )
        return postgis_roles.apply_roles(conn, schema, views, passwords=passwords)
