"""``deerhabitat db roles``: database roles of a PostGIS store."""

from __future__ import annotations

import os

import click

from deerhabitat.cli.options import store_opt

ROLE_NAMES = ("public", "internal", "editor")


@click.group("db")
def db_group() -> None:
    """Administer a PostGIS store (a team's store on a PostgreSQL server)."""


@db_group.command("roles")
@store_opt
@click.option(
    "--password",
    "password_roles",
    multiple=True,
    type=click.Choice(ROLE_NAMES),
    help="Let this role log in with a password (repeatable), read from $DEERHABITAT_DB_PASSWORD_<ROLE> "
    "(e.g. DEERHABITAT_DB_PASSWORD_PUBLIC) or asked for. Without it a new role is NOLOGIN: grant it to "
    "people's own logins (GRANT deerhabitat_public TO ana).",
)
def roles_command(store: str | None, password_roles: tuple[str, ...]) -> None:
    """Create or update the roles deerhabitat_public, deerhabitat_internal and deerhabitat_editor.

    deerhabitat_public reads only the views of schema deerhabitat_public: every layer, with wild-population
    positions generalised to the centres of the public profile's equal-area cells (10 km by default) and
    positions written in text withheld. deerhabitat_internal reads everything and writes nothing;
    deerhabitat_editor reads and writes (imports). Running it again changes nothing; run it again after
    a new layer is imported, so that the public role sees it.
    """
    from deerhabitat.workflows import db_roles

    passwords = {}
    for name in dict.fromkeys(password_roles):
        env = f"DEERHABITAT_DB_PASSWORD_{name.upper()}"
        value = os.environ.get(env) or click.prompt(
            f"Password of deerhabitat_{name}", hide_input=True, confirmation_prompt=True, err=True
        )
        passwords[f"deerhabitat_{name}"] = value
    result = db_roles(store, passwords=passwords)
    for role in ("deerhabitat_public", "deerhabitat_internal", "deerhabitat_editor"):
        state = "created" if role in result.created else "updated"
        login = "password set, can log in" if role in result.passwords_set else "login unchanged"
        if role in result.created and role not in result.passwords_set:
            login = "NOLOGIN: grant it to people's logins"
        click.echo(f"{role}: {state} ({login})")
    click.echo(
        f"Public views in schema deerhabitat_public: {', '.join(result.views) or 'none (no layers yet)'}; "
        f"the store's tables are in schema {result.schema}"
    )
