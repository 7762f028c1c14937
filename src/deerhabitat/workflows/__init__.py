"""Path-in/path-out tools, one per command: they compose io, analysis and publish.

Each CLI command calls exactly one function here, of the same name.
"""

from deerhabitat.workflows.analyze import AnalysisResult, analyze
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
    national_report_import,
    national_report_list,
    national_report_template,
    national_report_validate,
)
from deerhabitat.workflows.report import report
from deerhabitat.workflows.store import init, layers, open_store

__all__ = ["ExportResult", "ImportOptions", "ImportResult", "export_layer", "import_layer", "validate_file"]
__all__ += [
    "AnalysisResult",
    "HabitatReport",
    "analyze",
    "bundled_habitat",
    "habitat_aoh",
    "habitat_candidates",
    "habitat_rasters",
    "habitat_suitability",
    "habitat_zonal",
    "init",
    "layers",
    "national_report_import",
    "national_report_list",
    "national_report_template",
    "national_report_validate",
    "open_store",
]
__all__ += ["PublishResult", "map_", "report"]
