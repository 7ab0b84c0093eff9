"""Recurrence rules: the same occurrences as python-dateutil, across DST, from any window."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import pytest
from dateutil.rrule import MONTHLY, rrule, rrulestr
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crmcore.domain.recurrence import Frequency, Recurrence
from crmcore.errors import ValidationError

KYIV = ZoneInfo("Europe/Kyiv")
NEW_YORK = ZoneInfo("America/New_York")
LORD_HOWE = ZoneInfo("Australia/Lord_Howe")
ZONES = ("Europe/Kyiv", "America/New_York", "Australia/Lord_Howe", "America/Santiago", "UTC")
MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _changes(name: str) -> list[date]:
    """The local dates on which the zone's UTC offset changes, 2025 to 2027."""
    zone = ZoneInfo(name)
    found = []
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    offset = moment.astimezone(zone).utcoffset()
    while moment.year < 2028:
        moment += timedelta(minutes=30)
        local = moment.astimezone(zone)
        if local.utcoffset() != offset:
            offset = local.utcoffset()
            found.append(local.date())
    return found or [date(2025, 3, 30), date(2026, 1, 1), date(2027, 12, 31)]


CHANGES = {name: _changes(name) for name in ZONES}


def utc(moments: list[datetime]) -> list[datetime]:
    return [m.astimezone(UTC) for m in moments]


# ---------------------------------------------------------------- the oracle


def dateutil_series(rec: Recurrence) -> Iterator[datetime]:
    """dateutil's occurrences of the rule (skipped ones included), in its order, as UTC."""
    zone = ZoneInfo(rec.time_zone)
    start = rec.start
    in_zone = isinstance(start.tzinfo, ZoneInfo) and start.tzinfo.key == rec.time_zone
    dtstart = start if in_zone else start.astimezone(zone)
    for moment in rrulestr(rec.to_rrule(), dtstart=dtstart):
        yield moment.astimezone(UTC)


def dateutil_window(rec: Recurrence, since: datetime, until: datetime) -> list[datetime]:
    """dateutil's occurrences in the half-open window, exceptions removed (as an EXDATE set)."""
    found = []
    for moment in dateutil_series(rec):
        if moment >= until + timedelta(days=2):
            break
        if since <= moment < until and moment not in rec.exceptions:
            found.append(moment)
    return found


# ---------------------------------------------------------------- random rules


SPAN = {  # how far windows reach, in days, so that each frequency shows a few occurrences
    Frequency.DAILY: 60,
    Frequency.WEEKLY: 150,
    Frequency.MONTHLY: 1100,
    Frequency.YEARLY: 4000,
}


@st.composite
def rules(draw: st.DrawFn) -> Recurrence:
    name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(name)
    day = draw(st.sampled_from(CHANGES[name])) + timedelta(days=draw(st.integers(-45, 10)))
    clock = time(
        # Half the time an hour at which some of the zones change their clocks.
        draw(st.one_of(st.integers(0, 23), st.sampled_from((0, 1, 2, 3, 23)))),
        draw(st.sampled_from((0, 15, 30, 45))),
        draw(st.sampled_from((0, 7))),
    )
    start = datetime.combine(day, clock, tzinfo=zone).replace(fold=draw(st.integers(0, 1)))
    if draw(st.booleans()):
        start = start.astimezone(UTC)  # the same moment given as an instant
    wall = start if start.tzinfo is zone else start.astimezone(zone)
    frequency = draw(st.sampled_from(Frequency))
    fields: dict[str, Any] = {"interval": draw(st.integers(1, 4))}
    if draw(st.booleans()):
        fields["week_start"] = draw(st.integers(0, 6))
    if frequency is Frequency.WEEKLY:
        fields["weekdays"] = draw(st.sets(st.integers(0, 6)))
    elif frequency in (Frequency.MONTHLY, Frequency.YEARLY):
        kind = draw(st.sampled_from(("start's day", "month_day", "nth")))
        month = draw(st.integers(1, 12)) if frequency is Frequency.YEARLY else None
        if kind == "month_day":
            longest = 31 if month is None else MONTH_DAYS[month - 1]
            size = draw(
                st.one_of(st.integers(1, longest), st.integers(max(longest - 3, 1), longest))
            )
            fields["month_day"] = size * draw(st.sampled_from((1, -1)))
        elif kind == "nth":
            fields["nth"] = draw(st.sampled_from((1, 2, 3, 4, 5, -1, -2, -5)))
            fields["weekdays"] = (draw(st.integers(0, 6)),)
        elif month is not None and wall.day > MONTH_DAYS[month - 1]:
            month = None
        if frequency is Frequency.YEARLY:
            if kind == "start's day" and draw(st.booleans()):
                month = None
            fields["month"] = month
            rare = (fields.get("month_day") in (29, -29) or abs(fields.get("nth") or 0) == 5) and (
                month == 2
            )
            if rare or (kind == "start's day" and wall.month == 2 and wall.day == 29):
                # A 29 February or a fifth weekday of February every few years
                # may never come; dateutil would search until the year 9999.
                fields["interval"] = 1
    end = draw(st.sampled_from(("count", "until", "open")))
    if end == "count":
        fields["count"] = draw(st.integers(1, 40))
    elif end == "until":
        reach = timedelta(
            days=draw(st.integers(0, SPAN[frequency])), seconds=draw(st.integers(0, 86399))
        )
        fields["until"] = start.astimezone(UTC) + reach
    return Recurrence(frequency=frequency, start=start, time_zone=name, **fields)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Recurrence, datetime, datetime, list[datetime]]:
    """A rule with some of its occurrences skipped, a window, and the rule's series near it."""
    rec = draw(rules())
    span = SPAN[rec.frequency]
    origin = rec.start.astimezone(UTC)
    series: list[datetime] = []
    for moment in dateutil_series(rec):
        if moment > origin + timedelta(days=2 * span + 3):
            break
        series.append(moment)
    near = draw(st.booleans())
    if series and near:
        # A window near an occurrence, so that most windows hold some.
        anchor = draw(st.sampled_from(series))
        since = anchor - timedelta(hours=draw(st.integers(0, 6 * span)))
    else:
        since = origin + timedelta(hours=draw(st.integers(-24 * 10, 24 * span)))
    until = since + timedelta(hours=draw(st.integers(1, 24 * span)))
    if series:
        skipped = draw(st.sets(st.sampled_from(series), max_size=4))
        if draw(st.booleans()):
            skipped.add(origin + timedelta(minutes=draw(st.integers(1, 10**6))))
        rec = attrs.evolve(rec, exceptions=skipped)
    return rec, since, until, series


@given(cases())
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_occurrences_equal_dateutil_in_any_window(
    case: tuple[Recurrence, datetime, datetime, list[datetime]],
) -> None:
    rec, since, until, _ = case
    mine = rec.occurrences(since, until)
    assert utc(mine) == dateutil_window(rec, since, until)
    zone = ZoneInfo(rec.time_zone)
    for moment in mine:
        normal = moment.astimezone(UTC).astimezone(zone)
        assert moment.tzinfo is zone
        assert (moment.replace(tzinfo=None), moment.fold) == (
            normal.replace(tzinfo=None),
            normal.fold,
        )


@given(cases(), st.data())
@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_after_equals_dateutil(
    case: tuple[Recurrence, datetime, datetime, list[datetime]], data: st.DataObject
) -> None:
    rec, since, _, series = case
    moment = data.draw(
        st.one_of(
            st.sampled_from(series) if series else st.just(since),
            st.builds(lambda h: since + timedelta(minutes=h), st.integers(0, 60 * 24 * 30)),
        )
    )
    inclusive = data.draw(st.booleans())
    horizon = moment + timedelta(days=SPAN[rec.frequency] * 4)
    expected = None
    for found in dateutil_series(rec):
        if found > horizon:
            break
        if (found > moment or (inclusive and found == moment)) and found not in rec.exceptions:
            expected = found
            break
    mine = rec.after(moment, inclusive=inclusive)
    if expected is None:
        assert mine is None or mine > horizon
    else:
        assert mine is not None
        assert mine.astimezone(UTC) == expected


@given(cases())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_index_of_and_is_occurrence_follow_the_series(
    case: tuple[Recurrence, datetime, datetime, list[datetime]],
) -> None:
    rec, _, _, series = case
    for index, moment in enumerate(series):
        skipped = moment in rec.exceptions
        assert rec.is_occurrence(moment) is not skipped
        assert rec.index_of(moment) == (None if skipped else index)
        assert not rec.is_occurrence(moment + timedelta(seconds=1))
        assert rec.index_of(moment - timedelta(minutes=1)) is None


@given(rules())
@settings(max_examples=300, deadline=None)
def test_rrule_text_round_trips(rec: Recurrence) -> None:
    text = rec.to_rrule()
    again = Recurrence.from_rrule(
        text, start=rec.start, time_zone=rec.time_zone, exceptions=rec.exceptions
    )
    assert again == rec
    assert Recurrence.from_rrule(
        "RRULE:" + text.lower(), start=rec.start, time_zone=rec.time_zone
    ) == (attrs.evolve(rec, exceptions=()))


@given(cases(), st.data())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_split_halves_together_equal_the_whole(
    case: tuple[Recurrence, datetime, datetime, list[datetime]], data: st.DataObject
) -> None:
    rec, since, until, series = case
    kept = [m for m in series if m not in rec.exceptions]
    assume(kept)
    at = data.draw(st.sampled_from(kept))
    before, rest = rec.split(at)
    # Compared in UTC: Python never finds a wall time that happens twice
    # equal to a moment in another zone.
    opening = rest.after(at, inclusive=True)
    assert opening is not None
    assert opening.astimezone(UTC) == at
    assert rest.count == (None if rec.count is None else rec.count - series.index(at))
    window = (min(since, at) - timedelta(days=40), max(until, at) + timedelta(days=40))
    whole = rec.occurrences(*window)
    first = [] if before is None else before.occurrences(*window)
    assert utc(first) + utc(rest.occurrences(*window)) == utc(whole)
    assert before is not None or all(m >= at for m in whole)
    if before is not None:
        assert before.after(at, inclusive=True) is None
        assert before.exceptions | rest.exceptions == rec.exceptions


@given(cases(), st.data())
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_skip_removes_exactly_that_occurrence(
    case: tuple[Recurrence, datetime, datetime, list[datetime]], data: st.DataObject
) -> None:
    rec, _, _, series = case
    kept = [m for m in series if m not in rec.exceptions]
    assume(kept)
    target = data.draw(st.sampled_from(kept))
    window = (target - timedelta(days=30), target + timedelta(days=30))
    fewer = rec.skip(target)
    assert utc(fewer.occurrences(*window)) == [
        m for m in utc(rec.occurrences(*window)) if m != target
    ]
    with pytest.raises(ValidationError) as raised:
        fewer.skip(target)
    assert raised.value.field == "occurrence"


# ---------------------------------------------------------------- daylight saving time


def _weekly_nine(zone: ZoneInfo, since: date) -> Recurrence:
    start = datetime.combine(since, time(9), tzinfo=zone)
    return Recurrence.weekly(start, zone.key, weekdays=(0, 2, 4))


@pytest.mark.parametrize(
    ("zone", "changes", "offsets"),
    [
        (KYIV, (date(2026, 3, 29), date(2026, 10, 25)), ("+0200", "+0300", "+0200")),
        (NEW_YORK, (date(2026, 3, 8), date(2026, 11, 1)), ("-0500", "-0400", "-0500")),
        (LORD_HOWE, (date(2026, 4, 5), date(2026, 10, 4)), ("+1100", "+1030", "+1100")),
    ],
)
def test_weekly_nine_oclock_stays_nine_oclock_across_both_changes(
    zone: ZoneInfo, changes: tuple[date, date], offsets: tuple[str, str, str]
) -> None:
    rec = _weekly_nine(zone, date(2026, 1, 5))
    since = datetime(2026, 1, 1, tzinfo=zone)
    found = rec.occurrences(since, datetime(2027, 1, 1, tzinfo=zone))
    assert len(found) == 155  # 51 weeks of Mon, Wed, Fri, then Mon 28 and Wed 30 December
    assert {(m.hour, m.minute, m.weekday()) for m in found} == {(9, 0, 0), (9, 0, 2), (9, 0, 4)}
    for moment in found:
        part = 0 if moment.date() < changes[0] else 1 if moment.date() < changes[1] else 2
        assert moment.strftime("%z") == offsets[part]
    # The instants move by the shift: the last Friday before a change and the Monday after.
    before = [m for m in found if m.date() < changes[0]][-1]
    after = next(m for m in found if m.date() > changes[0])
    shift = after.utcoffset() - before.utcoffset()  # type: ignore[operator]
    assert after.astimezone(UTC) - before.astimezone(UTC) == timedelta(days=3) - shift
    assert utc(found) == dateutil_window(rec, since, datetime(2027, 1, 1, tzinfo=zone))


def test_lord_howe_shift_is_thirty_minutes() -> None:
    rec = _weekly_nine(LORD_HOWE, date(2026, 3, 30))
    friday, monday = rec.occurrences(
        datetime(2026, 4, 3, tzinfo=LORD_HOWE), datetime(2026, 4, 7, tzinfo=LORD_HOWE)
    )
    assert friday.astimezone(UTC) == datetime(2026, 4, 2, 22, 0, tzinfo=UTC)
    assert monday.astimezone(UTC) == datetime(2026, 4, 5, 22, 30, tzinfo=UTC)


def test_daily_at_a_wall_time_the_clocks_skip_falls_after_the_jump() -> None:
    rec = Recurrence.daily(datetime(2026, 3, 6, 2, 30, tzinfo=NEW_YORK), "America/New_York")
    found = rec.occurrences(datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC))
    assert [m.isoformat() for m in found] == [
        "2026-03-07T02:30:00-05:00",
        "2026-03-08T03:30:00-04:00",  # 02:30 does not exist that day
        "2026-03-09T02:30:00-04:00",
    ]
    assert utc(found) == [
        datetime(2026, 3, d, h, 30, tzinfo=UTC) for d, h in ((7, 7), (8, 7), (9, 6))
    ]
    assert utc(found) == dateutil_window(
        rec, datetime(2026, 3, 7, tzinfo=UTC), datetime(2026, 3, 10, tzinfo=UTC)
    )
    assert rec.is_occurrence(datetime(2026, 3, 8, 7, 30, tzinfo=UTC))
    assert rec.index_of(found[1]) == 2


def test_series_starting_on_the_skipped_wall_time_keeps_it() -> None:
    start = datetime(2026, 3, 8, 2, 30, tzinfo=NEW_YORK)  # does not exist; read as written
    rec = Recurrence.daily(start, "America/New_York", count=2)
    found = rec.occurrences(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [m.isoformat() for m in found] == [
        "2026-03-08T03:30:00-04:00",
        "2026-03-09T02:30:00-04:00",
    ]


def test_daily_at_a_wall_time_that_happens_twice_is_the_first() -> None:
    rec = Recurrence.daily(datetime(2026, 10, 30, 1, 30, tzinfo=NEW_YORK), "America/New_York")
    found = rec.occurrences(
        datetime(2026, 11, 1, tzinfo=NEW_YORK), datetime(2026, 11, 3, tzinfo=NEW_YORK)
    )
    assert [m.isoformat() for m in found] == [
        "2026-11-01T01:30:00-04:00",
        "2026-11-02T01:30:00-05:00",
    ]
    assert found[0].fold == 0
    assert not rec.is_occurrence(datetime(2026, 11, 1, 6, 30, tzinfo=UTC))  # the second 01:30


@pytest.mark.parametrize("frequency", list(Frequency))
def test_a_start_given_as_the_second_of_a_repeated_time_still_repeats_the_first(
    frequency: Frequency,
) -> None:
    start = datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=NEW_YORK)  # 06:30 UTC
    rec = Recurrence(frequency=frequency, start=start, time_zone="America/New_York")
    first = rec.after(start - timedelta(days=400))
    assert first is not None
    assert first.astimezone(UTC) == datetime(2026, 11, 1, 5, 30, tzinfo=UTC)  # an hour before start
    # The next repeated 01:30, a Sunday a year later: again the first of the two.
    day = (datetime(2027, 11, 7, tzinfo=NEW_YORK), datetime(2027, 11, 8, tzinfo=NEW_YORK))
    on_sundays = frequency in (Frequency.DAILY, Frequency.WEEKLY)
    expected = [datetime(2027, 11, 7, 5, 30, tzinfo=UTC)] if on_sundays else []
    assert utc(rec.occurrences(*day)) == expected == dateutil_window(rec, *day)


def test_midnight_gap_in_santiago() -> None:
    zone = ZoneInfo("America/Santiago")
    rec = Recurrence.daily(datetime(2026, 9, 1, 0, 30, tzinfo=zone), "America/Santiago")
    since, until = datetime(2026, 9, 5, tzinfo=zone), datetime(2026, 9, 8, tzinfo=zone)
    found = rec.occurrences(since, until)
    assert [m.isoformat() for m in found] == [
        "2026-09-05T00:30:00-04:00",
        "2026-09-06T01:30:00-03:00",
        "2026-09-07T00:30:00-03:00",
    ]
    assert utc(found) == dateutil_window(rec, since, until)


# ---------------------------------------------------------------- ends, counts, cost


def test_seed_example_weekly_on_chosen_days_ending_after_one_repetition() -> None:
    start = datetime(2011, 8, 31, 10, 0, tzinfo=KYIV)  # a Wednesday
    rec = Recurrence.weekly(start, "Europe/Kyiv", weekdays=(0, 2), count=1)
    found = rec.occurrences(datetime(2011, 1, 1, tzinfo=UTC), datetime(2013, 1, 1, tzinfo=UTC))
    assert found == [start]
    assert rec.after(start) is None
    assert rec.describe() == "every week on Mon, Wed, once"


def test_dateutil_does_not_emit_a_start_the_rule_does_not_match() -> None:
    start = datetime(2026, 3, 4, 9, tzinfo=KYIV)  # a Wednesday
    rec = Recurrence.weekly(start, "Europe/Kyiv", weekdays=(0, 4), count=2)
    found = rec.occurrences(start, datetime(2026, 4, 1, tzinfo=KYIV))
    assert [m.date() for m in found] == [date(2026, 3, 6), date(2026, 3, 9)]


def test_count_counts_skipped_occurrences() -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    rec = Recurrence.daily(start, "UTC", count=3, exceptions=[start + timedelta(days=1)])
    found = rec.occurrences(start, start + timedelta(days=30))
    assert found == [start, start + timedelta(days=2)]
    assert rec.index_of(start + timedelta(days=2)) == 2
    assert rec.index_of(start + timedelta(days=1)) is None


def test_until_is_inclusive_and_an_until_date_covers_its_whole_day() -> None:
    start = datetime(2026, 1, 1, 23, 30, tzinfo=KYIV)
    rec = Recurrence.from_rrule("FREQ=DAILY;UNTIL=20260103", start=start, time_zone="Europe/Kyiv")
    found = rec.occurrences(start, datetime(2027, 1, 1, tzinfo=UTC))
    assert [m.day for m in found] == [1, 2, 3]
    exact = Recurrence.daily(start, "Europe/Kyiv", until=found[-1])
    assert exact.occurrences(start, datetime(2027, 1, 1, tzinfo=UTC)) == found


def test_windows_are_half_open() -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    rec = Recurrence.daily(start, "UTC")
    assert rec.occurrences(start, start + timedelta(days=2)) == [start, start + timedelta(days=1)]
    assert rec.occurrences(start + timedelta(days=2), start) == []


def test_a_window_far_from_the_start_costs_what_a_near_one_costs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    old = datetime(1900, 1, 1, 9, tzinfo=UTC)
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC)
    for rec in (
        Recurrence.daily(old, "UTC", count=50_000),
        Recurrence.weekly(old, "Europe/Kyiv", (0, 2, 4), interval=3, count=10_000),
        Recurrence.monthly(old, "UTC", day=10),
    ):
        grid = rec._grid
        asked: list[int] = []

        def counting(period: int, walls: Any = grid.walls, asked: list[int] = asked) -> Any:
            asked.append(period)
            return walls(period)

        monkeypatch.setattr(grid, "walls", counting)
        found = rec.occurrences(since, until)
        assert found
        assert len(asked) <= 40, rec.frequency
        assert utc(found) == dateutil_window(rec, since, until)


def test_count_offset_far_from_the_start() -> None:
    start = datetime(2000, 1, 31, 9, tzinfo=UTC)
    rec = Recurrence.monthly(start, "UTC", count=100)  # the 31st: seven months a year
    last = list(rrule(MONTHLY, dtstart=start.astimezone(ZoneInfo("UTC")), count=100))[-1]
    found = rec.occurrences(last - timedelta(days=100), last + timedelta(days=400))
    assert found[-1] == last
    assert rec.index_of(last) == 99
    assert rec.after(last) is None


def test_a_rule_that_never_comes_again_ends() -> None:
    start = datetime(2025, 2, 28, 9, tzinfo=UTC)
    rec = Recurrence.yearly(start, "UTC", month=2, day=29, interval=4)  # 2025, 2029, ...: none leap
    assert rec.after(start) is None
    assert rec.occurrences(start, datetime(2400, 1, 1, tzinfo=UTC)) == []
    assert list(rrulestr(rec.to_rrule(), dtstart=start.astimezone(ZoneInfo("UTC")))) == []


def test_yearly_on_29_february_comes_in_leap_years() -> None:
    start = datetime(2024, 2, 29, 9, tzinfo=UTC)
    rec = Recurrence.yearly(start, "UTC")
    found = rec.occurrences(start, datetime(2033, 1, 1, tzinfo=UTC))
    assert [m.year for m in found] == [2024, 2028, 2032]


# ---------------------------------------------------------------- skip and split


def test_split_keeps_the_time_of_a_series_whose_occurrence_was_shifted() -> None:
    rec = Recurrence.daily(
        datetime(2026, 3, 6, 2, 30, tzinfo=NEW_YORK), "America/New_York", count=6
    )
    before, rest = rec.split(datetime(2026, 3, 8, 7, 30, tzinfo=UTC))  # 03:30, shifted
    assert before is not None
    assert before.count == 2
    assert rest.count == 4
    later = rest.occurrences(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 4, 1, tzinfo=UTC))
    assert [m.strftime("%d %H:%M") for m in later] == [
        "08 03:30",
        "09 02:30",
        "10 02:30",
        "11 02:30",
    ]


def test_split_at_the_first_occurrence_has_no_first_part() -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    rec = Recurrence.daily(start, "UTC", exceptions=[start])
    before, rest = rec.split(start + timedelta(days=1))
    assert before is None  # the only earlier occurrence is skipped
    assert rest.start == start + timedelta(days=1)
    assert rest.exceptions == frozenset()


def test_split_of_an_open_series_ends_the_first_part_before_at() -> None:
    start = datetime(2026, 1, 1, 8, tzinfo=UTC)
    before, rest = Recurrence.weekly(start, "UTC", (0, 3)).split(
        datetime(2026, 1, 15, 8, tzinfo=UTC)
    )
    assert before is not None
    assert before.until == datetime(2026, 1, 15, 7, 59, 59, tzinfo=UTC)
    assert rest.weekdays == (0, 3)


@pytest.mark.parametrize("method", ["skip", "split"])
def test_skip_and_split_need_an_occurrence(method: str) -> None:
    rec = Recurrence.daily(datetime(2026, 1, 1, 8, tzinfo=UTC), "UTC")
    with pytest.raises(ValidationError) as raised:
        getattr(rec, method)(datetime(2026, 1, 2, 9, tzinfo=UTC))
    assert raised.value.field == ("occurrence" if method == "skip" else "at")


# ---------------------------------------------------------------- validation

START = datetime(2026, 1, 5, 9, tzinfo=KYIV)


def make(**fields: Any) -> Recurrence:
    return Recurrence(
        **{"frequency": "weekly", "start": START, "time_zone": "Europe/Kyiv", **fields}
    )


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start": datetime(2026, 1, 5, 9)}, "start"),
        ({"until": datetime(2026, 2, 1)}, "until"),
        ({"until": START - timedelta(seconds=1)}, "until"),
        ({"count": 0}, "count"),
        ({"count": -3}, "count"),
        ({"count": 2, "until": START + timedelta(days=9)}, "until"),
        ({"interval": 0}, "interval"),
        ({"interval": 1001}, "interval"),
        ({"interval": True}, "interval"),
        ({"weekdays": (0, 7)}, "weekdays"),
        ({"weekdays": (-1,)}, "weekdays"),
        ({"week_start": 7}, "week_start"),
        ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
        ({"frequency": "hourly"}, "frequency"),
        ({"exceptions": [datetime(2026, 1, 7, 9)]}, "exceptions"),
        ({"frequency": "daily", "month_day": 3}, "month_day"),
        ({"frequency": "daily", "weekdays": (1,)}, "weekdays"),
        ({"frequency": "daily", "month": 3}, "month"),
        ({"month_day": 3}, "month_day"),
        ({"nth": 1, "weekdays": (1,)}, "nth"),
        ({"frequency": "monthly", "month_day": 0}, "month_day"),
        ({"frequency": "monthly", "month_day": 32}, "month_day"),
        ({"frequency": "monthly", "month_day": -32}, "month_day"),
        ({"frequency": "monthly", "nth": 0, "weekdays": (1,)}, "nth"),
        ({"frequency": "monthly", "nth": 6, "weekdays": (1,)}, "nth"),
        ({"frequency": "monthly", "nth": 2}, "nth"),
        ({"frequency": "monthly", "nth": 2, "weekdays": (1, 2)}, "nth"),
        ({"frequency": "monthly", "nth": 2, "weekdays": (1,), "month_day": 3}, "nth"),
        ({"frequency": "monthly", "weekdays": (1,)}, "weekdays"),
        ({"frequency": "monthly", "month": 3}, "month"),
        ({"frequency": "yearly", "month": 13}, "month"),
        ({"frequency": "yearly", "month": 0}, "month"),
        ({"frequency": "yearly", "month_day": 3}, "month"),
    ],
)
def test_invalid_rules_name_the_field(fields: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        make(**fields)
    assert raised.value.field == field


@pytest.mark.parametrize(
    "fields",
    [
        {"month": 2, "month_day": 30},
        {"month": 4, "month_day": -31},
        {"month": 4},  # on the start's day, the 31st
        {"month": 2, "month_day": 31, "count": 3},
    ],
)
def test_a_valid_rule_that_yields_nothing_is_an_empty_series(fields: dict[str, Any]) -> None:
    start = datetime(2026, 1, 31, 9, tzinfo=UTC)
    rule = Recurrence(frequency="yearly", start=start, time_zone="UTC", **fields)

    assert rule.occurrences(start, datetime(9999, 1, 1, tzinfo=UTC)) == []
    assert rule.after(start, inclusive=True) is None
    assert not rule.is_occurrence(start)
    assert rule.index_of(start) is None


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("FREQ=MONTHLY;BYWEEKNO=3", "BYWEEKNO is only valid with FREQ=YEARLY, not FREQ=MONTHLY"),
        ("FREQ=DAILY;BYSETPOS=-1", "BYSETPOS needs another BY part (BYDAY, BYMONTHDAY, ...)"),
        ("FREQ=WEEKLY;BYDAY=1MO", "BYDAY: 1MO has an ordinal, which only monthly and yearly"),
        ("FREQ=WEEKLY;BYMONTHDAY=3", "BYMONTHDAY is not valid with FREQ=WEEKLY"),
        ("FREQ=MONTHLY;BYYEARDAY=3", "BYYEARDAY is not valid with FREQ=MONTHLY"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL: must be between 1 and 1000, not 0"),
        ("FREQ=DAILY;INTERVAL=-1", "INTERVAL: must be between 1 and 1000, not -1"),
        ("FREQ=DAILY;COUNT=3;UNTIL=20260201T000000Z", "UNTIL: cannot be combined with count"),
    ],
)
def test_invalid_combinations_name_the_part(text: str, problem: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Recurrence.from_rrule(text, start=START, time_zone="Europe/Kyiv")
    assert raised.value.field == "rrule"
    assert raised.value.problem.startswith(problem)


@pytest.mark.parametrize("method", ["after", "is_occurrence", "index_of"])
def test_methods_refuse_naive_moments(method: str) -> None:
    with pytest.raises(ValidationError) as raised:
        getattr(make(), method)(datetime(2026, 2, 1))
    assert raised.value.field == "moment"


def test_occurrences_refuse_a_naive_window() -> None:
    aware, naive = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 2, 1)
    with pytest.raises(ValidationError) as raised:
        make().occurrences(naive, aware)
    assert raised.value.field == "since"
    with pytest.raises(ValidationError) as raised:
        make().occurrences(aware, naive)
    assert raised.value.field == "until"


def test_weekdays_are_kept_sorted_and_distinct() -> None:
    assert make(weekdays=[4, 0, 4, 2]).weekdays == (0, 2, 4)


# ---------------------------------------------------------------- RRULE text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FREQ=WEEKLY;BYDAY=MO,WE,FR", {"frequency": "weekly", "weekdays": (0, 2, 4)}),
        ("rrule:freq=weekly;interval=2;byday=tu;wkst=su", {"interval": 2, "week_start": 6}),
        ("FREQ=MONTHLY;BYDAY=-1FR;COUNT=6", {"nth": -1, "weekdays": (4,), "count": 6}),
        ("FREQ=MONTHLY;BYDAY=+2MO", {"nth": 2, "weekdays": (0,)}),
        ("FREQ=MONTHLY;BYMONTHDAY=-1", {"month_day": -1}),
        ("FREQ=YEARLY;BYMONTH=11;BYDAY=4TH", {"month": 11, "nth": 4, "weekdays": (3,)}),
        ("FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29", {"month": 2, "month_day": 29}),
        ("FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR", {"frequency": "weekly", "weekdays": (0, 1, 2, 3, 4)}),
        (
            "FREQ=DAILY;UNTIL=20260201T120000Z",
            {"until": datetime(2026, 2, 1, 12, tzinfo=UTC)},
        ),
        (
            "FREQ=DAILY;UNTIL=20260201T120000",
            {"until": datetime(2026, 2, 1, 10, tzinfo=UTC)},  # floating: read in Kyiv
        ),
        (
            "FREQ=DAILY;UNTIL=20260201",
            # That date at the start's time of day (09:00 in Kyiv).
            {"until": datetime(2026, 2, 1, 7, tzinfo=UTC)},
        ),
    ],
)
def test_from_rrule_reads(text: str, expected: dict[str, Any]) -> None:
    rec = Recurrence.from_rrule(text, start=START, time_zone="Europe/Kyiv")
    for name, value in expected.items():
        assert getattr(rec, name) == value


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("RRULE:", "empty"),
        ("FREQ=WEEKLY;BYDAY=MO;", "NAME=VALUE"),
        ("FREQ=WEEKLY;BYDAY", "NAME=VALUE"),
        ("FREQ=MONTHLY;BYSETPOS=-1;BYDAY=MO,TU", "BYSETPOS"),
        ("FREQ=DAILY;BYHOUR=9", "BYHOUR"),
        ("FREQ=YEARLY;BYWEEKNO=20", "BYWEEKNO"),
        ("FREQ=YEARLY;BYYEARDAY=100", "BYYEARDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=1,15", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYDAY=1MO,3MO", "BYDAY"),
        ("FREQ=MONTHLY;BYDAY=FR", "BYDAY"),
        ("FREQ=WEEKLY;BYDAY=1FR", "BYDAY"),
        ("FREQ=YEARLY;BYMONTH=1,7", "BYMONTH"),
        ("FREQ=HOURLY", "HOURLY"),
        ("FREQ=MINUTELY", "MINUTELY"),
        ("FREQ=SECONDLY", "SECONDLY"),
        ("FREQ=FORTNIGHTLY", "FREQ"),
        ("INTERVAL=2", "FREQ is missing"),
        ("FREQ=DAILY;X-NAME=1", "X-NAME"),
        ("FREQ=DAILY;COLOR=red", "COLOR"),
        ("FREQ=DAILY;FREQ=WEEKLY", "twice"),
        ("FREQ=DAILY;INTERVAL=two", "INTERVAL"),
        ("FREQ=DAILY;INTERVAL=0", "INTERVAL"),
        ("FREQ=DAILY;COUNT=0", "COUNT"),
        ("FREQ=DAILY;COUNT=2;UNTIL=20260301", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20250101T000000Z", "UNTIL"),
        ("FREQ=DAILY;UNTIL=2026-03-01", "UNTIL"),
        ("FREQ=DAILY;UNTIL=20261340", "UNTIL"),
        ("FREQ=WEEKLY;BYDAY=XX", "BYDAY"),
        ("FREQ=WEEKLY;WKST=XX", "WKST"),
        ("FREQ=DAILY;BYMONTHDAY=3", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTHDAY=0", "BYMONTHDAY"),
        ("FREQ=MONTHLY;BYMONTH=3", "BYMONTH"),
        ("FREQ=YEARLY;BYDAY=1MO", "BYMONTH"),
        ("FREQ=DAILY;INTERVAL=2;BYDAY=MO", "BYDAY"),
    ],
)
def test_from_rrule_refuses_what_it_cannot_hold(text: str, says: str) -> None:
    with pytest.raises(ValidationError) as raised:
        Recurrence.from_rrule(text, start=START, time_zone="Europe/Kyiv")
    assert raised.value.field == "rrule"
    assert says in raised.value.problem


def test_from_rrule_reports_start_and_zone_as_themselves() -> None:
    with pytest.raises(ValidationError) as raised:
        Recurrence.from_rrule("FREQ=DAILY", start=datetime(2026, 1, 1), time_zone="UTC")
    assert raised.value.field == "start"
    with pytest.raises(ValidationError) as raised:
        Recurrence.from_rrule("FREQ=DAILY", start=START, time_zone="Nowhere/Else")
    assert raised.value.field == "time_zone"


@pytest.mark.parametrize(
    ("rec", "text"),
    [
        (make(weekdays=(0, 2, 4)), "FREQ=WEEKLY;BYDAY=MO,WE,FR"),
        (make(interval=2, week_start=6, count=4), "FREQ=WEEKLY;INTERVAL=2;WKST=SU;COUNT=4"),
        (
            make(
                frequency="monthly",
                nth=-1,
                weekdays=(4,),
                until=datetime(2026, 6, 30, 21, tzinfo=UTC),
            ),
            "FREQ=MONTHLY;BYDAY=-1FR;UNTIL=20260630T210000Z",
        ),
        (make(frequency="yearly", month=3, month_day=-1), "FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=-1"),
    ],
)
def test_to_rrule(rec: Recurrence, text: str) -> None:
    assert rec.to_rrule() == text


# ---------------------------------------------------------------- words


@pytest.mark.parametrize(
    ("rec", "text"),
    [
        (make(weekdays=(0, 2, 4), count=10), "every week on Mon, Wed, Fri, 10 times"),
        (make(), "every week on Mon"),
        (make(frequency="daily", interval=3), "every 3 days"),
        (make(frequency="monthly"), "every month on the 5th"),
        (make(frequency="monthly", month_day=-1), "every month on the last day"),
        (make(frequency="monthly", month_day=-2), "every month on the 2nd-to-last day"),
        (
            make(frequency="monthly", nth=-1, weekdays=(4,), interval=2),
            "every 2 months on the last Fri",
        ),
        (make(frequency="yearly"), "every year on Jan 5"),
        (
            make(frequency="yearly", month=11, nth=4, weekdays=(3,)),
            "every year on the 4th Thu of Nov",
        ),
        (
            make(frequency="daily", until=datetime(2026, 3, 1, 12, tzinfo=UTC)),
            "every day, until 2026-03-01",
        ),
        (
            make(frequency="daily", exceptions=[START + timedelta(days=1)]),
            "every day, 1 skipped",
        ),
    ],
)
def test_describe(rec: Recurrence, text: str) -> None:
    assert rec.describe() == text


def test_convenience_constructors_build_the_same_rules() -> None:
    start = datetime(2026, 5, 12, 9, tzinfo=KYIV)
    assert Recurrence.yearly(start, "Europe/Kyiv", day=1) == Recurrence(
        frequency=Frequency.YEARLY, start=start, time_zone="Europe/Kyiv", month=5, month_day=1
    )
    assert Recurrence.monthly(start, "Europe/Kyiv", nth=2, weekday=1) == Recurrence(
        frequency="monthly", start=start, time_zone="Europe/Kyiv", nth=2, weekdays=(1,)
    )


@pytest.mark.parametrize("frequency", ["daily", "weekly", "monthly", "yearly"])
def test_a_start_with_a_fraction_of_a_second_is_the_first_occurrence(frequency: str) -> None:
    start = datetime(2026, 10, 24, 9, 0, 0, 731_000, tzinfo=KYIV)
    rule = Recurrence(frequency=frequency, start=start, time_zone="Europe/Kyiv", count=3)

    found = rule.occurrences(start, start + timedelta(days=800))

    assert found[0] == start
    assert rule.is_occurrence(start)
    assert rule.index_of(start) == 0
    # Each occurrence keeps the fraction, and 09:00 across the change on 10-25.
    assert {(o.hour, o.microsecond) for o in found} == {(9, 731_000)}
    assert not rule.is_occurrence(start.replace(microsecond=0))


# ---------------------------------------------------------------- dateutil's own cases
#
# The expected dates are those of python-dateutil's tests/test_rrule.py for the
# rules crmcore holds (DTSTART 1997-09-02 09:00, a Tuesday, unless given), and
# each is checked against dateutil as well.

TUESDAY_0900 = datetime(1997, 9, 2, 9, tzinfo=UTC)
DATEUTIL_CASES: list[tuple[str, datetime, list[tuple[int, ...]]]] = [
    ("FREQ=YEARLY;COUNT=3", TUESDAY_0900, [(1997, 9, 2), (1998, 9, 2), (1999, 9, 2)]),
    ("FREQ=YEARLY;COUNT=3;INTERVAL=2", TUESDAY_0900, [(1997, 9, 2), (1999, 9, 2), (2001, 9, 2)]),
    (
        "FREQ=YEARLY;COUNT=3;INTERVAL=100",
        TUESDAY_0900,
        [(1997, 9, 2), (2097, 9, 2), (2197, 9, 2)],
    ),
    ("FREQ=MONTHLY;COUNT=3", TUESDAY_0900, [(1997, 9, 2), (1997, 10, 2), (1997, 11, 2)]),
    ("FREQ=MONTHLY;COUNT=3;INTERVAL=2", TUESDAY_0900, [(1997, 9, 2), (1997, 11, 2), (1998, 1, 2)]),
    (
        "FREQ=MONTHLY;COUNT=3;INTERVAL=18",
        TUESDAY_0900,
        [(1997, 9, 2), (1999, 3, 2), (2000, 9, 2)],
    ),
    (
        "FREQ=MONTHLY;COUNT=3;BYDAY=+3MO",
        datetime(1997, 9, 1, tzinfo=UTC),
        [(1997, 9, 15, 0), (1997, 10, 20, 0), (1997, 11, 17, 0)],
    ),
    (
        "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=-1",
        datetime(2013, 12, 31, tzinfo=UTC),
        [(2013, 12, 31, 0), (2014, 1, 31, 0), (2014, 2, 28, 0), (2014, 3, 31, 0)],
    ),
    (
        "FREQ=MONTHLY;COUNT=4;BYMONTHDAY=-1",
        datetime(2015, 12, 31, tzinfo=UTC),
        [(2015, 12, 31, 0), (2016, 1, 31, 0), (2016, 2, 29, 0), (2016, 3, 31, 0)],
    ),
    ("FREQ=WEEKLY;COUNT=3", TUESDAY_0900, [(1997, 9, 2), (1997, 9, 9), (1997, 9, 16)]),
    ("FREQ=WEEKLY;COUNT=3;INTERVAL=2", TUESDAY_0900, [(1997, 9, 2), (1997, 9, 16), (1997, 9, 30)]),
    (
        "FREQ=WEEKLY;COUNT=3;INTERVAL=20",
        TUESDAY_0900,
        [(1997, 9, 2), (1998, 1, 20), (1998, 6, 9)],
    ),
    ("FREQ=WEEKLY;COUNT=3;BYDAY=TU,TH", TUESDAY_0900, [(1997, 9, 2), (1997, 9, 4), (1997, 9, 9)]),
    (
        "FREQ=WEEKLY;COUNT=3;INTERVAL=2;BYDAY=TU,SU;WKST=MO",
        TUESDAY_0900,
        [(1997, 9, 2), (1997, 9, 7), (1997, 9, 16)],
    ),
    (
        "FREQ=WEEKLY;COUNT=3;INTERVAL=2;BYDAY=TU,SU;WKST=SU",
        TUESDAY_0900,
        [(1997, 9, 2), (1997, 9, 14), (1997, 9, 16)],
    ),
    ("FREQ=DAILY;COUNT=3", TUESDAY_0900, [(1997, 9, 2), (1997, 9, 3), (1997, 9, 4)]),
    ("FREQ=DAILY;COUNT=3;INTERVAL=2", TUESDAY_0900, [(1997, 9, 2), (1997, 9, 4), (1997, 9, 6)]),
    ("FREQ=DAILY;COUNT=3;INTERVAL=92", TUESDAY_0900, [(1997, 9, 2), (1997, 12, 3), (1998, 3, 5)]),
    (
        "FREQ=DAILY;UNTIL=19970905T080000Z",
        TUESDAY_0900,
        [(1997, 9, 2), (1997, 9, 3), (1997, 9, 4)],
    ),
    (
        "FREQ=DAILY;UNTIL=19970904T090000Z",
        TUESDAY_0900,
        [(1997, 9, 2), (1997, 9, 3), (1997, 9, 4)],
    ),
    ("FREQ=DAILY;UNTIL=19970902T090000Z", TUESDAY_0900, [(1997, 9, 2)]),
]


def _at(fields: tuple[int, ...]) -> datetime:
    year, month, day, *hour = fields
    return datetime(year, month, day, *(hour or [9]), tzinfo=UTC)


@pytest.mark.parametrize(("text", "start", "expected"), DATEUTIL_CASES)
def test_dateutil_rrule_cases_give_the_same_dates(
    text: str, start: datetime, expected: list[tuple[int, ...]]
) -> None:
    rule = Recurrence.from_rrule(text, start=start, time_zone="UTC")
    end = datetime(2300, 1, 1, tzinfo=UTC)

    found = rule.occurrences(start, end)

    assert found == [_at(fields) for fields in expected]
    assert list(rrulestr(text, dtstart=start)) == found
    assert [rule.index_of(moment) for moment in found] == list(range(len(found)))


def test_a_window_with_more_than_the_limit_of_occurrences_is_refused() -> None:
    rule = Recurrence.daily(datetime(1, 1, 1, 9, tzinfo=UTC), "UTC")

    with pytest.raises(ValidationError) as raised:
        rule.occurrences(datetime(1, 1, 1, tzinfo=UTC), datetime(9999, 1, 1, tzinfo=UTC))

    assert raised.value.field == "until"
    assert raised.value.problem == (
        "the window holds more than 100,000 occurrences; ask for a shorter one"
    )
    limit = datetime(1, 1, 1, tzinfo=UTC) + timedelta(days=100_000)
    assert len(rule.occurrences(datetime(1, 1, 1, tzinfo=UTC), limit)) == 100_000
