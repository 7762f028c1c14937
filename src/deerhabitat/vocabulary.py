"""The coded values of the data as words: the "codes" message domain (``code.water-regulation``).

Tables show a code of the data (``water-regulation``, ``distance-sampling``, ``national-total``) as words in
the reader's language with ``message(code_key(code))`` (see :func:`deerhabitat.publish.table.code_cell`). The
English words are the code with its hyphens as spaces, so that the English report reads as it always did; the
translations are in ``deerhabitat/locale/<lang>/LC_MESSAGES/codes.po``.

Examples
--------
>>> from deerhabitat.i18n import message
>>> message(code_key("water-regulation")), message(code_key("Not Reported"))
('water regulation', 'Not Reported')
"""

from __future__ import annotations

from collections.abc import Mapping

from deerhabitat.nrschema import CODE_LISTS
from deerhabitat.schema import COUNT_METHODS, DATA_STATUSES, IUCN_CATEGORIES, SITE_STATUSES, LayerKind

TREND_WORDS = ("increase", "decline", "no-change", "not-comparable")
"""The trend of a change between two counts (:func:`deerhabitat.analysis.population.country_trends`)."""

REINTRODUCTION_WORDS = ("unknown", "extirpated", "declining", "established", "growing", "stable")
"""The status of a reintroduced population (:mod:`deerhabitat.analysis.reintroduction`)."""

PERIOD_WORDS = ("historical", "current")
"""Range periods with a name rather than a year."""

LAYER_WORDS = tuple(kind.value for kind in LayerKind)
"""The store's layers (``population-counts``)."""

PROVENANCE_WORDS = ("import", "replace", "build", "national-report")
"""How a layer was written to the store (the provenance log's ``action``)."""

CODES: tuple[str, ...] = tuple(
    sorted(
        {
            code
            for codes in (
                *CODE_LISTS.values(),
                SITE_STATUSES,
                COUNT_METHODS,
                DATA_STATUSES,
                TREND_WORDS,
                REINTRODUCTION_WORDS,
                PERIOD_WORDS,
                LAYER_WORDS,
                PROVENANCE_WORDS,
            )
            for code in codes
            if code == code.lower()
        }
        | {c for c in IUCN_CATEGORIES if " " in c}
    )
)
"""Coded values of the data shown as words (a ``code.*`` message each)."""


def code_key(code: str) -> str:
    """The message key of a code: ``code.water-regulation``; an IUCN category ``code.iucn-not-reported``.

    >>> code_key("water-regulation"), code_key("Not Reported"), code_key("national_total")
    ('code.water-regulation', 'code.iucn-not-reported', 'code.national-total')
    """
    prefix = "code.iucn-" if code in IUCN_CATEGORIES else "code."
    return prefix + code.lower().replace(" ", "-").replace("_", "-")


def is_code(text: str) -> bool:
    """Whether ``text`` is written as a code (lower case, no space) or is an IUCN category.

    >>> is_code("water-regulation"), is_code("Not Reported"), is_code("Red Book")
    (True, True, False)
    """
    return bool(text) and ((text == text.lower() and " " not in text) or text in IUCN_CATEGORIES)


ENGLISH: Mapping[str, str] = {
    code_key(c): c if " " in c else c.replace("-", " ").replace("_", " ") for c in CODES
}
"""The English words of every code (the IUCN categories as written)."""
