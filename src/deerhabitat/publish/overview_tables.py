"""Tables of the Overview Report's sections that the draft Overview Report asks for.

The population of each site (count, year, method, source, data status), the change of the range
between periods, the protected areas holding deer, and the threat × range state matrix with the
severity each state reported. Each is a :class:`~deerhabitat.publish.table.Table` built from the
publication data only (layers and analysis tables already prepared for the profile, national report
records with ``parsed``). Nothing here reads files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from deerhabitat.i18n import format_number, format_percent, format_year, localised
from deerhabitat.publish.data import display_name
from deerhabitat.publish.table import (
    Table,
    code_cell,
    country_label,
    int_cell,
    km_cell,
    make_table,
    text_cell,
    word_cell,
)
from deerhabitat.publish.text import message

_SEVERITY_RANK = {"high": 3, "medium": 2, "low": 1, "unknown": 0}


def _year(value: object) -> int | None:
    text = text_cell(value)
    return int(text[:4]) if text[:4].isdigit() else None


def site_population_table(
    sites: pd.DataFrame | None, counts: pd.DataFrame | None, names: Mapping[str, str], *, country: str
) -> Table | None:
    """The latest wild count of each site of a range state: count, year, method, source, data status.

    Parameters
    ----------
    sites, counts : pandas.DataFrame or None
        The ``sites`` and ``population-counts`` layers (attributes are enough). A ``data_status``
        column of the counts, when present, is shown.
    names : mapping of str to str
        Country names (unused for the rows; the table is of one state).
    country : str
        ISO3 code of the range state.
    """
    if sites is None or sites.empty:
        return None
    mine = sites[sites["iso3"] == country]
    if mine.empty:
        return None
    wild = pd.DataFrame(columns=["site_id", "date", "count", "method", "source"])
    if counts is not None and not counts.empty:
        wild = counts[~counts["captive"].astype(bool)].copy()
        wild["_year"] = [_year(d) for d in wild["date"]]
        wild = wild.sort_values(["site_id", "date"], kind="stable").drop_duplicates("site_id", keep="last")
    latest = wild.set_index("site_id")
    has_status = "data_status" in latest.columns
    rows = []
    for site in mine.sort_values("name", kind="stable").to_dict("records"):
        count = latest.loc[site["site_id"]] if site["site_id"] in latest.index else None
        rows.append(
            {
                "site_id": site["site_id"],
                "site": display_name(site),
                "site_status": site.get("status"),
                "count": None if count is None else int(count["count"]),
                "year": None if count is None else _year(count["date"]),
                "method": None if count is None else count["method"],
                "data_status": None if count is None or not has_status else count["data_status"],
                "source": None if count is None else count["source"],
                "source_shown": None if count is None else localised(count.to_dict(), "source"),
            }
        )
    data = pd.DataFrame(rows).astype({"count": "Int64", "year": "Int64"})
    shown_source = data.pop("source_shown")  # the CSV keeps the source as stored
    display = pd.DataFrame(
        {
            message("col.site"): data["site"].map(text_cell),
            message("col.site_status"): data["site_status"].map(code_cell),
            message("col.latest_count"): data["count"].map(int_cell),
            message("col.year"): [text_cell(v) or message("table.dash") for v in data["year"]],
            message("col.method"): [code_cell(v) or message("table.dash") for v in data["method"]],
            **(
                {
                    message("col.data_status"): [
                        code_cell(v) or message("table.dash") for v in data["data_status"]
                    ]
                }
                if has_status
                else {}
            ),
            message("col.source"): shown_source.map(text_cell),
        }
    )
    return make_table(
        "site_population",
        f"population_{country.lower()}",
        display,
        data,
        (message("col.latest_count"),),
        country=names.get(country, country),
    )


def range_change_table(change: pd.DataFrame | None, names: Mapping[str, str]) -> Table | None:
    """The range of each state in its historical and current period, and the change (km²)."""
    if change is None or change.empty:
        return None
    data = (
        change.assign(_whole=change["iso3"] == "ALL")
        .sort_values(["_whole", "iso3"], kind="stable")
        .drop(columns="_whole")
        .reset_index(drop=True)
    )
    display = pd.DataFrame(
        {
            message("col.country"): [
                message("value.whole_range") if i == "ALL" else country_label(i, names) for i in data["iso3"]
            ],
            message("col.historical"): [
                f"{km_cell(a)} ({word_cell(p)})"
                for a, p in zip(data["historical_km2"], data["historical_period"], strict=True)
            ],
            message("col.current"): [
                f"{km_cell(a)} ({word_cell(p)})"
                for a, p in zip(data["current_km2"], data["current_period"], strict=True)
            ],
            message("col.lost_km2"): data["lost_km2"].map(km_cell),
            message("col.gained_km2"): data["gained_km2"].map(km_cell),
            message("col.lost_share"): [
                message("table.dash") if pd.isna(v) else format_percent(float(v))
                for v in data["lost_fraction"]
            ],
        }
    )
    numeric = tuple(message(k) for k in ("col.lost_km2", "col.gained_km2", "col.lost_share"))
    return make_table("range_change", "range_change", display, data, numeric)


def protected_areas_with_deer_table(
    protection: pd.DataFrame | None,
    areas: pd.DataFrame | None,
    site_years: pd.DataFrame | None,
    names: Mapping[str, str],
    local_names: Mapping[str, str] | None = None,
) -> Table | None:
    """Protected areas that hold a site with a wild count above 0: category, year, area, sites, animals.

    Parameters
    ----------
    protection : pandas.DataFrame or None
        The ``site_protection`` table (``site_id, name, scope, iso3, inside, pa_ids``).
    areas : pandas.DataFrame or None
        The ``protected_areas`` table (``pa_id, name, iso3, iucn_cat, status_year, area_km2``).
    site_years : pandas.DataFrame or None
        The figure of each site in each year (its latest year gives the latest count).
    names : mapping of str to str
        Country names.
    local_names : mapping of str to str, optional
        Names of sites and protected areas in the reader's language (``site:<id>``, ``pa:<id>``)
        (:func:`deerhabitat.publish.data.local_names`); the analysis tables' names otherwise.
    """
    local = local_names or {}
    if protection is None or protection.empty or areas is None or areas.empty or site_years is None:
        return None
    latest = (
        site_years[site_years["scope"] != "country"]
        .sort_values("year", kind="stable")
        .drop_duplicates("site_id", keep="last")
        .set_index("site_id")
    )
    holding: dict[str, list[tuple[str, int, int]]] = {}
    for site in protection.to_dict("records"):
        if site.get("scope") == "country" or site["site_id"] not in latest.index:
            continue
        count = int(latest.loc[site["site_id"], "count"])
        if count <= 0:
            continue
        year = int(latest.loc[site["site_id"], "count_year"])
        for pa in list(site.get("pa_ids") or []):
            holding.setdefault(str(pa), []).append(
                (local.get(f"site:{site['site_id']}", display_name(site)), count, year)
            )
    if not holding:
        return None
    rows = []
    for area in areas.to_dict("records"):
        held = holding.get(str(area["pa_id"]))
        if not held:
            continue
        rows.append(
            {
                "pa_id": area["pa_id"],
                "name": local.get(f"pa:{area['pa_id']}", display_name(area)),
                "iso3": area["iso3"],
                "iucn_cat": area.get("iucn_cat"),
                "status_year": area.get("status_year"),
                "area_km2": area.get("area_km2"),
                "sites": "; ".join(
                    message("value.count_in", name=n, count=format_number(c), year=format_year(y))
                    for n, c, y in held
                ),
                "animals": sum(c for _, c, _ in held),
            }
        )
    data = pd.DataFrame(rows).sort_values(["iso3", "name"], kind="stable").reset_index(drop=True)
    display = pd.DataFrame(
        {
            message("col.protected_area"): data["name"].map(text_cell),
            message("col.country"): [country_label(i, names) for i in data["iso3"]],
            message("col.iucn_category"): data["iucn_cat"].map(code_cell),
            message("col.established"): [
                text_cell(_year(v)) or message("table.dash") for v in data["status_year"]
            ],
            message("col.area_km2"): data["area_km2"].map(km_cell),
            message("col.sites_held"): data["sites"],
            message("col.latest_count"): data["animals"].map(int_cell),
        }
    )
    numeric = (message("col.area_km2"), message("col.latest_count"))
    return make_table("protected_with_deer", "protected_areas_with_deer", display, data, numeric)


def threat_matrix_table(
    reports: pd.DataFrame, names: Mapping[str, str], states: Sequence[str]
) -> Table | None:
    """Threats × range states: the highest severity each state's latest national report gives a threat.

    A dash: the state's latest report does not name the threat; "no report": no national report kept.
    """
    if reports is None or reports.empty:
        return None
    latest = reports[reports["latest"].astype(bool)].sort_values(["country", "period_end", "period_start"])
    latest = latest.drop_duplicates("country", keep="last")
    cells: dict[tuple[str, str], str] = {}
    files: dict[str, str] = {}
    for record in latest.to_dict("records"):
        illustrative = bool(((record.get("parsed") or {}).get("report") or {}).get("illustrative"))
        name = str(record["filename"])
        files[str(record["country"])] = message("wp.report_illustrative", file=name) if illustrative else name
        for entry in (record.get("parsed") or {}).get("threats") or []:
            key = (str(entry.get("threat")), str(record["country"]))
            severity = str(entry.get("severity") or "unknown")
            if _SEVERITY_RANK.get(severity, 0) >= _SEVERITY_RANK.get(cells.get(key, ""), -1):
                cells[key] = severity
    if not cells:
        return None
    threats = sorted(
        {t for t, _ in cells},
        key=lambda t: (-max(_SEVERITY_RANK.get(v, 0) for (x, _), v in cells.items() if x == t), t),
    )
    countries = sorted(set(states) | set(files))
    dash = message("table.dash")
    display = pd.DataFrame(
        {
            message("col.threat"): [*(code_cell(t) for t in threats), message("col.report")],
            **{
                country_label(c, names): [
                    *(code_cell(cells.get((t, c))) or dash for t in threats),
                    files.get(c, message("wp.no_report")),
                ]
                for c in countries
            },
        }
    )
    data = pd.DataFrame(
        [
            {"threat": t, "iso3": c, "severity": v, "report_file": files[c]}
            for (t, c), v in sorted(cells.items())
        ]
    )
    return make_table("threat_matrix", "threat_matrix", display, data)
