"""``deerhabitat report``: the Overview Report of a store, into ``maps/``.

Writes ``index.html`` (the overview map drawn in the page, the tables, every other map embedded, methods
and notes), each map's own page, static images and embed snippet (as ``deerhabitat map``), and each
table as ``tables/<name>.csv``. The store is only read. The first version carries the wild totals by
country and year and the protected share of the range; national reports and charts come later.
"""

from __future__ import annotations

import os

from deerhabitat import analysis as an
from deerhabitat.publish import Basemap, Profile, build_maps, build_report, render_csv, render_report
from deerhabitat.publish.data import country_names
from deerhabitat.publish.generalise import generalisation_method
from deerhabitat.publish.report import coverage_table, totals_table
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


def _method_notes(publication: Publication) -> list[str]:
    config = publication.data.config
    notes = []
    if publication.data.profile is Profile.PUBLIC:
        notes.append("Generalised positions (public edition): " + generalisation_method(config.generalise_m))
    notes.append(an.totals_rule(config.stale_after_years))
    notes.append(f"Areas are computed in the store's equal-area analysis CRS ({config.crs.name or config.analysis_crs}); "
                 f"protected areas are dissolved first, so overlapping areas count once.")
    notes.append("Maps use Web Mercator for display only; every page opens from disk with no network (Leaflet and its "
                 "plugins are inlined from pinned npm packages). Attribute text is always shown as text.")
    return notes + publication.notes


def report(*, store: str | os.PathLike | None = None, out: str | os.PathLike = DEFAULT_OUT,
           profile: Profile | str = Profile.PUBLIC, dpi: int = DEFAULT_DPI,
           basemap: Basemap | str = Basemap.NONE) -> PublishResult:
    """Write the Overview Report of a store (``deerhabitat report``).

    Parameters
    ----------
    store : path-like, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled Bukhara deer store. Only read.
    out : path-like, default "maps"
        Output folder (``index.html``, the maps, ``static/``, ``embed/``, ``tables/``).
    profile : {"public", "internal"}, default "public"
        ``public`` generalises the positions of wild populations before anything is written.
    dpi : int, default 150
        Resolution of the PNGs (300 for print).
    basemap : str, default "none"
        Optional tiles for every map; ``none`` keeps everything offline.

    Returns
    -------
    PublishResult
        ``styles_written`` is always None: the report never writes the store.

    Raises
    ------
    PublishError
        If the profile, dpi or basemap is not valid, or the output cannot be written.
    StoreError
        If the store cannot be opened.
    """
    basemap, dpi = resolve_basemap(basemap), check_dpi(dpi)
    publication = prepare_publication(store, profile)
    maps = build_maps(publication.data)
    folder = output_folder(out)
    files = [path for web_map in maps for path in write_map(web_map, folder, dpi=dpi, basemap=basemap)]
    names = country_names(publication.data)
    totals = publication.totals
    tables = [totals_table(totals.by_country_year, names, rule="") if totals is not None else None,
              coverage_table(publication.data.coverage, names)]
    config = publication.data.config
    document = build_report(
        f"{config.species} ({config.scientific_name}): Overview Report",
        f"Range, protected areas, populations and reintroductions of the {config.species} from the store "
        f"{publication.choice.path.name}.", maps, tables=tables, notes=_method_notes(publication),
        profile=publication.data.profile)
    for table in document.tables:
        files.append(write_file(folder / "tables" / f"{table.name}.csv", render_csv(table)))
    files.append(write_file(folder / "index.html",
                            render_report(document, basemap=basemap, cell_km=publication.data.cell_km)))
    return PublishResult(folder, [m.name for m in maps], files, None, list(publication.notes))
