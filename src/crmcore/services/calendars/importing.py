"""Import: the to-dos, events, alarms and overrides of a parsed .ics file, and what was skipped.

Importing a file that was exported, or importing the same file twice,
finds what it made before instead of making it again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.adapters.ical import CalendarItem, ParsedCalendar, Skipped
from crmcore.domain import Client, Employee, EventType
from crmcore.domain.recurrence import Recurrence
from crmcore.domain.series import Series
from crmcore.domain.tasks import ProgressMode, Task
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.calendars.common import component_of, external_ref, instant, own_entity
from crmcore.services.calendars.statuses import apply_todo_state, priority_of
from crmcore.services.context import Context
from crmcore.services.events import EventService
from crmcore.services.refs import find_task
from crmcore.services.reminders import ReminderService
from crmcore.services.tasks import TaskService

__all__ = ["EXPAND_AHEAD", "EXPAND_BACK", "MAX_EXPANDED", "ImportReport", "Importer"]

#: How far ahead a repeating VEVENT is expanded into events on import by default.
EXPAND_AHEAD = timedelta(days=365)
#: How far back before the end of the expansion a repeating VEVENT is expanded.
EXPAND_BACK = timedelta(days=3653)
#: Most events one repeating VEVENT becomes on import (the latest ones are kept).
MAX_EXPANDED = 1000

_UNTITLED = "(без названия)"
_MAX_NAME = 500
_MAX_TAG = 100
_LONGEST_REMINDER = timedelta(days=366)
_RDATE_ON_TODO = (
    "a task repeats by its rule alone; its {} added occurrence(s) were not imported, the to-do was"
)


@attrs.frozen(kw_only=True)
class ImportReport:
    """What an .ics import did.

    Attributes:
        tasks: the tasks created (a repeating to-do's first task, then the
            tasks made for its overridden occurrences).
        events: the events created.
        updated: tasks made by an earlier import of the same UIDs that this
            import changed.
        unchanged: tasks and events found from an earlier import and left as
            they were.
        skipped: what was not imported, and why.
        product: the PRODID of the program that wrote the file.
    """

    tasks: tuple[UUID, ...] = ()
    events: tuple[UUID, ...] = ()
    updated: tuple[UUID, ...] = ()
    unchanged: int = 0
    skipped: tuple[Skipped, ...] = ()
    product: str = ""

    def describe(self) -> str:
        """The report in a few lines, for a person."""
        lines = [
            f"{len(self.tasks)} tasks and {len(self.events)} events created, "
            f"{len(self.updated)} updated, {self.unchanged} unchanged, "
            f"{len(self.skipped)} skipped"
        ]
        lines += [f"- {s.component} {s.uid or '(no UID)'}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


@attrs.define(kw_only=True)
class Importer:
    """Imports the items of one parsed file into one unit of work.

    What it makes is made by the actor of ``context``; ``who``'s own
    workflow moves are made as ``who``.
    """

    context: Context
    uow: UnitOfWork
    who: Employee | None
    client: Client | None
    event_type: EventType | None
    zone: str
    now: datetime
    horizon: datetime
    tasks: list[UUID] = attrs.Factory(list)
    events: list[UUID] = attrs.Factory(list)
    updated: list[UUID] = attrs.Factory(list)
    unchanged: int = 0
    skipped: list[Skipped] = attrs.Factory(list)

    def report(self, product: str) -> ImportReport:
        """What the import did; ``product`` is the PRODID of the file."""
        return ImportReport(
            tasks=tuple(self.tasks),
            events=tuple(self.events),
            updated=tuple(self.updated),
            unchanged=self.unchanged,
            skipped=tuple(self.skipped),
            product=product,
        )

    @property
    def _tasks(self) -> TaskService:
        return TaskService(self.context)

    @property
    def _workers(self) -> TaskService:
        who = self.who
        return self._tasks if who is None else TaskService(self.context.acting_as(who))

    def run(self, parsed: ParsedCalendar) -> None:
        """Import the items of ``parsed``: each master with its overrides, then lone overrides."""
        self.skipped += parsed.skipped
        masters: dict[tuple[str, str], CalendarItem] = {}
        overrides: dict[tuple[str, str], list[CalendarItem]] = {}
        for item in parsed.items:
            key = (item.kind, item.uid)
            if item.recurrence_id is not None:
                overrides.setdefault(key, []).append(item)
            elif key in masters:
                self._skip(item, "another item of the file has the same UID; the first was used")
            else:
                masters[key] = item
        for key, item in masters.items():
            found = overrides.pop(key, [])
            if item.kind == "todo":
                self._todo(item, found)
            else:
                self._event(item, found)
        for (kind, _), lone in overrides.items():
            for item in lone:
                if kind == "event":
                    self._lone_event(item)
                else:
                    self._skip(
                        item, "it overrides an occurrence of a series that is not in the file"
                    )

    def _skip(self, item: CalendarItem, reason: str, component: str | None = None) -> None:
        self.skipped.append(
            Skipped(component=component or component_of(item), uid=item.uid, reason=reason)
        )

    # --- to-dos

    def _todo(self, item: CalendarItem, overrides: Sequence[CalendarItem]) -> None:
        zone_name = _frame(item, self.zone)
        if item.rdates:
            self._skip(item, _RDATE_ON_TODO.format(len(item.rdates)), "RDATE")
        zone = ZoneInfo(zone_name)
        try:
            start, end = _period(item, zone, self.now)
            rule = self._rule(item, start, zone_name) if item.rrule else None
        except OverflowError:
            self._skip(item, "a time in it is out of the range of years; it was not imported")
            return
        name = _single_line(item.summary, _MAX_NAME) or _UNTITLED
        details = _details(item)
        tags = _tags(item.categories)
        priority = priority_of(item.priority)
        ref = external_ref(item.uid)
        existing = self._existing_task(item.uid)
        tasks = self._tasks
        if existing is not None:
            task = existing
            before = task.version
            changes: dict[str, object] = {
                "name": name,
                "description": details,
                "tags": tags,
                "priority": priority,
            }
            if task.series_id is None:
                changes.update(start=start, end=end)
            task = tasks.update(task, **changes)
            task = self._state(task, item)
            self._overrides(task, item, overrides)
            if task.version != before:
                self.updated.append(task.id)
            else:
                self.unchanged += 1
            return
        task = tasks.create(
            name,
            start=start,
            end=end,
            time_zone=zone_name,
            executors=[] if self.who is None else [self.who],
            client=self.client,
            description=details,
            priority=priority,
            tags=tags,
            progress=ProgressMode.WEIGHTED if self.who is not None else ProgressMode.MANUAL,
            external_ref=ref,
        )
        self.tasks.append(task.id)
        self._alarms(task, item)
        if rule is not None:
            tasks.repeat(task, rule)
            task = find_task(self.uow, task.id)
        task = self._state(task, item)
        self._overrides(task, item, overrides)
        self._skip_past(task)

    def _existing_task(self, uid: str) -> Task | None:
        """The task an earlier import of ``uid`` made, or that crmcore wrote as ``uid``."""
        own = own_entity(uid)
        if own is not None and own[0] == "task":
            return self.uow.tasks.get(own[1])
        found = self.uow.tasks.find(external_ref=external_ref(uid))
        return found[0] if found else None

    def _rule(self, item: CalendarItem, start: datetime, zone_name: str) -> Recurrence | None:
        """The to-do's rule, or None (reported) when crmcore cannot repeat a task by it."""
        assert item.rrule is not None
        zone = ZoneInfo(zone_name)
        try:
            rule = Recurrence.from_rrule(
                item.rrule,
                start=start,
                time_zone=zone_name,
                exceptions=[instant(e, zone) for e in item.exdates],
            )
        except ValidationError as error:
            self._skip(item, f"{error.problem}; imported as one task", "RRULE")
            return None
        if not rule.is_occurrence(start):
            self._skip(
                item, "its DTSTART is no occurrence of the rule; imported as one task", "RRULE"
            )
            return None
        return rule

    def _state(self, task: Task, item: CalendarItem) -> Task:
        apply_todo_state(self._tasks, self._workers, task, self.who, item, close=True)
        return find_task(self.uow, task.id)

    def _overrides(
        self, task: Task, master: CalendarItem, overrides: Sequence[CalendarItem]
    ) -> None:
        series = None if task.series_id is None else self.uow.series.get(task.series_id)
        zone = ZoneInfo(task.time_zone)
        for override in overrides:
            assert override.recurrence_id is not None
            try:
                occurrence = instant(override.recurrence_id, zone)
            except OverflowError:
                self._skip(override, "its RECURRENCE-ID is out of the range of years")
                continue
            if series is None:
                self._skip(override, "it overrides an occurrence, but the to-do does not repeat")
                continue
            if not series.recurrence.is_occurrence(occurrence):
                self._skip(
                    override,
                    f"RECURRENCE-ID {occurrence.isoformat()} is no occurrence of the rule",
                )
                continue
            self._occurrence(task, series, occurrence, override)

    def _occurrence(
        self, template: Task, series: Series, occurrence: datetime, item: CalendarItem
    ) -> None:
        """The task of one overridden occurrence: made if missing, then given the override."""
        uow = self.uow
        if occurrence == template.occurrence:
            instance = template
        else:
            made = uow.tasks.find(series_id=series.id, occurrence=occurrence)
            if made:
                instance = made[0]
            else:
                instance = self._tasks.make_occurrence(template, occurrence)
                self.tasks.append(instance.id)
        zone = ZoneInfo(instance.time_zone)
        changes: dict[str, object] = {}
        name = _single_line(item.summary, _MAX_NAME)
        if name and name != instance.name:
            changes["name"] = name
        if item.start is not None or item.end is not None:
            try:
                start, end = _period(item, zone, self.now)
            except OverflowError:
                start, end = instance.planned_start, instance.planned_end
            if (start, end) != (instance.planned_start, instance.planned_end):
                changes.update(start=start, end=end)
        if changes:
            instance = self._tasks.update(instance, **changes)
        self._state(instance, item)

    def _skip_past(self, template: Task) -> None:
        """Past occurrences of a new series are not made tasks: start making them from now."""
        if template.series_id is not None:
            self._tasks.materialise_from(template, self.now)

    def _alarms(self, task: Task, item: CalendarItem) -> None:
        """The to-do's alarms as reminders; alarms that fire at the same moment become one."""
        wanted: dict[tuple[timedelta, int, str], set[str]] = {}
        for alarm in item.alarms:
            before, anchor = alarm.before, alarm.related
            if alarm.at is not None:
                before, anchor = task.planned_start - alarm.at, "start"
            assert before is not None
            if before < timedelta(0):
                reason = f"it fires {-before} after the task's {anchor}; reminders come before"
            elif before > _LONGEST_REMINDER:
                reason = "it fires more than a year before the task; reminders reach a year"
            elif before % timedelta(minutes=1):
                reason = "reminders are set in whole minutes"
            else:
                channels = {"in_app", "email"} if alarm.action == "EMAIL" else {"in_app"}
                wanted.setdefault((before, alarm.calendar_days, anchor), set()).update(channels)
                continue
            self._skip(item, f"{reason}; the alarm was not imported", "VALARM")
        reminders = ReminderService(self.context)
        for (before, days, anchor), channels in wanted.items():
            reminders.add(
                task, before, calendar_days=days, anchor=anchor, channels=sorted(channels)
            )

    # --- events

    def _event(self, item: CalendarItem, overrides: Sequence[CalendarItem]) -> None:
        if item.status == "CANCELLED":
            self._skip(item, "it is cancelled (STATUS:CANCELLED); it was not imported")
            return
        if item.alarms:
            self._skip(
                item,
                f"crmcore events have no reminders; its {len(item.alarms)} alarm(s) "
                "were not imported, the event was",
                "VALARM",
            )
        zone_name = _frame(item, self.zone)
        zone = ZoneInfo(zone_name)
        try:
            start, length = _span(item, zone)
            added = _added(item, zone)
        except OverflowError:
            self._skip(item, "a time in it is out of the range of years; it was not imported")
            return
        if not item.rrule and not added:
            for override in overrides:
                self._skip(override, "it overrides an occurrence, but the event does not repeat")
            self._log(item, external_ref(item.uid), start, length)
            return
        try:
            rule = _event_rule(item, start, zone_name, zone)
        except (ValidationError, OverflowError) as error:
            problem = error.problem if isinstance(error, ValidationError) else str(error)
            self._skip(item, f"{problem}; only its first occurrence was imported", "RRULE")
            for override in overrides:
                self._skip(override, "its series was imported as its first occurrence only")
            self._log(item, external_ref(item.uid), start, length)
            return
        moments = self._expand(item, rule, start, added, zone)
        imported = set(moments)
        replaced: dict[datetime, CalendarItem] = {}
        for override in overrides:
            assert override.recurrence_id is not None
            try:
                moment = instant(override.recurrence_id, zone)
            except OverflowError:
                self._skip(override, "its RECURRENCE-ID is out of the range of years")
                continue
            if moment in imported:
                replaced[moment] = override
            elif moment in added or (rule is not None and rule.is_occurrence(moment)):
                self._skip(override, "its occurrence is outside the imported window")
            else:
                self._skip(
                    override, f"RECURRENCE-ID {moment.isoformat()} is no occurrence of the rule"
                )
        for moment in moments:
            source = replaced.get(moment)
            if source is None:
                own_length = added.get(moment) or length
                self._log(item, external_ref(item.uid, moment), moment, own_length)
            elif source.status != "CANCELLED":
                try:
                    occurs, own = _span(source, zone)
                except OverflowError:
                    occurs, own = moment, length
                fallback = item.summary
                self._log(source, external_ref(item.uid, moment), occurs, own or length, fallback)

    def _expand(
        self,
        item: CalendarItem,
        rule: Recurrence | None,
        start: datetime,
        added: Mapping[datetime, timedelta | None],
        zone: ZoneInfo,
    ) -> list[datetime]:
        """The occurrences imported: from ten years before the horizon up to it, the last 1000.

        They are the rule's and the added ones (RDATE), less the excluded ones
        (EXDATE).  A series starting after the horizon is imported as its
        first occurrence.
        """
        if start >= self.horizon:
            return [start]
        low = max(start, self.horizon - EXPAND_BACK)
        moments = [] if rule is None else rule.occurrences(low, self.horizon)
        moments = _with_added(moments, item, added, zone, low, self.horizon)
        if low == start and (not moments or moments[0] != start):
            # DTSTART is always the first instance, whether the rule makes it or not.
            moments.insert(0, start)
        if low > start or len(moments) > MAX_EXPANDED:
            moments = moments[-MAX_EXPANDED:]
            first = moments[0].isoformat() if moments else self.horizon.isoformat()
            self._skip(
                item,
                f"occurrences before {first} were left out: a repeating event is imported "
                f"from {EXPAND_BACK.days // 365} years before {self.horizon.date().isoformat()} "
                f"on, {MAX_EXPANDED} occurrences at most",
                "RRULE",
            )
        return moments

    def _lone_event(self, item: CalendarItem) -> None:
        """An override whose series is not in the file: the one occurrence it describes."""
        assert item.recurrence_id is not None
        if item.status == "CANCELLED":
            self._skip(item, "it cancels an occurrence of a series that is not in the file")
            return
        zone = ZoneInfo(_frame(item, self.zone))
        try:
            occurrence = instant(item.recurrence_id, zone)
            start, length = _span(item, zone)
        except OverflowError:
            self._skip(item, "a time in it is out of the range of years; it was not imported")
            return
        self._log(item, external_ref(item.uid, occurrence), start, length)

    def _log(
        self,
        item: CalendarItem,
        ref: str,
        occurred_at: datetime,
        duration: timedelta,
        fallback: str = "",
    ) -> None:
        if self.event_type is None:
            self._skip(item, "events are not imported here")
            return
        own = own_entity(item.uid)
        if own is not None and own[0] == "event":
            written = self.uow.events.get(own[1])
        else:
            written = self.uow.events.get_by_external_ref(ref)
        if written is not None:
            self.unchanged += 1
            return
        subject = _single_line(item.summary or fallback, _MAX_NAME)
        event = EventService(self.context).log(
            self.client,
            type=self.event_type,
            subject=subject or None,
            occurred_at=occurred_at,
            employee=self.who,
            duration=duration,
            details=_details(item),
            external_ref=ref,
        )
        self.events.append(event.id)


def _frame(item: CalendarItem, fallback: str) -> str:
    """The zone an item's series is kept and expanded in, whoever imports it.

    The zone of its TZID; UTC for a start given in UTC; ``fallback`` (the
    importing employee's zone) for floating and all-day times, which are
    the reader's own wall-clock times.
    """
    if item.time_zone is not None:
        return item.time_zone
    anchor = item.start if item.start is not None else item.end
    if isinstance(anchor, datetime) and anchor.tzinfo is UTC:
        return "UTC"
    return fallback


def _event_rule(
    item: CalendarItem, start: datetime, zone_name: str, zone: ZoneInfo
) -> Recurrence | None:
    """The event's RRULE, or None when it has only added dates (RDATE)."""
    if not item.rrule:
        return None
    return Recurrence.from_rrule(
        item.rrule,
        start=start,
        time_zone=zone_name,
        exceptions=[instant(e, zone) for e in item.exdates],
    )


def _with_added(
    moments: list[datetime],
    item: CalendarItem,
    added: Mapping[datetime, timedelta | None],
    zone: ZoneInfo,
    low: datetime,
    high: datetime,
) -> list[datetime]:
    """The rule's ``moments`` with the added ones from ``low`` up to ``high``, less EXDATE."""
    excluded = {instant(moment, zone).astimezone(UTC) for moment in item.exdates}
    extra = [m for m in added if low <= m < high and m.astimezone(UTC) not in excluded]
    return sorted({*moments, *extra}) if extra else moments


def _added(item: CalendarItem, zone: ZoneInfo) -> dict[datetime, timedelta | None]:
    """The occurrences RDATE adds, and the length of those given as a period."""
    return {
        instant(added.start, zone): (
            None if added.end is None else added.end - instant(added.start, zone)
        )
        for added in item.rdates
    }


def _period(item: CalendarItem, zone: ZoneInfo, now: datetime) -> tuple[datetime, datetime]:
    """A to-do's planned start and end; DUE wins when DTSTART comes after it."""
    if item.start is None and item.end is None:
        return now, now
    first = item.start if item.start is not None else item.end
    last = item.end if item.end is not None else item.start
    assert first is not None
    assert last is not None
    start = instant(first, zone)
    end = instant(last, zone, end=True)
    return min(start, end), end


def _span(item: CalendarItem, zone: ZoneInfo) -> tuple[datetime, timedelta]:
    """When an event starts and how long it lasts; an all-day event lasts whole days."""
    first = item.start if item.start is not None else item.end
    assert first is not None
    start = instant(first, zone)
    if item.all_day or not isinstance(first, datetime):
        days = 1
        if item.end is not None and not isinstance(item.end, datetime):
            days = max((item.end - first).days, 1) if item.start is not None else 1
        return start, instant(first + timedelta(days=days), zone) - start
    if item.end is None or item.start is None:
        return start, timedelta(0)
    return start, max(instant(item.end, zone) - start, timedelta(0))


def _single_line(text: str, limit: int) -> str:
    return " ".join(text.split())[:limit]


def _tags(categories: Iterable[str]) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for category in categories:
        tag = _single_line(category, _MAX_TAG)
        if tag:
            found.setdefault(tag, None)
    return tuple(found)


def _details(item: CalendarItem) -> str:
    parts = [item.description.strip()]
    if item.location.strip():
        parts.append(f"Место: {item.location.strip()}")
    return "\n".join(p for p in parts if p)
