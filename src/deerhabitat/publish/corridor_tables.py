"""The tables of the Overview Report's Connectivity section, from the published corridors.

Built only from :class:`~deerhabitat.publish.data.Corridors` as prepared for the profile (public:
computed from generalised positions); no table shows a position.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from deerhabitat.i18n import format_number, format_percent
from deerhabitat.publish.data import Corridors
from deerhabitat.publish.table import Table, code_cell, country_label, make_table, text_cell
from deerhabitat.publish.text import message


def _number(value: object, digits: int = 0) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return message("table.dash")
    return format_number(float(value), decimals=digits)  # type: ignore[arg-type]


def _share(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return message("table.dash")
    return format_percent(float(value))  # type: ignore[arg-type]


def _site(local_names: Mapping[str, str] | None, site_id: object, name: object) -> str:
    """A population's site name in the reader's language (``local_names``: ``site:<id>``), or as recorded."""
    return (local_names or {}).get(f"site:{site_id}") or text_cell(name)


def _pair(local_names: Mapping[str, str] | None, pair: Mapping) -> str:
    """``A – B``: the two populations of a pair."""
    first = _site(local_names, pair["from_id"], pair["from_name"])
    return f"{first} – {_site(local_names, pair['to_id'], pair['to_name'])}"


def _countries(items: list[dict] | None, names: Mapping[str, str]) -> str:
    return ", ".join(country_label(d["iso3"], names) for d in items or [])


def _bottleneck_protected(neck: Mapping | None) -> str:
    if not neck or neck.get("protected") is None:
        return message("table.dash")
    return message("value.yes") if neck["protected"] else message("value.no")


def corridor_pairs_table(
    corridors: Corridors | None, names: Mapping[str, str], local_names: Mapping[str, str] | None = None
) -> Table | None:
    """One row per pair of populations, pairs with no corridor under the maximum cost last.

    Columns: the populations, least cost, path length, corridor area and its protected share, bottleneck width
    and whether it is protected, the countries crossed.
    """
    if corridors is None or not corridors.pairs:
        return None
    pairs = sorted(corridors.pairs, key=lambda p: (not p.get("linked"), p.get("least_cost") or 0.0))
    rows = []
    for pair in pairs:
        neck = pair.get("bottleneck") or {}
        linked = bool(pair.get("linked"))
        rows.append(
            {
                "pair_id": pair["pair_id"],
                "from_id": pair["from_id"],
                "to_id": pair["to_id"],
                "linked": linked,
                "least_cost": pair.get("least_cost"),
                "path_length_km": pair.get("path_length_km"),
                "zone_km2": pair.get("zone_km2"),
                "zone_protected_fraction": pair.get("zone_protected_fraction"),
                "min_width_m": pair.get("min_width_m"),
                "bottleneck_protected": neck.get("protected"),
                "countries": " ".join(d["iso3"] for d in pair.get("path_by_country") or []),
                "source": message("source.corridors"),
            }
        )
    data = pd.DataFrame(rows)
    display = pd.DataFrame(
        {
            message("col.populations"): [_pair(local_names, p) for p in pairs],
            message("col.least_cost"): [
                _number(p.get("least_cost")) if p.get("linked") else message("value.no_corridor")
                for p in pairs
            ],
            message("col.path_length_km"): [_number(p.get("path_length_km")) for p in pairs],
            message("col.corridor_km2"): [_number(p.get("zone_km2")) for p in pairs],
            message("col.corridor_protected"): [_share(p.get("zone_protected_fraction")) for p in pairs],
            message("col.bottleneck_km"): [
                _number(None if p.get("min_width_m") is None else p["min_width_m"] / 1000.0, 1) for p in pairs
            ],
            message("col.bottleneck_protected"): [_bottleneck_protected(p.get("bottleneck")) for p in pairs],
            message("col.countries_crossed"): [_countries(p.get("path_by_country"), names) for p in pairs],
        }
    )
    numeric = (
        message("col.least_cost"),
        message("col.path_length_km"),
        message("col.corridor_km2"),
        message("col.corridor_protected"),
        message("col.bottleneck_km"),
    )
    max_cost = corridors.summary.get("max_cost")
    return make_table(
        "corridors",
        "corridors",
        display,
        data,
        numeric,
        max_cost=_number(max_cost) if max_cost is not None else message("value.none"),
    )


def isolated_table(
    corridors: Corridors | None, names: Mapping[str, str], local_names: Mapping[str, str] | None = None
) -> Table | None:
    """The populations with no corridor to any other under the maximum cost."""
    if corridors is None:
        return None
    isolated = set(corridors.summary.get("isolated") or [])
    pops = [p for p in corridors.summary.get("populations") or [] if p.get("site_id") in isolated]
    data = pd.DataFrame(
        {
            "site_id": [p["site_id"] for p in pops],
            "name": [p.get("name") for p in pops],
            "iso3": [p.get("iso3") for p in pops],
            "latest_count": [p.get("latest_count") for p in pops],
            "source": message("source.corridors"),
        }
    )
    display = pd.DataFrame(
        {
            message("col.site"): [_site(local_names, p.get("site_id"), p.get("name")) for p in pops],
            message("col.country"): [country_label(p.get("iso3"), names) for p in pops],
            message("col.status"): [code_cell(p.get("status")) for p in pops],
            message("col.latest_count"): [_number(p.get("latest_count")) for p in pops],
        }
    )
    max_cost = corridors.summary.get("max_cost")
    return make_table(
        "isolated",
        "corridors_isolated",
        display,
        data,
        (message("col.latest_count"),),
        max_cost=_number(max_cost) if max_cost is not None else message("value.none"),
    )


def unprotected_bottlenecks_table(
    corridors: Corridors | None, names: Mapping[str, str], local_names: Mapping[str, str] | None = None
) -> Table | None:
    """The bottleneck of every corridor that lies outside protected areas, narrowest first."""
    if corridors is None:
        return None
    wanted = set(corridors.summary.get("unprotected_bottlenecks") or [])
    pairs = [p for p in corridors.pairs if p["pair_id"] in wanted and p.get("bottleneck")]
    pairs.sort(key=lambda p: (p["bottleneck"].get("width_m") or 0.0, p["pair_id"]))
    data = pd.DataFrame(
        {
            "pair_id": [p["pair_id"] for p in pairs],
            "width_m": [p["bottleneck"].get("width_m") for p in pairs],
            "iso3": [p["bottleneck"].get("iso3") for p in pairs],
            "least_cost": [p.get("least_cost") for p in pairs],
            "source": message("source.corridors"),
        }
    )
    display = pd.DataFrame(
        {
            message("col.populations"): [_pair(local_names, p) for p in pairs],
            message("col.bottleneck_km"): [
                _number(p["bottleneck"].get("width_m", 0) / 1000.0, 1) for p in pairs
            ],
            message("col.country"): [country_label(p["bottleneck"].get("iso3"), names) for p in pairs],
            message("col.least_cost"): [_number(p.get("least_cost")) for p in pairs],
        }
    )
    return make_table(
        "bottlenecks",
        "corridors_bottlenecks",
        display,
        data,
        (message("col.bottleneck_km"), message("col.least_cost")),
    )


def corridor_method(corridors: Corridors) -> str:
    """The method note of the Connectivity section: resistance transform, tolerance, maximum cost, source."""
    summary = corridors.summary
    transform = summary.get("resistance_transform") or {}
    if transform and summary.get("resistance_from") != "resistance":
        formula = message(
            "connectivity.transform",
            formula=text_cell(transform.get("formula")),
            k=_number(transform.get("k"), 0),
            p=_number(transform.get("p"), 0),
        )
    else:
        formula = message("connectivity.given_resistance")
    max_cost = summary.get("max_cost")
    return message(
        "connectivity.method",
        transform=formula,
        tolerance=_number(summary.get("tolerance")),
        max_cost=_number(max_cost) if max_cost is not None else message("value.none"),
        unit=_known_text(text_cell(summary.get("cost_unit"))),
        positions=_known_text(text_cell(summary.get("positions"))),
    )


_KNOWN_TEXTS = (
    (re.compile(r"1 = 1 km through resistance-1 land \(km x resistance\)"), "connectivity.cost_unit"),
    (
        re.compile(r"generalised: the centre of each population's (?P<cell_km>[0-9.]+) km equal-area cell"),
        "connectivity.positions_generalised",
    ),
    (re.compile(r"exact \(as recorded\)"), "connectivity.positions_exact"),
)
"""Texts of the corridors' summary (written by the corridors workflow, in English, and cached) and the
message each is shown as."""


def _known_text(text: str) -> str:
    """A text of the corridors' summary in the reader's language when it is one of :data:`_KNOWN_TEXTS`."""
    for pattern, key in _KNOWN_TEXTS:
        match = pattern.fullmatch(text)
        if match:
            return message(key, **match.groupdict())
    return text
