"""Numbers in the Russian Overview Report written the Russian way (issue 14), the English ones unchanged.

Russian: a decimal comma (``0,65``), a no-break space between thousands (``1 199,8``) and before ``%``
(``+1,4 %``), years with no separator (``1938``). Each fix is checked in both languages with strings written
by hand; then the Russian report of the bundled store is built once and its tables and map frames are
scanned for numbers still written the English way. CSV files stay machine-readable (dot decimals).
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from deerhabitat import i18n
from deerhabitat.config import bundled_store_path
from deerhabitat.publish import report_tables as rt
from deerhabitat.publish.density import Density
from deerhabitat.publish.generalise import Profile, generalisation_method
from deerhabitat.publish.layers import MapLayer, WebMap, encode_map
from deerhabitat.publish.rasters import build_raster_layer
from deerhabitat.publish.report_page import profile_note
from deerhabitat.publish.styles import POPUP_FIELDS, Field, LayerStyle, Symbol, coverage_style
from deerhabitat.schema import LayerKind
from deerhabitat.workflows import report

NB = "\u00a0"


# --- each fix, in English and in Russian ---------------------------------------------------------------


def _reintroductions(growth: list[float]) -> pd.DataFrame:
    n = len(growth)
    return pd.DataFrame(
        {
            "site_id": [f"S{i}" for i in range(n)],
            "first_release_year": [2007] * n,
            "founders": [9] * n,
            "releases": [1] * n,
            "latest_year": [2023] * n,
            "latest_count": [142] * n,
            "growth_rate_per_year": growth,
            "status": ["established"] * n,
        }
    )


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["+1.4 %", "+33.3 %", "-25.0 %", "–"]),
        ("ru", [f"+1,4{NB}%", f"+33,3{NB}%", f"-25,0{NB}%", "–"]),
    ],
)
def test_reintroduction_growth_is_a_signed_percentage_of_the_language(lang, expected):
    growth = [0.0137, 0.3333, -0.25, float("nan")]
    with i18n.language(lang):
        table = rt.reintroductions_table(_reintroductions(growth))
    assert table is not None
    column = i18n.message("col.growth", lang=lang)
    assert table.display[column].tolist() == expected
    assert table.data["growth_rate_per_year"].tolist()[:3] == growth[:3]  # the CSV keeps the rate


def _candidates() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "rank": [1, 2],
            "candidate_id": ["C01", "C02"],
            "score": [0.6512, 0.5874],
            "area_km2": [6673.3, 452.5],
            "protected_fraction": [0.013, 0.932],
            "nearest_population_id": ["UZB-JEYRAN", "KAZ-ILEBALKHASH"],
            "distance_to_population_km": [100.0, 20.0],
            "nearest_source_id": ["TKM-AMUDARYA", "KAZ-ILEBALKHASH"],
            "distance_to_source_km": [20.0, 50.0],
        }
    )


@pytest.mark.parametrize(("lang", "expected"), [("en", ["0.65", "0.59"]), ("ru", ["0,65", "0,59"])])
def test_candidate_scores_have_the_decimal_mark_of_the_language(lang, expected):
    with i18n.language(lang):
        table = rt.candidates_table(_candidates())
    assert table is not None
    assert table.display[i18n.message("col.score", lang=lang)].tolist() == expected
    assert table.data["score"].tolist() == [0.6512, 0.5874]  # the CSV keeps the raw score


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "Populations whose latest wild count is more than 5 years older than 2023."),
        ("ru", f"Популяции, последний учёт диких животных которых старше 2023{NB}г. более чем на 5 лет."),
    ],
)
def test_the_stale_counts_caption_writes_its_year_as_the_language_does(lang, expected):
    stale = pd.DataFrame(
        {"site_id": ["KAZ-SYRDARYA"], "iso3": ["KAZ"], "latest_year": [2016], "latest_count": [103]}
    ).assign(age_years=7)
    with i18n.language(lang):
        table = rt.stale_table(stale, {"KAZ": "Kazakhstan"}, years=5, year=2023)
    assert table is not None and table.caption == expected


@pytest.mark.parametrize(
    ("lang", "year", "share", "area"),
    [("en", "1938", "12.5 %", "1,199.8 km²"), ("ru", "1938", f"12,5{NB}%", f"1{NB}199,8 km²")],
)
def test_popup_years_have_no_separator_and_percentages_the_language_spacing(lang, year, share, area):
    designated = next(f for f in POPUP_FIELDS[LayerKind.PROTECTED_AREAS] if f.column == "status_year")
    with i18n.language(lang):
        assert designated.format(1938.0) == year
        assert Field("p", "Share", unit="%", digits=1).format(12.5) == share
        reported = next(f for f in POPUP_FIELDS[LayerKind.PROTECTED_AREAS] if f.unit == "km²")
        assert reported.format(1199.81) == area


def _area_map(lang: str) -> WebMap:
    frame = gpd.GeoDataFrame(
        {"name": ["Tigrovaya Balka"], "area": [1199.81], "share": [93.2], "year": [1938.0]},
        geometry=[shapely.box(68, 37, 69, 38)],
        crs=4326,
    )
    fields = (
        Field("name", "Name"),
        Field("area", "Area", unit="km²", digits=1),
        Field("share", "Share", unit="%", digits=1),
        Field("year", "Designated in", year=True),
    )
    layer = MapLayer("areas", "Areas", "G", frame, LayerStyle("polygon", Symbol("A", fill="#00ff00")), fields)
    return WebMap("areas", "Areas", "", (layer,), lang=lang)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", ["Tigrovaya Balka", "1,199.8 km²", "93.2 %", "1938"]),
        ("ru", ["Tigrovaya Balka", f"1{NB}199,8 km²", f"93,2{NB}%", "1938"]),
    ],
)
def test_map_popups_are_written_in_the_language_of_the_map_not_the_current_one(lang, expected):
    # the report writes its map pages after leaving its language block: the map's own language decides
    assert i18n.current_language() == "en"
    encoded = encode_map(_area_map(lang))
    assert [column[0] for column in encoded["layers"][0]["cols"]] == expected
    other = "en" if lang == "ru" else "ru"
    with i18n.language(other):
        assert [column[0] for column in encode_map(_area_map(lang))["layers"][0]["cols"]] == expected


@pytest.mark.parametrize(
    ("lang", "first", "last"),
    [
        ("en", "0–10 % of the range protected", "50–100 % of the range protected"),
        ("ru", f"Под охраной 0–10{NB}% ареала", f"Под охраной 50–100{NB}% ареала"),
    ],
)
def test_coverage_legend_spaces_its_percentages_as_the_language_does(lang, first, last):
    with i18n.language(lang):
        style = coverage_style()
    labels = [symbol.label for _, symbol in style.categories]
    assert (labels[0], labels[-1]) == (first, last)
    assert style.categories[0][0] == "0–10 %"  # the category value the layer holds stays as it was


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", ["2.5", "10", "10000", "0.25"]), ("ru", ["2,5", "10", f"10{NB}000", "0,25"])],
)
def test_measures_keep_their_decimals_in_the_language(lang, expected):
    assert [i18n.format_measure(v, lang=lang) for v in (2.5, 10.0, 10_000.0, 0.25)] == expected


@pytest.mark.parametrize(("lang", "cell"), [("en", "2.5 km"), ("ru", "2,5 км")])
def test_the_public_profile_note_and_method_give_the_cell_size_in_the_language(lang, cell):
    with i18n.language(lang):
        note = profile_note(Profile.PUBLIC, 2.5)
        method = generalisation_method(2500)
    assert cell in note.replace(NB, " ")
    assert cell.split()[0] in method
    assert ("2.5" in note) is (lang == "en") and ("2,5" in note) is (lang == "ru")


@pytest.mark.parametrize(
    ("lang", "expected"),
    [("en", "2.5 (habitat per pixel, km²)"), ("ru", "2,5 (местообитания на пиксель, км²)")],
)
def test_the_habitat_raster_legend_gives_its_top_value_in_the_language(lang, expected):
    values = np.array([[0.0, 1.0], [2.5, np.nan]])
    with i18n.language(lang):
        layer = build_raster_layer(values, (37.0, 68.0, 38.0, 69.0), layer_id="aoh", title="AOH", kind="aoh")
    assert layer.ramp_labels == ("0", expected)


@pytest.mark.parametrize(("lang", "size"), [("en", "of 2.5 km"), ("ru", "2,5 км")])
def test_the_density_note_gives_the_hexagon_size_in_the_language(lang, size):
    density = Density(gpd.GeoDataFrame(geometry=[], crs=4326), 2500.0, 1, 0, 0, 0)
    with i18n.language(lang):
        note = density.note
    assert size in note
    assert "2.5" not in note if lang == "ru" else "2,5" not in note


# --- the Russian report of the bundled store ----------------------------------------------------------

ENGLISH_DECIMAL = re.compile(r"\d\.\d")
THOUSANDS_COMMA = re.compile(r"(?<![\d,])[1-9]\d{0,2}(?:,\d{3})+(?![\d,])")  # 0,650 is a decimal
# what may hold a dot between digits without being a number written the English way
NOT_A_NUMBER = [
    re.compile(r"\S*[A-Za-z_/][^\s;,()]*\.\S*|\S+\.[A-Za-z]\S*"),  # URLs, file names, versions (v5.1.1)
    re.compile(r"\b\d+(?:\.\d+){2,}\b"),  # versions 0.1.0, dates 17.09.2021 (the Russian form)
    re.compile(r"\b\d{2}\.\d{4}\b"),  # a month, the Russian form 07.2022
    re.compile(r"^\d{1,2}\.\d{1,2}(?=\s)"),  # a Work Programme action id heading its title (9.7 …)
    # paragraphs cited in the data's text: "пп. 9.7 и 10.4", "paras 9.7 and 10.4"
    re.compile(r"\b(?:пп?|paras?)\.?\s+\d+(?:\.\d+)+(?:\s*(?:,|и|and)\s*\d+(?:\.\d+)+)*"),
    re.compile(r"\b[A-Z][A-Za-z]{3,} \d+\.\d+\b"),  # a program's version: DISTANCE 7.3
    re.compile(r"-?\d{1,3}\.\d+°"),  # coordinates
]
LATIN_WORD = re.compile(r"\b[A-Za-z]{2,}\b")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")


def _data_prose(text: str) -> bool:
    """English text quoted from the data (notes, citations, sources), which the report shows as written."""
    return not CYRILLIC.search(text) and len(LATIN_WORD.findall(text)) >= 3


def _unquoted(text: str) -> str:
    for pattern in NOT_A_NUMBER:
        text = pattern.sub(" ", text)
    return text


class _TableText(HTMLParser):
    """Text of every table cell and caption, leaving out code, pre, scripts and links to CSV files."""

    SKIP = frozenset({"script", "style", "code", "pre"})
    VOID = frozenset({"br", "img", "meta", "link", "input", "hr", "col", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[tuple[str, bool]] = []
        self.cells: list[str] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag in self.VOID:
            return
        href = dict(attrs).get("href") or ""
        self.stack.append((tag, tag in self.SKIP or href.endswith(".csv")))
        if tag in ("td", "th", "caption"):
            self._cell = []

    def handle_endtag(self, tag):
        while self.stack:
            name, _ = self.stack.pop()
            if name == tag:
                break
        if tag in ("td", "th", "caption") and self._cell is not None:
            self.cells.append(re.sub(r"[ \t\r\n]+", " ", "".join(self._cell)).strip())
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None and not any(skip for _, skip in self.stack):
            self._cell.append(data)


def table_cells(page: str) -> list[str]:
    parser = _TableText()
    parser.feed(page)
    return [c for c in parser.cells if c]


def english_numbers(texts: list[str]) -> list[str]:
    """Texts with a number written the English way (the data's English prose, quoted as written, aside)."""
    found = []
    for text in texts:
        if _data_prose(text):
            continue  # free text quoted from the data (notes, citations): the data's own words
        bare = _unquoted(text)
        if ENGLISH_DECIMAL.search(bare) or THOUSANDS_COMMA.search(bare):
            found.append(text)
    return found


def test_the_scan_finds_english_numbers_and_passes_russian_ones_ids_and_data_prose():
    assert english_numbers(["0.65", "+1.4 %", "1,475", "1,199.8 км²", "12.5"]) == [
        "0.65",
        "+1.4 %",
        "1,475",
        "1,199.8 км²",
        "12.5",
    ]
    assert not english_numbers(
        [
            "0,65",
            f"+1,4{NB}%",
            f"1{NB}475",
            "9.7 Коридор миграции",
            "uzbekistan.travel 17.09.2021",
            "KAZ-2020-2023.yaml",
            "Подготовлено с помощью deerhabitat 0.1.0.",
            "Natural Earth v5.1.1; simplified 0.01 deg",
            "100 (07.2021), оценка",
            "A dispersal corridor (WP 2021-2026 paras 9.7 and 10.4).",
            "Коридор (Программа работ 2021–2026 гг., пп. 9.7 и 10.4).",
            f"12 трансект с интервалом 1{NB}400 м; обработка данных в программе DISTANCE 7.3",
        ]
    )


def _popup_texts(page: str) -> list[str]:
    """Every popup value of the maps of a page (their ``<script type="application/json">`` data)."""
    texts = []
    for payload in re.findall(
        r'<script type="application/json" id="dh-data-[^"]+">(.*?)</script>', page, re.S
    ):
        for layer in json.loads(payload)["layers"]:
            for column in layer.get("cols", []):
                texts += column if isinstance(column, list) else column.get("d", column.get("s", []))
    return [t for t in texts if isinstance(t, str)]


@pytest.fixture(scope="module")
def russian_report(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report-ru")
    report(store=bundled_store_path(), out=out, dpi=50, lang="ru")
    return out


def test_the_russian_report_tables_write_no_number_the_english_way(russian_report):
    cells = table_cells((russian_report / "index.html").read_text(encoding="utf-8"))
    assert len(cells) > 500
    assert not english_numbers(cells)
    assert f"+1,4{NB}%" in cells and "0,65" in cells  # the growth and score columns are there


def test_the_russian_report_writes_deadlines_and_submissions_as_russian_dates(russian_report):
    """ISO dates of the data (2024-12-31, 2026-11) are written 31.12.2024 and 11.2026 in the tables."""
    cells = table_cells((russian_report / "index.html").read_text(encoding="utf-8"))
    dates = [re.sub(r"\d{4}-\d\d-\d\dT[\d:]+Z?", "", c) for c in cells]  # import times are UTC stamps
    citations = re.compile(r"[a-z]\.[a-z]{2,}")  # a cited web page dated as it is written
    iso = [
        c
        for c in dates
        if re.search(r"\b(19|20)\d\d-(0[1-9]|1[0-2])(-\d\d)?\b", c) and not citations.search(c)
    ]
    assert iso == []
    assert any("31.12.2024" in c for c in cells) and "11.2026" in cells


def test_the_russian_report_map_frames_write_no_number_the_english_way(russian_report):
    pages = sorted(russian_report.glob("*.html"))
    assert len(pages) >= 10
    for page in pages:
        texts = _popup_texts(page.read_text(encoding="utf-8"))
        assert texts, page.name
        assert not english_numbers(texts), page.name
    overview = _popup_texts((russian_report / "overview.html").read_text(encoding="utf-8"))
    assert "1938" in overview and "1,938" not in overview  # a protected area's year, not a count
    assert f"9{NB}766,3 км²" in overview


def test_the_russian_report_csv_files_keep_dot_decimals(russian_report):
    candidates = pd.read_csv(russian_report / "tables" / "candidate_sites.csv")
    assert candidates["score"].dtype == float and 0 < candidates["score"].iloc[0] <= 1
    lines = (russian_report / "tables" / "reintroductions.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    growth = [line.split(",")[header.index("growth_rate_per_year")] for line in lines[1:]]
    assert any(re.fullmatch(r"-?\d+\.\d+(e-?\d+)?", g) for g in growth), growth
