"""Tasks: the task card, executors and their work, the workflow, dependencies and views.

``crm.tasks`` creates and changes tasks; every change of a task or of one of
its executor rows is one unit of work that also records history, rolls the
rows up into the task (:func:`crmcore.domain.tasks.roll_up`) and writes the
client's timeline.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import (
    Client,
    ContactPerson,
    Employee,
    Event,
    EventType,
    Page,
    TimelineEntry,
    search_key,
)
from crmcore.domain.calendar import Bucket, Calendar, build_calendar, window
from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.domain.gantt import Gantt, build_gantt
from crmcore.domain.history import Change, ChangeAction
from crmcore.domain.notifications import NotificationKind
from crmcore.domain.projects import Project
from crmcore.domain.recurrence import Recurrence
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.series import DEFAULT_LEAD, Series
from crmcore.domain.tasks import (
    EXECUTOR_TRANSITIONS,
    TASK_TRANSITIONS,
    Dependency,
    DependencyKind,
    Executor,
    ExecutorKind,
    ExecutorStatus,
    Priority,
    ProgressMode,
    Role,
    Task,
    TaskSearch,
    TaskSort,
    TaskStatus,
    Transition,
    WorkLogEntry,
    constraint,
    last_day,
    roll_up,
)
from crmcore.errors import DuplicateError, IllegalTransition, PermissionDenied, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, Versioned, build
from crmcore.services.fields import field_conditions, read_fields, write_fields
from crmcore.services.notifications import Notice, local_time, queue, task_people
from crmcore.services.refs import (
    ClientRef,
    ContactRef,
    EmployeeRef,
    EventTypeRef,
    ExecutorRef,
    ProjectRef,
    TaskRef,
    find_active_employee,
    find_by_id,
    find_client,
    find_employee,
    find_executor,
    find_parties,
    find_project,
    find_task,
    find_usable_event_type,
)
from crmcore.services.reminders import refresh_reminders
from crmcore.services.series import EditScope, Occurrence, SeriesService, unmade_occurrences

__all__ = ["ScheduleConflict", "TaskCard", "TaskService"]

T = TypeVar("T")
V = TypeVar("V", bound=Versioned)

DEFAULT_TIME_ZONE = "Europe/Kyiv"

#: Arguments of update() that name other entities, and the fields they are stored in.
_TASK_REFERENCES = {
    "controller": "controller_id",
    "client": "client_id",
    "contact": "contact_id",
    "project": "project_id",
    "type": "type_code",
}
#: Fields only the workflow and the roll-up set.
_WORKFLOW_FIELDS = frozenset(
    {"status", "resume_status", "hours_spent", "author_id", "event_id", "series_id", "occurrence"}
)
_EXECUTOR_SPEC = frozenset(
    {"employee", "kind", "group", "start", "end", "planned_hours", "comment"}
)
_EXECUTOR_CHANGES = frozenset({"start", "end", "planned_hours", "comment", "position"})


@attrs.frozen(kw_only=True)
class ScheduleConflict:
    """A task planned earlier than one of its dependencies allows."""

    dependency: Dependency
    field: str  # "planned_start" or "planned_end" of the successor
    required: datetime  # the earliest moment the dependency allows
    planned: datetime  # what the successor has


@attrs.frozen(kw_only=True)
class TaskCard:
    """Everything the task card shows, read in one unit of work.

    ``names`` maps employee ids to names for the executor rows, the author,
    the controller, comment authors and work-log entries.
    """

    task: Task
    executors: tuple[Executor, ...]
    names: Mapping[UUID, str]
    author: Employee | None
    controller: Employee | None
    event_type: EventType | None
    client: Client | None
    contact: ContactPerson | None
    project: Project | None
    predecessors: tuple[Dependency, ...]
    successors: tuple[Dependency, ...]
    comments: tuple[Comment, ...]
    links: tuple[Link, ...]
    attachments: tuple[Attachment, ...]
    fields: Mapping[str, Any]
    work_log: tuple[WorkLogEntry, ...]
    codes: Mapping[UUID, str] = attrs.field(factory=dict)

    def render(self, time_zone: str | None = None) -> str:
        """The card as text, like the seed system's requisites tab and executors table."""
        zone = ZoneInfo(time_zone or self.task.time_zone)
        task = self.task

        def moment(value: datetime, *, end: bool = False) -> str:
            local = value.astimezone(zone)
            if end and local.time() == time(0):
                # A date end: the whole day, shown as that day.
                return last_day(value, zone).strftime("%d/%m/%Y")
            return local.strftime("%d/%m/%Y %H:%M")

        def day(value: datetime, *, end: bool = False) -> str:
            shown = last_day(value, zone) if end else value.astimezone(zone).date()
            return shown.strftime("%d/%m/%Y")

        def person(employee: Employee | None) -> str:
            return "" if employee is None else f"{employee.code} {employee.name}"

        contact = self.contact
        phones = ",".join(str(p) for p in contact.phones) if contact is not None else ""
        lines = [
            f"Начало выполнения: {moment(task.planned_start)} | "
            f"Выполнена на: {task.percent_done}% | "
            f"Затрачено времени: {task.hours_spent:.1f} ч. | Статус: {task.status.label}",
            f"Окончание выполнения: {moment(task.planned_end, end=True)} | "
            f"Цвет: {task.colour or ''} | Приоритет: {task.priority.label}",
            f"Наименование: {task.name}",
            f"Контролер: {person(self.controller)}",
            "Тип события: "
            + ("" if self.event_type is None else f"{self.event_type.code} {self.event_type.name}"),
            "Клиент: " + ("" if self.client is None else f"{self.client.code} {self.client.name}"),
            f"Контактное лицо клиента: {'' if contact is None else contact.name}",
            f"Телефон: {phones} | "
            f"Факс: {'' if contact is None or contact.fax is None else contact.fax} | "
            f"E-mail: {'' if contact is None or contact.email is None else contact.email}",
            f"Проект: {'' if self.project is None else self.project.name}",
            "",
            "Тип\tКод\tОтветственное лицо\tНачала\tОкончания\tСтатус\t% выполнения\t"
            "Затрачено (часов)\tКомментарий",
        ]
        for row in self.executors:
            who = self.names.get(row.employee_id, "") if row.employee_id else (row.group or "")
            code = self.codes.get(row.employee_id, "") if row.employee_id else ""
            lines.append(
                f"{row.kind.label}\t{code}\t{who}\t{day(row.planned_start)}\t"
                f"{day(row.planned_end, end=True)}\t{row.status.label}\t{row.percent_done}\t"
                f"{row.hours_spent:.1f}\t{row.comment}"
            )
        lines.append(f"Строк: {len(self.executors)}")
        return "\n".join(lines)


def _zone(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ValidationError(field, f"{name!r} is not an IANA time zone") from None


def _moment(value: object, field: str, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """An aware datetime; a date means the start of that day (or its end, for ends)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(field, "must be timezone-aware (got a naive datetime)")
        return value.astimezone(UTC)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    raise ValidationError(field, f"must be a datetime or a date, not {type(value).__name__}")


def _statuses(values: object, enum_type: type[Any], field: str) -> frozenset[Any] | None:
    if values is None:
        return None
    items = [values] if isinstance(values, str) else values
    if not isinstance(items, Iterable):
        raise ValidationError(field, f"must be a {field} or a list of them")
    found = set()
    for item in items:
        try:
            found.add(enum_type(item))
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise ValidationError(field, f"{item!r} is not one of: {allowed}") from None
    return frozenset(found)


_POSITION_TYPES: dict[TaskSort, tuple[type, ...]] = {
    TaskSort.DUE: (datetime, UUID),
    TaskSort.START: (datetime, UUID),
    TaskSort.PRIORITY: (int, datetime, UUID),
    TaskSort.CREATED: (datetime, UUID),
    TaskSort.NAME: (str, UUID),
}


def _encode_position(sort: TaskSort, position: tuple[Any, ...]) -> str:
    items = [
        v.isoformat() if isinstance(v, datetime) else v.hex if isinstance(v, UUID) else v
        for v in position
    ]
    raw = json.dumps([sort.value, items], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_position(sort: TaskSort, cursor: str) -> tuple[Any, ...]:
    problem = ValidationError("cursor", "is not a cursor this registry gave out")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, items = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise problem from None
    types = _POSITION_TYPES[sort]
    if sort_value != sort.value or not isinstance(items, list) or len(items) != len(types):
        raise problem
    values: list[Any] = []
    try:
        for item, kind in zip(items, types, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(item)
                if moment.tzinfo is None:
                    raise problem
                values.append(moment.astimezone(UTC))
            elif kind is UUID:
                values.append(UUID(hex=item))
            elif not isinstance(item, kind) or isinstance(item, bool):
                raise problem
            else:
                values.append(item)
    except (ValueError, TypeError, AttributeError):
        raise problem from None
    return tuple(values)


class TaskService(Service):
    """``crm.tasks``: the task card, its executors, workflow, dependencies, registry and views."""

    kind = "task"

    # --- references -------------------------------------------------------------

    def _actor_employee(self, uow: UnitOfWork) -> Employee | None:
        if self.actor.employee_id is None:
            return None
        return uow.employees.get(self.actor.employee_id)

    def _references(
        self, uow: UnitOfWork, given: dict[str, Any], stored: Task | None
    ) -> dict[str, Any]:
        """Turn ``controller=``, ``client=``, ... into stored ids (and check them)."""
        prepared: dict[str, Any] = {}
        if "controller" in given:
            who = given.pop("controller")
            prepared["controller_id"] = (
                None if who is None else find_active_employee(uow, who, "controller").id
            )
        if "client" in given or "contact" in given:
            owner, person = find_parties(
                uow,
                given.pop("client", None if stored is None else stored.client_id),
                given.pop("contact", None if stored is None else stored.contact_id),
            )
            prepared["client_id"] = None if owner is None else owner.id
            prepared["contact_id"] = None if person is None else person.id
        if "project" in given:
            project = given.pop("project")
            prepared["project_id"] = (
                None if project is None else find_project(uow, project, "project").id
            )
        if "watchers" in given:
            watchers = given.pop("watchers")
            if isinstance(watchers, (str, UUID, Employee)):
                watchers = [watchers]
            found = []
            for index, who in enumerate(watchers):
                employee = find_active_employee(uow, who, f"watchers[{index}]")
                if employee.id not in found:
                    found.append(employee.id)
            prepared["watchers"] = tuple(found)
        if "type" in given:
            event_type = given.pop("type")
            if event_type is None:
                prepared["type_code"] = None
            else:
                prepared["type_code"] = find_usable_event_type(uow, event_type).code
        return prepared

    # --- writing helpers --------------------------------------------------------

    def _timeline(self, uow: UnitOfWork, task: Task, kind: str, title: str, summary: str) -> None:
        if task.client_id is None:
            return
        uow.timeline.add_many(
            [
                TimelineEntry(
                    client_id=task.client_id,
                    occurred_at=self._now(),
                    kind=kind,
                    source_id=task.id,
                    type_code=task.type_code,
                    title=title,
                    summary=summary,
                    employee_id=self.actor.employee_id,
                    contact_id=task.contact_id,
                )
            ]
        )

    def _set_task(
        self, uow: UnitOfWork, task: Task, changes: Mapping[str, Any], note: str = ""
    ) -> Task:
        """Apply workflow or roll-up changes to a task, showing status changes on the timeline."""
        changed = self._update(uow, uow.tasks, task, None, changes, action=ChangeAction.UPDATE)
        if changed.status is not task.status:
            summary = f"{task.status.label} → {changed.status.label}"
            if note:
                summary = f"{summary}: {note}"
            self._timeline(
                uow, changed, "task_status", f"{changed.name}: {changed.status.label}", summary
            )
            self._announce_status(uow, task, changed, note)
        return changed

    def _update(
        self,
        uow: UnitOfWork,
        repository: Any,
        stored: V,
        given: object,
        changes: Mapping[str, Any],
        **options: Any,
    ) -> V:
        """Store a change; a task whose planned times moved has its reminders due anew."""
        changed = super()._update(uow, repository, stored, given, changes, **options)
        if (
            isinstance(changed, Task)
            and isinstance(stored, Task)
            and (
                changed.planned_start != stored.planned_start
                or changed.planned_end != stored.planned_end
            )
        ):
            refresh_reminders(uow, changed, self._now())
        return changed

    # --- notifications -------------------------------------------------------------

    def _announce_assigned(self, uow: UnitOfWork, task: Task, rows: Sequence[Executor]) -> None:
        """Tell each employee given an executor row of ``task`` that it is theirs."""
        notices = []
        people = uow.employees.get_many(row.employee_id for row in rows if row.employee_id)
        for row in rows:
            employee = None if row.employee_id is None else people.get(row.employee_id)
            if employee is None:
                continue
            notices.append(
                Notice(
                    kind=NotificationKind.TASK_ASSIGNED,
                    key=f"task_assigned:{row.id}",
                    recipient_id=employee.id,
                    subject=f"{NotificationKind.TASK_ASSIGNED.label}: {task.name}",
                    body=(
                        f"{task.name}\n"
                        f"Начало: {local_time(row.planned_start, employee)}\n"
                        f"Окончание: {local_time(row.planned_end, employee)}\n"
                        f"Поставил: {self.actor.name}"
                        + (f"\n\n{task.description}" if task.description else "")
                    ),
                    entity_kind="task",
                    entity_id=task.id,
                )
            )
        queue(uow, notices, self._now(), skip=self.actor.employee_id)

    def _announce_status(self, uow: UnitOfWork, before: Task, after: Task, note: str) -> None:
        """Tell the task's people (not the one who moved it) its new status."""
        rows = uow.executors.find(task_id=after.id)
        people = task_people(after, (row.employee_id for row in rows))
        body = f"{after.name}\n{before.status.label} → {after.status.label}\nКто: {self.actor.name}"
        if note:
            body += f"\n{note}"
        notices = [
            Notice(
                kind=NotificationKind.TASK_STATUS,
                key=f"task_status:{after.id}:{after.version}",
                recipient_id=person,
                subject=f"{after.name}: {after.status.label}",
                body=body,
                entity_kind="task",
                entity_id=after.id,
            )
            for person in sorted(people)
        ]
        queue(uow, notices, self._now(), skip=self.actor.employee_id)

    def _follow(self, uow: UnitOfWork, task: Task) -> Task:
        """Roll the executor rows up into the task, and move it along with them."""
        rows = uow.executors.find(task_id=task.id)
        percent, hours = roll_up(task, rows)
        changes: dict[str, Any] = {}
        if percent != task.percent_done:
            changes["percent_done"] = percent
        if hours != task.hours_spent:
            changes["hours_spent"] = hours
        status = _followed_status(task, rows)
        if status is not task.status:
            changes["status"] = status
        return self._set_task(uow, task, changes) if changes else task

    def _check_role(self, transition: Transition, task: Task, rows: Sequence[Executor]) -> None:
        """Refuse the move unless the actor holds one of its roles.

        ``rows`` are the executor rows the move concerns: the one row for an
        executor's move, every row of the task for a move of the task itself.
        A department's or group's row is moved by the task's controller.
        """
        employee = self.actor.employee_id
        if employee is None:
            return  # the system (a host's automation) may make every move
        allowed = {
            Role.EXECUTOR: any(
                row.employee_id == employee
                if row.employee_id is not None
                else task.reviewer_id == employee
                for row in rows
            ),
            Role.CONTROLLER: task.reviewer_id == employee,
            Role.AUTHOR: task.author_id == employee,
        }
        if not any(allowed[role] for role in transition.roles):
            who = " or ".join(sorted(role.value for role in transition.roles))
            raise PermissionDenied(
                f"{self.actor.name} may not {transition.action} this task: only its {who} may"
            )

    def _executor_row(
        self,
        uow: UnitOfWork,
        task: Task,
        spec: object,
        position: int,
    ) -> Executor:
        if isinstance(spec, Mapping):
            unknown = set(spec) - _EXECUTOR_SPEC
            if unknown:
                raise ValidationError(
                    sorted(unknown)[0],
                    f"is not an executor field ({', '.join(sorted(_EXECUTOR_SPEC))})",
                )
            options = dict(spec)
        else:
            options = {"employee": spec}
        zone = _zone(task.time_zone, "time_zone")
        employee = options.get("employee")
        who = None if employee is None else find_active_employee(uow, employee, "employee")
        return _named_by_arguments(
            Executor,
            task_id=task.id,
            kind=options.get("kind", ExecutorKind.EMPLOYEE),
            employee_id=None if who is None else who.id,
            group=options.get("group"),
            planned_start=_moment(options.get("start", task.planned_start), "start", zone),
            planned_end=_moment(options.get("end", task.planned_end), "end", zone, end=True),
            planned_hours=options.get("planned_hours"),
            comment=options.get("comment", ""),
            position=position,
        )

    # --- the card ------------------------------------------------------------------

    def create(
        self,
        name: str,
        *,
        end: datetime | date,
        start: datetime | date | None = None,
        executors: Iterable[EmployeeRef | Mapping[str, Any]] = (),
        controller: EmployeeRef | None = None,
        type: EventTypeRef | None = None,
        client: ClientRef | None = None,
        contact: ContactRef | None = None,
        project: ProjectRef | None = None,
        description: str = "",
        planned_hours: Decimal | float | str | None = None,
        colour: str | None = None,
        priority: Priority | str = Priority.NORMAL,
        tags: Iterable[str] = (),
        progress: ProgressMode | str = ProgressMode.WEIGHTED,
        percent_done: int = 0,
        time_zone: str | None = None,
        fields: Mapping[str, Any] | None = None,
        watchers: Iterable[EmployeeRef] = (),
        external_ref: str | None = None,
    ) -> Task:
        """Set a task: what, for whom, by when, and who does it.

        Args:
            name: what is to be done.
            end: the planned end; a date means the end of that day in the
                task's time zone.
            start: the planned start (a date: the start of that day); now
                when omitted.
            executors: employees (entity, id or code), or mappings with
                ``employee`` (or ``kind="department"``/``"group"`` and
                ``group``), ``start``, ``end``, ``planned_hours`` and
                ``comment``; each row's dates default to the task's.
            controller: who accepts the result; the author does when omitted.
            type: the event type the task is about (``"ВхЗ"``).
            client, contact: whom it is for; the contact's client when only
                the contact is given.
            project: the project it belongs to.
            planned_hours: the work planned, in hours.
            colour, priority, tags: how it shows in lists.
            progress: ``"weighted"`` (rolled up from the executors) or
                ``"manual"`` (``percent_done`` set by hand).
            time_zone: the IANA zone it is planned in; the author's (or the
                controller's) when omitted.
            fields: user-field values.
            watchers: employees who follow the task (reminders may go to them).
            external_ref: the task's key in another system (unique), e.g. an
                iCalendar UID it was imported from.

        Returns:
            The stored task, status ``assigned``, authored by the acting employee.

        Raises:
            ValidationError: an unknown or archived employee, client, contact,
                project or type; end before start; a bad percent, hours or
                user-field value.  Nothing is written.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> melnyk = crm.employees.create(code="22", name="Мельник Іван Іванович")
            >>> task = crm.tasks.create(
            ...     "задача Укрытие",
            ...     start=date(2014, 11, 5),
            ...     end=date(2014, 11, 28),
            ...     executors=[{"employee": melnyk, "end": date(2014, 11, 6)}],
            ... )
            >>> task.status.label, [row.status.value for row in crm.tasks.executors(task)]
            ('Поставлена задача', ['assigned'])
        """
        with self._unit_of_work() as uow:
            author = self._actor_employee(uow)
            given: dict[str, Any] = {"controller": controller, "client": client, "contact": contact}
            given.update({"project": project, "type": type, "watchers": watchers})
            references = self._references(uow, given, None)
            zone_name = time_zone
            if zone_name is None:
                controller_employee = (
                    None
                    if references["controller_id"] is None
                    else uow.employees.get(references["controller_id"])
                )
                source = author or controller_employee
                zone_name = DEFAULT_TIME_ZONE if source is None else source.time_zone
            zone = _zone(zone_name, "time_zone")
            if progress != ProgressMode.MANUAL and percent_done:
                raise ValidationError(
                    "percent_done", "is rolled up from the executors; use progress='manual'"
                )
            task = _named_by_arguments(
                Task,
                name=name,
                description=description,
                author_id=None if author is None else author.id,
                planned_start=self._now() if start is None else _moment(start, "start", zone),
                planned_end=_moment(end, "end", zone, end=True),
                planned_hours=planned_hours,
                percent_done=percent_done,
                colour=colour,
                priority=priority,
                tags=tags,
                progress_mode=progress,
                time_zone=zone_name,
                external_ref=external_ref,
                **references,
            )
            stored = self._add(uow, uow.tasks, task)
            rows = []
            for index, spec in enumerate(executors):
                try:
                    rows.append(self._executor_row(uow, stored, spec, index))
                except ValidationError as error:
                    raise error.at(f"executors[{index}]") from None
            added = [self._add(uow, uow.executors, row, kind="executor") for row in rows]
            self._announce_assigned(uow, stored, added)
            write_fields(self, uow, "task", stored.id, fields, creating=True)
            self._timeline(uow, stored, "task", stored.name, stored.status.label)
            return self._follow(uow, stored) if rows else stored

    def create_from_event(
        self, event: Event | UUID, *, name: str | None = None, **options: Any
    ) -> Task:
        """A task made from a logged contact: its client, contact, type and
        subject carry over, the task links back to the event, and the event's
        documents tab lists the task.  ``options`` are those of :meth:`create`
        (``end`` is required)."""
        with self._unit_of_work() as uow:
            found = find_by_id(uow.events, event, "event", Event, "event")
            options.setdefault("client", found.client_id)
            options.setdefault("contact", found.contact_id)
            options.setdefault("type", found.type_code)
            task = self.create(name or found.subject, **options)
            linked = self._set_task(uow, task, {"event_id": found.id})
            link = build(
                Link,
                source_kind="event",
                source_id=found.id,
                target_kind="task",
                target_id=str(task.id),
            )
            self._add(uow, uow.links, link)
            return linked

    def _find(self, uow: UnitOfWork, task: TaskRef) -> Task:
        return find_task(uow, task)

    def get(self, task: TaskRef) -> Task:
        """The stored task.  Raises NotFound."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return found

    def card(self, task: TaskRef) -> TaskCard:
        """Everything the task card shows: requisites, executors, dependencies,
        discussion, documents, attachments, user fields and work log."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            rows = uow.executors.find(task_id=found.id)
            comments = [
                c
                for c in uow.comments.find(entity_kind="task", entity_id=found.id)
                if not c.archived
            ]
            log = uow.work_log.find(task_id=found.id)
            people = {found.author_id, found.controller_id}
            people |= {row.employee_id for row in rows} | {c.author_id for c in comments}
            people |= {entry.employee_id for entry in log}
            known = uow.employees.get_many(id for id in people if id is not None)
            return TaskCard(
                task=found,
                executors=tuple(rows),
                names={id: e.name for id, e in known.items()},
                codes={id: e.code for id, e in known.items()},
                author=known.get(found.author_id) if found.author_id else None,
                controller=known.get(found.controller_id) if found.controller_id else None,
                event_type=None
                if found.type_code is None
                else uow.event_types.get(found.type_code),
                client=None if found.client_id is None else uow.clients.get(found.client_id),
                contact=None if found.contact_id is None else uow.contacts.get(found.contact_id),
                project=None if found.project_id is None else uow.projects.get(found.project_id),
                predecessors=tuple(uow.dependencies.find(successor_id=found.id)),
                successors=tuple(uow.dependencies.find(predecessor_id=found.id)),
                comments=tuple(comments),
                links=tuple(uow.links.find(source_kind="task", source_id=found.id)),
                attachments=tuple(
                    a
                    for a in uow.attachments.find(entity_kind="task", entity_id=found.id)
                    if not a.archived
                ),
                fields=read_fields(uow, "task", [found.id]).get(found.id, {}),
                work_log=tuple(log),
            )

    def update(self, task: TaskRef, **changes: Any) -> Task:
        """Change the task's requisites.

        ``start`` and ``end`` take datetimes or dates; ``controller``,
        ``client``, ``contact``, ``project`` and ``type`` take references like
        :meth:`create`.  ``percent_done`` may be set only in manual progress
        mode.  The status moves only through the workflow calls.
        """
        self._refuse_stored_references(changes, _TASK_REFERENCES)
        for name in changes:
            if name in _WORKFLOW_FIELDS:
                raise ValidationError(name, "is set by the workflow, not by update()")
            if name in ("planned_start", "planned_end"):
                raise ValidationError(name, f"set it with {name.removeprefix('planned_')}= instead")
        with self._unit_of_work() as uow:
            stored = self._find(uow, task)
            given = dict(changes)
            prepared = self._references(uow, given, stored)
            zone_name = given.get("time_zone", stored.time_zone)
            zone = _zone(zone_name, "time_zone") if isinstance(zone_name, str) else None
            for name, stored_name in (("start", "planned_start"), ("end", "planned_end")):
                if name in given:
                    if zone is None:
                        raise ValidationError("time_zone", "must be an IANA time zone name")
                    prepared[stored_name] = _moment(given.pop(name), name, zone, end=name == "end")
            if "progress" in given:
                given["progress_mode"] = given.pop("progress")
            prepared.update(given)
            mode = prepared.get("progress_mode", stored.progress_mode)
            if "percent_done" in prepared and mode != ProgressMode.MANUAL:
                raise ValidationError(
                    "percent_done", "is rolled up from the executors; set progress='manual' first"
                )
            with _arguments_named():
                changed = self._update(uow, uow.tasks, stored, task, prepared)
            if changed.progress_mode is not stored.progress_mode:
                changed = self._follow(uow, changed)
            return changed

    def archive(self, task: TaskRef) -> Task:
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.tasks, self._find(uow, task), task)

    def restore(self, task: TaskRef) -> Task:
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.tasks, self._find(uow, task), task)

    def history(self, task: TaskRef) -> list[Change]:
        """The task's History tab: changes of the task, its executor rows, work
        log, dependencies and user fields, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            changes = list(uow.history.for_entity("task", found.id))
            # Removed rows and dependencies are named by the task's own records.
            removed: dict[str, set[UUID]] = {
                "executors": set(),
                "dependencies": set(),
                "work_log": set(),
            }
            for change in changes:
                if change.field in removed and change.old is not None and change.new is None:
                    removed[change.field].add(UUID(change.old_value()))
            rows = {row.id for row in uow.executors.find(task_id=found.id)}
            changes += uow.history.for_entities("executor", rows | removed["executors"])
            logged = {entry.id for entry in uow.work_log.find(task_id=found.id)}
            changes += uow.history.for_entities("work_log", logged | removed["work_log"])
            dependencies = uow.dependencies.find(successor_id=found.id)
            dependencies += uow.dependencies.find(predecessor_id=found.id)
            bound = {d.id for d in dependencies} | removed["dependencies"]
            changes += uow.history.for_entities("dependency", bound)
            changes.sort(key=lambda change: (change.at, change.id))
            return changes

    # --- executors -----------------------------------------------------------------

    def executors(self, task: TaskRef) -> list[Executor]:
        """The executor rows of a task, in their order."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return uow.executors.find(task_id=found.id)

    def add_executor(
        self,
        task: TaskRef,
        employee: EmployeeRef | None = None,
        *,
        kind: ExecutorKind | str = ExecutorKind.EMPLOYEE,
        group: str | None = None,
        start: datetime | date | None = None,
        end: datetime | date | None = None,
        planned_hours: Decimal | float | str | None = None,
        comment: str = "",
    ) -> Executor:
        """Add an executor row; its dates default to the task's."""
        with self._unit_of_work() as uow:
            stored = self._find(uow, task)
            if not stored.is_open:
                raise ValidationError("task", f"is {stored.status.value}; reopen it first")
            spec: dict[str, Any] = {"employee": employee, "kind": kind, "group": group}
            spec.update({"planned_hours": planned_hours, "comment": comment})
            if start is not None:
                spec["start"] = start
            if end is not None:
                spec["end"] = end
            rows = uow.executors.find(task_id=stored.id)
            position = max((row.position for row in rows), default=-1) + 1
            row = self._add(
                uow, uow.executors, self._executor_row(uow, stored, spec, position), kind="executor"
            )
            self._announce_assigned(uow, stored, [row])
            self._follow(uow, stored)
            return row

    def update_executor(self, executor: ExecutorRef, **changes: Any) -> Executor:
        """Change an executor row's dates (``start``, ``end``), planned hours,
        comment or position."""
        for name in changes:
            if name not in _EXECUTOR_CHANGES:
                raise ValidationError(
                    name, f"cannot be changed here ({', '.join(sorted(_EXECUTOR_CHANGES))})"
                )
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            zone = _zone(task.time_zone, "time_zone")
            prepared = dict(changes)
            if "start" in prepared:
                prepared["planned_start"] = _moment(prepared.pop("start"), "start", zone)
            if "end" in prepared:
                prepared["planned_end"] = _moment(prepared.pop("end"), "end", zone, end=True)
            with _arguments_named():
                changed = self._update(uow, uow.executors, row, executor, prepared, kind="executor")
            self._follow(uow, task)
            return changed

    def remove_executor(self, executor: ExecutorRef) -> None:
        """Take an executor row off the task; refused once it has logged work."""
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._authorize("update", task)
            if uow.work_log.find(executor_id=row.id):
                raise ValidationError("executor", "has logged work; decline it instead")
            # Listed on the task too: its History tab finds the removed row by it.
            self._delete(
                uow,
                uow.executors,
                row,
                kind="executor",
                listed_on=[task.id],
                listed_as="executors",
            )
            self._follow(uow, task)

    def _executor_move(self, executor: ExecutorRef, action: str, comment: str | None) -> Executor:
        transition = EXECUTOR_TRANSITIONS[action]
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(transition, task, [row])
            if task.status in (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.POSTPONED):
                raise IllegalTransition(
                    "task",
                    action,
                    task.status.value,
                    frozenset(
                        s.value
                        for s in TaskStatus
                        if s
                        not in (TaskStatus.COMPLETED, TaskStatus.CANCELLED, TaskStatus.POSTPONED)
                    ),
                )
            if row.status.value not in transition.sources:
                raise IllegalTransition("executor", action, row.status.value, transition.sources)
            changes: dict[str, Any] = {"status": ExecutorStatus(str(transition.target))}
            if action == "finish":
                changes["percent_done"] = 100
            if comment is not None:
                changes["comment"] = comment
            # The row is named, not edited from a copy: no stale-copy check.
            changed = self._update(uow, uow.executors, row, None, changes, kind="executor")
            self._follow(uow, task)
            return changed

    def accept(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor takes the work on (assigned → accepted)."""
        return self._executor_move(executor, "accept", comment)

    def decline(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor refuses the work (assigned or accepted → declined); the
        row stays, with what it logged, and stops counting in the percent."""
        return self._executor_move(executor, "decline", comment)

    def start(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor starts (or, after a return, restarts) the work → in progress."""
        return self._executor_move(executor, "start", comment)

    def finish(self, executor: ExecutorRef, *, comment: str | None = None) -> Executor:
        """The executor's part is done (its percent becomes 100); when every
        executor that did not decline is done, the task goes on review."""
        return self._executor_move(executor, "finish", comment)

    def report_progress(self, executor: ExecutorRef, percent: int) -> Executor:
        """Set an executor row's own percent done (by that executor or the controller)."""
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(_PROGRESS, task, [row])
            changed = self._update(
                uow, uow.executors, row, None, {"percent_done": percent}, kind="executor"
            )
            self._follow(uow, task)
            return changed

    def log_work(
        self,
        executor: ExecutorRef,
        hours: Decimal | float | str,
        *,
        on: datetime | date | None = None,
        note: str = "",
    ) -> WorkLogEntry:
        """Log hours an executor worked; the row's and the task's hours spent are
        the sums of the log.

        ``on`` is the day (a date, in the executor's own time zone, or the
        task's for a department's row) or moment worked; now when omitted.
        """
        with self._unit_of_work() as uow:
            row = find_executor(uow, executor)
            task = self._find(uow, row.task_id)
            self._check_role(_PROGRESS, task, [row])
            worker = None if row.employee_id is None else uow.employees.get(row.employee_id)
            zone = _zone(task.time_zone if worker is None else worker.time_zone, "time_zone")
            entry = build(
                WorkLogEntry,
                task_id=task.id,
                executor_id=row.id,
                employee_id=row.employee_id,
                worked_on=self._now() if on is None else _moment(on, "on", zone),
                hours=hours,
                note=note,
            )
            stored = self._add(uow, uow.work_log, entry, kind="work_log")
            self._sum_work(uow, row, task)
            return stored

    def _sum_work(self, uow: UnitOfWork, row: Executor, task: Task) -> None:
        """Hours spent are the sum of the log: of the row, then rolled up to the task."""
        total = sum((e.hours for e in uow.work_log.find(executor_id=row.id)), Decimal("0.00"))
        self._update(uow, uow.executors, row, None, {"hours_spent": total}, kind="executor")
        self._follow(uow, task)

    def _log_entry(self, uow: UnitOfWork, entry: WorkLogEntry | UUID) -> WorkLogEntry:
        return find_by_id(uow.work_log, entry, "work log entry", WorkLogEntry, "entry")

    def correct_work(
        self,
        entry: WorkLogEntry | UUID,
        *,
        hours: Decimal | float | str | None = None,
        on: datetime | date | None = None,
        note: str | None = None,
    ) -> WorkLogEntry:
        """Correct a work-log entry (by its executor or the controller); the
        row's and the task's hours follow.  The earlier values stay in history."""
        with self._unit_of_work() as uow:
            stored = self._log_entry(uow, entry)
            row = find_executor(uow, stored.executor_id)
            task = self._find(uow, row.task_id)
            self._check_role(_PROGRESS, task, [row])
            changes: dict[str, Any] = {}
            if hours is not None:
                changes["hours"] = hours
            if note is not None:
                changes["note"] = note
            if on is not None:
                worker = None if row.employee_id is None else uow.employees.get(row.employee_id)
                zone = _zone(task.time_zone if worker is None else worker.time_zone, "time_zone")
                changes["worked_on"] = _moment(on, "on", zone)
            changed = self._update(uow, uow.work_log, stored, entry, changes, kind="work_log")
            self._sum_work(uow, row, task)
            return changed

    def remove_work(self, entry: WorkLogEntry | UUID) -> None:
        """Take a work-log entry back (logged by mistake); the hours follow."""
        with self._unit_of_work() as uow:
            stored = self._log_entry(uow, entry)
            row = find_executor(uow, stored.executor_id)
            task = self._find(uow, row.task_id)
            self._check_role(_PROGRESS, task, [row])
            self._delete(
                uow,
                uow.work_log,
                stored,
                kind="work_log",
                listed_on=[task.id],
                listed_as="work_log",
            )
            self._sum_work(uow, row, task)

    def work_log(self, task: TaskRef) -> list[WorkLogEntry]:
        """The work logged on a task, oldest first."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return uow.work_log.find(task_id=found.id)

    # --- the task's own workflow -----------------------------------------------------

    def _move(self, task: TaskRef, action: str, comment: str | None) -> Task:
        transition = TASK_TRANSITIONS[action]
        with self._unit_of_work() as uow:
            stored = self._find(uow, task)
            # Only an employee's move needs the rows, to know whether they hold one.
            people = self.actor.employee_id is not None
            rows = uow.executors.find(task_id=stored.id) if people else []
            self._check_role(transition, stored, rows)
            if stored.status.value not in transition.sources:
                raise IllegalTransition("task", action, stored.status.value, transition.sources)
            changes: dict[str, Any] = {}
            if action == "postpone":
                changes["resume_status"] = stored.status
            if action == "resume":
                target = stored.resume_status or TaskStatus.ASSIGNED
                changes["resume_status"] = None
            else:
                target = TaskStatus(str(transition.target))
            changes["status"] = target
            changed = self._set_task(uow, stored, changes, comment or "")
            if comment:
                note = build(
                    Comment,
                    entity_kind="task",
                    entity_id=changed.id,
                    author_id=self.actor.employee_id,
                    author_name=self.actor.name,
                    text=comment,
                )
                self._add(uow, uow.comments, note, kind="comment")
            return changed

    def submit(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """Send the task for review without waiting for every executor row."""
        return self._move(task, "submit", comment)

    def complete(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """The controller accepts the result (on review → completed)."""
        return self._move(task, "complete", comment)

    def send_back(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """The controller returns the result for rework (→ returned); executor
        rows keep their state, and executors restart with :meth:`start`."""
        return self._move(task, "return", comment)

    def postpone(self, task: TaskRef, *, comment: str | None = None) -> Task:
        return self._move(task, "postpone", comment)

    def resume(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """A postponed task returns to the status it had."""
        return self._move(task, "resume", comment)

    def cancel(self, task: TaskRef, *, comment: str | None = None) -> Task:
        return self._move(task, "cancel", comment)

    def reopen(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """A completed or cancelled task is worked on again (→ returned)."""
        return self._move(task, "reopen", comment)

    # --- dependencies ----------------------------------------------------------------

    def add_dependency(
        self,
        predecessor: TaskRef,
        successor: TaskRef,
        *,
        kind: DependencyKind | str = DependencyKind.FINISH_TO_START,
        lag: timedelta = timedelta(0),
    ) -> Dependency:
        """Bind ``successor`` to ``predecessor``; a dependency that would close a cycle is refused.

        Raises:
            ValidationError: a cycle, a task depending on itself, an unknown task.
            DuplicateError: the two tasks are bound already.
        """
        with self._unit_of_work() as uow:
            before = find_task(uow, predecessor, "predecessor")
            after = find_task(uow, successor, "successor")
            self._authorize("update", after)
            dependency = build(
                Dependency, predecessor_id=before.id, successor_id=after.id, kind=kind, lag=lag
            )
            if _reaches(uow, after.id, before.id):
                raise ValidationError(
                    "successor",
                    f"{after.name!r} already leads to {before.name!r}: that makes a cycle",
                )
            try:
                return self._add(uow, uow.dependencies, dependency, kind="dependency")
            except DuplicateError:
                raise DuplicateError(
                    "successor",
                    after.name,
                    f"{after.name!r} depends on {before.name!r} already; "
                    "remove that dependency to bind them differently",
                ) from None

    def remove_dependency(self, dependency: Dependency | UUID) -> None:
        with self._unit_of_work() as uow:
            found = find_by_id(uow.dependencies, dependency, "dependency", Dependency, "dependency")
            self._authorize("update", uow.tasks.get(found.successor_id))
            self._delete(
                uow,
                uow.dependencies,
                found,
                kind="dependency",
                listed_on=[found.predecessor_id, found.successor_id],
                listed_as="dependencies",
            )

    def dependencies(self, task: TaskRef) -> tuple[list[Dependency], list[Dependency]]:
        """(the task's predecessors, its successors) as dependency records."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, task)
            self._authorize("read", found)
            return (
                uow.dependencies.find(successor_id=found.id),
                uow.dependencies.find(predecessor_id=found.id),
            )

    def conflicts(
        self, tasks: Iterable[TaskRef] | None = None, *, project: ProjectRef | None = None
    ) -> list[ScheduleConflict]:
        """Tasks planned earlier than their dependencies allow: of ``tasks``, of a
        project, or (with neither) of every task."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            chosen = {task.id: task for task in self._chosen(uow, tasks, project)}
            incoming = _dependencies_into(uow, chosen)
            predecessors = uow.tasks.get_many({d.predecessor_id for d in incoming})
            found: list[ScheduleConflict] = []
            for dependency in incoming:
                task = chosen[dependency.successor_id]
                predecessor = predecessors.get(dependency.predecessor_id)
                if predecessor is not None:
                    bound, required = constraint(dependency, predecessor)
                    planned = getattr(task, bound)
                    if planned < required:
                        found.append(
                            ScheduleConflict(
                                dependency=dependency,
                                field=bound,
                                required=required,
                                planned=planned,
                            )
                        )
            return found

    def _chosen(
        self, uow: UnitOfWork, tasks: Iterable[TaskRef] | None, project: ProjectRef | None
    ) -> list[Task]:
        if tasks is not None:
            return [find_task(uow, task, "tasks") for task in tasks]
        if project is not None:
            return uow.tasks.find(project_id=find_project(uow, project, "project").id)
        return uow.tasks.find()

    def reschedule(self, task: TaskRef) -> list[Task]:
        """Move the tasks that depend on ``task`` (directly or not) forward just
        enough to honour their dependencies, keeping each one's duration and
        shifting its executor rows with it; returns the tasks moved.  Nothing
        ever moves backward."""
        with self._unit_of_work() as uow:
            origin = self._find(uow, task)
            self._authorize("update", origin)
            order = _downstream(uow, origin.id)
            current = {origin.id: origin}
            moved: list[Task] = []
            for task_id in order:
                successor = current.get(task_id) or uow.tasks.get(task_id)
                if successor is None:
                    continue
                shift = timedelta(0)
                for dependency in uow.dependencies.find(successor_id=task_id):
                    predecessor = current.get(dependency.predecessor_id) or uow.tasks.get(
                        dependency.predecessor_id
                    )
                    if predecessor is None:
                        continue
                    bound, required = constraint(dependency, predecessor)
                    shift = max(shift, required - getattr(successor, bound))
                if shift > timedelta(0):
                    changed = self._set_task(
                        uow,
                        successor,
                        {
                            "planned_start": successor.planned_start + shift,
                            "planned_end": successor.planned_end + shift,
                        },
                    )
                    for row in uow.executors.find(task_id=task_id):
                        self._update(
                            uow,
                            uow.executors,
                            row,
                            None,
                            {
                                "planned_start": row.planned_start + shift,
                                "planned_end": row.planned_end + shift,
                            },
                            kind="executor",
                        )
                    current[task_id] = changed
                    moved.append(changed)
            return moved

    # --- the registry --------------------------------------------------------------

    def _search(
        self,
        uow: UnitOfWork,
        *,
        executor: EmployeeRef | None,
        controller: EmployeeRef | None,
        author: EmployeeRef | None,
        client: ClientRef | None,
        project: ProjectRef | None,
        status: Any,
        priority: Any,
        overdue: bool,
        viewer: EmployeeRef | None,
        period: tuple[datetime | date, datetime | date] | None,
        text: str | None,
        fields: Mapping[str, Any] | None,
        include_archived: bool,
        now: datetime | None,
    ) -> TaskSearch:
        who = viewer if viewer is not None else self.actor.employee_id
        # The viewer's zone matters only for days: overdue and period dates.
        needs_zone = overdue or period is not None or viewer is not None
        viewing = None if who is None or not needs_zone else find_employee(uow, who, "viewer")
        zone = _zone(viewing.time_zone if viewing else DEFAULT_TIME_ZONE, "viewer")
        moment = self._now() if now is None else _moment(now, "now", zone)
        since = until = None
        if period is not None:
            if not isinstance(period, tuple) or len(period) != 2:
                raise ValidationError("period", "must be a pair (since, until)")
            since = _moment(period[0], "period", zone)
            until = _moment(period[1], "period", zone, end=True)
            if until < since:
                raise ValidationError("period", "ends before it starts")
        if text is not None and not isinstance(text, str):
            raise ValidationError("text", f"must be str, not {type(text).__name__}")
        return TaskSearch(
            executor_id=None if executor is None else find_employee(uow, executor, "executor").id,
            controller_id=None
            if controller is None
            else find_employee(uow, controller, "controller").id,
            author_id=None if author is None else find_employee(uow, author, "author").id,
            client_id=None if client is None else find_client(uow, client, "client").id,
            project_id=None if project is None else find_project(uow, project, "project").id,
            statuses=_statuses(status, TaskStatus, "status"),
            priorities=_statuses(priority, Priority, "priority"),
            # Overdue is judged by days in the viewer's zone: a task is overdue
            # once the day it was due on has ended where the viewer is.
            overdue_at=_start_of_day(moment, zone) if overdue else None,
            since=since,
            until=until,
            text=search_key(text) if text and text.strip() else None,
            field_values=field_conditions(uow, "task", fields),
            include_archived=include_archived,
        )

    def registry(
        self,
        *,
        executor: EmployeeRef | None = None,
        controller: EmployeeRef | None = None,
        author: EmployeeRef | None = None,
        client: ClientRef | None = None,
        project: ProjectRef | None = None,
        status: TaskStatus | str | Iterable[TaskStatus | str] | None = None,
        priority: Priority | str | Iterable[Priority | str] | None = None,
        overdue: bool = False,
        viewer: EmployeeRef | None = None,
        period: tuple[datetime | date, datetime | date] | None = None,
        text: str | None = None,
        fields: Mapping[str, Any] | None = None,
        sort: TaskSort | str = TaskSort.DUE,
        limit: int = 50,
        cursor: str | None = None,
        include_archived: bool = False,
        now: datetime | None = None,
    ) -> Page[Task]:
        """The task registry: filter, sort, and page through tasks.

        Args:
            executor: tasks with an executor row of this employee.
            controller, author, client, project: tasks with this one.
            status, priority: one value or several.
            overdue: only open tasks whose planned end fell on a day that has
                ended in the viewer's time zone.
            viewer: whose time zone judges "overdue" and dates in ``period``;
                the acting employee when omitted.
            period: (since, until): tasks whose planned period meets it;
                dates are whole days in the viewer's zone.
            text: part of the name or description, in any case.
            fields: user-field values ``{name: value}``; a multi-choice field
                matches when it includes the value.
            sort: ``due``, ``start``, ``priority`` (urgent first), ``created``
                (newest first) or ``name``.
            limit: tasks per page (at most 1000).
            cursor: ``next_cursor`` of the previous page.
            now: the moment "overdue" is judged at; now when omitted.

        Example:
            >>> import crmcore
            >>> from datetime import date, datetime, UTC
            >>> crm = crmcore.open()
            >>> ivanov = crm.employees.create(code="22", name="Іванов")
            >>> late = crm.tasks.create(
            ...     "Звіт", start=date(2014, 11, 5), end=date(2014, 11, 6), executors=[ivanov]
            ... )
            >>> page = crm.tasks.registry(
            ...     executor=ivanov, overdue=True, now=datetime(2014, 11, 8, tzinfo=UTC)
            ... )
            >>> [task.name for task in page]
            ['Звіт']
        """
        try:
            order = TaskSort(sort)
        except ValueError:
            allowed = ", ".join(s.value for s in TaskSort)
            raise ValidationError("sort", f"{sort!r} is not one of: {allowed}") from None
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be an integer from 1 to {MAX_LIMIT}")
        after = None if cursor is None else _decode_position(order, cursor)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._search(
                uow,
                executor=executor,
                controller=controller,
                author=author,
                client=client,
                project=project,
                status=status,
                priority=priority,
                overdue=overdue,
                viewer=viewer,
                period=period,
                text=text,
                fields=fields,
                include_archived=include_archived,
                now=now,
            )
            found = uow.tasks.search(query, order, after=after, limit=limit + 1)
        items = found[:limit]
        next_cursor = (
            _encode_position(order, order.position(items[-1])) if len(found) > limit else None
        )
        return Page(items, next_cursor)

    def counts(
        self,
        *,
        executor: EmployeeRef | None = None,
        controller: EmployeeRef | None = None,
        author: EmployeeRef | None = None,
        client: ClientRef | None = None,
        project: ProjectRef | None = None,
        priority: Priority | str | Iterable[Priority | str] | None = None,
        overdue: bool = False,
        viewer: EmployeeRef | None = None,
        period: tuple[datetime | date, datetime | date] | None = None,
        text: str | None = None,
        fields: Mapping[str, Any] | None = None,
        include_archived: bool = False,
        now: datetime | None = None,
    ) -> dict[TaskStatus, int]:
        """How many tasks each status has, under the same filters as
        :meth:`registry` (every status is present, with 0 when none)."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._search(
                uow,
                executor=executor,
                controller=controller,
                author=author,
                client=client,
                project=project,
                status=None,
                priority=priority,
                overdue=overdue,
                viewer=viewer,
                period=period,
                text=text,
                fields=fields,
                include_archived=include_archived,
                now=now,
            )
            counted = uow.tasks.count_by_status(query)
        return {status: counted.get(status.value, 0) for status in TaskStatus}

    # --- views -----------------------------------------------------------------

    def calendar(
        self,
        employees: EmployeeRef | Sequence[EmployeeRef],
        *,
        start: date,
        end: date | None = None,
        bucket: Bucket | str = Bucket.DAY,
    ) -> Calendar:
        """Tasks and events of one or several employees by day, week or month,
        each in the employee's own time zone, with planned and spent hours.

        ``start`` and ``end`` (inclusive, default ``start``) are local dates.
        Occurrences of repeating tasks whose task is not made yet are shown as
        they will be made: tasks never stored (``version`` 0; see
        :func:`crmcore.services.series.unmade_occurrences`).
        """
        people = [employees] if isinstance(employees, (Employee, UUID, str)) else list(employees)
        if not people:
            raise ValidationError("employees", "name at least one employee")
        last = start if end is None else end
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            staff = [find_employee(uow, who, "employees") for who in people]
            windows = [window(bucket, start, last, ZoneInfo(e.time_zone)) for e in staff]
            since = min(w[0] for w in windows)
            until = max(w[1] for w in windows)
            ids = [e.id for e in staff]
            rows = uow.executors.for_employees(ids, since, until)
            logged = uow.work_log.for_employees(ids, since, until)
            task_ids = {row.task_id for row in rows} | {entry.task_id for entry in logged}
            tasks = uow.tasks.get_many(task_ids)
            every_row = uow.executors.for_tasks(task_ids)
            events = uow.events.for_employees(ids, since, until)
            coming, coming_rows = unmade_occurrences(uow, ids, since, until)
        tasks.update(coming)
        every_row += coming_rows
        return build_calendar(
            bucket=bucket,
            start=start,
            end=last,
            employees=staff,
            tasks=tasks,
            executors=every_row,
            events=events,
            work_log=logged,
        )

    def gantt(
        self, tasks: Iterable[TaskRef] | None = None, *, project: ProjectRef | None = None
    ) -> Gantt:
        """The plan-schedule of ``tasks`` or of a project's tasks: bars, executor
        lanes, dependency links and the critical path.  In a notebook the result
        draws itself (needs the ``plot`` extra)."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            chosen = [t for t in self._chosen(uow, tasks, project) if not t.archived]
            ids = [t.id for t in chosen]
            rows = uow.executors.for_tasks(ids)
            links = _dependencies_into(uow, {t.id: t for t in chosen})
            people = {row.employee_id for row in rows if row.employee_id is not None}
            names = {id: e.name for id, e in uow.employees.get_many(people).items()}
        return build_gantt(chosen, rows, links, names)

    # --- repeating tasks -----------------------------------------------------------

    def _series(self) -> SeriesService:
        return SeriesService(self._context)

    def repeat(
        self,
        task: TaskRef,
        rule: Recurrence | str,
        *,
        lead: timedelta = DEFAULT_LEAD,
        **options: Any,
    ) -> Series:
        """Make ``task`` repeat; see :meth:`SeriesService.repeat`.

        Example:
            >>> import crmcore
            >>> from datetime import datetime, timedelta
            >>> from zoneinfo import ZoneInfo
            >>> crm = crmcore.open()
            >>> kyiv = ZoneInfo("Europe/Kyiv")
            >>> start = datetime(2026, 3, 27, 9, tzinfo=kyiv)  # a Friday; DST starts on Sunday
            >>> task = crm.tasks.create("Планёрка", start=start, end=start + timedelta(hours=1))
            >>> series = crm.tasks.repeat(task, "weekly", weekdays=["mon", "wed", "fri"], count=4)
            >>> [
            ...     o.start.astimezone(kyiv).strftime("%a %d %H:%M")
            ...     for o in crm.tasks.occurrences(
            ...         task, start=start, end=start + timedelta(days=14)
            ...     )
            ... ]
            ['Fri 27 09:00', 'Mon 30 09:00', 'Wed 01 09:00', 'Fri 03 09:00']
        """
        return self._series().repeat(task, rule, lead=lead, **options)

    def series(self, task: TaskRef) -> Series | None:
        """The series a task is an occurrence of, or None."""
        return self._series().series(task)

    def occurrences(
        self, task: TaskRef | Series, *, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """The occurrences of a repeating task in ``[start, end)``.

        See :meth:`SeriesService.occurrences`.
        """
        return self._series().occurrences(task, start=start, end=end)

    def materialise(self, now: datetime | None = None) -> list[Task]:
        """Create the tasks of due occurrences; see :meth:`SeriesService.materialise`."""
        return self._series().materialise(now)

    def skip_occurrence(self, task: TaskRef | Series, occurrence: datetime) -> Series:
        """Leave one occurrence of a series out; see :meth:`SeriesService.skip`."""
        return self._series().skip(task, occurrence)

    def stop_repeating(self, task: TaskRef | Series) -> Series:
        """End a series; the tasks made so far stay."""
        return self._series().stop(task)

    def update_series(
        self,
        task: TaskRef,
        scope: EditScope | str,
        *,
        recurrence: Recurrence | str | None = None,
        **changes: Any,
    ) -> Task:
        """Edit "this", "following" or "all" occurrences; see :meth:`SeriesService.edit`."""
        return self._series().edit(task, scope, recurrence=recurrence, **changes)


#: Who may report progress and log work on a row: its executor or the task's controller.
_PROGRESS = Transition(
    "report progress on", frozenset(), None, frozenset({Role.EXECUTOR, Role.CONTROLLER})
)


#: Stored field names, and the arguments people pass them as.
_ARGUMENTS = {"planned_start": "start", "planned_end": "end", "progress_mode": "progress"}


@contextmanager
def _arguments_named() -> Iterator[None]:
    """Errors about stored fields name the arguments people pass (``end`` for
    ``planned_end``)."""
    try:
        yield
    except ValidationError as error:
        argument = _ARGUMENTS.get(error.field)
        if argument is not None:
            raise ValidationError(argument, error.problem) from None
        raise


def _named_by_arguments(entity_type: type[T], **fields: Any) -> T:
    with _arguments_named():
        return build(entity_type, **fields)


def _start_of_day(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def _followed_status(task: Task, rows: Sequence[Executor]) -> TaskStatus:
    """Where the executors' rows move the task (only open, not postponed, tasks move)."""
    moving = (
        TaskStatus.ASSIGNED,
        TaskStatus.ACCEPTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.RETURNED,
        TaskStatus.ON_REVIEW,
    )
    if task.status not in moving:
        return task.status
    counting = [row for row in rows if row.status is not ExecutorStatus.DECLINED]
    if task.status is TaskStatus.RETURNED:
        # Rows still done from before the return do not send the task back on
        # review: it is in progress again only once an executor restarts.
        if any(row.status is ExecutorStatus.IN_PROGRESS for row in counting):
            return TaskStatus.IN_PROGRESS
        return task.status
    if counting and all(row.status is ExecutorStatus.DONE for row in counting):
        return TaskStatus.ON_REVIEW
    if task.status is TaskStatus.ON_REVIEW:
        return TaskStatus.IN_PROGRESS
    if any(row.status in (ExecutorStatus.IN_PROGRESS, ExecutorStatus.DONE) for row in counting):
        return TaskStatus.IN_PROGRESS
    if task.status is TaskStatus.ASSIGNED and any(
        row.status is ExecutorStatus.ACCEPTED for row in counting
    ):
        return TaskStatus.ACCEPTED
    return task.status


def _dependencies_into(uow: UnitOfWork, tasks: Mapping[UUID, Task]) -> list[Dependency]:
    """The dependencies whose successor is one of ``tasks``, in few queries:
    one per task for a handful, one for all dependencies for many."""
    if len(tasks) <= _FEW_TASKS:
        return [d for task_id in tasks for d in uow.dependencies.find(successor_id=task_id)]
    return [d for d in uow.dependencies.find() if d.successor_id in tasks]


_FEW_TASKS = 20


def _reaches(uow: UnitOfWork, start: UUID, goal: UUID) -> bool:
    """Whether following successors from ``start`` arrives at ``goal``."""
    seen = {start}
    frontier = [start]
    while frontier:
        current = frontier.pop()
        if current == goal:
            return True
        for dependency in uow.dependencies.find(predecessor_id=current):
            if dependency.successor_id not in seen:
                seen.add(dependency.successor_id)
                frontier.append(dependency.successor_id)
    return False


def _downstream(uow: UnitOfWork, origin: UUID) -> list[UUID]:
    """The tasks reachable from ``origin`` through successors, in topological order."""
    edges: dict[UUID, list[UUID]] = {}
    incoming: dict[UUID, int] = {}
    seen = {origin}
    frontier = [origin]
    while frontier:
        current = frontier.pop()
        for dependency in uow.dependencies.find(predecessor_id=current):
            edges.setdefault(current, []).append(dependency.successor_id)
            incoming[dependency.successor_id] = incoming.get(dependency.successor_id, 0) + 1
            if dependency.successor_id not in seen:
                seen.add(dependency.successor_id)
                frontier.append(dependency.successor_id)
    order: list[UUID] = []
    ready = [origin]
    while ready:
        current = ready.pop(0)
        for successor in edges.get(current, []):
            incoming[successor] -= 1
            if incoming[successor] == 0:
                ready.append(successor)
                order.append(successor)
    return order
