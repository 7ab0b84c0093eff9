"""``crm.calendar`` itself: the calendar service, export, feeds, import and sync."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.adapters.caldav import CalDAVCollection, RemoteItem
from crmcore.adapters.ical import (
    CalendarItem,
    ParsedCalendar,
    Skipped,
    parse_calendar,
    write_calendar,
)
from crmcore.domain import Actor, Client, Employee, Event, EventType
from crmcore.domain.recurrence import Recurrence
from crmcore.domain.series import Series
from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.domain.tasks import (
    ProgressMode,
    Task,
)
from crmcore.errors import (
    Conflict,
    PermissionDenied,
    ValidationError,
)
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.calendars.common import (
    OWN_UID,
    component_of,
    external_ref,
    instant,
)
from crmcore.services.calendars.export import Group, employee_groups, event_groups, task_groups
from crmcore.services.calendars.statuses import (
    apply_todo_state,
    priority_of,
)
from crmcore.services.context import Context
from crmcore.services.events import EventService
from crmcore.services.refs import (
    ClientRef,
    EmployeeRef,
    EventTypeRef,
    find_active_employee,
    find_by_id,
    find_parties,
    find_task,
    find_usable_event_type,
)
from crmcore.services.reminders import ReminderService
from crmcore.services.tasks import DEFAULT_TIME_ZONE, TaskService

__all__ = ["CalendarService", "ImportReport", "RemoteCalendar", "SyncReport"]

#: How far back and ahead a feed (and a sync) reaches when no window is given.
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)
#: How far ahead a repeating VEVENT is expanded into events on import by default.
EXPAND_AHEAD = timedelta(days=365)
#: How far back before the end of the expansion a repeating VEVENT is expanded.
EXPAND_BACK = timedelta(days=3653)
#: Most events one repeating VEVENT becomes on import (the latest ones are kept).
MAX_EXPANDED = 1000

_UNTITLED = "(без названия)"
_MAX_NAME = 500
_MAX_TAG = 100
_MAX_SYNCED_UID = 500
_MAX_TOKEN = 1000
_LONGEST_REMINDER = timedelta(days=366)


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


@attrs.frozen(kw_only=True)
class SyncReport:
    """What one CalDAV sync did, by UID of the calendar items.

    Attributes:
        pushed: items written to the server.
        pulled: items changed on the server whose status and percent were
            applied in crmcore.
        created: tasks made from to-dos created on the server.
        removed_remotely: items deleted on the server; their tasks and
            events stay in crmcore.
        conflicts: items changed both on the server and in crmcore since
            the last sync, or changed on the server while this sync wrote;
            the server's version was left as it is this time.
        skipped: what could not be used, and why.
    """

    pushed: tuple[str, ...] = ()
    pulled: tuple[str, ...] = ()
    created: tuple[UUID, ...] = ()
    removed_remotely: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def describe(self) -> str:
        """The report in a few lines, for a person."""
        lines = [
            f"{len(self.pushed)} pushed, {len(self.pulled)} pulled, "
            f"{len(self.created)} tasks created, {len(self.removed_remotely)} deleted "
            f"on the server, {len(self.conflicts)} conflicts, {len(self.skipped)} skipped"
        ]
        lines += [f"- conflict: {uid}" for uid in self.conflicts]
        lines += [f"- deleted on the server: {uid}" for uid in self.removed_remotely]
        lines += [f"- {s.component} {s.uid or '(no UID)'}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


class RemoteCalendar(Protocol):
    """What :meth:`CalendarService.sync` needs of a remote collection.

    :class:`crmcore.adapters.caldav.CalDAVCollection` is one; a host with its
    own HTTP stack may pass another.
    """

    @property
    def url(self) -> str:
        """The collection's URL, without credentials."""
        ...

    def put(self, uid: str, ics: bytes, *, etag: str | None = None) -> RemoteItem:
        """Write one item, guarded by ``etag``; Conflict when the server's version differs."""
        ...

    def changed_since(self, token: str | None) -> tuple[list[RemoteItem], list[str], str]:
        """(changed items, hrefs deleted, next token); Conflict when the token expired."""
        ...


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


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


class CalendarService(Service):
    """``crm.calendar``: tasks and events as iCalendar, in and out."""

    kind = "calendar"

    def _as(self, employee: Employee) -> Context:
        """The context of ``employee`` acting, on this CRM."""
        return Context(self._context.runtime, Actor(employee.id, employee.name))

    def _readable(self, entity: object, kind: str) -> bool:
        try:
            self._authorize("read", entity, kind=kind)
        except PermissionDenied:
            return False
        return True

    # --- export --------------------------------------------------------------------

    def export(
        self,
        *,
        tasks: Iterable[Task | UUID] = (),
        events: Iterable[Event | UUID] = (),
        name: str = "",
    ) -> bytes:
        """Tasks as VTODOs and events as VEVENTs, in one iCalendar file.

        A task that repeats brings its whole series: the series' first task
        with the RRULE and the EXDATEs of skipped occurrences, and every
        other task made from the series (not archived) as an override
        (RECURRENCE-ID).  A stopped series' rule ends at its last task.
        Reminders become VALARMs, executor rows ATTENDEEs (with PARTSTAT of
        the row's status) and the controller (the author when there is none)
        the ORGANIZER.  STATUS and PERCENT-COMPLETE are the task's own.
        A task planned from midnight to midnight in its zone is written with
        DATE values (DUE is then its last day).

        Args:
            tasks: tasks, or their ids.
            events: events, or their ids.
            name: the calendar's name (X-WR-CALNAME).

        Returns:
            The file, UTF-8 with CRLF line ends.

        Raises:
            ValidationError: an unknown task or event (``"tasks"``, ``"events"``).
            PermissionDenied: the actor may not read one of them.

        Example:
            >>> import crmcore
            >>> from datetime import UTC, datetime
            >>> crm = crmcore.open()
            >>> start = datetime(2025, 3, 3, 9, tzinfo=UTC)
            >>> task = crm.tasks.create("Планёрка", start=start, end=start.replace(hour=10))
            >>> _ = crm.tasks.repeat(task, "FREQ=WEEKLY;COUNT=4")
            >>> lines = crm.calendar.export(tasks=[task]).decode().split("\\r\\n")
            >>> [line for line in lines if line.startswith(("RRULE", "SUMMARY"))]
            ['RRULE:FREQ=WEEKLY;COUNT=4', 'SUMMARY:Планёрка']
        """
        with self._unit_of_work(writes=False) as uow:
            found_tasks = [find_task(uow, task, "tasks") for task in tasks]
            found_events = [find_by_id(uow.events, e, "event", Event, "events") for e in events]
            for task in found_tasks:
                self._authorize("read", task, kind="task")
            for event in found_events:
                self._authorize("read", event, kind="event")
            groups = task_groups(uow, found_tasks, None)
            groups += event_groups(uow, found_events)
        return write_calendar(
            [item for group in groups for item in group.items], name=name, stamp=self._now()
        )

    def feed(
        self,
        employee: EmployeeRef,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> bytes:
        """One employee's calendar, for a calendar program to subscribe to.

        It holds the tasks the employee has an executor row on whose row's
        planned period meets ``[start, end)``, the tasks they control (or
        authored without a controller) whose planned period meets it, the
        series of any of them (as :meth:`export` writes series), and their
        events of that window that are not archived.  In this feed a task's
        STATUS, PERCENT-COMPLETE and COMPLETED are the employee's own
        executor row's while the task is open (NEEDS-ACTION when a returned
        task waits for rework), and the task's where they have no row.

        Args:
            employee: the employee (entity, id or code).
            start, end: the window; 90 days back and a year ahead of now
                when omitted.

        Raises:
            ValidationError: an unknown employee, a naive or empty window.
        """
        now = self._now()
        since, until = _window(start, end, now)
        with self._unit_of_work(writes=False) as uow:
            who = find_active_employee(uow, employee, "employee")
            groups = employee_groups(uow, who, since, until, self._readable)
        return write_calendar(
            [item for group in groups for item in group.items], name=who.name, stamp=now
        )

    def import_ics(
        self,
        data: bytes | str,
        *,
        employee: EmployeeRef | None = None,
        client: ClientRef | None = None,
        event_type: EventTypeRef = "Встр",
        expand_until: datetime | None = None,
    ) -> ImportReport:
        """Import an .ics file written by a calendar program.

        VTODOs become tasks: ``employee`` their executor, ``client`` their
        client, the acting employee their author; times given without a zone
        are read in the employee's zone (else the acting employee's, else
        Europe/Kyiv), a DUE date means the end of that day.  A to-do's state
        is applied through the workflow: IN-PROCESS starts the employee's
        row, COMPLETED finishes it and completes the task, CANCELLED
        declines the row and cancels the task;
        PERCENT-COMPLETE is the row's percent (the task's own, in manual
        progress, when there is no executor).  A repeating to-do becomes a
        repeating task (:meth:`TaskService.repeat`); each of its overrides
        becomes the task of that occurrence with the override's name, times
        and state, and occurrences already past that the file does not
        override are not made tasks.  VALARMs relative to the start or the
        due time, or at a fixed time before the start, become reminders.

        VEVENTs become events of ``event_type`` with ``client`` and
        ``employee``; a repeating VEVENT becomes one event per occurrence,
        from ten years before ``expand_until`` (a year from now by default)
        up to it, at most the last 1000; an override replaces its
        occurrence's subject, time and text, and a cancelled one drops it.

        Everything is imported in one unit of work: the import happens
        whole or not at all.  What cannot be used is left out and listed in
        :attr:`ImportReport.skipped` with the reason: lines and components
        the parser could not read, journal entries, cancelled events, rules
        crmcore cannot express (the item is imported once), alarms after
        their anchor or of events (crmcore events have no reminders),
        repeated UIDs, overrides whose series is missing.  Importing the same
        file again creates nothing: events are found by their UID (and
        occurrence) and left alone; tasks are updated where the file
        changed their requisites or moved their state forward.

        Args:
            data: the file's content.
            employee: the executor of the tasks and the employee of the events.
            client: the client of the tasks and events.
            event_type: the type of the events (code or type).
            expand_until: how far repeating VEVENTs are expanded (aware).

        Raises:
            InvalidCalendar: the file is not iCalendar text, or too big.
            ValidationError: an unknown or archived ``employee``, ``client``
                or ``event_type``, or a naive ``expand_until``; nothing is written.
        """
        if expand_until is not None and (
            not isinstance(expand_until, datetime) or expand_until.utcoffset() is None
        ):
            raise ValidationError("expand_until", "must be a timezone-aware datetime")
        now = self._now()
        with self._unit_of_work() as uow:
            self._authorize("import")
            who = None if employee is None else find_active_employee(uow, employee, "employee")
            owner, _ = find_parties(uow, client, None)
            kind = find_usable_event_type(uow, event_type, "event_type")
            zone = self._zone_of(uow, who)
            parsed = parse_calendar(data, default_time_zone=zone)
            importer = _Importer(
                service=self,
                uow=uow,
                who=who,
                client=owner,
                event_type=kind,
                zone=zone,
                now=now,
                horizon=expand_until or now + EXPAND_AHEAD,
            )
            importer.run(parsed)
            return importer.report(parsed.product)

    def _zone_of(self, uow: UnitOfWork, who: Employee | None) -> str:
        if who is not None:
            return who.time_zone
        acting = self.actor.employee_id
        found = None if acting is None else uow.employees.get(acting)
        return DEFAULT_TIME_ZONE if found is None else found.time_zone

    # --- CalDAV --------------------------------------------------------------------------

    def sync(
        self,
        employee: EmployeeRef,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        collection: RemoteCalendar | None = None,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> SyncReport:
        """Keep an employee's calendar on a CalDAV collection in step with crmcore.

        Pull first, in one unit of work.  Items changed on the server since
        the last sync (RFC 6578 sync token, or ETag comparison) are read:

        * an item crmcore pushed: its VTODOs' STATUS and PERCENT-COMPLETE
          are applied as the employee's own workflow moves on their
          executor row of the task (or of the series' task of that
          occurrence): IN-PROCESS starts the row, COMPLETED starts and
          finishes it (the task goes on review when every row is done),
          CANCELLED declines it, the percent is reported as the row's
          progress while the row is neither done nor declined.  Where the
          employee has no row but is the task's controller, COMPLETED
          completes a task on review and CANCELLED cancels it.  Moves the
          workflow refuses (the task was closed meanwhile, a row cannot go
          back) are ignored.  Requisites edited on the server are not
          taken: crmcore wins, and pushes its version again.
        * if crmcore changed the item too since it was last pushed, it is
          a conflict: the status and percent are still applied as above,
          the UID is reported in ``conflicts``, and this sync does not
          overwrite the server's version; the next one pushes crmcore's.
        * a to-do created on the server becomes a task of the employee's
          (as :meth:`import_ics` does, made by the employee); an event
          created there is reported in ``skipped``.
        * an item deleted on the server is only reported
          (``removed_remotely``): its task or event stays, and it is not
          pushed again until it changes in crmcore.

        Then push: every group of :meth:`feed`'s window (a task, a series,
        an event) whose iCalendar text differs from what was last pushed
        (a sha256 fingerprint) is written, guarded by the ETag last seen, so
        a change made on the server meanwhile is not overwritten but
        reported in ``conflicts`` and pulled next time.  Items that leave
        the window stay on the server as last pushed.

        Args:
            employee: whose calendar.
            url: the collection's URL; never stored with credentials (the
                subscription is kept under the collection's own URL).
            username, password: for the server; never stored.
            collection: an object with :class:`RemoteCalendar`'s methods to
                use instead of connecting to ``url`` (its ``url`` is used).
            start, end: the window pushed, as for :meth:`feed`.

        Raises:
            ValidationError: an unknown or archived employee, a malformed URL.
            PluginError: the ``caldav`` extra is not installed.
            PermissionDenied: the server refused the credentials.
            StorageError: the server cannot be reached or failed.
        """
        now = self._now()
        since, until = _window(start, end, now)
        with self._unit_of_work(writes=False) as uow:
            who = find_active_employee(uow, employee, "employee")
        self._authorize("update", who)
        if collection is not None:
            return _Sync(self, who, collection, since, until, self._readable).run()
        with CalDAVCollection(url, username=username, password=password) as remote:
            return _Sync(self, who, remote, since, until, self._readable).run()


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    for field, value in (("start", start), ("end", end)):
        if value is not None and (not isinstance(value, datetime) or value.utcoffset() is None):
            raise ValidationError(field, "must be a timezone-aware datetime")
    since = now - FEED_PAST if start is None else start
    until = now + FEED_AHEAD if end is None else end
    if until <= since:
        raise ValidationError("end", "must be after start")
    return since, until


# ---------------------------------------------------------------- import


@attrs.define(kw_only=True)
class _Importer:
    """Imports the items of one parsed file into one unit of work."""

    service: CalendarService
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
        return TaskService(self.service._context)

    @property
    def _workers(self) -> TaskService:
        who = self.who
        return self._tasks if who is None else TaskService(self.service._as(who))

    def run(self, parsed: ParsedCalendar) -> None:
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

    def _period(self, item: CalendarItem, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """A to-do's planned start and end; DUE wins when DTSTART comes after it."""
        if item.start is None and item.end is None:
            return self.now, self.now
        first = item.start if item.start is not None else item.end
        last = item.end if item.end is not None else item.start
        assert first is not None
        assert last is not None
        start = instant(first, zone)
        end = instant(last, zone, end=True)
        return min(start, end), end

    def _todo(self, item: CalendarItem, overrides: Sequence[CalendarItem]) -> None:
        zone_name = item.time_zone or self.zone
        zone = ZoneInfo(zone_name)
        try:
            start, end = self._period(item, zone)
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
        own = OWN_UID.fullmatch(uid)
        if own is not None and own.group(1) == "task":
            return self.uow.tasks.get(UUID(own.group(2)))
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
                start, end = self._period(item, zone)
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
        wanted: dict[tuple[timedelta, str], set[str]] = {}
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
                wanted.setdefault((before, anchor), set()).update(channels)
                continue
            self._skip(item, f"{reason}; the alarm was not imported", "VALARM")
        reminders = ReminderService(self.service._context)
        for (before, anchor), channels in wanted.items():
            reminders.add(task, before, anchor=anchor, channels=sorted(channels))

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
        zone_name = item.time_zone or self.zone
        zone = ZoneInfo(zone_name)
        try:
            start, length = self._span(item, zone)
        except OverflowError:
            self._skip(item, "a time in it is out of the range of years; it was not imported")
            return
        if not item.rrule:
            for override in overrides:
                self._skip(override, "it overrides an occurrence, but the event does not repeat")
            self._log(item, external_ref(item.uid), start, length)
            return
        try:
            rule = Recurrence.from_rrule(
                item.rrule,
                start=start,
                time_zone=zone_name,
                exceptions=[instant(e, zone) for e in item.exdates],
            )
        except (ValidationError, OverflowError) as error:
            problem = error.problem if isinstance(error, ValidationError) else str(error)
            self._skip(item, f"{problem}; only its first occurrence was imported", "RRULE")
            for override in overrides:
                self._skip(override, "its series was imported as its first occurrence only")
            self._log(item, external_ref(item.uid), start, length)
            return
        moments = self._expand(item, rule, start)
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
            elif rule.is_occurrence(moment):
                self._skip(override, "its occurrence is outside the imported window")
            else:
                self._skip(
                    override, f"RECURRENCE-ID {moment.isoformat()} is no occurrence of the rule"
                )
        for moment in moments:
            source = replaced.get(moment)
            if source is None:
                self._log(item, external_ref(item.uid, moment), moment, length)
            elif source.status != "CANCELLED":
                try:
                    occurs, own = self._span(source, zone)
                except OverflowError:
                    occurs, own = moment, length
                fallback = item.summary
                self._log(source, external_ref(item.uid, moment), occurs, own or length, fallback)

    def _expand(self, item: CalendarItem, rule: Recurrence, start: datetime) -> list[datetime]:
        """The occurrences imported: from ten years before the horizon up to it, the last 1000.

        A series starting after the horizon is imported as its first occurrence.
        """
        if start >= self.horizon:
            return [start]
        low = max(start, self.horizon - EXPAND_BACK)
        moments = rule.occurrences(low, self.horizon)
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

    def _span(self, item: CalendarItem, zone: ZoneInfo) -> tuple[datetime, timedelta]:
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

    def _lone_event(self, item: CalendarItem) -> None:
        """An override whose series is not in the file: the one occurrence it describes."""
        assert item.recurrence_id is not None
        if item.status == "CANCELLED":
            self._skip(item, "it cancels an occurrence of a series that is not in the file")
            return
        zone = ZoneInfo(item.time_zone or self.zone)
        try:
            occurrence = instant(item.recurrence_id, zone)
            start, length = self._span(item, zone)
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
        own = OWN_UID.fullmatch(item.uid)
        if own is not None and own.group(1) == "event":
            written = self.uow.events.get(UUID(own.group(2)))
        else:
            written = self.uow.events.get_by_external_ref(ref)
        if written is not None:
            self.unchanged += 1
            return
        subject = _single_line(item.summary or fallback, _MAX_NAME)
        event = EventService(self.service._context).log(
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


# ---------------------------------------------------------------- sync


@attrs.define
class _Sync:
    """One sync of one employee's calendar with one remote collection."""

    service: CalendarService
    who: Employee
    remote: RemoteCalendar
    since: datetime
    until: datetime
    readable: Callable[[object, str], bool]
    pushed: list[str] = attrs.Factory(list)
    pulled: list[str] = attrs.Factory(list)
    created: list[UUID] = attrs.Factory(list)
    removed: list[str] = attrs.Factory(list)
    conflicts: list[str] = attrs.Factory(list)
    skipped: list[Skipped] = attrs.Factory(list)

    def run(self) -> SyncReport:
        subscription = self._pull()
        self._push(subscription)
        return SyncReport(
            pushed=tuple(self.pushed),
            pulled=tuple(self.pulled),
            created=tuple(self.created),
            removed_remotely=tuple(self.removed),
            conflicts=tuple(self.conflicts),
            skipped=tuple(self.skipped),
        )

    # --- pull

    def _pull(self) -> CalendarSubscription:
        service = self.service
        url = self.remote.url
        with service._unit_of_work(writes=False) as uow:
            found = uow.subscriptions.find(employee_id=self.who.id, url=url)
        token = found[0].sync_token if found else None
        try:
            changed, deleted, new_token = self.remote.changed_since(token)
        except Conflict:
            # The server forgot the token: everything is compared once.
            changed, deleted, new_token = self.remote.changed_since(None)
        with service._unit_of_work() as uow:
            now = service._now()
            stored = uow.subscriptions.find(employee_id=self.who.id, url=url)
            subscription = stored[0] if stored else self._subscribe(uow, url, now)
            known = {i.uid: i for i in uow.synced_items.find(subscription_id=subscription.id)}
            for item in changed:
                self._pulled(uow, subscription, known, item)
            by_href = {i.href: i for i in known.values() if i.href}
            for href in deleted:
                mapped = by_href.get(href)
                if mapped is not None:
                    self._deleted(uow, mapped)
            # A token too long to store means comparing everything next time.
            subscription = attrs.evolve(
                subscription,
                sync_token=new_token if len(new_token) <= _MAX_TOKEN else None,
                synced_at=now,
                version=subscription.version + 1,
                updated_at=now,
            )
            uow.subscriptions.update(subscription, subscription.version - 1)
            return subscription

    def _subscribe(self, uow: UnitOfWork, url: str, now: datetime) -> CalendarSubscription:
        subscription = CalendarSubscription(
            employee_id=self.who.id, url=url, version=1, created_at=now, updated_at=now
        )
        uow.subscriptions.add(subscription)
        return subscription

    def _pulled(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        known: dict[str, SyncedItem],
        item: RemoteItem,
    ) -> None:
        mapped = known.get(item.uid)
        if mapped is not None and mapped.etag == item.etag:
            return  # what this sync's last push stored
        parsed = parse_calendar(item.ics, default_time_zone=self.who.time_zone)
        self.skipped += parsed.skipped
        if mapped is None:
            mapped = self._new(uow, subscription, item, parsed)
            if mapped is not None:
                known[item.uid] = mapped
            return
        if mapped.entity_kind == "task":
            task = uow.tasks.get(mapped.entity_id)
            if task is None:
                uow.synced_items.delete(mapped.id)
                known.pop(item.uid)
                return
            group = self._group(uow, "task", task.id)
            if group is not None and _digest(group.render()) != mapped.fingerprint:
                self.conflicts.append(item.uid)
            self._apply(uow, task, parsed)
            self.pulled.append(item.uid)
        # crmcore wins for requisites: its version is pushed again.
        known[item.uid] = self._remember(
            uow, mapped, href=item.href, etag=item.etag, fingerprint=""
        )

    def _new(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        item: RemoteItem,
        parsed: ParsedCalendar,
    ) -> SyncedItem | None:
        """An item the server has that this subscription does not know yet."""
        kind, entity_id = self._own(uow, item.uid)
        if kind is not None and entity_id is not None:
            if kind == "task":
                task = uow.tasks.get(entity_id)
                if task is not None:
                    self._apply(uow, task, parsed)
            return self._track(uow, subscription, item, kind, entity_id)
        todos = [i for i in parsed.items if i.kind == "todo"]
        if not todos:
            component = "VEVENT" if parsed.items else "item"
            self.skipped.append(
                Skipped(
                    component=component,
                    uid=item.uid,
                    reason="events made on the server are not imported into crmcore",
                )
            )
            return None
        if len(item.uid) > _MAX_SYNCED_UID:
            self.skipped.append(
                Skipped(
                    component="VTODO",
                    uid=item.uid[:80],
                    reason=f"its UID is longer than {_MAX_SYNCED_UID} characters",
                )
            )
            return None
        employee = CalendarService(self.service._as(self.who))
        importer = _Importer(
            service=employee,
            uow=uow,
            who=self.who,
            client=None,
            event_type=None,
            zone=self.who.time_zone,
            now=self.service._now(),
            horizon=self.until,
        )
        importer.run(attrs.evolve(parsed, items=tuple(todos), skipped=()))
        self.skipped += importer.skipped
        self.created += importer.tasks
        made = uow.tasks.find(external_ref=external_ref(item.uid))
        if not made:
            return None
        return self._track(uow, subscription, item, "task", made[0].id)

    def _own(self, uow: UnitOfWork, uid: str) -> tuple[str | None, UUID | None]:
        """What in crmcore a UID names, if anything: a task or event written or imported."""
        found = OWN_UID.fullmatch(uid)
        if found is not None:
            entity_id = UUID(found.group(2))
            exists = (uow.tasks if found.group(1) == "task" else uow.events).get(entity_id)
            return (found.group(1), entity_id) if exists is not None else (None, None)
        tasks = uow.tasks.find(external_ref=external_ref(uid))
        if tasks:
            return "task", tasks[0].id
        event = uow.events.get_by_external_ref(external_ref(uid))
        return ("event", event.id) if event is not None else (None, None)

    def _apply(self, uow: UnitOfWork, task: Task, parsed: ParsedCalendar) -> None:
        """The server's status and percent, as the employee's own moves."""
        mine = TaskService(self.service._as(self.who))
        series = None if task.series_id is None else uow.series.get(task.series_id)
        zone = ZoneInfo(task.time_zone)
        for todo in parsed.items:
            if todo.kind != "todo":
                continue
            target: Task | None = task
            if todo.recurrence_id is not None:
                try:
                    occurrence = instant(todo.recurrence_id, zone)
                except OverflowError:
                    continue
                made = (
                    []
                    if series is None
                    else uow.tasks.find(series_id=series.id, occurrence=occurrence)
                )
                target = made[0] if made else None
            if target is not None:
                apply_todo_state(mine, mine, find_task(uow, target.id), self.who, todo, close=False)

    def _deleted(self, uow: UnitOfWork, mapped: SyncedItem) -> None:
        self.removed.append(mapped.uid)
        group = self._group(uow, mapped.entity_kind, mapped.entity_id)
        if group is None:
            uow.synced_items.delete(mapped.id)
            return
        # Not pushed again until it changes in crmcore.
        self._remember(uow, mapped, href="", etag=None, fingerprint=_digest(group.render()))

    def _group(self, uow: UnitOfWork, kind: str, entity_id: UUID) -> Group | None:
        """How crmcore writes a task (with its series) or event now, for the employee."""
        if kind == "task":
            task = uow.tasks.get(entity_id)
            if task is None or task.archived:
                return None
            groups = task_groups(uow, [task], self.who)
        else:
            event = uow.events.get(entity_id)
            if event is None or event.archived:
                return None
            groups = event_groups(uow, [event])
        return next((g for g in groups if g.entity_id == entity_id), None)

    def _track(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        item: RemoteItem,
        kind: str,
        entity_id: UUID,
        fingerprint: str = "",
    ) -> SyncedItem:
        """Start tracking an item; an empty fingerprint has crmcore's version pushed."""
        now = self.service._now()
        tracked = SyncedItem(
            subscription_id=subscription.id,
            uid=item.uid,
            entity_kind=kind,
            entity_id=entity_id,
            href=item.href,
            etag=item.etag,
            fingerprint=fingerprint,
            version=1,
            created_at=now,
            updated_at=now,
        )
        uow.synced_items.add(tracked)
        return tracked

    def _remember(
        self, uow: UnitOfWork, mapped: SyncedItem, *, href: str, etag: str | None, fingerprint: str
    ) -> SyncedItem:
        changed = attrs.evolve(
            mapped,
            href=href,
            etag=etag,
            fingerprint=fingerprint,
            version=mapped.version + 1,
            updated_at=self.service._now(),
        )
        uow.synced_items.update(changed, mapped.version)
        return changed

    # --- push

    def _push(self, subscription: CalendarSubscription) -> None:
        service = self.service
        with service._unit_of_work(writes=False) as uow:
            groups = employee_groups(uow, self.who, self.since, self.until, self.readable)
            known = {i.uid: i for i in uow.synced_items.find(subscription_id=subscription.id)}
        held = set(self.conflicts)
        for group in groups:
            if group.uid in held or len(group.uid) > _MAX_SYNCED_UID:
                continue
            text = group.render()
            digest = _digest(text)
            mapped = known.get(group.uid)
            if mapped is not None and mapped.fingerprint == digest:
                continue
            try:
                stored = self.remote.put(
                    group.uid, text, etag=None if mapped is None else mapped.etag
                )
            except Conflict:
                self.conflicts.append(group.uid)
                continue
            except ValidationError as error:
                self.skipped.append(
                    Skipped(
                        component=component_of(group.items[0]),
                        uid=group.uid,
                        reason=f"the server refused it: {error.problem}",
                    )
                )
                continue
            with service._unit_of_work() as uow:
                current = uow.synced_items.find(subscription_id=subscription.id, uid=group.uid)
                if current:
                    tracked = attrs.evolve(
                        current[0], entity_kind=group.kind, entity_id=group.entity_id
                    )
                    self._remember(
                        uow, tracked, href=stored.href, etag=stored.etag, fingerprint=digest
                    )
                else:
                    self._track(uow, subscription, stored, group.kind, group.entity_id, digest)
            self.pushed.append(group.uid)
