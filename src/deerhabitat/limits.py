"""Limits on what a reader takes in, so a hostile or broken file is refused in seconds, not after gigabytes.

Each limit has a command-line option of the same name that raises it (``--max-rows 500000``); a file
over a limit is refused with one message naming the limit, the value found and that option. The
defaults are far above any real national report (a few hundred rows, under 1 MB) and keep a reader
under a few hundred MB of memory.

==========================  =======================  =========================================================
option                      default                  what it bounds
==========================  =======================  =========================================================
``--max-file-mb``           20                       size of a national report file (YAML or .xlsx)
``--max-uncompressed-mb``   50 (.xlsx report)        what the zip members of an .xlsx (or a zipped shapefile)
                            2048 (layer import)      declare they expand to, checked before anything is read
``--max-sheets``            50                       sheets in a report workbook
``--max-rows``              100,000                  rows with data in a report: all sheets together (YAML:
                                                     list items)
``--max-columns``           100                      the last column with data in any row (YAML: keys of one
                                                     mapping)
``--max-yaml-nodes``        200,000                  values in a YAML report, each alias counted as what it
                                                     repeats ("billion laughs" is refused, not expanded)
``--max-yaml-depth``        20                       nesting of lists and mappings in a YAML report
==========================  =======================  =========================================================
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 1024 * 1024

EXCEL_MAX_ROWS = 1_048_576
"""Rows of an Excel sheet (a row number beyond it is not a valid workbook)."""
EXCEL_MAX_COLUMNS = 16_384
"""Columns of an Excel sheet (XFD)."""


@dataclass(frozen=True)
class ReadLimits:
    """The limits a reader enforces (see the module table).

    Attributes
    ----------
    file_mb, uncompressed_mb : float
        Largest file, and largest total its zip members may expand to, in MB (MiB).
    sheets, rows, columns : int
        Most sheets, rows with data (all sheets together) and columns with data.
    yaml_nodes, yaml_depth : int
        Most YAML values (aliases counted expanded) and deepest nesting.
    """

    file_mb: float = 20
    uncompressed_mb: float = 50
    sheets: int = 50
    rows: int = 100_000
    columns: int = 100
    yaml_nodes: int = 200_000
    yaml_depth: int = 20

    @property
    def file_bytes(self) -> int:
        """``file_mb`` in bytes."""
        return int(self.file_mb * MB)

    @property
    def uncompressed_bytes(self) -> int:
        """``uncompressed_mb`` in bytes."""
        return int(self.uncompressed_mb * MB)


OPTIONS = {
    "file_mb": "--max-file-mb",
    "uncompressed_mb": "--max-uncompressed-mb",
    "sheets": "--max-sheets",
    "rows": "--max-rows",
    "columns": "--max-columns",
    "yaml_nodes": "--max-yaml-nodes",
    "yaml_depth": "--max-yaml-depth",
}
"""Limit → the command-line option that raises it."""
