"""The report's progress: a bar on a terminal (reading and layout, then a step per map), none with -q."""

from __future__ import annotations


def test_a_terminal_shows_the_reports_progress(run_in_terminal, tmp_path):
    code, drawn = run_in_terminal("report", "--out", tmp_path / "maps")
    assert code == 0, drawn
    assert "Overview Report: read, analyse, lay out" in drawn and "| 0/4 " in drawn  # four steps
    assert "Overview Report: maps and images" in drawn


def test_q_silences_the_reports_progress(run_in_terminal, tmp_path):
    code, drawn = run_in_terminal("-q", "report", "--out", tmp_path / "maps")
    assert code == 0, drawn
    assert "Overview Report" not in drawn
