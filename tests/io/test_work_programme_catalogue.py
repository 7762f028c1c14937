"""The Work Programme catalogue: the bundled one complete and sourced; a bad one refused line by line."""

from __future__ import annotations

import pytest

from deerhabitat.errors import InputFileError
from deerhabitat.io.work_programme import CATALOGUE_COLUMNS, bundled_catalogue, read_catalogue


def test_bundled_catalogue_of_the_bukhara_deer():
    catalogue = bundled_catalogue("Cervus elaphus bactrianus")
    assert list(catalogue.columns) == [*CATALOGUE_COLUMNS, "theme_ru", "text_ru"]  # with its translations
    assert (catalogue["text_ru"].str.len() > 0).all()
    assert catalogue["id"].is_unique and len(catalogue) >= 8
    assert {"9.7", "10.4"} <= set(catalogue["action_id"])
    assert set(catalogue["programme"]) == {"WP 2021-2026"}
    assert (catalogue["source"].str.len() > 0).all() and (catalogue["theme"].str.len() > 0).all()
    # the paragraphs cited in public sources concern Uzbekistan's LABR only
    assert catalogue.set_index("action_id").loc["9.7", "states"] == "UZB"


def test_a_store_catalogue_for_a_new_programme(tmp_path):
    path = tmp_path / "wp.csv"
    path.write_text(
        "id,programme,action_id,theme,text,indicator,states,source,note\n"
        "WP25-1,WP 2025-2032,1,Populations,Count LABR each spring,count done,UZB,MOS3 doc,\n",
        encoding="utf-8",
    )
    assert read_catalogue(path).iloc[0]["programme"] == "WP 2025-2032"


def test_a_bad_catalogue_names_every_row_and_column(tmp_path):
    path = tmp_path / "wp.csv"
    path.write_text(
        "id,programme,action_id,theme,text,states,source\nA,WP 1,1,Th,Do it,KZ,src\nA,WP 1,2,Th,,all,src\n",
        encoding="utf-8",
    )
    with pytest.raises(InputFileError) as info:
        read_catalogue(path)
    assert str(info.value) == (
        "the Work Programme catalogue 'wp.csv': row 2, column 'states': 'KZ' is not an ISO 3166-1 alpha-3 "
        "code; write codes such as 'KAZ, UZB', or 'all'; row 3, column 'text' is empty; fill it in; id 'A' "
        "is used by rows 2, 3; give each action its own id"
    )


def test_a_catalogue_without_the_columns(tmp_path):
    path = tmp_path / "wp.csv"
    path.write_text("id,text\nA,Do it\n", encoding="utf-8")
    with pytest.raises(
        InputFileError, match="has no column 'programme', 'action_id', 'theme', 'states', 'source'"
    ):
        read_catalogue(path)
