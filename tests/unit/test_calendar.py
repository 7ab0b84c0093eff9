"""The task calendar: buckets in each employee's zone, tasks, events and hours per bucket."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import partial
from itertools import pairwise
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore import Employee, Event
from crmcore.domain.calendar import (
    Bucket,
    Calendar,
    CalendarCell,
    bucket_bounds,
    build_calendar,
    window,
)
from crmcore.domain.tasks import Executor, ExecutorKind, ExecutorStatus, Task, WorkLogEntry
from crmcore.errors import ValidationError

KYIV = ZoneInfo("Europe/Kyiv")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
TOKYO = ZoneInfo("Asia/Tokyo")

ANNA = Employee(code="anna", name="Анна Коваль", time_zone="Europe/Kyiv")
KENJI = Employee(code="kenji", name="Kenji Sato", time_zone="Asia/Tokyo")


def kyiv(*args: int) -> datetime:
    return datetime(*args, tzinfo=KYIV)  # type: ignore[arg-type,misc]


def task(name: str = "Звіт", hours: str | None = None) -> Task:
    return Task(
        name=name,
        planned_start=kyiv(2014, 11, 3, 9),
        planned_end=kyiv(2014, 11, 7, 18),
        planned_hours=hours,
    )


def row(
    of: Task,
    start: datetime,
    end: datetime,
    *,
    employee: Employee | None = ANNA,
    hours: str | None = None,
    **fields: object,
) -> Executor:
    return Executor(
        task_id=of.id,
        employee_id=None if employee is None else employee.id,
        planned_start=start,
        planned_end=end,
        planned_hours=hours,
        **fields,  # type: ignore[arg-type]
    )


def log(of: Executor, worked_on: datetime, hours: str) -> WorkLogEntry:
    return WorkLogEntry(
        task_id=of.task_id,
        executor_id=of.id,
        employee_id=of.employee_id,
        worked_on=worked_on,
        hours=hours,
    )


def build(
    bucket: Bucket | str,
    start: date,
    end: date,
    *,
    tasks: Iterable[Task] = (),
    executors: Iterable[Executor] = (),
    events: Iterable[Event] = (),
    work_log: Iterable[WorkLogEntry] = (),
    employees: Sequence[Employee] = (ANNA,),
) -> Calendar:
    return build_calendar(
        bucket=bucket,
        start=start,
        end=end,
        employees=employees,
        tasks={t.id: t for t in tasks},
        executors=executors,
        events=events,
        work_log=work_log,
    )


def hours_by_label(cells: Iterable[CalendarCell], executor_id: UUID) -> dict[str, Decimal]:
    return {
        cell.label: item.planned_hours
        for cell in cells
        for item in cell.tasks
        if item.executor_id == executor_id
    }


def length(start: datetime, end: datetime) -> timedelta:
    return end.astimezone(UTC) - start.astimezone(UTC)


# ---------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("zone", "day", "hours"),
    [
        (KYIV, date(2026, 3, 29), Fraction(23)),  # clocks go forward
        (KYIV, date(2026, 10, 25), Fraction(25)),  # and back
        (KYIV, date(2026, 6, 1), Fraction(24)),
        (LORD_HOWE, date(2026, 10, 4), Fraction(47, 2)),  # forward by half an hour
        (LORD_HOWE, date(2026, 4, 5), Fraction(49, 2)),
    ],
)
def test_a_day_bucket_runs_between_local_midnights(
    zone: ZoneInfo, day: date, hours: Fraction
) -> None:
    [(start, end, label)] = bucket_bounds(Bucket.DAY, day, day, zone)
    assert label == day.isoformat()
    assert (start.tzinfo, end.tzinfo) == (zone, zone)
    assert (start.date(), start.time().hour, end.date(), end.time().hour) == (
        day,
        0,
        day + timedelta(days=1),
        0,
    )
    assert length(start, end) == timedelta(hours=float(hours))


def test_day_buckets_are_contiguous_and_cover_each_date() -> None:
    bounds = bucket_bounds("day", date(2026, 3, 28), date(2026, 3, 30), KYIV)
    assert [label for _, _, label in bounds] == ["2026-03-28", "2026-03-29", "2026-03-30"]
    assert all(a[1] == b[0] for a, b in pairwise(bounds))
    assert [length(s, e) for s, e, _ in bounds] == [
        timedelta(hours=24),
        timedelta(hours=23),
        timedelta(hours=24),
    ]


def test_a_day_whose_midnight_does_not_exist_starts_when_the_clocks_jump() -> None:
    # Chile moves its clocks from 00:00 to 01:00: 6 September 2026 begins at 01:00.
    santiago = ZoneInfo("America/Santiago")
    [(start, end, _)] = bucket_bounds("day", date(2026, 9, 6), date(2026, 9, 6), santiago)
    assert start.isoformat() == "2026-09-06T01:00:00-03:00"
    assert length(start, end) == timedelta(hours=23)


def test_week_buckets_run_monday_to_monday_from_the_week_of_start_to_the_week_of_end() -> None:
    bounds = bucket_bounds("week", date(2026, 3, 25), date(2026, 4, 6), KYIV)
    assert [(s.date(), e.date(), label) for s, e, label in bounds] == [
        (date(2026, 3, 23), date(2026, 3, 30), "2026-W13"),
        (date(2026, 3, 30), date(2026, 4, 6), "2026-W14"),
        (date(2026, 4, 6), date(2026, 4, 13), "2026-W15"),
    ]
    assert length(*bounds[0][:2]) == timedelta(days=7, hours=-1)  # holds the DST change


def test_week_labels_use_the_iso_year() -> None:
    labels = [
        label for *_, label in bucket_bounds("week", date(2014, 12, 29), date(2015, 1, 1), KYIV)
    ]
    assert labels == ["2015-W01"]
    labels = [
        label for *_, label in bucket_bounds("week", date(2021, 1, 1), date(2021, 1, 4), KYIV)
    ]
    assert labels == ["2020-W53", "2021-W01"]


def test_month_buckets_run_from_the_first_of_starts_month_through_ends_month() -> None:
    bounds = bucket_bounds("month", date(2014, 11, 5), date(2015, 1, 1), KYIV)
    assert [(s.date(), e.date(), label) for s, e, label in bounds] == [
        (date(2014, 11, 1), date(2014, 12, 1), "2014-11"),
        (date(2014, 12, 1), date(2015, 1, 1), "2014-12"),
        (date(2015, 1, 1), date(2015, 2, 1), "2015-01"),
    ]
    [(start, end, _)] = bucket_bounds("month", date(2026, 10, 31), date(2026, 10, 31), KYIV)
    assert length(start, end) == timedelta(days=31, hours=1)


def test_window_is_the_utc_range_of_the_buckets() -> None:
    start, end = window("week", date(2014, 11, 5), date(2014, 11, 5), KYIV)
    assert (start, end) == (
        datetime(2014, 11, 2, 22, tzinfo=UTC),
        datetime(2014, 11, 9, 22, tzinfo=UTC),
    )
    assert start.tzinfo is UTC
    assert window("day", date(2014, 11, 5), date(2014, 11, 5), "Asia/Tokyo") == (
        datetime(2014, 11, 4, 15, tzinfo=UTC),
        datetime(2014, 11, 5, 15, tzinfo=UTC),
    )
    calendar = build("day", date(2014, 11, 5), date(2014, 11, 6))
    assert calendar.window(KYIV) == window("day", date(2014, 11, 5), date(2014, 11, 6), KYIV)


_D4, _D5, _D6 = date(2014, 11, 4), date(2014, 11, 5), date(2014, 11, 6)


@pytest.mark.parametrize(
    ("call", "field", "problem"),
    [
        (partial(bucket_bounds, "day", _D5, _D4, KYIV), "end", "is before start"),
        (partial(window, "month", _D5, date(2014, 10, 4), KYIV), "end", "is before start"),
        (partial(build, "day", _D5, _D4), "end", "is before start"),
        (partial(build, "year", _D5, _D6), "bucket", "is not one of: day, week, month"),
        (partial(bucket_bounds, "day", _D5, _D6, "Mars/Olympus"), "zone", "not an IANA time zone"),
        (partial(build, "day", kyiv(2014, 11, 5), _D6), "start", "must be a date, not datetime"),
    ],
)
def test_bad_arguments_are_refused_by_name(
    call: Callable[[], object], field: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        call()
    assert caught.value.field == field
    assert problem in caught.value.problem


# ---------------------------------------------------------------- employees and zones


def test_each_employee_gets_buckets_in_their_own_zone() -> None:
    calendar = build("day", date(2014, 11, 5), date(2014, 11, 5), employees=(KENJI, ANNA))
    assert [e.employee_id for e in calendar.employees] == [KENJI.id, ANNA.id]  # order as given
    kenji, anna = calendar.employees
    assert (kenji.time_zone, anna.time_zone) == ("Asia/Tokyo", "Europe/Kyiv")
    assert kenji.cells[0].label == anna.cells[0].label == "2014-11-05"
    assert kenji.cells[0].start == datetime(2014, 11, 4, 15, tzinfo=UTC)
    assert anna.cells[0].start == datetime(2014, 11, 4, 22, tzinfo=UTC)
    assert kenji.cells[0].start.tzinfo == TOKYO


def test_a_row_lands_in_different_days_for_employees_in_different_zones() -> None:
    report = task()
    at = datetime(2014, 11, 5, 21, 0, tzinfo=UTC)  # 23:00 in Kyiv, 06:00 next day in Tokyo
    rows = [
        row(report, at, at + timedelta(minutes=30), employee=ANNA),
        row(report, at, at + timedelta(minutes=30), employee=KENJI),
    ]
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 6),
        tasks=[report],
        executors=rows,
        employees=(ANNA, KENJI),
    )
    anna, kenji = calendar.employees
    assert [len(cell.tasks) for cell in anna.cells] == [1, 0]
    assert [len(cell.tasks) for cell in kenji.cells] == [0, 1]
    assert anna.cells[0].tasks[0].start.tzinfo == KYIV
    assert kenji.cells[1].tasks[0].start == at


# ---------------------------------------------------------------- tasks in buckets


def test_a_row_shows_in_every_bucket_its_planned_period_overlaps() -> None:
    report = task()
    # Ends at midnight: it does not reach into 7 November.
    mine = row(
        report, kyiv(2014, 11, 4, 9), kyiv(2014, 11, 7), status="in_progress", percent_done=40
    )
    calendar = build("day", date(2014, 11, 3), date(2014, 11, 8), tasks=[report], executors=[mine])
    cells = calendar.employees[0].cells
    assert [cell.label for cell in cells if cell.tasks] == [
        "2014-11-04",
        "2014-11-05",
        "2014-11-06",
    ]
    shown = cells[1].tasks[0]
    assert (shown.task_id, shown.executor_id, shown.name) == (report.id, mine.id, "Звіт")
    assert (shown.status, shown.percent) == ("in_progress", 40)
    assert shown.start == kyiv(2014, 11, 4, 9)
    assert shown.start.tzinfo == KYIV


def test_a_row_without_length_shows_in_the_bucket_of_its_start() -> None:
    report = task()
    call = row(report, kyiv(2014, 11, 5), kyiv(2014, 11, 5), hours="1.5")
    calendar = build("day", date(2014, 11, 4), date(2014, 11, 5), tasks=[report], executors=[call])
    assert hours_by_label(calendar.employees[0].cells, call.id) == {"2014-11-05": Decimal("1.50")}


def test_declined_department_and_others_rows_are_left_out() -> None:
    report = task()
    period = (kyiv(2014, 11, 5, 9), kyiv(2014, 11, 5, 18))
    declined = row(report, *period, status=ExecutorStatus.DECLINED)
    department = row(
        report, *period, employee=None, kind=ExecutorKind.DEPARTMENT, group="Бухгалтерія"
    )
    kenjis = row(report, *period, employee=KENJI)
    mine = row(report, *period)
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 5),
        tasks=[report],
        executors=[declined, department, kenjis, mine],
        work_log=[
            log(declined, kyiv(2014, 11, 5, 10), "2"),
            log(kenjis, kyiv(2014, 11, 5, 10), "3"),
        ],
    )
    [cell] = calendar.employees[0].cells
    assert [item.executor_id for item in cell.tasks] == [mine.id]
    assert cell.spent_hours == Decimal("0.00")


def test_rows_of_archived_or_unknown_tasks_are_left_out() -> None:
    archived = Task(
        name="Old", planned_start=kyiv(2014, 11, 5), planned_end=kyiv(2014, 11, 6), archived=True
    )
    unknown = task()
    period = (kyiv(2014, 11, 5, 9), kyiv(2014, 11, 5, 18))
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 5),
        tasks=[archived],
        executors=[row(archived, *period), row(unknown, *period)],
    )
    assert calendar.employees[0].cells[0].tasks == ()


def test_tasks_in_a_cell_are_ordered_by_start_then_name_then_row() -> None:
    b, a = task("Бюджет"), task("акт")
    early = row(b, kyiv(2014, 11, 5, 8), kyiv(2014, 11, 5, 9))
    late_b = row(b, kyiv(2014, 11, 5, 10), kyiv(2014, 11, 5, 11))
    late_a1 = row(a, kyiv(2014, 11, 5, 10), kyiv(2014, 11, 5, 11))
    late_a2 = row(a, kyiv(2014, 11, 5, 10), kyiv(2014, 11, 5, 12))
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 5),
        tasks=[a, b],
        executors=[late_b, late_a2, early, late_a1],
    )
    shown = [item.executor_id for item in calendar.employees[0].cells[0].tasks]
    assert shown == [early.id, *sorted([late_a1.id, late_a2.id]), late_b.id]


def test_tasks_are_ordered_by_instant_in_the_repeated_autumn_hour() -> None:
    # 03:30 +03:00 comes before 03:10 +02:00 on 25 October 2026 in Kyiv.
    first, second = task("B"), task("A")
    at_first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)  # 03:30 summer time
    at_second = datetime(2026, 10, 25, 1, 10, tzinfo=UTC)  # 03:10 winter time
    rows = [row(second, at_second, at_second), row(first, at_first, at_first)]
    calendar = build(
        "day", date(2026, 10, 25), date(2026, 10, 25), tasks=[first, second], executors=rows
    )
    assert [item.name for item in calendar.employees[0].cells[0].tasks] == ["B", "A"]


# ---------------------------------------------------------------- planned hours


def test_planned_hours_spread_in_proportion_to_the_overlap() -> None:
    report = task()
    # 18 hours on the 4th, 24 on the 5th, 6 on the 6th: 48 in all.
    mine = row(report, kyiv(2014, 11, 4, 6), kyiv(2014, 11, 6, 6), hours="8")
    calendar = build("day", date(2014, 11, 3), date(2014, 11, 7), tasks=[report], executors=[mine])
    employee = calendar.employees[0]
    assert hours_by_label(employee.cells, mine.id) == {
        "2014-11-04": Decimal("3.00"),
        "2014-11-05": Decimal("4.00"),
        "2014-11-06": Decimal("1.00"),
    }
    assert [cell.planned_hours for cell in employee.cells] == [
        Decimal("0.00"),
        Decimal("3.00"),
        Decimal("4.00"),
        Decimal("1.00"),
        Decimal("0.00"),
    ]
    assert employee.planned_hours == Decimal("8.00")


def test_rounding_remainder_goes_to_the_last_bucket_and_sums_are_exact() -> None:
    report = task()
    mine = row(report, kyiv(2014, 11, 4), kyiv(2014, 11, 7), hours="10")
    calendar = build("day", date(2014, 11, 4), date(2014, 11, 6), tasks=[report], executors=[mine])
    assert list(hours_by_label(calendar.employees[0].cells, mine.id).values()) == [
        Decimal("3.33"),
        Decimal("3.33"),
        Decimal("3.34"),
    ]
    assert calendar.employees[0].planned_hours == Decimal("10.00")


def test_hours_spread_thinly_never_go_negative() -> None:
    # 0.09 hours over 6 days (0.015 a day): rounding five days half-up would
    # hand out 0.10 and leave -0.01 for the last one.
    report = task()
    mine = row(report, kyiv(2014, 11, 3), kyiv(2014, 11, 9), hours="0.09")
    calendar = build("day", date(2014, 11, 3), date(2014, 11, 8), tasks=[report], executors=[mine])
    shares = list(hours_by_label(calendar.employees[0].cells, mine.id).values())
    assert shares == [Decimal("0.01"), Decimal("0.02")] * 3
    assert sum(shares) == Decimal("0.09")


def test_a_dst_day_holds_its_real_share_of_the_hours() -> None:
    # 23 + 24 hours: the short day gets 23/47 of the row.
    report = task()
    mine = row(report, kyiv(2026, 3, 29), kyiv(2026, 3, 31), hours="47")
    calendar = build("day", date(2026, 3, 29), date(2026, 3, 30), tasks=[report], executors=[mine])
    assert list(hours_by_label(calendar.employees[0].cells, mine.id).values()) == [
        Decimal("23.00"),
        Decimal("24.00"),
    ]


def test_a_bucket_shows_the_same_figure_in_any_window() -> None:
    report = task()
    mine = row(report, kyiv(2014, 11, 3, 13), kyiv(2014, 11, 9, 7), hours="7")
    whole = build("day", date(2014, 11, 1), date(2014, 11, 10), tasks=[report], executors=[mine])
    part = build("day", date(2014, 11, 5), date(2014, 11, 6), tasks=[report], executors=[mine])
    by_day = hours_by_label(whole.employees[0].cells, mine.id)
    assert hours_by_label(part.employees[0].cells, mine.id) == {
        label: by_day[label] for label in ("2014-11-05", "2014-11-06")
    }
    assert sum(by_day.values()) == Decimal("7.00")


def test_a_rows_own_hours_win_else_the_tasks_hours_are_split_over_counting_rows() -> None:
    report = task(hours="10")
    period = (kyiv(2014, 11, 5, 9), kyiv(2014, 11, 5, 18))
    own = row(report, *period, hours="2.5", position=0)
    first = row(report, *period, position=1)
    kenjis = row(report, *period, employee=KENJI, position=2)  # others' rows count for the split
    declined = row(report, *period, status="declined", position=3)  # declined ones do not
    last = row(report, *period, position=4)
    nothing = task("Без оцінки")
    unplanned = row(nothing, *period)
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 5),
        tasks=[report, nothing],
        executors=[own, first, kenjis, declined, last, unplanned],
    )
    [cell] = calendar.employees[0].cells
    # 10 / 4 rows that did not decline = 2.50 each.
    assert {item.executor_id: item.planned_hours for item in cell.tasks} == {
        own.id: Decimal("2.50"),
        first.id: Decimal("2.50"),
        last.id: Decimal("2.50"),
        unplanned.id: Decimal("0.00"),
    }
    assert cell.planned_hours == Decimal("7.50")


def test_an_uneven_split_gives_the_spare_hundredths_to_the_last_rows() -> None:
    report = task(hours="10")
    period = (kyiv(2014, 11, 5, 9), kyiv(2014, 11, 5, 18))
    rows = [row(report, *period, position=n) for n in range(3)]
    calendar = build("day", date(2014, 11, 5), date(2014, 11, 5), tasks=[report], executors=rows)
    shares = {item.executor_id: item.planned_hours for item in calendar.employees[0].cells[0].tasks}
    assert [shares[r.id] for r in rows] == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]


_ZONES = st.sampled_from(["Europe/Kyiv", "Australia/Lord_Howe", "Asia/Tokyo", "America/Santiago"])
_MOMENTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)


@settings(max_examples=200, deadline=None)
@given(
    bucket=st.sampled_from(list(Bucket)),
    zone=_ZONES,
    begin=_MOMENTS,
    length=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=120)),
    cents=st.integers(min_value=0, max_value=100_000_00),
    before=st.integers(min_value=0, max_value=40),
    after=st.integers(min_value=0, max_value=40),
)
def test_bucket_shares_sum_to_the_rows_planned_hours(
    bucket: Bucket,
    zone: str,
    begin: datetime,
    length: timedelta,
    cents: int,
    before: int,
    after: int,
) -> None:
    employee = Employee(code="e", name="E", time_zone=zone)
    report = task()
    hours = Decimal(cents).scaleb(-2)
    mine = row(report, begin, begin + length, employee=employee, hours=str(hours))
    local = ZoneInfo(zone)
    start = begin.astimezone(local).date() - timedelta(days=before)
    end = (begin + length).astimezone(local).date() + timedelta(days=after)
    calendar = build(bucket, start, end, tasks=[report], executors=[mine], employees=(employee,))
    cells = calendar.employees[0].cells
    shown = [(cell, item) for cell in cells for item in cell.tasks]
    assert sum((item.planned_hours for _, item in shown), Decimal(0)) == hours
    assert calendar.employees[0].planned_hours == hours
    micro = timedelta(microseconds=1)
    total = length // micro
    for cell, item in shown:
        assert item.planned_hours >= 0
        assert item.planned_hours.as_tuple().exponent == -2
        if total:
            # In UTC: two ends in one zone would subtract by wall clock.
            overlap = min(mine.planned_end, cell.end.astimezone(UTC)) - max(
                mine.planned_start, cell.start.astimezone(UTC)
            )
            exact = Fraction(cents, 100) * Fraction(overlap // micro, total)
            assert abs(Fraction(item.planned_hours) - exact) < Fraction(1, 100)


# ---------------------------------------------------------------- spent hours


def test_spent_hours_go_by_the_local_date_of_the_entry() -> None:
    report = task()
    mine = row(report, kyiv(2014, 11, 5, 9), kyiv(2014, 11, 6, 18), hours="8")
    late = log(mine, datetime(2014, 11, 5, 23, 30, tzinfo=UTC), "1.5")  # 01:30 on the 6th in Kyiv
    day = log(mine, datetime(2014, 11, 5, 8, 0, tzinfo=UTC), "2")
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 6),
        tasks=[report],
        executors=[mine],
        work_log=[late, day],
    )
    fifth, sixth = calendar.employees[0].cells
    assert (fifth.tasks[0].spent_hours, sixth.tasks[0].spent_hours) == (
        Decimal("2.00"),
        Decimal("1.50"),
    )
    assert (fifth.spent_hours, sixth.spent_hours) == (Decimal("2.00"), Decimal("1.50"))
    assert calendar.employees[0].spent_hours == Decimal("3.50")


def test_hours_logged_outside_the_planned_period_still_show() -> None:
    # Overdue work: the row is planned for the 5th, but was worked on the 7th.
    report = task()
    mine = row(report, kyiv(2014, 11, 5, 9), kyiv(2014, 11, 5, 18), hours="4")
    calendar = build(
        "day",
        date(2014, 11, 5),
        date(2014, 11, 7),
        tasks=[report],
        executors=[mine],
        work_log=[log(mine, kyiv(2014, 11, 7, 12), "3"), log(mine, kyiv(2014, 11, 9, 12), "1")],
    )
    cells = calendar.employees[0].cells
    assert [[(item.planned_hours, item.spent_hours) for item in cell.tasks] for cell in cells] == [
        [(Decimal("4.00"), Decimal("0.00"))],
        [],
        [(Decimal("0.00"), Decimal("3.00"))],
    ]
    assert calendar.employees[0].spent_hours == Decimal("3.00")  # the 9th is outside


def test_weekly_and_monthly_cells_sum_their_days() -> None:
    report = task()
    mine = row(report, kyiv(2014, 11, 27), kyiv(2014, 12, 3), hours="12")
    entries = [log(mine, kyiv(2014, 11, d, 12), "1") for d in (27, 28, 30)] + [
        log(mine, kyiv(2014, 12, 1, 12), "2")
    ]
    common = {"tasks": [report], "executors": [mine], "work_log": entries}
    weeks = build("week", date(2014, 11, 27), date(2014, 12, 2), **common)  # type: ignore[arg-type]
    assert [(c.label, c.planned_hours, c.spent_hours) for c in weeks.employees[0].cells] == [
        ("2014-W48", Decimal("8.00"), Decimal("3.00")),
        ("2014-W49", Decimal("4.00"), Decimal("2.00")),
    ]
    months = build("month", date(2014, 11, 27), date(2014, 12, 2), **common)  # type: ignore[arg-type]
    assert [(c.label, c.planned_hours, c.spent_hours) for c in months.employees[0].cells] == [
        ("2014-11", Decimal("8.00"), Decimal("3.00")),
        ("2014-12", Decimal("4.00"), Decimal("2.00")),
    ]


# ---------------------------------------------------------------- events


def test_events_show_in_the_bucket_they_happened_in_and_in_order() -> None:
    client_id = task().id  # any UUID
    later = Event(
        type_code="ВхЗ",
        subject="Дзвінок",
        occurred_at=kyiv(2014, 11, 5, 15),
        employee_id=ANNA.id,
        client_id=client_id,
    )
    earlier = Event(
        type_code="Встр",
        subject="Зустріч",
        occurred_at=datetime(2014, 11, 4, 22, 30, tzinfo=UTC),
        employee_id=ANNA.id,
    )
    archived = Event(
        type_code="Зам",
        subject="Old",
        occurred_at=kyiv(2014, 11, 5, 10),
        employee_id=ANNA.id,
        archived=True,
    )
    someone_elses = Event(
        type_code="Зам", subject="X", occurred_at=kyiv(2014, 11, 5, 10), employee_id=KENJI.id
    )
    nobodys = Event(type_code="Зам", subject="Y", occurred_at=kyiv(2014, 11, 5, 10))
    outside = Event(
        type_code="Зам", subject="Z", occurred_at=kyiv(2014, 11, 7, 10), employee_id=ANNA.id
    )
    calendar = build(
        "day",
        date(2014, 11, 4),
        date(2014, 11, 5),
        events=[later, archived, someone_elses, earlier, nobodys, outside],
    )
    fourth, fifth = calendar.employees[0].cells
    assert fourth.events == ()
    assert [e.event_id for e in fifth.events] == [earlier.id, later.id]
    shown = fifth.events[1]
    assert (shown.subject, shown.type_code, shown.client_id) == ("Дзвінок", "ВхЗ", client_id)
    assert shown.occurred_at.tzinfo == KYIV
    assert shown.occurred_at == kyiv(2014, 11, 5, 15)


def test_cells_report_their_real_duration() -> None:
    calendar = build("day", date(2026, 10, 25), date(2026, 10, 25))
    assert calendar.employees[0].cells[0].duration == timedelta(hours=25)
    assert calendar.bucket is Bucket.DAY
    assert (calendar.start, calendar.end) == (date(2026, 10, 25), date(2026, 10, 25))
