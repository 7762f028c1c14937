"""``deerhabitat analyze``: every analysis of a store, as one result with JSON and CSV forms.

The store's layers are read (EPSG:4326), projected into the store's equal-area analysis CRS with
geodesic edges (:func:`deerhabitat.analysis.to_analysis_crs`), and passed to the pure analyses. A
missing or empty layer does not fail the command: the tables that need it are empty and
``notes`` says why. Nothing is written to the store.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj

from deerhabitat import analysis as an
from deerhabitat._version import __version__
from deerhabitat.analysis.protection import COVERAGE_BASIS_COLUMNS, PROTECTED_POPULATION_COLUMNS
from deerhabitat.analysis.ranges import CHANGE_COLUMNS, COVERAGE_COLUMNS
from deerhabitat.config import StoreConfig
from deerhabitat.crs import describe_crs
from deerhabitat.errors import StoreError
from deerhabitat.io import Store
from deerhabitat.io.csv_safe import write_frame_csv
from deerhabitat.io.snapshot import StoreSnapshot
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.occurrence_analysis import (
    OCCURRENCE_TABLES,
    OccurrenceAnalysis,
    analyze_occurrences,
    occurrence_batches,
)
from deerhabitat.workflows.store import StoreLike, take_snapshot

if TYPE_CHECKING:
    from deerhabitat.analysis.engine import EngineOptions

TABLES = (
    "totals_by_year",
    "totals_by_country_year",
    "totals_detail",
    "country_trends",
    "carried_counts",
    "captive_by_year",
    "protected_by_country_year",
    "site_protection",
    "protected_areas",
    "range_coverage",
    "range_change",
    "eoo_aoo_by_year",
    "reintroductions",
    "gaps_outside_protected_areas",
    "gaps_stale_counts",
    "gaps_range_states_without_recent_count",
)
"""Names of the result tables, in output order (each is written as ``<name>.csv``)."""

METHODS = {
    "protected_areas": (
        "Protected areas are repaired (make_valid, polygonal parts kept) and dissolved into one "
        "non-overlapping layer for coverage and for animals inside/outside, so no area or animal counts "
        "twice; the protected_areas table also gives each area's flat_area_km2 after erasing overlaps in "
        "order of IUCN category (Ia first) then status_year (wdpar)."
    ),
    "inside": (
        "A count is inside when a protected area covers its point (points on a boundary are inside). Only "
        "site figures have a position: national totals and splits of a national figure never count inside "
        "or outside, so inside + outside = located; protected_fraction = inside / located, and a country "
        "whose only figure is national is not assessable (protected_fraction null, assessable false)."
    ),
    "data_status": (
        "Every count carries a data status (surveyed, estimated, national-total, national-split, "
        "illustrative): its data_status column when set, otherwise national-total for a site of scope "
        "country, surveyed for census, distance-sampling, camera-trap and enclosure-count, estimated else."
    ),
    "country_trends": (
        "Between a country's successive years with a counted (not only carried) figure, a change is "
        "called increase, decline or no change only when both totals are made of the same figures "
        "(coverage) with the same method and data status; otherwise not comparable, with the reason."
    ),
    "site_protection": (
        "pa_ids: every protected area intersecting the site; otherwise nearest_pa_id and distance_km, the "
        "geodesic length of the shortest line to it."
    ),
    "range_coverage": (
        "Range polygons of a period are repaired and unioned (iso3 ALL = whole range, otherwise by the "
        "polygons' iso3); protected_km2 = range inside the dissolved protected areas. range_geometry and "
        "protected_area_geometry say what the polygons are (drawn belts or buffers per the ranges' source, "
        "circles of the reported area per the protected areas' approximate flag) and caveat what that means."
    ),
    "range_change": (
        "lost_fraction = (historical_km2 - current_km2) / historical_km2 (net; negative when the range "
        "grew); lost_km2/gained_km2 = historical range outside the current one and back."
    ),
    "areas": (
        "Areas are planar km2 in the equal-area analysis CRS after densifying polygon edges along "
        "geodesics, so they equal ellipsoidal (pyproj.Geod) areas."
    ),
    "eoo_aoo": (
        "Occupied sites of a year = site-scope sites whose figure for the year (observed or carried, as in "
        "the totals) is above 0, at the count's point. EOO = area of their convex hull with geodesic edges "
        "(0 for fewer than 3 sites); AOO = occupied 2 km x 2 km cells x 4 km2 of the grid in aoo_grid; "
        "eoo_iucn_km2 = max(EOO, AOO) per the IUCN guidelines 4.9."
    ),
    "gaps": (
        "Judged against reference_year, the latest year with a wild count: populations (latest wild count "
        "> 0) no protected area intersects; sites whose latest wild count is more than stale_after_years "
        "older; range states without a wild count in reference_year - stale_after_years .. reference_year."
    ),
}
"""How each table is computed, one sentence each (printed as ``methods`` in the JSON)."""

SITE_PROTECTION_COLUMNS = [
    "site_id",
    "name",
    "status",
    "scope",
    "iso3",
    "inside",
    "pa_ids",
    "nearest_pa_id",
    "distance_km",
]
PROTECTED_AREA_COLUMNS = [
    "pa_id",
    "name",
    "iso3",
    "iucn_cat",
    "status_year",
    "erase_rank",
    "area_km2",
    "flat_area_km2",
    "repaired",
]


@dataclass(frozen=True)
class AnalysisResult:
    """Every analysis of one store.

    Attributes
    ----------
    store : str
        Path of the store analysed.
    config : StoreConfig
        Its species settings (analysis CRS, stale_after_years ...).
    tables : dict of str to pandas.DataFrame
        One table per name of :data:`TABLES`.
    reference_year : int or None
        Latest year with a wild count.
    aoo_grid : dict
        ``cell_m``, ``origin_x_m``, ``origin_y_m`` of the AOO grid in the analysis CRS.
    notes : list of str
        What could not be computed and why (a missing layer ...).
    site_years : pandas.DataFrame, optional
        The figure of each site in each year (:func:`deerhabitat.analysis.site_year_counts`,
        attributes only): the population map draws these, so they are computed once.
    occurrences : OccurrenceAnalysis, optional
        The analyses of the store's occurrences layer (None when the store has none); its tables
        are also in ``tables``.
    """

    store: str
    config: StoreConfig
    tables: Mapping[str, pd.DataFrame]
    reference_year: int | None
    aoo_grid: Mapping[str, float | str]
    notes: list[str] = field(default_factory=list)
    site_years: pd.DataFrame | None = None
    occurrences: OccurrenceAnalysis | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the result as one JSON-ready dict (the object ``deerhabitat analyze --json`` prints).

        Keys (stable; each table's columns are documented by the analysis function that makes it):

        - ``store``, ``species``, ``scientific_name``, ``crs`` (``name``, ``definition``,
          ``units``), ``stale_after_years``, ``reference_year`` (latest year with a wild count);
        - ``totals_rule``, ``totals_by_year`` (``{"2002": 400, ...}``, wild animals),
          ``totals_by_country_year`` (iso3, year, count), ``totals_detail`` (observed/carried
          parts, national estimates), ``country_trends`` (change between successive counted years,
          ``trend`` increase/decline/no change/not comparable with its ``reason``), ``carried_counts``,
          ``captive_by_year`` (``{"2019": 33}``);
        - ``protected_by_country_year`` (iso3, year, count, located, inside, outside,
          protected_fraction, assessable, country_estimate, note), ``site_protection``,
          ``protected_areas`` (cleaning table);
        - ``range_coverage`` (period, iso3 or ``ALL``, range_km2, protected_km2,
          protected_fraction, range_geometry, protected_area_geometry, caveat), ``range_change``;
        - ``eoo_aoo_by_year`` and ``aoo_grid`` (cell_m, origin_x_m, origin_y_m, crs);
        - ``reintroductions`` and ``reintroductions_rule``;
        - ``gaps`` (``reference_year``, ``stale_after_years``, ``outside_protected_areas``,
          ``stale_counts``, ``range_states_without_recent_count``);
        - ``occurrences``, only when the store has an occurrences layer: ``n_occurrences``,
          ``by_year``, ``by_country_year``, ``by_protected_area_year``, ``by_range_period_year``,
          ``home_ranges`` (areas per animal, no position), ``boyce_index`` and
          ``aoh_point_prevalence`` (value, expected, points used, outside the raster, note), its own
          ``methods`` and ``notes``;
        - ``methods`` (one sentence per analysis), ``notes`` (what could not be computed and
          why), ``deerhabitat_version``.

        Years are numbers inside lists and strings as object keys; missing values are null;
        areas are km² in the analysis CRS.
        """
        t, config = self.tables, self.config
        gaps = {
            "reference_year": self.reference_year,
            "stale_after_years": config.stale_after_years,
            "outside_protected_areas": _records(t["gaps_outside_protected_areas"]),
            "stale_counts": _records(t["gaps_stale_counts"]),
            "range_states_without_recent_count": _records(t["gaps_range_states_without_recent_count"]),
        }
        return {
            "store": self.store,
            "species": config.species,
            "scientific_name": config.scientific_name,
            "crs": {"name": _crs_name(config.crs), "definition": config.analysis_crs, "units": "metre"},
            "stale_after_years": config.stale_after_years,
            "reference_year": self.reference_year,
            "totals_rule": an.totals_rule(config.stale_after_years),
            "totals_by_year": _year_dict(t["totals_by_year"]),
            **{
                name: _records(t[name])
                for name in ("totals_by_country_year", "totals_detail", "country_trends", "carried_counts")
            },
            "captive_by_year": _year_dict(t["captive_by_year"]),
            **{
                name: _records(t[name])
                for name in (
                    "protected_by_country_year",
                    "site_protection",
                    "protected_areas",
                    "range_coverage",
                    "range_change",
                    "eoo_aoo_by_year",
                )
            },
            "aoo_grid": dict(self.aoo_grid),
            "reintroductions": _records(t["reintroductions"]),
            "reintroductions_rule": an.reintroduction_rule(config.stale_after_years),
            "gaps": gaps,
            **({"occurrences": self.occurrences.to_json(_records)} if self.occurrences is not None else {}),
            "methods": dict(METHODS),
            "notes": list(self.notes),
            "deerhabitat_version": __version__,
        }

    def summary_lines(self) -> list[str]:
        """Return a short plain-text summary for the terminal (``deerhabitat analyze`` without ``--json``)."""
        t = self.tables
        lines = [f"Store {self.store} ({self.config.species}); areas in {_crs_name(self.config.crs)}"]
        totals = _year_dict(t["totals_by_year"])
        lines.append("Wild animals by year: " + (", ".join(f"{y}: {c}" for y, c in totals.items()) or "none"))
        carried = t["carried_counts"]
        if len(carried):
            lines.append(f"  ({len(carried)} site figure(s) carried from earlier years; see carried_counts)")
        protected = t["protected_by_country_year"]
        by_year = protected.groupby("year")[["inside", "located", "count"]].sum()
        for row in by_year.tail(1).itertuples():
            share = f"{row.inside / row.located:.0%}" if row.located else "not assessable"
            lines.append(
                f"Inside protected areas in {row.Index}: {row.inside} of {row.located} animals counted at "
                f"sites ({share}); national figures have no position"
            )
            blind = protected[(protected["year"] == row.Index) & ~protected["assessable"].astype(bool)]
            if len(blind):
                lines.append(f"  not assessable (only a national figure): {', '.join(blind['iso3'])}")
        for row in t["range_coverage"][t["range_coverage"]["iso3"] == an.ALL].itertuples():
            caveat = f" ({row.caveat})" if getattr(row, "caveat", "") else ""
            share = f"{row.protected_fraction:.1%}"
            lines.append(f"Range {row.period}: {row.range_km2:,.0f} km2, {share} protected{caveat}")
        statuses = t["reintroductions"]["status"].value_counts().sort_index()
        if len(statuses):
            lines.append("Reintroductions: " + ", ".join(f"{n} {s}" for s, n in statuses.items()))
        lines.append(
            f"Gaps: {len(t['gaps_outside_protected_areas'])} population(s) outside protected "
            f"areas, {len(t['gaps_stale_counts'])} stale count(s), "
            f"{len(t['gaps_range_states_without_recent_count'])} range state(s) without a recent "
            f"count"
        )
        lines.extend(_occurrence_lines(self.occurrences))
        lines.extend(f"Note: {note}" for note in self.notes)
        return lines

    def write_csv(self, out_dir: str | os.PathLike) -> list[Path]:
        """Write each table as ``<name>.csv`` and the JSON as ``analysis.json`` into ``out_dir``.

        Lists (``pa_ids``) are joined with ``;``. Existing files of those names are replaced;
        other files in the folder are left alone.

        Returns
        -------
        list of pathlib.Path
            The files written.

        Raises
        ------
        StoreError
            If ``out_dir`` is a file or cannot be created or written.
        """
        out = Path(out_dir)
        try:
            out.mkdir(parents=True, exist_ok=True)
            written = []
            for name in [*TABLES, *(OCCURRENCE_TABLES if self.occurrences is not None else ())]:
                path = out / f"{name}.csv"
                write_frame_csv(_csv_ready(self.tables[name]), path)
                written.append(path)
            path = out / "analysis.json"
            path.write_text(json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        except OSError as exc:
            raise StoreError(
                f"cannot write the analysis tables to {str(out)!r} ({exc.strerror or exc}); "
                f"--out must be a folder you can write (it is created when missing)"
            ) from exc
        return [*written, path]


def analyze(
    *,
    store: StoreLike = None,
    out: str | os.PathLike | None = None,
    engine: EngineOptions | None = None,
) -> AnalysisResult:
    """Run every analysis on a store (``deerhabitat analyze``).

    Parameters
    ----------
    store : path-like or StoreSnapshot, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled store. Only read. ``map`` and
        ``report`` pass the snapshot they already took, so the store is read once.
    out : path-like, optional
        A folder to write each table as CSV (see :meth:`AnalysisResult.write_csv`).
    engine : EngineOptions, optional
        Where the per-protected-area occurrence counts run (``--workers``/``--scheduler``). None or
        one worker without a scheduler: in the one pass over the occurrences; otherwise on
        :func:`deerhabitat.analysis.engine.count_points_in_polygons` over the store's GeoParquet
        files (the same counts).

    Returns
    -------
    AnalysisResult

    Raises
    ------
    StoreError
        If the store cannot be opened or ``out`` cannot be written.
    SchemaError
        If a count refers to a site missing from the store.
    """
    snapshot = take_snapshot(store)
    config = snapshot.config
    layers, notes = _layers(snapshot)
    tables, reference_year, site_years = _run(layers, snapshot.projected, config, notes)
    occurrences = _occurrences(snapshot, layers, engine)
    if occurrences is not None:
        tables.update(occurrences.tables)
    grid: dict[str, float | str] = {
        "cell_m": an.AOO_CELL_M,
        "origin_x_m": 0.0,
        "origin_y_m": 0.0,
        "crs": _crs_name(config.crs),
    }
    result = AnalysisResult(
        store=snapshot.shown,
        config=config,
        tables=tables,
        reference_year=reference_year,
        aoo_grid=grid,
        notes=notes,
        site_years=pd.DataFrame(site_years.drop(columns="geometry", errors="ignore")),
        occurrences=occurrences,
    )
    if out is not None:
        result.write_csv(out)
    return result


# -- steps -------------------------------------------------------------------------------------------


def _layers(snapshot: StoreSnapshot) -> tuple[dict[LayerKind, gpd.GeoDataFrame], list[str]]:
    layers, notes = {}, []
    for kind in _NEEDS:
        frame = snapshot.layer(kind)
        if len(frame) == 0:
            notes.append(f"no {kind.value} layer in the store (or it is empty): {_NEEDS[kind]}")
        layers[kind] = frame
    return layers, notes


_NEEDS = {
    LayerKind.RANGE_STATES: "range states come from the store settings only",
    LayerKind.RANGES: "range_coverage and range_change are empty",
    LayerKind.PROTECTED_AREAS: "protected_by_country_year, site_protection, protected_areas, "
    "range_coverage and gaps.outside_protected_areas are empty",
    LayerKind.SITES: "population analyses need the sites of the counts",
    LayerKind.RELEASES: "reintroductions is empty",
    LayerKind.POPULATION_COUNTS: "totals, protection of animals, EOO/AOO, reintroduction growth and gaps "
    "are empty",
}
"""The layers the analysis reads (rivers are not), and what stays empty without each."""


def _run(
    layers: Mapping, projected: Mapping, config: StoreConfig, notes: list[str]
) -> tuple[dict[str, pd.DataFrame], int | None, pd.DataFrame]:
    stale = config.stale_after_years
    site_years = an.site_year_counts(
        projected[LayerKind.POPULATION_COUNTS], projected[LayerKind.SITES], stale_after_years=stale
    )
    totals = an.population_totals(site_years)
    tables = {
        "totals_by_year": totals.by_year,
        "totals_by_country_year": totals.by_country_year,
        "totals_detail": totals.detail,
        "country_trends": an.country_trends(site_years),
        "carried_counts": an.carried_counts(site_years),
        "captive_by_year": an.captive_by_year(layers[LayerKind.POPULATION_COUNTS]),
        "eoo_aoo_by_year": an.eoo_aoo_by_year(site_years),
    }
    protection = _protection_tables(site_years, projected, tables)
    tables.update(_range_tables(projected))
    gaps = an.conservation_gaps(
        site_years, protection, range_states=_range_states(layers, config), stale_after_years=stale
    )
    tables["reintroductions"] = an.reintroduction_outcomes(
        layers[LayerKind.RELEASES],
        layers[LayerKind.POPULATION_COUNTS],
        reference_year=gaps.reference_year,
        stale_after_years=stale,
    )
    tables.update(
        {
            "gaps_outside_protected_areas": gaps.outside_protected_areas,
            "gaps_stale_counts": gaps.stale_counts,
            "gaps_range_states_without_recent_count": gaps.range_states_without_recent_count,
        }
    )
    return {name: tables[name] for name in TABLES}, gaps.reference_year, site_years


def _protection_tables(
    site_years: gpd.GeoDataFrame, projected: Mapping, tables: dict[str, pd.DataFrame]
) -> pd.DataFrame | None:
    pas = projected[LayerKind.PROTECTED_AREAS]
    if len(pas) == 0:
        tables.update(
            {
                "protected_by_country_year": _empty(PROTECTED_POPULATION_COLUMNS),
                "site_protection": _empty(SITE_PROTECTION_COLUMNS),
                "protected_areas": _empty(PROTECTED_AREA_COLUMNS),
            }
        )
        return None
    sites = projected[LayerKind.SITES]
    protection = an.site_protection(sites, pas)
    names = pd.DataFrame(
        {
            "site_id": sites["site_id"].astype(str).to_numpy(),
            "name": sites["name"].astype(str).to_numpy(),
            "status": sites["status"].astype(str).to_numpy(),
            "scope": _scope(sites),
        }
    )
    cleaned = an.clean_protected_areas(pas)
    tables.update(
        {
            "protected_by_country_year": an.protected_population(site_years, pas),
            "site_protection": names.merge(protection, on="site_id", how="right")[SITE_PROTECTION_COLUMNS],
            "protected_areas": pd.DataFrame(cleaned[PROTECTED_AREA_COLUMNS]),
        }
    )
    return protection


def _range_tables(projected: Mapping) -> dict[str, pd.DataFrame]:
    ranges, pas = projected[LayerKind.RANGES], projected[LayerKind.PROTECTED_AREAS]
    states = projected[LayerKind.RANGE_STATES]
    states = states if len(states) else None
    coverage = (
        an.coverage_basis(an.range_coverage(ranges, pas, range_states=states), ranges, pas)
        if len(ranges) and len(pas)
        else _empty([*COVERAGE_COLUMNS, *COVERAGE_BASIS_COLUMNS])
    )
    change = an.range_change(ranges, range_states=states) if len(ranges) else _empty(CHANGE_COLUMNS)
    return {"range_coverage": coverage, "range_change": change}


def _occurrences(
    snapshot: StoreSnapshot, layers: Mapping, engine: EngineOptions | None = None
) -> OccurrenceAnalysis | None:
    """The occurrence analyses, in one pass over the store's occurrences in batches; None without any.

    With more than one worker or a scheduler, the per-protected-area counts run on the engine over
    the store's occurrence files.
    """
    batches = occurrence_batches(snapshot)
    if batches is None:
        return None
    zones = {
        kind.value: layers[kind]
        for kind in (LayerKind.RANGE_STATES, LayerKind.PROTECTED_AREAS, LayerKind.RANGES)
    }
    if engine is None or (engine.workers == 1 and engine.scheduler is None):
        return analyze_occurrences(batches, zones, snapshot.config.crs, snapshot.rasters)
    from deerhabitat.io.datasets import occurrence_files

    files = occurrence_files(Store(snapshot.path))
    return analyze_occurrences(
        batches, zones, snapshot.config.crs, snapshot.rasters, engine=engine, files=files
    )


def _occurrence_lines(occurrences: OccurrenceAnalysis | None) -> list[str]:
    if occurrences is None:
        return []
    use = occurrences.tables["habitat_use"].set_index("measure")
    homes = occurrences.tables["home_ranges"]

    def value(measure: str) -> str:
        v = use.loc[measure, "value"] if measure in use.index else None
        return "not assessable" if v is None or pd.isna(v) else f"{float(v):.2f}"

    return [
        f"Occurrences: {occurrences.n_occurrences:,} records; Boyce index {value('boyce_index')}, AOH point "
        f"prevalence {value('aoh_point_prevalence')}; home ranges of "
        f"{int(homes['mcp_km2'].notna().sum()) if len(homes) else 0} animal(s)"
    ]


def _range_states(layers: Mapping, config: StoreConfig) -> list[str]:
    listed = layers[LayerKind.RANGE_STATES]["iso3"].astype(str).tolist()
    return sorted(set(config.range_states) | set(listed))


def _crs_name(crs: pyproj.CRS) -> str:
    return describe_crs(crs)


def _scope(sites: pd.DataFrame) -> np.ndarray:
    if "scope" not in sites.columns:
        return np.full(len(sites), "site", dtype=object)
    return sites["scope"].astype(object).where(sites["scope"].notna(), "site").to_numpy()


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})


# -- JSON/CSV forms ----------------------------------------------------------------------------------


def _joined(value: Any) -> Any:
    return ";".join(map(str, value)) if isinstance(value, (list, tuple)) else value


def _plain(value: Any) -> Any:
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return None if math.isnan(value) else float(value)
    return str(value) if not isinstance(value, str) else value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    columns = [c for c in frame.columns if c != "geometry"]
    return [
        {c: _plain(v) for c, v in zip(columns, row, strict=True)}
        for row in frame[columns].itertuples(index=False, name=None)
    ]


def _year_dict(frame: pd.DataFrame) -> dict[str, int]:
    return {str(int(y)): int(c) for y, c in zip(frame["year"], frame["count"], strict=True)}


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    out = pd.DataFrame(frame[[c for c in frame.columns if c != "geometry"]]).copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, (list, tuple))).any():
            out[column] = out[column].map(_joined)
    return out
