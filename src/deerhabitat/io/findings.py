"""Problems found while reading and checking an input file, each tied to a feature or row.

A finding (a :class:`deerhabitat.errors.Problem`) is an ``error`` (the import is refused) or a
``warning`` (the data is accepted, and the warning is printed and recorded in the store's provenance
note). A :class:`ValidationReport`
collects every finding of one file, so a user sees all problems at once rather than the first.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pandas as pd

from deerhabitat.errors import Problem

Finding = Problem
"""A problem of an input file: a :class:`deerhabitat.errors.Problem` (one type for every problem)."""


def error(where: str, message: str) -> Finding:
    """Shorthand for an ``error`` finding."""
    return Problem(where, message, "error")


def warning(where: str, message: str) -> Finding:
    """Shorthand for a ``warning`` finding."""
    return Problem(where, message, "warning")


@dataclass
class ValidationReport:
    """Everything found while checking one input file for one layer kind.

    Attributes
    ----------
    kind : str
        The layer kind the file was checked against (e.g. ``sites``).
    path : str
        The input file.
    source : str
        The flavour read: the layer kind, ``wdpa`` or ``gbif``.
    file_format : str
        The format read (``GeoJSON``, ``CSV`` ...), or ``''`` if the file could not be identified.
    features : int
        Features read from the file (before filters).
    accepted : int
        Features that would be written.
    rejected : int
        Features left out on purpose (WDPA status filter, GBIF records that are not counts).
    findings : list of Finding
        Every error and warning, in the order found.
    """

    kind: str
    path: str
    source: str = ""
    file_format: str = ""
    features: int = 0
    accepted: int = 0
    rejected: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def errors(self) -> list[Finding]:
        """The findings that refuse the import."""
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """The findings that are only reported."""
        return [f for f in self.findings if f.level == "warning"]

    @property
    def ok(self) -> bool:
        """Whether the file can be imported (no errors)."""
        return not self.errors

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings, keeping their order."""
        self.findings.extend(findings)

    def to_dict(self) -> dict:
        """Plain dict for JSON output (``deerhabitat validate --json``)."""
        return {
            "kind": self.kind,
            "path": self.path,
            "source": self.source,
            "format": self.file_format,
            "features": self.features,
            "accepted": self.accepted,
            "rejected": self.rejected,
            "ok": self.ok,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "findings": [f.to_dict() for f in self.findings],
        }


def feature_labels(frame: pd.DataFrame, id_column: str | None) -> list[str]:
    """Label each row by its id (``site_id='a'``), or ``row N`` (1-based) when the id is missing.

    The same labels as :func:`deerhabitat.schema.validate_layer` uses, so one feature is named the
    same way in every message.

    Examples
    --------
    >>> feature_labels(pd.DataFrame({"site_id": ["a", None]}), "site_id")
    ["site_id='a'", 'row 2']
    """
    if id_column and id_column in frame.columns:
        values = frame[id_column].tolist()
        return [
            f"{id_column}={_id_text(v)!r}" if not _missing(v) else f"row {i + 1}"
            for i, v in enumerate(values)
        ]
    return [f"row {i + 1}" for i in range(len(frame))]


def _id_text(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else str(value)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and value != value:
        return True
    return isinstance(value, str) and not value.strip()


def summarise(findings: Sequence[Finding], *, limit: int = 10, width: int = 1000) -> str:
    """One line listing the first ``limit`` findings, for the provenance note.

    Examples
    --------
    >>> summarise([warning("row 1", "far away"), warning("row 2", "far away")], limit=1)
    'row 1: far away; and 1 more'
    """
    shown = "; ".join(str(f) for f in findings[:limit])
    more = f"; and {len(findings) - limit} more" if len(findings) > limit else ""
    text = shown + more
    return text if len(text) <= width else text[: width - 1] + "…"
