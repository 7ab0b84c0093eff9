"""Tasks: the task card, its executors, work log, status workflow and dependencies.

A task has any number of executors, and each executor row carries its own
dates, status, percent done and hours; the task's own percent and hours are a
documented roll-up of the rows (:func:`roll_up`).  Statuses move only along
the transition tables :data:`TASK_TRANSITIONS` and
:data:`EXECUTOR_TRANSITIONS`, which also say who may make each move.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import checks as check
from crmcore.domain.clients import search_key, sort_key
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "CLOSED_STATUSES",
    "EXECUTOR_TRANSITIONS",
    "TASK_TRANSITIONS",
    "Dependency",
    "DependencyKind",
    "Executor",
    "ExecutorKind",
    "ExecutorStatus",
    "Priority",
    "ProgressMode",
    "Role",
    "Task",
    "TaskSearch",
    "TaskSort",
    "TaskStatus",
    "Transition",
    "WorkLogEntry",
    "constraint",
    "last_day",
    "roll_up",
]


class TaskStatus(enum.StrEnum):
    """Where a task stands.  ``label`` is the seed system's name for it."""

    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    IN_PROGRESS = "in_progress"
    ON_REVIEW = "on_review"
    COMPLETED = "completed"
    RETURNED = "returned"
    POSTPONED = "postponed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return _TASK_LABELS[self]


_TASK_LABELS = {
    TaskStatus.ASSIGNED: "Поставлена задача",
    TaskStatus.ACCEPTED: "Принято",
    TaskStatus.IN_PROGRESS: "В работе",
    TaskStatus.ON_REVIEW: "На проверке",
    TaskStatus.COMPLETED: "Выполнена",
    TaskStatus.RETURNED: "Возвращена",
    TaskStatus.POSTPONED: "Отложена",
    TaskStatus.CANCELLED: "Отменена",
}

#: Statuses after which a task is no longer worked on (and never overdue).
CLOSED_STATUSES = frozenset({TaskStatus.COMPLETED, TaskStatus.CANCELLED})


class ExecutorStatus(enum.StrEnum):
    """Where one executor's part of a task stands."""

    ASSIGNED = "assigned"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    IN_PROGRESS = "in_progress"
    DONE = "done"

    @property
    def label(self) -> str:
        return _EXECUTOR_LABELS[self]


_EXECUTOR_LABELS = {
    ExecutorStatus.ASSIGNED: "Поставлена задача",
    ExecutorStatus.ACCEPTED: "Принято",
    ExecutorStatus.DECLINED: "Отклонено",
    ExecutorStatus.IN_PROGRESS: "В работе",
    ExecutorStatus.DONE: "Выполнено",
}


class Priority(enum.StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"

    @property
    def order(self) -> int:
        """0 for urgent up to 3 for low: ascending order puts the most pressing first."""
        return 3 - list(Priority).index(self)

    @property
    def label(self) -> str:
        return {"low": "Низкий", "normal": "Обычный", "high": "Высокий", "urgent": "Срочный"}[
            self.value
        ]


class ExecutorKind(enum.StrEnum):
    """Who an executor row stands for: one employee, or a department or group as a whole."""

    EMPLOYEE = "employee"
    DEPARTMENT = "department"
    GROUP = "group"

    @property
    def label(self) -> str:
        return {"employee": "Сотрудник", "department": "Подразделение", "group": "Группа"}[
            self.value
        ]


class ProgressMode(enum.StrEnum):
    """How a task's percent done is found.

    ``weighted``: from the executors' percents, weighted by their planned
    hours (equal weights when no executor has planned hours); declined
    executors do not count.  ``manual``: set on the task itself.
    """

    WEIGHTED = "weighted"
    MANUAL = "manual"


class DependencyKind(enum.StrEnum):
    """How a successor's dates are bound to its predecessor's (plus the lag)."""

    FINISH_TO_START = "finish_to_start"
    START_TO_START = "start_to_start"
    FINISH_TO_FINISH = "finish_to_finish"
    START_TO_FINISH = "start_to_finish"


class Role(enum.StrEnum):
    """Who may make a transition."""

    EXECUTOR = "executor"  # the employee of the executor row
    CONTROLLER = "controller"  # the task's controller (its author when it has none)
    AUTHOR = "author"


def _to_task_status(value: object) -> object:
    return check.to_enum(TaskStatus, value)


def _to_executor_status(value: object) -> object:
    return check.to_enum(ExecutorStatus, value)


def _to_priority(value: object) -> object:
    return check.to_enum(Priority, value)


def _to_executor_kind(value: object) -> object:
    return check.to_enum(ExecutorKind, value)


def _to_progress_mode(value: object) -> object:
    return check.to_enum(ProgressMode, value)


def _to_dependency_kind(value: object) -> object:
    return check.to_enum(DependencyKind, value)


def _to_optional_task_status(value: object) -> object:
    return None if value is None else check.to_enum(TaskStatus, value)


def _optional_task_status(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        check.member_of(TaskStatus)(instance, attribute, value)


_ZERO_HOURS = Decimal("0.00")


def _check_period(start: datetime, end: datetime) -> None:
    if end < start:
        raise ValidationError("planned_end", "is before planned_start")


@attrs.define(kw_only=True)
class Task(Record):
    """The task card: what is to be done, for whom, by when, and how far it got.

    ``percent_done`` and ``hours_spent`` are rolled up from the executor rows
    (see :func:`roll_up`) unless ``progress_mode`` is ``manual``, when
    ``percent_done`` is set by hand.  ``time_zone`` is the IANA zone the task is
    planned in: dates given without a time, recurrence and "today" use it.
    """

    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    description: str = attrs.field(default="", validator=check.long_text)
    author_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    controller_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    type_code: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=32)
    )
    client_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    contact_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    project_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    event_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    planned_start: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    planned_end: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    planned_hours: Decimal | None = attrs.field(
        default=None, converter=check.to_hours, validator=check.hours(optional=True)
    )
    percent_done: int = attrs.field(default=0, validator=check.percent)
    hours_spent: Decimal = attrs.field(
        default=_ZERO_HOURS, converter=check.to_hours, validator=check.hours()
    )
    status: TaskStatus = attrs.field(
        default=TaskStatus.ASSIGNED,
        converter=_to_task_status,
        validator=check.member_of(TaskStatus),
    )
    colour: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=32)
    )
    priority: Priority = attrs.field(
        default=Priority.NORMAL, converter=_to_priority, validator=check.member_of(Priority)
    )
    tags: tuple[str, ...] = attrs.field(default=(), converter=check.as_tuple, validator=check.tags)
    progress_mode: ProgressMode = attrs.field(
        default=ProgressMode.WEIGHTED,
        converter=_to_progress_mode,
        validator=check.member_of(ProgressMode),
    )
    time_zone: str = attrs.field(default="Europe/Kyiv", validator=check.time_zone)
    #: The status a postponed task returns to when resumed.
    resume_status: TaskStatus | None = attrs.field(
        default=None,
        converter=_to_optional_task_status,
        validator=_optional_task_status,
    )
    #: Employees who follow the task without working on it (reminders can go to them).
    watchers: tuple[UUID, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(UUID)
    )
    #: The repeating series this task is an occurrence of, and which occurrence.
    series_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    occurrence: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    #: Where the task came from outside crmcore (an iCalendar UID), unique.
    external_ref: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=300)
    )
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    def __attrs_post_init__(self) -> None:
        _check_period(self.planned_start, self.planned_end)

    @property
    def is_open(self) -> bool:
        return self.status not in CLOSED_STATUSES

    def is_overdue(self, now: datetime, zone: ZoneInfo | None = None) -> bool:
        """Open, and the last day its planned end covers (see :func:`last_day`)
        has ended at ``now`` in ``zone`` (the task's own zone when omitted).

        Overdue is judged by days, as people judge deadlines: a task due on the
        6th is overdue from the first moment of the 7th where the viewer is.
        """
        where = zone or ZoneInfo(self.time_zone)
        return self.is_open and last_day(self.planned_end, where) < now.astimezone(where).date()

    @property
    def name_sort(self) -> str:
        return sort_key(self.name)

    @property
    def search_text(self) -> str:
        """What the registry's text filter looks in: name and description, case-folded."""
        return search_key(f"{self.name}\n{self.description}")

    @property
    def reviewer_id(self) -> UUID | None:
        """Who accepts or returns the result: the controller, else the author."""
        return self.controller_id if self.controller_id is not None else self.author_id


@attrs.define(kw_only=True)
class Executor(Record):
    """One executor row of a task, with its own dates, status, percent and hours.

    ``hours_spent`` is the sum of the row's work log; ``planned_hours`` weighs
    the row in the task's percent done.
    """

    task_id: UUID = attrs.field(validator=check.uuid())
    kind: ExecutorKind = attrs.field(
        default=ExecutorKind.EMPLOYEE,
        converter=_to_executor_kind,
        validator=check.member_of(ExecutorKind),
    )
    employee_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    group: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=200)
    )
    planned_start: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    planned_end: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    status: ExecutorStatus = attrs.field(
        default=ExecutorStatus.ASSIGNED,
        converter=_to_executor_status,
        validator=check.member_of(ExecutorStatus),
    )
    percent_done: int = attrs.field(default=0, validator=check.percent)
    planned_hours: Decimal | None = attrs.field(
        default=None, converter=check.to_hours, validator=check.hours(optional=True)
    )
    hours_spent: Decimal = attrs.field(
        default=_ZERO_HOURS, converter=check.to_hours, validator=check.hours()
    )
    comment: str = attrs.field(default="", validator=check.long_text)
    position: int = attrs.field(default=0, validator=check.of_type(int))

    def __attrs_post_init__(self) -> None:
        _check_period(self.planned_start, self.planned_end)
        if self.kind is ExecutorKind.EMPLOYEE and self.employee_id is None:
            raise ValidationError("employee", "an employee executor needs an employee")
        if self.kind is not ExecutorKind.EMPLOYEE and not self.group:
            raise ValidationError("group", f"a {self.kind.value} executor needs a group name")


@attrs.define(kw_only=True)
class WorkLogEntry(Record):
    """Hours an executor worked on a task on one day, with a note."""

    task_id: UUID = attrs.field(validator=check.uuid())
    executor_id: UUID = attrs.field(validator=check.uuid())
    employee_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    worked_on: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    hours: Decimal = attrs.field(converter=check.to_hours, validator=check.hours())
    note: str = attrs.field(default="", validator=check.long_text)

    def __attrs_post_init__(self) -> None:
        if self.hours <= 0:
            raise ValidationError("hours", "must be more than zero")


@attrs.define(kw_only=True)
class Dependency(Record):
    """``successor`` may start (or finish) only after ``predecessor`` does, plus ``lag``."""

    predecessor_id: UUID = attrs.field(validator=check.uuid())
    successor_id: UUID = attrs.field(validator=check.uuid())
    kind: DependencyKind = attrs.field(
        default=DependencyKind.FINISH_TO_START,
        converter=_to_dependency_kind,
        validator=check.member_of(DependencyKind),
    )
    lag: timedelta = attrs.field(default=timedelta(0), validator=check.of_type(timedelta))

    def __attrs_post_init__(self) -> None:
        if self.predecessor_id == self.successor_id:
            raise ValidationError("successor", "a task cannot depend on itself")


def last_day(end: datetime, zone: ZoneInfo) -> date:
    """The last day a planned end covers in ``zone``: an end at local midnight
    (a task due "on the 27th" ends at 00:00 on the 28th) covers the day before.

    Example:
        >>> from datetime import UTC
        >>> last_day(datetime(2014, 11, 27, 22, 0, tzinfo=UTC), ZoneInfo("Europe/Kyiv"))
        datetime.date(2014, 11, 27)
    """
    local = end.astimezone(zone)
    if local.time() == time(0):
        return local.date() - timedelta(days=1)
    return local.date()


def constraint(dependency: Dependency, predecessor: Task) -> tuple[str, datetime]:
    """Which date of the successor the dependency binds, and its earliest allowed value.

    Returns ``("planned_start", moment)`` or ``("planned_end", moment)``.
    """
    kind = dependency.kind
    anchor = (
        predecessor.planned_end
        if kind in (DependencyKind.FINISH_TO_START, DependencyKind.FINISH_TO_FINISH)
        else predecessor.planned_start
    )
    bound = (
        "planned_start"
        if kind in (DependencyKind.FINISH_TO_START, DependencyKind.START_TO_START)
        else "planned_end"
    )
    return bound, anchor + dependency.lag


def roll_up(task: Task, executors: Iterable[Executor]) -> tuple[int, Decimal]:
    """The task's (percent done, hours spent) from its executor rows.

    Hours are the sum over every row (declined rows keep the hours they
    logged).  Percent is weighted by the rows' planned hours, or equal weights
    when no counting row has any, over the rows that are not declined, rounded
    half up to a whole percent; it is the task's own value in ``manual`` mode,
    and 0 with no counting rows.
    """
    rows = list(executors)
    hours = sum((row.hours_spent for row in rows), Decimal("0.00"))
    if task.progress_mode is ProgressMode.MANUAL:
        return task.percent_done, hours
    counting = [row for row in rows if row.status is not ExecutorStatus.DECLINED]
    if not counting:
        return 0, hours
    weights = [row.planned_hours or Decimal(0) for row in counting]
    if not any(weights):
        weights = [Decimal(1)] * len(counting)
    total = sum(weights, Decimal(0))
    done = sum((w * row.percent_done for w, row in zip(weights, counting, strict=True)), Decimal(0))
    return int((done / total).quantize(Decimal(1), rounding=ROUND_HALF_UP)), hours


@attrs.frozen
class Transition:
    """One row of a transition table: an action, the states it starts from, where it
    leads, and who may take it."""

    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the call (resume returns to the earlier status)
    roles: frozenset[Role]


def _t(
    action: str, sources: Sequence[enum.Enum], target: enum.Enum | None, *roles: Role
) -> Transition:
    return Transition(
        action,
        frozenset(s.value for s in sources),
        None if target is None else target.value,
        frozenset(roles),
    )


_S = TaskStatus
_OPEN_WORK = (_S.ASSIGNED, _S.ACCEPTED, _S.IN_PROGRESS, _S.RETURNED)

#: The task's own transitions, made by people.  Executors move the task too,
#: through their rows: the first acceptance makes an assigned task
#: ``accepted``, the first start makes it ``in_progress``, and when every
#: executor that did not decline is done it goes ``on_review``.
TASK_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("submit", (*_OPEN_WORK,), _S.ON_REVIEW, Role.EXECUTOR, Role.CONTROLLER),
        _t("complete", (_S.ON_REVIEW,), _S.COMPLETED, Role.CONTROLLER),
        _t("return", (_S.ON_REVIEW, _S.COMPLETED), _S.RETURNED, Role.CONTROLLER),
        _t("postpone", (*_OPEN_WORK,), _S.POSTPONED, Role.CONTROLLER, Role.AUTHOR),
        _t("resume", (_S.POSTPONED,), None, Role.CONTROLLER, Role.AUTHOR),
        _t(
            "cancel",
            (*_OPEN_WORK, _S.ON_REVIEW, _S.POSTPONED),
            _S.CANCELLED,
            Role.CONTROLLER,
            Role.AUTHOR,
        ),
        _t("reopen", (_S.COMPLETED, _S.CANCELLED), _S.RETURNED, Role.CONTROLLER, Role.AUTHOR),
    )
}

_E = ExecutorStatus

#: An executor's own transitions; only that executor's employee may make them
#: (a department or group row may be moved by the task's controller).
EXECUTOR_TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("accept", (_E.ASSIGNED,), _E.ACCEPTED, Role.EXECUTOR),
        _t("decline", (_E.ASSIGNED, _E.ACCEPTED), _E.DECLINED, Role.EXECUTOR),
        _t("start", (_E.ASSIGNED, _E.ACCEPTED, _E.DONE), _E.IN_PROGRESS, Role.EXECUTOR),
        _t("finish", (_E.ACCEPTED, _E.IN_PROGRESS), _E.DONE, Role.EXECUTOR),
    )
}


class TaskSort(enum.StrEnum):
    """Orders of the task registry (each ties on the task id)."""

    DUE = "due"  # planned end, earliest first
    START = "start"  # planned start, earliest first
    PRIORITY = "priority"  # urgent first, then by planned end
    CREATED = "created"  # newest first
    NAME = "name"  # alphabetical

    @property
    def descending(self) -> bool:
        return self is TaskSort.CREATED

    def position(self, task: Task) -> tuple[object, ...]:
        """Where ``task`` stands in this order: the values compared, the id last."""
        match self:
            case TaskSort.DUE:
                return (task.planned_end, task.id)
            case TaskSort.START:
                return (task.planned_start, task.id)
            case TaskSort.PRIORITY:
                return (task.priority.order, task.planned_end, task.id)
            case TaskSort.CREATED:
                return (task.created_at, task.id)
            case _:
                return (task.name_sort, task.id)


@attrs.frozen(kw_only=True)
class TaskSearch:
    """A registry query; every filter is optional and all given ones must hold.

    ``field_values`` holds user-field conditions already checked against the
    field definitions: ``{name: value}``; a task matches when its value of
    that field equals ``value`` (for multi-choice fields: includes it).
    """

    executor_id: UUID | None = None
    controller_id: UUID | None = None
    author_id: UUID | None = None
    client_id: UUID | None = None
    project_id: UUID | None = None
    statuses: frozenset[TaskStatus] | None = None
    priorities: frozenset[Priority] | None = None
    #: Only open tasks with a planned end at or before this moment: the start of
    #: the viewer's day, so a task is overdue once the day it was due has ended.
    overdue_at: datetime | None = None
    #: The planned period meets [since, until): it starts before ``until`` and
    #: ends after ``since`` (a task of no length: stands in the period).
    since: datetime | None = None
    until: datetime | None = None
    text: str | None = None  # already a search key
    field_values: tuple[tuple[str, object], ...] = ()
    include_archived: bool = False

    def admits(self, task: Task, executor_ids: frozenset[UUID] = frozenset()) -> bool:
        """Whether ``task`` passes every filter but the user-field and executor ones,
        which need other records (``executor_ids``: employees of its rows)."""
        return (
            (self.include_archived or not task.archived)
            and (self.executor_id is None or self.executor_id in executor_ids)
            and (self.controller_id is None or task.controller_id == self.controller_id)
            and (self.author_id is None or task.author_id == self.author_id)
            and (self.client_id is None or task.client_id == self.client_id)
            and (self.project_id is None or task.project_id == self.project_id)
            and (self.statuses is None or task.status in self.statuses)
            and (self.priorities is None or task.priority in self.priorities)
            and (self.overdue_at is None or (task.is_open and task.planned_end <= self.overdue_at))
            and (
                self.since is None
                or task.planned_end > self.since
                or task.planned_start >= self.since
            )
            and (self.until is None or task.planned_start < self.until)
            and (self.text is None or self.text in task.search_text)
        )
