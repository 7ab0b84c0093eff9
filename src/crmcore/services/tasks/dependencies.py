"""Dependencies: which task waits for which, schedule conflicts, and rescheduling."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from uuid import UUID

import attrs

from crmcore.domain.tasks import Dependency, DependencyKind, Task, constraint
from crmcore.errors import DuplicateError, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import build
from crmcore.services.refs import ProjectRef, TaskRef, find_by_id, find_task
from crmcore.services.tasks.common import TaskServiceBase

__all__ = ["DependencyMixin", "ScheduleConflict", "dependencies_into"]


@attrs.frozen(kw_only=True)
class ScheduleConflict:
    """A task planned earlier than one of its dependencies allows."""

    dependency: Dependency
    field: str  # "planned_start" or "planned_end" of the successor
    required: datetime  # the earliest moment the dependency allows
    planned: datetime  # what the successor has


class DependencyMixin(TaskServiceBase):
    """Dependencies between tasks, the conflicts they show, and rescheduling along them."""

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
            incoming = dependencies_into(uow, chosen)
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


def dependencies_into(uow: UnitOfWork, tasks: Mapping[UUID, Task]) -> list[Dependency]:
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
