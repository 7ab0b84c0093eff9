"""Occurrences of repeating tasks: edit scopes, the rule a task repeats by, and the
occurrences not made into tasks yet, as views show them."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain.recurrence import Frequency, Recurrence
from crmcore.domain.series import Series
from crmcore.domain.tasks import Executor, ExecutorStatus, Task, TaskStatus
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork

__all__ = [
    "EditScope",
    "Occurrence",
    "SeriesRef",
    "recurrence_for",
    "series_schedule",
    "unmade_occurrences",
    "wall_shift",
]

_WEEKDAYS = {
    name: index
    for index, names in enumerate(
        (
            ("mo", "mon", "monday", "пн"),
            ("tu", "tue", "tuesday", "вт"),
            ("we", "wed", "wednesday", "ср"),
            ("th", "thu", "thursday", "чт"),
            ("fr", "fri", "friday", "пт"),
            ("sa", "sat", "saturday", "сб"),
            ("su", "sun", "sunday", "нд", "вс"),
        )
    )
    for name in names
}
#: What ``repeat(task, "weekly", ...)`` takes besides the frequency.
_RULE_OPTIONS = frozenset(
    {"interval", "weekdays", "month_day", "nth", "month", "week_start", "count", "until"}
)


class EditScope(enum.StrEnum):
    """Which occurrences an edit of a repeating task changes."""

    THIS = "this"
    FOLLOWING = "following"
    ALL = "all"


@attrs.frozen(kw_only=True)
class Occurrence:
    """One occurrence of a series in a view: its planned times, and its task once made."""

    start: datetime
    end: datetime
    task: Task | None = None


SeriesRef = Series | UUID


def _weekdays(values: Iterable[int | str]) -> tuple[int, ...]:
    days = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            day = _WEEKDAYS.get(value.strip().lower())
            if day is None:
                raise ValidationError(f"weekdays[{index}]", f"{value!r} is not a day of the week")
            days.append(day)
        else:
            days.append(value)
    return tuple(days)


def series_schedule(upcoming: datetime | None, lead: timedelta) -> dict[str, Any]:
    """A series' stored fields for its next occurrence ``upcoming`` (None: ended)."""
    return {"next_at": upcoming, "materialise_at": None if upcoming is None else upcoming - lead}


def wall_shift(moment: datetime, source: datetime, target: datetime, zone: ZoneInfo) -> datetime:
    """``moment`` moved as ``source`` moves to ``target``, keeping wall-clock offsets in ``zone``.

    A task from 09:00 to 18:00 stays 09:00 to 18:00 on a day the clocks change.
    """
    local_moment = moment.astimezone(zone).replace(tzinfo=None)
    local_source = source.astimezone(zone).replace(tzinfo=None)
    local_target = target.astimezone(zone).replace(tzinfo=None)
    shifted = local_target + (local_moment - local_source)
    return shifted.replace(tzinfo=zone).astimezone(moment.tzinfo)


#: Names the unstored tasks of occurrences in views (uuid5 of series and occurrence).
_OCCURRENCE_NAMESPACE = UUID("6f1c9a52-3b1e-5c47-9a0e-2d4f8b7c1e90")


def unmade_occurrences(
    uow: UnitOfWork, employee_ids: Iterable[UUID], since: datetime, until: datetime
) -> tuple[dict[UUID, Task], list[Executor]]:
    """The occurrences no task was made for yet, of the series whose template has
    an executor row of one of ``employee_ids``, planned to overlap ``[since, until)``.

    They are tasks and rows as they will be made (copied from the template and
    moved, wall-clock times kept), but never stored: ``version`` 0, and an id
    derived from the series and the occurrence, so one occurrence has the
    same id in every view until its task is made.
    """
    wanted = set(employee_ids)
    series = uow.series.for_employees(sorted(wanted), until)
    if not series:
        return {}, []
    templates = uow.tasks.get_many({s.template_id for s in series})
    template_rows: dict[UUID, list[Executor]] = {}
    for row in uow.executors.for_tasks(templates):
        template_rows.setdefault(row.task_id, []).append(row)
    tasks: dict[UUID, Task] = {}
    rows: list[Executor] = []
    for one in series:
        template = templates.get(one.template_id)
        own = template_rows.get(one.template_id, [])
        if template is None or not any(row.employee_id in wanted for row in own):
            continue
        assert one.next_at is not None
        zone = ZoneInfo(template.time_zone)
        length = template.planned_end - template.planned_start
        for occurrence in one.recurrence.occurrences(max(one.next_at, since - length), until):
            shift = partial(wall_shift, source=template.planned_start, target=occurrence, zone=zone)
            task_id = uuid5(_OCCURRENCE_NAMESPACE, f"{one.id}:{occurrence.isoformat()}")
            tasks[task_id] = attrs.evolve(
                template,
                id=task_id,
                version=0,
                planned_start=occurrence,
                planned_end=shift(template.planned_end),
                percent_done=0,
                hours_spent=Decimal(0),
                status=TaskStatus.ASSIGNED,
                resume_status=None,
                external_ref=None,
                series_id=one.id,
                occurrence=occurrence,
                archived=False,
            )
            rows += [
                attrs.evolve(
                    row,
                    id=uuid5(task_id, str(row.id)),
                    version=0,
                    task_id=task_id,
                    planned_start=shift(row.planned_start),
                    planned_end=shift(row.planned_end),
                    status=ExecutorStatus.ASSIGNED,
                    percent_done=0,
                    hours_spent=Decimal(0),
                )
                for row in own
            ]
    return tasks, rows


def recurrence_for(task: Task, rule: Recurrence | str, options: Mapping[str, Any]) -> Recurrence:
    """The rule ``task`` repeats by: a Recurrence, RRULE text, or a frequency with its parts,
    starting at the task's start in its zone."""
    if isinstance(rule, Recurrence):
        if options:
            raise ValidationError(sorted(options)[0], "give it in the Recurrence itself")
        return attrs.evolve(rule, start=task.planned_start, time_zone=task.time_zone)
    if not isinstance(rule, str):
        raise ValidationError("recurrence", "must be a Recurrence, a frequency or RRULE text")
    if "=" in rule:
        if options:
            raise ValidationError(sorted(options)[0], "is given in the RRULE text")
        return Recurrence.from_rrule(rule, start=task.planned_start, time_zone=task.time_zone)
    try:
        frequency = Frequency(rule.strip().lower())
    except ValueError:
        allowed = ", ".join(f.value for f in Frequency)
        raise ValidationError(
            "recurrence", f"{rule!r} is neither a frequency ({allowed}) nor RRULE text"
        ) from None
    given = dict(options)
    for name in given:
        if name not in _RULE_OPTIONS:
            allowed = ", ".join(sorted(_RULE_OPTIONS))
            raise ValidationError(name, f"is not a part of a rule ({allowed})")
    until = given.get("until")
    if isinstance(until, date) and not isinstance(until, datetime):
        # A date ends the series with that day, in the task's zone, as task dates do.
        given["until"] = datetime.combine(until, time(23, 59, 59), ZoneInfo(task.time_zone))
    if "weekdays" in given:
        weekdays = given["weekdays"]
        given["weekdays"] = _weekdays([weekdays] if isinstance(weekdays, str) else weekdays)
        if not given["weekdays"]:
            # Leaving weekdays out means the start's weekday; an empty set picks no day.
            raise ValidationError("weekdays", "is empty: name at least one day, or leave it out")
    try:
        return Recurrence(
            frequency=frequency, start=task.planned_start, time_zone=task.time_zone, **given
        )
    except TypeError as error:
        raise ValidationError("recurrence", str(error)) from None
