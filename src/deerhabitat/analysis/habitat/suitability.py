"""A transparent habitat-suitability model: per-input scores combined with weights read from TOML.

Each **component** turns one input raster into a score between 0 and 1:

- ``categorical`` (land cover): a score per class value; classes not listed score ``default``;
- ``piecewise`` (elevation, distance to water, any continuous covariate): linear interpolation between
  ``points = [[x, score], ...]`` (x increasing), constant beyond the first and last points.

Scores are combined per pixel with the component weights ``w`` (normalised to sum to 1):

- ``geometric`` (default): ``S = Π s_i ^ w_i``, the weighted geometric mean of Habitat Suitability Index
  models (U.S. Fish and Wildlife Service 1981, ESM 103): one unsuitable factor (score 0) makes the pixel
  unsuitable, and a factor cannot be fully compensated by the others;
- ``arithmetic``: ``S = Σ w_i s_i``.

A pixel where any input used is nodata is nodata (NaN). The default model for the Bukhara deer
(``suitability.toml`` next to this module) scores tugai and reed beds high, cropland low, desert very low
and mountains 0; full score within 3 km of a river falling to 0 at 25 km; and full score below 600 m
falling to 0 at 1,800 m (lowland riparian deer: Badai-Tugai 86-96 m, Tigrovaya Balka <= 330 m, Ili delta
341-347 m). It is illustrative: its numbers are expert guesses written down so that anyone can change
them, not fitted to occurrence data.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from itertools import pairwise

import numpy as np

from deerhabitat.errors import ConfigError

COMBINE_METHODS = ("geometric", "arithmetic")
COMPONENT_KINDS = ("categorical", "piecewise")
DEFAULT_MODEL_FILE = "suitability.toml"


@dataclass(frozen=True)
class Component:
    """One scored input of the model.

    Attributes
    ----------
    name : str
        Component name (a TOML table under ``[components]``).
    input : str
        Name of the input raster: ``landcover``, ``elevation``, ``distance_to_water_km`` or a covariate.
    kind : {"categorical", "piecewise"}
        How values become scores.
    weight : float
        Relative weight (> 0).
    scores : dict, optional
        ``categorical``: class value -> score.
    default : float
        ``categorical``: score of a class not listed.
    points : tuple of (float, float), optional
        ``piecewise``: ``(x, score)`` breakpoints, x strictly increasing.
    """

    name: str
    input: str
    kind: str
    weight: float
    scores: Mapping[int, float] | None = None
    default: float = 0.0
    points: tuple[tuple[float, float], ...] | None = None

    def score(self, values: np.ndarray) -> np.ndarray:
        """Scores (float64, 0-1) of an array of input values.

        Examples
        --------
        >>> c = Component("d", "distance_to_water_km", "piecewise", 1.0, points=((0, 1), (10, 0)))
        >>> c.score(np.array([-1.0, 0.0, 2.5, 10.0, 99.0])).tolist()
        [1.0, 1.0, 0.75, 0.0, 0.0]
        """
        if self.kind == "categorical":
            out = np.full(values.shape, float(self.default))
            for value, score in (self.scores or {}).items():
                out[values == value] = score
            return out
        xs, ys = zip(*(self.points or ()), strict=True)
        return np.interp(values.astype(np.float64), xs, ys)


@dataclass(frozen=True)
class SuitabilityModel:
    """A set of components and how their scores are combined (see the module notes)."""

    name: str
    combine: str
    components: tuple[Component, ...]
    description: str = ""

    @property
    def inputs(self) -> tuple[str, ...]:
        """Names of the input rasters the model needs, sorted."""
        return tuple(sorted({c.input for c in self.components}))

    def normalised_weights(self) -> dict[str, float]:
        """Component name -> weight / total weight."""
        total = sum(c.weight for c in self.components)
        return {c.name: c.weight / total for c in self.components}

    def describe(self) -> dict:
        """Describe the model as JSON-ready data (for manifests)."""
        weights = self.normalised_weights()
        return {
            "name": self.name,
            "combine": self.combine,
            "description": self.description,
            "components": [
                {
                    "name": c.name,
                    "input": c.input,
                    "kind": c.kind,
                    "weight": weights[c.name],
                    "scores": {str(k): v for k, v in (c.scores or {}).items()} or None,
                    "default": c.default if c.kind == "categorical" else None,
                    "points": [list(p) for p in c.points] if c.points else None,
                }
                for c in self.components
            ],
        }


def suitability_scores(
    inputs: Mapping[str, np.ndarray], valid: Mapping[str, np.ndarray], model: SuitabilityModel
) -> np.ndarray:
    """Suitability (0-1, float32) of each pixel from its input values.

    Parameters
    ----------
    inputs : mapping of str to numpy.ndarray
        Input name -> values, all of one shape; every input of ``model.inputs`` must be present.
    valid : mapping of str to numpy.ndarray
        Input name -> boolean data mask (missing names count as all valid).
    model : SuitabilityModel
        The model.

    Returns
    -------
    numpy.ndarray
        float32 suitability, NaN where an input used is nodata.

    Raises
    ------
    ConfigError
        If an input the model needs is missing.

    Examples
    --------
    >>> lc = Component("lc", "landcover", "categorical", 1.0, scores={1: 1.0, 2: 0.25})
    >>> m = SuitabilityModel("m", "geometric", (lc,))
    >>> suitability_scores({"landcover": np.array([1, 2, 3])}, {}, m).tolist()
    [1.0, 0.25, 0.0]
    """
    missing = [name for name in model.inputs if name not in inputs]
    if missing:
        raise ConfigError(
            f"the suitability model {model.name!r} needs the input(s) {', '.join(missing)}, which were not "
            f"given (given: {', '.join(sorted(inputs)) or 'none'}). Give them (e.g. --elevation PATH or "
            f"--covariate NAME=PATH), or remove those components from the weights file."
        )
    weights = model.normalised_weights()
    shape = np.shape(inputs[model.inputs[0]])
    ok = np.ones(shape, dtype=bool)
    total = np.ones(shape) if model.combine == "geometric" else np.zeros(shape)
    for component in model.components:
        values = inputs[component.input]
        ok &= valid.get(component.input, np.ones(shape, dtype=bool)) & _finite(values)
        scores = np.clip(component.score(values), 0.0, 1.0)
        if model.combine == "geometric":
            total *= scores ** weights[component.name]
        else:
            total += scores * weights[component.name]
    return np.where(ok, total, np.nan).astype(np.float32)


def _finite(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) if np.issubdtype(values.dtype, np.floating) else np.ones(values.shape, bool)


def default_suitability_model() -> SuitabilityModel:
    """Return the bundled Bukhara deer model (``suitability.toml`` beside this module)."""
    text = resources.files("deerhabitat.analysis.habitat").joinpath(DEFAULT_MODEL_FILE).read_text("utf-8")
    return parse_suitability_model(tomllib.loads(text), origin=f"bundled {DEFAULT_MODEL_FILE}")


def parse_suitability_model(data: Mapping, *, origin: str = "weights file") -> SuitabilityModel:
    """Build a :class:`SuitabilityModel` from parsed TOML (see ``suitability.toml`` for the layout).

    Raises
    ------
    ConfigError
        Naming the key, the value and ``origin`` for every invalid entry.

    Examples
    --------
    >>> m = parse_suitability_model({"model": {"name": "x"}, "components": {"lc": {
    ...     "input": "landcover", "kind": "categorical", "weight": 2, "scores": {"1": 1.0}}}})
    >>> m.combine, m.components[0].scores
    ('geometric', {1: 1.0})
    """
    head = data.get("model", {})
    combine = str(head.get("combine", "geometric"))
    if combine not in COMBINE_METHODS:
        raise ConfigError(
            f"{origin}: [model] combine = {combine!r} is not a method; use one of "
            f"{', '.join(COMBINE_METHODS)}."
        )
    tables = data.get("components") or {}
    if not isinstance(tables, Mapping) or not tables:
        raise ConfigError(
            f"{origin}: no [components.NAME] table found (got {type(tables).__name__}); "
            f"define at least one component, as in the bundled suitability.toml."
        )
    components = tuple(_parse_component(name, tables[name], origin) for name in tables)
    return SuitabilityModel(
        name=str(head.get("name", "custom")),
        combine=combine,
        components=components,
        description=str(head.get("description", "")),
    )


def _parse_component(name: str, table: Mapping, origin: str) -> Component:
    where = f"{origin}: [components.{name}]"
    kind = str(table.get("kind", ""))
    if kind not in COMPONENT_KINDS:
        raise ConfigError(f"{where} kind = {kind!r}; use one of {', '.join(COMPONENT_KINDS)}.")
    weight = _number(table.get("weight"), f"{where} weight")
    if weight <= 0:
        raise ConfigError(
            f"{where} weight = {weight:g}; weights must be above 0 (drop the component to leave it out)."
        )
    if "input" not in table:
        raise ConfigError(f'{where} has no input; name the raster it scores, e.g. input = "elevation".')
    if kind == "categorical":
        scores = {
            _class(k, where): _score(v, f"{where} scores.{k}") for k, v in (table.get("scores") or {}).items()
        }
        if not scores:
            raise ConfigError(f"{where} has no [scores]; list a score per class value, e.g. 1 = 1.0.")
        return Component(
            name,
            str(table["input"]),
            kind,
            weight,
            scores=scores,
            default=_score(table.get("default", 0.0), f"{where} default"),
        )
    points = tuple(
        (_number(p[0], f"{where} points"), _score(p[1], f"{where} points"))
        for p in _pairs(table.get("points"), where)
    )
    if any(b[0] <= a[0] for a, b in pairwise(points)):
        raise ConfigError(f"{where} points {[list(p) for p in points]} must have strictly increasing x.")
    return Component(name, str(table["input"]), kind, weight, points=points)


def _pairs(value: object, where: str) -> list:
    if (
        not isinstance(value, list)
        or len(value) < 2
        or not all(isinstance(p, list) and len(p) == 2 for p in value)
    ):
        raise ConfigError(
            f"{where} points = {value!r}; give at least two [x, score] pairs, e.g. "
            f"points = [[0.0, 1.0], [10.0, 0.0]]."
        )
    return value


def _number(value: object, where: str) -> float:
    try:
        if not isinstance(value, (int, float, str)):
            raise TypeError(value)
        number = float(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{where} = {value!r} is not a number; write a number such as 0.5.") from None
    if not np.isfinite(number):
        raise ConfigError(f"{where} = {value!r} is not a finite number; write a number such as 0.5.")
    return number


def _score(value: object, where: str) -> float:
    number = _number(value, where)
    if not 0.0 <= number <= 1.0:
        raise ConfigError(f"{where} = {number:g}; scores lie between 0 and 1.")
    return number


def _class(key: object, where: str) -> int:
    try:
        return int(str(key))
    except ValueError:
        raise ConfigError(
            f"{where} scores key {key!r} is not a whole class value; write e.g. 1 = 1.0."
        ) from None
