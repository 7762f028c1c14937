"""The checks of occurrence records, one chunk at a time, vectorised.

Each record gets at most one reason to be refused (the first that applies, in the order of
:data:`REASONS`):

``no-id``              no record id
``no-position``        longitude/latitude empty, not numbers, or beyond ±180/±90
``zero-zero``          the position 0/0 (a missing position written as zeros)
``bad-date``           no date, or not a date/time, or in the future, or before 1700
``bad-value``          a kind, count (whole number ≥ 0) or coordinate uncertainty (≥ 0 m) not allowed
``outside-range``      outside the store's range states (those of its settings, grown by the margin of
                       :mod:`deerhabitat.io.feature_checks`), measured in the equal-area analysis CRS
``impossible-speed``   a telemetry fix reached from the animal's previous accepted fix faster than
                       ``max_speed_kmh`` (geodesic distance on the WGS 84 ellipsoid over the time
                       between the fixes; two fixes at the same time and different places are
                       infinitely fast)

The speed check needs each animal's fixes in time order. The file may interleave animals in any way,
but the fixes of one animal must come in non-decreasing time (Movebank exports are sorted by animal
and time); a fix earlier than the animal's previous one refuses the file. :class:`RecordChecker`
carries each animal's last accepted fix from one chunk to the next, so the result does not depend on
the chunk size, and memory holds one fix per animal. A fix refused for its speed is not a
"previous fix": the next one is compared with the last fix accepted.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from deerhabitat.crs import STORE_CRS
from deerhabitat.errors import SchemaError
from deerhabitat.io.feature_checks import Region
from deerhabitat.schema import OCCURRENCE_KINDS, normalise_timestamps

REASONS = {
    "no-id": "no record id",
    "no-position": "no position (longitude/latitude empty, not numbers, or beyond ±180/±90)",
    "zero-zero": "position 0/0",
    "bad-date": "no date, or a date that is not one, in the future or before 1700",
    "bad-value": f"a kind (allowed: {', '.join(OCCURRENCE_KINDS)}), count (a whole number ≥ 0) or "
    "coordinate uncertainty (metres ≥ 0) not allowed",
    "outside-range": "outside the range states",
    "impossible-speed": "an impossible speed from the animal's previous fix",
}
"""Reason code → what it means, in the order the checks apply."""
LABELS = {
    "no-id": "no id",
    "no-position": "no position",
    "zero-zero": "position 0/0",
    "bad-date": "bad date",
    "bad-value": "bad value",
    "outside-range": "outside the range states",
    "impossible-speed": "impossible speed",
}
"""Reason code → a short label (the counts printed with ``--drop-invalid``)."""
DEFAULT_MAX_SPEED_KMH = 80.0
"""Default ``--max-speed-kmh``: faster than a deer runs even in a short sprint, so a fix reached faster
from the previous one is a position error. Lower it for a stricter filter."""
_GEOD = pyproj.Geod(ellps="WGS84")
_NS_PER_HOUR = 3_600 * 10**9


@dataclass(frozen=True)
class Fix:
    """The last accepted fix of an animal: position, time (ns since 1970, UTC) and id."""

    lon: float
    lat: float
    t_ns: int
    occurrence_id: str


@dataclass(frozen=True)
class Checked:
    """A chunk checked: the accepted records, and each input record's reason ("" when accepted)."""

    frame: gpd.GeoDataFrame
    reasons: np.ndarray
    ids: np.ndarray


@dataclass
class RecordChecker:
    """Checks chunks of mapped records (the text columns of ``occurrence_sources.RAW_COLUMNS``).

    Parameters
    ----------
    region : Region, optional
        The range states' region; None skips the ``outside-range`` check.
    max_speed_kmh : float
        Fastest plausible speed between two fixes of one animal.
    now : datetime, optional
        The instant after which a date is in the future (default: when the checker was made).
    """

    region: Region | None
    max_speed_kmh: float = DEFAULT_MAX_SPEED_KMH
    now: _dt.datetime = field(default_factory=lambda: _dt.datetime.now(_dt.UTC))
    carried: dict[str, Fix] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not (self.max_speed_kmh > 0 and np.isfinite(self.max_speed_kmh)):
            raise SchemaError(
                "occurrences",
                [f"--max-speed-kmh {self.max_speed_kmh!r} must be a positive number of km/h, e.g. 80"],
            )
        self._to_area = (
            None
            if self.region is None
            else pyproj.Transformer.from_crs(STORE_CRS, self.region.crs, always_xy=True)
        )

    def check(self, raw: pd.DataFrame) -> Checked:
        """Check one chunk; the accepted records come back typed, as EPSG:4326 points.

        Raises
        ------
        SchemaError
            If an animal's fixes go back in time (see the module docstring).
        """
        n = len(raw)
        reasons = np.full(n, "", dtype=object)

        def flag(mask: np.ndarray, code: str) -> None:
            reasons[(reasons == "") & mask] = code

        ids = raw["occurrence_id"].astype(str).str.strip().to_numpy(object)
        flag(ids == "", "no-id")
        lon = pd.to_numeric(raw["longitude"], errors="coerce").to_numpy(float, copy=True)
        lat = pd.to_numeric(raw["latitude"], errors="coerce").to_numpy(float, copy=True)
        with np.errstate(invalid="ignore"):
            bad_position = ~(np.isfinite(lon) & np.isfinite(lat) & (np.abs(lon) <= 180) & (np.abs(lat) <= 90))
        flag(bad_position, "no-position")
        flag((lon == 0) & (lat == 0), "zero-zero")
        dates, bad_date = normalise_timestamps(raw["date"], now=self.now)
        flag(bad_date, "bad-date")
        count, bad_count = _numbers(raw["count"], whole=True)
        uncertainty, bad_uncertainty = _numbers(raw["coordinate_uncertainty_m"], whole=False)
        kinds = raw["kind"].astype(str).str.strip()
        flag(~kinds.isin(OCCURRENCE_KINDS).to_numpy(bool) | bad_count | bad_uncertainty, "bad-value")
        if self._to_area is not None and self.region is not None:
            ok = np.flatnonzero(reasons == "")
            x, y = self._to_area.transform(lon[ok], lat[ok])
            inside = np.zeros(n, dtype=bool)
            inside[ok] = shapely.intersects_xy(self.region.area, x, y)
            flag((reasons == "") & ~inside, "outside-range")
        animals = raw["animal_id"].astype(str).str.strip().to_numpy(object)
        tracked = np.flatnonzero((reasons == "") & (kinds.to_numpy(object) == "telemetry") & (animals != ""))
        if len(tracked):
            times = pd.to_datetime(dates.iloc[tracked], utc=True, format="ISO8601")
            t_ns = times.to_numpy("datetime64[ns]").astype(np.int64)
            fast = self._speed_outliers(animals[tracked], lon[tracked], lat[tracked], t_ns, ids[tracked])
            too_fast = np.zeros(n, dtype=bool)
            too_fast[tracked[fast]] = True
            flag(too_fast, "impossible-speed")
        keep = reasons == ""
        frame = gpd.GeoDataFrame(
            {
                "occurrence_id": pd.array(ids[keep], dtype="string"),
                "date": pd.array(dates.to_numpy(object)[keep], dtype="string"),
                "kind": pd.array(kinds.to_numpy(object)[keep], dtype="string"),
                "animal_id": _optional_text(raw["animal_id"], keep),
                "site_id": _optional_text(raw["site_id"], keep),
                "count": pd.array(count[keep], dtype="Int64"),
                "coordinate_uncertainty_m": pd.array(uncertainty[keep], dtype="Float64"),
                "source": pd.array(raw["source"].astype(str).to_numpy(object)[keep], dtype="string"),
            },
            geometry=gpd.points_from_xy(lon[keep], lat[keep], crs=STORE_CRS),
        )
        return Checked(frame, reasons, ids)

    def _speed_outliers(
        self, animals: np.ndarray, lon: np.ndarray, lat: np.ndarray, t_ns: np.ndarray, ids: np.ndarray
    ) -> np.ndarray:
        """Which fixes are reached too fast from the animal's previous accepted fix; updates ``carried``."""
        order = np.argsort(animals, kind="stable")  # each animal's fixes together, in file order
        a, x, y, t, fid = animals[order], lon[order], lat[order], t_ns[order], ids[order]
        n = len(a)
        start = np.r_[True, a[1:] != a[:-1]]
        px, py = np.r_[np.nan, x[:-1]], np.r_[np.nan, y[:-1]]
        pt, pid = np.r_[0, t[:-1]], np.r_[None, fid[:-1]]
        has_prev = ~start
        for i in map(int, np.flatnonzero(start)):
            fix = self.carried.get(a[i])
            if fix is not None:
                px[i], py[i], pt[i], pid[i], has_prev[i] = fix.lon, fix.lat, fix.t_ns, fix.occurrence_id, True
        backwards = has_prev & (t < pt)
        if backwards.any():
            i = int(np.flatnonzero(backwards)[0])
            raise SchemaError(
                "occurrences",
                [
                    f"the fixes of animal {a[i]!r} are not in time order: {fid[i]} "
                    f"({_iso(t[i])}) comes after {pid[i]} ({_iso(pt[i])}); the speed check needs each "
                    f"animal's fixes in time order: sort the file by individual and timestamp"
                ],
            )
        speed = np.zeros(n)
        pairs = np.flatnonzero(has_prev)
        speed[pairs] = _speeds_kmh(px[pairs], py[pairs], pt[pairs], x[pairs], y[pairs], t[pairs])
        flagged = speed > self.max_speed_kmh
        bad = np.zeros(n, dtype=bool)
        ends = np.r_[np.flatnonzero(start)[1:], n]
        for begin, end in zip(map(int, np.flatnonzero(start)), map(int, ends), strict=True):
            hits = np.flatnonzero(flagged[begin:end])
            last = end - 1
            if len(hits):
                last = self._walk(begin, end, begin + int(hits[0]), x, y, t, px, py, pt, bad)
            if last >= begin:
                self.carried[a[begin]] = Fix(float(x[last]), float(y[last]), int(t[last]), str(fid[last]))
        out = np.zeros(n, dtype=bool)
        out[order] = bad
        return out

    def _walk(
        self,
        begin: int,
        end: int,
        first: int,
        x: np.ndarray,
        y: np.ndarray,
        t: np.ndarray,
        px: np.ndarray,
        py: np.ndarray,
        pt: np.ndarray,
        bad: np.ndarray,
    ) -> int:
        """From the first fix too fast, compare each fix with the last accepted one; return the last accepted.

        Returns ``begin - 1`` when no fix of the chunk was accepted (the carried fix stays).
        """
        last = first - 1  # the fix before the first flagged one, or the carried fix when first == begin
        lx, ly, lt = px[first], py[first], pt[first]
        for k in range(first, end):
            (speed,) = _speeds_kmh(
                np.array([lx]), np.array([ly]), np.array([lt]), x[k : k + 1], y[k : k + 1], t[k : k + 1]
            )
            if speed > self.max_speed_kmh:
                bad[k] = True
            else:
                last, lx, ly, lt = k, x[k], y[k], t[k]
        return last


def _speeds_kmh(
    x0: np.ndarray, y0: np.ndarray, t0: np.ndarray, x1: np.ndarray, y1: np.ndarray, t1: np.ndarray
) -> np.ndarray:
    """Geodesic speed (km/h) between fixes; infinite for two places at one time, 0 for one place."""
    _, _, metres = _GEOD.inv(x0, y0, x1, y1)
    metres = np.asarray(metres, dtype=float)
    hours = (np.asarray(t1) - np.asarray(t0)) / _NS_PER_HOUR
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(hours > 0, metres / 1000 / np.where(hours > 0, hours, 1), np.inf)
    return np.where(metres > 0, speed, 0.0)


def _iso(t_ns: int) -> str:
    return pd.Timestamp(int(t_ns), tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ")


def _numbers(values: pd.Series, *, whole: bool) -> tuple[np.ndarray, np.ndarray]:
    """Numbers (NaN where empty) and the mask of values that are not allowed (not numbers, < 0, fractions)."""
    text = values.astype(str).str.strip()
    empty = (text == "").to_numpy(bool)
    numbers = pd.to_numeric(text.str.replace(",", "", regex=False), errors="coerce").to_numpy(
        float, copy=True
    )
    with np.errstate(invalid="ignore"):
        bad = ~empty & ~(np.isfinite(numbers) & (numbers >= 0))
        if whole:
            bad |= ~empty & np.isfinite(numbers) & (numbers != np.floor(numbers))
    numbers[empty | bad] = np.nan
    return numbers, bad


def _optional_text(values: pd.Series, keep: np.ndarray) -> pd.arrays.StringArray:
    text = values.astype(str).str.strip().to_numpy(object)[keep]
    return pd.array([v if v else None for v in text], dtype="string")


def describe(code: str, *, region: Region | None = None, max_speed_kmh: float | None = None) -> str:
    """What a reason code means, with the region's states or the speed limit where they apply."""
    if code == "outside-range" and region is not None:
        return f"outside the range states ({', '.join(region.states)}; {region.margin_km:g} km margin)"
    if code == "impossible-speed" and max_speed_kmh is not None:
        return f"faster than {max_speed_kmh:g} km/h from the animal's previous fix"
    return REASONS[code]
