"""folium maps of a store for notebooks, and saving any folium map so that it opens offline.

:func:`folium_map` prepares a store for publishing exactly as ``deerhabitat map`` does (the same profile,
so the public profile generalises wild-population positions before anything is drawn) and returns one map
as a ``folium.Map`` (:func:`deerhabitat.publish.to_folium`). :func:`save_offline` writes a folium map with
Leaflet and its plugins inlined from deerhabitat's pinned copies instead of folium's CDN links.
"""

from __future__ import annotations

import os
from pathlib import Path

import folium

from deerhabitat.errors import PublishError
from deerhabitat.publish import Basemap, Profile, build_maps
from deerhabitat.publish.folium import FoliumMap, offline_html, to_folium
from deerhabitat.workflows.maps import _select, prepare_publication, resolve_basemap, write_file


def folium_map(
    name: str = "overview",
    *,
    store: str | os.PathLike | None = None,
    profile: Profile | str = Profile.PUBLIC,
    basemap: Basemap | str = Basemap.NONE,
) -> FoliumMap:
    """One published map of a store as a ``folium.Map``.

    Parameters
    ----------
    name : str, default "overview"
        The map (``overview``, ``state-uzb``, ``population``, ``reintroductions``, ``protected-coverage``,
        ``habitat``), as ``deerhabitat map`` names them.
    store : path-like, optional
        The store; default ``$DEERHABITAT_STORE``, else the bundled store.
    profile : {"public", "internal"}, default "public"
        ``public`` generalises the positions of wild populations (as every published output does).
    basemap : str, default "none"
        Optional tiles; ``none`` keeps the map offline.

    Returns
    -------
    FoliumMap
        Shows inline in Jupyter; extend it with folium layers; save it with :func:`save_offline`.

    Raises
    ------
    PublishError
        If the store has no map of that name, or the profile or basemap is not valid.
    StoreError
        If the store cannot be opened.
    """
    basemap = resolve_basemap(basemap)
    publication = prepare_publication(store, profile)
    (web_map,) = _select(build_maps(publication.data), name)
    return to_folium(web_map, basemap=basemap)


def save_offline(fmap: folium.Map, path: str | os.PathLike) -> Path:
    """Write a folium map as one HTML file that opens with no network.

    Leaflet and its plugins are inlined from deerhabitat's pinned copies
    (:func:`deerhabitat.publish.offline_html`).

    Parameters
    ----------
    fmap : folium.Map
        Any folium map: from :func:`folium_map` / :func:`deerhabitat.publish.to_folium`, extended or not.
    path : path-like
        The HTML file to write (its folder must exist).

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    PublishError
        If the map needs a script deerhabitat does not vendor, or the file cannot be written.
    """
    target = Path(path)
    if not target.parent.is_dir():
        raise PublishError(
            f"cannot write {str(target)!r}: the folder {str(target.parent)!r} does not exist; create it first"
        )
    return write_file(target, offline_html(fmap))
