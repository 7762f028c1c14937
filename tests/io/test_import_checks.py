"""Import and validate: each problem with its feature, nothing written on failure, upsert, provenance."""

from __future__ import annotations

import json
import zipfile

import pyproj
import pytest
from io_builders import layer, put, sha

from deerhabitat.errors import (
    ConfigError,
    CRSError,
    DeerHabitatError,
    InputFileError,
    SchemaError,
    StoreError,
)
from deerhabitat.io import Store
from deerhabitat.workflows import ImportOptions, import_layer, validate_file

SITES_HEADER = "site_id,name,iso3,status,source,longitude,latitude\n"


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def geojson(tmp_path, name: str, features: list[dict], crs: str | None = None):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def site_feature(site_id: str, geometry: dict | None, **extra) -> dict:
    props = {"site_id": site_id, "name": f"Site {site_id}", "iso3": "UZB", "status": "native", "source": "t"}
    props.update(extra)
    return {"type": "Feature", "properties": props, "geometry": geometry}


def refused(store: Store, kind: str, path, exc_type=DeerHabitatError, match: str | None = None, **options):
    """Import must raise ``exc_type`` matching ``match`` and leave the store byte-for-byte unchanged."""
    before = sha(store.path)
    with pytest.raises(exc_type, match=match) as info:
        import_layer(kind, path, store=store.path, options=ImportOptions(**options))
    assert sha(store.path) == before
    return info.value


def messages(report) -> list[str]:
    return [str(f) for f in report.errors]


# -- every problem, each with its feature ------------------------------------------------------------


def test_every_problem_of_a_file_is_reported_with_its_id(tmp_path, store):
    path = write(
        tmp_path,
        "sites.csv",
        SITES_HEADER
        + "\n".join(
            [
                "a,Alpha,UZB,native,t,60.4,41.8",
                "a,Alpha again,UZB,native,t,60.5,41.9",
                "b,Beta,XXX,native,t,61.0,41.0",
                "c,Gamma,UZB,wild,t,61.0,41.0",
                "d,,UZB,native,t,61.0,41.0",
                "e,Eps,UZB,native,t,abc,41.0",
                "f,Phi,UZB,native,t,41.8,160.4",
                "g,Gee,UZB,native,t,500000,4400000",
            ]
        )
        + "\n",
    )
    report = validate_file("sites", path, store=store.path)
    found = messages(report)
    expected = [
        "site_id='a': duplicate id (rows 1 and 2)",
        "site_id='b': iso3='XXX' is not an ISO 3166-1 alpha-3 code",
        "site_id='c': status='wild' is not allowed (allowed: native, reintroduced, introduced, captive)",
        "site_id='d': name is missing (required)",
        "row 6: longitude 'abc' is not a number",
        "site_id='f': coordinates (41.8, 160.4) are not longitude/latitude but look like swapped "
        "latitude/longitude",
        "site_id='g': coordinates (500000, 4.4e+06) cannot be degrees in 'WGS 84'",
    ]
    for text in expected:
        assert any(m.startswith(text) for m in found), (text, found)
    assert not report.ok and report.features == 8
    error = refused(store, "sites", path, SchemaError)
    assert all(any(str(p).startswith(t) for p in error.problems) for t in expected)


def test_counts_problems_negative_fractional_dates_references(tmp_path, store):
    header = "count_id,site_id,date,count,method,captive,source\n"
    path = write(
        tmp_path,
        "counts.csv",
        header
        + "\n".join(
            [
                "c1,badai,2019,-3,census,false,t",
                "c2,badai,2019,2.5,census,false,t",
                "c3,badai,yesterday,4,census,false,t",
                "c4,badai,2999-01-01,4,census,false,t",
                "c5,nowhere,2019,4,census,false,t",
                "c6,badai,2019,many,census,false,t",
                "c7,badai,2019,5,guess,maybe,t",
            ]
        )
        + "\n",
    )
    found = messages(validate_file("population-counts", path, store=store.path))
    for text in [
        "count_id='c1': count=-3 must be at least 0",
        "count_id='c2': count '2.5' is not a whole number",
        "count_id='c3': date 'yesterday' is not a date",
        "count_id='c4': date '2999-01-01' is in the future",
        "count_id='c6': count 'many' is not a whole number",
        "count_id='c7': method='guess' is not allowed",
        "count_id='c7': captive 'maybe' is not true/false",
    ]:
        assert any(m.startswith(text) for m in found), (text, found)
    refused(store, "population_counts", path, SchemaError, match="count=-3 must be at least 0")
    ok = write(tmp_path, "ok.csv", header + "c5,nowhere,2019,4,census,false,t\n")
    refused(
        store,
        "population-counts",
        ok,
        SchemaError,
        match=r"count_id='c5': site_id='nowhere' is not a site in the store; import the site first",
    )


def test_iucn_codes_out_of_range_are_refused(tmp_path, store):
    ranges = layer("ranges").astype({"presence": object})
    ranges.loc[0, "presence"] = 7
    ranges.to_file(tmp_path / "ranges.gpkg")
    found = messages(validate_file("ranges", tmp_path / "ranges.gpkg", store=store.path))
    assert found == ["range_id='r1': presence=7 is not allowed (allowed: 1, 2, 3, 4, 5, 6)"]
    pas = layer("protected-areas").astype({"iucn_cat": object})
    pas.loc[1, "iucn_cat"] = "VII"
    pas.to_file(tmp_path / "pas.geojson")
    refused(
        store,
        "protected-areas",
        tmp_path / "pas.geojson",
        SchemaError,
        match=r"pa_id='1002': iucn_cat='VII' is not allowed \(allowed: Ia, Ib, II",
    )


def test_missing_required_columns_are_named(tmp_path, store):
    path = write(tmp_path, "sites.csv", "site_id,name,longitude,latitude\na,A,60,41\n")
    refused(
        store,
        "sites",
        path,
        SchemaError,
        match=r"missing required column\(s\): iso3, status, source \(columns found: site_id, name\); "
        r"map yours with --field SRC=DST",
    )


def test_type_coercion_errors_name_the_row_and_column(tmp_path, store):
    header = "release_id,site_id,source_site_id,source_name,date,n_released,source\n"
    path = write(tmp_path, "rel.csv", header + "r1,badai,,zoo,2001,five,t\n,badai,,zoo,2001,3,t\n")
    found = messages(validate_file("releases", path, store=store.path))
    assert "release_id='r1': n_released 'five' is not a whole number" in found
    assert "row 2: release_id is missing (required)" in found


# -- CRS and coordinates -------------------------------------------------------------------------------


def test_no_crs_is_refused_unless_assumed_and_assuming_transforms(tmp_path, store):
    x, y = pyproj.Transformer.from_crs(4326, 32642, always_xy=True).transform(66.95, 39.95)
    path = write(
        tmp_path, "xy.csv", f"site_id,name,iso3,status,source,x,y\nz,Zarafshan,UZB,native,t,{x!r},{y!r}\n"
    )
    refused(
        store,
        "sites",
        path,
        CRSError,
        match=r"'.*xy.csv' has no CRS: the coordinate columns \(x/y, easting/northing\) do not say "
        r"their CRS; deerhabitat never guesses one. Label it .* --assume-crs EPSG:4326",
    )
    import_layer("sites", path, store=store.path, options=ImportOptions(assume_crs="EPSG:32642"))
    point = Store(store.path).read("sites").set_index("site_id").loc["z", "geometry"]
    assert point.x == pytest.approx(66.95, abs=1e-9) and point.y == pytest.approx(39.95, abs=1e-9)


def test_assume_crs_that_pyproj_does_not_know(tmp_path, store):
    path = write(tmp_path, "xy.csv", "site_id,name,iso3,status,source,x,y\nz,Z,UZB,native,t,1,2\n")
    refused(
        store,
        "sites",
        path,
        CRSError,
        match="--assume-crs: 'EPSG:99999' is not a CRS pyproj understands",
        assume_crs="EPSG:99999",
    )


def test_assume_crs_overriding_a_declared_crs_is_reported(tmp_path, store):
    path = geojson(
        tmp_path,
        "m.geojson",
        [
            site_feature(
                "m",
                {
                    "type": "Point",
                    "coordinates": [
                        *pyproj.Transformer.from_crs(4326, 32642, always_xy=True).transform(66.9, 39.9)
                    ],
                },
            )
        ],
    )
    refused(store, "sites", path, SchemaError, match="look like projected metres labelled as degrees")
    result = import_layer("sites", path, store=store.path, options=ImportOptions(assume_crs="EPSG:32642"))
    assert any("labelled as 'WGS 84 / UTM zone 42N' as --assume-crs asks" in str(w) for w in result.warnings)


def test_degrees_labelled_as_metres_is_a_warning(tmp_path, store):
    path = geojson(
        tmp_path,
        "d.geojson",
        [site_feature("d", {"type": "Point", "coordinates": [66.9, 39.9]})],
        crs="urn:ogc:def:crs:EPSG::32642",
    )
    report = validate_file("sites", path, store=store.path)
    assert any("degrees labelled as metres?" in str(w) for w in report.warnings)
    assert any("lies outside the region of the range states" in str(w) for w in report.warnings)


def test_a_file_that_is_inside_only_when_swapped_is_refused(tmp_path, store):
    path = write(tmp_path, "s.csv", SITES_HEADER + "a,A,UZB,native,t,41.8,60.4\nb,B,UZB,native,t,39.9,66.9\n")
    refused(
        store,
        "sites",
        path,
        SchemaError,
        match=r"all 2 features lie outside the region of the range states \(TJK, UZB\) and would all lie "
        r"inside with longitude and latitude exchanged",
    )
    fixed = import_layer(
        "sites",
        path,
        store=store.path,
        options=ImportOptions(fields=["latitude=longitude", "longitude=latitude"]),
    )
    assert fixed.added == 2 and not fixed.warnings


def test_outside_the_region_is_a_warning_recorded_in_provenance(tmp_path, store):
    path = write(
        tmp_path, "s.csv", SITES_HEADER + "far,Far,UZB,native,t,10.0,50.0\nnear,Near,UZB,native,t,60,41\n"
    )
    result = import_layer("sites", path, store=store.path)
    assert result.added == 2
    assert [str(w) for w in result.warnings] == [
        "site_id='far': lies outside the region of the range states (TJK, UZB, with a 50 km margin) at (10, "
        "50); check its coordinates"
    ]
    note = Store(store.path).provenance().iloc[-1]["note"]
    assert "1 warning(s): site_id='far': lies outside the region" in note


def test_the_region_margin_is_measured_in_kilometres(tmp_path, store):
    geod = pyproj.Geod(ellps="WGS84")
    inside_lon, _, _ = geod.fwd(73.1, 43.0, 90, 40_000)  # 40 km east of Uzbekistan's box: inside the margin
    outside_lon, _, _ = geod.fwd(75.1, 38.5, 90, 60_000)  # 60 km east of Tajikistan's: outside
    path = write(
        tmp_path,
        "s.csv",
        SITES_HEADER + f"in,In,UZB,native,t,{inside_lon},43.0\nout,Out,TJK,native,t,{outside_lon},38.5\n",
    )
    warnings = [w.where for w in validate_file("sites", path, store=store.path).warnings]
    assert warnings == ["site_id='out'"]


def test_without_range_states_no_region_check(tmp_path, empty_store):
    path = write(tmp_path, "s.csv", SITES_HEADER + "far,Far,UZB,native,t,10.0,50.0\n")
    assert import_layer("sites", path, store=empty_store.path).warnings == []


def test_non_finite_coordinates(tmp_path, store):
    path = write(tmp_path, "s.csv", SITES_HEADER + "n,N,UZB,native,t,nan,41\ni,I,UZB,native,t,inf,41\n")
    found = messages(validate_file("sites", path, store=store.path))
    assert (
        "site_id='i': has coordinates that are not finite numbers (NaN or infinity); fix or remove the "
        "feature "
        "in the source" in found
    )
    assert any(m.startswith("site_id='n'") for m in found)


# -- geometry -------------------------------------------------------------------------------------------

BOWTIE = {"type": "Polygon", "coordinates": [[[60, 41], [61, 42], [61, 41], [60, 42], [60, 41]]]}


def test_invalid_geometry_is_repaired_and_reported(tmp_path, store):
    path = geojson(tmp_path, "s.geojson", [site_feature("bow", BOWTIE)])
    result = import_layer("sites", path, store=store.path)
    assert [str(w) for w in result.warnings] == [
        "site_id='bow': geometry was invalid (Self-intersection[60.5 41.5]); repaired with make_valid"
    ]
    geom = Store(store.path).read("sites").set_index("site_id").loc["bow", "geometry"]
    assert geom.is_valid and geom.geom_type == "MultiPolygon"
    assert geom.area == pytest.approx(0.5)  # both triangles of the bow tie: 2 x (1 x 0.5 / 2) square degrees


def test_invalid_geometry_is_refused_with_on_invalid_reject(tmp_path, store):
    path = geojson(tmp_path, "s.geojson", [site_feature("bow", BOWTIE)])
    refused(
        store,
        "sites",
        path,
        SchemaError,
        match=r"site_id='bow': geometry is invalid \(Self-intersection.*\); --on-invalid reject refuses it",
        on_invalid="reject",
    )
    refused(
        store,
        "sites",
        path,
        SchemaError,
        match="--on-invalid 'maybe' is not allowed; use repair or reject",
        on_invalid="maybe",
    )


def test_a_geometry_that_collapses_when_repaired_is_an_error(tmp_path, store):
    flat = {"type": "Polygon", "coordinates": [[[60, 41], [61, 41], [62, 41], [60, 41]]]}
    path = geojson(tmp_path, "s.geojson", [site_feature("flat", flat)])
    refused(
        store,
        "sites",
        path,
        SchemaError,
        match="site_id='flat': geometry is invalid .* and collapses when repaired",
    )


def test_empty_and_wrong_type_geometries(tmp_path, store):
    path = write(
        tmp_path,
        "s.csv",
        "site_id,name,iso3,status,source,wkt\n"
        "e,E,UZB,native,t,POINT EMPTY\n"
        'l,L,UZB,native,t,"LINESTRING (60 41, 61 42)"\n'
        "w,W,UZB,native,t,POINT (60 41\n",
    )
    found = messages(
        validate_file("sites", path, store=store.path, options=ImportOptions(assume_crs="EPSG:4326"))
    )
    assert "site_id='e': geometry is empty (Point, Polygon, MultiPolygon required)" in found
    assert (
        "site_id='l': geometry is a LineString; a sites feature must be Point, Polygon, MultiPolygon" in found
    )
    assert any(m.startswith("row 3: 'POINT (60 41' is not WKT") for m in found)


def test_ewkt_gives_the_crs_and_z_is_dropped(tmp_path, empty_store):
    x, y = pyproj.Transformer.from_crs(4326, 32642, always_xy=True).transform(66.95, 39.95)
    path = write(
        tmp_path,
        "s.csv",
        f"site_id,name,iso3,status,source,wkt\nz,Z,UZB,native,t,SRID=32642;POINT Z ({x} {y} 712)\n",
    )
    result = import_layer("sites", path, store=empty_store.path)
    assert [str(w) for w in result.warnings] == [
        "Z (height) values were dropped: the store holds 2D geometries"
    ]
    point = Store(empty_store.path).read("sites").geometry[0]
    assert (round(point.x, 9), round(point.y, 9), point.has_z) == (66.95, 39.95, False)


# -- text, encodings, columns ------------------------------------------------------------------------------


def test_undecodable_text_says_which_encoding_to_pass(tmp_path, empty_store):
    path = write(
        tmp_path, "s.csv", SITES_HEADER + "tb,Тигровая балка,TJK,native,t,68.3,37.2\n", encoding="cp1251"
    )
    refused(
        empty_store,
        "sites",
        path,
        InputFileError,
        match=r"is not valid utf-8-sig text \(byte 0xd2 at offset \d+\); pass the file's encoding with "
        r"--encoding, e.g. --encoding cp1251",
    )
    import_layer("sites", path, store=empty_store.path, options=ImportOptions(encoding="cp1251"))
    assert Store(empty_store.path).read("sites")["name"].tolist() == ["Тигровая балка"]
    refused(
        empty_store,
        "sites",
        path,
        ConfigError,
        match="--encoding 'klingon' is not an encoding Python knows",
        encoding="klingon",
    )


def test_semicolons_decimal_commas_bom_and_tabs(tmp_path, empty_store):
    semi = write(
        tmp_path, "s.csv", "\ufeffsite_id;name;iso3;status;source;Lon;Lat\nx;X;UZB;native;t;60,5;41,25\n"
    )
    import_layer("sites", semi, store=empty_store.path)
    tsv = write(
        tmp_path,
        "s.tsv",
        "site_id\tname\tiso3\tstatus\tsource\tdecimalLongitude\tdecimalLatitude\n"
        "y\tY\tUZB\tnative\tt\t61\t42\n",
    )
    import_layer("sites", tsv, store=empty_store.path)
    sites = Store(empty_store.path).read("sites").set_index("site_id")
    assert (sites.loc["x", "geometry"].x, sites.loc["x", "geometry"].y) == (60.5, 41.25)
    assert (sites.loc["y", "geometry"].x, sites.loc["y", "geometry"].y) == (61.0, 42.0)


def test_field_mapping_renames_and_keeps_extra_columns(tmp_path, empty_store):
    path = write(
        tmp_path, "s.csv", "ID,NAME,country,st,ref,X_COORD,Y_COORD,Elevation\na,A,UZB,native,t,60,41,120\n"
    )
    fields = [
        "ID=site_id",
        "NAME=name",
        "country=iso3",
        "st=status",
        "ref=source",
        "X_COORD=longitude",
        "Y_COORD=latitude",
    ]
    import_layer("sites", path, store=empty_store.path, options=ImportOptions(fields=fields))
    sites = Store(empty_store.path).read("sites")
    assert sites.columns.tolist() == ["site_id", "name", "iso3", "status", "source", "Elevation", "geometry"]
    assert sites["Elevation"].tolist() == [120]
    refused(
        empty_store,
        "sites",
        path,
        SchemaError,
        match=r"--field names source column\(s\) \['nope'\] that the file does not have \(columns: ID, NAME, "
        r"country",
        fields=["nope=name"],
    )
    refused(empty_store, "sites", path, SchemaError, match="--field 'ID' is not SRC=DST", fields=["ID"])


def test_column_names_a_geopackage_cannot_hold(tmp_path, empty_store):
    path = write(tmp_path, "s.csv", SITES_HEADER.strip() + ",Note,note,fid\na,A,UZB,native,t,60,41,x,y,1\n")
    found = messages(validate_file("sites", path, store=empty_store.path))
    assert any("columns 'Note' and 'note' differ only in case" in m for m in found)
    assert any(
        "column 'fid' is reserved by the GeoPackage store; rename it with --field fid=source_fid" in m
        for m in found
    )


def test_duplicate_header_and_ragged_rows(tmp_path, empty_store):
    dup = write(tmp_path, "d.csv", "site_id,name,name\na,b,c\n")
    refused(
        empty_store, "sites", dup, InputFileError, match=r"the column\(s\) \['name'\] appear more than once"
    )
    ragged = write(tmp_path, "r.csv", SITES_HEADER + "a,A,UZB,native,t,60,41,extra,more\n")
    found = messages(validate_file("sites", ragged, store=empty_store.path))
    assert found[0].startswith("row 1: has 9 values but the header names 7 columns")


def test_empty_files_and_files_without_features(tmp_path, empty_store):
    refused(empty_store, "sites", write(tmp_path, "e.csv", ""), InputFileError, match="is empty")
    refused(
        empty_store, "sites", write(tmp_path, "h.csv", SITES_HEADER), SchemaError, match="holds no features"
    )
    refused(
        empty_store,
        "sites",
        tmp_path / "missing.geojson",
        InputFileError,
        match="does not exist; check the path",
    )
    refused(
        empty_store,
        "sites",
        write(tmp_path, "x.dxf", "0"),
        InputFileError,
        match=r"the extension '\.dxf' is not a supported format",
    )


@pytest.mark.parametrize("ext", ["gpkg", "geojson", "shp", "zip", "fgb", "parquet", "kml", "csv", "xlsx"])
def test_truncated_and_random_files_are_refused_cleanly(tmp_path, empty_store, ext):
    import numpy as np

    from deerhabitat.workflows import export_layer

    source = Store.create(tmp_path / "source.gpkg")
    put(source, "sites")
    export_layer("sites", tmp_path / f"good.{ext}", store=source.path)
    good = (tmp_path / f"good.{ext}").read_bytes()
    (tmp_path / f"cut.{ext}").write_bytes(good[: len(good) // 3])
    (tmp_path / f"noise.{ext}").write_bytes(np.random.default_rng(7).bytes(2048))
    for name in (f"cut.{ext}", f"noise.{ext}"):
        refused(empty_store, "sites", tmp_path / name)


def test_zip_members_outside_the_folder_are_refused(tmp_path, empty_store):
    for member in ("../../evil.shp", "/etc/evil.shp", "C:/evil.shp"):
        path = tmp_path / "evil.zip"
        with zipfile.ZipFile(path, "w") as archive:
            archive.writestr("sites.shp", b"x")
            archive.writestr(member, b"x")
        refused(
            empty_store,
            "sites",
            path,
            InputFileError,
            match=rf"member '{member}' would land outside the extraction folder",
        )
    link = zipfile.ZipInfo("link.shp")
    link.external_attr = 0o120777 << 16
    with zipfile.ZipFile(tmp_path / "link.zip", "w") as archive:
        archive.writestr(link, "/etc/passwd")
    refused(
        empty_store,
        "sites",
        tmp_path / "link.zip",
        InputFileError,
        match="member 'link.shp' is a symbolic link",
    )


# -- layers of a file -------------------------------------------------------------------------------------


def test_choosing_a_layer(tmp_path, empty_store):
    path = tmp_path / "two.gpkg"
    layer("sites").to_file(path, layer="a")
    layer("sites").iloc[:1].to_file(path, layer="b", mode="w")
    refused(
        empty_store,
        "sites",
        path,
        InputFileError,
        match=r"has 2 layers \(a, b\); choose one with --layer NAME, or read them all with --layer '\*'",
    )
    refused(empty_store, "sites", path, InputFileError, match=r"has no layer 'c' \(layers: a, b\)", layer="c")
    assert import_layer("sites", path, store=empty_store.path, options=ImportOptions(layer="b")).added == 1
    layer("sites").to_file(path, layer="sites", mode="w")
    assert (
        import_layer("sites", path, store=empty_store.path).updated == 1
    )  # the kind's own layer is the default


# -- upsert, replace, provenance, the bundled store ---------------------------------------------------------


def test_reimport_updates_by_id_and_replace_replaces(tmp_path, empty_store):
    first = write(tmp_path, "a.csv", SITES_HEADER + "a,A,UZB,native,t,60,41\nb,B,UZB,native,t,61,41\n")
    second = write(tmp_path, "b.csv", SITES_HEADER + "b,B2,UZB,native,t,61,41\nc,C,UZB,native,t,62,41\n")
    assert import_layer("sites", first, store=empty_store.path).added == 2
    result = import_layer("sites", second, store=empty_store.path)
    assert (result.added, result.updated, result.total) == (1, 1, 3)
    sites = Store(empty_store.path).read("sites")
    assert (
        sites["site_id"].tolist() == ["a", "b", "c"] and sites.set_index("site_id").loc["b", "name"] == "B2"
    )
    dry = import_layer("sites", first, store=empty_store.path, dry_run=True, replace=True)
    assert (dry.added, dry.updated, dry.total, dry.dry_run) == (2, 0, 2, True)
    assert len(Store(empty_store.path).read("sites")) == 3
    import_layer("sites", first, store=empty_store.path, replace=True)
    assert Store(empty_store.path).read("sites")["site_id"].tolist() == ["a", "b"]


def test_every_import_is_recorded(tmp_path, empty_store):
    path = write(tmp_path, "a.csv", SITES_HEADER + "a,A,UZB,native,t,60,41\n")
    import_layer("sites", path, store=empty_store.path)
    import_layer("sites", path, store=empty_store.path, replace=True)
    log = Store(empty_store.path).provenance()
    rows = log[["layer", "action", "source_file", "sha256", "added", "updated", "rejected", "total"]]
    assert rows.values.tolist() == [
        ["sites", "import", str(path), sha(path), 1, 0, 0, 1],
        ["sites", "replace", str(path), sha(path), 1, 0, 0, 1],
    ]
    assert log["time_utc"].str.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$").all()
    assert log["note"].iloc[0].startswith("CSV (sites)")


def test_dry_run_and_validate_write_nothing(tmp_path, empty_store):
    path = write(tmp_path, "a.csv", SITES_HEADER + "a,A,UZB,native,t,60,41\n")
    before = sha(empty_store.path)
    assert import_layer("sites", path, store=empty_store.path, dry_run=True).added == 1
    assert validate_file("sites", path, store=empty_store.path).ok
    assert sha(empty_store.path) == before


def test_the_bundled_store_is_never_written(tmp_path, monkeypatch):
    monkeypatch.delenv("DEERHABITAT_STORE", raising=False)
    from deerhabitat.config import bundled_store_path

    before = sha(bundled_store_path())
    path = write(tmp_path, "a.csv", SITES_HEADER + "a,A,UZB,native,t,60,41\n")
    with pytest.raises(StoreError, match=r"^read-only: .* `deerhabitat init --from-bundled my.gpkg`"):
        import_layer("sites", path)
    assert sha(bundled_store_path()) == before
    assert validate_file("sites", path).ok  # validating against the bundled store is fine


def test_counts_without_a_location_take_their_sites(tmp_path, store):
    path = write(
        tmp_path,
        "c.csv",
        "count_id,site_id,date,count,method,captive,source\n"
        "c1,badai,2019,4,census,false,t\nc2,tigrovaya,2019,4,census,false,t\n",
    )
    import_layer("population-counts", path, store=store.path)
    counts = Store(store.path).read("population-counts").set_index("count_id")
    sites = Store(store.path).read("sites").set_index("site_id")
    assert counts.loc["c1", "geometry"].equals(sites.loc["badai", "geometry"])
    assert sites.loc["tigrovaya", "geometry"].contains(counts.loc["c2", "geometry"])
    assert "2 survey location(s) taken from their site" in Store(store.path).provenance().iloc[-1]["note"]


def test_unknown_kind(tmp_path, empty_store):
    with pytest.raises(
        SchemaError, match="'deer' is not something deerhabitat imports; use one of: range-states"
    ):
        import_layer("deer", tmp_path / "x.csv", store=empty_store.path)


def test_excel_sheets_and_dates(tmp_path, store):
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "notes"
    sheet = book.create_sheet("counts")
    sheet.append(
        ["count_id", "site_id", "date", "count", "method", "captive", "source", "longitude", "latitude"]
    )
    sheet.append(
        ["c1", "badai", dt.datetime(2019, 5, 3), 12, "census", False, "=not a formula", 60.42, 41.83]
    )
    sheet["G2"].data_type = "s"  # text, not a formula
    book.save(tmp_path / "c.xlsx")
    refused(
        store,
        "population-counts",
        tmp_path / "c.xlsx",
        InputFileError,
        match=r"has 2 sheets \(notes, counts\); choose one with --layer NAME",
    )
    import_layer(
        "population-counts", tmp_path / "c.xlsx", store=store.path, options=ImportOptions(layer="counts")
    )
    row = Store(store.path).read("population-counts").iloc[0]
    assert (row["date"], row["count"], row["source"]) == ("2019-05-03", 12, "=not a formula")


def test_geopandas_written_files_without_crs(tmp_path, store):
    frame = layer("sites").set_crs(None, allow_override=True)
    with pytest.warns(UserWarning, match="'crs' was not provided"):
        frame.to_file(tmp_path / "nocrs.fgb")
    refused(store, "sites", tmp_path / "nocrs.fgb", CRSError, match="the file declares no CRS")
    result = import_layer(
        "sites", tmp_path / "nocrs.fgb", store=store.path, options=ImportOptions(assume_crs="EPSG:4326")
    )
    assert (result.added, result.updated) == (0, 3)


def test_kml_from_elsewhere(tmp_path, empty_store):
    kml = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><Placemark><name>Badai &lt;b&gt;</name>
<ExtendedData><Data name="site_id"><value>b</value></Data><Data name="iso3"><value>UZB</value></Data>
<Data name="status"><value>native</value></Data><Data name="source"><value>GE</value></Data></ExtendedData>
<Point><coordinates>60.41,41.82,0</coordinates></Point></Placemark></Document></kml>"""
    path = write(tmp_path, "s.kml", kml)
    result = import_layer("sites", path, store=empty_store.path)
    assert result.warnings == []
    row = Store(empty_store.path).read("sites").iloc[0]
    assert (row["site_id"], row["name"], row.geometry.wkt) == ("b", "Badai <b>", "POINT (60.41 41.82)")


def test_nul_characters_in_text_are_refused(tmp_path, empty_store):
    path = write(tmp_path, "s.csv", SITES_HEADER + "a,A\x00B,UZB,native,t,60,41\n")
    refused(
        empty_store,
        "sites",
        path,
        SchemaError,
        match=r"site_id='a': name 'A\\x00B' holds a NUL character, which the store cannot keep",
    )


def test_options_that_do_not_apply_are_reported(tmp_path, empty_store):
    path = write(tmp_path, "s.csv", SITES_HEADER + "a,A,UZB,native,t,60,41\n")
    result = import_layer(
        "sites", path, store=empty_store.path, options=ImportOptions(statuses="all", max_distance_km=3)
    )
    assert [str(w) for w in result.warnings] == [
        "--status applies to wdpa imports only; it was ignored",
        "--max-distance-km applies to occurrence imports only; it was ignored",
    ]
