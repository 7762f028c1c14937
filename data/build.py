"""Build the bundled Bukhara deer store from the readable tables in ``data/sources/``.

Run with ``make data`` (or ``.venv/bin/python data/build.py [--out PATH]``). The default output is
``src/deerhabitat/data/bukhara-deer.gpkg``, the store shipped inside the package. Only the
deerhabitat API writes the store (:func:`deerhabitat.schema.validate_layer`, :class:`Store`), so
the bundled file obeys the same schema as any user's store.

Two layers are computed here rather than typed in (see data/README.md):

- ``protected-areas``: no boundary is known, so each area is a circle of its reported area around
  its point, drawn in the store's equal-area CRS (the polygon, not just the ideal circle, has the
  reported area) and flagged ``approximate``;
- ``ranges``: tugai belts, i.e. stretches of the named rivers (``rivers.geojson``) buffered in the
  equal-area CRS, as listed in ``range_pieces.csv``; one feature per period, country, IUCN
  presence and origin.

Russian texts: ``name_ru`` from ``names_ru.csv``; ``source_ru`` (the source with its words in Russian,
citations kept as written) from ``sources_ru.csv`` for the tables, from ``derive_basemap.py`` for the range
states and rivers, and composed here for the ranges. A source with nothing but citations has no ``source_ru``.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyproj
import shapely

from deerhabitat.config import StoreConfig
from deerhabitat.io import Provenance, Store, file_sha256
from deerhabitat.io.national_report import read_report_file
from deerhabitat.io.store import StoreWriter
from deerhabitat.nrschema import check_report
from deerhabitat.schema import (
    ORIGIN_CODES,
    PRESENCE_CODES,
    SPECS,
    LayerKind,
    check_references,
    validate_layer,
)
from deerhabitat.units import M_PER_KM, ha_to_km2, km2_to_m2

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "data" / "sources"
NATIONAL_REPORTS = ROOT / "data" / "national-reports"
REPORT_NOTE = (
    "report record only (threats, measures, Work Programme, priorities) kept by data/build.py; its "
    "counts, releases and sites are not imported: data/sources already holds them"
)
"""Why the bundled national reports add no feature: their counts duplicate data/sources (parallel ids)."""
TARGET = ROOT / "src" / "deerhabitat" / "data" / "bukhara-deer.gpkg"

FILES = {
    LayerKind.RANGE_STATES: "range_states.geojson",
    LayerKind.RIVERS: "rivers.geojson",
    LayerKind.RANGES: "range_pieces.csv",
    LayerKind.PROTECTED_AREAS: "protected_areas.csv",
    LayerKind.SITES: "sites.csv",
    LayerKind.RELEASES: "releases.csv",
    LayerKind.POPULATION_COUNTS: "population_counts.csv",
}
"""The source file of each layer (recorded with its sha256 in the store's provenance table)."""

NAMES_RU = "names_ru.csv"
"""Russian names (``name_ru``) of range states, rivers, protected areas and sites, each with how it was made
(official, established, translated, transliterated) and its source."""
NAMED_KINDS = (LayerKind.RANGE_STATES, LayerKind.RIVERS, LayerKind.PROTECTED_AREAS, LayerKind.SITES)
SOURCES_RU = "sources_ru.csv"
"""The Russian of each citation (a part of a ``source`` cell between ``; ``) that has words besides the
citation itself: a note, a date, what the page is. Citations, URLs, file names and ids are kept as written."""
TABLE_SOURCED_KINDS = (
    LayerKind.PROTECTED_AREAS,
    LayerKind.SITES,
    LayerKind.RELEASES,
    LayerKind.POPULATION_COUNTS,
)
"""The layers typed into CSV tables, whose ``source_ru`` comes from :data:`SOURCES_RU`."""
RANGE_SOURCE = "{sources} (tugai belts drawn by data/build.py from range_pieces.csv: {pieces})"
RANGE_SOURCE_RU = "{sources} (тугайные полосы построены data/build.py по range_pieces.csv: {pieces})"
"""The source of a range: its pieces' citations and how the belts were made (English, Russian)."""
ORIGIN_RU = {
    1: "аборигенный",
    2: "реинтродуцированный",
    3: "интродуцированный",
    4: "залётный",
    5: "происхождение не установлено",
    6: "содействие заселению",
}
PRESENCE_RU = {
    2: "вероятно сохранился",
    3: "возможно сохранился",
    4: "возможно исчез",
    5: "исчез",
    6: "присутствие не установлено",
}
"""How the IUCN origin and presence codes read in the Russian names of the ranges."""

STATUS_ORIGIN = {"native": 1, "reintroduced": 2, "introduced": 3}
"""IUCN origin code of the range around a site, by the site's status."""

CIRCLE_QUAD_SEGS = 16
"""Segments per quarter circle of a protected-area circle (a 64-gon)."""

BELT_QUAD_SEGS = 4
SIMPLIFY_M = 50.0
"""Tolerance (metres, equal-area CRS) of the simplification of range polygons."""


# -- reading ---------------------------------------------------------------------------------------
def read_table(path: Path) -> pd.DataFrame:
    """Read a source CSV as text; empty cells become None."""
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    cleaned = {
        name: pd.Series([v.strip() or None for v in frame[name]], dtype=object, index=frame.index)
        for name in frame.columns
    }
    return pd.DataFrame(cleaned)


def with_points(frame: pd.DataFrame) -> gpd.GeoDataFrame:
    """Turn the ``lon``/``lat`` columns (EPSG:4326) into point geometry."""
    lon = pd.to_numeric(frame["lon"])
    lat = pd.to_numeric(frame["lat"])
    rest = frame.drop(columns=["lon", "lat"])
    return gpd.GeoDataFrame(rest, geometry=gpd.points_from_xy(lon, lat), crs=4326)


def site_points(sites: gpd.GeoDataFrame, site_ids: Iterable[str]) -> gpd.GeoSeries:
    """The point of each site id in ``site_ids`` (None for an unknown id)."""
    lookup = dict(zip(sites["site_id"], sites.geometry, strict=True))
    return gpd.GeoSeries([lookup.get(s) for s in site_ids], crs=4326)


# -- layers ----------------------------------------------------------------------------------------
def names_ru(sources: Path) -> dict[str, dict[str, str]]:
    """Russian names by layer (``range-states``, ``rivers``, ``protected-areas``, ``sites``) and id."""
    table = read_table(sources / NAMES_RU)
    out: dict[str, dict[str, str]] = {}
    for row in table.to_dict("records"):
        if not (row["name_ru"] and row["how"] and row["source"]):
            raise SystemExit(f"{NAMES_RU}: {row['layer']} {row['id']} needs name_ru, how and source")
        out.setdefault(row["layer"], {})[row["id"]] = row["name_ru"]
    return out


def sources_ru(sources: Path) -> dict[str, str]:
    """The Russian of each citation that has words besides the citation (see :data:`SOURCES_RU`)."""
    table = read_table(sources / SOURCES_RU)
    out: dict[str, str] = {}
    for row in table.to_dict("records"):
        if not (row["source"] and row["source_ru"]) or row["source"] in out:
            raise SystemExit(f"{SOURCES_RU}: {row['source']!r} needs one source_ru")
        out[row["source"]] = row["source_ru"]
    return out


def source_in_russian(source: object, russian: dict[str, str]) -> str | None:
    """``source`` with each of its citations in Russian where :data:`SOURCES_RU` has one, else None.

    >>> russian = {"wwf.ru 8 Oct 2020": "wwf.ru 8 октября 2020 г."}
    >>> source_in_russian("wild-life.kz; wwf.ru 8 Oct 2020", russian)
    'wild-life.kz; wwf.ru 8 октября 2020 г.'
    >>> source_in_russian("wild-life.kz", {}) is None
    True
    """
    if not isinstance(source, str):
        return None
    parts = source.split("; ")
    shown = [russian.get(p, p) for p in parts]
    return "; ".join(shown) if shown != parts else None


def with_sources_ru(frame: gpd.GeoDataFrame, russian: dict[str, str]) -> gpd.GeoDataFrame:
    """``frame`` with a ``source_ru`` column after ``source`` (missing where the source is citations only)."""
    out = frame.copy()
    out.insert(
        list(out.columns).index("source") + 1,
        "source_ru",
        [source_in_russian(s, russian) for s in out["source"]],
    )
    return out


def check_sources_ru(sources: Path, russian: dict[str, str]) -> None:
    """Refuse a citation of :data:`SOURCES_RU` that no source table cites (a stale translation)."""
    cited = {
        part
        for name in FILES.values()
        if name.endswith(".csv")
        for source in read_table(sources / name)["source"].dropna()
        for part in source.split("; ")
    }
    unused = sorted(set(russian) - cited)
    if unused:
        raise SystemExit(f"{SOURCES_RU}: no source table cites {', '.join(map(repr, unused))}")


def with_names_ru(
    frame: gpd.GeoDataFrame, kind: LayerKind, names: dict[str, dict[str, str]]
) -> gpd.GeoDataFrame:
    """``frame`` with a ``name_ru`` column after ``name`` (missing where no Russian name is known)."""
    id_column = SPECS[kind].id_column
    known = names.get(kind.value, {})
    unknown = sorted(set(known) - set(frame[id_column].astype(str)))
    if unknown:
        raise SystemExit(f"{NAMES_RU}: no {kind.value} feature {', '.join(unknown)}")
    out = frame.copy()
    out.insert(list(out.columns).index("name") + 1, "name_ru", [known.get(str(i)) for i in out[id_column]])
    return out


def sites_layer(sources: Path) -> gpd.GeoDataFrame:
    """Sites: points from lon/lat."""
    return with_points(read_table(sources / FILES[LayerKind.SITES]))


def releases_layer(sources: Path, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Releases, located at their destination site."""
    table = read_table(sources / FILES[LayerKind.RELEASES])
    return gpd.GeoDataFrame(table, geometry=site_points(sites, table["site_id"]).values, crs=4326)


def counts_layer(sources: Path, sites: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Population counts, located at their site (the survey location defaults to the site's)."""
    table = read_table(sources / FILES[LayerKind.POPULATION_COUNTS])
    return gpd.GeoDataFrame(table, geometry=site_points(sites, table["site_id"]).values, crs=4326)


def circle_radius_m(area_m2: float, quad_segs: int = CIRCLE_QUAD_SEGS) -> float:
    """Circumradius of the regular polygon of ``4 * quad_segs`` sides whose area is ``area_m2``.

    A regular n-gon of circumradius R has area ``n / 2 * R**2 * sin(2 * pi / n)``, slightly less
    than the circle's ``pi * R**2``; solving for R makes the drawn polygon carry the reported area.
    """
    sides = 4 * quad_segs
    return math.sqrt(area_m2 / (sides / 2.0 * math.sin(2.0 * math.pi / sides)))


def protected_areas_layer(sources: Path, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Protected areas: circles of the reported area around the given point, flagged approximate."""
    table = with_points(read_table(sources / FILES[LayerKind.PROTECTED_AREAS]))
    area_km2 = ha_to_km2(pd.to_numeric(table["reported_area_ha"]))
    centres = table.geometry.to_crs(crs)
    circles = [
        centre.buffer(circle_radius_m(km2_to_m2(a)), quad_segs=CIRCLE_QUAD_SEGS)
        for centre, a in zip(centres, area_km2, strict=True)
    ]
    out = table.drop(columns=["reported_area_ha"]).assign(
        reported_area_km2=area_km2.round(4), approximate=True
    )
    return gpd.GeoDataFrame(
        out.drop(columns="geometry"), geometry=gpd.GeoSeries(circles, crs=crs).to_crs(4326)
    )


def _in_crs(geometry: shapely.Geometry, crs: pyproj.CRS) -> shapely.Geometry:
    return gpd.GeoSeries([geometry], crs=4326).to_crs(crs).iloc[0]


def belt(
    piece: dict, river: shapely.Geometry, site: shapely.Geometry | None, crs: pyproj.CRS
) -> shapely.Geometry:
    """One tugai belt (equal-area CRS): a stretch of ``river`` buffered by the piece's half width.

    A piece with a site takes the river within ``along_km`` of the river point nearest the site;
    a piece without takes the river inside its lon/lat box.
    """
    if site is not None:
        anchor = shapely.ops.nearest_points(river, site)[0]
        stretch = river.intersection(anchor.buffer(float(piece["along_km"]) * M_PER_KM))
    else:
        box = shapely.box(*(float(piece[k]) for k in ("min_lon", "min_lat", "max_lon", "max_lat")))
        stretch = river.intersection(_in_crs(box, crs))
    return stretch.buffer(float(piece["half_width_km"]) * M_PER_KM, quad_segs=BELT_QUAD_SEGS)


def _polygons(geometry: shapely.Geometry) -> shapely.Geometry | None:
    parts = [
        p
        for p in shapely.get_parts(geometry)
        if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
    ]
    return shapely.make_valid(shapely.union_all(parts)) if parts else None


def range_belts(sources: Path, sites: gpd.GeoDataFrame, crs: pyproj.CRS) -> pd.DataFrame:
    """Every belt of ``range_pieces.csv`` cut by country: one row per piece and country."""
    pieces = read_table(sources / FILES[LayerKind.RANGES])
    rivers = gpd.read_file(sources / FILES[LayerKind.RIVERS]).to_crs(crs).set_index("name").geometry
    river_ru = dict(
        with_names_ru(gpd.read_file(sources / FILES[LayerKind.RIVERS]), LayerKind.RIVERS, names_ru(sources))[
            ["name", "name_ru"]
        ].itertuples(index=False)
    )
    states = gpd.read_file(sources / FILES[LayerKind.RANGE_STATES]).to_crs(crs).set_index("iso3")
    sites_ea = sites.to_crs(crs).set_index("site_id")
    rows = []
    for piece in pieces.to_dict("records"):
        site = sites_ea.loc[piece["site_id"]] if piece["site_id"] else None
        shape = belt(piece, rivers[piece["river"]], None if site is None else site.geometry, crs)
        countries = [site["iso3"]] if site is not None else list(states.index)
        origin = int(piece["origin"]) if piece["origin"] else STATUS_ORIGIN[site["status"]]
        for iso3 in countries:
            part = _polygons(shape.intersection(states.geometry[iso3]))
            if part is not None:
                rows.append(
                    {
                        **piece,
                        "iso3": iso3,
                        "origin": origin,
                        "geometry": part,
                        "label": site["name"] if site is not None else piece["river"],
                        "label_ru": site["name_ru"] if site is not None else river_ru[piece["river"]],
                    }
                )
    return pd.DataFrame(rows)


def _range_name(period: str, iso3: str, origin: int, presence: int, labels: list[str], country: str) -> str:
    what = "; ".join(sorted(set(labels)))
    status = f", {PRESENCE_CODES[presence].lower()}" if presence != 1 else ""
    if period == "historical":
        return f"Historical range{status}: tugai along the {what} ({country})"
    return f"Range {period}, {ORIGIN_CODES[origin].lower()}{status}: {what} ({country})"


def _range_name_ru(period: str, origin: int, presence: int, labels: list[str], country: str) -> str:
    """The Russian name of a range piece, made as :func:`_range_name` makes the English one."""
    what = "; ".join(sorted(set(labels)))
    status = f", {PRESENCE_RU[presence]}" if presence != 1 else ""
    if period == "historical":
        return f"Исторический ареал{status}: тугаи — {what} ({country})"
    return f"Ареал {period}, {ORIGIN_RU[origin]}{status}: {what} ({country})"


def ranges_layer(sources: Path, sites: gpd.GeoDataFrame, crs: pyproj.CRS) -> gpd.GeoDataFrame:
    """Ranges: the belts merged per period, country, presence, origin and seasonality."""
    belts = range_belts(sources, sites, crs)
    russian = sources_ru(sources)
    states = with_names_ru(
        gpd.read_file(sources / FILES[LayerKind.RANGE_STATES]), LayerKind.RANGE_STATES, names_ru(sources)
    ).set_index("iso3")
    names, names_in_ru = states["name"], states["name_ru"]
    keys = ["period", "iso3", "presence", "origin", "seasonal"]
    rows = []
    for (period, iso3, presence, origin, seasonal), group in belts.groupby(keys, sort=True):
        shape = shapely.union_all(list(group["geometry"])).simplify(SIMPLIFY_M)
        sources_text = "; ".join(dict.fromkeys("; ".join(group["source"]).split("; ")))
        pieces = ", ".join(group["piece_id"])
        rows.append(
            {
                "range_id": f"{period}-{iso3}-o{origin}-p{presence}",
                "name": _range_name(
                    period, iso3, int(origin), int(presence), list(group["label"]), names[iso3]
                ),
                "name_ru": _range_name_ru(
                    period, int(origin), int(presence), list(group["label_ru"]), names_in_ru[iso3]
                ),
                "period": period,
                "presence": int(presence),
                "origin": int(origin),
                "seasonal": int(seasonal),
                "iso3": iso3,
                "source": RANGE_SOURCE.format(sources=sources_text, pieces=pieces),
                "source_ru": RANGE_SOURCE_RU.format(
                    sources=source_in_russian(sources_text, russian) or sources_text, pieces=pieces
                ),
                "geometry": shapely.make_valid(shape),
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs).to_crs(4326)
    return frame


def base_layer(sources: Path, kind: LayerKind) -> gpd.GeoDataFrame:
    """Range states or rivers, as derived by data/derive_basemap.py."""
    return gpd.read_file(sources / FILES[kind])


# -- assembling ------------------------------------------------------------------------------------
def build_layers(sources: Path, config: StoreConfig) -> dict[LayerKind, gpd.GeoDataFrame]:
    """Every layer of the bundled store, validated against the schema."""
    crs = config.crs
    russian = names_ru(sources)
    cited_ru = sources_ru(sources)
    sites = with_names_ru(sites_layer(sources), LayerKind.SITES, russian)
    raw: dict[LayerKind, gpd.GeoDataFrame] = {
        LayerKind.RANGE_STATES: with_names_ru(
            base_layer(sources, LayerKind.RANGE_STATES), LayerKind.RANGE_STATES, russian
        ),
        LayerKind.RIVERS: with_names_ru(base_layer(sources, LayerKind.RIVERS), LayerKind.RIVERS, russian),
        LayerKind.RANGES: ranges_layer(sources, sites, crs),
        LayerKind.PROTECTED_AREAS: with_names_ru(
            protected_areas_layer(sources, crs), LayerKind.PROTECTED_AREAS, russian
        ),
        LayerKind.SITES: sites,
        LayerKind.RELEASES: releases_layer(sources, sites),
        LayerKind.POPULATION_COUNTS: counts_layer(sources, sites),
    }
    raw |= {kind: with_sources_ru(raw[kind], cited_ru) for kind in TABLE_SOURCED_KINDS}
    check_sources_ru(sources, cited_ru)
    layers = {kind: validate_layer(frame, kind) for kind, frame in raw.items()}
    site_ids = layers[LayerKind.SITES]["site_id"].tolist()
    problems = [
        p
        for kind in (LayerKind.RELEASES, LayerKind.POPULATION_COUNTS)
        for p in check_references(layers[kind], kind, site_ids)
    ]
    if problems:
        raise SystemExit("dangling site references: " + "; ".join(problems))
    return layers


def keep_national_reports(tx: StoreWriter, folder: Path = NATIONAL_REPORTS) -> int:
    """Keep each YAML national report of ``folder`` in the store as a record (no feature); return how many.

    The Overview Report reads threats, measures, Work Programme actions and priorities from these
    records. Their counts are not imported, so the bundled totals are not counted twice.
    """
    kept = 0
    for path in sorted(folder.glob("*.yaml")):
        source = read_report_file(path)
        report, problems = check_report(source.data, locate=source.locate)
        if source.problems or problems:
            raise SystemExit(f"{path.name}: " + "; ".join(str(p) for p in [*source.problems, *problems]))
        tx.add_national_report(
            report,
            filename=source.filename,
            fmt=source.format,
            content=source.content,
            sha256=source.sha256,
            note=REPORT_NOTE,
        )
        kept += 1
    return kept


def build(target: Path = TARGET, sources: Path = SOURCES) -> dict[LayerKind | str, int]:
    """Build the store at ``target`` from ``sources``; return the feature count of each layer.

    The national reports of ``data/national-reports`` are kept as records (``"national-reports"``: how many).
    """
    config = StoreConfig()
    layers = build_layers(sources, config)
    store = Store.create(target, config=config, overwrite=True)
    counts = {}
    with store.transaction() as tx:
        for kind, frame in layers.items():
            path = sources / FILES[kind]
            notes = (
                []
                if kind not in (LayerKind.RANGES, LayerKind.PROTECTED_AREAS)
                else ["geometry computed by data/build.py"]
            )
            if kind in (*NAMED_KINDS, LayerKind.RANGES):
                names_file = sources / NAMES_RU
                notes.append(f"name_ru from data/sources/{NAMES_RU} (sha256 {file_sha256(names_file)})")
            if kind in (*TABLE_SOURCED_KINDS, LayerKind.RANGES):
                cited_file = sources / SOURCES_RU
                notes.append(f"source_ru from data/sources/{SOURCES_RU} (sha256 {file_sha256(cited_file)})")
            note = "; ".join(notes)
            provenance = Provenance(
                source_file=f"data/sources/{path.name}", sha256=file_sha256(path), action="build", note=note
            )
            counts[kind] = tx.write(kind, frame, provenance=provenance, mode="replace").total
        counts["national-reports"] = keep_national_reports(tx, NATIONAL_REPORTS)
    target.chmod(0o644)  # the store is created private (mkstemp); package data must be readable by all
    return counts


def main(argv: list[str] | None = None) -> int:
    """Command line: ``python data/build.py [--out PATH]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=TARGET, help=f"store to write (default: {TARGET})")
    args = parser.parse_args(argv)
    counts = build(args.out)
    for kind, n in counts.items():
        sys.stdout.write(f"{getattr(kind, 'value', kind):<18} {n:>4}\n")
    size_mb = args.out.stat().st_size / 1e6
    sys.stdout.write(f"wrote {args.out} ({size_mb:.2f} MB)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
