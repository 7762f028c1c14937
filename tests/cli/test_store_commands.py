"""`deerhabitat init` and `deerhabitat layers`, run as real commands."""

from __future__ import annotations

import json


def test_init_then_layers_json(run_cli, tmp_path):
    result = run_cli("init", "deer.gpkg")
    assert result.exit_code == 0, result
    assert (tmp_path / "deer.gpkg").is_file()
    result = run_cli("layers", "--store", "deer.gpkg", "--json")
    assert result.exit_code == 0, result
    assert json.loads(result.stdout) == []


def test_init_refuses_existing_file_with_one_line(run_cli, tmp_path):
    (tmp_path / "deer.gpkg").write_bytes(b"precious")
    result = run_cli("init", "deer.gpkg")
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == [
        "Error: 'deer.gpkg' already exists; choose another path, or remove it first"
    ]
    assert (tmp_path / "deer.gpkg").read_bytes() == b"precious"


def test_init_refuses_a_crs_that_distorts_area(run_cli, tmp_path):
    result = run_cli("init", "deer.gpkg", "--analysis-crs", "EPSG:3857")
    assert result.exit_code == 1
    assert "does not preserve area" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "deer.gpkg").exists()


def test_missing_store_is_one_clear_line_and_debug_shows_traceback(run_cli):
    result = run_cli("layers", "--store", "nowhere.gpkg")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: store 'nowhere.gpkg' does not exist; create it with")
    assert len(result.stderr.strip().splitlines()) == 1
    result = run_cli("--debug", "layers", "--store", "nowhere.gpkg")
    assert result.exit_code == 1 and "Traceback" in result.stderr


def test_bad_usage_exits_2(run_cli):
    assert run_cli("layers", "--no-such-option").exit_code == 2
    assert run_cli("no-such-command").exit_code == 2


def test_version(run_cli):
    from deerhabitat import __version__

    result = run_cli("--version")
    assert result.exit_code == 0 and __version__ in result.stdout


def test_environment_variable_chooses_the_store(run_cli, tmp_path):
    run_cli("init", "env.gpkg")
    result = run_cli("layers", "--json", env={"DEERHABITAT_STORE": str(tmp_path / "env.gpkg")})
    assert result.exit_code == 0 and json.loads(result.stdout) == []


def test_the_bundled_store_cannot_be_written_even_by_explicit_path(tmp_path):
    import hashlib

    import pytest

    from deerhabitat.config import bundled_store_path
    from deerhabitat.errors import StoreError
    from deerhabitat.workflows import open_store

    path = bundled_store_path()
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    with pytest.raises(
        StoreError, match=r"^read-only: the bundled store .* `deerhabitat init --from-bundled"
    ):
        open_store(str(path), write=True)
    store = open_store(str(path))
    assert store.readonly
    with pytest.raises(StoreError, match=r"^read-only"), store.transaction():
        pass
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_closed_pipe_is_not_an_error():
    import subprocess
    import sys
    from pathlib import Path

    exe = Path(sys.executable).with_name("deerhabitat")
    result = subprocess.run(
        f"'{exe}' layers --json | head -c 1",
        shell=True,
        capture_output=True,
        text=True,
        executable="/bin/bash",
    )
    assert result.stdout == "["
    assert "Error" not in result.stderr and "Traceback" not in result.stderr
