"""Options shared by several commands (rasterio's ``rio/options.py`` model).

=================  ============================================================================
option             used by
=================  ============================================================================
``--store``        layers, import, validate, export, analyze, habitat, map, report, national-report
``--json``         layers, analyze, habitat, validate, national-report validate|import|list
``--out``          analyze, map, report, habitat
``--profile``      map, report
=================  ============================================================================
"""

from __future__ import annotations

import json as _json
from typing import Any

import click

store_opt = click.option(
    "--store",
    "store",
    type=click.Path(dir_okay=False),
    default=None,
    help="GeoPackage store (default: $DEERHABITAT_STORE, else the bundled Bukhara deer store).",
)
json_opt = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
profile_opt = click.option(
    "--profile",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="public generalises the positions of wild populations; internal keeps them exact.",
)


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept as is)."""
    click.echo(_json.dumps(data, indent=2, ensure_ascii=False, default=str))
