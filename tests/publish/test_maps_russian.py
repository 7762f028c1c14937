"""The maps in Russian: the catalogue, Russian names from the data, static images with Cyrillic, --lang."""

from __future__ import annotations

import csv
import io
import re
import warnings
from pathlib import Path

import geopandas as gpd
import pytest
from publish_builders import make_layers, make_store

from deerhabitat import i18n
from deerhabitat.config import bundled_store_path
from deerhabitat.publish import build_maps
from deerhabitat.publish.layers import encode_map
from deerhabitat.publish.map_text import ENGLISH, UI_KEYS, localise
from deerhabitat.publish.static import _figure
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import report
from deerhabitat.workflows.maps import map_, prepare_publication

ROOT = Path(__file__).resolve().parents[2]
CYRILLIC = re.compile("[\u0400-\u04ff]")


def test_every_maps_key_has_a_current_russian_translation():
    assert i18n.check_po("ru", "maps") == []
    assert i18n.duplicate_keys() == {}
    for key in ENGLISH:
        assert key.startswith("map."), key  # the report domain has its own "maps." keys
        assert CYRILLIC.search(i18n.message(key, lang="ru")) or key in _CODES_AND_UNITS, key


_CODES_AND_UNITS = {"map.unit.percent", "map.title.state", "map.value.count"}
"""Keys whose Russian is a unit or a pattern without words (``%``, ``{name} ({iso3})``, ``{count} ({date})``).
"""


def test_fixed_labels_and_page_controls_follow_the_language():
    assert localise("Rivers") == "Rivers"
    with i18n.language("ru"):
        assert localise("Rivers") == "Реки"
        assert localise("km²") == "км²"
        assert localise("Amu Darya") == "Amu Darya"  # data, not vocabulary: unchanged
    assert {k.removeprefix("map.ui.") for k in UI_KEYS} <= set(ENGLISH_UI := encode_map_text("en"))
    assert ENGLISH_UI["search"] == "Search sites by name"
    assert encode_map_text("ru")["search"] == "Поиск участков по названию"


def encode_map_text(lang: str) -> dict[str, str]:
    from deerhabitat.publish.layers import WebMap

    return encode_map(WebMap("m", "M", "", (), lang=lang))["text"]


@pytest.fixture(scope="module")
def bundled_ru_maps():
    with i18n.language("ru"):
        return {m.name: m for m in build_maps(prepare_publication(None, "public").data)}


def test_russian_maps_use_the_russian_names_of_the_bundled_data(bundled_ru_maps):
    overview = bundled_ru_maps["overview"]
    assert overview.lang == "ru"
    layers = {layer.id: layer for layer in overview.layers}
    assert set(layers["range-states"].frame["name"]) == {
        "Афганистан",
        "Казахстан",
        "Таджикистан",
        "Туркменистан",
        "Узбекистан",
    }
    assert "Амударья" in set(layers["rivers"].frame["name"])
    assert "Кызылкумский государственный заповедник" in set(layers["protected-areas"].frame["name"])
    assert all(CYRILLIC.search(n) for n in layers["sites"].frame["name"])
    assert layers["rivers"].title == "Реки" and layers["rivers"].group == "Границы"
    assert bundled_ru_maps["state-uzb"].title == "Узбекистан (UZB)"


def test_russian_candidate_popups_explain_in_russian_from_the_published_columns(bundled_ru_maps):
    (candidates,) = [layer for layer in bundled_ru_maps["habitat"].layers if layer.id == "candidates"]
    frame = candidates.frame
    first = frame.iloc[0]
    assert first["explanation"].startswith(f"Ранг {first['rank']} из {len(frame)}: ")
    assert all(not re.search("[A-Za-z]{2,}", e) for e in frame["explanation"])
    assert f"{first['distance_to_source_km']:.0f} км от её центра" in first["explanation"]


def test_every_russian_name_of_the_sources_is_cited_and_in_the_bundled_store():
    with (ROOT / "data" / "sources" / "names_ru.csv").open(encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert rows and all(r["name_ru"] and r["source"] for r in rows)
    assert {r["how"] for r in rows} <= {"official", "established", "translated", "transliterated"}
    layer_of = {
        "range-states": ("range_states", "iso3"),
        "rivers": ("rivers", "river_id"),
        "protected-areas": ("protected_areas", "pa_id"),
        "sites": ("sites", "site_id"),
    }
    for layer, (table, id_column) in layer_of.items():
        frame = gpd.read_file(bundled_store_path(), layer=table)
        stored = dict(zip(frame[id_column].astype(str), frame["name_ru"], strict=True))
        for row in (r for r in rows if r["layer"] == layer):
            assert stored[row["id"]] == row["name_ru"]
    ranges = gpd.read_file(bundled_store_path(), layer="ranges")
    assert ranges["name_ru"].notna().all() and all(CYRILLIC.search(n) for n in ranges["name_ru"])


def test_a_russian_static_map_has_every_glyph_and_cyrillic_text(bundled_ru_maps):
    for name in ("overview", "population", "habitat"):
        web_map = bundled_ru_maps[name]
        with warnings.catch_warnings(record=True) as caught, i18n.language("ru"):
            warnings.simplefilter("always")
            fig = _figure(web_map, web_map.start_year)
            fig.savefig(io.BytesIO(), format="png", dpi=50)
            fig.savefig(io.BytesIO(), format="svg")
        missing = [str(w.message) for w in caught if "missing from" in str(w.message).lower()]
        assert missing == [], missing
        shown = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
        assert any(t.startswith(web_map.title) for t in shown)
        assert "С" in shown  # the north arrow
        assert any(t.endswith(" км") for t in shown)  # the scale bar
        assert not any("Made with" in t for t in shown)


def test_map_lang_ru_writes_russian_pages_and_images(tmp_path):
    store = tmp_path / "world.gpkg"
    make_store(store)
    result = map_("overview", store=store, out=tmp_path / "maps", dpi=50, lang="ru")
    page = (result.out / "overview.html").read_text(encoding="utf-8")
    assert '<html lang="ru">' in page
    assert '"locale":"ru"' in page and "Слои и легенда" in page
    assert (result.out / "static" / "overview.png").stat().st_size > 0
    assert i18n.current_language() == "en"  # only while the maps are made
    english = map_("overview", store=store, out=tmp_path / "en", dpi=50)
    assert '<html lang="en">' in (english.out / "overview.html").read_text(encoding="utf-8")


def test_the_report_in_russian_embeds_russian_maps(tmp_path):
    store = tmp_path / "world.gpkg"
    make_store(store)
    out = report(store=store, out=tmp_path / "report", dpi=50, lang="ru").out
    index = (out / "index.html").read_text(encoding="utf-8")
    assert index.count('"locale":"ru"') >= 1 and '"locale":"en"' not in index
    assert '"locale":"ru"' in (out / "overview.html").read_text(encoding="utf-8")


def test_hostile_russian_names_stay_data_in_the_page(tmp_path):
    layers = make_layers()
    sites = layers[LayerKind.SITES]
    sites["name_ru"] = ["</script><script>window.__pwned=9</script>"] * len(sites)
    store = tmp_path / "world.gpkg"
    make_store(store, layers)
    result = map_("overview", store=store, out=tmp_path / "maps", dpi=50, lang="ru")
    page = (result.out / "overview.html").read_text(encoding="utf-8")
    assert "window.__pwned=9" in page  # in the JSON, escaped
    assert "<script>window.__pwned=9" not in page
    assert "\\u003c/script\\u003e\\u003cscript\\u003ewindow.__pwned=9" in page


def test_an_unknown_map_language_is_refused_before_anything_is_written(tmp_path, run_cli):
    result = run_cli("map", "--lang", "xx", "--out", tmp_path / "maps")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: language 'xx' is not available for the maps; use one of: en, ru (pass it with --lang)"
    )
    assert not (tmp_path / "maps").exists()
