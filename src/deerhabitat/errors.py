"""Every exception and warning deerhabitat raises.

One root, :class:`DeerHabitatError`; each subclass also inherits the builtin a caller would expect
(rasterio's ``RasterioIOError(RasterioError, OSError)`` pattern). Messages have four parts: what was
wrong, the value received, what is allowed, and how to fix it. The CLI turns any
:class:`DeerHabitatError` into one ``Error: ...`` line and exit status 1.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal


class DeerHabitatError(Exception):
    """Root of every deerhabitat error."""


Level = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    """One problem at a location: of a layer, an input file or a national report.

    The one type for "what is wrong where", from the checks of an input file to the errors raised with
    every problem found; nothing is turned into text and parsed back.

    Attributes
    ----------
    where : str
        Where it is: a feature (``site_id='a'``, ``row 3``), a key of a report
        (``populations[2].count (line 41)``), or ``file`` for the whole file.
    message : str
        What is wrong, the value, what is allowed and how to fix it.
    level : {"error", "warning"}, default "error"
        ``error`` refuses the data; ``warning`` is reported and the data accepted.

    Examples
    --------
    >>> str(Problem("row 3", "count -1 must be at least 0"))
    'row 3: count -1 must be at least 0'
    >>> str(Problem("file", "the file holds no features"))
    'the file holds no features'
    """

    where: str
    message: str
    level: Level = "error"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where != WHOLE_FILE else self.message

    def to_dict(self) -> dict[str, str]:
        """Plain dict for JSON output."""
        return {"level": self.level, "where": self.where, "message": self.message}


WHOLE_FILE = "file"
"""The ``where`` of a problem of a whole file rather than of one feature."""


def as_problems(problems: Iterable[Problem | str]) -> list[Problem]:
    """``problems`` as :class:`Problem` (a text is a problem of the whole file)."""
    return [p if isinstance(p, Problem) else Problem(WHOLE_FILE, p) for p in problems]


class SchemaError(DeerHabitatError, ValueError):
    """A layer does not fit the schema of its kind.

    Parameters
    ----------
    kind : str
        The layer kind that was checked.
    problems : iterable of Problem or str
        Every problem found, each naming the feature id or row it concerns (a text: the whole file).
    """

    def __init__(self, kind: str, problems: Iterable[Problem | str]) -> None:
        self.kind = kind
        self.problems = as_problems(problems)
        shown = "; ".join(map(str, self.problems[:20]))
        more = f"; and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in the {kind!r} layer: {shown}{more}. "
            f"Fix them in the source file and run the command again."
        )


class CRSError(DeerHabitatError, ValueError):
    """A CRS is missing, mismatched, or unsuitable (geographic where equal-area is required)."""


class LayerNotFoundError(DeerHabitatError, LookupError):
    """A layer kind asked for is not in the store."""


class StoreError(DeerHabitatError, OSError):
    """The store cannot be opened, created or written, or an overwrite was refused."""


class InputFileError(DeerHabitatError, OSError):
    """An input file is missing, unreadable, corrupt or of an unsupported format."""


class ConfigError(DeerHabitatError, ValueError):
    """A configuration value is invalid; the message names the key and where it came from."""


class AnalysisError(DeerHabitatError, ValueError):
    """An analysis was given a parameter or data it cannot work with (a cell size of 0, no grid origin)."""


class PublishError(DeerHabitatError, ValueError):
    """A map or report cannot be published as asked (unknown map name, output folder not writable)."""


class ReportFormatError(DeerHabitatError, ValueError):
    """A national report does not fit the national report format.

    Parameters
    ----------
    name : str
        The report checked (its file name).
    problems : iterable of Problem or str
        Every problem found, each naming its key (``populations[2].count``) or sheet and row.
    """

    def __init__(self, name: str, problems: Iterable[Problem | str]) -> None:
        self.name = name
        self.problems = as_problems(problems)
        shown = "; ".join(map(str, self.problems[:20]))
        more = f"; and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in {name}: {shown}{more}. Fix them (see "
            f"docs/national-report-format.md) and check again with `deerhabitat national-report validate`."
        )


class DeerHabitatWarning(UserWarning):
    """Root of deerhabitat warnings."""


class DataQualityWarning(DeerHabitatWarning):
    """Data was accepted but something about it deserves a look (repaired geometry, far from the region)."""
