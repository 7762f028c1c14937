"""Copy a whole store to another location, on either backend (``deerhabitat copy SRC DST``).

Everything a store holds goes across: every layer (features and attributes as stored), the
settings, the provenance log row for row (ids and times kept), the national reports (original files
byte for byte, versions and import times kept), the rasters registry (paths made absolute for a
database, relative to the new file's folder for a GeoPackage), the default QGIS style of each table,
the reporting cycles, the report texts and the Work Programme catalogue.

A GeoPackage copied to a GeoPackage is copied as a file (:meth:`GpkgStore.copy`), with the GeoParquet
files of its big layers (occurrences) copied into the new store's own folder, each checked against
its registered sha256 and registered relative to the new file; a failure leaves the target as it was.
"""

from __future__ import annotations

import dataclasses
import math

import pandas as pd

from deerhabitat.errors import StoreError
from deerhabitat.io import datasets
from deerhabitat.io.store import (
    PROVENANCE_TABLE,
    REPORT_ROW_COLUMNS,
    REPORTS_TABLE,
    RasterRecord,
    Store,
    StoreLocation,
    StoreWriter,
    StyleRow,
    is_database_url,
    shown_location,
)
from deerhabitat.schema import LayerKind


def copy_store(
    source: StoreLocation,
    target: StoreLocation,
    *,
    overwrite: bool = False,
    analysis_crs: str | None = None,
    species: str | None = None,
) -> Store:
    """Copy the store at ``source`` to a new store at ``target``; return the new store.

    Parameters
    ----------
    source, target : path-like or str
        GeoPackage paths or ``postgresql://`` URLs, in any combination.
    overwrite : bool, default False
        Replace a store (or file) already at ``target``; otherwise one is refused.
    analysis_crs, species : str, optional
        New settings for the copy (default: those of ``source``).

    Raises
    ------
    StoreError
        If ``source`` is not a store, ``target`` holds something and ``overwrite`` is False, or the
        copy cannot be written (nothing is left at ``target`` then).
    """
    if not is_database_url(source) and not is_database_url(target):
        from deerhabitat.io.gpkg_store import GpkgStore

        return GpkgStore.copy(source, target, analysis_crs=analysis_crs, species=species, overwrite=overwrite)
    original = Store(source, readonly=True)
    if shown_location(source) == shown_location(target):
        raise StoreError(f"cannot copy the store {original.shown!r} onto itself; choose another target")
    config = original.config
    if analysis_crs:
        config = dataclasses.replace(config, analysis_crs=analysis_crs)
    if species:
        config = dataclasses.replace(config, species=species)
    with original.reading():
        layers = original.read_all()
        provenance = original.provenance()
        reports = original._report_records(with_files=True)
        rasters = original.rasters()
        styles = original.styles()
        cycles = original.reporting_cycles()
        texts = original.report_texts()
        catalogue = original.work_programme()
    copy = Store.create(target, config=config, overwrite=overwrite)
    writer = None
    if original.has(LayerKind.OCCURRENCES) and not datasets.in_table(copy):
        writer = datasets.DatasetWriter(datasets.store_file(copy), LayerKind.OCCURRENCES, "copy")
    try:
        with copy.transaction() as tx:
            for kind, frame in layers.items():
                tx._write_layer(kind, frame)
            _copy_occurrences(original, tx, writer)
            _copy_rest(tx, provenance, reports, rasters, styles, cycles, texts, catalogue)
    except BaseException:
        if writer is not None:
            writer.discard()
        raise
    return Store(target)


def _copy_occurrences(original: Store, tx: StoreWriter, writer: datasets.DatasetWriter | None) -> None:
    """Copy the occurrences batch by batch: as GeoParquet files through ``writer``, else into the table."""
    if not original.has(LayerKind.OCCURRENCES):
        return
    for batch in datasets.iter_occurrences(original):
        if writer is None:
            tx.write_occurrences(batch)  # type: ignore[attr-defined]
        else:
            writer.write(batch)
    if writer is not None:
        tx.register_dataset_files(LayerKind.OCCURRENCES, writer.publish())


def _copy_rest(
    tx: StoreWriter,
    provenance: pd.DataFrame,
    reports: pd.DataFrame,
    rasters: pd.DataFrame,
    styles: dict[str, dict[str, str]],
    cycles: pd.DataFrame,
    texts: dict[str, str],
    catalogue: pd.DataFrame | None,
) -> None:
    """Copy the provenance, reports, rasters registry, styles, cycles, texts and catalogue."""
    if len(provenance):
        tx.load_rows(PROVENANCE_TABLE, provenance)
    if len(reports):
        tx.load_rows(REPORTS_TABLE, reports[["id", *REPORT_ROW_COLUMNS, "size_bytes"]])
    tx.register_rasters(
        RasterRecord(
            str(r.role),
            str(r.path),
            str(r.sha256),
            str(r.crs_name),
            str(r.crs_wkt),
            int(r.width),
            int(r.height),
            str(r.transform),
            str(r.dtype),
            None if r.nodata is None or math.isnan(float(r.nodata)) else float(r.nodata),
            str(r.command or ""),
        )
        for r in rasters.itertuples(index=False)
    )
    if styles:
        tx.write_styles(StyleRow(table, s["name"], s["qml"], s["sld"]) for table, s in styles.items())
    for row in cycles.itertuples(index=False):
        tx.open_cycle((int(row.period_start), int(row.period_end)), str(row.deadline), note=str(row.note))
    for name, text in texts.items():
        tx.set_report_text(name, text)
    if catalogue is not None:
        tx.write_work_programme(catalogue)
