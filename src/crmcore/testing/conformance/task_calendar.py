"""The task calendar: employees' planned and spent hours by day, week and month.

Each employee's days are those of their own time zone.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import KYIV, Office, day_2014, simple_task, utc_2014

__all__ = ["TaskCalendarConformance"]


class TaskCalendarConformance:
    """The calendar of employees' tasks, hours and events."""

    def test_tasks_calendar_of_one_employee_by_week_and_month(self, office: Office) -> None:
        crm = office.crm
        task, (mine, _) = simple_task(
            office,
            "Монтаж",
            start=day_2014(3),
            end=day_2014(16),
            executors=[
                {
                    "employee": office.ivanov,
                    "planned_hours": 20,
                    "start": day_2014(3),
                    "end": day_2014(12),
                },
                {"employee": office.melnyk, "planned_hours": 50},
            ],
        )
        crm.tasks.log_work(mine, 3, on=day_2014(4))
        crm.tasks.log_work(mine, 5, on=day_2014(11))
        shared, _ = simple_task(
            office,
            "Кошторис",
            start=day_2014(10),
            end=day_2014(10),
            planned_hours=6,
            executors=[office.ivanov, office.melnyk],
        )
        declined, (no,) = simple_task(
            office,
            "Відмова",
            start=day_2014(4),
            end=day_2014(5),
            planned_hours=9,
            executors=[office.ivanov],
        )
        crm.tasks.decline(no)
        crm.events.log(
            office.neptune, type="ВхЗ", employee=office.ivanov, occurred_at=utc_2014(4, 10)
        )
        weeks = crm.tasks.calendar(
            office.ivanov, start=day_2014(3), end=day_2014(16), bucket="week"
        )
        [me] = weeks.employees
        assert (me.employee_id, me.time_zone) == (office.ivanov.id, "Europe/Kyiv")
        assert [c.label for c in me.cells] == ["2014-W45", "2014-W46"]
        # 20 hours over the ten days 3rd..12th: 14 in the first week, 6 in the second.
        assert [(c.planned_hours, c.spent_hours) for c in me.cells] == [
            (Decimal(14), Decimal(3)),
            (Decimal(9), Decimal(5)),
        ]
        assert [t.name for t in me.cells[0].tasks] == ["Монтаж"]
        assert [(t.name, t.planned_hours) for t in me.cells[1].tasks] == [
            ("Монтаж", Decimal(6)),
            ("Кошторис", Decimal(3)),
        ]
        assert [len(c.events) for c in me.cells] == [1, 0]
        assert (me.planned_hours, me.spent_hours) == (Decimal(23), Decimal(8))
        assert me.cells[0].start == datetime(2014, 11, 3, tzinfo=KYIV)
        months = crm.tasks.calendar("22", start=day_2014(1), end=day_2014(30), bucket="month")
        [month] = months.employees[0].cells
        assert (month.label, month.planned_hours, month.spent_hours) == (
            "2014-11",
            Decimal(23),
            Decimal(8),
        )
        assert {t.task_id for t in month.tasks} == {task.id, shared.id}
        assert declined.id not in {t.task_id for t in month.tasks}
        with pytest.raises(ValidationError) as caught:
            crm.tasks.calendar(office.ivanov, start=day_2014(3), end=day_2014(1))
        assert caught.value.field == "end"
        with pytest.raises(ValidationError):
            crm.tasks.calendar([], start=day_2014(3))

    def test_tasks_calendar_of_two_employees_in_different_zones(self, office: Office) -> None:
        crm = office.crm
        smith = crm.employees.create(code="30", name="Smith John", time_zone="America/New_York")
        task, rows = simple_task(
            office,
            "Нарада",
            start=utc_2014(10, 23),
            end=utc_2014(11, 1),
            executors=[
                {"employee": office.ivanov, "planned_hours": 4},
                {"employee": smith, "planned_hours": 2},
            ],
        )
        for row in rows:
            crm.tasks.log_work(row, 1.5, on=utc_2014(11, 0, 30))
        # 23:00-01:00 UTC is 01:00-03:00 on the 11th in Kyiv but 18:00-20:00 on the 10th in
        # New York: each employee's day buckets are their own.
        calendar = crm.tasks.calendar([smith, office.ivanov], start=day_2014(10), end=day_2014(11))
        us, kyiv = calendar.employees
        assert [e.employee_id for e in calendar.employees] == [smith.id, office.ivanov.id]
        assert [c.label for c in us.cells] == ["2014-11-10", "2014-11-11"]
        assert [(c.planned_hours, c.spent_hours) for c in us.cells] == [
            (Decimal(2), Decimal("1.5")),
            (Decimal(0), Decimal(0)),
        ]
        assert [(c.planned_hours, c.spent_hours) for c in kyiv.cells] == [
            (Decimal(0), Decimal(0)),
            (Decimal(4), Decimal("1.5")),
        ]
        assert us.cells[0].start.utcoffset() == timedelta(hours=-5)
        assert kyiv.cells[0].start.utcoffset() == timedelta(hours=2)
        [shown] = us.cells[0].tasks
        assert (shown.task_id, shown.executor_id) == (task.id, rows[1].id)
        assert shown.start.hour == 18
