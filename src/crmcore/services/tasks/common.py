"""What every part of ``crm.tasks`` shares: references, time, roles and the roll-up."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypeVar
from uuid import UUID
from zoneinfo import ZoneInfo

from crmcore.domain import Employee
from crmcore.domain.history import ChangeAction
from crmcore.domain.signals import TaskRescheduled, TaskStatusChanged
from crmcore.domain.tasks import (
    Executor,
    ExecutorKind,
    ExecutorStatus,
    Role,
    Task,
    TaskStatus,
    Transition,
    roll_up,
)
from crmcore.errors import PermissionDenied, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, Versioned, build
from crmcore.services.refs import (
    ProjectRef,
    TaskRef,
    find_active_employee,
    find_parties,
    find_project,
    find_task,
    find_usable_event_type,
)

__all__ = [
    "DEFAULT_TIME_ZONE",
    "REPORT_PROGRESS",
    "TaskServiceBase",
    "arguments_named",
    "followed_status",
    "moment_of",
    "named_by_arguments",
    "start_of_day",
    "zone_named",
]

DEFAULT_TIME_ZONE = "Europe/Kyiv"

_EXECUTOR_SPEC = frozenset(
    {"employee", "kind", "group", "start", "end", "planned_hours", "comment"}
)

V = TypeVar("V", bound=Versioned)
T = TypeVar("T")


def zone_named(name: str, field: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):
        raise ValidationError(field, f"{name!r} is not an IANA time zone") from None


def moment_of(value: object, field: str, zone: ZoneInfo, *, end: bool = False) -> datetime:
    """An aware datetime; a date means the start of that day (or its end, for ends)."""
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValidationError(field, "must be timezone-aware (got a naive datetime)")
        return value.astimezone(UTC)
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
    raise ValidationError(field, f"must be a datetime or a date, not {type(value).__name__}")


#: Who may report progress and log work on a row: its executor or the task's controller.
REPORT_PROGRESS = Transition(
    "report progress on", frozenset(), None, frozenset({Role.EXECUTOR, Role.CONTROLLER})
)


#: Stored field names, and the arguments people pass them as.
_ARGUMENTS = {"planned_start": "start", "planned_end": "end", "progress_mode": "progress"}


@contextmanager
def arguments_named() -> Iterator[None]:
    """Errors about stored fields name the arguments people pass (``end`` for
    ``planned_end``)."""
    try:
        yield
    except ValidationError as error:
        argument = _ARGUMENTS.get(error.field)
        if argument is not None:
            raise ValidationError(argument, error.problem) from None
        raise


def named_by_arguments(entity_type: type[T], **fields: Any) -> T:
    with arguments_named():
        return build(entity_type, **fields)


def start_of_day(moment: datetime, zone: ZoneInfo) -> datetime:
    local = moment.astimezone(zone)
    return datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)


def followed_status(task: Task, rows: Sequence[Executor]) -> TaskStatus:
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


class TaskServiceBase(Service):
    """What the parts of ``crm.tasks`` share: references, roll-up, roles and task writes.

    Every write of a task goes through :meth:`_update` or :meth:`_set_task`,
    which publish what the change did (a move of the planned times, a new
    status) for the timeline, notifications and reminders to follow.
    """

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

    # --- writing ------------------------------------------------------------------

    def _set_task(
        self, uow: UnitOfWork, task: Task, changes: Mapping[str, Any], note: str = ""
    ) -> Task:
        """Apply workflow or roll-up changes to a task, announcing a status change."""
        changed = self._update(uow, uow.tasks, task, None, changes, action=ChangeAction.UPDATE)
        if changed.status is not task.status:
            self._publish(uow, TaskStatusChanged(task, changed, note))
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
        """Store a change; a task whose planned times moved says so (its reminders follow)."""
        changed = super()._update(uow, repository, stored, given, changes, **options)
        if (
            isinstance(changed, Task)
            and isinstance(stored, Task)
            and (
                changed.planned_start != stored.planned_start
                or changed.planned_end != stored.planned_end
            )
        ):
            self._publish(uow, TaskRescheduled(changed))
        return changed

    def _follow(self, uow: UnitOfWork, task: Task) -> Task:
        """Roll the executor rows up into the task, and move it along with them."""
        rows = uow.executors.find(task_id=task.id)
        percent, hours = roll_up(task, rows)
        changes: dict[str, Any] = {}
        if percent != task.percent_done:
            changes["percent_done"] = percent
        if hours != task.hours_spent:
            changes["hours_spent"] = hours
        status = followed_status(task, rows)
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
        zone = zone_named(task.time_zone, "time_zone")
        employee = options.get("employee")
        who = None if employee is None else find_active_employee(uow, employee, "employee")
        return named_by_arguments(
            Executor,
            task_id=task.id,
            kind=options.get("kind", ExecutorKind.EMPLOYEE),
            employee_id=None if who is None else who.id,
            group=options.get("group"),
            planned_start=moment_of(options.get("start", task.planned_start), "start", zone),
            planned_end=moment_of(options.get("end", task.planned_end), "end", zone, end=True),
            planned_hours=options.get("planned_hours"),
            comment=options.get("comment", ""),
            position=position,
        )

    def _find(self, uow: UnitOfWork, task: TaskRef) -> Task:
        return find_task(uow, task)

    def _chosen(
        self, uow: UnitOfWork, tasks: Iterable[TaskRef] | None, project: ProjectRef | None
    ) -> list[Task]:
        if tasks is not None:
            return [find_task(uow, task, "tasks") for task in tasks]
        if project is not None:
            return uow.tasks.find(project_id=find_project(uow, project, "project").id)
        return uow.tasks.find()
