"""Corridors in publications: the Connectivity section and its tables from a small store with known corridors.

The store is the hold-out world of ``test_corridors_workflow`` (populations A and B joined along a river of
resistance 1, D isolated on an island): its least cost and path length are known by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import shapely
from habitat_builders import km_grid
from test_corridors_workflow import _resistance, world  # noqa: F401  (world: the fixture)

from deerhabitat.publish import build_maps
from deerhabitat.publish.document import DocumentText, build_document
from deerhabitat.publish.generalise import Profile, snap_to_cell_centres
from deerhabitat.publish.text import ENGLISH, message
from deerhabitat.workflows.corridors import PAIR_COLUMNS, habitat_corridors
from deerhabitat.workflows.maps import prepare_publication

SQRT2 = math.sqrt(2)


def _section(publication):
    maps = build_maps(publication.data)
    report = build_document(publication.data, maps, DocumentText("deer.gpkg", "rule", pd.DataFrame()))
    return {s.id: s for s in report.sections}["connectivity"], maps


def _table(section, name):
    return next(b for b in section.blocks if b.kind == "table" and b.name == name)


def test_connectivity_section_lists_the_known_corridor_the_isolated_population_and_the_method(world):  # noqa: F811
    habitat_corridors(
        out=world["tmp"] / "out", store=world["store"], resistance=world["resistance"], profile="internal"
    )
    publication = prepare_publication(world["store"], "internal")
    section, maps = _section(publication)
    assert section.title == "Connectivity"
    assert "corridors" in [m.name for m in maps]
    assert any(b.kind == "map" and b.web_map.name == "corridors" for b in section.blocks)

    pairs = _table(section, "corridors")
    shown = pairs.display.set_index(message("col.populations"))
    ab = shown.loc["Site A <b> – Site B <b>"]
    assert ab[message("col.least_cost")] == f"{21 + SQRT2 + 19:,.0f}"  # 41, by hand
    assert ab[message("col.path_length_km")] == f"{40 + SQRT2:,.0f}"
    assert ab[message("col.countries_crossed")] in {"East (TKM), West (UZB)", "West (UZB), East (TKM)"}
    for other in ("Site A <b> – Site D <b>", "Site B <b> – Site D <b>"):
        assert shown.loc[other, message("col.least_cost")] == message("value.no_corridor")
    # the linked pair first; the raw figures ride along for the CSV
    assert pairs.data["linked"].tolist() == [True, False, False]
    assert pairs.data.loc[0, "least_cost"] == pytest.approx(21 + SQRT2 + 19)
    # human column names only: no internal field name reaches a header
    headers = list(pairs.display.columns)
    assert not set(headers) & set(PAIR_COLUMNS)
    assert all("_" not in h for h in headers)

    isolated = _table(section, "corridors_isolated")
    assert isolated.display[message("col.site")].tolist() == ["Site D <b>"]

    bottlenecks = [b for b in section.blocks if b.kind == "table" and b.name == "corridors_bottlenecks"]
    unprotected = publication.data.corridors.summary["unprotected_bottlenecks"]
    assert len(bottlenecks) == (1 if unprotected else 0)

    method = " ".join(section.intro)
    assert "1 + k * (1 - suitability) ^ p" not in method  # a given resistance: no transform applied
    assert ENGLISH["connectivity.given_resistance"] in method
    assert "within 50 of the least cost" in method


def test_public_publication_uses_only_corridors_from_generalised_positions(world):  # noqa: F811
    habitat_corridors(
        out=world["tmp"] / "exact", store=world["store"], resistance=world["resistance"], profile="internal"
    )
    public = prepare_publication(world["store"], "public")
    # the store's outputs start at exact positions and no suitability is registered: nothing is published
    assert public.data.corridors is None
    assert message("connectivity.no_corridors") in public.notes
    section, maps = _section(public)
    assert section.intro == (message("connectivity.none"),) and not section.blocks
    assert "corridors" not in [m.name for m in maps]

    habitat_corridors(out=world["tmp"] / "public", store=world["store"], resistance=world["resistance"])
    public = prepare_publication(world["store"], "public")
    corridors = public.data.corridors
    assert corridors is not None and corridors.summary["profile"] == "public"
    assert "store" not in corridors.summary and "outputs" not in corridors.summary  # no local path
    sites = world["sites"].set_index("site_id").loc[["A", "B", "D"]]
    config = public.snapshot.config
    expected = snap_to_cell_centres(sites.geometry, cell_m=config.generalise_m, crs=config.crs).to_crs(4326)
    ends = corridors.populations.set_index("site_id").loc[["A", "B", "D"]].geometry
    assert shapely.equals_exact(ends.values, expected.values, tolerance=1e-6).all()
    assert not shapely.equals_exact(ends.values, sites.geometry.values, tolerance=1e-4).any()
    web = next(m for m in build_maps(public.data) if m.name == "corridors")
    layer = next(layer for layer in web.layers if layer.id == "corridor-populations")
    assert shapely.equals_exact(
        layer.frame.set_index("site_id").loc[["A", "B", "D"]].geometry.values, expected.values, tolerance=1e-6
    ).all()


def test_publication_computes_corridors_once_per_input_content_and_leaves_the_store_alone(
    world,  # noqa: F811
    monkeypatch,
    tmp_path,
    tif,
):
    import deerhabitat.workflows.corridors as workflow
    from deerhabitat.io import Store
    from deerhabitat.io.raster import raster_record, read_raster_info
    from deerhabitat.workflows.maps import CORRIDOR_CACHE_AREA, _corridor_key

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    resistance = _resistance()
    values = np.where(resistance > 0, 1.0 / np.maximum(resistance, 1.0), -9999.0).astype("float32")
    suitability = tif("suitability.tif", values, km_grid(50, 40), nodata=-9999.0)
    store = Store(world["store"])
    with store.transaction() as tx:
        tx.register_rasters([raster_record(read_raster_info(suitability), "suitability", command="test")])
    before = world["store"].read_bytes()
    calls = []
    real = workflow.habitat_corridors
    monkeypatch.setattr(workflow, "habitat_corridors", lambda **kw: calls.append(kw) or real(**kw))

    first = prepare_publication(world["store"], "public").data.corridors
    second = prepare_publication(world["store"], "public").data.corridors
    assert len(calls) == 1 and calls[0]["register"] is False
    assert world["store"].read_bytes() == before  # computed for the publication only, never registered
    assert first is not None and first.summary["profile"] == "public"
    assert first.summary["pairs"] == second.summary["pairs"]
    # a damaged cache entry is computed again
    folder = tmp_path / "cache" / "deerhabitat" / CORRIDOR_CACHE_AREA
    key = _corridor_key(Store(world["store"]).content_key(), suitability, Profile.PUBLIC)
    (folder / key / "corridors.json").write_text("{}", encoding="utf-8")
    third = prepare_publication(world["store"], "public").data.corridors
    assert len(calls) == 2 and third.summary["pairs"] == first.summary["pairs"]
