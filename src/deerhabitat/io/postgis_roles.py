"""The database roles of a PostGIS store: ``deerhabitat_public``, ``_internal`` and ``_editor``.

:func:`apply_roles` makes (idempotently, in one transaction) three roles and their privileges on one store
(the database of a ``postgresql://`` URL, the schema holding ``deerhabitat_config``):

- ``deerhabitat_public`` reads the views of schema ``deerhabitat_public`` (the public profile in SQL,
  :mod:`deerhabitat.publish.public_views`) and nothing else: no store table, no provenance, no national
  report, no temporary table, nothing it could write. Each view reads ``rows_of_<layer>()``, a
  ``SECURITY DEFINER`` SQL function owned by the role that ran ``db roles``: no privilege on the tables
  is needed, and no view depends on a table, so an import may drop and re-create a layer's table.
- ``deerhabitat_internal`` reads every table of the store and every public view; it writes nothing.
- ``deerhabitat_editor`` reads and writes every table of the store and may add tables (an import of a new
  layer); it owns the store's tables, so any of its members can replace a layer. Default privileges make
  a table that the editor role or one of its members creates readable by the internal role and writable
  by the editors at once; run ``db roles`` again after a new layer's first import so that the public
  role sees it too.

Roles are cluster-wide: a role made for one store is reused by the next. Without a password a new role is
NOLOGIN (grant it to people's own logins: ``GRANT deerhabitat_public TO ana``); with one it can log in. An
existing role keeps its login and password unless a password is given.

Also: ``CREATE`` on the store's schema and ``TEMPORARY`` on the database are revoked from ``PUBLIC`` (every
role), so that no role outside the three can add objects; the editor keeps both.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from deerhabitat.errors import StoreError

PUBLIC_ROLE = "deerhabitat_public"
INTERNAL_ROLE = "deerhabitat_internal"
EDITOR_ROLE = "deerhabitat_editor"
ROLES = (PUBLIC_ROLE, INTERNAL_ROLE, EDITOR_ROLE)
PUBLIC_SCHEMA = "deerhabitat_public"
"""The schema of the public views (the only schema ``deerhabitat_public`` reads)."""
CONFIG_TABLE = "deerhabitat_config"
URL_SCHEMES = ("postgresql", "postgres")


def is_postgis_url(location: str) -> bool:
    """Whether ``location`` is a ``postgresql://`` (or ``postgres://``) URL.

    Examples
    --------
    >>> is_postgis_url("postgresql://ana@db.example:5432/deer"), is_postgis_url("deer.gpkg")
    (True, False)
    """
    return urlsplit(location).scheme in URL_SCHEMES


def shown_url(location: str) -> str:
    """``location`` without its password, for messages.

    Examples
    --------
    >>> shown_url("postgresql://ana:secret@db:5432/deer")
    'postgresql://ana:***@db:5432/deer'
    """
    parts = urlsplit(location)
    if parts.password is None:
        return location
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


@contextmanager
def connect(location: str) -> Iterator[Any]:
    """A psycopg connection to the PostGIS store at ``location``, committed on success.

    Raises
    ------
    StoreError
        If ``location`` is not a ``postgresql://`` URL, the server cannot be reached or refuses the login,
        the database has no PostGIS, or the block is refused a privilege (nothing is committed).
    """
    if not is_postgis_url(location):
        raise StoreError(
            f"--store {location!r} is not a PostGIS store: database roles exist only on a PostgreSQL "
            f"server; give --store postgresql://USER@HOST:PORT/DATABASE (a GeoPackage is shared as a file: "
            f"publish it with the public profile instead)"
        )
    import psycopg

    try:
        conn = psycopg.connect(location, connect_timeout=10)
    except psycopg.Error as exc:
        reason = " ".join(str(exc).split())
        raise StoreError(
            f"cannot connect to the PostGIS store {shown_url(location)!r}: {reason}; check the host, port, "
            f"user, password and database name of the URL"
        ) from None
    try:
        if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone() is None:
            raise StoreError(
                f"{shown_url(location)!r} has no PostGIS extension: it is not a deerhabitat store; create "
                f"one with `deerhabitat init --store {shown_url(location)}`"
            )
        try:
            yield conn
        except psycopg.errors.InsufficientPrivilege as exc:
            reason = " ".join(str(exc).split())
            raise StoreError(
                f"the login of {shown_url(location)!r} may not change roles or privileges ({reason}); "
                f"run `db roles` as the store's owner with CREATEROLE, or as a superuser"
            ) from None
        conn.commit()
    finally:
        conn.close()


def store_schema(conn: Any, location: str) -> str:
    """The schema holding the store's ``deerhabitat_config`` table (the first on the search path)."""
    row = conn.execute(
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relname = %s AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)",
        (CONFIG_TABLE,),
    ).fetchone()
    if row is None:
        raise StoreError(
            f"{shown_url(location)!r} is not a deerhabitat store (no {CONFIG_TABLE} table on its search "
            f"path); create one with `deerhabitat init --store {shown_url(location)}`"
        )
    return str(row[0])


def read_config(conn: Any, schema: str) -> dict[str, str]:
    """The store's settings (``key`` -> ``value`` of ``deerhabitat_config``)."""
    from psycopg import sql

    query = sql.SQL("SELECT key, value FROM {}.{}").format(
        sql.Identifier(schema), sql.Identifier(CONFIG_TABLE)
    )
    return {str(k): str(v) for k, v in conn.execute(query).fetchall()}


@dataclass(frozen=True)
class Table:
    """One table of the store: its columns (name -> type, in order), geometry column and primary key."""

    name: str
    columns: dict[str, str]
    geometry: str | None
    primary_key: tuple[str, ...]


def describe_tables(conn: Any, schema: str) -> dict[str, Table]:
    """Every ordinary table of ``schema`` that no extension owns (not PostGIS's ``spatial_ref_sys``)."""
    rows = conn.execute(
        "SELECT c.oid, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_depend d "
        "WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e') ORDER BY 2",
        (schema,),
    ).fetchall()
    tables = {}
    for oid, name in rows:
        columns = dict(
            conn.execute(
                "SELECT a.attname, CASE WHEN t.typname = 'geometry' THEN 'geometry' "
                "ELSE format_type(a.atttypid, NULL) END FROM pg_attribute a "
                "JOIN pg_type t ON t.oid = a.atttypid WHERE a.attrelid = %s AND a.attnum > 0 "
                "AND NOT a.attisdropped ORDER BY a.attnum",
                (oid,),
            ).fetchall()
        )
        key = tuple(
            r[0]
            for r in conn.execute(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = %s AND i.indisprimary",
                (oid,),
            ).fetchall()
        )
        geometry = next((c for c, kind in columns.items() if kind == "geometry"), None)
        tables[name] = Table(name, columns, geometry, key)
    return tables


@dataclass(frozen=True)
class RolesResult:
    """What :func:`apply_roles` did: roles created, roles given a password, the public views."""

    created: tuple[str, ...]
    passwords_set: tuple[str, ...]
    views: tuple[str, ...]
    schema: str


_ROWS = "rows_of_"
"""Prefix of the function behind each public view (``deerhabitat_public.rows_of_sites()``)."""


def _public_view(conn: Any, name: str, view: Any, postgis: str) -> None:
    """The view ``deerhabitat_public.<name>`` over ``rows_of_<name>()``, a ``SECURITY DEFINER`` function.

    The function runs the view's ``SELECT`` as the role that made it, so readers need no privilege on the
    store's tables; being a function with a text body, it makes no dependency on the table, which an
    import may drop and re-create (a layer re-imported with other fields).
    """
    from psycopg import sql

    ident = sql.Identifier
    public = ident(PUBLIC_SCHEMA)
    function = sql.SQL("{}.{}").format(public, ident(_ROWS + name))
    target = sql.SQL("{}.{}").format(public, ident(name))
    returns = sql.SQL(", ").join(sql.SQL("{} {}").format(ident(c), sql.SQL(t)) for c, t in view.columns)
    body = view.query.as_string(conn)
    define_function = sql.SQL(
        "FUNCTION {}() RETURNS TABLE ({}) LANGUAGE sql STABLE SECURITY DEFINER "
        "SET search_path = pg_catalog, {} AS {}"
    ).format(function, returns, ident(postgis), sql.Literal(body))
    outputs = sql.SQL(", ").join(
        sql.SQL("{}::geometry(Geometry, 4326) AS {}").format(ident(c), ident(c))
        if c == view.geometry
        else ident(c)
        for c, _ in view.columns
    )
    define_view = sql.SQL("VIEW {} WITH (security_barrier) AS SELECT {} FROM {}()").format(
        target, outputs, function
    )
    conn.execute("SAVEPOINT public_view")
    try:
        conn.execute(sql.SQL("CREATE OR REPLACE {}").format(define_function))
        conn.execute(sql.SQL("CREATE OR REPLACE {}").format(define_view))
    except Exception:  # its columns changed (a layer re-imported with other fields): make both anew
        conn.execute("ROLLBACK TO SAVEPOINT public_view")
        conn.execute(sql.SQL("DROP VIEW IF EXISTS {}").format(target))
        conn.execute(sql.SQL("DROP FUNCTION IF EXISTS {}()").format(function))
        conn.execute(sql.SQL("CREATE {}").format(define_function))
        conn.execute(sql.SQL("CREATE {}").format(define_view))
    conn.execute("RELEASE SAVEPOINT public_view")
    roles = sql.SQL(", ").join(map(ident, ROLES))
    conn.execute(sql.SQL("REVOKE ALL ON FUNCTION {}() FROM PUBLIC").format(function))
    conn.execute(sql.SQL("GRANT EXECUTE ON FUNCTION {}() TO {}").format(function, roles))
    conn.execute(sql.SQL("REVOKE ALL ON {} FROM PUBLIC").format(target))
    conn.execute(sql.SQL("GRANT SELECT ON {} TO {}").format(target, roles))


def _role_exists(conn: Any, role: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def apply_roles(
    conn: Any, schema: str, views: Mapping[str, Any], *, passwords: Mapping[str, str] | None = None
) -> RolesResult:
    """Create or update the three roles, the public views and every privilege (see the module docstring).

    Parameters
    ----------
    conn : psycopg.Connection
        A connection as a superuser or the store's owner with ``CREATEROLE``, in a transaction.
    schema : str
        The store's schema.
    views : mapping of str to deerhabitat.publish.public_views.PublicView
        View name (in :data:`PUBLIC_SCHEMA`) -> its ``SELECT`` and columns.
    passwords : mapping of str to str, optional
        Role -> password for the roles that may log in.

    Returns
    -------
    RolesResult
    """
    from psycopg import sql

    passwords = dict(passwords or {})
    unknown = sorted(set(passwords) - set(ROLES))
    if unknown:
        raise StoreError(f"unknown role(s) {', '.join(unknown)}; the roles are {', '.join(ROLES)}")
    ident = sql.Identifier
    store, public = ident(schema), ident(PUBLIC_SCHEMA)
    database = ident(conn.execute("SELECT current_database()").fetchone()[0])
    superuser = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]

    def run(statement: str, *args: Any) -> None:
        conn.execute(sql.SQL(statement).format(*args))

    created = []
    for role in ROLES:
        if not _role_exists(conn, role):
            run("CREATE ROLE {} NOLOGIN", ident(role))
            created.append(role)
        if role in passwords:
            run("ALTER ROLE {} LOGIN PASSWORD {}", ident(role), sql.Literal(passwords[role]))
    if not superuser:  # to hand the tables to the editor role, and to read them in the views it owns
        run("GRANT {} TO CURRENT_USER", ident(EDITOR_ROLE))

    # Nobody but the editor adds objects to the store or makes temporary tables (or functions).
    run("REVOKE CREATE ON SCHEMA {} FROM PUBLIC", store)
    run("REVOKE TEMPORARY ON DATABASE {} FROM PUBLIC", database)
    run("GRANT CONNECT ON DATABASE {} TO {}, {}, {}", database, *map(ident, ROLES))
    run("GRANT TEMPORARY ON DATABASE {} TO {}", database, ident(EDITOR_ROLE))

    # The public views, in their own schema.
    run("CREATE SCHEMA IF NOT EXISTS {}", public)
    run("REVOKE ALL ON SCHEMA {} FROM PUBLIC", public)
    run("GRANT USAGE ON SCHEMA {} TO {}, {}, {}", public, *map(ident, ROLES))
    postgis = conn.execute(
        "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
        "WHERE e.extname = 'postgis'"
    ).fetchone()[0]
    existing = {
        r[0]
        for r in conn.execute(
            "SELECT table_name FROM information_schema.views WHERE table_schema = %s", (PUBLIC_SCHEMA,)
        ).fetchall()
    }
    for name in sorted(existing - set(views)):  # a layer no longer in the store
        run("DROP VIEW {}.{}", public, ident(name))
        run("DROP FUNCTION IF EXISTS {}.{}()", public, ident(_ROWS + name))
    for name, view in sorted(views.items()):
        _public_view(conn, name, view, postgis)

    # The store's tables: the public role gets nothing, internal reads, the editor owns and writes.
    tables = describe_tables(conn, schema)
    run("GRANT USAGE ON SCHEMA {} TO {}, {}", store, ident(INTERNAL_ROLE), ident(EDITOR_ROLE))
    run("GRANT CREATE ON SCHEMA {} TO {}", store, ident(EDITOR_ROLE))  # before it may own tables there
    for name in tables:
        target = sql.SQL("{}.{}").format(store, ident(name))
        run("ALTER TABLE {} OWNER TO {}", target, ident(EDITOR_ROLE))
        run("REVOKE ALL ON {} FROM PUBLIC, {}", target, ident(PUBLIC_ROLE))
    for name in tables:
        target = sql.SQL("{}.{}").format(store, ident(name))
        run(
            "REVOKE INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {} FROM {}",
            target,
            ident(INTERNAL_ROLE),
        )
        run("GRANT SELECT ON {} TO {}", target, ident(INTERNAL_ROLE))
    sequences = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = %s AND c.relkind = 'S' ORDER BY 1",
        (schema,),
    ).fetchall()
    for (name,) in sequences:
        target = sql.SQL("{}.{}").format(store, ident(name))
        run("REVOKE ALL ON SEQUENCE {} FROM PUBLIC, {}", target, ident(PUBLIC_ROLE))
        run("GRANT SELECT ON SEQUENCE {} TO {}", target, ident(INTERNAL_ROLE))
        run("GRANT USAGE, SELECT, UPDATE ON SEQUENCE {} TO {}", target, ident(EDITOR_ROLE))
    # Tables an editor adds later (a new layer, or a layer an import re-creates with other fields) are
    # readable by the internal role and writable by every editor at once: default privileges of the
    # editor role and of each login it is granted to (those this role may act for).
    owners = [EDITOR_ROLE] + [
        r[0]
        for r in conn.execute(
            "SELECT m.rolname FROM pg_auth_members a JOIN pg_roles r ON r.oid = a.roleid "
            "JOIN pg_roles m ON m.oid = a.member WHERE r.rolname = %s "
            "AND pg_has_role(current_user, m.oid, 'USAGE') ORDER BY 1",
            (EDITOR_ROLE,),
        ).fetchall()
    ]
    for owner in owners:
        for grant in (
            "GRANT SELECT ON TABLES TO {}",
            "GRANT SELECT ON SEQUENCES TO {}",
            "GRANT ALL ON TABLES TO {}",
            "GRANT ALL ON SEQUENCES TO {}",
        ):
            grantee = INTERNAL_ROLE if "SELECT" in grant else EDITOR_ROLE
            if owner == grantee:
                continue
            run(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {{}} IN SCHEMA {{}} {grant}",
                ident(owner),
                store,
                ident(grantee),
            )
    return RolesResult(
        tuple(created), tuple(r for r in ROLES if r in passwords), tuple(sorted(views)), schema
    )
