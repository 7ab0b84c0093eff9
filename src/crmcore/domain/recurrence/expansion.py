"""The expansion engine: a rule's occurrences, worked out from the window asked for.

A rule's dates lie on a grid of periods (``interval`` days, weeks, months or
years); each grid finds the period holding a date and the number of
occurrences before a period without stepping through the periods between, so
a series started years ago costs no more than a new one.  The functions below
walk the grid from a window on and turn its wall-clock times into instants of
the rule's zone.  They take plain values (the grid, which knows the start's
wall time and the zone, ``count``, the walk's key of ``until`` and the keys
of the skipped occurrences), so that this module knows nothing of the rule
class.
"""

from __future__ import annotations

import calendar
from abc import ABC, abstractmethod
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crmcore.domain.recurrence.vocabulary import MONTH_DAYS, Frequency, RuleParts
from crmcore.errors import ValidationError

__all__ = [
    "MAX_OCCURRENCES",
    "Grid",
    "between",
    "cut",
    "first_after",
    "first_wall",
    "locate",
    "make_grid",
    "reading",
    "walk",
]

_SECOND = timedelta(seconds=1)
# Occurrences stop at the end of 9999-12-30: a wall time on the calendar's
# last day may have no UTC instant a datetime can hold.
_LAST_DAY = date(9999, 12, 30)
_LAST_ORDINAL = _LAST_DAY.toordinal()
_LAST_MONTH = _LAST_DAY.year * 12 + _LAST_DAY.month - 1
#: The most occurrences one window may hold: past it the caller is asked for a
#: shorter window, so a hostile window (a daily rule over 9,000 years) costs
#: bounded work and memory.
MAX_OCCURRENCES = 100_000
# The Gregorian calendar repeats every 400 years: a rule that yields nothing
# over that long never yields anything.
_CYCLE_MONTHS = 400 * 12


# ---------------------------------------------------------------- the calendar arithmetic


def reading(instant: datetime, zone: ZoneInfo) -> datetime:
    """``instant`` (UTC) as the key the series is walked with: its UTC reading, tagged ``zone``.

    Datetimes with the same tzinfo compare and hash by their fields, so keys
    compare as the instants they stand for without a conversion each time,
    and ``zone.fromutc(key)`` is the instant's local time.
    """
    return datetime.combine(instant.date(), instant.time(), zone)


def _local_day(key: datetime, zone: ZoneInfo, shift: int = 0) -> date:
    """The date in ``zone`` of the instant ``key`` stands for (see :func:`reading`),
    moved by ``shift`` days and kept on the calendar."""
    try:
        return (zone.fromutc(key) + timedelta(days=shift)).date()
    except OverflowError:
        return date.min if key.year == 1 else date.max


class Grid(ABC):
    """The wall-clock times a rule picks, period by period (``interval`` days, weeks, ...).

    A wall time is the start's time of day on a picked date, as a datetime in
    the rule's zone read as written (fold 0).  Period 0 holds the start; only
    its wall times from the start's on are occurrences.  Each method costs the
    same whatever the period's number.
    """

    #: After this many periods in a row without a date no date ever comes.
    never: int = 0

    def __init__(self, first: datetime, zone: ZoneInfo) -> None:
        #: The start's wall time, the first a series on the grid can have.
        self.first = first
        #: The rule's zone, the one the wall times are read in.
        self.zone = zone

    @abstractmethod
    def period_of(self, day: date) -> int:
        """The period whose span holds ``day`` (negative before the start's)."""

    @abstractmethod
    def walls(self, period: int) -> list[datetime] | None:
        """The period's wall times in order; None past the end of the calendar."""

    @abstractmethod
    def count_before(self, period: int, cap: int | None) -> int:
        """How many occurrences the periods before ``period`` hold (counting stops at ``cap``)."""


class _DailyGrid(Grid):
    def __init__(self, first: datetime, zone: ZoneInfo, interval: int) -> None:
        super().__init__(first, zone)
        self._ordinal = first.toordinal()
        self._interval = interval
        self._step = timedelta(days=interval)

    def period_of(self, day: date) -> int:
        return (day.toordinal() - self._ordinal) // self._interval

    def walls(self, period: int) -> list[datetime] | None:
        if self._ordinal + period * self._interval > _LAST_ORDINAL:
            return None
        return [self.first + self._step * period]

    def count_before(self, period: int, cap: int | None) -> int:
        return max(period, 0)


class _WeeklyGrid(Grid):
    def __init__(
        self, first: datetime, zone: ZoneInfo, interval: int, weekdays: tuple[int, ...], wkst: int
    ) -> None:
        super().__init__(first, zone)
        # Weeks begin on ``wkst``; period 0 is the week holding the start.
        back = (first.weekday() - wkst) % 7
        self._week0 = first - timedelta(days=back)
        self._ordinal = first.toordinal() - back
        self._span = 7 * interval
        self._step = timedelta(days=self._span)
        self._offsets = sorted((day - wkst) % 7 for day in weekdays)
        self._shifts = [timedelta(days=offset) for offset in self._offsets]
        self._head = sum(offset >= back for offset in self._offsets)

    def period_of(self, day: date) -> int:
        return (day.toordinal() - self._ordinal) // self._span

    def walls(self, period: int) -> list[datetime] | None:
        ordinal = self._ordinal + period * self._span
        if ordinal > _LAST_ORDINAL:
            return None
        week = self._week0 + self._step * period
        if ordinal + 6 > _LAST_ORDINAL:
            return [week + timedelta(days=o) for o in self._offsets if ordinal + o <= _LAST_ORDINAL]
        return [week + shift for shift in self._shifts]

    def count_before(self, period: int, cap: int | None) -> int:
        return 0 if period <= 0 else self._head + (period - 1) * len(self._offsets)


class _MonthGrid(Grid):
    """Monthly rules (``step`` = interval months) and yearly ones (12 x interval months)."""

    def __init__(
        self,
        first: datetime,
        zone: ZoneInfo,
        month: int,
        step: int,
        *,
        month_day: int | None,
        nth: int | None,
        weekday: int | None,
    ) -> None:
        super().__init__(first, zone)
        self._at = first.timetz()
        self._base = first.year * 12 + month - 1
        self._step = step
        self._month_day = month_day
        self._nth = nth
        self._weekday = weekday
        self._default_day = first.day
        self.never = -(-_CYCLE_MONTHS // step) + 1
        # A day every month has (the 28th at most, a 4th weekday) means one
        # date per period, so counting needs no stepping.
        shortest = 28 if step % 12 or month == 2 else MONTH_DAYS[month - 1]
        if month_day is not None:
            self._always = abs(month_day) <= shortest
        elif nth is not None:
            self._always = abs(nth) <= 4
        else:
            self._always = first.day <= shortest
        self._head = sum(wall >= first for wall in self.walls(0) or ())

    def period_of(self, day: date) -> int:
        return (day.year * 12 + day.month - 1 - self._base) // self._step

    def walls(self, period: int) -> list[datetime] | None:
        index = self._base + period * self._step
        if index > _LAST_MONTH:
            return None
        year, month = divmod(index, 12)
        day = self._day_in(year, month + 1)
        if day is None:
            return []
        found = date(year, month + 1, day)
        return [datetime.combine(found, self._at)] if found <= _LAST_DAY else None

    def _day_in(self, year: int, month: int) -> int | None:
        weekday_of_first, length = calendar.monthrange(year, month)
        if self._month_day is not None:
            day = self._month_day if self._month_day > 0 else length + self._month_day + 1
        elif self._nth is not None and self._weekday is not None:
            if self._nth > 0:
                day = 1 + (self._weekday - weekday_of_first) % 7 + 7 * (self._nth - 1)
            else:
                weekday_of_last = (weekday_of_first + length - 1) % 7
                day = length - (weekday_of_last - self._weekday) % 7 + 7 * (self._nth + 1)
        else:
            day = self._default_day
        return day if 1 <= day <= length else None

    def count_before(self, period: int, cap: int | None) -> int:
        if period <= 0:
            return 0
        if self._always:
            return self._head + period - 1
        found = self._head
        for earlier in range(1, period):
            if cap is not None and found >= cap:
                break
            found += len(self.walls(earlier) or ())
        return found


def first_wall(start: datetime, zone: ZoneInfo) -> datetime:
    """The series' first wall time: ``start`` in ``zone``, at fold 0.

    A start given in ``zone`` itself is read as written, even a wall time the
    clocks skip that day.  A fraction of a second is kept, and so every
    occurrence has it: dateutil drops it, and then a start is not its own
    first occurrence.
    """
    same_zone = isinstance(start.tzinfo, ZoneInfo) and start.tzinfo.key == zone.key
    local = start if same_zone else start.astimezone(zone)
    # Every occurrence is at fold 0, as dateutil makes them.
    return datetime.combine(local.date(), local.time().replace(fold=0), zone)


def make_grid(rule: RuleParts, first: datetime, zone: ZoneInfo) -> Grid:
    """The grid of ``rule``, whose start's wall time is ``first`` (see :func:`first_wall`)."""
    if rule.frequency is Frequency.DAILY:
        return _DailyGrid(first, zone, rule.interval)
    if rule.frequency is Frequency.WEEKLY:
        days = rule.weekdays or (first.weekday(),)
        return _WeeklyGrid(first, zone, rule.interval, days, rule.week_start)
    yearly = rule.frequency is Frequency.YEARLY
    return _MonthGrid(
        first,
        zone,
        (rule.month or first.month) if yearly else first.month,
        rule.interval * (12 if yearly else 1),
        month_day=rule.month_day,
        nth=rule.nth,
        weekday=rule.weekdays[0] if rule.weekdays else None,
    )


# ---------------------------------------------------------------- walking the series


def walk(
    grid: Grid,
    count: int | None,
    end: datetime | None,
    since: date,
    *,
    indexed: bool,
) -> Iterator[tuple[int, datetime, datetime]]:
    """``(index, wall time, key)`` of the series from the period holding ``since`` on.

    ``count`` and ``end`` (the key of the rule's ``until``) end the walk.
    Skipped occurrences are included.  The key is the occurrence's instant as
    :func:`reading` makes it.  The index (the ordinal ``count`` counts) is
    worked out only when ``indexed`` or when the rule has a count.
    """
    period = max(0, grid.period_of(since))
    index = grid.count_before(period, count) if indexed or count is not None else 0
    first = grid.first
    offset = grid.zone.utcoffset
    empty = 0
    while (walls := grid.walls(period)) is not None:
        if walls:
            empty = 0
        else:
            empty += 1
            if empty > grid.never:
                return
        for wall in walls:
            if wall < first:
                continue
            if count is not None and index >= count:
                return
            # Fold 0: a skipped-over wall time takes the offset before
            # the jump (it lands later), a repeated one the first offset.
            key = wall - offset(wall)  # type: ignore[operator]  # never None for a ZoneInfo
            if end is not None and key > end:
                return
            yield index, wall, key
            index += 1
        period += 1


def between(
    grid: Grid,
    count: int | None,
    end: datetime | None,
    skipped: frozenset[datetime],
    since: datetime,
    until: datetime,
) -> list[datetime]:
    """The occurrences from the UTC instant ``since`` (inclusive) to ``until`` (exclusive).

    They come in order, in the rule's zone, without the ones whose keys are ``skipped``.

    Raises:
        ValidationError: ``until``, when the window holds more than :data:`MAX_OCCURRENCES`.
    """
    if until <= since:
        return []
    first, zone = grid.first, grid.zone
    low, high = reading(since, zone), reading(until, zone)
    # An occurrence on a skipped-over wall time lands later, on its date
    # or the next one: start a day early, and judge each by its instant.
    last = datetime.combine(_local_day(high, zone), first.timetz())
    found: list[datetime] = []
    for _, wall, key in walk(grid, count, end, _local_day(low, zone, -1), indexed=False):
        if wall > last:
            break
        if low <= key < high and not (skipped and key in skipped):
            if len(found) == MAX_OCCURRENCES:
                raise ValidationError(
                    "until",
                    f"the window holds more than {MAX_OCCURRENCES:,} occurrences; "
                    "ask for a shorter one",
                )
            found.append(zone.fromutc(key))
    return found


def first_after(
    grid: Grid,
    count: int | None,
    end: datetime | None,
    skipped: frozenset[datetime],
    moment: datetime,
    *,
    inclusive: bool,
) -> datetime | None:
    """The first occurrence after the UTC instant ``moment`` (or at it, when ``inclusive``),
    in the rule's zone, leaving out the ``skipped`` keys; None when the series has ended."""
    zone = grid.zone
    mark = reading(moment, zone)
    for _, _, key in walk(grid, count, end, _local_day(mark, zone, -1), indexed=False):
        if (key > mark or (inclusive and key == mark)) and key not in skipped:
            return zone.fromutc(key)
    return None


def locate(
    grid: Grid,
    count: int | None,
    end: datetime | None,
    moment: datetime,
    *,
    indexed: bool,
) -> tuple[int, datetime] | None:
    """``(index, wall time)`` of the series member at the UTC instant ``moment``, skipped or not."""
    zone = grid.zone
    mark = reading(moment, zone)
    for index, wall, key in walk(grid, count, end, _local_day(mark, zone, -1), indexed=indexed):
        if key >= mark:
            return (index, wall) if key == mark else None
    return None


def cut(
    grid: Grid,
    count: int | None,
    end: datetime | None,
    exceptions: frozenset[datetime],
    at: datetime,
    index: int,
    wall: datetime,
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """The changes that cut a series before its member at the UTC instant ``at``.

    ``index`` and ``wall`` are that member's (see :func:`locate`), ``exceptions``
    the rule's skipped occurrences in UTC.  Returns the changes of the part
    before ``at`` (None when no occurrence comes before it) and of the rest.
    """
    earlier = frozenset(e for e in exceptions if e < at)
    rest: dict[str, Any] = {
        "start": wall,
        "count": None if count is None else count - index,
        "exceptions": exceptions - earlier,
    }
    skipped_before = sum(locate(grid, count, end, e, indexed=False) is not None for e in earlier)
    if index - skipped_before == 0:
        return None, rest
    before: dict[str, Any] = {
        "count": None if count is None else index,
        "until": None if count is not None else at - _SECOND,
        "exceptions": earlier,
    }
    return before, rest
