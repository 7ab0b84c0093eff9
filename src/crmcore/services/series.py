"""Repeating tasks: ``crm.tasks.repeat``, occurrences, materialising, skipping, editing.

The policy (see :mod:`crmcore.domain.series`): the task of an occurrence is
created ``lead`` before the occurrence starts, by :meth:`SeriesService.materialise`
(which the dispatcher and ``crmcore worker`` run), once per occurrence and
never past the rule's end.  Each new task copies the series' template task:
its requisites, executor rows, reminders, watchers and user-field values,
moved to the occurrence with their wall-clock times kept in the task's zone.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial
from typing import TYPE_CHECKING, Any
from uuid import UUID, uuid5
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain.history import ChangeAction
from crmcore.domain.ids import new_id
from crmcore.domain.recurrence import Frequency, Recurrence
from crmcore.domain.series import DEFAULT_LEAD, Series
from crmcore.domain.tasks import Executor, ExecutorStatus, Task, TaskStatus
from crmcore.errors import Conflict, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.refs import TaskRef, find_by_id, find_task

if TYPE_CHECKING:
    from crmcore.services.tasks import TaskService

__all__ = ["EditScope", "Occurrence", "SeriesService"]

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
#: Most tasks one series creates in one pass; the rest come in the next passes.
_PER_PASS = 50
_SERIES_PER_PASS = 200


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


def _schedule(upcoming: datetime | None, lead: timedelta) -> dict[str, Any]:
    """A series' stored fields for its next occurrence ``upcoming`` (None: ended)."""
    return {"next_at": upcoming, "materialise_at": None if upcoming is None else upcoming - lead}


def _wall_shift(moment: datetime, source: datetime, target: datetime, zone: ZoneInfo) -> datetime:
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
            shift = partial(
                _wall_shift, source=template.planned_start, target=occurrence, zone=zone
            )
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


class SeriesService(Service):
    """Repeating tasks, reached through ``crm.tasks`` (``repeat``, ``occurrences``, ...)."""

    kind = "task"

    def _tasks(self) -> TaskService:
        from crmcore.services.tasks import TaskService

        return TaskService(self._context)

    def _rule(self, task: Task, rule: Recurrence | str, options: Mapping[str, Any]) -> Recurrence:
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
        try:
            return Recurrence(
                frequency=frequency, start=task.planned_start, time_zone=task.time_zone, **given
            )
        except TypeError as error:
            raise ValidationError("recurrence", str(error)) from None

    def repeat(
        self,
        task: TaskRef,
        rule: Recurrence | str,
        *,
        lead: timedelta = DEFAULT_LEAD,
        **options: Any,
    ) -> Series:
        """Make ``task`` the first occurrence of a repeating series.

        Args:
            task: the task; its planned start is the series' start and must
                be an occurrence of the rule.
            rule: a :class:`~crmcore.domain.recurrence.Recurrence`, RRULE text
                (``"FREQ=WEEKLY;BYDAY=MO,WE,FR;COUNT=10"``) or a frequency
                (``"daily"``, ``"weekly"``, ``"monthly"``, ``"yearly"``) with
                ``options``: ``interval``, ``weekdays`` (``["mon", "wed"]`` or
                0 = Monday ...), ``month_day``, ``nth``, ``month``, ``count``,
                ``until``.
            lead: how long before an occurrence starts its task is created.

        Raises:
            ValidationError: a malformed rule, a task that repeats already, or
                a task whose start the rule does not produce.
        """
        with self._unit_of_work() as uow:
            found = find_task(uow, task, "task")
            if found.series_id is not None:
                raise ValidationError("task", "repeats already; edit its series instead")
            recurrence = self._rule(found, rule, options)
            if not recurrence.is_occurrence(found.planned_start):
                first = recurrence.after(found.planned_start, inclusive=True)
                hint = "" if first is None else f"; its first occurrence is {first.isoformat()}"
                raise ValidationError(
                    "recurrence",
                    f"does not produce the task's start {found.planned_start.isoformat()}{hint}",
                )
            upcoming = recurrence.after(found.planned_start)
            series = Series.of(
                recurrence,
                template_id=found.id,
                lead=lead,
                **_schedule(upcoming, lead),
            )
            stored = self._add(uow, uow.series, series, kind="series")
            self._tasks()._update(
                uow,
                uow.tasks,
                found,
                task,
                {"series_id": stored.id, "occurrence": found.planned_start},
            )
            return stored

    def series(self, task: TaskRef) -> Series | None:
        """The series a task is an occurrence of, or None."""
        with self._unit_of_work(writes=False) as uow:
            found = find_task(uow, task, "task")
            return None if found.series_id is None else uow.series.get(found.series_id)

    def _series_of(self, uow: UnitOfWork, ref: TaskRef | Series) -> Series:
        if isinstance(ref, Series):
            return find_by_id(uow.series, ref, "series", Series)
        found = find_task(uow, ref, "task")
        if found.series_id is None:
            raise ValidationError("task", "does not repeat")
        series = uow.series.get(found.series_id)
        assert series is not None
        return series

    def occurrences(
        self, task: TaskRef | Series, *, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """The occurrences of a task's series starting in ``[start, end)``, computed
        on demand; those already made tasks carry their task (with its own,
        possibly edited, times)."""
        for name, value in (("start", start), ("end", end)):
            if not isinstance(value, datetime) or value.tzinfo is None:
                raise ValidationError(name, "must be a timezone-aware datetime")
        with self._unit_of_work(writes=False) as uow:
            series = self._series_of(uow, task)
            template = find_task(uow, series.template_id)
            made = {t.occurrence: t for t in uow.tasks.find(series_id=series.id)}
            if series.archived:
                # A stopped series makes no more tasks: its occurrences are those it made.
                return [
                    Occurrence(start=t.planned_start, end=t.planned_end, task=t)
                    for moment, t in sorted(made.items(), key=lambda pair: pair[1].planned_start)
                    if moment is not None and start <= moment < end
                ]
            zone = ZoneInfo(template.time_zone)
            found = []
            for moment in series.recurrence.occurrences(start, end):
                instance = made.get(moment)
                if instance is not None:
                    found.append(
                        Occurrence(
                            start=instance.planned_start, end=instance.planned_end, task=instance
                        )
                    )
                    continue
                end_at = _wall_shift(template.planned_end, template.planned_start, moment, zone)
                found.append(Occurrence(start=moment, end=end_at))
            return found

    # --- materialising ---------------------------------------------------------------

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
            **_schedule(upcoming, series.lead),
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
        tasks = self._tasks()
        tasks._announce_assigned(uow, made, uow.executors.find(task_id=made.id))
        tasks._timeline(uow, made, "task", made.name, made.status.label)
        return made

    def _copy(self, uow: UnitOfWork, template: Task, **changes: Any) -> Task:
        """Store a copy of ``template`` with ``changes``: its executor rows (of employees
        still active), reminders and user-field values come along, every time moved
        as ``planned_start`` moves, wall-clock times kept in the task's zone."""
        tasks = self._tasks()
        zone = ZoneInfo(template.time_zone)
        start = changes.get("planned_start", template.planned_start)

        def moved(moment: datetime) -> datetime:
            return _wall_shift(moment, template.planned_start, start, zone)

        stored = tasks._add(
            uow,
            uow.tasks,
            attrs.evolve(template, planned_end=moved(template.planned_end), **changes),
        )
        for row in uow.executors.find(task_id=template.id):
            if row.employee_id is not None:
                employee = uow.employees.get(row.employee_id)
                if employee is None or employee.archived:
                    continue
            tasks._add(
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
                reminder.due_anew(stored.planned_start, stored.planned_end),
                id=new_id(),
                task_id=stored.id,
            )
            self._add(uow, uow.reminders, copied, kind="reminder")
        values = uow.field_values.for_entities("task", [template.id]).get(template.id, {})
        for name, keys in values.items():
            uow.field_values.replace("task", stored.id, name, keys)
        return stored

    # --- skipping and editing -------------------------------------------------------

    def skip(self, task: TaskRef | Series, occurrence: datetime) -> Series:
        """Leave one occurrence out; its task, when already made and open, is cancelled."""
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            recurrence = series.recurrence.skip(occurrence)
            instant = occurrence.astimezone(series.start.tzinfo)
            changes: dict[str, Any] = {"exceptions": tuple(sorted(recurrence.exceptions))}
            if series.next_at == instant:
                upcoming = recurrence.after(instant)
                changes.update(_schedule(upcoming, series.lead))
            changed = self._update(uow, uow.series, series, None, changes, kind="series")
            for made in uow.tasks.find(series_id=series.id, occurrence=instant):
                if made.is_open:
                    self._tasks()._set_task(
                        uow, made, {"status": TaskStatus.CANCELLED}, "occurrence skipped"
                    )
            return changed

    def stop(self, task: TaskRef | Series) -> Series:
        """Stop repeating: no more occurrences become tasks; the tasks made stay."""
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            return self._update(
                uow,
                uow.series,
                series,
                None,
                {"archived": True, **_schedule(None, series.lead)},
                action=ChangeAction.ARCHIVE,
                authorize_as="archive",
                kind="series",
            )

    def edit(
        self,
        task: TaskRef,
        scope: EditScope | str,
        *,
        recurrence: Recurrence | str | None = None,
        **changes: Any,
    ) -> Task:
        """Edit a repeating task: only ``"this"`` occurrence, ``"following"``
        ones (this and later; the series is split here) or ``"all"`` of them.

        ``changes`` are those of ``crm.tasks.update``; they apply to the chosen
        tasks that are still open and to the tasks made later.  ``start`` and
        ``end`` move this occurrence only (scope ``"this"``); to move the
        others give a new ``recurrence`` (a Recurrence or RRULE text, which
        starts at this task's start).

        Returns:
            This task, changed.
        """
        try:
            chosen = EditScope(scope)
        except ValueError:
            raise ValidationError("scope", "must be 'this', 'following' or 'all'") from None
        tasks = self._tasks()
        if chosen is EditScope.THIS:
            if recurrence is not None:
                raise ValidationError("recurrence", "changes the series: use 'following' or 'all'")
            with self._unit_of_work() as uow:
                found = find_task(uow, task, "task")
                series = None if found.series_id is None else uow.series.get(found.series_id)
                if series is not None and series.template_id == found.id:
                    self._detach_template(uow, series, found)
                return tasks.update(found, **changes)
        for name in ("start", "end"):
            if name in changes:
                raise ValidationError(
                    name, "moves one occurrence only (scope 'this'); give a new recurrence instead"
                )
        with self._unit_of_work() as uow:
            found = find_task(uow, task, "task")
            series = self._series_of(uow, found)
            assert found.occurrence is not None
            if chosen is EditScope.ALL or found.occurrence == series.start:
                target = series
                template = find_task(uow, series.template_id)
                affected = uow.tasks.find(series_id=series.id)
            else:
                target, template = self._split(uow, series, found)
                affected = uow.tasks.find(series_id=target.id)
            if recurrence is not None:
                target = self._change_rule(uow, target, template, recurrence)
            edited = found
            for made in sorted(affected, key=lambda t: (t.occurrence or t.planned_start, t.id)):
                if made.id == template.id or made.is_open:
                    updated = tasks.update(made, **changes) if changes else made
                    if made.id == found.id:
                        edited = updated
            return edited

    def _detach_template(self, uow: UnitOfWork, series: Series, task: Task) -> Series:
        """Give ``series`` a template of its own before ``task``, its template, is edited alone.

        The copy is archived and belongs to no series, so it shows in no list;
        later occurrences keep copying the values the series had.
        """
        copy = self._copy(
            uow,
            task,
            id=new_id(),
            series_id=None,
            occurrence=None,
            external_ref=None,
            archived=True,
        )
        return self._update(uow, uow.series, series, None, {"template_id": copy.id}, kind="series")

    def _split(self, uow: UnitOfWork, series: Series, task: Task) -> tuple[Series, Task]:
        """End ``series`` before ``task``'s occurrence and start a new one from ``task``."""
        assert task.occurrence is not None
        first, second = series.recurrence.split(task.occurrence)
        assert first is not None
        upcoming = (
            series.next_at
            if series.next_at is not None and series.next_at < task.occurrence
            else None
        )
        self._update(
            uow,
            uow.series,
            series,
            None,
            {
                **Series.rule_fields(first),
                **_schedule(upcoming, series.lead),
            },
            kind="series",
        )
        later = [
            t
            for t in uow.tasks.find(series_id=series.id)
            if t.occurrence is not None and t.occurrence >= task.occurrence
        ]
        last = max((t.occurrence for t in later if t.occurrence is not None), default=None)
        following = second.after(last) if last is not None else None
        created = self._add(
            uow,
            uow.series,
            Series.of(
                second,
                template_id=task.id,
                lead=series.lead,
                **_schedule(following, series.lead),
            ),
            kind="series",
        )
        tasks = self._tasks()
        for made in later:
            tasks._update(uow, uow.tasks, made, None, {"series_id": created.id})
        return created, find_task(uow, task.id)

    def _change_rule(
        self, uow: UnitOfWork, series: Series, template: Task, rule: Recurrence | str
    ) -> Series:
        """Give ``series`` a new rule from its template's start; tasks it no longer
        produces are cancelled if open."""
        recurrence = attrs.evolve(self._rule(template, rule, {}), exceptions=frozenset())
        # Occurrences skipped before stay skipped when the new rule still has them.
        recurrence = attrs.evolve(
            recurrence,
            exceptions=frozenset(e for e in series.exceptions if recurrence.is_occurrence(e)),
        )
        if not recurrence.is_occurrence(template.planned_start):
            raise ValidationError(
                "recurrence", "does not produce the start of the series' first task"
            )
        made = uow.tasks.find(series_id=series.id)
        tasks = self._tasks()
        for task in made:
            produced = task.occurrence is None or recurrence.is_occurrence(task.occurrence)
            if not produced and task.is_open and task.id != template.id:
                tasks._set_task(uow, task, {"status": TaskStatus.CANCELLED}, "rule changed")
        last = max((t.occurrence for t in made if t.occurrence is not None), default=None)
        upcoming = recurrence.after(last or template.planned_start)
        return self._update(
            uow,
            uow.series,
            series,
            None,
            {
                **Series.rule_fields(recurrence),
                **_schedule(upcoming, series.lead),
            },
            kind="series",
        )
