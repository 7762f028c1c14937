"""The terminal display of :mod:`deerhabitat.progress`: a tqdm bar on stderr, when stderr is a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

from deerhabitat.progress import Bar, BarFactory


def terminal_bars(stream: TextIO | None = None, *, quiet: bool = False) -> BarFactory | None:
    """A factory of tqdm bars on ``stream`` (stderr), or ``None`` when quiet or not a terminal.

    Parameters
    ----------
    stream : text stream, optional
        Where bars are drawn; default ``sys.stderr``.
    quiet : bool
        ``-q`` was given: show no bar.
    """
    out = sys.stderr if stream is None else stream
    if quiet or not _is_terminal(out):
        return None

    def make(label: str, total: int | None) -> Bar:
        from tqdm import tqdm

        from deerhabitat.i18n import message

        # the label comes in the work's language (deerhabitat.clitext); the unit follows it ("step", "шаг")
        unit = message("cli.bar.unit")
        return tqdm(total=total, desc=label, file=out, leave=False, dynamic_ncols=True, unit=unit)

    return make


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
