"""``crm.calendar`` itself: the calendar service, export, feeds, import and sync."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from uuid import UUID

from crmcore.adapters.caldav import CalDAVCollection
from crmcore.adapters.ical import parse_calendar, write_calendar
from crmcore.domain import Employee, Event
from crmcore.domain.tasks import Task
from crmcore.errors import PermissionDenied, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.calendars.export import employee_groups, event_groups, task_groups
from crmcore.services.calendars.importing import EXPAND_AHEAD, Importer, ImportReport
from crmcore.services.calendars.sync import RemoteCalendar, Sync, SyncReport
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
from crmcore.services.tasks import DEFAULT_TIME_ZONE

__all__ = ["FEED_AHEAD", "FEED_PAST", "CalendarService"]

#: How far back and ahead a feed (and a sync) reaches when no window is given.
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)


class CalendarService(Service):
    """``crm.calendar``: tasks and events as iCalendar, in and out."""

    kind = "calendar"

    def _readable(self, entity: object, kind: str) -> bool:
        """Whether the actor may read ``entity``; feeds leave out what they may not."""
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
            importer = Importer(
                context=self._context,
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
            return self._sync(who, collection, since, until)
        with CalDAVCollection(url, username=username, password=password) as remote:
            return self._sync(who, remote, since, until)

    def _sync(
        self, who: Employee, remote: RemoteCalendar, since: datetime, until: datetime
    ) -> SyncReport:
        one = Sync(
            context=self._context,
            who=who,
            remote=remote,
            since=since,
            until=until,
            readable=self._readable,
        )
        return one.run()


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
