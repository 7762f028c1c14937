"""Progress of long work, without presentation: what the work reports, not how it is shown.

Long loops (blocks of a raster, features of a file, maps of a report) wrap their iterable in
:func:`track`, or advance a :func:`task` by hand. Nothing is shown unless a caller has installed a
display with :func:`reporting`; the command line installs a terminal bar (see
:mod:`deerhabitat.cli.terminal_bars`) only when stderr is a terminal and ``-q`` was not given, so library
use, tests and pipes stay silent.

>>> list(track([1, 2, 3], "Counting"))
[1, 2, 3]
>>> seen = []
>>> class Recorder:
...     def __init__(self, label, total):
...         seen.append((label, total))
...     def update(self, n=1):
...         seen.append(n)
...     def close(self):
...         seen.append("closed")
>>> with reporting(Recorder):
...     _ = list(track("ab", "Letters"))
>>> seen
[('Letters', 2), 1, 1, 'closed']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol, TypeVar

T = TypeVar("T")


class Bar(Protocol):
    """One shown task: advanced by ``update(n)``, ended by ``close()``."""

    def update(self, n: int = 1) -> object:
        """Advance by ``n`` steps (any return value is ignored: tqdm's says whether it redrew)."""

    def close(self) -> None:
        """End the task (the display may keep or clear it)."""


BarFactory = Callable[[str, int | None], Bar]
"""Makes a :class:`Bar` from a label and a total number of steps (``None`` when unknown)."""

_display: ContextVar[BarFactory | None] = ContextVar("deerhabitat_progress", default=None)


@contextmanager
def reporting(factory: BarFactory | None) -> Iterator[None]:
    """Show the progress of the work run inside the block with ``factory`` (``None``: show nothing)."""
    token = _display.set(factory)
    try:
        yield
    finally:
        _display.reset(token)


@contextmanager
def task(label: str, total: int | None = None) -> Iterator[Callable[[int], None]]:
    """A task of ``total`` steps; yields ``advance(n)`` to call as steps are done.

    Parameters
    ----------
    label : str
        What is being done, e.g. ``"Area of Habitat"``.
    total : int, optional
        Number of steps, when known.
    """
    factory = _display.get()
    if factory is None:
        yield _ignore
        return
    bar = factory(label, total)

    def advance(n: int) -> None:
        bar.update(n)

    try:
        yield advance
    finally:
        bar.close()


def track(items: Iterable[T], label: str, total: int | None = None) -> Iterator[T]:
    """Yield ``items``, one step of the task ``label`` each (``total`` defaults to ``len(items)``)."""
    if _display.get() is None:
        yield from items
        return
    if total is None and isinstance(items, Sized):
        total = len(items)
    with task(label, total) as advance:
        for item in items:
            yield item
            advance(1)


def _ignore(n: int = 1) -> None:
    """Advance nothing (no display installed)."""
