"""The ``deerhabitat`` click group, command registry, and the single error boundary.

Commands are registered by name in :data:`COMMANDS` and imported only when run, so
``deerhabitat --help`` stays fast. Long work shows progress bars on stderr when it is a terminal and
``-q`` was not given (:mod:`deerhabitat.cli.terminal_bars`). A
:class:`~deerhabitat.errors.DeerHabitatError` becomes one ``Error: ...`` line on stderr and exit
status 1 (``Ошибка: ...`` when the command runs with ``--lang ru``); bad usage exits 2 (click, in
English); ``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
from typing import IO

import click

from deerhabitat._version import __version__

COMMANDS: dict[str, str] = {
    "analyze": "deerhabitat.cli.analyze:analyze_command",
    "copy": "deerhabitat.cli.store:copy_command",
    "db": "deerhabitat.cli.db:db_group",
    "habitat": "deerhabitat.cli.habitat:habitat_group",
    "export": "deerhabitat.cli.importing:export_command",
    "import": "deerhabitat.cli.importing:import_command",
    "init": "deerhabitat.cli.store:init_command",
    "layers": "deerhabitat.cli.store:layers_command",
    "map": "deerhabitat.cli.map:map_command",
    "national-report": "deerhabitat.cli.national_report:national_report_group",
    "occurrence-counts": "deerhabitat.cli.analyze:occurrence_counts_command",
    "report": "deerhabitat.cli.report:report_command",
    "report-text": "deerhabitat.cli.report:report_text_group",
    "validate": "deerhabitat.cli.importing:validate_command",
}
"""Command name → ``module:attribute`` of its click command."""


class _LazyGroup(click.Group):
    """A group that imports each command's module on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def invoke(self, ctx: click.Context):
        from deerhabitat.errors import DeerHabitatError

        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except DeerHabitatError as exc:
            if debug:
                raise
            raise _failure(ctx, _one_line(str(exc))) from None
        except KeyboardInterrupt:
            raise click.Abort() from None
        except BrokenPipeError:
            # The reader of our output went away (e.g. `deerhabitat layers | head`): stop quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise click.exceptions.Exit(0) from None
        except Exception as exc:
            if debug:
                raise
            from deerhabitat.cli.options import chosen_language
            from deerhabitat.i18n import message

            bug = message(
                "cli.error.bug",
                lang=chosen_language(ctx),
                kind=type(exc).__name__,
                detail=_one_line(str(exc))[:300],
            )
            raise _failure(ctx, bug) from None


def _one_line(text: str) -> str:
    return " ".join(text.split())


class _Failure(click.ClickException):
    """A failure shown as one line in the command's language (``Ошибка: ...``), exit status 1."""

    def __init__(self, text: str, lang: str) -> None:
        super().__init__(text)
        self.lang = lang

    def show(self, file: IO[str] | None = None) -> None:
        from deerhabitat import i18n

        line = i18n.message("cli.error", lang=self.lang, message=self.format_message())
        click.echo(line, file=file, err=file is None, color=self.show_color)


def _failure(ctx: click.Context, text: str) -> click.ClickException:
    """The exception click shows for ``text``: click's own ``Error:`` line in English, ours otherwise."""
    from deerhabitat.cli.options import chosen_language

    lang = chosen_language(ctx)
    return click.ClickException(text) if lang == "en" else _Failure(text, lang)


@click.group(cls=_LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="deerhabitat")
@click.option("--debug", is_flag=True, help="Show the Python traceback of an error.")
@click.option("-v", "--verbose", count=True, help="More log output (repeatable).")
@click.option(
    "-q", "--quiet", count=True, help="Less output: no progress bars, and fewer log messages (repeatable)."
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=None,
    metavar="SECONDS",
    help="How long a write waits for another command writing the same store (default 300, or "
    "$DEERHABITAT_LOCK_TIMEOUT).",
)
@click.pass_context
def cli(ctx: click.Context, debug: bool, verbose: int, quiet: int, lock_timeout: float | None) -> None:
    """Bukhara deer habitat: layers in one store, analyses, and offline maps for the Overview Report.

    Run `deerhabitat report` to build the Overview Report of the bundled data into maps/.
    """
    level = max(logging.DEBUG, logging.WARNING - 10 * verbose + 10 * quiet)
    logging.basicConfig(level=level, format="%(levelname)s: %(message)s", stream=sys.stderr)
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    from deerhabitat.cli.terminal_bars import terminal_bars
    from deerhabitat.progress import reporting

    ctx.with_resource(reporting(terminal_bars(quiet=quiet > 0)))
    if lock_timeout is not None:
        from deerhabitat.config import lock_timeout_set

        ctx.with_resource(lock_timeout_set(lock_timeout))


def main() -> None:  # pragma: no cover - console entry point alias
    """Run the command line."""
    cli()
