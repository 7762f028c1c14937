"""Import, validate and export (``deerhabitat import|validate|export``).

``import`` is a Python keyword, so the function behind ``deerhabitat import`` is
:func:`import_layer`; ``deerhabitat validate`` is :func:`validate_file` and ``deerhabitat export``
is :func:`export_layer`. Import and validate run the same checks; validate writes nothing and
reports every problem instead of raising.

The steps, each in :mod:`deerhabitat.io`: read the file (any format) → map fields → WDPA or
Darwin Core mapping → label the CRS → check coordinates → transform to EPSG:4326 → repair
geometries → check the region → WDPA circles / GBIF site links → schema validation → references
→ one atomic write to the store, recorded in its provenance log.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd

from deerhabitat.errors import DeerHabitatError, Problem, SchemaError
from deerhabitat.i18n import message
from deerhabitat.io import Provenance, Store, feature_checks, file_sha256, occurrences, tabular, wdpa
from deerhabitat.io.feature_checks import OnInvalid
from deerhabitat.io.fields import column_problems, parse_field_mapping, text_problems, uniform_types
from deerhabitat.io.findings import Finding, ValidationReport, error, feature_labels, summarise, warning
from deerhabitat.io.vector import read_vector, write_vector
from deerhabitat.progress import task
from deerhabitat.schema import SPECS, LayerKind, check_references, validate_layer
from deerhabitat.workflows.store import open_store

SOURCE_FLAVOURS = {
    "wdpa": LayerKind.PROTECTED_AREAS,
    "gbif": LayerKind.OCCURRENCES,
    "movebank": LayerKind.OCCURRENCES,
}
"""Source formats with their own field names, and the layer kind each fills."""
IMPORT_KINDS = tuple(k.value for k in LayerKind) + tuple(SOURCE_FLAVOURS)
"""What ``deerhabitat import KIND`` accepts (``_`` may stand for ``-``)."""


@dataclass(frozen=True)
class ImportOptions:
    """How to read and check an input file (the options of ``deerhabitat import`` and ``validate``).

    Attributes
    ----------
    assume_crs : str, optional
        CRS of a file that declares none (``--assume-crs``); it labels, never transforms.
    fields : mapping or sequence of str, optional
        Column renames, ``{"SRC": "DST"}`` or ``["SRC=DST", ...]`` (``--field``).
    layer : str, optional
        Layer, sheet or shapefile to read when the file holds several; ``'*'`` for all (``--layer``).
    on_invalid : {"repair", "reject"}, default "repair"
        Invalid geometries are repaired with ``make_valid`` and reported, or refused.
    encoding : str, optional
        Text encoding of a CSV or of a shapefile without ``.cpg`` (``--encoding``).
    statuses : str or sequence of str, optional
        WDPA statuses kept (``--status``); default Designated, Inscribed, Established; ``all`` keeps all.
    max_distance_km : float, optional
        Occurrences: link each record without a ``site_id`` to the nearest site within this many km
        (``--max-distance-km``; default: no link).
    max_uncompressed_mb : float, optional
        Most MB a ``.zip`` or ``.xlsx`` may expand to (``--max-uncompressed-mb``; default 2048).
    drop_invalid : bool, default False
        Occurrences: leave bad records out (counted per reason) instead of refusing the file
        (``--drop-invalid``).
    max_speed_kmh : float, optional
        Occurrences: fastest plausible speed between two telemetry fixes of one animal
        (``--max-speed-kmh``; default :data:`~deerhabitat.io.occurrence_checks.DEFAULT_MAX_SPEED_KMH`).
    chunk_rows : int, optional
        Occurrences: records read and checked at a time (default 100,000).
    """

    assume_crs: str | None = None
    fields: Mapping[str, str] | Sequence[str] | None = None
    layer: str | None = None
    on_invalid: OnInvalid = "repair"
    encoding: str | None = None
    statuses: str | Sequence[str] | None = None
    max_distance_km: float | None = None
    max_uncompressed_mb: float | None = None
    drop_invalid: bool = False
    max_speed_kmh: float | None = None
    chunk_rows: int | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an import did (or, with ``dry_run``, would do).

    Attributes
    ----------
    kind : LayerKind
        The layer written.
    path : str
        The file imported.
    file_format : str
        Its format.
    features : int
        Features read from the file.
    added, updated, rejected, total : int
        Features added and updated, left out on purpose (filters), and the layer's size afterwards.
    dry_run : bool
        True when nothing was written.
    warnings : list of Finding
        Everything reported that did not refuse the import.
    dropped : dict of str to int
        Occurrences left out with ``drop_invalid``, per reason code (see
        :data:`deerhabitat.io.occurrence_checks.REASONS`).
    notes : list of str
        What else the import did (occurrences: absences left out, checks not possible).
    """

    kind: LayerKind
    path: str
    file_format: str
    features: int
    added: int
    updated: int
    rejected: int
    total: int
    dry_run: bool
    warnings: list[Finding] = field(default_factory=list)
    dropped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote: the layer, the file, its format, the number of features, and notes."""

    kind: LayerKind
    path: str
    file_format: str
    count: int
    notes: tuple[str, ...] = ()


def parse_import_kind(value: str) -> tuple[LayerKind, str]:
    """Return the layer kind and the source flavour (``wdpa``, ``gbif``, else the kind) of ``KIND``.

    Raises
    ------
    SchemaError
        If ``value`` is neither a layer kind nor a source flavour; the message lists them.

    Examples
    --------
    >>> parse_import_kind("population_counts")
    (<LayerKind.POPULATION_COUNTS: 'population-counts'>, 'population-counts')
    >>> parse_import_kind("WDPA")
    (<LayerKind.PROTECTED_AREAS: 'protected-areas'>, 'wdpa')
    """
    text = str(value).strip().lower().replace("_", "-")
    if text in SOURCE_FLAVOURS:
        return SOURCE_FLAVOURS[text], text
    if text not in IMPORT_KINDS:
        raise SchemaError(
            str(value),
            [f"{value!r} is not something deerhabitat imports; use one of: {', '.join(IMPORT_KINDS)}"],
        )
    kind = LayerKind.parse(text)
    return kind, kind.value


# -- the checks ------------------------------------------------------------------------------------


@dataclass
class _Work:
    """The state of one import while it is checked."""

    kind: LayerKind
    source: str
    path: Path
    store: Store
    options: ImportOptions
    report: ValidationReport
    notes: list[str] = field(default_factory=list)

    @property
    def spec(self):
        return SPECS[self.kind]

    def labels(self, frame: gpd.GeoDataFrame) -> list[str]:
        return feature_labels(frame, self.spec.id_column)


def _read(work: _Work) -> tuple[gpd.GeoDataFrame, bool, str]:
    options = work.options
    layer = options.layer if options.layer is not None else ("*" if work.source == "wdpa" else None)
    read = read_vector(
        work.path,
        layer=layer,
        encoding=options.encoding,
        default_layer=work.kind.table,
        fields=parse_field_mapping(options.fields),
        max_uncompressed_mb=options.max_uncompressed_mb,
    )
    work.report.file_format, work.report.features = read.file_format, len(read.frame)
    work.report.extend(read.findings)
    if len(read.frame) == 0:
        raise SchemaError(
            work.kind.value,
            [f"{str(work.path)!r} holds no features; check that it is the right file (and layer or sheet)"],
        )
    frame = read.frame.reset_index(drop=True)
    return _map_flavour(work, frame), read.text_attributes, read.crs_origin


def _map_flavour(work: _Work, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if work.source == "wdpa":
        frame, findings, dropped = wdpa.map_wdpa(
            frame, statuses=wdpa.parse_statuses(work.options.statuses), source=f"WDPA ({work.path.name})"
        )
    else:
        return frame
    work.report.extend(findings)
    work.report.rejected += dropped
    if frame.empty:
        raise SchemaError(
            work.kind.value,
            [
                f"no feature of {str(work.path)!r} is left after the {work.source} "
                f"filters ({summarise(findings, limit=3)})"
            ],
        )
    return frame


def _check_geometry(work: _Work, frame: gpd.GeoDataFrame, crs_origin: str) -> gpd.GeoDataFrame:
    labels = work.labels(frame)
    frame, found = feature_checks.label_crs(
        frame, crs_origin=crs_origin, assume_crs=work.options.assume_crs, path=str(work.path)
    )
    work.report.extend(found)
    for step in (feature_checks.check_coordinates, feature_checks.to_store_crs):
        frame, found = step(frame, labels)
        work.report.extend(found)
    frame, found = feature_checks.simplify_types(frame)
    work.report.extend(found)
    frame, found = feature_checks.repair_geometries(
        frame, work.spec, labels, on_invalid=work.options.on_invalid
    )
    work.report.extend(found)
    if work.kind is not LayerKind.RANGE_STATES:
        states = work.store.read(LayerKind.RANGE_STATES, missing_ok=True)
        work.report.extend(
            feature_checks.check_region(
                frame, feature_checks.region_from_states(states, work.store.config.crs), labels
            )
        )
    return frame


def _place(work: _Work, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """WDPA points become circles; counts without a location get their site's."""
    if work.source == "wdpa":
        frame, found, keep = wdpa.circles_for_points(frame, work.store.config.crs, work.labels(frame))
        work.report.extend(found)
        work.report.rejected += int((~keep).sum())
    if work.kind is LayerKind.POPULATION_COUNTS:
        sites = work.store.read(LayerKind.SITES, missing_ok=True)
        frame, filled = occurrences.fill_locations_from_sites(frame, sites)
        if filled:
            work.notes.append(f"{filled} survey location(s) taken from their site")
    return frame


def _schema_findings(problems: list[Problem], blanked: set[str]) -> list[Problem]:
    """Problems of the schema checks, less "geometry is missing" where an earlier check blanked it."""
    return [p for p in problems if not (p.where in blanked and p.message.startswith("geometry is missing"))]


def _validate(work: _Work, frame: gpd.GeoDataFrame, text_attributes: bool) -> gpd.GeoDataFrame | None:
    work.report.extend(error("file", p) for p in column_problems(frame))
    work.report.extend(_schema_findings(text_problems(frame, work.labels(frame)), set()))
    if text_attributes:
        frame = tabular.type_text_columns(frame, exclude=work.spec.column_names)
    blanked = {f.where for f in work.report.errors}
    try:
        validated = validate_layer(frame, work.kind)
    except SchemaError as exc:
        work.report.extend(_schema_findings(exc.problems, blanked))
        validated = None
    if (
        work.kind in (LayerKind.RELEASES, LayerKind.POPULATION_COUNTS)
        and work.spec.id_column in frame.columns
    ):
        known = work.store.read(LayerKind.SITES, missing_ok=True)["site_id"].astype(str)
        checked = validated if validated is not None else frame
        work.report.extend(_schema_findings(check_references(checked, work.kind, known), set()))
    if validated is None:
        return None
    work.report.accepted = len(validated)
    return uniform_types(validated, exclude=work.spec.column_names)


_STEPS = 4
"""Steps of :func:`_prepare` shown as progress: read, geometry checks, placing, schema validation."""


def _prepare(work: _Work, advance: Callable[[int], None]) -> gpd.GeoDataFrame | None:
    frame, text_attributes, crs_origin = _read(work)
    advance(1)
    frame = _check_geometry(work, frame, crs_origin)
    advance(1)
    frame = _place(work, frame)
    advance(1)
    validated = _validate(work, frame, text_attributes)
    advance(1)
    return validated if work.report.ok else None


def _start(
    kind: LayerKind | str, path: str | os.PathLike, store: Store, options: ImportOptions | None
) -> _Work:
    layer_kind, source = parse_import_kind(kind.value if isinstance(kind, LayerKind) else kind)
    options = options or ImportOptions()
    report = ValidationReport(kind=layer_kind.value, path=str(path), source=source)
    if options.statuses and source != "wdpa":
        report.extend([warning("file", "--status applies to wdpa imports only; it was ignored")])
    if layer_kind is not LayerKind.OCCURRENCES:
        for given, name in (
            (options.max_distance_km is not None, "--max-distance-km"),
            (options.drop_invalid, "--drop-invalid"),
            (options.max_speed_kmh is not None, "--max-speed-kmh"),
        ):
            if given:
                report.extend([warning("file", f"{name} applies to occurrence imports only; it was ignored")])
    return _Work(layer_kind, source, Path(path), store, options, report)


# -- the three commands ------------------------------------------------------------------------------


def validate_file(
    kind: LayerKind | str,
    path: str | os.PathLike,
    /,
    *,
    store: str | os.PathLike | None = None,
    options: ImportOptions | None = None,
) -> ValidationReport:
    """Check a file as ``deerhabitat import`` would, write nothing, and report every problem.

    The library side of ``deerhabitat validate``.

    Parameters
    ----------
    kind : LayerKind or str
        A layer kind (``sites``, ``population_counts`` ...) or a source flavour (``wdpa``, ``gbif``).
    path : path-like
        The file to check (any supported format).
    store : path-like, optional
        The store whose range states, sites and analysis CRS the checks use (default: as
        :func:`~deerhabitat.workflows.open_store`).
    options : ImportOptions, optional
        How to read the file.

    Returns
    -------
    ValidationReport
        Every error and warning, each with its feature id or row. Problems that stop reading the file
        (a corrupt file, no CRS) are the report's single error.

    Raises
    ------
    StoreError
        If the store cannot be opened.
    SchemaError
        If ``kind`` is not a layer kind or source flavour.
    """
    work = _start(kind, path, open_store(store), options)
    if work.kind is LayerKind.OCCURRENCES:
        from deerhabitat.workflows.occurrences import validate_occurrences

        try:
            found = validate_occurrences(work.source, path, work.store, work.options)
        except DeerHabitatError as exc:
            work.report.extend([error("file", " ".join(str(exc).split()))])
            work.report.accepted = 0
            return work.report
        found.findings[:0] = work.report.findings
        return found
    try:
        with task(message("progress.layer.check", kind=work.kind.value), total=_STEPS) as advance:
            _prepare(work, advance)
    except DeerHabitatError as exc:
        work.report.extend([error("file", " ".join(str(exc).split()))])
        work.report.accepted = 0
    return work.report


def import_layer(
    kind: LayerKind | str,
    path: str | os.PathLike,
    /,
    *,
    store: str | os.PathLike | None = None,
    options: ImportOptions | None = None,
    replace: bool = False,
    dry_run: bool = False,
) -> ImportResult:
    """Import a file into a store layer (``deerhabitat import``; ``import`` is a Python keyword).

    Features whose id is already in the layer are updated, the others added; ``replace`` replaces
    the whole layer. The write is atomic: any failure, or a process killed mid-way, leaves the store
    byte-for-byte as it was. The import is recorded in the store's provenance log (file, sha256,
    time, features added, updated and rejected, warnings).

    Parameters
    ----------
    kind : LayerKind or str
        A layer kind (``sites``, ``population_counts`` ...) or a source flavour: ``wdpa``
        (protected areas from a WDPA download) or ``gbif`` (population counts from Darwin Core).
    path : path-like
        The file (GeoPackage, GeoJSON, Shapefile/folder/zip, FlatGeobuf, GeoParquet, KML, CSV, xlsx).
    store : path-like, optional
        The store to write (default ``$DEERHABITAT_STORE``; the bundled store is read-only).
    options : ImportOptions, optional
        How to read and check the file.
    replace : bool, default False
        Replace the whole layer instead of updating it by id.
    dry_run : bool, default False
        Check and count, but write nothing.

    Returns
    -------
    ImportResult
        Counts of features added, updated and rejected, and the warnings.

    Raises
    ------
    SchemaError
        Listing every problem of the file, each with its feature id or row.
    InputFileError
        If the file cannot be read (missing, corrupt, truncated, undecodable, unsafe archive).
    CRSError
        If the file has no CRS and ``options.assume_crs`` is not given.
    StoreError
        If the store cannot be written (e.g. the bundled, read-only store).
    """
    target = open_store(store, write=True)
    work = _start(kind, path, target, options)
    if work.kind is LayerKind.OCCURRENCES:
        return _import_occurrences(work, replace=replace, dry_run=dry_run)
    with task(message("progress.layer.import", kind=work.kind.value), total=_STEPS + 1) as advance:
        validated = _prepare(work, advance)
        if validated is None:
            raise SchemaError(work.kind.value, work.report.errors)
        if dry_run:
            added, updated, total = _would_write(target, work.kind, validated, replace)
        else:
            with target.transaction() as tx:
                result = tx.write(
                    work.kind,
                    validated,
                    provenance=_provenance(work, replace),
                    mode="replace" if replace else "upsert",
                )
            added, updated, total = result.added, result.updated, result.total
        advance(1)
    return ImportResult(
        work.kind,
        str(path),
        work.report.file_format,
        work.report.features,
        added,
        updated,
        work.report.rejected,
        total,
        dry_run,
        work.report.warnings,
    )


def _import_occurrences(work: _Work, *, replace: bool, dry_run: bool) -> ImportResult:
    from deerhabitat.workflows.occurrences import import_occurrences

    def provenance(note: str, rejected: int) -> Provenance:
        parts = [f"{work.source}: {note}"]
        if work.report.warnings:
            parts.append(f"{len(work.report.warnings)} warning(s): {summarise(work.report.warnings)}")
        return Provenance(
            source_file=str(work.path.absolute()),
            sha256=source_sha256(work.path),
            action="replace" if replace else "import",
            rejected=rejected,
            note="; ".join(parts),
        )

    done = import_occurrences(
        work.source,
        work.path,
        work.store,
        work.options,
        replace=replace,
        dry_run=dry_run,
        provenance=provenance,
    )
    return ImportResult(
        work.kind,
        str(work.path),
        done.file_format,
        done.features,
        done.added,
        done.updated,
        done.rejected,
        done.total,
        dry_run,
        work.report.warnings,
        dropped=done.dropped,
        notes=done.notes,
    )


def _would_write(
    target: Store, kind: LayerKind, frame: gpd.GeoDataFrame, replace: bool
) -> tuple[int, int, int]:
    id_col = SPECS[kind].id_column
    incoming = set(frame[id_col].astype(str))
    existing = set() if replace else set(target.read(kind, missing_ok=True)[id_col].astype(str))
    updated = len(incoming & existing)
    return len(incoming) - updated, updated, len(existing | incoming)


def _provenance(work: _Work, replace: bool) -> Provenance:
    report = work.report
    parts = [f"{report.file_format} ({work.source})", *work.notes]
    if work.options.assume_crs:
        parts.append(f"CRS assumed: {work.options.assume_crs}")
    if report.warnings:
        parts.append(f"{len(report.warnings)} warning(s): {summarise(report.warnings)}")
    return Provenance(
        source_file=str(work.path.absolute()),
        sha256=source_sha256(work.path),
        action="replace" if replace else "import",
        rejected=report.rejected,
        note="; ".join(parts),
    )


def source_sha256(path: str | os.PathLike) -> str:
    """sha256 of an input file; for a folder, of its files' names and contents in name order."""
    path = Path(path)
    if not path.is_dir():
        return file_sha256(path)
    digest = hashlib.sha256()
    for child in sorted(p for p in path.iterdir() if p.is_file()):
        digest.update(child.name.encode("utf-8") + b"\0" + bytes.fromhex(file_sha256(child)))
    return digest.hexdigest()


def export_layer(
    kind: LayerKind | str,
    path: str | os.PathLike,
    /,
    *,
    store: str | os.PathLike | None = None,
    overwrite: bool = False,
) -> ExportResult:
    """Write one store layer to a file, the format chosen by the extension (``deerhabitat export``).

    ``.gpkg`` ``.geojson``/``.json`` ``.shp`` (with a ``.deerhabitat.json`` sidecar keeping the full
    field names) ``.zip`` (zipped shapefile) ``.fgb`` ``.parquet`` ``.kml`` ``.csv`` (longitude/latitude
    for points, else an EWKT ``wkt`` column) ``.xlsx``. Importing the file gives back the same
    features and attributes.

    Parameters
    ----------
    kind : LayerKind or str
        The layer to export.
    path : path-like
        The file to write.
    store : path-like, optional
        The store to read (default: ``$DEERHABITAT_STORE``, else the bundled store).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    ExportResult

    Raises
    ------
    LayerNotFoundError
        If the store has no such layer; the message lists those it has.
    StoreError
        If the file exists (without ``overwrite``) or cannot be written in that format.
    """
    layer_kind = LayerKind.parse(kind) if not isinstance(kind, LayerKind) else kind
    frame = open_store(store).read(layer_kind)
    written = write_vector(frame, path, layer_name=layer_kind.table, overwrite=overwrite)
    return ExportResult(layer_kind, str(path), written.file_format, len(frame), written.notes)


__all__ = [
    "IMPORT_KINDS",
    "SOURCE_FLAVOURS",
    "ExportResult",
    "ImportOptions",
    "ImportResult",
    "export_layer",
    "import_layer",
    "parse_import_kind",
    "source_sha256",
    "validate_file",
]
