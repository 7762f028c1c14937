"""Unit constants and converters. Internally everything is metres and square metres."""

from __future__ import annotations

M_PER_KM = 1_000.0
M2_PER_KM2 = 1_000_000.0
M2_PER_HA = 10_000.0
HA_PER_KM2 = 100.0


def m2_to_km2(area_m2):
    """Convert square metres to square kilometres.

    Examples
    --------
    >>> m2_to_km2(2_500_000.0)
    2.5
    """
    return area_m2 / M2_PER_KM2


def km2_to_m2(area_km2):
    """Convert square kilometres to square metres.

    Examples
    --------
    >>> km2_to_m2(1.5)
    1500000.0
    """
    return area_km2 * M2_PER_KM2


def ha_to_km2(area_ha):
    """Convert hectares to square kilometres.

    Examples
    --------
    >>> ha_to_km2(68_717.8)
    687.178
    """
    return area_ha / HA_PER_KM2


def m_to_km(length_m):
    """Convert metres to kilometres.

    Examples
    --------
    >>> m_to_km(1500.0)
    1.5
    """
    return length_m / M_PER_KM
