"""``deerhabitat map``: the published maps of a store, and the publication steps ``report`` shares.

:func:`map_` is named with a trailing underscore so that it does not shadow Python's builtin ``map``.

Steps: take one snapshot of the store (:func:`deerhabitat.workflows.store.take_snapshot`: every
layer read once and projected once); run every analysis once on the exact data
(:func:`deerhabitat.workflows.analyze.analyze`), which publish figures, never positions; apply the
profile once (:func:`deerhabitat.publish.prepare_data` generalises every wild-population position
and withholds positions written in text before anything is drawn); build the maps; write each as
``<name>.html``, ``static/<name>.png|svg`` and ``embed/<name>.txt``. ``map`` also stores the maps'
styles as QGIS layer styles in the store when the store is writable (never the bundled store).
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

import geopandas as gpd
import pandas as pd

from deerhabitat.analysis.reporting import reporting_status
from deerhabitat.analysis.work_programme import work_programme_matrix, work_programme_status
from deerhabitat.errors import DeerHabitatError, PublishError
from deerhabitat.i18n import LANGUAGES, language, localised
from deerhabitat.io import Store
from deerhabitat.io.cache import cache_key, read_entry, write_entry
from deerhabitat.io.datasets import iter_occurrences
from deerhabitat.io.raster import read_display_image
from deerhabitat.io.snapshot import StoreSnapshot
from deerhabitat.io.store import StyleRow
from deerhabitat.io.vector import read_vector
from deerhabitat.publish import (
    Basemap,
    Corridors,
    ExactResults,
    Profile,
    PublishData,
    RasterLayer,
    WebMap,
    build_maps,
    build_raster_layer,
    build_store_styles,
    embed_snippet,
    prepare_data,
    render_map_html,
    render_static_maps,
)
from deerhabitat.publish.map_text import text
from deerhabitat.publish.static import static_fingerprint
from deerhabitat.publish.text import message
from deerhabitat.schema import LayerKind
from deerhabitat.workflows.analyze import AnalysisResult, analyze
from deerhabitat.workflows.store import StoreLike, take_snapshot

log = logging.getLogger(__name__)

DEFAULT_OUT = "maps"
DEFAULT_DPI = 150


@dataclass(frozen=True)
class Publication:
    """A store read once, analysed once and prepared for publishing.

    Attributes
    ----------
    snapshot : StoreSnapshot
        The store as read (layers, settings, provenance, national reports, rasters).
    data : PublishData
        Everything published, prepared for the profile (the only source of maps, tables and charts).
    notes : list of str
        What the maps leave out and why.
    analysis_notes : list of str
        What the analyses could not compute and why.
    """

    snapshot: StoreSnapshot
    data: PublishData
    notes: list[str] = field(default_factory=list)
    analysis_notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PublishResult:
    """What ``deerhabitat map`` or ``deerhabitat report`` wrote.

    Attributes
    ----------
    out : pathlib.Path
        The output folder.
    maps : list of str
        Names of the maps written.
    files : list of pathlib.Path
        Every file written.
    styles_written : int or None
        QGIS styles stored or updated in the store (None: the store was not written).
    notes : list of str
        What was left out and why.
    """

    out: Path
    maps: list[str]
    files: list[Path]
    styles_written: int | None = None
    notes: list[str] = field(default_factory=list)


# -- reading and preparing ------------------------------------------------------------------------------


def prepare_publication(store: StoreLike, profile: Profile | str) -> Publication:
    """Read a store once, analyse it once and prepare everything a publication draws from.

    For the bundled store, the habitat layers are computed from the bundled sample rasters; for any
    other store they are the latest AOH and suitability rasters registered in it. Analyses that fail
    on the data become notes instead of stopping the publication.

    Parameters
    ----------
    store : path-like or StoreSnapshot, optional
        The store (None: ``$DEERHABITAT_STORE``, else the bundled store), or a snapshot of it.
    profile : Profile or str
        ``public`` or ``internal``; applied once, by :func:`deerhabitat.publish.prepare_data`.

    Raises
    ------
    StoreError
        If the store cannot be opened.
    PublishError
        If ``profile`` is not public or internal.
    """
    profile = _profile(profile)
    snapshot = take_snapshot(store)
    notes: list[str] = _missing_notes(snapshot)
    analysis, analysis_notes = _analysis(snapshot)
    if snapshot.bundled:
        habitat, candidates, corridors = _bundled_habitat(snapshot, profile, notes)
    else:
        habitat, candidates = _habitat(snapshot.rasters, notes), None
        corridors = _store_corridors(snapshot, profile, notes)
    results = ExactResults(
        tables={**(analysis.tables if analysis is not None else {}), **reporting_tables(snapshot)},
        reference_year=analysis.reference_year if analysis is not None else None,
        site_years=analysis.site_years if analysis is not None else None,
        habitat=tuple(habitat),
        candidates=candidates,
        reports=snapshot.reports,
        provenance=snapshot.provenance,
        corridors=corridors,
        occurrences=_occurrence_source(snapshot),
    )
    data = prepare_data(snapshot.layers, snapshot.config, profile=profile, results=results)
    return Publication(snapshot, data, notes, analysis_notes)


def _occurrence_source(snapshot: StoreSnapshot) -> Callable[[], Iterator[gpd.GeoDataFrame]] | None:
    """The store's occurrences as a callable giving their batches afresh (None when it has none)."""
    if not snapshot.has(LayerKind.OCCURRENCES):
        return None
    return partial(iter_occurrences, snapshot.path)


def reporting_tables(snapshot: StoreSnapshot) -> dict[str, pd.DataFrame]:
    """The reporting tables of a snapshot: ``reporting_status``, ``work_programme_status`` and ``_matrix``.

    ``reporting_status`` (:func:`deerhabitat.analysis.reporting.reporting_status`) is each range
    state's national report status per period, judged against the store's reporting cycles;
    ``work_programme_status`` (:func:`deerhabitat.analysis.work_programme.work_programme_status`)
    each state's status per Work Programme action per period, from the snapshot's catalogue;
    ``work_programme_matrix`` its cells of the latest period with the progress since the previous one
    (:func:`deerhabitat.analysis.work_programme.work_programme_matrix`).
    """
    states = list(snapshot.config.range_states)
    cycles = snapshot.cycles
    if cycles.empty:
        cycles = pd.DataFrame(columns=["period_start", "period_end", "deadline"])
    periods = [(int(s), int(e)) for s, e in zip(cycles["period_start"], cycles["period_end"], strict=True)]
    tables = {"reporting_status": reporting_status(snapshot.reports, cycles, states=states)}
    if not snapshot.catalogue.empty:
        catalogue = _localised_catalogue(snapshot.catalogue)
        status = work_programme_status(catalogue, snapshot.reports, states=states, periods=periods)
        tables["work_programme_status"] = status
        if not status.empty:
            latest = max(
                zip(status["period_start"].astype(int), status["period_end"].astype(int), strict=True),
                key=lambda p: (p[1], p[0]),
            )
            tables["work_programme_matrix"] = work_programme_matrix(status, latest)
    return tables


def _profile(profile: Profile | str) -> Profile:
    try:
        return Profile(profile)
    except ValueError:
        raise PublishError(
            f"profile {profile!r} is not a publishing profile; use 'public' (generalises the "
            f"positions of wild populations) or 'internal' (keeps them)"
        ) from None


def _missing_notes(snapshot: StoreSnapshot) -> list[str]:
    notes = []
    if not len(snapshot.layer(LayerKind.POPULATION_COUNTS)) or not snapshot.has(LayerKind.SITES):
        notes.append("No population counts (or no sites) in the store: no totals and no population map.")
    if not len(snapshot.layer(LayerKind.RANGES)) or not len(snapshot.layer(LayerKind.PROTECTED_AREAS)):
        notes.append("No ranges or no protected areas in the store: no protected-area coverage map or table.")
    return notes


def _analysis(snapshot: StoreSnapshot) -> tuple[AnalysisResult | None, list[str]]:
    """Every analysis of the snapshot, once; a failure on the data becomes a note."""
    try:
        result = analyze(store=snapshot)
    except DeerHabitatError as exc:
        return None, [message("methods.failed", error=exc)]
    return result, list(result.notes)


_HABITAT_ROLES = {"aoh": ("aoh", "Area of Habitat"), "suitability": ("suitability", "Habitat suitability")}


def _raster_kind(role: str, path: str) -> str | None:
    return role if role in _HABITAT_ROLES else None


def _habitat(registry: pd.DataFrame, notes: list[str]) -> list[RasterLayer]:
    """Display layers of the latest AOH and suitability rasters registered in the store whose files exist."""
    chosen: dict[str, str] = {}
    for row in registry.sort_values("time_utc", kind="stable").itertuples():
        kind = _raster_kind(str(row.role), str(row.path))
        if kind is not None and Path(row.path).is_file():
            chosen[kind] = str(row.path)
    layers = [
        layer
        for layer in (_display_layer(Path(chosen[kind]), kind, notes) for kind in sorted(chosen))
        if layer is not None
    ]
    if not layers:
        notes.append(
            "No Area of Habitat or suitability raster is registered in the store (see `deerhabitat "
            "habitat aoh|suitability`): no habitat map."
        )
    return layers


def _display_layer(path: Path, kind: str, notes: list[str]) -> RasterLayer | None:
    layer_id, title = _HABITAT_ROLES[kind]
    try:
        values, bounds = read_display_image(path)
    except DeerHabitatError as exc:
        notes.append(f"The {title} raster could not be shown: {exc}")
        return None
    return build_raster_layer(
        values,
        bounds,
        layer_id=layer_id,
        title=title,
        kind=kind,
        note=text("map.note.raster", file=path.name),
    )


_BUNDLED = "the bundled illustrative sample suitability (see data/README.md)"


def _bundled_habitat(
    snapshot: StoreSnapshot, profile: Profile, notes: list[str]
) -> tuple[list[RasterLayer], gpd.GeoDataFrame | None, Corridors | None]:
    """AOH, suitability, candidate sites and corridors of the bundled sample rasters (in a tmp dir).

    The habitat step takes the snapshot's layers (the store is not read again); the rasters and the
    candidate sites come from the user's cache when their inputs have not changed
    (:func:`deerhabitat.workflows.habitat.bundled_habitat`).
    """
    from deerhabitat.workflows.habitat import bundled_candidates, bundled_habitat

    try:
        with tempfile.TemporaryDirectory(prefix="deerhabitat-habitat-") as tmp:
            reports = bundled_habitat(tmp, store=snapshot)
            layers = [
                _display_layer(Path(reports[kind].outputs["raster"]), kind, notes)
                for kind in ("aoh", "suitability")
            ]
            suitability = Path(reports["suitability"].outputs["raster"])
            candidates = bundled_candidates(tmp, store=snapshot, suitability=suitability).table
            corridors = _computed_corridors(snapshot, suitability, profile, notes)
            if corridors is not None:
                corridors = replace(
                    corridors, summary={**corridors.summary, "illustrative": True, "raster_source": _BUNDLED}
                )
    except DeerHabitatError as exc:
        notes.append(f"The habitat of the bundled sample rasters could not be computed: {exc}")
        return [], None, None
    notes.append(message("note.sample_rasters"))
    return [layer for layer in layers if layer is not None], candidates, corridors


def _localised_catalogue(catalogue: pd.DataFrame) -> pd.DataFrame:
    """The catalogue with its action texts and themes in the current language where it has them."""
    records = catalogue.to_dict(orient="records")
    return catalogue.assign(
        text=[localised(r, "text") for r in records], theme=[localised(r, "theme") for r in records]
    )


# -- corridors -------------------------------------------------------------------------------------------

CORRIDOR_CACHE_AREA = "corridors"
"""Cache area of the corridors a publication computes, keyed by :func:`_corridor_key`."""

_CORRIDOR_FILES = ("corridors.json", "corridors.gpkg")


def _store_corridors(snapshot: StoreSnapshot, profile: Profile, notes: list[str]) -> Corridors | None:
    """The store's corridors in ``profile``.

    The latest registered outputs of ``deerhabitat habitat corridors`` computed in ``profile``, else corridors
    computed from the latest registered suitability raster (the store is only read), else None with a note.
    """
    rows = snapshot.rasters
    if rows is None or rows.empty:
        rows = pd.DataFrame(columns=["role", "path", "time_utc"])
    rows = rows.sort_values("time_utc", kind="stable")
    for path in reversed([Path(p) for p in rows.loc[rows["role"] == "corridors", "path"]]):
        folder = path.parent
        if all((folder / name).is_file() for name in _CORRIDOR_FILES):
            try:
                found = _read_corridors(folder)
            except (OSError, ValueError, DeerHabitatError):
                continue
            if found.summary.get("profile") == profile.value:
                return found
    present = [Path(p) for p in rows.loc[rows["role"] == "suitability", "path"] if Path(p).is_file()]
    if not present:
        notes.append(message("connectivity.no_corridors"))
        return None
    return _computed_corridors(snapshot, present[-1], profile, notes)


def _corridor_key(store_key: str, suitability: Path, profile: Profile) -> str:
    from importlib import resources

    from deerhabitat._version import __version__
    from deerhabitat.io import file_sha256
    from deerhabitat.workflows import corridors as workflow

    code = resources.files("deerhabitat.analysis.habitat")
    sources = sorted(
        (p.name, file_sha256(Path(str(p)))) for p in code.iterdir() if p.name.startswith("corridors")
    )
    return cache_key(
        {
            "store": store_key,
            "suitability": file_sha256(suitability),
            "profile": profile.value,
            "analysis_code": sources,
            "workflow_code": file_sha256(Path(workflow.__file__)),
            "tool_version": __version__,
        }
    )


def _computed_corridors(
    snapshot: StoreSnapshot, suitability: Path, profile: Profile, notes: list[str]
) -> Corridors | None:
    """Corridors of the populations over ``suitability`` in ``profile`` (None and a note on failure).

    Computed from the snapshot's layers (the store is not read again) once per content of the inputs
    and kept in the user's cache (:mod:`deerhabitat.io.cache`); the store is never written.
    """
    from deerhabitat.workflows.corridors import habitat_corridors

    key = _corridor_key(snapshot.content_key, suitability, profile)
    entry = read_entry(CORRIDOR_CACHE_AREA, key)
    if entry is not None and set(entry.files) == set(_CORRIDOR_FILES):
        return _read_corridors(entry.folder)
    try:
        with tempfile.TemporaryDirectory(prefix="deerhabitat-corridors-") as tmp:
            habitat_corridors(
                out=tmp, store=snapshot, suitability=suitability, profile=profile.value, register=False
            )
            corridors = _read_corridors(Path(tmp))
            write_entry(
                CORRIDOR_CACHE_AREA,
                key,
                {n: Path(tmp) / n for n in _CORRIDOR_FILES},
                {"profile": profile.value},
            )
    except DeerHabitatError as exc:
        notes.append(message("connectivity.failed", error=exc))
        return None
    return corridors


def _read_corridors(folder: Path) -> Corridors:
    """The corridors written by ``deerhabitat habitat corridors`` into ``folder``."""
    summary = json.loads((folder / "corridors.json").read_text(encoding="utf-8"))
    path = folder / "corridors.gpkg"
    paths, zones, populations = (
        read_vector(path, layer=name).frame
        for name in ("corridor_paths", "corridor_zones", "corridor_populations")
    )
    return Corridors(summary, paths, zones, populations)


# -- writing ------------------------------------------------------------------------------------------


def output_folder(out: str | os.PathLike) -> Path:
    """Create ``out`` (and ``static/``, ``embed/``, ``tables/``) if needed.

    Raises
    ------
    PublishError
        If the folder cannot be created (a file of that name, no permission).
    """
    path = Path(out)
    try:
        for sub in ("", "static", "embed", "tables"):
            (path / sub).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PublishError(message("error.out.folder", path=str(path), reason=exc.strerror or exc)) from exc
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_file(path: Path, content: str | bytes) -> Path:
    """Write a file atomically (a temporary file beside it, then a rename).

    Raises
    ------
    PublishError
        If the file cannot be written.
    """
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as exc:
        raise PublishError(message("error.out.file", path=str(path), reason=exc.strerror or exc)) from exc
    return path


STATIC_CACHE_AREA = "static-maps"
"""Cache area of the static images, keyed by :func:`deerhabitat.publish.static.static_fingerprint` and dpi."""


def write_map(web_map: WebMap, out: Path, *, dpi: int, basemap: Basemap) -> list[Path]:
    """Write one map: its page, PNG and SVG, and its embed snippet.

    The PNG and SVG are drawn once per content: they are kept in the user's cache
    (:mod:`deerhabitat.io.cache`) under the map's fingerprint and the dpi, and copied from there when
    the same map is written again.
    """
    html = render_map_html(web_map, basemap=basemap)
    page = write_file(out / f"{web_map.name}.html", html)
    static = _write_static(web_map, out / "static", dpi=dpi, page=html)
    return [page, *static, write_file(out / "embed" / f"{web_map.name}.txt", embed_snippet(web_map))]


def _write_static(web_map: WebMap, folder: Path, *, dpi: int, page: str) -> list[Path]:
    names = {fmt: f"{web_map.name}.{fmt}" for fmt in ("png", "svg")}
    key = cache_key({"map": static_fingerprint(web_map, encoded=page), "dpi": dpi})
    entry = read_entry(STATIC_CACHE_AREA, key)
    if entry is not None and set(entry.files) == set(names.values()):
        return [write_file(folder / name, entry.files[name].read_bytes()) for name in names.values()]
    images = render_static_maps(web_map, dpi=dpi)
    paths = [write_file(folder / names[fmt], images[fmt]) for fmt in ("png", "svg")]
    write_entry(STATIC_CACHE_AREA, key, {p.name: p for p in paths}, {"map": web_map.name, "dpi": dpi})
    return paths


def map_language(lang: str) -> str:
    """``lang`` if the maps speak it, else a :class:`PublishError` listing the languages."""
    if lang not in LANGUAGES:
        raise PublishError(
            f"language {lang!r} is not available for the maps; use one of: {', '.join(LANGUAGES)} "
            f"(pass it with --lang)"
        )
    return lang


def resolve_basemap(basemap: Basemap | str) -> Basemap:
    """The :class:`Basemap` named ``basemap``, or a :class:`PublishError` listing the choices."""
    try:
        return Basemap(basemap)
    except ValueError:
        raise PublishError(
            f"basemap {basemap!r} is not offered; use one of: "
            f"{', '.join(b.value for b in Basemap)} (none keeps the maps offline)"
        ) from None


def check_dpi(dpi: int) -> int:
    """``dpi`` as an int, or a :class:`PublishError` if it is outside 50–1200."""
    if not 50 <= int(dpi) <= 1200:
        raise PublishError(f"dpi {dpi} is out of range; use 50 to 1200 (150 for screen, 300 for print)")
    return int(dpi)


def _select(maps: Sequence[WebMap], name: str | None) -> list[WebMap]:
    if name is None:
        return list(maps)
    chosen = [m for m in maps if m.name == str(name).strip().lower()]
    if not chosen:
        raise PublishError(message("error.map.unknown", name=name, maps=", ".join(m.name for m in maps)))
    return chosen


def write_store_styles(publication: Publication) -> int | None:
    """Store the maps' styles as the QGIS default styles of the store's layers, when the store is writable.

    Returns
    -------
    int or None
        How many styles were stored or updated; None when the store is the bundled one or not writable.
    """
    store = Store(publication.snapshot.path, readonly=publication.snapshot.bundled)
    if not store.writable:
        return None
    styles = build_store_styles(dict(publication.snapshot.layers))
    rows = [StyleRow(s.table, s.name, s.qml, s.sld, s.description) for s in styles]
    current = store.styles()
    if all(
        current.get(r.table, {}).get("qml") == r.qml and current[r.table].get("sld") == r.sld for r in rows
    ):
        return 0
    with store.transaction() as tx:
        return tx.write_styles(rows)


def map_(
    name: str | None = None,
    *,
    store: StoreLike = None,
    out: str | os.PathLike = DEFAULT_OUT,
    profile: Profile | str = Profile.PUBLIC,
    dpi: int = DEFAULT_DPI,
    basemap: Basemap | str = Basemap.NONE,
    lang: str = "en",
) -> PublishResult:
    """Write the published maps of a store (``deerhabitat map``).

    Parameters
    ----------
    name : str, optional
        One map (``overview``, ``state-uzb``, ``population``, ``reintroductions``, ``protected-coverage``,
        ``habitat``); all maps the data allows when omitted.
    store : path-like or StoreSnapshot, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled store.
    out : path-like, default "maps"
        Output folder: ``<name>.html``, ``static/<name>.png|svg``, ``embed/<name>.txt``.
    profile : {"public", "internal"}, default "public"
        ``public`` generalises the positions of wild populations before anything is written.
    dpi : int, default 150
        Resolution of the PNGs (300 for print).
    basemap : str, default "none"
        Optional tiles (``openstreetmap``, ``carto-light``, ``esri-imagery``); ``none`` keeps maps offline.
    lang : str, default "en"
        Language of the maps' texts and controls (:data:`deerhabitat.i18n.LANGUAGES`); names in Russian
        where the data has them (``name_ru``).

    Returns
    -------
    PublishResult

    Raises
    ------
    PublishError
        If the map name, profile, dpi, basemap or language is not valid, or the output cannot be written.
    StoreError
        If the store cannot be opened.
    """
    basemap, dpi, lang = resolve_basemap(basemap), check_dpi(dpi), map_language(lang)
    with language(lang):
        publication = prepare_publication(store, profile)
        chosen = _select(build_maps(publication.data), name)
        folder = output_folder(out)
        files = [path for web_map in chosen for path in write_map(web_map, folder, dpi=dpi, basemap=basemap)]
    styles = write_store_styles(publication)  # the store's QGIS styles stay in English
    return PublishResult(folder, [m.name for m in chosen], files, styles, list(publication.notes))
