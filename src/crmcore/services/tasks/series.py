"""Repeating tasks: ``crm.tasks.repeat``, occurrences, skipping, stopping and editing a series."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain.history import ChangeAction
from crmcore.domain.ids import new_id
from crmcore.domain.recurrence import Recurrence
from crmcore.domain.series import DEFAULT_LEAD, Series
from crmcore.domain.tasks import Task, TaskStatus
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.refs import TaskRef, find_task
from crmcore.services.tasks.card import TaskCardMixin
from crmcore.services.tasks.materialising import MaterialiseMixin
from crmcore.services.tasks.occurrences import (
    EditScope,
    Occurrence,
    recurrence_for,
    series_schedule,
    wall_shift,
)

__all__ = ["SeriesMixin"]


class SeriesMixin(MaterialiseMixin, TaskCardMixin):
    """Repeating tasks: make a task repeat, its occurrences, skipping, stopping, editing."""

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

        Example:
            >>> import crmcore
            >>> from datetime import datetime, timedelta
            >>> from zoneinfo import ZoneInfo
            >>> crm = crmcore.open()
            >>> kyiv = ZoneInfo("Europe/Kyiv")
            >>> start = datetime(2026, 3, 27, 9, tzinfo=kyiv)  # a Friday; DST starts on Sunday
            >>> task = crm.tasks.create("Планёрка", start=start, end=start + timedelta(hours=1))
            >>> series = crm.tasks.repeat(task, "weekly", weekdays=["mon", "wed", "fri"], count=4)
            >>> [
            ...     o.start.astimezone(kyiv).strftime("%a %d %H:%M")
            ...     for o in crm.tasks.occurrences(
            ...         task, start=start, end=start + timedelta(days=14)
            ...     )
            ... ]
            ['Fri 27 09:00', 'Mon 30 09:00', 'Wed 01 09:00', 'Fri 03 09:00']
        """
        with self._unit_of_work() as uow:
            found = find_task(uow, task, "task")
            if found.series_id is not None:
                raise ValidationError("task", "repeats already; edit its series instead")
            recurrence = recurrence_for(found, rule, options)
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
                **series_schedule(upcoming, lead),
            )
            stored = self._add(uow, uow.series, series, kind="series")
            self._update(
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

    def occurrences(
        self, task: TaskRef | Series, *, start: datetime, end: datetime
    ) -> list[Occurrence]:
        """The occurrences of a repeating task's series starting in ``[start, end)``,
        computed on demand; those already made tasks carry their task (with its
        own, possibly edited, times)."""
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
            try:
                moments = series.recurrence.occurrences(start, end)
            except ValidationError as error:  # a window too long: it is the end that is
                raise ValidationError("end", error.problem) from None
            for moment in moments:
                instance = made.get(moment)
                if instance is not None:
                    found.append(
                        Occurrence(
                            start=instance.planned_start, end=instance.planned_end, task=instance
                        )
                    )
                    continue
                end_at = wall_shift(template.planned_end, template.planned_start, moment, zone)
                found.append(Occurrence(start=moment, end=end_at))
            return found

    def skip_occurrence(self, task: TaskRef | Series, occurrence: datetime) -> Series:
        """Leave one occurrence of a series out; its task, if made and open, is cancelled."""
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            recurrence = series.recurrence.skip(occurrence)
            instant = occurrence.astimezone(series.start.tzinfo)
            changes: dict[str, Any] = {"exceptions": tuple(sorted(recurrence.exceptions))}
            if series.next_at == instant:
                upcoming = recurrence.after(instant)
                changes.update(series_schedule(upcoming, series.lead))
            changed = self._update(uow, uow.series, series, None, changes, kind="series")
            for made in uow.tasks.find(series_id=series.id, occurrence=instant):
                if made.is_open:
                    self._set_task(
                        uow, made, {"status": TaskStatus.CANCELLED}, "occurrence skipped"
                    )
            return changed

    def stop_repeating(self, task: TaskRef | Series) -> Series:
        """End a series: no more occurrences become tasks; the tasks made so far stay."""
        with self._unit_of_work() as uow:
            series = self._series_of(uow, task)
            return self._update(
                uow,
                uow.series,
                series,
                None,
                {"archived": True, **series_schedule(None, series.lead)},
                action=ChangeAction.ARCHIVE,
                authorize_as="archive",
                kind="series",
            )

    def update_series(
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
        if chosen is EditScope.THIS:
            if recurrence is not None:
                raise ValidationError("recurrence", "changes the series: use 'following' or 'all'")
            with self._unit_of_work() as uow:
                found = find_task(uow, task, "task")
                series = None if found.series_id is None else uow.series.get(found.series_id)
                if series is not None and series.template_id == found.id:
                    self._detach_template(uow, series, found)
                return self.update(found, **changes)
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
                    updated = self.update(made, **changes) if changes else made
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
                **series_schedule(upcoming, series.lead),
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
                **series_schedule(following, series.lead),
            ),
            kind="series",
        )
        for made in later:
            self._update(uow, uow.tasks, made, None, {"series_id": created.id})
        return created, find_task(uow, task.id)

    def _change_rule(
        self, uow: UnitOfWork, series: Series, template: Task, rule: Recurrence | str
    ) -> Series:
        """Give ``series`` a new rule from its template's start; tasks it no longer
        produces are cancelled if open."""
        recurrence = attrs.evolve(recurrence_for(template, rule, {}), exceptions=frozenset())
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
        for task in made:
            produced = task.occurrence is None or recurrence.is_occurrence(task.occurrence)
            if not produced and task.is_open and task.id != template.id:
                self._set_task(uow, task, {"status": TaskStatus.CANCELLED}, "rule changed")
        last = max((t.occurrence for t in made if t.occurrence is not None), default=None)
        upcoming = recurrence.after(last or template.planned_start)
        return self._update(
            uow,
            uow.series,
            series,
            None,
            {
                **Series.rule_fields(recurrence),
                **series_schedule(upcoming, series.lead),
            },
            kind="series",
        )
