"""The task card: setting a task, its requisites, the card as one read, and its history."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import Client, ContactPerson, Employee, Event, EventType
from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.domain.history import Change
from crmcore.domain.projects import Project
from crmcore.domain.signals import ExecutorsAssigned, TaskCreated
from crmcore.domain.tasks import (
    Dependency,
    Executor,
    Priority,
    ProgressMode,
    Task,
    WorkLogEntry,
    last_day,
)
from crmcore.errors import ValidationError
from crmcore.services.base import build
from crmcore.services.fields import read_fields, write_fields
from crmcore.services.refs import (
    ClientRef,
    ContactRef,
    EmployeeRef,
    EventTypeRef,
    ProjectRef,
    TaskRef,
    find_by_id,
)
from crmcore.services.tasks.common import (
    DEFAULT_TIME_ZONE,
    TaskServiceBase,
    arguments_named,
    moment_of,
    named_by_arguments,
    zone_named,
)

__all__ = ["TaskCard", "TaskCardMixin"]

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


class TaskCardMixin(TaskServiceBase):
    """The task card: create a task (also from an event), read its card, change its
    requisites, archive and restore it, and read its History tab."""

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
            zone = zone_named(zone_name, "time_zone")
            if progress != ProgressMode.MANUAL and percent_done:
                raise ValidationError(
                    "percent_done", "is rolled up from the executors; use progress='manual'"
                )
            task = named_by_arguments(
                Task,
                name=name,
                description=description,
                author_id=None if author is None else author.id,
                planned_start=self._now() if start is None else moment_of(start, "start", zone),
                planned_end=moment_of(end, "end", zone, end=True),
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
            self._publish(uow, ExecutorsAssigned(stored, tuple(added)))
            write_fields(self._context, uow, "task", stored.id, fields, creating=True)
            self._publish(uow, TaskCreated(stored))
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
            zone = zone_named(zone_name, "time_zone") if isinstance(zone_name, str) else None
            for name, stored_name in (("start", "planned_start"), ("end", "planned_end")):
                if name in given:
                    if zone is None:
                        raise ValidationError("time_zone", "must be an IANA time zone name")
                    prepared[stored_name] = moment_of(
                        given.pop(name), name, zone, end=name == "end"
                    )
            if "progress" in given:
                given["progress_mode"] = given.pop("progress")
            prepared.update(given)
            mode = prepared.get("progress_mode", stored.progress_mode)
            if "percent_done" in prepared and mode != ProgressMode.MANUAL:
                raise ValidationError(
                    "percent_done", "is rolled up from the executors; set progress='manual' first"
                )
            with arguments_named():
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
