"""Starting the command line loads only click, so ``--help`` and ``--version`` are fast (see benchmarks/)."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "pandas",
    "geopandas",
    "numpy",
    "shapely",
    "pyproj",
    "rasterio",
    "matplotlib",
    "folium",
    "tqdm",
    "babel",
)


def loaded_after(args: list[str]) -> set[str]:
    code = (
        "import sys\n"
        "from deerhabitat.cli.main import cli\n"
        "try:\n"
        f"    cli({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules), file=sys.stderr)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return {m for m in result.stderr.strip().split(",") if m}


def test_help_and_version_load_no_scientific_library():
    assert loaded_after(["--help"]) == set()
    assert loaded_after(["--version"]) == set()


def test_every_command_help_loads_no_scientific_library():
    from deerhabitat.cli.main import COMMANDS

    for name in COMMANDS:
        assert loaded_after([name, "--help"]) == set(), name


def test_help_lists_every_command_with_its_summary(run_cli):
    from deerhabitat.cli.main import COMMANDS

    result = run_cli("--help")
    assert result.exit_code == 0, result
    for name in COMMANDS:
        assert f"  {name} " in result.stdout, name


def test_the_basemap_choices_are_the_publish_basemaps():
    from deerhabitat.cli.map import BASEMAPS
    from deerhabitat.publish.assets import Basemap

    assert BASEMAPS == tuple(b.value for b in Basemap)


def test_a_workflow_named_like_its_module_is_the_function_whatever_was_imported_first():
    code = (
        "import deerhabitat.workflows.analyze, deerhabitat.workflows.report\n"
        "from deerhabitat.workflows import analyze, report\n"
        "import deerhabitat.workflows as w\n"
        "assert callable(analyze) and callable(report), (analyze, report)\n"
        "assert w.analyze is analyze and w.report is report\n"
        "from deerhabitat.workflows.analyze import TABLES\n"
        "assert TABLES\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_importing_the_workflows_package_loads_no_workflow():
    code = "import sys, deerhabitat.workflows; print(sorted(m for m in sys.modules if 'deerhabitat.' in m))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "deerhabitat.workflows.report" not in result.stdout
    assert "deerhabitat.workflows.habitat" not in result.stdout
