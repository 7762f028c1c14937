"""The notebooks in notebooks/ run top to bottom, offline, on the public API, and are committed unexecuted.

Each notebook is executed with nbclient in a fresh ``python3`` kernel (the venv's ipykernel) whose working
directory is a temporary folder, as a user would run it from a fresh install. The kernel gets a
``sitecustomize`` that refuses every network connection from Python (an audit hook on ``socket.connect``
and ``socket.getaddrinfo``), so a notebook that needs the internet fails here.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest
from IPython.core.inputtransformer2 import TransformerManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from deerhabitat.config import bundled_store_path
from deerhabitat.io import file_sha256

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
STRIP_TOOL = ROOT / "tools" / "strip_notebooks.py"
CELL_TIMEOUT_S = 300

OFFLINE_GUARD = textwrap.dedent('''
    """Installed by tests/notebooks: refuse every network connection from Python code in this process."""
    import sys

    _LOCAL = {"localhost", "127.0.0.1", "::1", "0.0.0.0", ""}


    def _host(value):
        if isinstance(value, bytes):
            value = value.decode("ascii", "replace")
        return None if value is None else str(value)


    def _offline(event, args):
        if event == "socket.getaddrinfo":
            host = _host(args[0])
        elif event == "socket.connect":
            address = args[1]
            host = _host(address[0]) if isinstance(address, tuple) and address else None
        else:
            return
        if host is not None and host not in _LOCAL and not host.startswith("127."):
            raise OSError(f"network blocked in the notebook test: {event} to {host!r}")


    sys.addaudithook(_offline)
''')


def _strip_tool():
    spec = importlib.util.spec_from_file_location("strip_notebooks", STRIP_TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _code_cells(notebook: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


@pytest.fixture
def kernel_env(tmp_path_factory) -> dict[str, str]:
    """The environment of the notebook kernel: no DEERHABITAT_STORE, and the offline guard on PYTHONPATH."""
    guard = tmp_path_factory.mktemp("offline-guard")
    (guard / "sitecustomize.py").write_text(OFFLINE_GUARD, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("DEERHABITAT_STORE", "PYTHONPATH")}
    env["PYTHONPATH"] = os.pathsep.join([str(guard), *filter(None, [os.environ.get("PYTHONPATH")])])
    return env


def execute(
    notebook: nbformat.NotebookNode, cwd: Path, env: dict[str, str], *, allow_errors: bool = False
) -> nbformat.NotebookNode:
    """Run every cell of ``notebook`` in a new python3 kernel started in ``cwd``; return the executed copy."""
    client = NotebookClient(
        notebook,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        allow_errors=allow_errors,
        resources={"metadata": {"path": str(cwd)}},
    )
    client.execute(env=env)
    return notebook


def one_cell(source: str) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source)]
    return notebook


# -- what is committed --------------------------------------------------------------------------------


def test_the_three_notebooks_of_the_issue_are_there():
    assert [p.name for p in NOTEBOOKS] == [
        "01-explore-and-analyse.ipynb",
        "02-import-your-data.ipynb",
        "03-maps-for-reports.ipynb",
    ]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_have_no_outputs(path):
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in _code_cells(notebook):
        assert cell.outputs == [], f"{path.name} cell {cell.id} has outputs; run tools/strip_notebooks.py"
        assert cell.execution_count is None, f"{path.name} cell {cell.id} has an execution_count"
    assert _strip_tool().problems(notebook) == []
    assert notebook.metadata["kernelspec"]["name"] == "python3"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_explain_each_step_in_markdown(path):
    notebook = nbformat.read(path, as_version=4)
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    markdown = [c for c in notebook.cells if c.cell_type == "markdown"]
    assert len(markdown) >= len(_code_cells(notebook)) // 2, "too few explanations for the code cells"


def private_names(source: str) -> list[str]:
    """Names starting with ``_`` (not dunders) that a cell imports from deerhabitat or uses as attributes."""
    tree = ast.parse(TransformerManager().transform_cell(source))
    found = []

    def private(name: str) -> bool:
        return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "deerhabitat":
            found += [
                f"from {node.module} import {a.name}"
                for a in node.names
                if private(a.name) or any(private(p) for p in node.module.split("."))
            ]
        elif isinstance(node, ast.Import):
            found += [f"import {a.name}" for a in node.names if any(private(p) for p in a.name.split("."))]
        elif isinstance(node, ast.Attribute) and private(node.attr):
            found.append(f".{node.attr}")
    return found


def test_the_private_name_check_finds_private_names():
    assert private_names("from deerhabitat.analysis._preconditions import x") == [
        "from deerhabitat.analysis._preconditions import x"
    ]
    assert private_names("from deerhabitat.workflows.maps import _select") == [
        "from deerhabitat.workflows.maps import _select"
    ]
    assert private_names("import deerhabitat._version") == ["import deerhabitat._version"]
    assert private_names("an._run(1)\nx.__class__") == ["._run"]
    assert private_names("%matplotlib inline\nfrom deerhabitat.workflows import report") == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebooks_use_only_public_names(path):
    notebook = nbformat.read(path, as_version=4)
    found = {cell.id: names for cell in _code_cells(notebook) if (names := private_names(cell.source))}
    assert found == {}


# -- the strip tool -------------------------------------------------------------------------------------


def _executed_notebook(path: Path) -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["language_info"] = {"name": "python", "version": "3.11.7", "mimetype": "text/x-python"}
    notebook.metadata["widgets"] = {"state": {}}
    cell = nbformat.v4.new_code_cell(
        "print(1)", execution_count=3, outputs=[nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    )
    cell.metadata["execution"] = {"iopub.execute_input": "2026-11-24T10:00:00Z"}
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), cell]
    nbformat.write(notebook, path)


def test_strip_tool_checks_then_strips(tmp_path):
    path = tmp_path / "run.ipynb"
    _executed_notebook(path)
    check = subprocess.run(
        [sys.executable, str(STRIP_TOOL), "--check", str(path)], capture_output=True, text=True
    )
    assert check.returncode == 1
    assert "1 output(s)" in check.stdout and "execution_count 3" in check.stdout
    assert "'execution'" in check.stdout and "'widgets'" in check.stdout and "version" in check.stdout
    assert "1 notebook(s) have outputs; run: python tools/strip_notebooks.py" in check.stderr
    before = path.read_bytes()
    assert subprocess.run([sys.executable, str(STRIP_TOOL), "--check", str(path)]).returncode == 1
    assert path.read_bytes() == before, "--check writes nothing"

    done = subprocess.run([sys.executable, str(STRIP_TOOL), str(path)], capture_output=True, text=True)
    assert done.returncode == 0 and "stripped" in done.stdout
    stripped = json.loads(path.read_text(encoding="utf-8"))
    code = stripped["cells"][1]
    assert (code["outputs"], code["execution_count"], code["metadata"]) == ([], None, {})
    assert ["".join(c["source"]) for c in stripped["cells"]] == ["# Title", "print(1)"], "the text is kept"
    assert stripped["metadata"] == {"language_info": {"name": "python"}}
    again = subprocess.run(
        [sys.executable, str(STRIP_TOOL), "--check", str(path)], capture_output=True, text=True
    )
    assert (again.returncode, again.stdout, again.stderr) == (0, "", "")


# -- running them -----------------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_kernel_is_offline(tmp_path, kernel_env):
    notebook = execute(
        one_cell("import urllib.request\nurllib.request.urlopen('http://example.org/', timeout=5)"),
        tmp_path,
        kernel_env,
        allow_errors=True,
    )
    errors = [o for o in notebook.cells[0].outputs if o.output_type == "error"]
    assert len(errors) == 1
    assert "network blocked in the notebook test" in errors[0].evalue


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_top_to_bottom_offline(path, tmp_path, kernel_env):
    bundled = file_sha256(bundled_store_path())
    notebook = nbformat.read(path, as_version=4)
    try:
        execute(notebook, tmp_path, kernel_env)
    except CellExecutionError as exc:
        pytest.fail(f"{path.name} failed:\n{exc}")

    cells = _code_cells(notebook)
    assert all(cell.execution_count is not None for cell in cells), "every code cell ran"
    stderr = [
        (cell.id, o.text)
        for cell in cells
        for o in cell.outputs
        if o.output_type == "stream" and o.name == "stderr"
    ]
    assert stderr == [], f"{path.name} printed warnings or errors"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"], "notebooks write only into work/"
    assert file_sha256(bundled_store_path()) == bundled, "the bundled store is never written"
