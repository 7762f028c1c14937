"""Import and validate occurrences (``deerhabitat import|validate gbif|movebank|occurrences``), streamed.

The file is read in chunks (:func:`deerhabitat.io.occurrence_sources.iter_chunks`), each chunk mapped,
checked (:mod:`deerhabitat.io.occurrence_checks`) and written as GeoParquet files beside the store
(:mod:`deerhabitat.io.datasets`), so memory holds one chunk, one fix per animal, and the record ids of
the import (to find duplicates and the records it updates: about 30 bytes per record).

Bad records (no position, 0/0, outside the range states, impossible speeds, ...) refuse the import:
one error names, per reason, how many records and the first ids; nothing is written. With
``drop_invalid`` they are left out and counted per reason instead. Records whose id is already in the
layer are updated (their old rows are rewritten out of the files holding them); ``replace`` replaces
the whole layer. Everything happens in one :meth:`Store.transaction`: a failure leaves neither a
registry row nor a file behind.
"""

from __future__ import annotations

import datetime as _dt
import os
import uuid
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from deerhabitat.errors import SchemaError
from deerhabitat.i18n import message
from deerhabitat.io import Provenance, Store, WriteResult
from deerhabitat.io import datasets as ds
from deerhabitat.io.feature_checks import Region, region_from_states
from deerhabitat.io.fields import parse_field_mapping
from deerhabitat.io.findings import ValidationReport, error, warning
from deerhabitat.io.occurrence_checks import DEFAULT_MAX_SPEED_KMH, REASONS, RecordChecker, describe
from deerhabitat.io.occurrence_sources import CHUNK_ROWS, MAPPERS, Mapper, iter_chunks
from deerhabitat.io.occurrences import nearest_sites
from deerhabitat.progress import task
from deerhabitat.schema import LayerKind

if TYPE_CHECKING:  # pragma: no cover
    from deerhabitat.workflows.importing import ImportOptions

KIND = LayerKind.OCCURRENCES
SHOWN_IDS = 5
"""Record ids named per reason in a refusal."""


@dataclass
class Tally:
    """What streaming a file found: records read, accepted, left out (absences), and bad ones per reason."""

    file_format: str = ""
    read: int = 0
    absent: int = 0
    accepted: int = 0
    bad: Counter = field(default_factory=Counter)
    examples: dict[str, list[str]] = field(default_factory=dict)
    ids: list[pa.Array] = field(default_factory=list)
    region: Region | None = None
    max_speed_kmh: float = DEFAULT_MAX_SPEED_KMH

    def all_ids(self) -> pa.Array:
        """The ids of the accepted records."""
        return (
            pa.chunked_array(self.ids, type=pa.string()).combine_chunks()
            if self.ids
            else pa.array([], pa.string())
        )

    def reason_texts(self) -> list[str]:
        """Per reason: what it is, how many records, and the first ids."""
        out = []
        for code in REASONS:
            if self.bad[code]:
                shown = ", ".join(self.examples[code])
                more = ", …" if self.bad[code] > len(self.examples[code]) else ""
                what = describe(code, region=self.region, max_speed_kmh=self.max_speed_kmh)
                out.append(f"{what}: {self.bad[code]} record(s) ({shown}{more})")
        return out

    def dropped(self) -> dict[str, int]:
        """Records left out per reason code."""
        return {code: self.bad[code] for code in REASONS if self.bad[code]}


def _region(store: Store) -> Region | None:
    states = store.read(LayerKind.RANGE_STATES, missing_ok=True)
    config = store.config
    if "iso3" in states.columns and config.range_states:
        states = states[states["iso3"].astype(str).isin(config.range_states)]
    return region_from_states(states, config.crs)


def stream(
    source: str,
    path: str | os.PathLike,
    store: Store,
    options: ImportOptions,
    *,
    write: Callable[[gpd.GeoDataFrame], object] | None = None,
) -> Tally:
    """Read, map and check ``path`` chunk by chunk; give each chunk's accepted records to ``write``.

    Without ``drop_invalid``, ``write`` is no longer called once a bad record was found (the import
    will be refused). Raises :class:`SchemaError` for problems of the whole file (columns missing,
    no records, fixes out of time order, duplicate ids).
    """
    path = Path(path)
    drop_invalid = options.drop_invalid
    max_speed = options.max_speed_kmh or DEFAULT_MAX_SPEED_KMH
    chunk_rows = options.chunk_rows or CHUNK_ROWS
    tally = Tally(region=_region(store), max_speed_kmh=max_speed)
    checker = RecordChecker(tally.region, max_speed_kmh=max_speed)
    file_format, chunks = iter_chunks(
        path,
        encoding=options.encoding,
        chunk_rows=chunk_rows,
        max_uncompressed_mb=options.max_uncompressed_mb,
        fields=_fields(options.fields),
    )
    tally.file_format = file_format
    link = _site_linker(store, options.max_distance_km)
    mapper: Mapper | None = None
    with task(message("progress.occurrences.import", source=source)) as advance:
        for chunk in chunks:
            if mapper is None:
                mapper = MAPPERS[source](list(chunk.columns), source=path.name)
            mapped = mapper(chunk)
            checked = checker.check(mapped.frame)
            tally.read += len(chunk)
            tally.absent += mapped.absent
            lines = (
                mapped.frame.index.to_numpy() + 2
            )  # chunks keep the file's row numbers; the header is line 1
            _count_bad(tally, checked.reasons, checked.ids, lines)
            if link is not None:
                checked.frame["site_id"] = link(checked.frame)
            tally.accepted += len(checked.frame)
            tally.ids.append(pa.array(checked.frame["occurrence_id"].to_numpy(object), pa.string()))
            if write is not None and (drop_invalid or not tally.bad):
                write(checked.frame)
            advance(len(chunk))
    if mapper is None:
        raise SchemaError(KIND.value, [f"{str(path)!r} holds no records (only a header, or nothing)"])
    _check_duplicates(tally)
    return tally


def _site_linker(
    store: Store, max_distance_km: float | None
) -> Callable[[gpd.GeoDataFrame], pd.arrays.StringArray] | None:
    """With ``--max-distance-km``: records without a site get the nearest site's id within that distance."""
    if max_distance_km is None:
        return None
    sites = store.read(LayerKind.SITES, missing_ok=True)
    crs = store.config.crs

    def link(frame: gpd.GeoDataFrame) -> pd.arrays.StringArray:
        found = nearest_sites(frame.geometry.values, sites, crs, max_distance_km=max_distance_km)
        given = frame["site_id"]
        return pd.array(
            [g if not pd.isna(g) else f for g, f in zip(given, found, strict=True)], dtype="string"
        )

    return link


def _fields(value: Mapping[str, str] | Sequence[str] | None) -> dict[str, str]:
    return dict(parse_field_mapping(value)) if value else {}


def _count_bad(tally: Tally, reasons: np.ndarray, ids: np.ndarray, lines: np.ndarray) -> None:
    bad = np.flatnonzero(reasons != "")
    for code in np.unique(reasons[bad]):
        rows = bad[reasons[bad] == code]
        tally.bad[code] += len(rows)
        shown = tally.examples.setdefault(str(code), [])
        for i in rows[: max(SHOWN_IDS - len(shown), 0)]:
            shown.append(str(ids[i]) if ids[i] else f"line {int(lines[i])}")


def _check_duplicates(tally: Tally) -> None:
    ids = tally.all_ids()
    if len(ids) == len(pc.unique(ids)):
        return
    counts = pc.value_counts(ids)
    repeated = counts.filter(pc.greater(counts.field("counts"), 1))
    shown = ", ".join(str(v) for v in repeated.field("values")[:SHOWN_IDS].to_pylist())
    raise SchemaError(
        KIND.value,
        [
            f"{len(repeated)} record id(s) appear more than once in the file ({shown}); each record needs "
            f"its own id: remove the repeated records"
        ],
    )


def refusal(tally: Tally, path: str | os.PathLike) -> SchemaError:
    """The error refusing a file with bad records: per reason, the count and the first ids."""
    texts = tally.reason_texts()
    texts[-1] += "; nothing was imported: fix them in the file, or leave them out with --drop-invalid"
    return SchemaError(KIND.value, texts)


# -- the commands -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OccurrenceImport:
    """What an occurrence import did: counts, the records left out per reason, and notes."""

    file_format: str
    features: int
    added: int
    updated: int
    rejected: int
    total: int
    dropped: dict[str, int]
    notes: list[str]


def import_occurrences(
    source: str,
    path: str | os.PathLike,
    store: Store,
    options: ImportOptions,
    *,
    replace: bool = False,
    dry_run: bool = False,
    provenance: Callable[[str, int], Provenance],
) -> OccurrenceImport:
    """Stream ``path`` into the store's occurrences (see the module docstring).

    Parameters
    ----------
    source : {"gbif", "movebank", "occurrences"}
        The file's flavour.
    path : path-like
        The file.
    store : Store
        A writable store.
    options : ImportOptions
        ``encoding``, ``fields``, ``drop_invalid``, ``max_speed_kmh``, ``chunk_rows``,
        ``max_uncompressed_mb``.
    replace, dry_run : bool
        Replace the whole layer; write nothing.
    provenance : callable
        Gives the provenance record from the import's note and the number of records left out.

    Raises
    ------
    SchemaError
        Bad records (without ``drop_invalid``) or problems of the whole file.
    """
    if dry_run:
        tally = stream(source, path, store, options)
        if tally.bad and not options.drop_invalid:
            raise refusal(tally, path)
        ids = tally.all_ids()
        existing = 0 if replace else _existing(store, ids)
        before = 0 if replace else ds.row_count(store)
        return _result(tally, len(ids) - existing, existing, before + len(ids) - existing)
    if ds.in_table(store):
        return _import_into_table(source, path, store, options, replace=replace, provenance=provenance)
    batch = _dt.datetime.now(_dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
    writer = ds.DatasetWriter(ds.store_file(store), KIND, batch)
    removed: list[str] = []
    try:
        with store.transaction() as tx:
            ds.remove_unregistered(store, KIND)
            tally = stream(source, path, store, options, write=writer.write)
            if tally.bad and not options.drop_invalid:
                raise refusal(tally, path)
            if tally.accepted == 0:
                raise SchemaError(
                    KIND.value, [f"no record of {str(path)!r} is left to import ({_summary(tally)})"]
                )
            ids = tally.all_ids()
            existing = store.dataset_files(KIND)
            updated = 0
            if replace:
                removed = [str(p) for p in existing["path"]]
            else:
                for old, hits in ds.existing_ids_in(store, KIND, ids):
                    ds.rewrite_without(old, ids, KIND, writer)
                    removed.append(old)
                    updated += hits
            kept = int(existing.loc[~existing["path"].isin(removed), "rows"].astype(int).sum())
            files = writer.publish()
            tx.register_dataset_files(KIND, files, removed=removed)
            result = WriteResult(KIND, len(ids) - updated, updated, kept + writer.rows)
            tx.record(
                KIND, provenance(_note(tally, len(files)), tally.absent + sum(tally.bad.values())), result
            )
    except BaseException:
        writer.discard()
        raise
    ds.remove_files(removed, writer.folder)
    return _result(tally, result.added, result.updated, result.total)


def _existing(store: Store, ids: pa.Array) -> int:
    """How many of ``ids`` the store's occurrences hold already."""
    if ds.in_table(store):
        from deerhabitat.io import postgis_occurrences

        with store._connect() as con:  # type: ignore[attr-defined]
            return postgis_occurrences.count_existing(con, ids.to_pylist())
    return sum(h for _, h in ds.existing_ids_in(store, KIND, ids))


def _import_into_table(
    source: str,
    path: str | os.PathLike,
    store: Store,
    options: ImportOptions,
    *,
    replace: bool,
    provenance: Callable[[str, int], Provenance],
) -> OccurrenceImport:
    """Stream ``path`` into a database store's occurrences table, chunk by chunk, in one transaction."""
    with store.transaction() as tx:
        updated = 0
        first = True

        def write(frame: gpd.GeoDataFrame) -> None:
            nonlocal updated, first
            # Ids repeated in the file refuse the import at the end (_check_duplicates); one row each here.
            frame = frame.drop_duplicates("occurrence_id", keep="last")
            updated += tx.write_occurrences(frame, clear=replace and first)  # type: ignore[attr-defined]
            first = False

        tally = stream(source, path, store, options, write=write)
        if tally.bad and not options.drop_invalid:
            raise refusal(tally, path)
        if tally.accepted == 0:
            raise SchemaError(
                KIND.value, [f"no record of {str(path)!r} is left to import ({_summary(tally)})"]
            )
        ids = tally.all_ids()
        result = WriteResult(KIND, len(ids) - updated, updated, tx.occurrence_count())  # type: ignore[attr-defined]
        tx.record(
            KIND, provenance(_note(tally, 0, table=True), tally.absent + sum(tally.bad.values())), result
        )
    return _result(tally, result.added, result.updated, result.total)


def _result(tally: Tally, added: int, updated: int, total: int) -> OccurrenceImport:
    notes = []
    if tally.absent:
        notes.append(f"{tally.absent} absence record(s) (occurrenceStatus ABSENT) left out: not occurrences")
    if tally.region is None:
        notes.append("positions not checked against the range states: the store has none")
    return OccurrenceImport(
        tally.file_format,
        tally.read,
        added,
        updated,
        tally.absent + sum(tally.bad.values()),
        total,
        tally.dropped(),
        notes,
    )


def _summary(tally: Tally) -> str:
    parts = [f"{n} {code}" for code, n in tally.dropped().items()]
    if tally.absent:
        parts.append(f"{tally.absent} absence(s)")
    return ", ".join(parts) or "no records"


def _note(tally: Tally, files: int, *, table: bool = False) -> str:
    where = "the occurrences table" if table else f"{files} GeoParquet file(s)"
    parts = [f"{tally.file_format}; {tally.accepted} record(s) in {where}"]
    if tally.bad:
        parts.append("dropped (--drop-invalid): " + _summary(tally))
    elif tally.absent:
        parts.append(f"{tally.absent} absence(s) left out")
    if tally.region is None:
        parts.append("range states not checked (none in the store)")
    return "; ".join(parts)


def validate_occurrences(
    source: str, path: str | os.PathLike, store: Store, options: ImportOptions
) -> ValidationReport:
    """Check ``path`` as the import would and write nothing; bad records are errors (or warnings)."""
    report = ValidationReport(kind=KIND.value, path=str(path), source=source)
    tally = stream(source, path, store, options)
    drop = bool(options.drop_invalid)
    make = warning if drop else error
    report.extend(
        make("file", text + (" (left out: --drop-invalid)" if drop else "")) for text in tally.reason_texts()
    )
    report.file_format, report.features = tally.file_format, tally.read
    report.accepted = tally.accepted if (drop or not tally.bad) else 0
    report.rejected = tally.absent + (sum(tally.bad.values()) if drop else 0)
    if tally.absent:
        report.extend(
            [warning("file", f"{tally.absent} absence record(s) (occurrenceStatus ABSENT) left out")]
        )
    return report
