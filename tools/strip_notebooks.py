"""Strip the outputs of Jupyter notebooks before they are committed.

Usage::

    .venv/bin/python tools/strip_notebooks.py            # strip notebooks/*.ipynb in place
    .venv/bin/python tools/strip_notebooks.py --check    # list unstripped notebooks, exit 1 if any
    .venv/bin/python tools/strip_notebooks.py a.ipynb b.ipynb

A stripped notebook has no outputs and no execution counts, no per-run cell metadata (``execution``
timings, ``collapsed``, ``scrolled``, ``ExecuteTime``), no widget state, and ``language_info`` reduced to
its ``name``. So the committed notebooks change only when their text changes, and the test suite
(``tests/notebooks``) executes them afresh instead of trusting stored results.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
VOLATILE_CELL_METADATA = ("execution", "collapsed", "scrolled", "ExecuteTime")
"""Cell metadata that records a run, not the notebook's content."""
VOLATILE_NOTEBOOK_METADATA = ("widgets",)
"""Notebook metadata that records a run (widget state)."""


def problems(notebook: nbformat.NotebookNode) -> list[str]:
    """List what is not stripped in ``notebook`` (empty when it is clean).

    Parameters
    ----------
    notebook : nbformat.NotebookNode
        A notebook read with ``nbformat.read(path, as_version=4)``.

    Returns
    -------
    list of str
        One line per cell or metadata key that still holds run results, e.g.
        ``cell 3 (id 'explore-03'): 2 output(s)``.
    """
    found = []
    for index, cell in enumerate(notebook.cells):
        where = f"cell {index} (id {cell.get('id')!r})"
        if cell.cell_type == "code":
            if cell.get("outputs"):
                found.append(f"{where}: {len(cell.outputs)} output(s)")
            if cell.get("execution_count") is not None:
                found.append(f"{where}: execution_count {cell.execution_count}")
        found.extend(f"{where}: metadata {key!r}" for key in VOLATILE_CELL_METADATA if key in cell.metadata)
    found.extend(
        f"notebook metadata {key!r}" for key in VOLATILE_NOTEBOOK_METADATA if key in notebook.metadata
    )
    language = notebook.metadata.get("language_info", {})
    extra = sorted(set(language) - {"name"})
    if extra:
        found.append(f"notebook metadata 'language_info' has run details: {', '.join(extra)}")
    return found


def strip(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Remove outputs, execution counts and per-run metadata from ``notebook`` (in place) and return it."""
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in VOLATILE_CELL_METADATA:
            cell.metadata.pop(key, None)
    for key in VOLATILE_NOTEBOOK_METADATA:
        notebook.metadata.pop(key, None)
    if "language_info" in notebook.metadata:
        notebook.metadata["language_info"] = {
            "name": notebook.metadata["language_info"].get("name", "python")
        }
    return notebook


def main(argv: list[str] | None = None) -> int:
    """Strip (or with ``--check``, only check) the notebooks named, default ``notebooks/*.ipynb``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)")
    parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any notebook has outputs"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    unclean = 0
    for path in paths:
        notebook = nbformat.read(path, as_version=4)
        found = problems(notebook)
        if not found:
            continue
        unclean += 1
        if args.check:
            print(f"{path}: not stripped ({'; '.join(found[:5])}{' ...' if len(found) > 5 else ''})")
        else:
            nbformat.write(strip(notebook), path)
            print(f"{path}: stripped")
    if args.check and unclean:
        print(f"{unclean} notebook(s) have outputs; run: python tools/strip_notebooks.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
