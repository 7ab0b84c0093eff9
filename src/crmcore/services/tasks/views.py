"""Views of many tasks: the calendar of employees and the plan-schedule (Gantt)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from uuid import UUID
from zoneinfo import ZoneInfo

from crmcore.domain import Employee
from crmcore.domain.calendar import Bucket, Calendar, build_calendar, window
from crmcore.errors import ValidationError
from crmcore.plotting import Gantt, build_gantt
from crmcore.services.refs import EmployeeRef, ProjectRef, TaskRef, find_employee
from crmcore.services.tasks.common import TaskServiceBase
from crmcore.services.tasks.dependencies import dependencies_into
from crmcore.services.tasks.occurrences import unmade_occurrences

__all__ = ["ViewMixin"]


class ViewMixin(TaskServiceBase):
    """Many tasks at once: the calendar by days, weeks or months, and the Gantt chart."""

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
        :func:`crmcore.services.tasks.occurrences.unmade_occurrences`).
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
            links = dependencies_into(uow, {t.id: t for t in chosen})
            people = {row.employee_id for row in rows if row.employee_id is not None}
            names = {id: e.name for id, e in uow.employees.get_many(people).items()}
        return build_gantt(chosen, rows, links, names)
