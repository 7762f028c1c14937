"""A national report template prefilled with what the store already knows about a country.

``deerhabitat national-report template --country TJK --store S`` gives the focal point a report to
update rather than a blank one:

- ``report``: the country and its name, the open reporting period, and the authority and focal
  point of the country's previous report;
- ``populations``: one row per site of the country, with the site's id, name, status, scope, river
  and position; the previous count (figure, date, method, source) is written in ``notes``, and the
  new count, date, method, trend and source are left empty to fill in (a row left unfilled fails the
  check, so no old figure is ever submitted again by mistake; delete the rows of sites not counted);
- ``work_programme``: one row per catalogue action concerning the country, with its last reported
  status (empty when never reported) and, in ``comment``, where that status comes from.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import pandas as pd

from deerhabitat.analysis.work_programme import NOT_REPORTED
from deerhabitat.i18n import format_date, format_number
from deerhabitat.nrschema import CODE_LISTS, FORMAT_VERSION, SECTIONS, SECTIONS_BY_KEY
from deerhabitat.nrtext import code_label, text

_HEAD_KEPT = ("authority", "focal_point_name", "focal_point_position", "focal_point_email", "language")
"""Fields of the previous report's ``report`` section carried into the template."""


def prefill_report(
    country: str,
    *,
    country_name: str | None = None,
    period: tuple[int, int] | None = None,
    previous: Mapping[str, Any] | None = None,
    sites: gpd.GeoDataFrame | None = None,
    counts: pd.DataFrame | None = None,
    actions: pd.DataFrame | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Build a template report for ``country`` from the store's data.

    Parameters
    ----------
    country : str
        ISO3 code.
    country_name : str, optional
        The country's name.
    period : (int, int), optional
        The period to report on (the open reporting cycle); empty when None.
    previous : mapping, optional
        The country's previous report (checked), for the authority and focal point.
    sites : geopandas.GeoDataFrame, optional
        The store's sites (EPSG:4326); those of ``country`` become rows of ``populations``.
    counts : pandas.DataFrame, optional
        The store's population counts (``site_id, date, count, method, source``).
    actions : pandas.DataFrame, optional
        The Work Programme cells of the country (``programme, action_id, text, last_status,
        last_period, report_file``), as :func:`deerhabitat.analysis.work_programme.work_programme_matrix`
        gives them.
    lang : {"en", "ru"}, default "en"
        Language of the notes and comments written for the focal point.

    Returns
    -------
    dict
        A report as :func:`deerhabitat.nrschema.check_report` returns it (every section, every field).
    """
    head: dict[str, Any] = {f.name: None for f in SECTIONS_BY_KEY["report"].fields}
    old = (previous or {}).get("report") or {}
    head.update({k: old.get(k) for k in _HEAD_KEPT})
    head.update(
        format_version=FORMAT_VERSION, country=country, country_name=country_name or old.get("country_name")
    )
    if period is not None:
        head.update(period_start=period[0], period_end=period[1])
    report: dict[str, Any] = {"report": head, **{s.key: [] for s in SECTIONS if s.many}}
    report["populations"] = _site_rows(country, sites, counts, lang)
    report["work_programme"] = _action_rows(actions, lang)
    return report


def _blank(key: str) -> dict[str, Any]:
    blank: dict[str, Any] = {f.name: None for f in SECTIONS_BY_KEY[key].fields}
    return blank


def _site_rows(
    country: str, sites: gpd.GeoDataFrame | None, counts: pd.DataFrame | None, lang: str
) -> list[dict]:
    if sites is None or sites.empty:
        return []
    mine = sites[sites["iso3"] == country].sort_values("site_id")
    latest = {}
    if counts is not None and not counts.empty:
        ordered = counts.sort_values(["site_id", "date"], key=lambda s: s.astype(str))
        latest = {r["site_id"]: r for r in ordered.drop_duplicates("site_id", keep="last").to_dict("records")}
    rows = []
    for site in mine.to_dict("records"):
        point = (
            site["geometry"]
            if site["geometry"] is not None and site["geometry"].geom_type == "Point"
            else None
        )
        row = _blank("populations")
        row.update(
            site_id=site["site_id"],
            site_name=site["name"],
            site_status=site["status"],
            scope=_text(site.get("scope")),
            river=_text(site.get("river")),
            latitude=round(point.y, 5) if point is not None else None,
            longitude=round(point.x, 5) if point is not None else None,
            coord_quality=_text(site.get("coord_quality")),
            notes=_previous_count(latest.get(site["site_id"]), lang),
        )
        rows.append(row)
    return rows


def _previous_count(count: Mapping[str, Any] | None, lang: str = "en") -> str:
    ask = text("nr.prefill.ask", lang)
    if count is None:
        return text("nr.prefill.no_count", lang, ask=ask)
    figure = format_number(int(count["count"]), lang=lang)
    method = str(count["method"])
    if method in CODE_LISTS["count-method"]:
        method = code_label("count-method", method, lang)
    return text(
        "nr.prefill.previous",
        lang,
        count=figure,
        date=format_date(str(count["date"]), lang=lang),
        method=method,
        source=count["source"],
        ask=ask,
    )


def _action_rows(actions: pd.DataFrame | None, lang: str = "en") -> list[dict]:
    if actions is None or actions.empty:
        return []
    rows = []
    for cell in actions.to_dict("records"):
        row = _blank("work_programme")
        last = cell.get("last_status")
        known = isinstance(last, str) and last != NOT_REPORTED
        row.update(
            programme=cell["programme"],
            action_id=cell["action_id"],
            action=cell["text"],
            status=last if known else None,
            comment=(
                text(
                    "nr.prefill.last_status",
                    lang,
                    status=code_label("wp-status", last, lang) if last in CODE_LISTS["wp-status"] else last,
                    period=cell["last_period"],
                )
                if known
                else text("nr.prefill.never", lang)
            ),
        )
        rows.append(row)
    return rows


def _text(value: object) -> str | None:
    return (
        None
        if value is None or (isinstance(value, float) and value != value) or value is pd.NA
        else str(value)
    )
