"""The package's layer rules (pyproject.toml import-linter contracts) hold, and doctests run."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import deerhabitat

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold():
    exe = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(
        [str(exe), "--config", str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.split("Contracts:")[-1].split("kept")[0]


def test_import_deerhabitat_stays_light():
    code = "import sys, deerhabitat; print(any(m in sys.modules for m in ('folium', 'matplotlib', 'click')))"
    assert (
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
    )


MODULES = sorted(m.name for m in pkgutil.walk_packages(deerhabitat.__path__, "deerhabitat."))


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    failures, _ = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert failures == 0


def test_every_workflow_export_resolves():
    import deerhabitat.workflows as workflows

    for name in workflows.__all__:
        assert callable(getattr(workflows, name)), name
