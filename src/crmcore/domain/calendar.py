"""The task calendar: tasks and events by days, weeks or months, with planned and spent hours.

For each employee the calendar cuts the asked dates into buckets in *that
employee's own* time zone: a day bucket runs from one local midnight to the
next, so around a daylight-saving change it lasts 23 or 25 hours (23.5 or
24.5 on Lord Howe Island).  Two employees in different zones therefore get
buckets that start at different instants, and the service that loads the data
asks :func:`window` for the instant range of each zone.

Each bucket (a :class:`CalendarCell`) lists the employee's executor rows that
are planned in it, with the share of the row's planned hours that falls in it
and the hours logged in it, and the employee's events that happened in it.

Everything here is pure: the caller loads tasks, executor rows, events and the
work log, and :func:`build_calendar` only arranges them.

Note:
    Python compares and subtracts two aware datetimes that share one
    ``tzinfo`` by their wall-clock fields, ignoring the offset, so
    ``cell.end - cell.start`` is 24 hours even on a 23-hour day.  Use
    :attr:`CalendarCell.duration`, or convert both ends to UTC first.
"""

from __future__ import annotations

import bisect
import enum
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import attrs

from crmcore.domain.clients import sort_key
from crmcore.domain.employees import Employee
from crmcore.domain.events import Event
from crmcore.domain.tasks import Executor, ExecutorStatus, Task, WorkLogEntry
from crmcore.errors import ValidationError

__all__ = [
    "Bucket",
    "Calendar",
    "CalendarCell",
    "CalendarEvent",
    "CalendarTask",
    "EmployeeCalendar",
    "bucket_bounds",
    "build_calendar",
    "window",
]

_ZERO = Decimal("0.00")
_MICROSECOND = timedelta(microseconds=1)


class Bucket(enum.StrEnum):
    """How long one calendar cell is.  Weeks are ISO weeks: Monday to Sunday."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"


@attrs.frozen(kw_only=True)
class CalendarTask:
    """One executor row of a task as it shows in one cell.

    Attributes:
        task_id: the task.
        executor_id: the executor row (one task may show once per executor).
        name: the task's name.
        start: the row's planned start, in the employee's time zone.
        end: the row's planned end, in the employee's time zone.
        status: the row's status value (``"in_progress"``, ...).
        percent: the row's percent done.
        planned_hours: the part of the row's planned hours that falls in this cell.
        spent_hours: the hours logged on this row on the cell's days.
        unmade: an occurrence of a repeating task whose task is not made yet
            (the task is not stored, ``version`` 0): ``task_id`` and
            ``executor_id`` name nothing stored until it is made.
    """

    task_id: UUID
    executor_id: UUID
    name: str
    start: datetime
    end: datetime
    status: str
    percent: int
    planned_hours: Decimal
    spent_hours: Decimal
    unmade: bool = False


@attrs.frozen(kw_only=True)
class CalendarEvent:
    """One event of the employee, in the cell it happened in.

    ``occurred_at`` is in the employee's time zone.
    """

    event_id: UUID
    subject: str
    type_code: str
    occurred_at: datetime
    client_id: UUID | None


@attrs.frozen(kw_only=True)
class CalendarCell:
    """One day, week or month of one employee.

    Attributes:
        start: the local midnight the cell begins at, aware, in the employee's zone.
        end: the local midnight it ends at (exclusive).
        label: ``"2014-11-05"``, ``"2014-W45"`` (ISO year and week) or ``"2014-11"``.
        tasks: the executor rows shown in the cell, by planned start, name, row id.
        events: the events in the cell, by time, then id.
        planned_hours: the sum of the tasks' planned hours in the cell.
        spent_hours: the sum of the tasks' spent hours in the cell.
    """

    start: datetime
    end: datetime
    label: str
    tasks: tuple[CalendarTask, ...]
    events: tuple[CalendarEvent, ...]
    planned_hours: Decimal
    spent_hours: Decimal

    @property
    def duration(self) -> timedelta:
        """How long the cell really is (23 hours on the day clocks go forward)."""
        # Subtracting in one zone would ignore the offset change; UTC does not.
        return self.end.astimezone(UTC) - self.start.astimezone(UTC)


@attrs.frozen(kw_only=True)
class EmployeeCalendar:
    """The cells of one employee, in time order, with the hours summed over all of them."""

    employee_id: UUID
    employee_name: str
    time_zone: str
    cells: tuple[CalendarCell, ...]
    planned_hours: Decimal
    spent_hours: Decimal


@attrs.frozen(kw_only=True)
class Calendar:
    """The calendar of one or several employees over the local dates ``start``..``end``.

    ``employees`` are in the order they were asked for.
    """

    bucket: Bucket
    start: date
    end: date
    employees: tuple[EmployeeCalendar, ...]

    def window(self, zone: ZoneInfo | str) -> tuple[datetime, datetime]:
        """The UTC instant range this calendar covers in ``zone`` (see :func:`window`)."""
        return window(self.bucket, self.start, self.end, zone)


@attrs.frozen
class _Span:
    """One bucket, in local days and in instants."""

    first: date  # the bucket's first local day
    stop: date  # the local day after its last one
    label: str
    start: datetime  # local midnight of ``first``, in the zone
    end: datetime  # local midnight of ``stop``
    start_utc: datetime  # the same instants in UTC, for arithmetic and comparison
    end_utc: datetime


def bucket_bounds(
    bucket: Bucket | str, start: date, end: date, zone: ZoneInfo | str
) -> list[tuple[datetime, datetime, str]]:
    """The buckets that cover the local dates ``start``..``end`` (both inclusive) in ``zone``.

    Day buckets are the local days themselves; week buckets run from the
    Monday on or before ``start`` through the week that holds ``end``; month
    buckets from the 1st of ``start``'s month through ``end``'s month.

    Args:
        bucket: ``Bucket.DAY``, ``Bucket.WEEK`` or ``Bucket.MONTH`` (or its value).
        start: the first local date to cover.
        end: the last local date to cover.
        zone: the IANA time zone the dates are local to.

    Returns:
        ``(start, end, label)`` per bucket in time order: local midnights made
        aware in ``zone`` (``end`` exclusive, and equal to the next bucket's
        ``start``) and a label such as ``"2014-11-05"``, ``"2014-W45"`` or
        ``"2014-11"``.

    Raises:
        ValidationError: ``end`` is before ``start``, or the bucket or zone is unknown.

    Example:
        The day clocks go forward in Kyiv has 23 hours:

        >>> from datetime import UTC, date
        >>> day = date(2026, 3, 29)
        >>> [(s, e, label)] = bucket_bounds("day", day, day, "Europe/Kyiv")
        >>> label, s.isoformat(), e.isoformat()
        ('2026-03-29', '2026-03-29T00:00:00+02:00', '2026-03-30T00:00:00+03:00')
        >>> e.astimezone(UTC) - s.astimezone(UTC)
        datetime.timedelta(seconds=82800)

        Weeks are labelled with their ISO year:

        >>> weeks = bucket_bounds("week", date(2014, 12, 31), date(2015, 1, 7), "UTC")
        >>> [(s.date().isoformat(), label) for s, _, label in weeks]
        [('2014-12-29', '2015-W01'), ('2015-01-05', '2015-W02')]
    """
    spans = _spans(_bucket(bucket), start, end, _zone(zone))
    return [(span.start, span.end, span.label) for span in spans]


def window(
    bucket: Bucket | str, start: date, end: date, zone: ZoneInfo | str
) -> tuple[datetime, datetime]:
    """The UTC instants covered by the buckets of ``start``..``end`` in ``zone``.

    From the first bucket's start up to (not including) the last bucket's end:
    what a service has to load for an employee in ``zone``: the executor rows
    whose planned period overlaps it, the work log inside it together with
    the rows and tasks it belongs to, every row of those tasks (they share
    the task's hours), and the events inside it.  For several employees, take
    the earliest start and the latest end over their zones.

    Raises:
        ValidationError: as :func:`bucket_bounds`.
    """
    spans = _spans(_bucket(bucket), start, end, _zone(zone))
    return spans[0].start_utc, spans[-1].end_utc


def build_calendar(
    *,
    bucket: Bucket | str,
    start: date,
    end: date,
    employees: Sequence[Employee],
    tasks: Mapping[UUID, Task],
    executors: Iterable[Executor],
    events: Iterable[Event],
    work_log: Iterable[WorkLogEntry],
) -> Calendar:
    """Arrange tasks, events and hours into the calendar of each employee.

    Each employee gets the buckets of :func:`bucket_bounds` in their own
    ``time_zone``.  In each bucket:

    * **tasks** -- the employee's executor rows (``executor.employee_id``)
      whose planned period ``[planned_start, planned_end)`` overlaps the
      bucket (a row with no length: the bucket holding its start), and also
      any bucket the row has hours logged in.  Declined rows, rows of archived
      tasks and rows whose task is not in ``tasks`` are left out, and so is
      their logged time.
    * **planned hours** -- a row's planned hours are its own
      ``planned_hours``, else an equal share of what is left of the task's
      ``planned_hours`` after the rows with hours of their own (over the
      task's rows without hours that are not declined, of every employee,
      department or group), else 0.  They are spread over the buckets in proportion to
      how much of the planned period each bucket holds, in whole hundredths:
      the hours planned up to each bucket's end are rounded down, and the
      bucket gets the difference from its start, so the rounding remainder
      falls on the later buckets (10 hours over three equal days are 3.33,
      3.33, 3.34).  The figures never go negative, are each within 0.01 of
      the exact share, sum to the row's planned hours over its whole period,
      and do not depend on the window asked for.  An equal split of a task's
      hours is rounded the same way, over the rows in ``position`` order.
    * **spent hours** -- each work log entry of the row whose ``worked_on``
      falls, in the employee's zone, on one of the bucket's days.
    * **events** -- the employee's events (``event.employee_id``) that are
      not archived and happened inside the bucket.

    Args:
        bucket: the size of a cell.
        start: the first local date to show (in each employee's own zone).
        end: the last local date to show, inclusive.
        employees: whose calendars to build, in the order to show them.
        tasks: the tasks of the executor rows, by id.
        executors: the executor rows -- all rows of those tasks, not only the
            employees' own, since the rows of others share the task's hours.
        events: the events to place (others' events are ignored).
        work_log: the work log entries to count (entries of unknown rows are ignored).

    Returns:
        The calendar, one :class:`EmployeeCalendar` per employee.

    Raises:
        ValidationError: ``end`` is before ``start``, or ``bucket`` is unknown.
    """
    kind = _bucket(bucket)
    _check_dates(start, end)
    rows = [row for row in executors if row.task_id in tasks and not tasks[row.task_id].archived]
    planned = _planned_cents(rows, tasks)
    log_by_row: dict[UUID, list[WorkLogEntry]] = defaultdict(list)
    for entry in work_log:
        log_by_row[entry.executor_id].append(entry)
    events_by_employee: dict[UUID, list[Event]] = defaultdict(list)
    for event in events:
        if event.employee_id is not None and not event.archived:
            events_by_employee[event.employee_id].append(event)

    calendars = tuple(
        _employee_calendar(
            kind,
            start,
            end,
            employee,
            tasks=tasks,
            rows=[
                row
                for row in rows
                if row.employee_id == employee.id and row.status is not ExecutorStatus.DECLINED
            ],
            planned=planned,
            log_by_row=log_by_row,
            events=events_by_employee.get(employee.id, []),
        )
        for employee in employees
    )
    return Calendar(bucket=kind, start=start, end=end, employees=calendars)


# ---------------------------------------------------------------- building


def _employee_calendar(
    kind: Bucket,
    start: date,
    end: date,
    employee: Employee,
    *,
    tasks: Mapping[UUID, Task],
    rows: Sequence[Executor],
    planned: Mapping[UUID, int],
    log_by_row: Mapping[UUID, Sequence[WorkLogEntry]],
    events: Sequence[Event],
) -> EmployeeCalendar:
    zone = ZoneInfo(employee.time_zone)
    spans = _spans(kind, start, end, zone)
    firsts = [span.first for span in spans]

    def index_of(moment: datetime) -> int | None:
        """The bucket whose local days hold ``moment``, or None outside the window."""
        day = moment.astimezone(zone).date()
        index = bisect.bisect_right(firsts, day) - 1
        return index if index >= 0 and day < spans[index].stop else None

    # Per bucket: (sort key, item) pairs, sorted once all are in.
    cell_tasks: list[list[tuple[tuple[datetime, str, str, UUID], CalendarTask]]] = [
        [] for _ in spans
    ]
    starts = [span.start_utc for span in spans]
    for row in rows:
        task = tasks[row.task_id]
        spent: dict[int, Decimal] = defaultdict(lambda: _ZERO)
        for entry in log_by_row.get(row.id, ()):
            at = index_of(entry.worked_on)
            if at is not None:
                spent[at] += entry.hours
        # The buckets a planned period overlaps follow one another from the one
        # holding its start (or the first, for a row begun earlier): find that
        # by bisection rather than testing every bucket of a long window.
        touched = set(spent)
        at = max(bisect.bisect_right(starts, row.planned_start) - 1, 0)
        while at < len(spans) and _planned_in(row, spans[at]):
            touched.add(at)
            at += 1
        for at in sorted(touched):
            span = spans[at]
            cell_tasks[at].append(
                (
                    (row.planned_start, sort_key(task.name), task.name, row.id),
                    CalendarTask(
                        task_id=task.id,
                        executor_id=row.id,
                        name=task.name,
                        start=row.planned_start.astimezone(zone),
                        end=row.planned_end.astimezone(zone),
                        status=row.status.value,
                        percent=row.percent_done,
                        planned_hours=_hours(_planned_share(planned.get(row.id, 0), row, span)),
                        spent_hours=spent.get(at, _ZERO),
                        unmade=task.version == 0,
                    ),
                )
            )

    cell_events: list[list[tuple[tuple[datetime, UUID], CalendarEvent]]] = [[] for _ in spans]
    for event in events:
        at = index_of(event.occurred_at)
        if at is None:
            continue
        cell_events[at].append(
            (
                (event.occurred_at, event.id),
                CalendarEvent(
                    event_id=event.id,
                    subject=event.subject,
                    type_code=event.type_code,
                    occurred_at=event.occurred_at.astimezone(zone),
                    client_id=event.client_id,
                ),
            )
        )

    cells = []
    for span, task_items, event_items in zip(spans, cell_tasks, cell_events, strict=True):
        # Sort on the UTC instants held in the keys: local times of one zone
        # compare by wall clock and would misorder the repeated autumn hour.
        in_cell = tuple(item for _, item in sorted(task_items, key=lambda pair: pair[0]))
        cells.append(
            CalendarCell(
                start=span.start,
                end=span.end,
                label=span.label,
                tasks=in_cell,
                events=tuple(item for _, item in sorted(event_items, key=lambda pair: pair[0])),
                planned_hours=sum((item.planned_hours for item in in_cell), _ZERO),
                spent_hours=sum((item.spent_hours for item in in_cell), _ZERO),
            )
        )
    return EmployeeCalendar(
        employee_id=employee.id,
        employee_name=employee.name,
        time_zone=employee.time_zone,
        cells=tuple(cells),
        planned_hours=sum((cell.planned_hours for cell in cells), _ZERO),
        spent_hours=sum((cell.spent_hours for cell in cells), _ZERO),
    )


def _planned_in(row: Executor, span: _Span) -> bool:
    """Whether the row's planned period overlaps the bucket (a point: lies in it)."""
    if row.planned_start == row.planned_end:
        return span.start_utc <= row.planned_start < span.end_utc
    return row.planned_start < span.end_utc and row.planned_end > span.start_utc


def _planned_cents(rows: Sequence[Executor], tasks: Mapping[UUID, Task]) -> dict[UUID, int]:
    """Each counting row's planned hours, in hundredths."""
    by_task: dict[UUID, list[Executor]] = defaultdict(list)
    for row in rows:
        if row.status is not ExecutorStatus.DECLINED:
            by_task[row.task_id].append(row)
    cents: dict[UUID, int] = {}
    for task_id, task_rows in by_task.items():
        task_rows.sort(key=lambda row: (row.position, row.id))
        # Hours are whole hundredths already (the model quantizes them), so
        # splitting in integer hundredths is exact; rounding as in
        # _planned_share puts the spare hundredths on the last rows.
        # Rows with hours of their own keep them; the rest of the task's hours
        # are split equally among the rows without.
        own = [row for row in task_rows if row.planned_hours is not None]
        rest = [row for row in task_rows if row.planned_hours is None]
        for row in own:
            cents[row.id] = _cents(row.planned_hours or _ZERO)
        planned = _cents(tasks[task_id].planned_hours or _ZERO)
        total = max(planned - sum(cents[row.id] for row in own), 0)
        count = len(rest)
        for index, row in enumerate(rest):
            cents[row.id] = total * (index + 1) // count - total * index // count
    return cents


def _planned_share(cents: int, row: Executor, span: _Span) -> int:
    """The row's planned hundredths that fall in the bucket.

    The hundredths planned up to a moment are the row's hundredths times the
    part of its period gone by then, rounded down; a bucket gets those at its
    end less those at its start.  So the figures never go negative, each is
    within 0.01 of the exact share, they add up to the row's hours over its
    whole period, spare hundredths fall on later buckets, and a bucket's
    figure does not depend on the window it is seen in.
    """
    begin, finish = row.planned_start, row.planned_end
    if begin == finish:
        return cents if _planned_in(row, span) else 0
    # Whole microseconds and hundredths: integer arithmetic is exact.
    whole = (finish - begin) // _MICROSECOND

    def until(moment: datetime) -> int:
        elapsed = (min(max(moment, begin), finish) - begin) // _MICROSECOND
        return cents * elapsed // whole

    return until(span.end_utc) - until(span.start_utc)


# ---------------------------------------------------------------- buckets


def _spans(kind: Bucket, start: date, end: date, zone: ZoneInfo) -> list[_Span]:
    _check_dates(start, end)
    spans = []
    for first, stop, label in _days(kind, start, end):
        local_start, local_end = _midnight(first, zone), _midnight(stop, zone)
        spans.append(
            _Span(
                first=first,
                stop=stop,
                label=label,
                start=local_start,
                end=local_end,
                start_utc=local_start.astimezone(UTC),
                end_utc=local_end.astimezone(UTC),
            )
        )
    return spans


def _days(kind: Bucket, start: date, end: date) -> list[tuple[date, date, str]]:
    """(first day, day after the last, label) of each bucket covering start..end."""
    days = []
    if kind is Bucket.DAY:
        day = start
        while day <= end:
            following = day + timedelta(days=1)
            days.append((day, following, day.isoformat()))
            day = following
    elif kind is Bucket.WEEK:
        monday = start - timedelta(days=start.weekday())
        while monday <= end:
            year, week, _ = monday.isocalendar()
            following = monday + timedelta(days=7)
            days.append((monday, following, f"{year}-W{week:02d}"))
            monday = following
    else:
        first = start.replace(day=1)
        while first <= end:
            following = (first + timedelta(days=31)).replace(day=1)
            days.append((first, following, f"{first.year:04d}-{first.month:02d}"))
            first = following
    return days


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    """The first instant of the local ``day`` in ``zone``, aware in ``zone``."""
    naive = datetime.combine(day, time())
    # Where clocks jump over midnight, the day begins at the jump: zoneinfo
    # reads a missing 00:00 with the offset before the jump (which is that
    # instant), and the round trip through UTC shows the real wall time.
    return naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone)


# ---------------------------------------------------------------- small helpers


def _bucket(value: Bucket | str) -> Bucket:
    try:
        return Bucket(value)
    except ValueError:
        allowed = ", ".join(item.value for item in Bucket)
        raise ValidationError("bucket", f"{value!r} is not one of: {allowed}") from None


def _zone(value: ZoneInfo | str) -> ZoneInfo:
    if isinstance(value, ZoneInfo):
        return value
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError("zone", f"{value!r} is not an IANA time zone") from None


def _check_dates(start: date, end: date) -> None:
    # A datetime is a date too, but its time and zone would be silently dropped.
    for field, value in (("start", start), ("end", end)):
        if isinstance(value, datetime) or not isinstance(value, date):
            raise ValidationError(field, f"must be a date, not {type(value).__name__}")
    if end < start:
        raise ValidationError("end", "is before start")


def _cents(hours: Decimal) -> int:
    return int(hours.scaleb(2))


def _hours(cents: int) -> Decimal:
    return Decimal(cents).scaleb(-2)
