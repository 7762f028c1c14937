"""Configuration: which store to use, and the species settings a store carries.

Resolution order for the store path is explicit argument > ``DEERHABITAT_STORE`` > the bundled
Bukhara deer store. The species, its range states and the analysis CRS are :class:`StoreConfig`,
kept inside each store, so the same code serves any species of the Central Asian Mammals
Initiative. This is the only module that reads ``os.environ``.
"""

from __future__ import annotations

import contextlib
import math
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, fields
from importlib import resources
from pathlib import Path
from typing import Any

import pyproj

from deerhabitat.crs import albers_proj4, parse_crs, require_equal_area
from deerhabitat.errors import ConfigError

STORE_ENV = "DEERHABITAT_STORE"
LOCK_TIMEOUT_ENV = "DEERHABITAT_LOCK_TIMEOUT"
DEFAULT_LOCK_TIMEOUT_S = 300.0
"""Seconds a writer waits for another writer of the same store before giving up."""
_LOCK_TIMEOUT: ContextVar[float | None] = ContextVar("deerhabitat_lock_timeout", default=None)
BUNDLED_STORE_NAME = "bukhara-deer.gpkg"


def bundled_store_path() -> Path:
    """Path of the Bukhara deer store shipped inside the package."""
    return Path(str(resources.files("deerhabitat") / "data" / BUNDLED_STORE_NAME))


@dataclass(frozen=True)
class StoreChoice:
    """The store a command works on, and where that choice came from.

    Attributes
    ----------
    path : pathlib.Path or str
        The GeoPackage file, or a ``postgresql://`` URL (kept as text: a path would fold its ``//``).
    origin : {"argument", "environment", "bundled"}
        Where the path came from; the bundled store is read-only.
    """

    path: Path | str
    origin: str

    @property
    def bundled(self) -> bool:
        """Whether this is the read-only store shipped in the package, however it was named."""
        if self.origin == "bundled":
            return True
        if isinstance(self.path, str):
            return False
        try:
            return self.path.resolve() == bundled_store_path().resolve()
        except OSError:
            return False


def resolve_store(
    explicit: str | os.PathLike | None = None, environ: Mapping[str, str] | None = None
) -> StoreChoice:
    """Choose the store: explicit argument, else ``$DEERHABITAT_STORE``, else the bundled store.

    Examples
    --------
    >>> resolve_store("my.gpkg").origin
    'argument'
    >>> resolve_store(None, environ={}).origin
    'bundled'
    """
    environ = os.environ if environ is None else environ
    if explicit:
        return StoreChoice(_location(os.fspath(explicit)), "argument")
    if environ.get(STORE_ENV):
        return StoreChoice(_location(environ[STORE_ENV]), "environment")
    return StoreChoice(bundled_store_path(), "bundled")


def _location(text: str) -> Path | str:
    """A database URL as it is, anything else as a path."""
    return text if text.lower().startswith(("postgresql://", "postgres://")) else Path(text)


def lock_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a store writer waits for another one (``--lock-timeout``, ``$DEERHABITAT_LOCK_TIMEOUT``, 300).

    Raises
    ------
    ConfigError
        If the environment variable is not a number of seconds of 0 or more.

    Examples
    --------
    >>> lock_timeout(environ={"DEERHABITAT_LOCK_TIMEOUT": "2.5"})
    2.5
    """
    chosen = _LOCK_TIMEOUT.get()
    if chosen is not None:
        return chosen
    environ = os.environ if environ is None else environ
    text = environ.get(LOCK_TIMEOUT_ENV, "").strip()
    if not text:
        return DEFAULT_LOCK_TIMEOUT_S
    return check_lock_timeout(text, origin=LOCK_TIMEOUT_ENV)


def check_lock_timeout(value: str | float, *, origin: str) -> float:
    """A lock timeout in seconds (a finite number of 0 or more), or :class:`ConfigError` naming ``origin``."""
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise ConfigError(
            f"{origin}={value!r} is not a number of seconds; give 0 or more (e.g. 600 to wait ten "
            f"minutes for another writer of the store)"
        )
    return seconds


@contextlib.contextmanager
def lock_timeout_set(seconds: float) -> Iterator[None]:
    """Make :func:`lock_timeout` return ``seconds`` inside the block (the CLI's ``--lock-timeout``)."""
    token = _LOCK_TIMEOUT.set(seconds)
    try:
        yield
    finally:
        _LOCK_TIMEOUT.reset(token)


CENTRAL_ASIA_BOUNDS = (52.0, 35.0, 82.0, 48.0)
"""Lon/lat box of the Bukhara deer's range states, used for the default analysis CRS."""


@dataclass(frozen=True)
class StoreConfig:
    """Species settings kept in a store.

    Attributes
    ----------
    species : str
        Common name, e.g. ``Bukhara deer``.
    scientific_name : str
        e.g. ``Cervus elaphus bactrianus``.
    range_states : tuple of str
        ISO3 codes of the range states.
    analysis_crs : str
        The equal-area CRS for areas, lengths and grids (any pyproj input, stored as PROJ text).
    stale_after_years : int
        A count older than this many years is stale (gaps analysis) and never carried forward.
    generalise_m : int
        Grid cell size (metres, equal-area) to which public outputs snap wild population positions.
    """

    species: str = "Bukhara deer"
    scientific_name: str = "Cervus elaphus bactrianus"
    range_states: tuple[str, ...] = ("KAZ", "UZB", "TJK", "TKM", "AFG")
    analysis_crs: str = albers_proj4(CENTRAL_ASIA_BOUNDS)
    stale_after_years: int = 5
    generalise_m: int = 10_000

    def __post_init__(self) -> None:
        require_equal_area(self.analysis_crs, what="analysis_crs")
        if self.stale_after_years < 0:
            raise ConfigError(f"stale_after_years={self.stale_after_years} must be 0 or more")
        if self.generalise_m <= 0:
            raise ConfigError(f"generalise_m={self.generalise_m} must be a positive number of metres")

    @property
    def crs(self) -> pyproj.CRS:
        """The analysis CRS as a :class:`pyproj.CRS`."""
        return parse_crs(self.analysis_crs, origin="analysis_crs")

    def to_mapping(self) -> dict[str, str]:
        """Flatten to text key/values (as stored in the GeoPackage)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            out[f.name] = ",".join(value) if isinstance(value, tuple) else str(value)
        return out

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, str], *, origin: str = "store") -> StoreConfig:
        """Build from text key/values; unknown keys are refused, missing keys take defaults.

        Raises
        ------
        ConfigError
            Naming the key, its value, and ``origin``.
        """
        known = {f.name: f for f in fields(cls)}
        kwargs: dict[str, Any] = {}  # str, int or tuple of str, by setting
        for key, value in mapping.items():
            if key not in known:
                raise ConfigError(f"{origin}: unknown setting {key!r}; known settings: {', '.join(known)}")
            try:
                if key == "range_states":
                    kwargs[key] = tuple(v.strip().upper() for v in str(value).split(",") if v.strip())
                elif key in ("stale_after_years", "generalise_m"):
                    kwargs[key] = int(value)
                else:
                    kwargs[key] = str(value)
            except ValueError as exc:
                raise ConfigError(f"{origin}: setting {key}={value!r} is not valid ({exc})") from exc
        try:
            return cls(**kwargs)
        except ValueError as exc:
            raise ConfigError(f"{origin}: {exc}") from exc
