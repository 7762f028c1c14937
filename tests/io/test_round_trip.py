"""Export then import gives back the same features and attributes, in every format and for every kind."""

from __future__ import annotations

import openpyxl
import pytest
from io_builders import LONG_TEXT, MARKUP, UNICODE, assert_same_layer, layer, put, sha

from deerhabitat.io import Store
from deerhabitat.schema import SPECS, TABLE_KINDS, LayerKind
from deerhabitat.workflows import export_layer, import_layer

FORMATS = ["gpkg", "geojson", "json", "shp", "zip", "fgb", "parquet", "kml", "csv", "xlsx"]
KINDS = list(TABLE_KINDS)  # occurrences are GeoParquet beside the store: tests/io/test_occurrences.py


@pytest.fixture
def source(tmp_path):
    store = Store.create(tmp_path / "source.gpkg")
    for kind in KINDS:
        put(store, kind)
    return store


@pytest.mark.parametrize("kind", KINDS, ids=[k.value for k in KINDS])
@pytest.mark.parametrize("ext", FORMATS)
def test_export_then_import_gives_back_the_same_layer(source, tmp_path, kind, ext):
    target = Store.create(tmp_path / "target.gpkg")
    if kind in (LayerKind.RELEASES, LayerKind.POPULATION_COUNTS):
        put(target, LayerKind.SITES)  # their references must resolve
    path = tmp_path / f"{kind.table}.{ext}"
    exported = export_layer(kind, path, store=source.path)
    assert exported.count == len(layer(kind))
    result = import_layer(kind, path, store=target.path)
    assert (result.added, result.updated, result.rejected) == (len(layer(kind)), 0, 0)
    assert_same_layer(source.read(kind), Store(target.path).read(kind), SPECS[kind].id_column)


def test_text_comes_back_exactly_in_every_format(source, tmp_path):
    for ext in FORMATS:
        target = Store.create(tmp_path / f"{ext}.gpkg")
        export_layer("sites", tmp_path / f"sites.{ext}", store=source.path)
        import_layer("sites", tmp_path / f"sites.{ext}", store=target.path)
        names = Store(target.path).read("sites").set_index("site_id")
        assert names.loc["tigrovaya", "name"] == UNICODE, ext
        assert names.loc["zarafshan", "name"] == MARKUP, ext
        assert names.loc["zarafshan", "source"] == LONG_TEXT, ext
        assert names.loc["badai", "code"] == "007", ext


def test_excel_text_that_looks_like_a_formula_stays_text(tmp_path, empty_store):
    frame = layer("sites")
    frame.loc[0, "name"] = '=HYPERLINK("http://evil.example","click")'
    put(empty_store, "sites", frame)
    export_layer("sites", tmp_path / "sites.xlsx", store=empty_store.path)
    sheet = openpyxl.load_workbook(tmp_path / "sites.xlsx").active
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=")]
    assert [(c.value, c.data_type) for c in cells] == [(frame.loc[0, "name"], "s")]


def test_shapefile_of_points_and_polygons_is_written_as_two_parts_and_read_as_one(source, tmp_path):
    export_layer("sites", tmp_path / "sites.shp", store=source.path)
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("sites"))
    assert "sites.shp" in names and "sites_polygons.shp" in names and "sites.deerhabitat.json" in names
    target = Store.create(tmp_path / "t.gpkg")
    import_layer("sites", tmp_path / "sites.shp", store=target.path)
    assert Store(target.path).read("sites")["site_id"].tolist() == ["badai", "tigrovaya", "zarafshan"]
    folder_store = Store.create(tmp_path / "f.gpkg")
    for p in tmp_path.iterdir():
        if p.name.startswith("source") or p.suffix == ".gpkg":
            continue
        (tmp_path / "folder").mkdir(exist_ok=True)
        p.rename(tmp_path / "folder" / p.name)
    import_layer("sites", tmp_path / "folder", store=folder_store.path)
    assert len(Store(folder_store.path).read("sites")) == 3


def test_long_text_is_cut_in_the_dbf_but_kept_whole_in_the_sidecar(source, tmp_path):
    result = export_layer("rivers", tmp_path / "rivers.shp", store=source.path)
    assert result.notes and "cut in the .dbf" in result.notes[0]
    import pyogrio

    raw = pyogrio.read_dataframe(tmp_path / "rivers.shp")
    assert max(len(v.encode("utf-8")) for v in raw["source"]) <= 254
    target = Store.create(tmp_path / "t.gpkg")
    import_layer("rivers", tmp_path / "rivers.shp", store=target.path)
    assert Store(target.path).read("rivers").set_index("river_id").loc["amu", "source"] == LONG_TEXT


def test_export_refuses_to_overwrite_and_replaces_with_overwrite(source, tmp_path):
    from deerhabitat.errors import StoreError

    path = tmp_path / "sites.geojson"
    path.write_text("precious")
    with pytest.raises(StoreError, match="already exists; choose another name, or pass --overwrite"):
        export_layer("sites", path, store=source.path)
    assert path.read_text() == "precious"
    export_layer("sites", path, store=source.path, overwrite=True)
    assert '"FeatureCollection"' in path.read_text()
    before = sha(tmp_path / "sites.geojson")
    export_layer("sites", tmp_path / "s.shp", store=source.path)
    with pytest.raises(StoreError, match="already exists"):
        export_layer("sites", tmp_path / "s.shp", store=source.path)
    export_layer("sites", tmp_path / "s.shp", store=source.path, overwrite=True)
    assert sha(tmp_path / "sites.geojson") == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")], "staging folders are removed"


def test_export_errors(source, tmp_path):
    from deerhabitat.errors import InputFileError, LayerNotFoundError, StoreError

    with pytest.raises(InputFileError, match=r"the extension '\.dxf' is not a supported format; use one of"):
        export_layer("sites", tmp_path / "sites.dxf", store=source.path)
    with pytest.raises(StoreError, match="does not exist; create it first"):
        export_layer("sites", tmp_path / "no" / "sites.gpkg", store=source.path)
    folder = tmp_path / "out"
    folder.mkdir()
    assert export_layer("sites", folder, store=source.path).file_format == "Shapefile"
    assert (folder / "sites.shp").is_file() and (folder / "sites.deerhabitat.json").is_file()
    empty = Store.create(tmp_path / "empty.gpkg")
    with pytest.raises(LayerNotFoundError, match="has no 'sites' layer"):
        export_layer("sites", tmp_path / "x.gpkg", store=empty.path)


def test_kml_text_is_html_escaped_so_viewers_never_run_it(source, tmp_path):
    export_layer("sites", tmp_path / "sites.kml", store=source.path)
    text = (tmp_path / "sites.kml").read_text(encoding="utf-8")
    assert "<script>" not in text
    # LIBKML writes CDATA; inside it the escaped markup is shown by an HTML viewer as text, never run
    assert (
        "<name><![CDATA[&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; &quot;quotes&quot;]]></name>"
        in text
    )
