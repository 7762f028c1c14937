"""The public profile as SQL views of a PostGIS store, for the ``deerhabitat_public`` database role.

A web map server or a volunteer's QGIS connected as ``deerhabitat_public`` reads these views and nothing
else. Each view applies the same method as :func:`deerhabitat.publish.generalise.generalise_layers` and
:func:`~deerhabitat.publish.generalise.withhold_positions` (see :mod:`deerhabitat.publish.generalise`), in
SQL, so a position never leaves the server exactly:

- ``sites`` whose status is not ``captive``, ``population_counts`` unless both the count and its site are
  captive, and ``releases`` unless their destination site is captive: the geometry is projected to the
  store's equal-area analysis CRS (``ST_Transform`` to its WKT), reduced to its centroid, replaced by the
  centre of its cell (``(floor(x / cell) + 0.5) * cell``, the same for ``y``) and projected back to
  EPSG:4326; empty geometries become NULL (the column is ``geometry(Geometry, 4326)`` for QGIS).
  These views keep only the layer's schema columns, then the geometry, then a boolean ``generalised``.
- the occurrences get no view (the public profile publishes them only as counts per hexagon);
- every other layer keeps its columns (not a primary key that is not a schema column) and geometry.
- in every view, each text column has its written positions replaced by ``[position withheld]`` with
  PostgreSQL's ``regexp_replace`` and the very pattern of
  :data:`~deerhabitat.publish.generalise.POSITION_PATTERN`.

Each view reads a set-returning ``SECURITY DEFINER`` SQL function (:mod:`deerhabitat.io.postgis_roles`)
that runs this ``SELECT`` as the role that made it: the public role needs and gets no privilege on the
store's tables, and an import may still drop and re-create a layer's table (nothing depends on it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pyproj
from psycopg import sql

from deerhabitat.publish.generalise import CAPTIVE, POSITION_PATTERN
from deerhabitat.publish.text import message
from deerhabitat.schema import SPECS, LayerKind

GENERALISED_KINDS = (LayerKind.SITES, LayerKind.POPULATION_COUNTS, LayerKind.RELEASES)
"""The layers whose wild-population positions the public views generalise."""
PUBLIC_KINDS = (
    LayerKind.RANGE_STATES,
    LayerKind.RIVERS,
    LayerKind.RANGES,
    LayerKind.PROTECTED_AREAS,
    *GENERALISED_KINDS,
)
"""The layers with a public view. Not the occurrences (the public profile shows them only as counts per
hexagon, :mod:`deerhabitat.publish.density`, which has no SQL version), nor any kind added later until its
public form is decided here."""

TEXT_TYPES = frozenset({"text", "character varying", "character"})
"""PostgreSQL column types whose values have written positions withheld."""


@dataclass(frozen=True)
class TableColumns:
    """What a view needs to know of one table of the store.

    Attributes
    ----------
    name : str
        Table name in the store's schema.
    columns : mapping of str to str
        Column name to PostgreSQL type name (``information_schema`` ``data_type``), in table order.
    geometry : str or None
        The geometry column, if any.
    primary_key : tuple of str
        The primary-key columns.
    """

    name: str
    columns: Mapping[str, str]
    geometry: str | None = None
    primary_key: tuple[str, ...] = ()


def _text(column: str, table: TableColumns, alias: str = "t") -> sql.Composable:
    ref = sql.SQL("{}.{}").format(sql.Identifier(alias), sql.Identifier(column))
    if table.columns[column] not in TEXT_TYPES:
        return ref
    return sql.SQL("regexp_replace({}, {}, {}, 'g')").format(
        ref, sql.Literal(POSITION_PATTERN.pattern), sql.Literal(message("value.withheld"))
    )


def snapped_geometry(geometry: sql.Composable, *, cell_m: float, crs: pyproj.CRS) -> sql.Composable:
    """SQL of the centre of the equal-area grid cell of ``geometry`` (its centroid's), in EPSG:4326.

    Parameters
    ----------
    geometry : psycopg.sql.Composable
        An SQL expression of a geometry with an SRID (the store keeps EPSG:4326).
    cell_m : float
        Cell size in metres of ``crs``.
    crs : pyproj.CRS
        The store's equal-area analysis CRS; PostGIS is given its WKT.

    Returns
    -------
    psycopg.sql.Composable
        A point geometry with SRID 4326; NULL for a NULL or empty geometry.
    """
    wkt = sql.Literal(crs.to_wkt())
    cell = sql.Literal(float(cell_m))
    return sql.SQL(
        "(SELECT CASE WHEN {g} IS NULL OR ST_IsEmpty({g}) THEN NULL ELSE ST_Transform(ST_SetSRID("
        "ST_MakePoint((floor(ST_X(c.p) / {cell}) + 0.5) * {cell}, "
        "(floor(ST_Y(c.p) / {cell}) + 0.5) * {cell}), 0), {wkt}::text, 4326) END "
        "FROM (SELECT ST_Centroid(ST_Transform({g}, {wkt}::text)) AS p) c)"
    ).format(g=geometry, cell=cell, wkt=wkt)


def _captive_site(schema: str, sites: TableColumns | None, site_id: sql.Composable) -> sql.Composable:
    """SQL true when ``site_id`` names a captive site (false when there is no sites table)."""
    if sites is None or "site_id" not in sites.columns or "status" not in sites.columns:
        return sql.SQL("false")
    return sql.SQL(
        "EXISTS (SELECT 1 FROM {}.{} s WHERE s.site_id::text = {}::text AND s.status::text = {})"
    ).format(sql.Identifier(schema), sql.Identifier(sites.name), site_id, sql.Literal(CAPTIVE))


def _wild(kind: LayerKind, table: TableColumns, schema: str, sites: TableColumns | None) -> sql.Composable:
    """SQL true for a row whose position is generalised (the masks of ``generalise_layers``)."""
    cols = table.columns
    if kind is LayerKind.SITES:
        if "status" not in cols:
            return sql.SQL("true")
        return sql.SQL("t.status::text IS DISTINCT FROM {}").format(sql.Literal(CAPTIVE))
    site = sql.SQL("t.site_id") if "site_id" in cols else sql.SQL("NULL")
    captive_site = _captive_site(schema, sites, site)
    if kind is LayerKind.POPULATION_COUNTS:
        if "captive" not in cols:
            return sql.SQL("true")
        return sql.SQL("NOT COALESCE(t.captive::boolean AND {}, false)").format(captive_site)
    return sql.SQL("NOT {}").format(captive_site)


@dataclass(frozen=True)
class PublicView:
    """The public form of one layer: its ``SELECT`` and the columns it gives (name, PostgreSQL type).

    Attributes
    ----------
    query : psycopg.sql.Composed
        A ``SELECT`` from the store's table.
    columns : tuple of (str, str)
        Output columns in order, with their types (``geometry`` for the geometry).
    geometry : str or None
        The geometry column (EPSG:4326), if any.
    """

    query: sql.Composed
    columns: tuple[tuple[str, str], ...]
    geometry: str | None


def public_view_query(
    kind: LayerKind,
    table: TableColumns,
    *,
    schema: str,
    sites: TableColumns | None,
    cell_m: float,
    crs: pyproj.CRS,
) -> PublicView:
    """The public form of one layer (see the module's method).

    Parameters
    ----------
    kind : LayerKind
        The layer.
    table : TableColumns
        Its table in the store.
    schema : str
        The store's schema.
    sites : TableColumns or None
        The store's ``sites`` table (which sites are captive), if there is one.
    cell_m : float
        Grid cell size in metres (``store.config.generalise_m``).
    crs : pyproj.CRS
        The store's equal-area analysis CRS.

    Returns
    -------
    PublicView
        A ``SELECT`` from ``schema.table`` and its columns.

    Raises
    ------
    ValueError
        If ``kind`` has no public view (not in :data:`PUBLIC_KINDS`).
    """
    if kind not in PUBLIC_KINDS:
        raise ValueError(f"the {kind.value} layer has no public view")
    source = sql.SQL("{}.{} t").format(sql.Identifier(schema), sql.Identifier(table.name))
    geometry = table.geometry
    items: list[sql.Composable] = []
    columns: list[tuple[str, str]] = []
    if kind in GENERALISED_KINDS:
        keep = [c for c in SPECS[kind].column_names if c in table.columns and c != geometry]
        items += [sql.SQL("{} AS {}").format(_text(c, table), sql.Identifier(c)) for c in keep]
        columns += [(c, table.columns[c]) for c in keep]
        wild = _wild(kind, table, schema, sites)
        if geometry is not None:
            g = sql.SQL("t.{}").format(sql.Identifier(geometry))
            snapped = snapped_geometry(g, cell_m=cell_m, crs=crs)
            items.append(
                sql.SQL("(CASE WHEN {} THEN {} ELSE {} END)::geometry(Geometry, 4326) AS {}").format(
                    wild, snapped, g, sql.Identifier(geometry)
                )
            )
            columns.append((geometry, "geometry"))
        items.append(sql.SQL("{} AS generalised").format(wild))
        columns.append(("generalised", "boolean"))
    else:
        schema_columns = set(SPECS[kind].column_names)
        for column in table.columns:
            if column in table.primary_key and column not in schema_columns:
                continue
            items.append(sql.SQL("{} AS {}").format(_text(column, table), sql.Identifier(column)))
            columns.append((column, table.columns[column]))
    query = sql.SQL("SELECT {} FROM {}").format(sql.SQL(", ").join(items), source)
    return PublicView(query, tuple(columns), geometry)


def table_for(kind: LayerKind, tables: Mapping[str, TableColumns]) -> TableColumns | None:
    """The table of ``kind`` among ``tables`` (``population_counts``, or ``population-counts``)."""
    return tables.get(kind.table) or tables.get(kind.value)
