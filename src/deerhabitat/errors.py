"""Every exception and warning deerhabitat raises.

One root, :class:`DeerHabitatError`; each subclass also inherits the builtin a caller would expect
(rasterio's ``RasterioIOError(RasterioError, OSError)`` pattern). Messages have four parts: what was
wrong, the value received, what is allowed, and how to fix it. The CLI turns any
:class:`DeerHabitatError` into one ``Error: ...`` line and exit status 1.
"""

from __future__ import annotations


class DeerHabitatError(Exception):
    """Root of every deerhabitat error."""


class SchemaError(DeerHabitatError, ValueError):
    """A layer does not fit the schema of its kind.

    Parameters
    ----------
    kind : str
        The layer kind that was checked.
    problems : list of str
        Every problem found, each naming the feature id or row it concerns.
    """

    def __init__(self, kind: str, problems: list[str]) -> None:
        self.kind = kind
        self.problems = list(problems)
        shown = "; ".join(self.problems[:20])
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
    problems : list of str
        Every problem found, each naming its key (``populations[2].count``) or sheet and row.
    """

    def __init__(self, name: str, problems: list[str]) -> None:
        self.name = name
        self.problems = list(problems)
        shown = "; ".join(self.problems[:20])
        more = f"; and {len(self.problems) - 20} more" if len(self.problems) > 20 else ""
        super().__init__(
            f"{len(self.problems)} problem(s) in {name}: {shown}{more}. Fix them (see "
            f"docs/national-report-format.md) and check again with `deerhabitat national-report validate`."
        )


class DeerHabitatWarning(UserWarning):
    """Root of deerhabitat warnings."""


class DataQualityWarning(DeerHabitatWarning):
    """Data was accepted but something about it deserves a look (repaired geometry, far from the region)."""
