"""``deerhabitat report``: the Overview Report of a store, into ``maps/``.

Orchestration only: take one snapshot of the store, analyse it once and prepare the publication data
once (:func:`deerhabitat.workflows.maps.prepare_publication`, where the profile is applied), build
the maps and the document from that data (:func:`deerhabitat.publish.document.build_document`), then
write ``index.html``, each map's page, static images and embed snippet, each table as
``tables/<name>.csv`` and each chart as ``charts/<name>.svg``. The store is only read.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

from deerhabitat.errors import ConfigError, InputFileError, PublishError
from deerhabitat.i18n import LANGUAGES, language, localised, message
from deerhabitat.io.csv_safe import csv_text
from deerhabitat.io.store import REPORT_TEXT_NAMES
from deerhabitat.progress import task, track
from deerhabitat.publish import Basemap, Profile, build_maps, render_report
from deerhabitat.publish.document import DocumentText, build_document
from deerhabitat.publish.report_page import Report
from deerhabitat.workflows.maps import (
    DEFAULT_DPI,
    DEFAULT_OUT,
    Publication,
    PublishResult,
    check_dpi,
    output_folder,
    prepare_publication,
    resolve_basemap,
    write_file,
    write_map,
)
from deerhabitat.workflows.store import StoreLike, open_store

PUBLISHED_TOTALS = "published_totals.csv"
"""Package data: published range-wide estimates by species (scientific name), each with its source (and the
source in Russian, ``source_ru``, where it has words besides the citation)."""


def published_totals(scientific_name: str) -> pd.DataFrame:
    """The published range-wide estimates of a species (``year, low, high, label, source, source_ru``).

    ``label`` is in the current language; ``source`` as cited, ``source_ru`` its Russian where it has one
    (the report shows :func:`deerhabitat.i18n.localised`). Empty if the species has none.
    """
    with resources.files("deerhabitat").joinpath("data", PUBLISHED_TOTALS).open("rb") as fh:
        frame = pd.read_csv(fh, encoding="utf-8", dtype={"source_ru": "string"})
    mine = frame[frame["scientific_name"] == scientific_name].reset_index(drop=True)
    mine["label"] = [localised(r, "label") for r in mine.to_dict(orient="records")]
    return mine[["year", "low", "high", "label", "source", "source_ru"]]


BACKGROUND = "background.csv"
"""Package data: background paragraphs on each species and its MOU (``text, source``), by scientific name."""


def background_text(scientific_name: str) -> pd.DataFrame:
    """The background paragraphs of a species, each with its source (``text, source``); empty if none."""
    with resources.files("deerhabitat").joinpath("data", BACKGROUND).open("rb") as fh:
        frame = pd.read_csv(fh, encoding="utf-8")
    mine = frame[frame["scientific_name"] == scientific_name].reset_index(drop=True)
    mine["text"] = [localised(r, "text") for r in mine.to_dict(orient="records")]
    return mine[["text", "source"]]


def _make_folder(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(
            message("error.out.report_folder", path=str(path), reason=exc.strerror or exc)
        ) from exc


def report(
    *,
    store: StoreLike = None,
    out: str | os.PathLike = DEFAULT_OUT,
    profile: Profile | str = Profile.PUBLIC,
    dpi: int = DEFAULT_DPI,
    basemap: Basemap | str = Basemap.NONE,
    lang: str = "en",
) -> PublishResult:
    """Write the Overview Report of a store (``deerhabitat report``).

    Parameters
    ----------
    store : path-like or StoreSnapshot, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled Bukhara deer store. Only read,
        once (a snapshot is used as it is).
    out : path-like, default "maps"
        Output folder (``index.html``, the maps, ``static/``, ``embed/``, ``tables/``, ``charts/``).
    profile : {"public", "internal"}, default "public"
        ``public`` generalises the positions of wild populations before anything is written.
    dpi : int, default 150
        Resolution of the PNGs (300 for print).
    basemap : str, default "none"
        Optional tiles for every map; ``none`` keeps everything offline.
    lang : str, default "en"
        Language of the report's text (a catalogue of :mod:`deerhabitat.publish.text`); the maps'
        own labels stay in English.

    Returns
    -------
    PublishResult
        ``styles_written`` is always None: the report never writes the store.

    Raises
    ------
    PublishError
        If the profile, dpi, basemap or language is not valid, or the output cannot be written.
    StoreError
        If the store cannot be opened.
    """
    basemap, dpi, lang = resolve_basemap(basemap), check_dpi(dpi), check_language(lang)
    with language(lang):  # the progress labels and the errors of the output too
        with task(message("progress.report.prepare"), 4) as advance:
            publication = prepare_publication(store, profile)
            advance(1)
            maps = build_maps(publication.data)
            advance(1)
            document = build_document(publication.data, maps, _document_text(publication))
            advance(1)
            page = render_report(document, basemap=basemap, cell_km=publication.data.cell_km)
            advance(1)
        folder = output_folder(out)
        files = [
            path
            for web_map in track(maps, message("progress.report.maps"))
            for path in write_map(web_map, folder, dpi=dpi, basemap=basemap)
        ]
        files += _write_document(document, page, folder)
    return PublishResult(folder, [m.name for m in maps], files, None, list(publication.notes))


REPORT_TEXT_MAX_BYTES = 200_000
"""Largest report text kept in a store (a few pages of Markdown)."""


def report_text_set(name: str, path: str | os.PathLike, *, store: str | os.PathLike | None = None) -> int:
    """Keep the text of ``path`` (UTF-8 plain text or Markdown) as the report text ``name`` in the store.

    ``deerhabitat report-text set conclusions FILE.md --store S``; the report shows it, placeholders
    filled (:mod:`deerhabitat.publish.conclusions`).

    Returns
    -------
    int
        The number of characters kept.

    Raises
    ------
    ConfigError
        If ``name`` is not a report text.
    InputFileError
        If the file cannot be read, is larger than :data:`REPORT_TEXT_MAX_BYTES` or is not UTF-8 text.
    StoreError
        If the store is read-only or cannot be written.
    """
    if name not in REPORT_TEXT_NAMES:
        raise ConfigError(
            f"no report text named {name!r}; the report has: {', '.join(REPORT_TEXT_NAMES)} "
            f"(deerhabitat report-text set conclusions FILE.md)"
        )
    source = Path(path)
    try:
        size = source.stat().st_size
        if size > REPORT_TEXT_MAX_BYTES:
            raise InputFileError(
                f"the text file {str(source)!r} is {size:,} bytes; a report text is at most "
                f"{REPORT_TEXT_MAX_BYTES:,} bytes: shorten it"
            )
        content = source.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise InputFileError(
            f"the text file {str(source)!r} is not UTF-8 text; save it as UTF-8 plain text or Markdown"
        ) from None
    except OSError as exc:
        raise InputFileError(
            f"cannot read the text file {str(source)!r} ({exc.strerror or exc}); give a readable file"
        ) from None
    target = open_store(store, write=True)
    with target.transaction() as tx:
        tx.set_report_text(name, content)
    return len(content)


def check_language(lang: str) -> str:
    """``lang`` if the report has a catalogue for it, else a :class:`PublishError` listing the languages."""
    if lang in LANGUAGES:
        return lang
    raise PublishError(
        f"no report text in the language {lang!r}; the report is available in: {', '.join(LANGUAGES)}; "
        f"pass one of them with --lang (a translation is a set of .po files in deerhabitat/locale)"
    )


def _document_text(publication: Publication) -> DocumentText:
    config = publication.data.config
    return DocumentText(
        store_name=publication.snapshot.name,
        totals_rule=message("methods.totals", years=config.stale_after_years),
        reference=published_totals(config.scientific_name),
        background=background_text(config.scientific_name),
        conclusions=publication.snapshot.texts.get("conclusions"),
        notes=(*publication.notes, *publication.analysis_notes),
    )


def _write_document(document: Report, page: str, folder: Path) -> list[Path]:
    files = [write_file(folder / "tables" / f"{t.name}.csv", csv_text(t.data)) for t in document.tables]
    if document.charts:
        _make_folder(folder / "charts")
    files += [write_file(folder / "charts" / f"{c.name}.svg", c.svg) for c in document.charts]
    return [*files, write_file(folder / "index.html", page)]
