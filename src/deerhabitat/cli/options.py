"""Options shared by several commands (rasterio's ``rio/options.py`` model).

=================  ============================================================================
option             used by
=================  ============================================================================
``--store``        layers, import, validate, export, analyze, habitat, map, report, national-report
``--json``         layers, analyze, habitat, validate, national-report validate|import|list
``--out``          analyze, map, report, habitat
``--profile``      map, report
``--max-...``      national-report validate|import (limits, :mod:`deerhabitat.limits`)
``--workers``      occurrence-counts, analyze (:class:`deerhabitat.analysis.engine.EngineOptions`)
``--scheduler``    occurrence-counts, analyze
``--lang``         map, report, national-report template|validate|import|progress (:func:`use_language`)
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
    help="The store: a GeoPackage file or a postgresql://USER@HOST:PORT/DB URL (default: "
    "$DEERHABITAT_STORE, else the bundled Bukhara deer store).",
)
json_opt = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
profile_opt = click.option(
    "--profile",
    type=click.Choice(["public", "internal"]),
    default="public",
    show_default=True,
    help="public generalises the positions of wild populations; internal keeps them exact.",
)


LANGUAGE_KEY = "deerhabitat.language"
"""Where a command keeps its language in ``click.Context.meta`` (shared by the group and its commands), so
that the error boundary (:mod:`deerhabitat.cli.main`) writes its ``Error:`` line in that language."""


def remember_language(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """Callback of a ``--lang`` option: keep the language given for the error boundary, return it."""
    if value is not None:
        ctx.meta[LANGUAGE_KEY] = value
    return value


def lang_option(help: str, *, default: str | None = "en") -> Any:
    """A ``--lang en|ru`` option whose language also writes the command's messages and ``Error:`` line.

    Parameters
    ----------
    help : str
        What the language chooses, for ``--help``.
    default : str or None, default "en"
        None: the command decides (a national report's template language).
    """
    return click.option(
        "--lang",
        type=click.Choice(("en", "ru")),
        default=default,
        show_default=default is not None,
        callback=remember_language,
        help=help,
    )


def use_language(lang: str) -> None:
    """Print the rest of the command in ``lang``: messages, notes, progress labels and the ``Error:`` line.

    For a command whose language is known only once it runs (a national report's template language).
    """
    from deerhabitat.i18n import language

    ctx = click.get_current_context()
    ctx.meta[LANGUAGE_KEY] = lang
    ctx.with_resource(language(lang))


def chosen_language(ctx: click.Context) -> str:
    """The language a ``--lang`` option or :func:`use_language` chose in ``ctx``, else English."""
    return str(ctx.meta.get(LANGUAGE_KEY, "en"))


def echo_json(data: Any) -> None:
    """Print ``data`` as indented JSON (non-ASCII kept as is)."""
    click.echo(_json.dumps(data, indent=2, ensure_ascii=False, default=str))


_LIMIT_OPTIONS = (
    ("--max-file-mb", "file_mb", click.FloatRange(min=0, min_open=True), "Largest report file, in MB."),
    (
        "--max-uncompressed-mb",
        "uncompressed_mb",
        click.FloatRange(min=0, min_open=True),
        "Most MB the parts of an .xlsx report may expand to (checked before reading).",
    ),
    ("--max-sheets", "sheets", click.IntRange(min=1), "Most sheets in an .xlsx report."),
    ("--max-rows", "rows", click.IntRange(min=1), "Most rows with data (all sheets; YAML: list items)."),
    ("--max-columns", "columns", click.IntRange(min=1), "Last column with data (YAML: keys of one mapping)."),
    (
        "--max-yaml-nodes",
        "yaml_nodes",
        click.IntRange(min=1),
        "Most values in a YAML report, aliases expanded.",
    ),
    ("--max-yaml-depth", "yaml_depth", click.IntRange(min=1), "Deepest nesting of a YAML report."),
)


def limit_options(func: Any) -> Any:
    """Add the ``--max-...`` options of :class:`deerhabitat.limits.ReadLimits` (defaults in --help)."""
    from deerhabitat.limits import ReadLimits

    defaults = ReadLimits()
    for option, field, kind, text in reversed(_LIMIT_OPTIONS):
        func = click.option(
            option,
            f"limit_{field}",
            type=kind,
            default=getattr(defaults, field),
            show_default=True,
            help=text,
        )(func)
    return func


def read_limits(params: dict[str, Any]) -> Any:
    """The :class:`~deerhabitat.limits.ReadLimits` of the ``limit_*`` parameters of a command."""
    from deerhabitat.limits import ReadLimits

    return ReadLimits(
        **{key.removeprefix("limit_"): value for key, value in params.items() if key.startswith("limit_")}
    )


def engine_options(func: Any) -> Any:
    """Add ``--workers`` and ``--scheduler`` (where joins over big layers run; see :func:`read_engine`)."""
    func = click.option(
        "--scheduler",
        "scheduler",
        default=None,
        metavar="ADDRESS",
        help="Run on an existing dask distributed cluster (tcp://host:8786; its workers must see the "
        "same files). Needs the 'distributed' package.",
    )(func)
    return click.option(
        "--workers",
        "workers",
        type=click.IntRange(min=1),
        default=1,
        show_default=True,
        help="Partitions counted at a time in this process (1: no dask scheduler; N: N threads).",
    )(func)


def read_engine(workers: int, scheduler: str | None) -> Any:
    """The :class:`~deerhabitat.analysis.engine.EngineOptions` of ``--workers`` and ``--scheduler``."""
    from deerhabitat.analysis.engine import EngineOptions

    return EngineOptions(workers=workers, scheduler=scheduler)
