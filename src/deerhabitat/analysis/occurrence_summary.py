"""Occurrences per year by country, protected area and range period, counted batch by batch.

An occurrence is one record of the ``occurrences`` layer (an observation, a camera-trap detection, a
telemetry fix, a specimen, a sign), whatever its ``count``. Its year is the year of its ``date``
(an unreadable date gives the year null). Points are tested against polygons in the store's CRS
(EPSG:4326), as stored, so nothing is projected; a point on a boundary is inside (*covers*).

* **Countries**: the range state whose polygon holds the point; a point in none is counted under
  ``iso3`` null.
* **Protected areas**: a point inside several overlapping areas counts once for *each* area in the
  per-area table, and once in the ``inside_protected_areas`` total of the year, so the per-area
  counts add up to the total only when areas do not overlap.
* **Range periods**: for each period, whether the point lies in that period's range polygons; one
  point can be inside the ranges of several periods.

:class:`OccurrenceTally` adds batches (:meth:`OccurrenceTally.add`) and keeps only counts, so a
layer of millions of points is never held in memory whole.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from deerhabitat.analysis.join import points_in_polygons
from deerhabitat.analysis.protection import repair_polygons
from deerhabitat.errors import AnalysisError

OCCURRENCE_KINDS = ("observation", "camera-trap", "telemetry", "specimen", "sign")
"""The kinds of occurrence records (the ``kind`` column)."""

BY_YEAR_COLUMNS = [
    "year",
    "occurrences",
    *(k.replace("-", "_") for k in OCCURRENCE_KINDS),
    "inside_protected_areas",
    "outside_protected_areas",
    "protected_fraction",
]
BY_COUNTRY_COLUMNS = ["iso3", "year", "occurrences", "animals"]
BY_PROTECTED_AREA_COLUMNS = ["pa_id", "name", "year", "occurrences"]
BY_RANGE_PERIOD_COLUMNS = [
    "period",
    "year",
    "occurrences",
    "inside_range",
    "outside_range",
    "inside_fraction",
]


@dataclass(frozen=True)
class OccurrenceZones:
    """The polygons occurrences are counted in, all in one CRS (the store's).

    Attributes
    ----------
    countries : geopandas.GeoDataFrame
        Range states with ``iso3``.
    protected_areas : geopandas.GeoDataFrame
        Protected areas with ``pa_id`` and ``name`` (repaired, overlaps kept).
    ranges : geopandas.GeoDataFrame
        Range polygons with ``period``.
    """

    countries: gpd.GeoDataFrame
    protected_areas: gpd.GeoDataFrame
    ranges: gpd.GeoDataFrame
    _country_geoms: np.ndarray = field(init=False, repr=False)
    _pa_geoms: np.ndarray = field(init=False, repr=False)
    _periods: list[str] = field(init=False, repr=False)
    _period_geoms: np.ndarray = field(init=False, repr=False)
    _all_geoms: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        def geoms(frame: gpd.GeoDataFrame) -> np.ndarray:
            return repair_polygons(frame.geometry.to_numpy()) if len(frame) else np.zeros(0, dtype=object)

        object.__setattr__(self, "_country_geoms", geoms(self.countries))
        object.__setattr__(self, "_pa_geoms", geoms(self.protected_areas))
        periods = sorted(set(self.ranges["period"].astype(str))) if len(self.ranges) else []
        unions = []
        for period in periods:
            mine = self.ranges[self.ranges["period"].astype(str) == period]
            unions.append(shapely.union_all(repair_polygons(mine.geometry.to_numpy())))
        object.__setattr__(self, "_periods", periods)
        object.__setattr__(self, "_period_geoms", np.array(unions, dtype=object))
        all_geoms = np.concatenate([self._country_geoms, self._pa_geoms, self._period_geoms]).astype(object)
        object.__setattr__(self, "_all_geoms", all_geoms)


def occurrence_years(dates: pd.Series) -> np.ndarray:
    """The year of each date (a datetime column, or text such as ``2019`` or ``2019-05-03T10:00Z``).

    Returns
    -------
    numpy.ndarray of float
        The year, NaN when the date is missing or unreadable.

    Examples
    --------
    >>> occurrence_years(pd.Series(["2019-05-03T10:22:00Z", "2020", None, "soon"])).tolist()
    [2019.0, 2020.0, nan, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(dates):
        parsed = dates
    else:
        text = dates.astype("string")
        parsed = pd.to_datetime(text, errors="coerce", utc=True, format="ISO8601")
        short = parsed.isna() & text.str.fullmatch(r"\d{4}").fillna(False).astype(bool)
        parsed = parsed.where(
            ~short, pd.to_datetime(text.where(short), format="%Y", utc=True, errors="coerce")
        )
    return parsed.dt.year.astype("Float64").to_numpy(dtype=float, na_value=np.nan)


@dataclass
class OccurrenceTally:
    """Counts of occurrences per year by country, protected area and range period; add batches.

    Parameters
    ----------
    zones : OccurrenceZones
        The polygons, in the CRS of the batches.

    Examples
    --------
    >>> zones = OccurrenceZones(
    ...     gpd.GeoDataFrame({"iso3": ["UZB"]}, geometry=[shapely.box(0, 0, 10, 10)]),
    ...     gpd.GeoDataFrame({"pa_id": ["a", "b"], "name": ["A", "B"]},
    ...                      geometry=[shapely.box(0, 0, 5, 5), shapely.box(4, 4, 6, 6)]),
    ...     gpd.GeoDataFrame({"period": ["2020"]}, geometry=[shapely.box(0, 0, 10, 10)]))
    >>> tally = OccurrenceTally(zones)
    >>> tally.add(gpd.GeoDataFrame({"date": ["2020-01-01"] * 3, "kind": ["sign"] * 3},
    ...                            geometry=shapely.points([(4.5, 4.5), (1, 1), (20, 20)])))
    >>> tally.by_protected_area()["occurrences"].tolist(), tally.by_year()["inside_protected_areas"].tolist()
    ([2, 1], [2])
    """

    zones: OccurrenceZones
    _year: list[pd.DataFrame] = field(default_factory=list)
    _country: list[pd.DataFrame] = field(default_factory=list)
    _animals: set[tuple[str | None, float, str]] = field(default_factory=set)
    _pa: list[pd.DataFrame] = field(default_factory=list)
    _period: list[pd.DataFrame] = field(default_factory=list)
    n_points: int = 0

    def add(self, batch: gpd.GeoDataFrame) -> None:
        """Count one batch of occurrences (``date``, ``kind``, optional ``animal_id``, points)."""
        if "date" not in batch.columns or "kind" not in batch.columns:
            raise AnalysisError(
                "occurrence counts need the columns date and kind of the occurrences layer; found "
                f"{', '.join(map(str, batch.columns))}"
            )
        n = len(batch)
        if n == 0:
            return
        self.n_points += n
        z = self.zones
        years = occurrence_years(batch["date"])
        kinds = batch["kind"].astype("string").fillna("").to_numpy(dtype=object)
        # one bulk query against every zone polygon: countries, then protected areas, then period ranges
        point_idx, poly_idx = points_in_polygons(batch.geometry.to_numpy(), z._all_geoms)
        n_countries, n_pas = len(z._country_geoms), len(z._pa_geoms)
        is_pa = (poly_idx >= n_countries) & (poly_idx < n_countries + n_pas)
        pa_point, pa_idx = point_idx[is_pa], poly_idx[is_pa] - n_countries
        inside = np.zeros(n, dtype=bool)
        inside[pa_point] = True
        frame = pd.DataFrame({"year": years, "inside": inside, "one": 1})
        for kind in OCCURRENCE_KINDS:
            frame[kind.replace("-", "_")] = kinds == kind
        self._year.append(frame.groupby("year", dropna=False).sum().reset_index())
        is_country = poly_idx < n_countries
        self._add_countries(point_idx[is_country], poly_idx[is_country], years, batch)
        if len(pa_idx):
            pairs = pd.DataFrame({"pa": pa_idx, "year": years[pa_point], "occurrences": 1})
            self._pa.append(pairs.groupby(["pa", "year"], dropna=False).sum().reset_index())
        period_of = poly_idx - n_countries - n_pas
        for k, period in enumerate(z._periods):
            within = np.zeros(n, dtype=bool)
            within[point_idx[period_of == k]] = True
            part = pd.DataFrame({"year": years, "inside_range": within, "occurrences": 1})
            part = part.groupby("year", dropna=False).sum().reset_index()
            part["period"] = period
            self._period.append(part)

    def _add_countries(
        self, point_idx: np.ndarray, country_idx: np.ndarray, years: np.ndarray, batch: gpd.GeoDataFrame
    ) -> None:
        iso3 = self.zones.countries["iso3"].astype(str).to_numpy() if len(self.zones.countries) else []
        first = np.full(len(batch), -1)
        # a point on a shared border belongs to the state that comes first in the layer
        order = np.lexsort((country_idx, point_idx))
        point_idx, country_idx = point_idx[order], country_idx[order]
        lead = np.ones(len(point_idx), dtype=bool)
        lead[1:] = point_idx[1:] != point_idx[:-1]
        first[point_idx[lead]] = country_idx[lead]
        names = np.array([None, *iso3], dtype=object)[first + 1]
        frame = pd.DataFrame({"iso3": names, "year": years, "occurrences": 1})
        self._country.append(frame.groupby(["iso3", "year"], dropna=False).sum().reset_index())
        if "animal_id" in batch.columns:
            animals = batch["animal_id"]
            known = animals.notna().to_numpy()
            seen = pd.DataFrame(
                {
                    "iso3": names[known],
                    "year": np.where(np.isnan(years), -1.0, years)[known],
                    "animal": animals[known].astype(str).to_numpy(dtype=object),
                }
            ).drop_duplicates()
            self._animals.update(seen.itertuples(index=False, name=None))

    # -- tables --------------------------------------------------------------------------------------

    def by_year(self) -> pd.DataFrame:
        """Occurrences per year, by kind, and inside/outside every protected area.

        Columns :data:`BY_YEAR_COLUMNS`; ``protected_fraction`` = inside / occurrences (0-1).
        """
        if not self._year:
            return _empty(BY_YEAR_COLUMNS)
        total = pd.concat(self._year).groupby("year", dropna=False).sum().reset_index()
        out = pd.DataFrame({"year": _year_column(total["year"]), "occurrences": total["one"].astype("int64")})
        for kind in OCCURRENCE_KINDS:
            out[kind.replace("-", "_")] = total[kind.replace("-", "_")].astype("int64")
        out["inside_protected_areas"] = total["inside"].astype("int64")
        out["outside_protected_areas"] = out["occurrences"] - out["inside_protected_areas"]
        out["protected_fraction"] = out["inside_protected_areas"] / out["occurrences"]
        return _sorted(out, ["year"])[BY_YEAR_COLUMNS]

    def by_country(self) -> pd.DataFrame:
        """Occurrences per range state and year (``iso3`` null: in no range state), with distinct animals."""
        if not self._country:
            return _empty(BY_COUNTRY_COLUMNS)
        total = pd.concat(self._country).groupby(["iso3", "year"], dropna=False).sum().reset_index()
        n_animals = Counter((iso3, year) for iso3, year, _ in self._animals)
        total["iso3"] = pd.Series(
            [i if isinstance(i, str) else None for i in total["iso3"]], index=total.index, dtype=object
        )
        total["animals"] = [
            n_animals.get((i, -1.0 if np.isnan(y) else float(y)), 0)
            for i, y in zip(total["iso3"], total["year"].to_numpy(dtype=float), strict=True)
        ]
        total["year"] = _year_column(total["year"])
        total["occurrences"] = total["occurrences"].astype("int64")
        return _sorted(total, ["year", "iso3"])[BY_COUNTRY_COLUMNS]

    def by_protected_area(self) -> pd.DataFrame:
        """Occurrences per protected area and year (a point in overlapping areas counts in each)."""
        if not self._pa:
            return _empty(BY_PROTECTED_AREA_COLUMNS)
        total = pd.concat(self._pa).groupby(["pa", "year"], dropna=False).sum().reset_index()
        pas = self.zones.protected_areas
        total["pa_id"] = pas["pa_id"].astype(str).to_numpy()[total["pa"].to_numpy()]
        total["name"] = (
            pas["name"].astype(str).to_numpy()[total["pa"].to_numpy()] if "name" in pas.columns else ""
        )
        total["year"] = _year_column(total["year"])
        total["occurrences"] = total["occurrences"].astype("int64")
        return _sorted(total, ["year", "pa_id"])[BY_PROTECTED_AREA_COLUMNS]

    def by_range_period(self) -> pd.DataFrame:
        """Occurrences per year inside and outside the range of each period."""
        if not self._period:
            return _empty(BY_RANGE_PERIOD_COLUMNS)
        total = pd.concat(self._period).groupby(["period", "year"], dropna=False).sum().reset_index()
        total["year"] = _year_column(total["year"])
        total["occurrences"] = total["occurrences"].astype("int64")
        total["inside_range"] = total["inside_range"].astype("int64")
        total["outside_range"] = total["occurrences"] - total["inside_range"]
        total["inside_fraction"] = total["inside_range"] / total["occurrences"]
        return _sorted(total, ["period", "year"])[BY_RANGE_PERIOD_COLUMNS]


def count_occurrences(batches: Iterable[gpd.GeoDataFrame], zones: OccurrenceZones) -> OccurrenceTally:
    """Count every batch of an iterable of occurrence batches (see :class:`OccurrenceTally`)."""
    tally = OccurrenceTally(zones)
    for batch in batches:
        tally.add(batch)
    return tally


def _year_column(years: pd.Series) -> pd.Series:
    return pd.Series(years.to_numpy(dtype=float), index=years.index).astype("Int64")


def _sorted(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return frame.sort_values(keys, kind="stable", na_position="last").reset_index(drop=True)


def _empty(columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
