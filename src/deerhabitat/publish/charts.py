"""Trend charts of the Overview Report as SVG text, written by hand (no browser, no matplotlib state).

:func:`trend_chart_svg` stacks each year's wild animals by range state and labels the bar with its
coverage (``3/5``: three of five range states have a figure that year). A year that lacks a figure
for some range state is not a complete total, so it is drawn faded with a dashed outline, never as if
complete. :func:`country_chart_svg` draws one range state's figures, the part counted that year solid
and the part carried forward from an earlier count light. Output is deterministic (fixed rounding,
sorted input) and every text is XML-escaped, so the SVG can be inlined into the report page.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import pandas as pd

from deerhabitat.i18n import format_number
from deerhabitat.publish.text import message

PALETTE = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
"""Colour of each range state, in the order of the store's range states."""

INCOMPLETE_OPACITY = 0.4
"""Fill opacity of the bars of an incomplete year."""


def _x(text: object) -> str:
    return html.escape(str(text), quote=True)


def _f(value: float) -> str:
    """A coordinate with at most two decimals, no trailing zeros (stable text)."""
    return f"{round(value, 2):g}"


def nice_ceiling(value: float) -> tuple[float, float]:
    """An axis maximum at or above ``value`` and its tick step (1, 2 or 5 times a power of ten).

    Examples
    --------
    >>> nice_ceiling(3735)
    (4000.0, 1000.0)
    >>> nice_ceiling(0)
    (1.0, 1.0)
    """
    if value <= 0:
        return 1.0, 1.0
    power = 10 ** math.floor(math.log10(value / 6))
    step = next(m * power for m in (1, 2, 5, 10) if math.ceil(value / (m * power)) <= 6)
    return float(math.ceil(value / step) * step), float(step)


def year_coverage(by_country_year: pd.DataFrame, states: Sequence[str]) -> pd.DataFrame:
    """For each year: the total, and how many of ``states`` have a figure (observed or carried).

    Parameters
    ----------
    by_country_year : pandas.DataFrame
        ``iso3, year, count`` (one row per range state and year with a figure).
    states : sequence of str
        The range states (ISO3) of the store.

    Returns
    -------
    pandas.DataFrame
        ``year, count, n_states, of_states, complete`` sorted by year; a country outside ``states``
        counts in the total but not in the coverage.
    """
    frame = by_country_year[["iso3", "year", "count"]]
    rows = []
    for year, group in frame.groupby("year", sort=True):
        n = int(group.loc[group["count"].notna(), "iso3"].isin(list(states)).sum())
        rows.append(
            {
                "year": int(year),
                "count": int(group["count"].sum()),
                "n_states": n,
                "of_states": len(states),
                "complete": n == len(states),
            }
        )
    return pd.DataFrame(rows, columns=["year", "count", "n_states", "of_states", "complete"])


def _axis(
    width: float, height: float, left: float, top: float, plot_h: float, ymax: float, step: float
) -> list[str]:
    out = []
    ticks = round(ymax / step)
    for i in range(ticks + 1):
        value = i * step
        y = top + plot_h - plot_h * value / ymax
        out.append(
            f'<line x1="{_f(left)}" y1="{_f(y)}" x2="{_f(width)}" y2="{_f(y)}" stroke="#ddd" '
            f'stroke-width="1"/>'
        )
        out.append(
            f'<text x="{_f(left - 6)}" y="{_f(y + 4)}" text-anchor="end" font-size="11" '
            f'fill="#444">{format_number(int(value))}</text>'
        )
    out.append(
        f'<text x="12" y="{_f(top + plot_h / 2)}" font-size="11" fill="#444" text-anchor="middle" '
        f'transform="rotate(-90 12 {_f(top + plot_h / 2)})">{_x(message("chart.axis_count"))}</text>'
    )
    return out


def trend_chart_svg(
    by_country_year: pd.DataFrame,
    states: Sequence[str],
    names: Mapping[str, str],
    *,
    title: str = "",
    reference: pd.DataFrame | None = None,
    detail: pd.DataFrame | None = None,
) -> str:
    """Stacked bars of wild animals per year and range state, each year labelled with its coverage.

    Parameters
    ----------
    by_country_year : pandas.DataFrame
        ``iso3, year, count`` (from :func:`deerhabitat.analysis.population_totals`).
    states : sequence of str
        The store's range states, in legend order.
    names : mapping of str to str
        Country names by ISO3.
    title : str
        Accessible title of the SVG.
    reference : pandas.DataFrame, optional
        Published range-wide estimates (``year, low, high, label``), drawn as a separate, labelled series
        of diamonds (with a bar from low to high): a reference, never added to the bars.
    detail : pandas.DataFrame, optional
        ``iso3, year, observed, carried, country_estimate`` (``totals_detail``): each bar part's tooltip
        then says whether it was counted that year or carried forward, and whether it is a national
        estimate or a sum of sites.

    Returns
    -------
    str
        An ``<svg>`` element; empty string when there is no figure.
    """
    if by_country_year is None or by_country_year.empty:
        return ""
    frame = by_country_year[["iso3", "year", "count"]].copy()
    frame["year"] = frame["year"].astype(int)
    coverage = year_coverage(frame, states)
    reference = _reference(reference)
    years = sorted(set(coverage["year"]) | set(reference["year"]))
    order = list(states) + sorted(set(frame["iso3"]) - set(states))
    colours = {iso3: PALETTE[i % len(PALETTE)] for i, iso3 in enumerate(order)}
    width, height, left, top, legend_w, bottom = 800.0, 340.0, 62.0, 34.0, 190.0, 36.0
    plot_w, plot_h = width - left - legend_w, height - top - bottom
    ymax, step = nice_ceiling(
        max(float(coverage["count"].max()), float(reference["high"].max() if len(reference) else 0)) * 1.08
    )
    slot = plot_w / len(years)
    position = {year: i for i, year in enumerate(years)}
    bar_w = min(44.0, slot * 0.7)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dh-chart" viewBox="0 0 {_f(width)} {_f(height)}" '
        f'width="{_f(width)}" height="{_f(height)}" role="img" aria-labelledby="dh-chart-global-title">',
        f'<title id="dh-chart-global-title">{_x(title)}</title>',
        f"<desc>{_x(message('chart.desc_global'))}</desc>",
        *_axis(left + plot_w, height, left, top, plot_h, ymax, step),
    ]
    for year in years:
        x = left + slot * position[year] + (slot - bar_w) / 2
        parts.append(
            f'<text x="{_f(x + bar_w / 2)}" y="{_f(top + plot_h + 15)}" text-anchor="middle" '
            f'font-size="11" fill="#222">{year}</text>'
        )
    for row in coverage.itertuples(index=False):
        x = left + slot * position[row.year] + (slot - bar_w) / 2
        base = top + plot_h
        opacity = "1" if row.complete else _f(INCOMPLETE_OPACITY)
        group = frame[frame["year"] == row.year].set_index("iso3")["count"]
        for iso3 in order:
            if iso3 not in group.index or pd.isna(group[iso3]) or int(group[iso3]) == 0:
                continue
            h = plot_h * int(group[iso3]) / ymax
            base -= h
            count = format_number(int(group[iso3]))
            label = f"{names.get(iso3, iso3)} {row.year}: {count}{_how(detail, iso3, row.year)}"
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(base)}" width="{_f(bar_w)}" height="{_f(h)}" '
                f'fill="{colours[iso3]}" fill-opacity="{opacity}"><title>{_x(label)}</title></rect>'
            )
        if not row.complete:
            parts.append(
                f'<rect class="dh-incomplete" x="{_f(x)}" y="{_f(base)}" width="{_f(bar_w)}" '
                f'height="{_f(top + plot_h - base)}" fill="none" stroke="#555" stroke-width="1" '
                f'stroke-dasharray="3 2"/>'
            )
        cover = message("chart.coverage", n=row.n_states, of=row.of_states)
        parts.append(
            f'<text class="dh-coverage" x="{_f(x + bar_w / 2)}" y="{_f(base - 4)}" text-anchor="middle" '
            f'font-size="10" fill="{"#222" if row.complete else "#777"}">{_x(cover)}</text>'
        )
    bar_years = set(coverage["year"])
    for row in reference.itertuples(index=False):
        cx = left + slot * position[row.year] + slot / 2 + (bar_w / 2 + 6 if row.year in bar_years else 0)
        y_low, y_high = (top + plot_h - plot_h * v / ymax for v in (row.low, row.high))
        label = f"{message('chart.reference')} {row.year}: {row.label}"
        parts.append(
            f'<g class="dh-reference"><title>{_x(label)}</title>'
            f'<line x1="{_f(cx)}" y1="{_f(y_low)}" x2="{_f(cx)}" y2="{_f(y_high)}" stroke="#111" '
            f'stroke-width="2"/>'
            f'<path d="{_diamond(cx, (y_low + y_high) / 2)}" fill="#111"/></g>'
        )
    parts += _legend(order, colours, names, left + plot_w + 16, top, reference=len(reference) > 0)
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def figure_kind(observed: int, carried: int, country_estimate: bool, national_status: str = "") -> str:
    """How a country's figure of a year was made, in words (message ids ``chart.*``).

    Examples
    --------
    >>> figure_kind(0, 700, False)
    'carried forward, sum of sites'
    >>> figure_kind(192, 0, True, "national-split")
    'counted that year, split of a national or global figure'
    """
    when = (
        message("chart.observed")
        if carried == 0
        else message("chart.carried")
        if observed == 0
        else message("chart.partly_carried")
    )
    if not country_estimate:
        return f"{when}, {message('chart.site_sum')}"
    kind = (
        message("chart.national_total")
        if national_status == "national-total"
        else message("chart.national_split")
        if national_status == "national-split"
        else message("chart.national")
    )
    return f"{when}, {kind}"


def _how(detail: pd.DataFrame | None, iso3: str, year: int) -> str:
    if detail is None or detail.empty:
        return ""
    rows = detail[(detail["iso3"] == iso3) & (detail["year"].astype(int) == year)]
    if rows.empty:
        return ""
    row = rows.iloc[0]
    status = str(row["national_status"]) if "national_status" in row.index else ""
    return (
        f" ({figure_kind(int(row['observed']), int(row['carried']), bool(row['country_estimate']), status)})"
    )


def _reference(reference: pd.DataFrame | None) -> pd.DataFrame:
    columns = ["year", "low", "high", "label"]
    if reference is None or reference.empty:
        return pd.DataFrame(columns=columns).astype({"year": int, "low": float, "high": float})
    return reference[columns].astype({"year": int, "low": float, "high": float}).sort_values("year")


def _diamond(cx: float, cy: float, r: float = 5.0) -> str:
    return f"M{_f(cx)} {_f(cy - r)}L{_f(cx + r)} {_f(cy)}L{_f(cx)} {_f(cy + r)}L{_f(cx - r)} {_f(cy)}Z"


def _legend(
    order: Sequence[str],
    colours: Mapping[str, str],
    names: Mapping[str, str],
    x: float,
    y: float,
    *,
    reference: bool = False,
) -> list[str]:
    out = []
    for i, iso3 in enumerate(order):
        yy = y + 18 * i
        out.append(f'<rect x="{_f(x)}" y="{_f(yy)}" width="12" height="12" fill="{colours[iso3]}"/>')
        out.append(
            f'<text x="{_f(x + 18)}" y="{_f(yy + 10)}" font-size="11" fill="#222">'
            f"{_x(names.get(iso3, iso3))}</text>"
        )
    yy = y + 18 * len(order) + 6
    out.append(
        f'<rect x="{_f(x)}" y="{_f(yy)}" width="12" height="12" fill="#888" fill-opacity="'
        f'{_f(INCOMPLETE_OPACITY)}" stroke="#555" stroke-dasharray="3 2"/>'
    )
    out.append(
        f'<text x="{_f(x + 18)}" y="{_f(yy + 10)}" font-size="11" fill="#222">'
        f"{_x(message('chart.incomplete'))}</text>"
    )
    if reference:
        yy += 18
        out.append(f'<path d="{_diamond(x + 6, yy + 6)}" fill="#111"/>')
        out.append(
            f'<text x="{_f(x + 18)}" y="{_f(yy + 10)}" font-size="11" fill="#222">'
            f"{_x(message('chart.reference'))}</text>"
        )
    return out


def country_chart_svg(detail: pd.DataFrame, iso3: str, name: str) -> str:
    """Bars of one range state's wild animals per year: counted that year (solid) and carried (light).

    Parameters
    ----------
    detail : pandas.DataFrame
        ``iso3, year, observed, carried`` (from ``totals_detail`` of :func:`deerhabitat.workflows.analyze`).
    iso3, name : str
        The range state.

    Returns
    -------
    str
        An ``<svg>`` element; empty string when the state has no figure.
    """
    rows = detail[detail["iso3"] == iso3].sort_values("year")
    if rows.empty:
        return ""
    width, height, left, top, bottom = 360.0, 180.0, 52.0, 14.0, 30.0
    plot_w, plot_h = width - left - 8, height - top - bottom
    totals = rows["observed"].astype(int) + rows["carried"].astype(int)
    ymax, step = nice_ceiling(float(totals.max()) * 1.05)
    slot = plot_w / len(rows)
    bar_w = min(26.0, slot * 0.7)
    title = message("trends.country_title", country=name)
    ident = f"dh-chart-{_x(iso3.lower())}-title"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="dh-chart dh-chart-small" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" height="{_f(height)}" role="img" '
        f'aria-labelledby="{ident}">',
        f'<title id="{ident}">{_x(title)}</title>',
        f"<desc>{_x(message('chart.desc_country'))}</desc>",
        *_axis(left + plot_w, height, left, top, plot_h, ymax, step),
    ]
    for i, row in enumerate(rows.itertuples(index=False)):
        x = left + slot * i + (slot - bar_w) / 2
        base = top + plot_h
        for part, opacity in (("observed", "1"), ("carried", _f(INCOMPLETE_OPACITY))):
            value = int(getattr(row, part))
            if value <= 0:
                continue
            h = plot_h * value / ymax
            base -= h
            label = f"{name} {int(row.year)}: {format_number(value)} {message('chart.' + part)}"
            parts.append(
                f'<rect x="{_f(x)}" y="{_f(base)}" width="{_f(bar_w)}" height="{_f(h)}" fill="#2b6f8f" '
                f'fill-opacity="{opacity}"><title>{_x(label)}</title></rect>'
            )
        parts.append(
            f'<text x="{_f(x + bar_w / 2)}" y="{_f(top + plot_h + 13)}" text-anchor="middle" '
            f'font-size="9" fill="#222">{int(row.year)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
