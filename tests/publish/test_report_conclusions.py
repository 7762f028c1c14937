"""Conclusions and recommendations: the author's text kept in the store, filled, always escaped."""

from __future__ import annotations

import hashlib

from deerhabitat.io import Store
from deerhabitat.publish.conclusions import conclusions, fill, parse
from deerhabitat.workflows.store import init


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_placeholders_are_filled_and_unknown_ones_named():
    text, unknown = fill(
        "{total_latest} in {year}, {total_latest}; {typo} {typo}", {"total_latest": "9", "year": "1"}
    )
    assert (text, unknown) == ("9 in 1, 9; {typo} {typo}", ("typo",))


def test_paragraphs_and_bullets_from_plain_markdown():
    assert parse("A\nB\n\n\n- x\n-y\n* z\n\nC") == (("A B", "-y", "C"), ("x", "z"))
    assert parse("") == ((), ())


def test_without_a_text_the_default_draft_is_filled_from_the_figures():
    values = {k: "7" for k in ("total_latest", "year", "n_states", "n_states_counted", "period", "n_reports",
                               "n_illustrative", "n_missing", "n_wp_gaps")}  # fmt: skip
    draft = conclusions(None, values)
    assert draft.draft and draft.unknown == ()
    assert draft.paragraphs[0] == "In 7, the store counts 7 wild animals in 7 of 7 range states."
    assert len(draft.items) == 3
    assert not conclusions("Own text.", values).draft


def test_report_text_set_keeps_the_text_and_the_report_shows_it_escaped_and_filled(tmp_path, run_cli):
    store = tmp_path / "s.gpkg"
    init(store)
    text = tmp_path / "conclusions.md"
    text.write_text(
        "# Conclusions\n\nNumbers: {n_states} range states; {unknown_name}.\n\n"
        "- Protect <script>alert(1)</script> & tugai\n",
        encoding="utf-8",
    )
    result = run_cli("report-text", "set", "conclusions", text, "--store", store)
    assert result.exit_code == 0, result.stderr
    assert "Kept the conclusions text" in result.stdout
    assert Store(store).report_texts()["conclusions"].startswith("# Conclusions")
    out = tmp_path / "maps"
    assert run_cli("report", "--store", store, "--out", out, "--dpi", "50").exit_code == 0
    page = (out / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="conclusions"') :]
    section = section[: section.index("</section>")]
    assert "Numbers: 5 range states; {unknown_name}." in section
    assert (
        "Protect &lt;script&gt;alert(1)&lt;/script&gt; &amp; tugai" in section and "<script>" not in section
    )
    assert "Placeholders left as written" in section and "unknown_name" in section
    assert "Draft:" not in section


def test_the_default_draft_is_marked_as_a_draft(tmp_path):
    from deerhabitat.workflows import report

    store = tmp_path / "s.gpkg"
    init(store)
    page = (report(store=store, out=tmp_path / "maps", dpi=50).out / "index.html").read_text(encoding="utf-8")
    section = page[page.index('<section id="conclusions"') :]
    assert "Draft: deerhabitat wrote this text" in section[: section.index("</section>")]


def test_a_bad_text_file_is_refused_in_one_line_and_the_store_is_unchanged(tmp_path, run_cli):
    store = tmp_path / "s.gpkg"
    init(store)
    before = _sha(store)
    bad = tmp_path / "latin1.md"
    bad.write_bytes("Caf\xe9".encode("latin-1"))
    result = run_cli("report-text", "set", "conclusions", bad, "--store", store)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"Error: the text file {str(bad)!r} is not UTF-8 text; save it as UTF-8 plain text or Markdown"
    )
    missing = run_cli("report-text", "set", "conclusions", tmp_path / "nope.md", "--store", store)
    assert missing.exit_code == 1 and missing.stderr.startswith("Error: cannot read the text file")
    assert "Traceback" not in missing.stderr
    assert run_cli("report-text", "set", "summary", bad, "--store", store).exit_code == 2
    assert _sha(store) == before
