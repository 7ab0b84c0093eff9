"""The recurrence rule: :class:`Recurrence`, the value the rest of crmcore uses.

Its methods check their arguments and hand the rule's parts to the functions
of the modules below it: the checks (:mod:`.validation`), the expansion
engine (:mod:`.expansion`), RRULE text (:mod:`.rrule_text`) and the
description (:mod:`.description`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import attrs

from crmcore.domain import checks as check
from crmcore.domain.recurrence.description import describe
from crmcore.domain.recurrence.expansion import (
    Grid,
    between,
    cut,
    first_after,
    first_wall,
    locate,
    make_grid,
    reading,
)
from crmcore.domain.recurrence.rrule_text import read_rrule, rrule_errors, write_rrule
from crmcore.domain.recurrence.validation import (
    as_utc,
    at_least_one,
    aware_instants,
    check_rule,
    to_frequency,
    to_instants,
    to_weekdays,
    valid_days,
    within,
    yearly_month,
)
from crmcore.domain.recurrence.vocabulary import Frequency
from crmcore.errors import ValidationError

__all__ = ["Recurrence"]


@attrs.frozen(kw_only=True)
class Recurrence:
    """A repeating series of moments, as an RFC 5545 recurrence rule.

    Attributes:
        frequency: daily, weekly, monthly or yearly (the string is accepted).
        start: when the series starts, timezone-aware; its wall-clock time in
            ``time_zone`` (a fraction of a second too) is the time of every one.  A
            start given in ``time_zone`` itself is read as written, even a wall
            time the clocks skip that day.  As with dateutil, the first
            occurrence is the first wall time from the start's on, so a start
            at the second of a repeated wall time has its first occurrence at
            the first one, an hour earlier.
        time_zone: the IANA zone the series is kept in, e.g. ``"Europe/Kyiv"``.
        interval: every how many days, weeks, months or years, 1 to 1000.
        weekdays: 0 = Monday to 6 = Sunday, sorted and distinct.  Weekly: the
            days of the week (empty: the start's weekday).  Monthly and yearly:
            exactly one, together with ``nth``.
        month_day: monthly and yearly: the day of the month, 1 to 31, or -31
            to -1 counting from the month's end (-1 is the last day).  Months
            without that day are skipped, as RFC 5545 does.
        nth: monthly and yearly, with one weekday: which of its kind in the
            month, 1 to 5 or -5 to -1 (the last Friday: ``nth=-1, weekdays=(4,)``).
            Months without it are skipped.
        month: yearly: the month, 1 to 12; needed with ``month_day`` or ``nth``.
            A monthly or yearly rule with neither falls on the start's day.
        week_start: the first day of the week (``WKST``); it decides which
            weeks a weekly rule with an interval above 1 picks.
        count: end after this many occurrences; skipped ones count too.
        until: end at this moment, inclusive, not before ``start``; kept in UTC.
        exceptions: occurrences that are skipped, compared as instants; kept in UTC.

    Raises:
        ValidationError: naming the field at fault.  Parts that do not fit the
            frequency name themselves (``month_day`` on a daily rule); ``nth``
            with ``month_day`` or without exactly one weekday names ``nth``;
            ``count`` together with ``until`` names ``until``.

    Example:
        >>> from datetime import datetime
        >>> from zoneinfo import ZoneInfo
        >>> ny = ZoneInfo("America/New_York")
        >>> rule = Recurrence(
        ...     frequency="monthly",
        ...     start=datetime(2026, 1, 30, 18, 0, tzinfo=ny),
        ...     time_zone="America/New_York",
        ...     weekdays=(4,),
        ...     nth=-1,
        ...     count=3,
        ... )
        >>> rule.describe()
        'every month on the last Fri, 3 times'
        >>> [
        ...     o.date().isoformat()
        ...     for o in rule.occurrences(rule.start, datetime(2027, 1, 1, tzinfo=ny))
        ... ]
        ['2026-01-30', '2026-02-27', '2026-03-27']
    """

    frequency: Frequency = attrs.field(converter=to_frequency, validator=check.member_of(Frequency))
    start: datetime = attrs.field(validator=check.aware_datetime())
    time_zone: str = attrs.field(validator=check.time_zone)
    interval: int = attrs.field(default=1, validator=within(1, 1000))
    weekdays: tuple[int, ...] = attrs.field(default=(), converter=to_weekdays, validator=valid_days)
    month_day: int | None = attrs.field(
        default=None, validator=within(-31, 31, optional=True, zero=False)
    )
    nth: int | None = attrs.field(default=None, validator=within(-5, 5, optional=True, zero=False))
    month: int | None = attrs.field(default=None, validator=within(1, 12, optional=True))
    week_start: int = attrs.field(default=0, validator=within(0, 6))
    count: int | None = attrs.field(default=None, validator=at_least_one)
    until: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    exceptions: frozenset[datetime] = attrs.field(
        default=frozenset(), converter=to_instants, validator=aware_instants
    )

    # Derived once: the walk's keys of until and the exceptions, and the rule's grid.
    _until_key: datetime | None = attrs.field(init=False, repr=False, eq=False)
    _skipped: frozenset[datetime] = attrs.field(init=False, repr=False, eq=False)
    _grid: Grid = attrs.field(init=False, repr=False, eq=False)

    def __attrs_post_init__(self) -> None:
        zone = ZoneInfo(self.time_zone)
        first = first_wall(self.start, zone)
        until = None if self.until is None else reading(self.until, zone)
        object.__setattr__(self, "_until_key", until)
        object.__setattr__(self, "_skipped", frozenset(reading(e, zone) for e in self.exceptions))
        check_rule(self)
        object.__setattr__(self, "_grid", make_grid(self, first, zone))

    @classmethod
    def daily(
        cls,
        start: datetime,
        time_zone: str,
        *,
        interval: int = 1,
        count: int | None = None,
        until: datetime | None = None,
        exceptions: Iterable[datetime] = (),
    ) -> Recurrence:
        """Every ``interval`` days at the start's time.

        Example:
            >>> from datetime import UTC, datetime
            >>> Recurrence.daily(datetime(2026, 1, 1, 8, tzinfo=UTC), "UTC", count=5).describe()
            'every day, 5 times'
        """
        return cls(
            frequency=Frequency.DAILY,
            start=start,
            time_zone=time_zone,
            interval=interval,
            count=count,
            until=until,
            exceptions=exceptions,
        )

    @classmethod
    def weekly(
        cls,
        start: datetime,
        time_zone: str,
        weekdays: Iterable[int] = (),
        *,
        interval: int = 1,
        week_start: int = 0,
        count: int | None = None,
        until: datetime | None = None,
        exceptions: Iterable[datetime] = (),
    ) -> Recurrence:
        """Every ``interval`` weeks on ``weekdays`` (0 = Monday; none: the start's weekday).

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 8, tzinfo=UTC)
            >>> Recurrence.weekly(start, "UTC", (1, 3), interval=2).to_rrule()
            'FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH'
        """
        return cls(
            frequency=Frequency.WEEKLY,
            start=start,
            time_zone=time_zone,
            weekdays=weekdays,
            interval=interval,
            week_start=week_start,
            count=count,
            until=until,
            exceptions=exceptions,
        )

    @classmethod
    def monthly(
        cls,
        start: datetime,
        time_zone: str,
        *,
        day: int | None = None,
        nth: int | None = None,
        weekday: int | None = None,
        interval: int = 1,
        count: int | None = None,
        until: datetime | None = None,
        exceptions: Iterable[datetime] = (),
    ) -> Recurrence:
        """Every ``interval`` months on ``day`` (-1: the last), or the ``nth`` ``weekday``.

        With neither, on the start's day of the month.

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 8, tzinfo=UTC)
            >>> Recurrence.monthly(start, "UTC", nth=2, weekday=1).describe()
            'every month on the 2nd Tue'
        """
        return cls(
            frequency=Frequency.MONTHLY,
            start=start,
            time_zone=time_zone,
            month_day=day,
            nth=nth,
            weekdays=() if weekday is None else (weekday,),
            interval=interval,
            count=count,
            until=until,
            exceptions=exceptions,
        )

    @classmethod
    def yearly(
        cls,
        start: datetime,
        time_zone: str,
        *,
        month: int | None = None,
        day: int | None = None,
        nth: int | None = None,
        weekday: int | None = None,
        interval: int = 1,
        count: int | None = None,
        until: datetime | None = None,
        exceptions: Iterable[datetime] = (),
    ) -> Recurrence:
        """Every ``interval`` years in ``month`` (default: the start's) on ``day`` or the
        ``nth`` ``weekday``; with neither, on the start's day.

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 8, tzinfo=UTC)
            >>> Recurrence.yearly(start, "UTC", month=11, nth=4, weekday=3).to_rrule()
            'FREQ=YEARLY;BYMONTH=11;BYDAY=4TH'
        """
        return cls(
            frequency=Frequency.YEARLY,
            start=start,
            time_zone=time_zone,
            month=yearly_month(month, day, nth, start, time_zone),
            month_day=day,
            nth=nth,
            weekdays=() if weekday is None else (weekday,),
            interval=interval,
            count=count,
            until=until,
            exceptions=exceptions,
        )

    def occurrences(self, since: datetime, until: datetime) -> list[datetime]:
        """The occurrences from ``since`` (inclusive) to ``until`` (exclusive), in order.

        Args:
            since: the window's first moment, timezone-aware.
            until: the moment the window ends, timezone-aware.

        Returns:
            The occurrences as datetimes in the rule's zone, skipped ones left out.

        Raises:
            ValidationError: ``since`` or ``until`` is naive; ``until`` past 100,000 occurrences.
        """
        since_utc, until_utc = as_utc("since", since), as_utc("until", until)
        return between(self._grid, self.count, self._until_key, self._skipped, since_utc, until_utc)

    def after(self, moment: datetime, *, inclusive: bool = False) -> datetime | None:
        """The first occurrence after ``moment`` (or at it, when ``inclusive``).

        Returns:
            The occurrence in the rule's zone, or None when the series has ended.

        Example:
            >>> from datetime import UTC, datetime
            >>> rule = Recurrence.daily(datetime(2026, 1, 1, 8, tzinfo=UTC), "UTC", count=2)
            >>> rule.after(datetime(2026, 1, 1, 8, tzinfo=UTC))
            datetime.datetime(2026, 1, 2, 8, 0, tzinfo=zoneinfo.ZoneInfo(key='UTC'))
            >>> rule.after(datetime(2026, 1, 2, 8, tzinfo=UTC)) is None
            True
        """
        moment_utc = as_utc("moment", moment)
        return first_after(
            self._grid, self.count, self._until_key, self._skipped, moment_utc, inclusive=inclusive
        )

    def _locate(self, field: str, at: datetime, *, indexed: bool) -> tuple[int, datetime] | None:
        """``(index, wall time)`` of the series member at ``at``, skipped or not."""
        return locate(self._grid, self.count, self._until_key, as_utc(field, at), indexed=indexed)

    def is_occurrence(self, moment: datetime) -> bool:
        """Whether the series has an occurrence at ``moment`` (skipped ones have none)."""
        found = self._locate("moment", moment, indexed=False)
        return found is not None and moment.astimezone(UTC) not in self.exceptions

    def index_of(self, moment: datetime) -> int | None:
        """The 0-based position of the occurrence at ``moment`` in the whole series.

        Skipped occurrences keep their places, so this is the number ``count``
        counts; None when ``moment`` is not an occurrence (or is skipped).
        """
        found = self._locate("moment", moment, indexed=True)
        if found is None or moment.astimezone(UTC) in self.exceptions:
            return None
        return found[0]

    def skip(self, occurrence: datetime) -> Recurrence:
        """The same series without ``occurrence``.

        Raises:
            ValidationError: ``occurrence`` is not an occurrence of the series
                (or is skipped already).
        """
        instant = as_utc("occurrence", occurrence)
        if self._locate("occurrence", occurrence, indexed=False) is None:
            raise ValidationError(
                "occurrence", f"{occurrence.isoformat()} is not an occurrence of the series"
            )
        if instant in self.exceptions:
            raise ValidationError("occurrence", f"{occurrence.isoformat()} is skipped already")
        return attrs.evolve(self, exceptions=self.exceptions | {instant})

    def split(self, at: datetime) -> tuple[Recurrence | None, Recurrence]:
        """The series cut before the occurrence ``at``, to edit "this and the following".

        Returns:
            ``(before, rest)``: ``before`` ends just before ``at`` (None when no
            occurrence comes before it), ``rest`` starts at ``at`` with the
            count reduced by the occurrences before it.  Each keeps the
            exceptions on its side.  Together they give the occurrences of
            this series.  ``rest.start`` is ``at``'s wall time in the zone,
            as written: where the clocks skipped that wall time it is one that
            does not exist, and only kept with its zone (not as UTC) does it
            keep the series' time of day.

        Raises:
            ValidationError: ``at`` is not an occurrence (``field`` ``"at"``).

        Example:
            >>> from datetime import UTC, datetime
            >>> rule = Recurrence.daily(datetime(2026, 1, 1, 8, tzinfo=UTC), "UTC", count=5)
            >>> before, rest = rule.split(datetime(2026, 1, 3, 8, tzinfo=UTC))
            >>> before.count, rest.count, rest.start.day
            (2, 3, 3)
        """
        instant = as_utc("at", at)
        found = self._locate("at", at, indexed=True)
        if found is None or instant in self.exceptions:
            raise ValidationError("at", f"{at.isoformat()} is not an occurrence of the series")
        before, rest = cut(
            self._grid, self.count, self._until_key, self.exceptions, instant, *found
        )
        second = attrs.evolve(self, **rest)
        return (None if before is None else attrs.evolve(self, **before)), second

    def to_rrule(self) -> str:
        """The rule as an RFC 5545 ``RRULE`` value (without ``DTSTART`` and exceptions).

        ``UNTIL`` is written in UTC, as RFC 5545 asks for a start with a zone.

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 8, tzinfo=UTC)
            >>> Recurrence.monthly(
            ...     start, "UTC", day=-1, until=datetime(2026, 6, 1, tzinfo=UTC)
            ... ).to_rrule()
            'FREQ=MONTHLY;BYMONTHDAY=-1;UNTIL=20260601T000000Z'
        """
        return write_rrule(self)

    @classmethod
    def from_rrule(
        cls,
        text: str,
        *,
        start: datetime,
        time_zone: str,
        exceptions: Iterable[datetime] = (),
    ) -> Recurrence:
        """Read an RFC 5545 ``RRULE`` value (``"RRULE:"`` in front is allowed).

        Names and values are read case-insensitively.  ``UNTIL`` may be a date
        (that date at the start's time of day in ``time_zone``, as RFC 5545
        readers take it), a UTC date-time (``...Z``) or a floating date-time,
        read in ``time_zone``.

        Args:
            text: the rule, e.g. ``"FREQ=MONTHLY;BYDAY=-1FR;COUNT=6"``.
            start: the series' start (``DTSTART``).
            time_zone: the IANA zone of the series.
            exceptions: occurrences to skip (``EXDATE``).

        Raises:
            ValidationError: ``"rrule"`` saying which part is wrong and why, for
                malformed text and for parts a :class:`Recurrence` cannot hold
                (``BYSETPOS``, ``BYHOUR``, several days in a monthly ``BYDAY``,
                ``FREQ=HOURLY``, ...); ``start`` or ``time_zone`` for those fields.

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 8, tzinfo=UTC)
            >>> rule = Recurrence.from_rrule(
            ...     "rrule:freq=weekly;byday=fr,mo;until=20260131", start=start, time_zone="UTC"
            ... )
            >>> rule.weekdays, rule.until.isoformat()
            ((0, 4), '2026-01-31T08:00:00+00:00')
        """
        check.time_zone(None, _TIME_ZONE_FIELD, time_zone)
        fields = read_rrule(text, ZoneInfo(time_zone), start)
        with rrule_errors():
            return cls(start=start, time_zone=time_zone, exceptions=exceptions, **fields)

    def describe(self) -> str:
        """A short English description for the task card.

        Example:
            >>> from datetime import UTC, datetime
            >>> start = datetime(2026, 1, 5, 9, tzinfo=UTC)
            >>> Recurrence.weekly(start, "UTC", (0, 2, 4), count=10).describe()
            'every week on Mon, Wed, Fri, 10 times'
        """
        return describe(self, self._grid.first.date(), self._grid.zone)


_TIME_ZONE_FIELD = attrs.fields(Recurrence).time_zone
