"""Path-in/path-out tools, one per command: they compose io, analysis and publish.

Each CLI command calls exactly one function here, of the same name. The functions are imported on first
use (:pep:`562`), so ``import deerhabitat.workflows`` costs nothing and ``deerhabitat layers`` does not
load the map and report libraries.

Functions share their module's name (:func:`analyze` in ``workflows/analyze.py``, :func:`occurrence_counts`
in ``workflows/occurrence_counts.py``, :func:`report` in
``workflows/report.py``). Importing such a submodule makes Python bind the *module* to the package
attribute of the same name; the package ignores that binding, so ``from deerhabitat.workflows import
analyze`` is always the function, whatever was imported before.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from deerhabitat.workflows.analyze import AnalysisResult, analyze
    from deerhabitat.workflows.corridors import habitat_corridors
    from deerhabitat.workflows.db import db_roles
    from deerhabitat.workflows.folium import folium_map, save_offline
    from deerhabitat.workflows.habitat import (
        HabitatReport,
        bundled_habitat,
        habitat_aoh,
        habitat_candidates,
        habitat_rasters,
        habitat_suitability,
        habitat_zonal,
    )
    from deerhabitat.workflows.importing import (
        ExportResult,
        ImportOptions,
        ImportResult,
        export_layer,
        import_layer,
        validate_file,
    )
    from deerhabitat.workflows.maps import PublishResult, map_
    from deerhabitat.workflows.national_report import (
        national_report_cycle_list,
        national_report_cycle_open,
        national_report_import,
        national_report_language,
        national_report_list,
        national_report_programme_load,
        national_report_progress,
        national_report_records,
        national_report_template,
        national_report_validate,
        work_programme_catalogue,
    )
    from deerhabitat.workflows.occurrence_counts import occurrence_counts
    from deerhabitat.workflows.report import report
    from deerhabitat.workflows.store import copy, init, layers, open_store

_EXPORTS: dict[str, str] = {
    "AnalysisResult": "analyze",
    "analyze": "analyze",
    "db_roles": "db",
    "folium_map": "folium",
    "save_offline": "folium",
    "HabitatReport": "habitat",
    "bundled_habitat": "habitat",
    "habitat_aoh": "habitat",
    "habitat_candidates": "habitat",
    "habitat_corridors": "corridors",
    "habitat_rasters": "habitat",
    "habitat_suitability": "habitat",
    "habitat_zonal": "habitat",
    "ExportResult": "importing",
    "ImportOptions": "importing",
    "ImportResult": "importing",
    "export_layer": "importing",
    "import_layer": "importing",
    "validate_file": "importing",
    "occurrence_counts": "occurrence_counts",
    "PublishResult": "maps",
    "map_": "maps",
    "national_report_cycle_list": "national_report",
    "national_report_cycle_open": "national_report",
    "national_report_progress": "national_report",
    "national_report_programme_load": "national_report",
    "national_report_records": "national_report",
    "work_programme_catalogue": "national_report",
    "national_report_import": "national_report",
    "national_report_language": "national_report",
    "national_report_list": "national_report",
    "national_report_template": "national_report",
    "national_report_validate": "national_report",
    "report": "report",
    "copy": "store",
    "init": "store",
    "layers": "store",
    "open_store": "store",
}
"""Public name → the submodule of :mod:`deerhabitat.workflows` that defines it."""

__all__ = [
    "AnalysisResult",
    "ExportResult",
    "HabitatReport",
    "ImportOptions",
    "ImportResult",
    "PublishResult",
    "analyze",
    "bundled_habitat",
    "copy",
    "db_roles",
    "export_layer",
    "folium_map",
    "habitat_aoh",
    "habitat_candidates",
    "habitat_corridors",
    "habitat_rasters",
    "habitat_suitability",
    "habitat_zonal",
    "import_layer",
    "init",
    "layers",
    "map_",
    "national_report_cycle_list",
    "national_report_cycle_open",
    "national_report_import",
    "national_report_language",
    "national_report_list",
    "national_report_programme_load",
    "national_report_progress",
    "national_report_records",
    "national_report_template",
    "national_report_validate",
    "occurrence_counts",
    "open_store",
    "report",
    "save_offline",
    "validate_file",
    "work_programme_catalogue",
]
assert sorted(__all__) == sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


class _Workflows(types.ModuleType):
    """The type of this package's module: a submodule never hides the function named like it."""

    def __setattr__(self, name: str, value: Any) -> None:
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Workflows
