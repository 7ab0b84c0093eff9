"""``crm.calendar`` itself: the calendar service, export, feeds, import and sync."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.adapters.caldav import CalDAVCollection, RemoteItem
from crmcore.adapters.ical import (
    ParsedCalendar,
    Skipped,
    parse_calendar,
    write_calendar,
)
from crmcore.domain import Actor, Employee, Event
from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.domain.tasks import (
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
from crmcore.services.calendars.importing import EXPAND_AHEAD, Importer, ImportReport
from crmcore.services.calendars.statuses import (
    apply_todo_state,
)
from crmcore.services.context import Context
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
from crmcore.services.tasks import DEFAULT_TIME_ZONE, TaskService

__all__ = ["CalendarService", "ImportReport", "RemoteCalendar", "SyncReport"]

#: How far back and ahead a feed (and a sync) reaches when no window is given.
FEED_PAST = timedelta(days=90)
FEED_AHEAD = timedelta(days=365)

_MAX_SYNCED_UID = 500
_MAX_TOKEN = 1000


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
        importer = Importer(
            context=self.service._as(self.who),
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
