"""The task baseline: the registry page and an employee's calendar with the bare driver.

What a developer would write with ``sqlite3`` or ``psycopg`` alone on crmcore's
tables: the same SQL, the rows as the driver returns them (plain tuples), and
the calendar's day buckets computed in plain Python.  Like ``rawdb.py``, this
module never imports crmcore.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from rawdb import RawDB

__all__ = ["TASK_FIELDS", "RawTasks"]

#: The columns of a task crmcore reads back (every column but the derived
#: ``name_sort``, ``search_text`` and ``priority_order``); the registry selects these.
TASK_FIELDS = (
    "id", "version", "created_at", "updated_at", "name", "description", "author_id",
    "controller_id", "type_code", "client_id", "contact_id", "project_id", "event_id",
    "planned_start", "planned_end", "planned_hours", "percent_done", "hours_spent", "status",
    "colour", "priority", "tags", "progress_mode", "time_zone", "resume_status", "watchers",
    "series_id", "occurrence", "external_ref", "archived",
)  # fmt: skip
#: Task statuses that are never overdue (crmcore's ``CLOSED_STATUSES``).
CLOSED = ("cancelled", "completed")
#: Ids per ``IN (...)`` list.
CHUNK = 500
_MICROSECOND = timedelta(microseconds=1)

#: One calendar cell: (label, tasks, events, planned hundredths, spent hundredths);
#: a task is (task id, row id, name, start, end, status, percent, planned, spent),
#: an event (id, subject, type code, occurred at, client id).
Cell = tuple[str, list[tuple[Any, ...]], list[tuple[Any, ...]], int, int]


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


class RawTasks:
    """The registry query and the month calendar on one bare driver connection."""

    def __init__(self, raw: RawDB) -> None:
        self.raw = raw
        sql = raw.sql
        self._zone_sql = sql("SELECT time_zone FROM {employees} WHERE id = ?")
        self._registry_sql: dict[tuple[int, str], str] = {}
        self._rows_of_employee = sql(
            "SELECT task_id FROM {task_executors}"
            " WHERE employee_id = ? AND planned_start < ? AND planned_end >= ?"
        )
        self._log_of_employee = sql(
            "SELECT executor_id, task_id, worked_on, hours FROM {work_log}"
            " WHERE employee_id = ? AND worked_on >= ? AND worked_on < ?"
        )
        self._events_of_employee = sql(
            "SELECT id, subject, type_code, occurred_at, client_id FROM {events}"
            " WHERE employee_id = ? AND occurred_at >= ? AND occurred_at < ?"
            " AND archived = false"
        )
        self._tasks_in: dict[int, str] = {}
        self._rows_in: dict[int, str] = {}
        #: Driver values of moments into aware UTC datetimes.
        self.moment: Callable[[Any], datetime] = (
            (lambda text: datetime.fromisoformat(text).replace(tzinfo=UTC))
            if raw.sqlite
            # Aware in the session's zone: to UTC, or two moments of one zone
            # would subtract by wall clock across a daylight-saving change.
            else (lambda value: value.astimezone(UTC))
        )

    def _cursor(self) -> Any:
        return self.raw.connection.cursor()

    def zone(self, employee: Any) -> ZoneInfo:
        """The employee's time zone, read from the employees table."""
        cursor = self._cursor()
        cursor.execute(self._zone_sql, (employee,))
        return ZoneInfo(cursor.fetchone()[0])

    # ----------------------------------------------------------- registry

    def registry(
        self,
        executor: Any,
        viewer: Any,
        now: datetime,
        statuses: Sequence[str],
        limit: int = 50,
        *,
        executor_filter: str = "in",
    ) -> list[tuple[Any, ...]]:
        """Open tasks of ``executor`` in ``statuses`` overdue at ``now``, by due date.

        Overdue as crmcore judges it: the planned end is at or before the start
        of the viewer's local day at ``now`` (a task due on the 6th, which ends
        at midnight, is overdue from the first moment of the 7th).  Returns
        ``limit + 1`` rows, the extra one telling whether another page follows.
        ``executor_filter`` is how the executor rows are asked about:
        ``"in"`` (``t.id IN (SELECT task_id ...)``, as crmcore asks) or
        ``"exists"`` (a correlated ``EXISTS``).
        """
        zone = self.zone(viewer)
        local = now.astimezone(zone)
        cutoff = datetime.combine(local.date(), time(0), tzinfo=zone).astimezone(UTC)
        text = self._registry_sql.get((len(statuses), executor_filter))
        if text is None:
            marks = ", ".join("?" * len(statuses))
            columns = ", ".join(f"t.{name}" for name in TASK_FIELDS)
            closed = ", ".join(f"'{status}'" for status in CLOSED)
            executor_condition = (
                "EXISTS (SELECT 1 FROM {task_executors} x"
                " WHERE x.task_id = t.id AND x.employee_id = ?)"
                if executor_filter == "exists"
                else "t.id IN (SELECT x.task_id FROM {task_executors} x WHERE x.employee_id = ?)"
            )
            text = self._registry_sql[len(statuses), executor_filter] = self.raw.sql(
                f"SELECT {columns} FROM {{tasks}} t"
                f" WHERE t.archived = false AND {executor_condition}"
                f" AND t.status IN ({marks})"
                f" AND t.planned_end <= ? AND t.status NOT IN ({closed})"
                " ORDER BY t.planned_end, t.id LIMIT ?"
            )
        cursor = self._cursor()
        cursor.execute(text, (executor, *statuses, self.raw.moment(cutoff), limit + 1))
        return cursor.fetchall()  # type: ignore[no-any-return]

    # ----------------------------------------------------------- calendar

    def _in(self, cache: dict[int, str], template: str, size: int) -> str:
        text = cache.get(size)
        if text is None:
            text = cache[size] = self.raw.sql(template.replace("{marks}", ", ".join("?" * size)))
        return text

    def _select_in(self, cache: dict[int, str], template: str, ids: Sequence[Any]) -> list[Any]:
        rows: list[Any] = []
        cursor = self._cursor()
        for chunk in _chunks(ids):
            cursor.execute(self._in(cache, template, len(chunk)), tuple(chunk))
            rows += cursor.fetchall()
        return rows

    def calendar(self, employee: Any, first: date, last: date) -> list[Cell]:
        """The day cells of ``employee`` from ``first`` to ``last`` (local dates, inclusive).

        Reads the employee's time zone, their executor rows overlapping the
        window, their work log and events in it, the tasks of those rows and
        entries, and every executor row of those tasks (the task's hours are
        split over them).  Then, per local day of the employee: the rows
        planned on it with their planned hours spread by overlap (in whole
        hundredths, rounded down at each day's end), the hours logged on it,
        and the events of that day.
        """
        zone = self.zone(employee)
        days = [first + timedelta(days=n) for n in range((last - first).days + 1)]
        # Local midnights as UTC instants: bounds[i] .. bounds[i + 1] is day i.
        bounds = [
            datetime.combine(day, time(0), tzinfo=zone).astimezone(UTC)
            for day in (*days, last + timedelta(days=1))
        ]
        since, until = self.raw.moment(bounds[0]), self.raw.moment(bounds[-1])
        moment = self.moment
        cursor = self._cursor()
        cursor.execute(self._rows_of_employee, (employee, until, since))
        task_ids = {row[0] for row in cursor.fetchall()}
        cursor.execute(self._log_of_employee, (employee, since, until))
        logged = cursor.fetchall()
        cursor.execute(self._events_of_employee, (employee, since, until))
        events = cursor.fetchall()
        wanted = list(task_ids | {entry[1] for entry in logged})
        tasks = {
            row[0]: row
            for row in self._select_in(
                self._tasks_in,
                "SELECT id, name, planned_hours, archived FROM {tasks} WHERE id IN ({marks})",
                wanted,
            )
            if not row[3]
        }
        rows = self._select_in(
            self._rows_in,
            "SELECT id, task_id, employee_id, planned_start, planned_end, status,"
            " percent_done, planned_hours, position FROM {task_executors}"
            " WHERE task_id IN ({marks})",
            wanted,
        )
        # Planned hundredths of each row that is not declined: its own, else an
        # equal share of what the rows with hours of their own leave of the
        # task's (spare hundredths to the later rows, in position order).
        by_task: dict[Any, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            if row[1] in tasks and row[5] != "declined":
                by_task[row[1]].append(row)
        planned: dict[Any, int] = {}
        for task_id, task_rows in by_task.items():
            rest = []
            left = tasks[task_id][2] or 0
            for row in task_rows:
                if row[7] is None:
                    rest.append(row)
                else:
                    planned[row[0]] = row[7]
                    left -= row[7]
            rest.sort(key=lambda row: (row[8], row[0]))
            left, count = max(left, 0), len(rest)
            for index, row in enumerate(rest):
                planned[row[0]] = left * (index + 1) // count - left * index // count

        def day_of(value: datetime) -> int | None:
            index = (value.astimezone(zone).date() - first).days
            return index if 0 <= index < len(days) else None

        spent: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        for row_id, _, worked_on, hours in logged:
            index = day_of(moment(worked_on))
            if index is not None:
                spent[row_id][index] += hours

        cell_tasks: list[list[tuple[Any, ...]]] = [[] for _ in days]
        for row in rows:
            row_id, task_id, who, start, end, status = row[:6]
            if who != employee or status == "declined" or task_id not in tasks:
                continue
            start, end = moment(start), moment(end)
            cents = planned[row_id]
            logged_on = spent.get(row_id, {})
            touched = set(logged_on)
            if start == end:  # a point in time: the day holding it
                index = bisect.bisect_right(bounds, start) - 1
                if 0 <= index < len(days):
                    touched.add(index)
            else:
                index = max(bisect.bisect_right(bounds, start) - 1, 0)
                while index < len(days) and start < bounds[index + 1] and end > bounds[index]:
                    touched.add(index)
                    index += 1
            name = tasks[task_id][1]
            for index in touched:
                share = _upto(cents, start, end, bounds[index + 1]) - _upto(
                    cents, start, end, bounds[index]
                )
                spent_on = logged_on.get(index, 0)
                cell_tasks[index].append(
                    (task_id, row_id, name, start, end, status, row[6], share, spent_on)
                )

        cell_events: list[list[tuple[Any, ...]]] = [[] for _ in days]
        for event in events:
            occurred_at = moment(event[3])
            index = day_of(occurred_at)
            if index is not None:
                cell_events[index].append((event[0], event[1], event[2], occurred_at, event[4]))

        cells: list[Cell] = []
        for day, in_day, happened in zip(days, cell_tasks, cell_events, strict=True):
            in_day.sort(key=lambda item: (item[3], item[2], item[1]))
            happened.sort(key=lambda item: (item[3], item[0]))
            cells.append(
                (
                    day.isoformat(),
                    in_day,
                    happened,
                    sum(item[7] for item in in_day),
                    sum(item[8] for item in in_day),
                )
            )
        return cells


def _upto(cents: int, start: datetime, end: datetime, instant: datetime) -> int:
    """The hundredths of a row planned from ``start`` to ``end`` that fall before ``instant``.

    In proportion to the time gone by, in whole microseconds, rounded down; a
    row with no length has all of them at its moment.
    """
    whole = (end - start) // _MICROSECOND
    if whole == 0:
        return cents if instant > start else 0
    return cents * ((min(max(instant, start), end) - start) // _MICROSECOND) // whole
