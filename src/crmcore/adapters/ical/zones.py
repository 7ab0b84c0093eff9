"""Time-zone names as calendar programs write them, and the IANA zones they stand for."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["UTC_NAMES", "WINDOWS_ZONES", "iana_zone", "zone_named"]

#: Zone names that mean UTC: times given in them are UTC times, without a zone.
UTC_NAMES: Final = frozenset(
    {
        *("UTC", "Etc/UTC", "UCT", "Etc/UCT", "Universal", "Etc/Universal", "Zulu", "Etc/Zulu"),
        *("GMT", "Etc/GMT", "Greenwich", "Etc/Greenwich"),
    }
)


def _windows_zones() -> Mapping[str, str]:
    """icalendar's table of Windows zone names to IANA names (moved in icalendar 6)."""
    for module in ("icalendar.timezone.windows_to_olson", "icalendar.windows_to_olson"):
        try:
            table = importlib.import_module(module).WINDOWS_TO_OLSON
        except (ImportError, AttributeError):
            continue
        return {str(windows): str(iana) for windows, iana in table.items()}
    return {}


#: Windows zone names (``GMT Standard Time``) and the IANA names they mean.
WINDOWS_ZONES: Final = _windows_zones()


def zone_named(name: str) -> ZoneInfo | None:
    """The IANA zone ``name``, or None when the zone database has no such zone."""
    try:
        return ZoneInfo(name)
    # An unknown key is a KeyError; a malformed one a ValueError; a key that is
    # a directory of the database ("Europe") or absurdly long an OSError.
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def iana_zone(tzid: str) -> ZoneInfo | None:
    """The IANA zone behind a TZID: the name itself, a Windows name, or the
    tail of a "globally unique" one like ``/mozilla.org/20050126_1/Europe/Berlin``."""
    name = tzid.strip().strip("/")
    if not name:
        return None
    if name in WINDOWS_ZONES:
        return zone_named(WINDOWS_ZONES[name])
    parts = name.split("/")
    for first in range(len(parts)):
        zone = zone_named("/".join(parts[first:]))
        if zone is not None:
            return zone
    return None
