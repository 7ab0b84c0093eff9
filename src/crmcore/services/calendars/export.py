"""Export and feeds: tasks and events as the calendar items of one UID each.

A repeating task is written as its series: the series' first task carries
the RRULE and EXDATEs, and every other task made from the series is an
override of its occurrence (RECURRENCE-ID), so a calendar program shows
each task's own status.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.adapters.ical import Alarm, CalendarItem, Person, write_calendar
from crmcore.domain import Employee, Event
from crmcore.domain.reminders import Anchor, Reminder
from crmcore.domain.series import Series
from crmcore.domain.tasks import Executor, Task, last_day
from crmcore.ports import UnitOfWork
from crmcore.services.calendars.common import event_uid, task_uid
from crmcore.services.calendars.statuses import PARTSTAT, PRIORITY, todo_state

__all__ = ["Group", "employee_groups", "event_groups", "task_groups"]

_UNTIL = re.compile(r"UNTIL=(\d{8}T\d{6}Z)")


@attrs.frozen
class Group:
    """The calendar items of one UID: an event, a task, or a series with its overrides."""

    uid: str
    kind: str  # "task" or "event"
    entity_id: UUID
    items: tuple[CalendarItem, ...]

    def render(self) -> bytes:
        """The group as an iCalendar file of its own, as a CalDAV server keeps it."""
        # The stamp comes from the items, so an unchanged group renders the same bytes.
        stamp = max(
            (i.last_modified for i in self.items if i.last_modified is not None),
            default=datetime(1970, 1, 1, tzinfo=UTC),
        )
        return write_calendar(self.items, stamp=stamp)


def employee_groups(
    uow: UnitOfWork,
    who: Employee,
    since: datetime,
    until: datetime,
    readable: Callable[[object, str], bool],
) -> list[Group]:
    """The groups of ``who``'s feed of ``[since, until)``: tasks, series and events.

    ``readable`` says whether the actor may read a task or event (of the
    kind named ``"task"`` or ``"event"``); what they may not read is left out.
    """
    rows = uow.executors.for_employees([who.id], since, until)
    found = uow.tasks.get_many({row.task_id for row in rows})
    for task in uow.tasks.find(controller_id=who.id) + uow.tasks.find(
        author_id=who.id, controller_id=None
    ):
        if task.planned_start < until and (task.planned_end > since or task.planned_start >= since):
            found[task.id] = task
    tasks = [
        t
        for t in sorted(found.values(), key=lambda t: (t.planned_start, t.id))
        if not t.archived and readable(t, "task")
    ]
    events = [
        e
        for e in uow.events.for_employees([who.id], since, until)
        if not e.archived and readable(e, "event")
    ]
    return task_groups(uow, tasks, who) + event_groups(uow, events)


def task_groups(uow: UnitOfWork, tasks: Sequence[Task], viewer: Employee | None) -> list[Group]:
    """The VTODOs of ``tasks``, a repeating one's series whole, one group per UID."""
    chosen: dict[UUID, Task] = {task.id: task for task in tasks}
    series: dict[UUID, Series] = {}
    for task in tasks:
        if task.series_id is None or task.series_id in series:
            continue
        stored = uow.series.get(task.series_id)
        if stored is None:
            continue
        series[stored.id] = stored
        for member in uow.tasks.find(series_id=stored.id):
            if not member.archived:
                chosen.setdefault(member.id, member)
    ids = list(chosen)
    rows: dict[UUID, list[Executor]] = {}
    for row in uow.executors.for_tasks(ids):
        rows.setdefault(row.task_id, []).append(row)
    reminders: dict[UUID, list[Reminder]] = {}
    for reminder in uow.reminders.for_tasks(ids):
        reminders.setdefault(reminder.task_id, []).append(reminder)
    named = [row.employee_id for found in rows.values() for row in found]
    named += [task.reviewer_id for task in chosen.values()]
    people = uow.employees.get_many(who for who in named if who is not None)
    writer = _TaskWriter(rows=rows, reminders=reminders, people=people, viewer=viewer)
    members: dict[UUID, list[Task]] = {}
    groups: list[Group] = []
    for task in sorted(chosen.values(), key=lambda t: (t.planned_start, t.id)):
        own = series.get(task.series_id) if task.series_id is not None else None
        if own is not None and own.template_id in chosen:
            members.setdefault(own.id, []).append(task)
        else:
            groups.append(Group(task_uid(task), "task", task.id, (writer.item(task),)))
    for series_id, tasks_of_series in members.items():
        own = series[series_id]
        groups.append(writer.series(own, chosen[own.template_id], tasks_of_series))
    return groups


def event_groups(uow: UnitOfWork, events: Sequence[Event]) -> list[Group]:
    """The VEVENTs of ``events``, one group each, in the zone of the event's employee."""
    people = uow.employees.get_many(
        event.employee_id for event in events if event.employee_id is not None
    )
    groups = []
    for event in events:
        employee = people.get(event.employee_id) if event.employee_id else None
        zone = ZoneInfo(employee.time_zone if employee else "UTC")
        start = event.occurred_at.astimezone(zone)
        uid = event_uid(event)
        item = CalendarItem(
            kind="event",
            uid=uid,
            summary=event.subject,
            description=event.details,
            start=start,
            end=start + (event.duration or timedelta(0)),
            time_zone=None if employee is None else employee.time_zone,
            status="CONFIRMED",
            organizer=_person(employee),
            sequence=max(event.version - 1, 0),
            last_modified=event.updated_at,
        )
        groups.append(Group(uid, "event", event.id, (item,)))
    return groups


@attrs.frozen(kw_only=True)
class _TaskWriter:
    """Makes the calendar items of tasks, with what was read for them."""

    rows: Mapping[UUID, Sequence[Executor]]
    reminders: Mapping[UUID, Sequence[Reminder]]
    people: Mapping[UUID, Employee]
    viewer: Employee | None

    def series(self, series: Series, template: Task, members: Sequence[Task]) -> Group:
        """The master of a series (its first task with the rule) and its overrides."""
        uid = task_uid(template)
        zone = ZoneInfo(template.time_zone)
        all_day = _is_all_day(template)
        recurrence = series.recurrence
        made = [t.occurrence for t in members if t.occurrence is not None]
        if series.archived:
            # A stopped series ends with the last task it made.
            recurrence = attrs.evolve(recurrence, count=None, until=max(made, default=series.start))
        rule = recurrence.to_rrule()
        if all_day:
            # With DATE values UNTIL is a date too (RFC 5545, 3.3.10).
            rule = _UNTIL.sub(
                lambda m: (
                    "UNTIL="
                    + datetime.strptime(m.group(1), "%Y%m%dT%H%M%SZ")
                    .replace(tzinfo=UTC)
                    .astimezone(zone)
                    .strftime("%Y%m%d")
                ),
                rule,
            )
        exdates: tuple[datetime | date, ...] = tuple(
            _local_day(e, zone) if all_day else e.astimezone(zone)
            for e in sorted(series.exceptions)
        )
        items = [
            self.item(
                template,
                uid=uid,
                rrule=rule,
                exdates=exdates,
                at=series.start,
                all_day=all_day,
            )
        ]
        for task in members:
            occurrence = task.occurrence
            if occurrence is None or occurrence in series.exceptions:
                continue
            if task.id == template.id and template.planned_start == series.start:
                continue
            items.append(
                self.item(
                    task,
                    uid=uid,
                    recurrence_id=_local_day(occurrence, zone)
                    if all_day
                    else occurrence.astimezone(zone),
                )
            )
        return Group(uid, "task", template.id, tuple(items))

    def item(
        self,
        task: Task,
        *,
        uid: str | None = None,
        rrule: str | None = None,
        exdates: tuple[datetime | date, ...] = (),
        recurrence_id: datetime | date | None = None,
        at: datetime | None = None,
        all_day: bool | None = None,
    ) -> CalendarItem:
        """The VTODO of ``task``; ``at`` moves it, keeping its length, to its series' start."""
        zone = ZoneInfo(task.time_zone)
        start = task.planned_start if at is None else at
        end = start + (task.planned_end - task.planned_start)
        whole_days = _is_all_day(task) if all_day is None else all_day
        begin: datetime | date | None = start.astimezone(zone)
        due: datetime | date = end.astimezone(zone)
        if whole_days:
            first, last = _local_day(start, zone), last_day(end, zone)
            # DUE must come after DTSTART: a one-day task has a DUE date only,
            # unless it belongs to a series, which needs its DTSTART.
            repeating = rrule is not None or recurrence_id is not None
            begin, due = (first if first < last or repeating else None), last
        rows = self.rows.get(task.id, ())
        own = (
            None
            if self.viewer is None
            else next((r for r in rows if r.employee_id == self.viewer.id), None)
        )
        status, percent, completed = todo_state(task, own)
        return CalendarItem(
            kind="todo",
            uid=uid or task_uid(task),
            summary=task.name,
            description=task.description,
            start=begin,
            end=due,
            time_zone=None if whole_days else task.time_zone,
            all_day=whole_days,
            status=status,
            percent_complete=percent,
            completed=completed,
            priority=PRIORITY[task.priority],
            categories=task.tags,
            rrule=rrule,
            exdates=exdates,
            recurrence_id=recurrence_id,
            organizer=_person(self.people.get(task.reviewer_id) if task.reviewer_id else None),
            attendees=tuple(self._attendees(rows)),
            alarms=tuple(
                Alarm(
                    action="DISPLAY",
                    before=reminder.before,
                    calendar_days=reminder.calendar_days,
                    related="start" if reminder.anchor is Anchor.START else "end",
                    description=task.name,
                )
                for reminder in self.reminders.get(task.id, ())
            ),
            sequence=max(task.version - 1, 0),
            last_modified=task.updated_at,
        )

    def _attendees(self, rows: Sequence[Executor]) -> Iterator[Person]:
        for row in rows:
            status = PARTSTAT[row.status]
            if row.employee_id is None:
                yield Person(email="", name=row.group or "", status=status)
                continue
            person = _person(self.people.get(row.employee_id), status)
            if person is not None:
                yield person


def _person(employee: Employee | None, status: str = "") -> Person | None:
    if employee is None:
        return None
    return Person(email=employee.email or "", name=employee.name, status=status)


def _is_all_day(task: Task) -> bool:
    """Whether a task covers whole days: it starts and ends at midnight where it is planned."""
    zone = ZoneInfo(task.time_zone)
    start = task.planned_start.astimezone(zone)
    end = task.planned_end.astimezone(zone)
    return end > start and start.time() == time(0) and end.time() == time(0)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()
