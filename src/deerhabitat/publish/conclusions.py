"""The Conclusions and recommendations section: the author's text, its placeholders filled from the figures.

The author keeps the text in the store (``deerhabitat report-text set conclusions FILE.md``). It is
plain text with a little Markdown: paragraphs separated by a blank line, and lines starting with
``- `` or ``* `` as a bullet list. It is never read as HTML: the page escapes every character.
Placeholders in braces (``{total_latest}``) are filled from :func:`figures`; an unknown placeholder
is left as written and named in a note. Without a text, a default draft built from the figures is
shown, marked as a draft.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from deerhabitat.publish.text import message

PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")
"""A placeholder of the author's text: a lower-case name in braces."""


@dataclass(frozen=True)
class Conclusions:
    """The section's text: paragraphs, bullet items, whether it is the default draft, and notes."""

    paragraphs: tuple[str, ...]
    items: tuple[str, ...]
    draft: bool
    unknown: tuple[str, ...] = ()


def fill(text: str, values: Mapping[str, str]) -> tuple[str, tuple[str, ...]]:
    """``text`` with each known placeholder replaced; the unknown ones are left and returned.

    Examples
    --------
    >>> fill("{total_latest} deer in {year}; {nope}", {"total_latest": "3,900", "year": "2023"})
    ('3,900 deer in 2023; {nope}', ('nope',))
    """
    unknown = tuple(dict.fromkeys(m for m in PLACEHOLDER.findall(text) if m not in values))
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text), unknown


def parse(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    r"""Paragraphs (blank-line separated, lines joined) and bullet items (``- `` or ``* `` lines).

    Examples
    --------
    >>> parse("First line\nsame paragraph.\n\n- one\n* two\n\n# Title")
    (('First line same paragraph.', 'Title'), ('one', 'two'))
    """
    paragraphs: list[str] = []
    items: list[str] = []
    current: list[str] = []
    for raw in [*text.splitlines(), ""]:
        line = raw.strip()
        bullet = re.match(r"^[-*]\s+(.*)$", line)
        if bullet or not line:
            if current:
                paragraphs.append(" ".join(current))
                current = []
            if bullet:
                items.append(bullet.group(1).strip())
            continue
        current.append(line.lstrip("#").strip())
    return tuple(paragraphs), tuple(items)


def default_text() -> str:
    """The draft shown when the author has set no text (placeholders filled like the author's)."""
    return message("conclusions.default")


def conclusions(text: str | None, values: Mapping[str, str]) -> Conclusions:
    """The section's content from the author's ``text`` (None: the default draft) and the figures."""
    draft = not (text and text.strip())
    filled, unknown = fill(default_text() if draft else str(text), values)
    paragraphs, items = parse(filled)
    return Conclusions(paragraphs, items, draft, unknown)
