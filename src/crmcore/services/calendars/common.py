"""What export, import and sync share: the UIDs and references of what crmcore wrote, and times.

A task or event that came from a file keeps the file's UID (its
``external_ref`` is ``"ical:<UID>"``); everything else is written as
``task-<id>@crmcore`` or ``event-<id>@crmcore``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from crmcore.adapters.ical import CalendarItem
from crmcore.domain import Event
from crmcore.domain.tasks import Task

__all__ = ["component_of", "event_uid", "external_ref", "instant", "own_entity", "task_uid"]

_REF = "ical:"
# A reference too long for the stored field is made from a digest of the UID.
_HASHED_REF = "ical#"
_MAX_REF = 200
_YEARS = range(1000, 9001)

#: A UID crmcore writes for a task or event of its own: the kind, then the id.
_OWN_UID = re.compile(r"(task|event)-([0-9a-f-]{36})@crmcore")


def own_entity(uid: str) -> tuple[str, UUID] | None:
    """``("task" | "event", id)`` when crmcore wrote ``uid`` for one of its own; None else.

    A UID that only looks like crmcore's (its id is no UUID) is another
    program's UID like any other.
    """
    found = _OWN_UID.fullmatch(uid)
    if found is None:
        return None
    try:
        return found.group(1), UUID(found.group(2))
    except ValueError:
        return None


def external_ref(uid: str, occurrence: datetime | None = None) -> str:
    """The ``external_ref`` of what a UID (and one occurrence of it) was imported as."""
    suffix = "" if occurrence is None else f":{occurrence.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    plain = f"{_REF}{uid}{suffix}"
    if len(plain) <= _MAX_REF:
        return plain
    return f"{_HASHED_REF}{hashlib.sha256(uid.encode()).hexdigest()}{suffix}"


def task_uid(task: Task) -> str:
    """The UID ``task`` is written with: the file's it came from, else its own."""
    ref = task.external_ref
    if ref is not None and ref.startswith(_REF):
        return ref.removeprefix(_REF)
    return f"task-{task.id}@crmcore"


def event_uid(event: Event) -> str:
    """The UID ``event`` is written with: the file's it came from, else its own."""
    ref = event.external_ref
    if ref is not None and ref.startswith(_REF):
        return ref.removeprefix(_REF)
    return f"event-{event.id}@crmcore"


def component_of(item: CalendarItem) -> str:
    """The iCalendar component an item is: VTODO or VEVENT."""
    return "VTODO" if item.kind == "todo" else "VEVENT"


def instant(value: datetime | date, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """An aware moment; a date is the start of that day in ``zone`` (its end when ``end``).

    Raises:
        OverflowError: the moment is outside the years crmcore keeps.
    """
    if isinstance(value, datetime):
        moment = value
    else:
        day = value + timedelta(days=1) if end else value
        moment = datetime.combine(day, time(0), tzinfo=zone)
    # Far from the ends of the calendar, so zones and durations cannot overflow.
    if moment.astimezone(UTC).year not in _YEARS:
        raise OverflowError(
            f"{moment.isoformat()} is outside the years {_YEARS.start}-{_YEARS.stop - 1}"
        )
    return moment
