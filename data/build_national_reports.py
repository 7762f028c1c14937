"""Build the Excel versions of the bundled national reports from their YAML sources.

    .venv/bin/python data/build_national_reports.py          # write data/national-reports/*.xlsx
    .venv/bin/python data/build_national_reports.py --check  # exit 1 if an .xlsx differs from its YAML

The YAML files in ``data/national-reports/`` are the sources, written by hand from
/work/shared/reference/bukhara-deer-facts.md (compiled from public sources by deerhabitat for
illustration, not official submissions). Each is checked against the national report format and
written as an Excel workbook in the layout of ``deerhabitat national-report template --format xlsx``
(one sheet per section, drop-down lists for coded fields). ``--check`` reads every workbook back and
compares its content, value by value, with its YAML source (workbooks are zip files with timestamps,
so bytes are not compared).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from deerhabitat.io.national_report import read_report_file, write_report_file
from deerhabitat.nrschema import check_report

REPORTS = Path(__file__).resolve().parent / "national-reports"


def checked(path: Path) -> dict:
    """Read a report file and return its checked content; raise SystemExit listing problems."""
    source = read_report_file(path)
    report, problems = check_report(source.data, locate=source.locate)
    problems = [*source.problems, *problems]
    if problems:
        raise SystemExit("\n".join(f"{path.name}: {p}" for p in problems))
    return report


def build(folder: Path = REPORTS) -> list[Path]:
    """Write ``<name>.xlsx`` beside every ``<name>.yaml`` in ``folder``; return the workbooks written."""
    written = []
    for source in sorted(folder.glob("*.yaml")):
        written.append(write_report_file(checked(source), source.with_suffix(".xlsx"), overwrite=True))
    return written


def stale(folder: Path = REPORTS) -> list[str]:
    """Names of the YAML reports whose workbook is missing or differs from them."""
    out = []
    for source in sorted(folder.glob("*.yaml")):
        workbook = source.with_suffix(".xlsx")
        if not workbook.is_file() or checked(workbook) != checked(source):
            out.append(source.name)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line: build, or ``--check`` that the workbooks are up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check that the .xlsx files are up to date")
    args = parser.parse_args(argv)
    if args.check:
        outdated = stale()
        for name in outdated:
            print(
                f"{name}: the .xlsx is missing or differs; run data/build_national_reports.py",
                file=sys.stderr,
            )
        return 1 if outdated else 0
    for path in build():
        print(f"wrote {path.relative_to(REPORTS.parent.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
