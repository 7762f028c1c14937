"""The report's table of occurrences and habitat use: Boyce index, point prevalence, home ranges.

Built from the analysis tables ``habitat_use`` and ``home_ranges``
(:mod:`deerhabitat.workflows.occurrence_analysis`), which hold figures only: home ranges are areas,
never positions, in every profile.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from deerhabitat.i18n import format_number, format_percent
from deerhabitat.publish.table import Table, make_table
from deerhabitat.publish.text import message


def occurrences_intro(tables: Mapping[str, pd.DataFrame]) -> str | None:
    """The sentence saying what the habitat-use figures are computed from; None without occurrences."""
    by_year = tables.get("occurrences_by_year")
    if by_year is None or by_year.empty:
        return None
    homes = tables.get("home_ranges")
    animals = 0 if homes is None else int(homes["mcp_km2"].notna().sum())
    return message(
        "occurrences.intro",
        n=format_number(int(by_year["occurrences"].sum())),
        fixes=format_number(int(by_year["telemetry"].sum())),
        animals=animals,
    )


def habitat_use_table(tables: Mapping[str, pd.DataFrame]) -> Table | None:
    """Boyce index, AOH point prevalence and median home ranges, each with what it is computed from."""
    use = tables.get("habitat_use")
    if use is None or use.empty:
        return None
    rows = [_measure_row(r) for r in use.to_dict("records")]
    homes = tables.get("home_ranges")
    if homes is not None and not homes.empty:
        rows += [
            _home_row(homes, "mcp_km2", "occurrences.mcp"),
            _home_row(homes, "kde_km2", "occurrences.kde"),
        ]
    data = pd.DataFrame(rows)
    display = pd.DataFrame(
        {
            message("col.measure"): data["label"],
            message("occurrences.col.value"): data["value_text"],
            message("occurrences.col.expected"): data["expected_text"],
            message("occurrences.col.used"): data["used_text"],
        }
    )
    data = data[["measure", "raster", "value", "expected", "n_points", "n_used", "n_outside_raster"]]
    return make_table("occurrences_habitat_use", "occurrences_habitat_use", display, data)


def _measure_row(row: dict) -> dict:
    measure, value, expected = row["measure"], _number(row["value"]), _number(row["expected"])
    prevalence = measure == "aoh_point_prevalence"
    if value is None:
        value_text = message("occurrences.not_assessable")
    else:
        value_text = format_percent(value, decimals=1) if prevalence else format_number(value, decimals=2)
    if prevalence:
        expected_text = "" if expected is None else format_percent(expected, decimals=1)
    else:
        expected_text = message("occurrences.boyce_chance")
    used = ""
    if row.get("n_points") is not None and not pd.isna(row["n_points"]):
        used = message(
            "occurrences.used",
            used=format_number(int(row["n_used"])),
            total=format_number(int(row["n_points"])),
            outside=format_number(int(row["n_outside_raster"])),
        )
    return {
        "measure": measure,
        "raster": row.get("raster"),
        "label": message(f"occurrences.{measure}"),
        "value": value,
        "expected": expected,
        "n_points": row.get("n_points"),
        "n_used": row.get("n_used"),
        "n_outside_raster": row.get("n_outside_raster"),
        "value_text": value_text,
        "expected_text": expected_text,
        "used_text": used,
    }


def _home_row(homes: pd.DataFrame, column: str, key: str) -> dict:
    areas = homes[column].to_numpy(dtype=float)
    areas = areas[np.isfinite(areas)]
    fixes = int(homes.loc[homes[column].notna(), "n_fixes"].sum())
    if len(areas):
        value = float(np.median(areas))
        text = message(
            "occurrences.km2_range",
            median=format_number(value, decimals=1),
            low=format_number(float(areas.min()), decimals=1),
            high=format_number(float(areas.max()), decimals=1),
        )
    else:
        value, text = None, message("occurrences.not_assessable")
    return {
        "measure": column,
        "raster": None,
        "label": message(key, n=len(areas)),
        "value": value,
        "expected": None,
        "n_points": fixes,
        "n_used": fixes,
        "n_outside_raster": None,
        "value_text": text,
        "expected_text": "",
        "used_text": message("occurrences.fixes", fixes=format_number(fixes)),
    }


def _number(value: object) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None
