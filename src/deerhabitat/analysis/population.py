"""Population totals by year and country from population counts, with carried figures flagged.

The rule (also :func:`totals_rule`, printed in the JSON output):

* **Wild** animals are counts with ``captive`` false; captive counts are totalled apart
  (:func:`captive_by_year`) and never enter the wild totals.
* Several counts of one site in one year: the latest ``date`` wins (ISO text order, so a date given
  as a year only, ``2009``, sorts before ``2009-05-01``); on equal dates the greatest ``count_id``.
* A site's ``scope`` is ``site`` (the default, also when the column is absent or empty) or
  ``country``: a site standing for a national total or estimate.
* Every site, of either scope, contributes its latest count dated in *Y - stale_after_years* ..
  *Y*; a figure from a year before *Y* is **carried** and flagged as such.
* The total of country *C* in year *Y*: the national figure *N* (the sum of *C*'s country-scope
  figures) stands for all of *C*'s populations, so it is not added to the site figures *S* (the
  sum of *C*'s site-scope figures). *C*'s total is *N* when *C* has a national figure and
  *N* >= *S*, otherwise *S*: a national total cannot be smaller than the animals counted at its
  sites, and a recent national estimate is not replaced by a partial sum of a few sites. The
  figures left out are kept in the detail as *superseded*.
* Every count carries a **data status** (:data:`deerhabitat.schema.DATA_STATUSES`): the count's
  ``data_status`` when set, otherwise derived (:func:`count_data_status`). A count with status
  ``national-total`` or ``national-split``, or of a site with scope ``country``, is a *national
  figure* (``country_estimate``): it has no position of its own.
* ``totals_by_year[Y]`` is the sum of the country totals of *Y*. The years listed are the years
  with at least one observed wild count. When no site has scope ``country`` and every site is
  counted every year, the totals are plain sums of that year's counts.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd

from deerhabitat.analysis._preconditions import require_columns
from deerhabitat.errors import AnalysisError, SchemaError
from deerhabitat.i18n import current_language, message
from deerhabitat.schema import DATA_STATUSES, NATIONAL_DATA_STATUSES
from deerhabitat.vocabulary import code_key, is_code

COUNT_COLUMNS = ("count_id", "site_id", "date", "count", "captive")
SITE_COLUMNS = ("site_id", "iso3")

SITE_YEAR_COLUMNS = [
    "year",
    "iso3",
    "site_id",
    "scope",
    "count_id",
    "count_year",
    "count",
    "method",
    "data_status",
    "carried",
    "country_estimate",
    "in_total",
]
"""Columns of :func:`site_year_counts` (then ``geometry`` when the counts have one)."""

SURVEY_METHODS = ("census", "distance-sampling", "camera-trap", "enclosure-count")
"""Methods whose counts are ``surveyed`` when a count has no ``data_status`` (others: ``estimated``)."""

TREND_COLUMNS = [
    "iso3",
    "from_year",
    "to_year",
    "from_count",
    "to_count",
    "change",
    "trend",
    "reason",
]
"""Columns of :func:`country_trends`."""

DETAIL_COLUMNS = [
    "iso3",
    "year",
    "count",
    "observed",
    "carried",
    "n_sites_observed",
    "n_sites_carried",
    "n_sites_superseded",
    "country_estimate",
    "national_status",
]
"""Columns of :attr:`PopulationTotals.detail`."""


def totals_rule(stale_after_years: int = 5) -> str:
    """Return the totals rule in one paragraph, as printed in the JSON output (``totals_rule``).

    Examples
    --------
    >>> "carried" in totals_rule(5) and "2015-2020" not in totals_rule(5)
    True
    """
    return (
        "Wild animals are counts with captive=false (captive counts are reported apart). For each year Y "
        f"every site contributes its latest count dated in Y-{stale_after_years}..Y; a count from before Y "
        "is carried (flagged in totals_detail and carried_counts). For each country, the national figure N "
        "(sites with scope=country, standing for all the country's populations) and the sum S of its "
        "site-scope figures are not added: the country total is N when the country has a national figure "
        "and N >= S, otherwise S; the other figures are kept as superseded. Several counts of one site in "
        "one year: the latest date wins, ties the greatest count_id. totals_by_year[Y] is the sum of the "
        "country totals; the years listed are those with at least one observed wild count. Without "
        "scope=country sites, and with every site counted every year, the totals are plain sums."
    )


@dataclass(frozen=True)
class PopulationTotals:
    """Wild population totals.

    Attributes
    ----------
    by_year : pandas.DataFrame
        ``year`` (int), ``count`` (int, wild animals): one row per year with an observed wild count.
    detail : pandas.DataFrame
        One row per country and year, columns :data:`DETAIL_COLUMNS`: ``count`` the country total,
        ``observed`` and ``carried`` the parts of it counted in the year and carried from an earlier
        year, ``n_sites_observed``/``n_sites_carried`` the sites behind each part,
        ``n_sites_superseded`` site-level figures left out because a national figure stands for
        them, ``country_estimate`` whether the total is a national figure, ``national_status`` its
        data status (``national-total``, ``national-split``; empty for a sum of site figures).
    """

    by_year: pd.DataFrame
    detail: pd.DataFrame

    @property
    def by_country_year(self) -> pd.DataFrame:
        """``iso3``, ``year``, ``count``: the country totals (a view of :attr:`detail`)."""
        return self.detail[["iso3", "year", "count"]].copy()


def site_year_counts(
    counts: pd.DataFrame, sites: pd.DataFrame, *, stale_after_years: int = 5
) -> pd.DataFrame:
    """List the wild count each site contributes to each year, with carried figures flagged.

    Parameters
    ----------
    counts : pandas.DataFrame or geopandas.GeoDataFrame
        Population counts with ``count_id``, ``site_id``, ``date`` (ISO text), ``count``,
        ``captive``; a point geometry (the survey location) is carried along when present.
    sites : pandas.DataFrame
        Sites with ``site_id``, ``iso3`` and optionally ``scope`` (``site`` or ``country``).
    stale_after_years : int, default 5
        How many years a site-scope count may be carried forward.

    Returns
    -------
    pandas.DataFrame or geopandas.GeoDataFrame
        Columns :data:`SITE_YEAR_COLUMNS` (+ ``geometry``), sorted by year, iso3 and site_id: for
        every year with an observed wild count, each site-scope site's latest count of the
        previous ``stale_after_years`` years (``carried`` when ``count_year < year``) and each
        country-scope count of the year. ``in_total`` tells whether the figure enters the country
        total (False for site figures superseded by a national one).

    Raises
    ------
    SchemaError
        If a column is missing, or a count refers to a site that is not in ``sites``.
    AnalysisError
        If ``stale_after_years`` is negative.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["a", "b"], "iso3": ["UZB", "UZB"]})
    >>> counts = pd.DataFrame({"count_id": ["1", "2", "3"], "site_id": ["a", "b", "a"],
    ...                        "date": ["2018", "2018", "2020"], "count": [10, 5, 12],
    ...                        "captive": [False, False, False]})
    >>> t = site_year_counts(counts, sites)
    >>> t[t.year == 2020][["site_id", "count", "carried"]].values.tolist()
    [['a', 12, False], ['b', 5, True]]
    """
    require_columns(counts, COUNT_COLUMNS, kind="population-counts")
    require_columns(sites, SITE_COLUMNS, kind="sites")
    if stale_after_years < 0:
        raise AnalysisError(
            f"site_year_counts(): stale_after_years={stale_after_years!r} is not allowed; "
            f"it must be 0 or more years; set it in the store configuration"
        )
    site_table = _site_table(sites)
    statuses = count_data_status(counts, sites)
    latest = _latest_per_site_year(_wild(counts, statuses), site_table)
    years = np.sort(latest["count_year"].unique())
    rows = _carry(latest, years, stale_after_years)
    return _assemble_site_years(_mark_in_total(rows), counts)


def count_data_status(counts: pd.DataFrame, sites: pd.DataFrame | None = None) -> pd.Series:
    """The data status of every count: its ``data_status`` when set, otherwise derived.

    The derivation, used only where it is unambiguous:

    * a count of a site with scope ``country`` is a ``national-total`` (a split of a national or
      global figure cannot be told from a total: it must be marked ``national-split`` explicitly);
    * otherwise a count made by ``census``, ``distance-sampling``, ``camera-trap`` or
      ``enclosure-count`` is ``surveyed``, any other (``estimate``, or no method) ``estimated``.

    ``illustrative`` is never derived.

    Parameters
    ----------
    counts : pandas.DataFrame
        Population counts with ``site_id``, optionally ``method`` and ``data_status``.
    sites : pandas.DataFrame, optional
        Sites with ``site_id`` and optionally ``scope``.

    Returns
    -------
    pandas.Series
        One status of :data:`deerhabitat.schema.DATA_STATUSES` per count, on the counts' index.

    Raises
    ------
    SchemaError
        If a count's ``data_status`` is not one of the statuses.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["a", "n"], "iso3": ["UZB", "UZB"], "scope": ["site", "country"]})
    >>> counts = pd.DataFrame({"site_id": ["a", "a", "n", "n"],
    ...                        "method": ["census", "estimate", "estimate", "estimate"],
    ...                        "data_status": [None, None, None, "national-split"]})
    >>> count_data_status(counts, sites).tolist()
    ['surveyed', 'estimated', 'national-total', 'national-split']
    """
    index = counts.index
    method = (
        counts["method"]
        .astype(object)
        .where(counts["method"].notna(), "")
        .astype(str)
        .str.strip()
        .str.lower()
        if "method" in counts.columns
        else pd.Series("", index=index)
    )
    derived = pd.Series(
        np.where(method.isin(SURVEY_METHODS), "surveyed", "estimated"), index=index, dtype=object
    )
    if sites is not None and "site_id" in sites.columns:
        scope = _site_table(sites).drop_duplicates("site_id").set_index("site_id")["scope"]
        national_site = counts["site_id"].astype(str).map(scope).eq("country").to_numpy()
        derived = derived.where(~national_site, "national-total")
    if "data_status" not in counts.columns:
        return derived
    given = counts["data_status"].astype(object)
    given = given.where(given.notna(), "").astype(str).str.strip().str.lower()
    wrong = sorted(set(given[(given != "") & ~given.isin(DATA_STATUSES)]))
    if wrong:
        raise SchemaError(
            "population-counts",
            [
                f"data_status {', '.join(repr(w) for w in wrong[:5])} is not allowed; use one of "
                f"{', '.join(DATA_STATUSES)} (or leave it empty to derive it from the method and the "
                f"site's scope)"
            ],
        )
    return given.where(given != "", derived).astype(object)


def population_totals(site_years: pd.DataFrame) -> PopulationTotals:
    """Sum :func:`site_year_counts` into yearly and country-year totals.

    Parameters
    ----------
    site_years : pandas.DataFrame
        The output of :func:`site_year_counts`.

    Returns
    -------
    PopulationTotals
        ``by_year`` (year, count) and ``detail`` (one row per country and year).

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["a", "b"], "iso3": ["UZB", "TJK"]})
    >>> counts = pd.DataFrame({"count_id": ["1", "2"], "site_id": ["a", "b"], "date": ["2020", "2020"],
    ...                        "count": [10, 5], "captive": [False, False]})
    >>> population_totals(site_year_counts(counts, sites)).by_year.values.tolist()
    [[2020, 15]]
    """
    require_columns(site_years, SITE_YEAR_COLUMNS, kind="site-year counts")
    frame = pd.DataFrame(site_years[SITE_YEAR_COLUMNS]).copy()
    used = frame["in_total"].astype(bool)
    frame["total"] = frame["count"].where(used, 0)
    frame["observed"] = frame["count"].where(used & ~frame["carried"], 0)
    frame["carried_count"] = frame["count"].where(used & frame["carried"], 0)
    frame["is_observed"] = used & ~frame["carried"]
    frame["is_carried"] = used & frame["carried"]
    frame["is_superseded"] = ~used
    frame["is_estimate"] = used & frame["country_estimate"]
    grouped = frame.groupby(["iso3", "year"], sort=True)
    detail = pd.DataFrame(
        {
            "count": grouped["total"].sum(),
            "observed": grouped["observed"].sum(),
            "carried": grouped["carried_count"].sum(),
            "n_sites_observed": grouped["is_observed"].sum(),
            "n_sites_carried": grouped["is_carried"].sum(),
            "n_sites_superseded": grouped["is_superseded"].sum(),
            "country_estimate": grouped["is_estimate"].any(),
        }
    ).reset_index()
    national = frame[frame["is_estimate"]].groupby(["iso3", "year"], sort=True)["data_status"]
    statuses = national.agg(lambda v: " + ".join(sorted(set(map(str, v)))))
    detail = detail.merge(statuses.rename("national_status").reset_index(), on=["iso3", "year"], how="left")
    detail["national_status"] = detail["national_status"].fillna("").astype(str)
    detail = _int_columns(detail, DETAIL_COLUMNS[2:8]).sort_values(["year", "iso3"]).reset_index(drop=True)
    by_year = detail.groupby("year", sort=True)["count"].sum().reset_index()
    return PopulationTotals(by_year=_int_columns(by_year, ["year", "count"]), detail=detail[DETAIL_COLUMNS])


def country_trends(site_years: pd.DataFrame) -> pd.DataFrame:
    """Each country's change between its successive counted years, called a trend only when comparable.

    The years of a country are those in which at least one figure of its total was counted (not only
    carried). Two successive years are **comparable** when their totals are made of the same figures
    (the same sites, or the same national figure: *coverage*) and each of those figures has the same
    method and data status in both years (*method*). Then the trend is ``increase``, ``decline`` or
    ``no change``; otherwise it is ``not comparable`` and ``reason`` says what changed.

    Parameters
    ----------
    site_years : pandas.DataFrame
        The output of :func:`site_year_counts`.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`TREND_COLUMNS`: ``iso3``, ``from_year``, ``to_year``, ``from_count``,
        ``to_count``, ``change`` (to - from), ``trend`` and ``reason`` (empty when comparable),
        sorted by iso3 and to_year.

    Examples
    --------
    >>> sites = pd.DataFrame({"site_id": ["a"], "iso3": ["UZB"]})
    >>> counts = pd.DataFrame({"count_id": ["1", "2"], "site_id": ["a", "a"], "date": ["2019", "2023"],
    ...                        "count": [2112, 1475], "captive": [False, False],
    ...                        "method": ["distance-sampling", "census"]})
    >>> country_trends(site_year_counts(counts, sites))[["trend", "reason"]].values.tolist()
    [['not comparable', 'method changed: a distance-sampling, surveyed in 2019, census, surveyed in 2023']]
    """
    require_columns(site_years, SITE_YEAR_COLUMNS, kind="site-year counts")
    used = pd.DataFrame(site_years[site_years["in_total"].astype(bool)][SITE_YEAR_COLUMNS])
    rows = []
    for iso3, group in used.groupby("iso3", sort=True):
        counted = sorted(set(group.loc[~group["carried"].astype(bool), "year"].astype(int)))
        for before, after in itertools.pairwise(counted):
            old, new = group[group["year"] == before], group[group["year"] == after]
            change = int(new["count"].sum()) - int(old["count"].sum())
            reason = _incomparable(old, new, before, after)
            trend = (
                "not comparable"
                if reason
                else "decline"
                if change < 0
                else "increase"
                if change
                else "no change"
            )
            rows.append(
                {
                    "iso3": str(iso3),
                    "from_year": before,
                    "to_year": after,
                    "from_count": int(old["count"].sum()),
                    "to_count": int(new["count"].sum()),
                    "change": change,
                    "trend": trend,
                    "reason": reason,
                }
            )
    out = pd.DataFrame(rows, columns=TREND_COLUMNS)
    return _int_columns(out, ["from_year", "to_year", "from_count", "to_count", "change"])


def carried_counts(site_years: pd.DataFrame) -> pd.DataFrame:
    """List the carried figures that enter a total: which site, which year, counted when.

    Parameters
    ----------
    site_years : pandas.DataFrame
        The output of :func:`site_year_counts`.

    Returns
    -------
    pandas.DataFrame
        ``year``, ``iso3``, ``site_id``, ``count_id``, ``count_year``, ``count``, ``age_years``
        (year - count_year), sorted by year, iso3 and site_id.
    """
    rows = site_years[site_years["carried"] & site_years["in_total"]]
    out = pd.DataFrame(rows[["year", "iso3", "site_id", "count_id", "count_year", "count"]]).copy()
    out["age_years"] = out["year"] - out["count_year"]
    return _int_columns(out.reset_index(drop=True), ["year", "count_year", "count", "age_years"])


def captive_by_year(counts: pd.DataFrame) -> pd.DataFrame:
    """Captive animals by year: the sum over sites of each site's latest captive count of the year.

    Captive figures are never carried forward and never enter the wild totals.

    Parameters
    ----------
    counts : pandas.DataFrame
        Population counts (``count_id``, ``site_id``, ``date``, ``count``, ``captive``).

    Returns
    -------
    pandas.DataFrame
        ``year``, ``count`` (animals), ``n_sites``; one row per year with a captive count.

    Examples
    --------
    >>> counts = pd.DataFrame({"count_id": ["1", "2", "3"], "site_id": ["z", "z", "y"],
    ...                        "date": ["2019-03", "2019-09", "2019"], "count": [40, 42, 7],
    ...                        "captive": [True, True, True]})
    >>> captive_by_year(counts).values.tolist()
    [[2019, 49, 2]]
    """
    require_columns(counts, COUNT_COLUMNS, kind="population-counts")
    captive = _with_year(counts)[counts["captive"].fillna(False).astype(bool).to_numpy()]
    latest = _keep_latest(captive)
    grouped = latest.groupby("count_year", sort=True)
    out = pd.DataFrame({"count": grouped["count"].sum(), "n_sites": grouped["site_id"].nunique()})
    out = out.rename_axis("year").reset_index()
    return _int_columns(out, ["year", "count", "n_sites"])


# -- steps -------------------------------------------------------------------------------------------


def _wild(counts: pd.DataFrame, statuses: pd.Series) -> pd.DataFrame:
    is_wild = counts["captive"].eq(False).fillna(False).astype(bool).to_numpy()
    frame = _with_year(counts)
    frame["method"] = (
        counts["method"].astype(object).where(counts["method"].notna(), "").astype(str).to_numpy()
        if "method" in counts.columns
        else ""
    )
    frame["data_status"] = statuses.to_numpy()
    return frame[is_wild]


def _with_year(counts: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "count_id": counts["count_id"].astype(str).to_numpy(),
            "site_id": counts["site_id"].astype(str).to_numpy(),
            "date": counts["date"].astype(str).to_numpy(),
            "count": pd.to_numeric(counts["count"]).astype("int64").to_numpy(),
            "row": np.arange(len(counts)),
        },
        index=counts.index,
    )
    frame["count_year"] = frame["date"].str.slice(0, 4).astype("int64")
    return frame


def _keep_latest(frame: pd.DataFrame) -> pd.DataFrame:
    ordered = frame.sort_values(["site_id", "count_year", "date", "count_id"], kind="stable")
    return ordered.drop_duplicates(["site_id", "count_year"], keep="last")


def _site_table(sites: pd.DataFrame) -> pd.DataFrame:
    scope = sites["scope"] if "scope" in sites.columns else pd.Series([None] * len(sites), index=sites.index)
    scope = scope.astype(object).where(scope.notna(), "site").astype(str).str.strip().str.lower()
    return pd.DataFrame(
        {
            "site_id": sites["site_id"].astype(str).to_numpy(),
            "iso3": sites["iso3"].astype(str).to_numpy(),
            "scope": scope.to_numpy(),
        }
    )


def _latest_per_site_year(wild: pd.DataFrame, sites: pd.DataFrame) -> pd.DataFrame:
    unknown = sorted(set(wild["site_id"]) - set(sites["site_id"]))
    if unknown:
        shown = ", ".join(repr(s) for s in unknown[:10])
        raise SchemaError(
            "population-counts",
            [
                f"{len(unknown)} count(s) refer to site_id(s) not in the sites layer ({shown}); import those "
                f"sites or correct the counts' site_id"
            ],
        )
    return _keep_latest(wild).merge(sites, on="site_id", how="left", validate="many_to_one")


def _carry(latest: pd.DataFrame, years: np.ndarray, stale_after_years: int) -> pd.DataFrame:
    shifted = []
    for lag in range(stale_after_years + 1):
        rows = latest.assign(year=latest["count_year"] + lag, lag=lag)
        shifted.append(rows[rows["year"].isin(years)])
    candidates = pd.concat(shifted, ignore_index=True).sort_values(["site_id", "year", "lag"], kind="stable")
    return candidates.drop_duplicates(["site_id", "year"], keep="first").drop(columns="lag")


def _mark_in_total(rows: pd.DataFrame) -> pd.DataFrame:
    rows = rows.copy()
    rows["country_estimate"] = (rows["scope"] == "country") | rows["data_status"].isin(NATIONAL_DATA_STATUSES)
    rows["carried"] = rows["count_year"] < rows["year"]
    keys = [rows["iso3"], rows["year"]]
    national = rows["count"].where(rows["country_estimate"], 0).groupby(keys).transform("sum")
    site_sum = rows["count"].where(~rows["country_estimate"], 0).groupby(keys).transform("sum")
    has_national = rows["country_estimate"].groupby(keys).transform("any")
    national_wins = has_national & (national >= site_sum)
    rows["in_total"] = rows["country_estimate"] == national_wins
    return rows


def _assemble_site_years(rows: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    rows = rows.sort_values(["year", "iso3", "site_id"], kind="stable").reset_index(drop=True)
    out = pd.DataFrame({c: rows[c].to_numpy() for c in SITE_YEAR_COLUMNS})
    out = _int_columns(out, ["year", "count_year", "count"])
    for column in ("carried", "country_estimate", "in_total"):
        out[column] = out[column].astype(bool)
    if isinstance(counts, gpd.GeoDataFrame):
        geometry = counts.geometry.to_numpy()[rows["row"].to_numpy()] if len(rows) else []
        return gpd.GeoDataFrame(out, geometry=gpd.GeoSeries(geometry, crs=counts.crs), crs=counts.crs)
    return out


def _figures_text(rows: pd.DataFrame) -> str:
    national = rows[rows["country_estimate"].astype(bool)]
    parts = []
    if len(national):
        kinds = sorted(set(national["data_status"].astype(str)))
        words = message("analysis.and").join(message(code_key(k)) for k in kinds)
        parts.append(message("analysis.figures.national", kinds=words, sites=", ".join(national["site_id"])))
    sites = rows[~rows["country_estimate"].astype(bool)]
    if len(sites):
        key = "analysis.figures.site_one" if len(sites) == 1 else "analysis.figures.site_many"
        parts.append(message(key, n=len(sites), sites=", ".join(sites["site_id"])))
    return " + ".join(parts)


def _incomparable(old: pd.DataFrame, new: pd.DataFrame, before: int, after: int) -> str:
    if set(old["site_id"]) != set(new["site_id"]) or set(old["country_estimate"]) != set(
        new["country_estimate"]
    ):
        return message(
            "analysis.reason.coverage",
            before=before,
            old=_figures_text(old),
            after=after,
            new=_figures_text(new),
        )
    a = old.set_index("site_id")
    b = new.set_index("site_id")
    changed = [
        message(
            "analysis.reason.method_site",
            site=site,
            method_before=_word(a.loc[site, "method"]),
            status_before=_word(a.loc[site, "data_status"]),
            before=before,
            method_after=_word(b.loc[site, "method"]),
            status_after=_word(b.loc[site, "data_status"]),
            after=after,
        )
        for site in sorted(a.index)
        if (a.loc[site, "method"], a.loc[site, "data_status"])
        != (b.loc[site, "method"], b.loc[site, "data_status"])
    ]
    return message("analysis.reason.method", changes="; ".join(changed)) if changed else ""


def _word(code: object) -> str:
    """A method or data status code as it was written (English) or as words in another language."""
    text = str(code)
    return text if current_language() == "en" or not is_code(text) else message(code_key(text))


def _int_columns(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.copy()
    for column in columns:
        frame[column] = frame[column].astype("int64")
    return frame
