"""The data model: one :class:`LayerSpec` per layer kind, and validation that reports every problem.

The kinds, id columns and required columns are those of ``design.md``. :func:`validate_layer`
coerces each column to its type and returns a new GeoDataFrame, or raises :class:`SchemaError`
listing every problem at once, each with the feature id (or row number when the id is missing).
Cross-layer checks (a count referring to a site that is not in the store) are in
:func:`check_references`.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, SupportsFloat

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from deerhabitat.errors import WHOLE_FILE, Problem, SchemaError


class LayerKind(StrEnum):
    """The kinds of vector layer a store holds."""

    RANGE_STATES = "range-states"
    RIVERS = "rivers"
    RANGES = "ranges"
    PROTECTED_AREAS = "protected-areas"
    SITES = "sites"
    RELEASES = "releases"
    POPULATION_COUNTS = "population-counts"
    OCCURRENCES = "occurrences"

    @property
    def is_dataset(self) -> bool:
        """Whether the kind is a big layer kept as a GeoParquet dataset beside the store (not a table)."""
        return self in DATASET_KINDS

    @property
    def table(self) -> str:
        """Name of the GeoPackage table holding this kind (hyphens become underscores)."""
        return self.value.replace("-", "_")

    @classmethod
    def parse(cls, value: str) -> LayerKind:
        """Return the kind named ``value`` (``protected-areas`` or ``protected_areas``).

        Raises
        ------
        SchemaError
            If ``value`` names no kind; the message lists the kinds.

        Examples
        --------
        >>> LayerKind.parse("protected_areas")
        <LayerKind.PROTECTED_AREAS: 'protected-areas'>
        """
        text = str(value).strip().lower().replace("_", "-")
        for kind in cls:
            if kind.value == text:
                return kind
        allowed = ", ".join(k.value for k in cls)
        raise SchemaError(str(value), [f"{value!r} is not a layer kind; use one of: {allowed}"])


Dtype = Literal["str", "int", "float", "bool", "date", "timestamp"]

IUCN_CATEGORIES = ("Ia", "Ib", "II", "III", "IV", "V", "VI", "Not Reported", "Not Applicable", "Not Assigned")
"""WDPA ``IUCN_CAT`` values, in wdpar's order of precedence for erasing overlaps."""

PRESENCE_CODES = {
    1: "Extant",
    2: "Probably Extant",
    3: "Possibly Extant",
    4: "Possibly Extinct",
    5: "Extinct",
    6: "Presence Uncertain",
}
ORIGIN_CODES = {
    1: "Native",
    2: "Reintroduced",
    3: "Introduced",
    4: "Vagrant",
    5: "Origin Uncertain",
    6: "Assisted Colonisation",
}
SEASONAL_CODES = {
    1: "Resident",
    2: "Breeding Season",
    3: "Non-breeding Season",
    4: "Passage",
    5: "Seasonal Occurrence Uncertain",
}
SITE_STATUSES = ("native", "reintroduced", "introduced", "captive")
SITE_SCOPES = ("site", "country")
"""``site`` (default): one population. ``country``: a national total or estimate standing for the
country's populations where no site-level figure is known (see the totals rule in the analysis)."""
OCCURRENCE_KINDS = ("observation", "camera-trap", "telemetry", "specimen", "sign")
"""What an occurrence is: a sighting, a camera-trap detection, a telemetry (GPS collar) fix, a specimen,
or a sign (tracks, dung)."""
COUNT_METHODS = ("census", "distance-sampling", "camera-trap", "enclosure-count", "estimate")
DATA_STATUSES = ("surveyed", "estimated", "national-total", "national-split", "illustrative")
"""What a count is: ``surveyed`` (a census, distance sampling, camera traps or an enclosure count of the
site), ``estimated`` (an expert or reported estimate of the site), ``national-total`` (a figure for a
whole country), ``national-split`` (a share of a national or global figure put on a country for want
of a per-country split), ``illustrative`` (made up for illustration, not data). National totals and
splits have no position: they never count inside or outside a protected area and are never a map
marker. When a store's counts have no ``data_status``, it is derived (see
:func:`deerhabitat.analysis.count_data_status`)."""
NATIONAL_DATA_STATUSES = ("national-total", "national-split")
"""Data statuses of figures that stand for a whole country and have no position."""

# ISO 3166-1 alpha-3 codes (officially assigned), plus XKX (Kosovo, used by WDPA and Natural Earth).
ISO3_CODES = frozenset(
    """
ABW AFG AGO AIA ALA ALB AND ARE ARG ARM ASM ATA ATF ATG AUS AUT AZE BDI BEL BEN BES BFA BGD BGR BHR BHS BIH
BLM BLR BLZ BMU BOL BRA BRB BRN BTN BVT BWA CAF CAN CCK CHE CHL CHN CIV CMR COD COG COK COL COM CPV CRI CUB
CUW CXR CYM CYP CZE DEU DJI DMA DNK DOM DZA ECU EGY ERI ESH ESP EST ETH FIN FJI FLK FRA FRO FSM GAB GBR GEO
GGY GHA GIB GIN GLP GMB GNB GNQ GRC GRD GRL GTM GUF GUM GUY HKG HMD HND HRV HTI HUN IDN IMN IND IOT IRL IRN
IRQ ISL ISR ITA JAM JEY JOR JPN KAZ KEN KGZ KHM KIR KNA KOR KWT LAO LBN LBR LBY LCA LIE LKA LSO LTU LUX LVA
MAC MAF MAR MCO MDA MDG MDV MEX MHL MKD MLI MLT MMR MNE MNG MNP MOZ MRT MSR MTQ MUS MWI MYS MYT NAM NCL NER
NFK NGA NIC NIU NLD NOR NPL NRU NZL OMN PAK PAN PCN PER PHL PLW PNG POL PRI PRK PRT PRY PSE PYF QAT REU ROU
RUS RWA SAU SDN SEN SGP SGS SHN SJM SLB SLE SLV SMR SOM SPM SRB SSD STP SUR SVK SVN SWE SWZ SXM SYC SYR TCA
TCD TGO THA TJK TKL TKM TLS TON TTO TUN TUR TUV TWN TZA UGA UKR UMI URY USA UZB VAT VCT VEN VGB VIR VNM VUT
WLF WSM YEM ZAF ZMB ZWE XKX
""".split()
)


@dataclass(frozen=True)
class Column:
    """One attribute column of a layer kind.

    Parameters
    ----------
    name : str
        Column name.
    dtype : {"str", "int", "float", "bool", "date"}
        Type values are coerced to. ``date`` is an ISO text date of a year (``2009``), a month
        (``2009-05``) or a day (``2009-05-15``), never in the future. ``timestamp`` is such a date
        or an instant in UTC, ``2009-05-15T06:30:00Z`` (see :func:`parse_timestamp`).
    required : bool
        Whether the layer has the column. A required column that is ``nullable`` may still be left
        out of a file: all its values are then missing, and :func:`validate_layer` adds it empty.
    nullable : bool
        Whether a value may be missing.
    allowed : tuple, optional
        The only values accepted.
    minimum : float, optional
        Smallest value accepted; with ``exclusive`` the value must be strictly greater.
    """

    name: str
    dtype: Dtype
    required: bool = True
    nullable: bool = False
    allowed: tuple | None = None
    minimum: float | None = None
    exclusive: bool = False
    description: str = ""


@dataclass(frozen=True)
class LayerSpec:
    """The schema of one layer kind: id column, columns, and allowed geometry types."""

    kind: LayerKind
    id_column: str
    columns: tuple[Column, ...]
    geometry_types: tuple[str, ...]
    geometry_required: bool = True
    description: str = ""

    def column(self, name: str) -> Column | None:
        """Return the column called ``name``, or None."""
        return next((c for c in self.columns if c.name == name), None)

    @property
    def column_names(self) -> list[str]:
        """Names of all columns of the spec, id first."""
        return [c.name for c in self.columns]


_POLY = ("Polygon", "MultiPolygon")
_LINE = ("LineString", "MultiLineString")
_SOURCE = Column("source", "str", description="citation or file the feature comes from")
_ISO3 = Column("iso3", "str", allowed=None, description="ISO 3166-1 alpha-3 country code")
_NAME_RU = Column(
    "name_ru",
    "str",
    required=False,
    nullable=True,
    description="the name in Russian, where one is known (maps and reports in Russian show it)",
)
_SOURCE_RU = Column(
    "source_ru",
    "str",
    required=False,
    nullable=True,
    description="the source in Russian where it has words besides the citation (citations, URLs, file names "
    "and ids kept as written; reports and maps in Russian show it, else ``source``)",
)
"""Every table layer has it; the occurrences do not (their ``source`` names a data set or file, and a PostGIS
store's occurrences table has the spec's columns fixed when it was created)."""

SPECS: Mapping[LayerKind, LayerSpec] = {
    LayerKind.RANGE_STATES: LayerSpec(
        LayerKind.RANGE_STATES,
        "iso3",
        (
            Column("iso3", "str"),
            Column("name", "str"),
            _NAME_RU,
            Column("source", "str", required=False, nullable=True),
            _SOURCE_RU,
        ),
        _POLY,
        description="countries of the species' range",
    ),
    LayerKind.RIVERS: LayerSpec(
        LayerKind.RIVERS,
        "river_id",
        (
            Column("river_id", "str"),
            Column("name", "str"),
            _NAME_RU,
            Column("source", "str", required=False, nullable=True),
            _SOURCE_RU,
        ),
        _LINE,
        description="named rivers",
    ),
    LayerKind.RANGES: LayerSpec(
        LayerKind.RANGES,
        "range_id",
        (
            Column("range_id", "str"),
            Column("name", "str"),
            _NAME_RU,
            Column("period", "str"),
            Column("presence", "int", allowed=tuple(PRESENCE_CODES)),
            Column("origin", "int", allowed=tuple(ORIGIN_CODES)),
            Column("seasonal", "int", allowed=tuple(SEASONAL_CODES)),
            Column("iso3", "str", nullable=True),
            _SOURCE,
            _SOURCE_RU,
        ),
        _POLY,
        description="range polygons by period, with IUCN presence/origin/seasonal codes",
    ),
    LayerKind.PROTECTED_AREAS: LayerSpec(
        LayerKind.PROTECTED_AREAS,
        "pa_id",
        (
            Column("pa_id", "str"),
            Column("name", "str"),
            _NAME_RU,
            Column("designation", "str"),
            Column("iucn_cat", "str", allowed=IUCN_CATEGORIES),
            Column("status_year", "int", nullable=True, minimum=1800),
            Column("reported_area_km2", "float", nullable=True, minimum=0),
            Column("iso3", "str"),
            _SOURCE,
            _SOURCE_RU,
            Column(
                "approximate",
                "bool",
                required=False,
                nullable=True,
                description="boundary drawn as a circle of the reported area",
            ),
        ),
        _POLY,
        description="protected areas (WDPA-like)",
    ),
    LayerKind.SITES: LayerSpec(
        LayerKind.SITES,
        "site_id",
        (
            Column("site_id", "str"),
            Column("name", "str"),
            _NAME_RU,
            Column("iso3", "str"),
            Column("status", "str", allowed=SITE_STATUSES),
            _SOURCE,
            _SOURCE_RU,
            Column(
                "approximate",
                "bool",
                required=False,
                nullable=True,
                description="position is approximate (placed from a described place)",
            ),
            Column(
                "scope",
                "str",
                required=False,
                nullable=True,
                allowed=SITE_SCOPES,
                description="'country' for a site that stands for a whole country's estimate",
            ),
        ),
        ("Point", "Polygon", "MultiPolygon"),
        description="populations and reintroduction sites",
    ),
    LayerKind.RELEASES: LayerSpec(
        LayerKind.RELEASES,
        "release_id",
        (
            Column("release_id", "str"),
            Column("site_id", "str"),
            Column("source_site_id", "str", nullable=True),
            Column("source_name", "str", nullable=True),
            Column("date", "date"),
            Column("n_released", "int", minimum=0, exclusive=True),
            _SOURCE,
            _SOURCE_RU,
        ),
        ("Point",),
        geometry_required=False,
        description="releases and translocations",
    ),
    LayerKind.POPULATION_COUNTS: LayerSpec(
        LayerKind.POPULATION_COUNTS,
        "count_id",
        (
            Column("count_id", "str"),
            Column("site_id", "str"),
            Column("date", "date"),
            Column("count", "int", minimum=0),
            Column("lower", "int", required=False, nullable=True, minimum=0),
            Column("upper", "int", required=False, nullable=True, minimum=0),
            Column("method", "str", allowed=COUNT_METHODS),
            Column("captive", "bool"),
            _SOURCE,
            _SOURCE_RU,
            Column(
                "data_status",
                "str",
                required=False,
                nullable=True,
                allowed=DATA_STATUSES,
                description="surveyed, estimated, national-total, national-split or illustrative "
                "(derived from the method and the site's scope when empty)",
            ),
        ),
        ("Point",),
        description="population counts (survey location defaults to the site's)",
    ),
    LayerKind.OCCURRENCES: LayerSpec(
        LayerKind.OCCURRENCES,
        "occurrence_id",
        (
            Column("occurrence_id", "str"),
            Column("date", "timestamp", description="day, or instant in UTC (ISO text)"),
            Column("kind", "str", allowed=OCCURRENCE_KINDS),
            Column("animal_id", "str", nullable=True, description="the collared animal of a telemetry fix"),
            Column("site_id", "str", nullable=True),
            Column("count", "int", nullable=True, minimum=0),
            Column("coordinate_uncertainty_m", "float", nullable=True, minimum=0),
            _SOURCE,
        ),
        ("Point",),
        description="occurrences: observations, camera-trap detections, telemetry fixes, specimens, signs "
        "(a partitioned GeoParquet dataset beside a GeoPackage store; a table in a PostGIS store)",
    ),
}
"""The schema of every layer kind."""

DATASET_KINDS = (LayerKind.OCCURRENCES,)
"""Big layers: kept as a partitioned GeoParquet dataset beside the store, registered in it."""
TABLE_KINDS = tuple(k for k in LayerKind if k not in DATASET_KINDS)
"""Layers kept as feature tables inside the store."""


def period_order(periods: Iterable[object]) -> list[str]:
    """Sort range periods: ``historical`` first, then other names that are not years, then years ascending.

    Examples
    --------
    >>> period_order(["2020", "historical", "2002", "2020", "1990s"])
    ['historical', '1990s', '2002', '2020']
    """

    def key(period: str) -> tuple[int, int, str]:
        if period.strip().isdigit():
            return (2, int(period), period)
        return (0 if period.strip().lower() == "historical" else 1, 0, period.lower())

    return sorted({str(p) for p in periods}, key=key)


def latest_period(periods: Iterable[object]) -> str | None:
    """The latest range period: the largest period that is a year, or None when no period is a year.

    The one rule for "the current range" wherever it is needed (the AOH of the bundled rasters, the
    coverage map and tables, the change between periods).

    Examples
    --------
    >>> latest_period(["historical", "2002", "2020", "2020"])
    '2020'
    >>> latest_period(["historical"]) is None
    True
    """
    years = [p for p in period_order(periods) if p.strip().isdigit()]
    return years[-1] if years else None


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$")
_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def parse_date(value: object, *, today: _dt.date | None = None) -> str:
    """Normalise a year, year-month or full date to ISO text, refusing future dates.

    Parameters
    ----------
    value : object
        ``2009``, ``"2009"``, ``"2009-05"``, ``"2009-05-15"``, ``"2009-05-15T00:00:00"``, or a date.
    today : datetime.date, optional
        The date after which a date counts as future (default: today).

    Returns
    -------
    str
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Raises
    ------
    ValueError
        If the value is not such a date, or lies in the future.

    Examples
    --------
    >>> parse_date(2009), parse_date("2009-5-3"), parse_date("2019-10-01T00:00:00")
    ('2009', '2009-05-03', '2019-10-01')
    """
    today = today or _dt.date.today()
    if isinstance(value, (_dt.date, pd.Timestamp)):
        text = value.strftime("%Y-%m-%d")
    elif isinstance(value, (int, np.integer)) or (isinstance(value, float) and float(value).is_integer()):
        text = str(int(value))
    else:
        text = str(value).strip()
        text = re.sub(r"[T ]00:00:00(\.0+)?$", "", text)
        parts = text.split("-")
        if 1 < len(parts) <= 3 and all(p.isdigit() for p in parts):
            text = "-".join([parts[0]] + [p.zfill(2) for p in parts[1:]])
    match = _DATE_RE.match(text)
    if not match:
        raise ValueError(f"{value!r} is not a date; write YYYY, YYYY-MM or YYYY-MM-DD")
    year_text, month_text, day_text = match.groups()
    year = int(year_text)
    try:
        first = _dt.date(year, int(month_text or 1), int(day_text or 1))
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a calendar date ({exc})") from None
    if year < 1700 or first > today:
        raise ValueError(f"{value!r} is in the future or before 1700; dates must lie between 1700 and today")
    return text


_INSTANT_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


def parse_timestamp(value: object, *, now: _dt.datetime | None = None) -> str:
    """Normalise a date or an instant to ISO text; instants become UTC, to the second.

    A year, year-month or day stays as :func:`parse_date` gives it. A time of day (``T`` or a space
    after the day) makes an instant: with an offset (``+05:00``, ``Z``) it is converted to UTC,
    without one it is taken as UTC (as Movebank and GBIF write it). The start of an interval
    (``2019-05-01/2019-05-31``) stands for it.

    Raises
    ------
    ValueError
        If the value is no such date or instant, or lies in the future or before 1700.

    Examples
    --------
    >>> parse_timestamp("2019-05-03 10:22:00.000"), parse_timestamp("2019-05-03T10:22+05:00")
    ('2019-05-03T10:22:00Z', '2019-05-03T05:22:00Z')
    >>> parse_timestamp("2019-05/2019-06"), parse_timestamp("2019-05-03T00:00:00")
    ('2019-05', '2019-05-03T00:00:00Z')
    """
    texts, bad = normalise_timestamps(pd.Series([value], dtype=object), now=now)
    if bad[0]:
        raise ValueError(
            f"{value!r} is not a date or time; write YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS[Z] "
            f"(UTC), between 1700 and now"
        )
    return str(texts.iloc[0])


_DAY_RE = r"^\d{4}(?:-\d{1,2}(?:-\d{1,2})?)?$"


def normalise_timestamps(
    values: pd.Series, *, now: _dt.datetime | None = None
) -> tuple[pd.Series, np.ndarray]:
    """Vectorised :func:`parse_timestamp`: the ISO texts (``<NA>`` where bad) and the mask of bad values.

    Missing values are bad too (``date`` may not be missing).
    """
    now = now or _dt.datetime.now(_dt.UTC)
    text = values.astype(str).str.strip()
    text = text.where(values.notna(), "")
    interval = text.str.contains("/", regex=False).to_numpy(bool)
    if interval.any():
        text[interval] = text[interval].str.split("/").str[0]
    raw = text.to_numpy(object)
    lengths = text.str.len().to_numpy()
    out = np.full(len(raw), None, dtype=object)
    done = lengths == 0
    today = pd.Timestamp(now.date())
    for size, fmt in ((10, "%Y-%m-%d"), (7, "%Y-%m"), (4, "%Y")):
        mask = ~done & (lengths == size)
        if not mask.any():
            continue
        parsed = pd.to_datetime(pd.Series(raw[mask]), format=fmt, errors="coerce")
        ok = (parsed.notna() & (parsed <= today) & (parsed.dt.year >= 1700)).to_numpy(bool)
        rows = np.flatnonzero(mask)
        out[rows[ok]] = raw[rows[ok]]
        done[rows[ok]] = True
    day_like = ~done & text.str.fullmatch(_DAY_RE).fillna(False).to_numpy(bool)
    for i in np.flatnonzero(day_like):  # single-digit months or days (2009-5-3), or a bad day: rare
        done[i] = True
        try:
            out[i] = parse_date(raw[i], today=now.date())
        except ValueError:
            pass
    rest = np.flatnonzero(~done)
    if len(rest):
        parsed = pd.to_datetime(pd.Series(raw[rest]), utc=True, format="ISO8601", errors="coerce")
        ok = (parsed.notna() & (parsed <= pd.Timestamp(now)) & (parsed.dt.year >= 1700)).to_numpy(bool)
        seconds = parsed[ok].dt.tz_convert(None).to_numpy("datetime64[s]")
        out[rest[ok]] = np.char.add(np.datetime_as_string(seconds, unit="s"), "Z").astype(object)
    result = pd.Series(pd.array(out, dtype="string"), index=values.index)
    return result, result.isna().to_numpy(bool)


def year_of(date_text: str) -> int:
    """Return the year of an ISO text date.

    Examples
    --------
    >>> year_of("2019-10")
    2019
    """
    return int(str(date_text)[:4])


def _number(value: object, what: str) -> float:
    """``float(value)`` (text may use thousands commas), or ValueError naming the value and ``what``."""
    try:
        if isinstance(value, str):
            return float(value.strip().replace(",", ""))
        if isinstance(value, SupportsFloat):
            return float(value)
    except (TypeError, ValueError):
        pass
    raise ValueError(f"{value!r} is not {what}")


def _coerce(value: object, column: Column, today: _dt.date) -> object:
    if column.dtype == "str":
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        text = str(value).strip()
        if not text:
            raise ValueError("is empty")
        return text
    if column.dtype == "int":
        if isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{value!r} is not a whole number")
        number = _number(value, "a whole number")
        if not np.isfinite(number) or not number.is_integer():
            raise ValueError(f"{value!r} is not a whole number")
        return int(number)
    if column.dtype == "float":
        number = _number(value, "a number")
        if not np.isfinite(number):
            raise ValueError(f"{value!r} is not a finite number")
        return number
    if column.dtype == "bool":
        if isinstance(value, (bool, np.bool_)):
            return bool(value)
        text = str(value).strip().lower()
        if text in _TRUE or text == "1.0":
            return True
        if text in _FALSE or text == "0.0":
            return False
        raise ValueError(f"{value!r} is not true/false")
    if column.dtype == "timestamp":
        return parse_timestamp(value, now=_dt.datetime.combine(today, _dt.time.max, tzinfo=_dt.UTC))
    return parse_date(value, today=today)


def _is_missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _check_value(value: object, column: Column) -> str | None:
    if column.allowed is not None and value not in column.allowed:
        shown = ", ".join(map(str, column.allowed))
        return f"{column.name}={value!r} is not allowed (allowed: {shown})"
    if column.minimum is not None and isinstance(value, (int, float)):
        if column.exclusive and not value > column.minimum:
            return f"{column.name}={value!r} must be greater than {column.minimum:g}"
        if not column.exclusive and value < column.minimum:
            return f"{column.name}={value!r} must be at least {column.minimum:g}"
    if column.name in ("iso3",) and value not in ISO3_CODES:
        return f"iso3={value!r} is not an ISO 3166-1 alpha-3 code (e.g. KAZ, UZB, TJK, TKM, AFG)"
    return None


def _labels(frame: pd.DataFrame, id_column: str) -> list[str]:
    if id_column in frame.columns:
        ids = frame[id_column].tolist()
        return [f"{id_column}={v!r}" if not _is_missing(v) else f"row {i + 1}" for i, v in enumerate(ids)]
    return [f"row {i + 1}" for i in range(len(frame))]


def _validate_columns(
    frame: pd.DataFrame, spec: LayerSpec, today: _dt.date, problems: list[Problem]
) -> dict[str, list]:
    labels = _labels(frame, spec.id_column)
    coerced: dict[str, list] = {}
    for column in spec.columns:
        if column.name not in frame.columns:
            continue
        values: list[object] = []
        for label, raw in zip(labels, frame[column.name].tolist(), strict=True):
            if _is_missing(raw):
                if not column.nullable:
                    problems.append(Problem(label, f"{column.name} is missing (required)"))
                values.append(None)
                continue
            try:
                value = _coerce(raw, column, today)
            except (ValueError, TypeError, OverflowError) as exc:
                problems.append(Problem(label, f"{column.name} {exc}"))
                values.append(None)
                continue
            message = _check_value(value, column)
            if message:
                problems.append(Problem(label, message))
            values.append(value)
        coerced[column.name] = values
    return coerced


def _validate_geometry(frame: gpd.GeoDataFrame, spec: LayerSpec, problems: list[Problem]) -> None:
    labels = _labels(frame, spec.id_column)
    geoms = frame.geometry.values
    types = shapely.get_type_id(geoms)
    names = np.array(
        [
            "Point",
            "LineString",
            "LinearRing",
            "Polygon",
            "MultiPoint",
            "MultiLineString",
            "MultiPolygon",
            "GeometryCollection",
        ]
    )
    valid = shapely.is_valid(geoms)
    empty = shapely.is_empty(geoms)
    allowed = ", ".join(spec.geometry_types)
    for i, label in enumerate(labels):
        if geoms[i] is None:
            if spec.geometry_required:
                problems.append(Problem(label, f"geometry is missing ({allowed} required)"))
            continue
        if empty[i]:
            problems.append(Problem(label, f"geometry is empty ({allowed} required)"))
            continue
        kind = names[types[i]]
        if kind not in spec.geometry_types:
            problems.append(
                Problem(label, f"geometry is a {kind}; a {spec.kind.value} feature must be {allowed}")
            )
        elif not valid[i]:
            reason = shapely.is_valid_reason(geoms[i])
            problems.append(
                Problem(label, f"geometry is invalid ({reason}); repair it (e.g. shapely.make_valid)")
            )


def _validate_ids(frame: pd.DataFrame, spec: LayerSpec, ids: list, problems: list[Problem]) -> None:
    seen: dict[object, int] = {}
    for i, value in enumerate(ids):
        if value is None:
            continue
        if value in seen:
            problems.append(
                Problem(f"{spec.id_column}={value!r}", f"duplicate id (rows {seen[value] + 1} and {i + 1})")
            )
        else:
            seen[value] = i


def validate_layer(
    frame: gpd.GeoDataFrame, kind: LayerKind | str, *, today: _dt.date | None = None
) -> gpd.GeoDataFrame:
    """Check a layer against the schema of its kind and return a coerced copy.

    Columns of the spec are coerced to their types (``int`` columns become pandas ``Int64``,
    ``bool`` becomes ``boolean``, ``date`` becomes ISO text); extra columns are kept as they are.
    Only the columns whose values may not be missing must be in ``frame`` (for ``releases``, one of
    ``source_site_id`` and ``source_name``); a nullable column left out is added with no values.
    The input is not modified.

    Parameters
    ----------
    frame : geopandas.GeoDataFrame
        The layer. Its CRS is not checked here (see :mod:`deerhabitat.crs`).
    kind : LayerKind or str
        The layer kind whose schema applies.
    today : datetime.date, optional
        Reference date for "date in the future" (default: today).

    Returns
    -------
    geopandas.GeoDataFrame
        A new frame with the spec's columns first (in spec order), then extra columns, then geometry.

    Raises
    ------
    SchemaError
        Listing every problem found, each with the feature id or row number.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> states = gpd.GeoDataFrame({"iso3": ["UZB"], "name": ["Uzbekistan"]},
    ...                           geometry=[shapely.box(56, 37, 73, 46)], crs=4326)
    >>> validate_layer(states, "range-states").iso3.tolist()
    ['UZB']
    """
    kind = LayerKind.parse(kind) if not isinstance(kind, LayerKind) else kind
    spec = SPECS[kind]
    today = today or _dt.date.today()
    problems: list[Problem] = []
    missing = [c.name for c in spec.columns if c.required and not c.nullable and c.name not in frame.columns]
    if kind is LayerKind.RELEASES and not {"source_site_id", "source_name"} & set(frame.columns):
        missing.append("source_site_id or source_name")
    if missing:
        found = ", ".join(map(str, [c for c in frame.columns if c != "geometry"])) or "none"
        problems.append(
            Problem(
                WHOLE_FILE,
                f"missing required column(s): {', '.join(missing)} (columns found: {found}); "
                f"map yours with --field SRC=DST",
            )
        )
    coerced = _validate_columns(frame, spec, today, problems)
    if spec.id_column in coerced:
        _validate_ids(frame, spec, coerced[spec.id_column], problems)
    if isinstance(frame, gpd.GeoDataFrame) and frame.geometry.name in frame.columns:
        _validate_geometry(frame, spec, problems)
    elif spec.geometry_required:
        problems.append(
            Problem(WHOLE_FILE, f"the layer has no geometry ({', '.join(spec.geometry_types)} required)")
        )
    problems.extend(_cross_column_problems(kind, frame, coerced))
    if problems:
        raise SchemaError(kind.value, problems)
    return _assemble(frame, spec, coerced)


def _cross_column_problems(kind: LayerKind, frame: pd.DataFrame, coerced: dict[str, list]) -> list[Problem]:
    problems = []
    labels = _labels(frame, SPECS[kind].id_column)
    if kind is LayerKind.RELEASES and {"source_site_id", "source_name"} & coerced.keys():
        nothing = [None] * len(frame)
        sids, snames = coerced.get("source_site_id", nothing), coerced.get("source_name", nothing)
        for label, sid, sname in zip(labels, sids, snames, strict=True):
            if sid is None and sname is None:
                problems.append(
                    Problem(label, "give source_site_id or source_name (where the animals came from)")
                )
    if kind is LayerKind.POPULATION_COUNTS and {"lower", "upper", "count"} <= coerced.keys():
        for label, low, count, up in zip(
            labels, coerced["lower"], coerced["count"], coerced["upper"], strict=True
        ):
            if (None not in (low, count) and low > count) or (None not in (up, count) and up < count):
                problems.append(
                    Problem(label, f"lower <= count <= upper does not hold ({low}, {count}, {up})")
                )
    return problems


_PANDAS_DTYPES = {
    "str": "string",
    "int": "Int64",
    "float": "Float64",
    "bool": "boolean",
    "date": "string",
    "timestamp": "string",
}


def _assemble(frame: gpd.GeoDataFrame, spec: LayerSpec, coerced: dict[str, list]) -> gpd.GeoDataFrame:
    data = {}
    for column in spec.columns:
        if column.name in coerced:
            data[column.name] = pd.array(coerced[column.name], dtype=_PANDAS_DTYPES[column.dtype])
        elif column.required:  # a nullable column left out of the file: all its values are missing
            data[column.name] = pd.array([None] * len(frame), dtype=_PANDAS_DTYPES[column.dtype])
    geometry_name = frame.geometry.name if isinstance(frame, gpd.GeoDataFrame) else None
    for name in frame.columns:
        if name not in data and name != geometry_name:
            data[name] = frame[name].to_numpy()
    geometry = frame.geometry.values if geometry_name else [None] * len(frame)
    crs = frame.crs if geometry_name else None
    out = gpd.GeoDataFrame(
        pd.DataFrame(data, index=pd.RangeIndex(len(frame))),
        geometry=list(geometry) if not geometry_name else geometry,
        crs=crs,
    )
    return out


def check_references(frame: pd.DataFrame, kind: LayerKind, known_site_ids: Iterable[str]) -> list[Problem]:
    """List the features of ``frame`` that refer to a site id that is not known.

    Parameters
    ----------
    frame : pandas.DataFrame
        A validated ``releases`` or ``population-counts`` layer.
    kind : LayerKind
        Its kind; other kinds have no references and give an empty list.
    known_site_ids : iterable of str
        The site ids in the store (and in the sites being imported with it).

    Returns
    -------
    list of Problem
        One problem per dangling reference.
    """
    known = set(known_site_ids)
    spec = SPECS[kind]
    columns = {
        LayerKind.RELEASES: ("site_id", "source_site_id"),
        LayerKind.POPULATION_COUNTS: ("site_id",),
    }.get(kind, ())
    problems = []
    for column in columns:
        if column not in frame.columns:
            continue
        for fid, ref in zip(frame[spec.id_column], frame[column], strict=True):
            if not _is_missing(ref) and ref not in known:
                problems.append(
                    Problem(
                        f"{spec.id_column}={fid!r}",
                        f"{column}={ref!r} is not a site in the store; import the site first or "
                        f"correct the id",
                    )
                )
    return problems
