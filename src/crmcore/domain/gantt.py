"""Plan-schedule (Gantt) rules for a set of tasks: rows, lanes, links, the critical path.

:func:`plan_rows` lays tasks, their executor rows and the dependencies
between them out as plain, immutable rows and links; the chart a person
sees, :class:`crmcore.plotting.Gantt`, is built from them outside the
domain, which never draws or writes files.

:func:`critical_path` finds the tasks that cannot slip without moving the end
of the whole set, by the critical path method over the planned dates.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from crmcore.domain.tasks import Dependency, DependencyKind, Executor, Task
from crmcore.errors import ValidationError

__all__ = ["GanttBar", "GanttLink", "GanttRow", "critical_path", "plan_rows"]


@attrs.frozen(kw_only=True)
class GanttBar:
    """One executor's lane under a task: whose it is, when, and how far it got.

    Attributes:
        executor_id: the executor row's id.
        label: the employee's name, else the department or group name, else ``"?"``.
        start: the row's planned start (UTC).
        end: the row's planned end (UTC).
        percent: the row's percent done, 0 to 100.
        status: the row's status value, e.g. ``"in_progress"``.
    """

    executor_id: UUID
    label: str
    start: datetime
    end: datetime
    percent: int
    status: str


@attrs.frozen(kw_only=True)
class GanttRow:
    """One task of the chart, with its executors' lanes.

    Attributes:
        task_id: the task's id.
        name: the task's name.
        start: the task's planned start (UTC).
        end: the task's planned end (UTC).
        percent: the task's percent done, 0 to 100.
        status: the task's status value, e.g. ``"assigned"``.
        colour: the colour set on the task, if any, as the user typed it.
        critical: whether the task is on the critical path.
        lanes: the task's executor rows, in their own order.
    """

    task_id: UUID
    name: str
    start: datetime
    end: datetime
    percent: int
    status: str
    colour: str | None
    critical: bool
    lanes: tuple[GanttBar, ...]


@attrs.frozen(kw_only=True)
class GanttLink:
    """A dependency drawn between two rows of the chart.

    See :class:`~crmcore.domain.tasks.Dependency` for what each kind means.
    """

    predecessor_id: UUID
    successor_id: UUID
    kind: DependencyKind
    lag: timedelta


def plan_rows(
    tasks: Iterable[Task],
    executors: Iterable[Executor],
    dependencies: Iterable[Dependency],
    names: Mapping[UUID, str],
) -> tuple[tuple[GanttRow, ...], tuple[GanttLink, ...], tuple[UUID, ...]]:
    """The rows, links and critical path of the plan schedule of ``tasks``.

    What :func:`crmcore.plotting.build_gantt` charts; see it for the arguments.

    Raises:
        ValidationError: (field ``dependencies``) when the dependencies between
            ``tasks`` form a cycle.
    """
    by_id = {task.id: task for task in tasks}
    deps = list(dependencies)
    critical = critical_path(by_id.values(), deps)
    on_path = set(critical)

    lanes: dict[UUID, list[Executor]] = {}
    for executor in executors:
        if executor.task_id in by_id:
            lanes.setdefault(executor.task_id, []).append(executor)

    ordered = sorted(by_id.values(), key=lambda t: (t.planned_start, t.name_sort, t.name, t.id))
    rows = tuple(
        GanttRow(
            task_id=task.id,
            name=task.name,
            start=task.planned_start,
            end=task.planned_end,
            percent=task.percent_done,
            status=task.status.value,
            colour=task.colour,
            critical=task.id in on_path,
            lanes=tuple(
                _bar(executor, names)
                for executor in sorted(
                    lanes.get(task.id, ()), key=lambda e: (e.position, e.planned_start, e.id)
                )
            ),
        )
        for task in ordered
    )

    # Links follow the rows, so a reader (or a test) sees them top to bottom.
    place = {task.id: index for index, task in enumerate(ordered)}
    kept = sorted(
        (d for d in deps if d.predecessor_id in place and d.successor_id in place),
        key=lambda d: (place[d.predecessor_id], place[d.successor_id], d.kind.value, d.id),
    )
    links = tuple(
        GanttLink(
            predecessor_id=d.predecessor_id, successor_id=d.successor_id, kind=d.kind, lag=d.lag
        )
        for d in kept
    )
    return rows, links, critical


def _bar(executor: Executor, names: Mapping[UUID, str]) -> GanttBar:
    name = names.get(executor.employee_id) if executor.employee_id is not None else None
    return GanttBar(
        executor_id=executor.id,
        label=name or executor.group or "?",
        start=executor.planned_start,
        end=executor.planned_end,
        percent=executor.percent_done,
        status=executor.status.value,
    )


@attrs.frozen
class _Times:
    earliest_start: datetime
    earliest_finish: datetime
    latest_start: datetime
    latest_finish: datetime


def critical_path(tasks: Iterable[Task], dependencies: Iterable[Dependency]) -> tuple[UUID, ...]:
    """The ids of the tasks that cannot slip without moving the end of the whole set.

    The critical path method over the planned durations (``planned_end -
    planned_start``), honouring every dependency kind and its lag (see
    :func:`~crmcore.domain.tasks.constraint`).  The forward pass starts a task
    at the latest of its planned start and what its predecessors allow, so
    no task starts earlier than planned; the backward pass runs from the
    latest earliest finish.  A task is critical when its total float is
    exactly zero, including a task without dependencies whose finish is the
    end of the set.  Dependencies that reach outside ``tasks`` are ignored.

    Returns:
        The critical tasks by earliest start, ties by id; empty for no tasks.

    Raises:
        ValidationError: (field ``dependencies``) when the dependencies form a cycle.

    Example:
        >>> from datetime import UTC, datetime
        >>> from crmcore.domain.tasks import Dependency, Task
        >>> day = lambda d: datetime(2024, 3, d, tzinfo=UTC)
        >>> dig = Task(name="Dig", planned_start=day(1), planned_end=day(3))
        >>> pour = Task(name="Pour", planned_start=day(1), planned_end=day(2))
        >>> paint = Task(name="Paint fence", planned_start=day(1), planned_end=day(2))
        >>> after = Dependency(predecessor_id=dig.id, successor_id=pour.id)
        >>> path = critical_path([dig, pour, paint], [after])
        >>> [{dig.id: "Dig", pour.id: "Pour", paint.id: "Paint fence"}[i] for i in path]
        ['Dig', 'Pour']
    """
    times = _schedule({task.id: task for task in tasks}, list(dependencies))
    zero = timedelta(0)
    critical = [
        task_id for task_id, t in times.items() if t.latest_start - t.earliest_start == zero
    ]
    critical.sort(key=lambda task_id: (times[task_id].earliest_start, task_id))
    return tuple(critical)


def _schedule(by_id: Mapping[UUID, Task], dependencies: list[Dependency]) -> dict[UUID, _Times]:
    if not by_id:
        return {}
    inner = [d for d in dependencies if d.predecessor_id in by_id and d.successor_id in by_id]
    incoming: dict[UUID, list[Dependency]] = {task_id: [] for task_id in by_id}
    outgoing: dict[UUID, list[Dependency]] = {task_id: [] for task_id in by_id}
    for d in inner:
        incoming[d.successor_id].append(d)
        outgoing[d.predecessor_id].append(d)
    order = _topological_order(by_id, incoming, outgoing)
    duration = {task_id: task.planned_end - task.planned_start for task_id, task in by_id.items()}

    earliest_start: dict[UUID, datetime] = {}
    for task_id in order:
        start = by_id[task_id].planned_start
        for d in incoming[task_id]:
            start = max(start, _earliest_start(d, earliest_start, duration))
        earliest_start[task_id] = start

    end = max(earliest_start[task_id] + duration[task_id] for task_id in by_id)
    latest_finish: dict[UUID, datetime] = {}
    for task_id in reversed(order):
        finish = end
        for d in outgoing[task_id]:
            finish = min(finish, _latest_finish(d, latest_finish, duration))
        latest_finish[task_id] = finish

    return {
        task_id: _Times(
            earliest_start=earliest_start[task_id],
            earliest_finish=earliest_start[task_id] + duration[task_id],
            latest_start=latest_finish[task_id] - duration[task_id],
            latest_finish=latest_finish[task_id],
        )
        for task_id in by_id
    }


def _earliest_start(
    d: Dependency, earliest_start: Mapping[UUID, datetime], duration: Mapping[UUID, timedelta]
) -> datetime:
    """The successor's earliest start that ``d`` allows, given its predecessor's."""
    start = earliest_start[d.predecessor_id]
    kind = d.kind
    anchor = (
        start + duration[d.predecessor_id]
        if kind in (DependencyKind.FINISH_TO_START, DependencyKind.FINISH_TO_FINISH)
        else start
    )
    bound = anchor + d.lag
    # Finish-bound kinds constrain the successor's finish; its start moves with it.
    if kind in (DependencyKind.FINISH_TO_FINISH, DependencyKind.START_TO_FINISH):
        return bound - duration[d.successor_id]
    return bound


def _latest_finish(
    d: Dependency, latest_finish: Mapping[UUID, datetime], duration: Mapping[UUID, timedelta]
) -> datetime:
    """The predecessor's latest finish that ``d`` allows, given its successor's."""
    finish = latest_finish[d.successor_id]
    kind = d.kind
    anchor = (
        finish - duration[d.successor_id]
        if kind in (DependencyKind.FINISH_TO_START, DependencyKind.START_TO_START)
        else finish
    )
    bound = anchor - d.lag
    # Start-anchored kinds limit the predecessor's start; its finish follows by its duration.
    if kind in (DependencyKind.START_TO_START, DependencyKind.START_TO_FINISH):
        return bound + duration[d.predecessor_id]
    return bound


def _topological_order(
    by_id: Mapping[UUID, Task],
    incoming: Mapping[UUID, list[Dependency]],
    outgoing: Mapping[UUID, list[Dependency]],
) -> list[UUID]:
    waiting = {task_id: len(deps) for task_id, deps in incoming.items()}
    # A heap keeps the order, and so any cycle report, independent of input order.
    ready = [task_id for task_id, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[UUID] = []
    while ready:
        task_id = heapq.heappop(ready)
        order.append(task_id)
        for d in outgoing[task_id]:
            waiting[d.successor_id] -= 1
            if waiting[d.successor_id] == 0:
                heapq.heappush(ready, d.successor_id)
    if len(order) < len(by_id):
        cycle = _find_cycle({task_id for task_id, count in waiting.items() if count}, incoming)
        path = " → ".join(repr(by_id[task_id].name) for task_id in cycle)
        raise ValidationError("dependencies", f"form a cycle: {path}")
    return order


def _find_cycle(stuck: set[UUID], incoming: Mapping[UUID, list[Dependency]]) -> list[UUID]:
    """One cycle among the tasks a topological sort could not place, first task repeated last.

    Every such task still waits on another such task, so walking back along
    predecessors must come round to a task already seen.
    """
    walk: list[UUID] = []
    seen: dict[UUID, int] = {}
    task_id = min(stuck)
    while task_id not in seen:
        seen[task_id] = len(walk)
        walk.append(task_id)
        task_id = min(d.predecessor_id for d in incoming[task_id] if d.predecessor_id in stuck)
    cycle = walk[seen[task_id] :]
    cycle.reverse()
    return [*cycle, cycle[0]]
