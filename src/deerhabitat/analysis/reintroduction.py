"""How reintroductions are doing: founders, growth since the first release, and a status.

For every site that received a release:

* ``first_release_year``: year of its earliest release; ``founders``: all animals released at the
  site (every release, also later reinforcements), except releases whose ``source_site_id`` is the
  site itself (animals let out of the site's own enclosure were already counted when they arrived);
  when a site has only such releases, they are its founders. ``releases``: number of releases.
* ``latest_year``/``latest_count``: the site's latest wild count (latest date, ties the greatest
  ``count_id``). A site with no wild count at all uses its captive counts (an enclosure), and then
  ``captive`` is true.
* ``growth_rate_per_year`` = ln(latest_count / founders) / (latest_year - first_release_year),
  the mean exponential growth rate; None when there is no count from a year after the first
  release, or when the latest count is 0 (the logarithm is undefined).
* ``status``, the first rule that applies:

  1. ``unknown``: no count from a year after the first release, or the latest count is stale
     (older than ``stale_after_years`` before the reference year, the latest year with a wild
     count anywhere in the data, so the result does not change with today's date);
  2. ``extirpated``: the latest count is 0;
  3. ``declining``: growth rate below 0 (fewer animals than founders);
  4. ``established``: at least :data:`ESTABLISHED_MIN_COUNT` animals and at least
     :data:`ESTABLISHED_MIN_MULTIPLE` times the founders;
  5. ``growing``: growth rate above 0;
  6. ``stable``: growth rate exactly 0.
"""

from __future__ import annotations

import math
from typing import Protocol

import pandas as pd

from deerhabitat.analysis._preconditions import require_columns
from deerhabitat.errors import AnalysisError

ESTABLISHED_MIN_COUNT = 50
"""Animals an established population has at least (and :data:`ESTABLISHED_MIN_MULTIPLE` x founders)."""
ESTABLISHED_MIN_MULTIPLE = 2.0
"""How many times the founders a population must reach to be established."""

REINTRODUCTION_COLUMNS = [
    "site_id",
    "first_release_year",
    "founders",
    "releases",
    "latest_year",
    "latest_count",
    "growth_rate_per_year",
    "status",
    "captive",
]


def reintroduction_rule(stale_after_years: int = 5) -> str:
    """Return the growth-rate formula and status rules in one paragraph (printed in the JSON output).

    Examples
    --------
    >>> "ln(latest_count / founders)" in reintroduction_rule()
    True
    """
    return (
        "founders = all animals released at the site (releases from the site's own enclosure, "
        "source_site_id = site_id, are not counted again unless the site has no other release); "
        "growth_rate_per_year = ln(latest_count / founders) "
        "/ (latest_year - first_release_year), null when no count is from a year after the first release "
        "or the latest count is 0. status = the first that applies: unknown (no count after the first "
        f"release year, or the latest count is more than {stale_after_years} years older than the latest "
        "count year in the data); extirpated (latest count 0); declining (growth rate < 0); established "
        f"(latest count >= {ESTABLISHED_MIN_COUNT} and >= {ESTABLISHED_MIN_MULTIPLE:g} x founders); "
        "growing (growth rate > 0); stable (growth rate 0). The latest count is the latest wild count "
        "(captive counts only for a site with no wild count, flagged captive=true)."
    )


def reintroduction_outcomes(
    releases: pd.DataFrame,
    counts: pd.DataFrame,
    *,
    reference_year: int | None = None,
    stale_after_years: int = 5,
) -> pd.DataFrame:
    """Founders, growth since the first release, and status of every reintroduction site.

    Parameters
    ----------
    releases : pandas.DataFrame
        Releases with ``site_id`` (destination), ``date`` (ISO text) and ``n_released``.
    counts : pandas.DataFrame
        Population counts with ``count_id``, ``site_id``, ``date``, ``count``, ``captive``.
    reference_year : int, optional
        Year against which a count is stale; default the latest year with a wild count in
        ``counts``.
    stale_after_years : int, default 5
        A latest count more than this many years before ``reference_year`` gives ``unknown``.

    Returns
    -------
    pandas.DataFrame
        Columns :data:`REINTRODUCTION_COLUMNS` (see the module text), one row per site with a
        release, sorted by site_id; ``growth_rate_per_year`` per year (NaN when undefined).

    Raises
    ------
    SchemaError
        If a column is missing.
    AnalysisError
        If ``stale_after_years`` is negative.

    Examples
    --------
    >>> releases = pd.DataFrame({"site_id": ["z", "z"], "date": ["2000", "2002"], "n_released": [20, 10]})
    >>> counts = pd.DataFrame({"count_id": ["1"], "site_id": ["z"], "date": ["2010-06"], "count": [120],
    ...                        "captive": [False]})
    >>> row = reintroduction_outcomes(releases, counts).iloc[0]
    >>> int(row.founders), round(float(row.growth_rate_per_year), 4), row.status
    (30, 0.1386, 'established')
    """
    require_columns(releases, ("site_id", "date", "n_released"), kind="releases")
    require_columns(counts, ("count_id", "site_id", "date", "count", "captive"), kind="population-counts")
    if stale_after_years < 0:
        raise AnalysisError(
            f"reintroduction_outcomes(): stale_after_years={stale_after_years!r} is not "
            f"allowed; it must be 0 or more years"
        )
    sites = _release_summary(releases)
    latest = _latest_counts(counts)
    if reference_year is None:
        wild_years = latest.loc[~latest["captive"], "latest_year"]
        reference_year = int(wild_years.max()) if len(wild_years) else None
    rows = [
        _outcome(
            site,
            latest.loc[site.site_id] if site.site_id in latest.index else None,
            reference_year,
            stale_after_years,
        )
        for site in sites.itertuples(index=False)
    ]
    out = pd.DataFrame(rows, columns=REINTRODUCTION_COLUMNS)
    for column in ("first_release_year", "founders", "releases"):
        out[column] = out[column].astype("int64")
    for column in ("latest_year", "latest_count"):
        out[column] = out[column].astype("Int64")
    out["growth_rate_per_year"] = out["growth_rate_per_year"].astype(float)
    return out


def growth_rate_per_year(latest_count: int, founders: int, years: float) -> float | None:
    """ln(latest_count / founders) / years, or None when it is undefined.

    Examples
    --------
    >>> round(growth_rate_per_year(40, 10, 10), 6)
    0.138629
    >>> growth_rate_per_year(0, 10, 5) is None, growth_rate_per_year(12, 10, 0) is None
    (True, True)
    """
    if years <= 0 or founders <= 0 or latest_count <= 0:
        return None
    return math.log(latest_count / founders) / years


def _release_summary(releases: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "site_id": releases["site_id"].astype(str).to_numpy(),
            "year": releases["date"].astype(str).str.slice(0, 4).astype("int64").to_numpy(),
            "n_released": pd.to_numeric(releases["n_released"]).astype("int64").to_numpy(),
        }
    )
    source = (
        releases["source_site_id"].astype(object).to_numpy()
        if "source_site_id" in releases.columns
        else [None] * len(releases)
    )
    internal = pd.Series(
        [isinstance(s, str) and s == site for s, site in zip(source, frame["site_id"], strict=True)],
        index=frame.index,
        dtype=bool,
    )
    has_external = (~internal).groupby(frame["site_id"]).transform("any")
    frame["founding"] = frame["n_released"].where(~internal | ~has_external, 0)
    grouped = frame.groupby("site_id", sort=True)
    return pd.DataFrame(
        {
            "first_release_year": grouped["year"].min(),
            "founders": grouped["founding"].sum(),
            "releases": grouped["year"].size(),
        }
    ).reset_index()


def _latest_counts(counts: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "site_id": counts["site_id"].astype(str).to_numpy(),
            "date": counts["date"].astype(str).to_numpy(),
            "count_id": counts["count_id"].astype(str).to_numpy(),
            "count": pd.to_numeric(counts["count"]).astype("int64").to_numpy(),
            "captive": counts["captive"].fillna(False).astype(bool).to_numpy(),
        }
    )
    frame["latest_year"] = frame["date"].str.slice(0, 4).astype("int64")
    # wild before captive: a site with any wild count keeps its latest wild one.
    frame = frame.sort_values(
        ["site_id", "captive", "latest_year", "date", "count_id"],
        ascending=[True, False, True, True, True],
        kind="stable",
    )
    latest = frame.drop_duplicates("site_id", keep="last").set_index("site_id")
    return latest.rename(columns={"count": "latest_count"})


class _ReleaseSite(Protocol):
    """One row of :func:`_release_summary`, as ``itertuples`` gives it."""

    site_id: str
    first_release_year: int
    founders: int
    releases: int


def _outcome(
    site: _ReleaseSite, latest: pd.Series | None, reference_year: int | None, stale_after_years: int
) -> dict:
    row = {
        "site_id": site.site_id,
        "first_release_year": site.first_release_year,
        "founders": site.founders,
        "releases": site.releases,
        "latest_year": None,
        "latest_count": None,
        "growth_rate_per_year": None,
        "status": "unknown",
        "captive": False,
    }
    if latest is None:
        return row
    latest_year, latest_count = int(latest["latest_year"]), int(latest["latest_count"])
    row.update(latest_year=latest_year, latest_count=latest_count, captive=bool(latest["captive"]))
    years = latest_year - site.first_release_year
    row["growth_rate_per_year"] = growth_rate_per_year(latest_count, site.founders, years)
    row["status"] = _status(row, years, reference_year, stale_after_years)
    return row


def _status(row: dict, years: int, reference_year: int | None, stale_after_years: int) -> str:
    stale = reference_year is not None and reference_year - row["latest_year"] > stale_after_years
    growth = row["growth_rate_per_year"]
    if years <= 0 or stale:
        return "unknown"
    if row["latest_count"] == 0:
        return "extirpated"
    if growth < 0:
        return "declining"
    if (
        row["latest_count"] >= ESTABLISHED_MIN_COUNT
        and row["latest_count"] >= ESTABLISHED_MIN_MULTIPLE * row["founders"]
    ):
        return "established"
    return "growing" if growth > 0 else "stable"
