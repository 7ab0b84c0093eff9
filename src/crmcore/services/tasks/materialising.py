"""Materialising: the task of each occurrence of a series is made ``lead`` before it starts.

The policy (see :mod:`crmcore.domain.series`): the task of an occurrence is
created by :meth:`MaterialiseMixin.materialise` (which the dispatcher and
``crmcore worker`` run), once per occurrence and never past the rule's end.
Each new task copies the series' template task: its requisites, executor
rows, reminders, watchers and user-field values, moved to the occurrence with
their wall-clock times kept in the task's zone."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain.ids import new_id
from crmcore.domain.series import Series
from crmcore.domain.signals import ExecutorsAssigned, TaskCreated
from crmcore.domain.tasks import Executor, Task, TaskStatus
from crmcore.errors import Conflict, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.refs import TaskRef, find_by_id, find_task
from crmcore.services.tasks.common import TaskServiceBase
from crmcore.services.tasks.occurrences import series_schedule, wall_shift

__all__ = ["MaterialiseMixin"]

#: Most tasks one series creates in one pass; the rest come in the next passes.
_PER_PASS = 50
_SERIES_PER_PASS = 200


class MaterialiseMixin(TaskServiceBase):
    """Making the tasks of a series' occurrences: when they are due, or one on demand."""

    def materialise(self, now: datetime | None = None) -> list[Task]:
        """Create the tasks of every occurrence that is due by ``now`` (see the module's policy).

        Each series is handled in its own unit of work, so one series whose
        template cannot be copied does not hold up the others.  Returns the
        tasks created.
        """
        moment = self._now_or(now)
        with self._unit_of_work(writes=False) as uow:
            due = [series.id for series in uow.series.due(moment, _SERIES_PER_PASS)]
        created: list[Task] = []
        for series_id in due:
            try:
                with self._unit_of_work() as uow:
                    series = uow.series.get(series_id)
                    if series is None:
                        continue
                    made = self._materialise(uow, series, moment)
            except Conflict:
                continue  # another dispatcher made these occurrences meanwhile
            created.extend(made)
        return created

    def make_occurrence(self, task: TaskRef | Series, occurrence: datetime) -> Task:
        """The task of one occurrence of a series, made now if it is not made yet.

        It is made as :meth:`materialise` makes it: a copy of the series'
        template, announced to its executors.  A host uses it to work on a
        coming occurrence early (a calendar import, a note on next Monday's
        meeting).

        Raises:
            ValidationError: the task does not repeat, or ``occurrence`` is not
                a timezone-aware occurrence of its rule.
        """
        if not isinstance(occurrence, datetime) or occurrence.tzinfo is None:
            raise ValidationError("occurrence", "must be a timezone-aware datetime")
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            if not series.recurrence.is_occurrence(occurrence):
                raise ValidationError(
                    "occurrence", f"{occurrence.isoformat()} is no occurrence of the series"
                )
            made = uow.tasks.find(series_id=series.id, occurrence=occurrence.astimezone(UTC))
            if made:
                return made[0]
            template = find_task(uow, series.template_id)
            return self._instance(uow, series, template, occurrence.astimezone(UTC))

    def materialise_from(self, task: TaskRef | Series, moment: datetime) -> Series:
        """Make the tasks of a series only for its occurrences from ``moment`` on.

        The occurrences before ``moment`` that have no task yet never get one,
        and views stop showing them as coming: a series imported from a
        calendar file is worked on from today, not from years ago.  A series
        whose next occurrence is at or after ``moment`` stays as it is.
        """
        if not isinstance(moment, datetime) or moment.tzinfo is None:
            raise ValidationError("moment", "must be a timezone-aware datetime")
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            if series.next_at is None or series.next_at >= moment:
                return series
            upcoming = series.recurrence.after(moment)
            return self._update(
                uow,
                uow.series,
                series,
                None,
                series_schedule(upcoming, series.lead),
                kind="series",
            )

    def _series_of(self, uow: UnitOfWork, ref: TaskRef | Series) -> Series:
        if isinstance(ref, Series):
            return find_by_id(uow.series, ref, "series", Series)
        found = find_task(uow, ref, "task")
        if found.series_id is None:
            raise ValidationError("task", "does not repeat")
        series = uow.series.get(found.series_id)
        assert series is not None
        return series

    def _materialise(self, uow: UnitOfWork, series: Series, now: datetime) -> list[Task]:
        template = uow.tasks.get(series.template_id)
        if template is None:
            self._advance(uow, series, None)
            return []
        recurrence = series.recurrence
        made: list[Task] = []
        while (
            series.next_at is not None
            and series.materialise_at is not None
            and series.materialise_at <= now
            and len(made) < _PER_PASS
        ):
            occurrence = series.next_at
            if not uow.tasks.find(series_id=series.id, occurrence=occurrence):
                made.append(self._instance(uow, series, template, occurrence))
            series = self._advance(uow, series, recurrence.after(occurrence))
        return made

    def _advance(self, uow: UnitOfWork, series: Series, upcoming: datetime | None) -> Series:
        changed = attrs.evolve(
            series,
            **series_schedule(upcoming, series.lead),
            version=series.version + 1,
            updated_at=self._now(),
        )
        uow.series.update(changed, series.version)
        return changed

    def _instance(
        self, uow: UnitOfWork, series: Series, template: Task, occurrence: datetime
    ) -> Task:
        """The task of one occurrence, copied from the template, announced to its executors."""
        made = self._copy(
            uow,
            template,
            id=new_id(),
            planned_start=occurrence,
            percent_done=0,
            hours_spent=Decimal(0),
            status=TaskStatus.ASSIGNED,
            resume_status=None,
            event_id=None,
            external_ref=None,
            series_id=series.id,
            occurrence=occurrence,
            archived=False,
        )
        self._publish(uow, ExecutorsAssigned(made, tuple(uow.executors.find(task_id=made.id))))
        self._publish(uow, TaskCreated(made))
        return made

    def _copy(self, uow: UnitOfWork, template: Task, **changes: Any) -> Task:
        """Store a copy of ``template`` with ``changes``: its executor rows (of employees
        still active), reminders and user-field values come along, every time moved
        as ``planned_start`` moves, wall-clock times kept in the task's zone."""
        zone = ZoneInfo(template.time_zone)
        start = changes.get("planned_start", template.planned_start)

        def moved(moment: datetime) -> datetime:
            return wall_shift(moment, template.planned_start, start, zone)

        stored = self._add(
            uow,
            uow.tasks,
            attrs.evolve(template, planned_end=moved(template.planned_end), **changes),
        )
        for row in uow.executors.find(task_id=template.id):
            if row.employee_id is not None:
                employee = uow.employees.get(row.employee_id)
                if employee is None or employee.archived:
                    continue
            self._add(
                uow,
                uow.executors,
                Executor(
                    task_id=stored.id,
                    kind=row.kind,
                    employee_id=row.employee_id,
                    group=row.group,
                    planned_start=moved(row.planned_start),
                    planned_end=moved(row.planned_end),
                    planned_hours=row.planned_hours,
                    position=row.position,
                ),
                kind="executor",
            )
        for reminder in uow.reminders.find(task_id=template.id):
            copied = attrs.evolve(
                reminder.due_anew(stored.planned_start, stored.planned_end, stored.time_zone),
                id=new_id(),
                task_id=stored.id,
            )
            self._add(uow, uow.reminders, copied, kind="reminder")
        values = uow.field_values.for_entities("task", [template.id]).get(template.id, {})
        for name, keys in values.items():
            uow.field_values.replace("task", stored.id, name, keys)
        return stored
