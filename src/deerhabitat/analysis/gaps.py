"""Conservation gaps: unprotected populations, stale counts, range states without a recent count.

All three are judged against a **reference year**, the latest year with a wild count in the data
(not today's date, so the same store always gives the same answer), and the store's
``stale_after_years`` (5 for the bundled data):

* ``outside_protected_areas``: site-scope sites whose latest wild count is above zero and which no
  protected area intersects (by the site's own geometry), with the nearest protected area and its
  distance;
* ``stale_counts``: sites whose latest wild count is more than ``stale_after_years`` years before
  the reference year;
* ``range_states_without_recent_count``: range states with no wild count (of any site, national
  figures included) dated in the latest period, reference year - ``stale_after_years`` .. reference
  year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from deerhabitat.analysis._preconditions import require_columns

OUTSIDE_COLUMNS = ["site_id", "iso3", "latest_year", "latest_count", "nearest_pa_id", "distance_km"]
STALE_COLUMNS = ["site_id", "iso3", "scope", "latest_year", "latest_count", "age_years"]
STATES_COLUMNS = ["iso3", "latest_year"]


@dataclass(frozen=True)
class ConservationGaps:
    """The three gap tables and the year they are judged against.

    Attributes
    ----------
    reference_year : int or None
        Latest year with a wild count (None without counts).
    stale_after_years : int
        Age in years beyond which a count is stale.
    outside_protected_areas : pandas.DataFrame
        ``site_id``, ``iso3``, ``latest_year``, ``latest_count``, ``nearest_pa_id``, ``distance_km``.
    stale_counts : pandas.DataFrame
        ``site_id``, ``iso3``, ``scope``, ``latest_year``, ``latest_count``, ``age_years``.
    range_states_without_recent_count : pandas.DataFrame
        ``iso3``, ``latest_year`` (of its latest wild count; missing when it has none).
    """

    reference_year: int | None
    stale_after_years: int
    outside_protected_areas: pd.DataFrame
    stale_counts: pd.DataFrame
    range_states_without_recent_count: pd.DataFrame


def conservation_gaps(
    site_years: pd.DataFrame,
    protection: pd.DataFrame | None,
    *,
    range_states: Sequence[str],
    stale_after_years: int = 5,
) -> ConservationGaps:
    """Find unprotected populations, stale counts and range states without a recent count.

    Parameters
    ----------
    site_years : pandas.DataFrame
        The output of :func:`~deerhabitat.analysis.site_year_counts`.
    protection : pandas.DataFrame or None
        The output of :func:`~deerhabitat.analysis.site_protection`; None when there are no
        protected areas (``outside_protected_areas`` is then empty: it cannot be judged).
    range_states : sequence of str
        ISO3 codes of the range states.
    stale_after_years : int, default 5
        Age in years beyond which a count is stale.

    Returns
    -------
    ConservationGaps

    Examples
    --------
    >>> site_years = pd.DataFrame({"year": [2014, 2020], "iso3": ["UZB", "KAZ"], "site_id": ["a", "b"],
    ...     "scope": ["site", "site"], "count_id": ["1", "2"], "count_year": [2014, 2020], "count": [10, 30],
    ...     "carried": [False, False], "country_estimate": [False, False], "in_total": [True, True]})
    >>> gaps = conservation_gaps(site_years, None, range_states=["KAZ", "UZB", "TJK"])
    >>> gaps.reference_year, gaps.range_states_without_recent_count.iso3.tolist()
    (2020, ['TJK', 'UZB'])
    """
    require_columns(
        site_years,
        ("year", "iso3", "site_id", "scope", "count_year", "count", "carried"),
        kind="site-year counts",
    )
    latest = _latest_observed(site_years)
    reference_year = int(latest["latest_year"].max()) if len(latest) else None
    return ConservationGaps(
        reference_year=reference_year,
        stale_after_years=stale_after_years,
        outside_protected_areas=_outside(latest, protection),
        stale_counts=_stale(latest, reference_year, stale_after_years),
        range_states_without_recent_count=_states(latest, range_states, reference_year, stale_after_years),
    )


def _latest_observed(site_years: pd.DataFrame) -> pd.DataFrame:
    observed = pd.DataFrame(site_years[~site_years["carried"].astype(bool)])
    observed = observed.sort_values(["site_id", "count_year"], kind="stable")
    observed = observed.drop_duplicates("site_id", keep="last")
    out = pd.DataFrame(
        {
            "site_id": observed["site_id"].to_numpy(),
            "iso3": observed["iso3"].to_numpy(),
            "scope": observed["scope"].to_numpy(),
            "latest_year": observed["count_year"].astype("int64").to_numpy(),
            "latest_count": observed["count"].astype("int64").to_numpy(),
        }
    )
    return out.sort_values("site_id", kind="stable").reset_index(drop=True)


def _outside(latest: pd.DataFrame, protection: pd.DataFrame | None) -> pd.DataFrame:
    if protection is None:
        return pd.DataFrame({c: [] for c in OUTSIDE_COLUMNS})
    populations = latest[(latest["scope"] != "country") & (latest["latest_count"] > 0)]
    merged = populations.merge(
        protection[["site_id", "inside", "nearest_pa_id", "distance_km"]],
        on="site_id",
        how="inner",
        validate="one_to_one",
    )
    return merged[~merged["inside"].astype(bool)][OUTSIDE_COLUMNS].reset_index(drop=True)


def _stale(latest: pd.DataFrame, reference_year: int | None, stale_after_years: int) -> pd.DataFrame:
    if reference_year is None:
        return pd.DataFrame({c: [] for c in STALE_COLUMNS})
    out = latest.assign(age_years=reference_year - latest["latest_year"])
    return out[out["age_years"] > stale_after_years][STALE_COLUMNS].reset_index(drop=True)


def _states(
    latest: pd.DataFrame, range_states: Sequence[str], reference_year: int | None, stale_after_years: int
) -> pd.DataFrame:
    by_state = latest.groupby("iso3")["latest_year"].max()
    rows = []
    for code in sorted(set(range_states)):
        year = by_state.get(code)
        if year is None or reference_year is None or reference_year - int(year) > stale_after_years:
            rows.append({"iso3": code, "latest_year": None if year is None else int(year)})
    out = pd.DataFrame(rows, columns=STATES_COLUMNS)
    out["latest_year"] = out["latest_year"].astype("Int64")
    return out
