"""Reminders: their rules, whom they reach, firing, repeating and daylight saving time.

The seed card's reminder rules and whom they reach; firing them once and
repeating them until acknowledged; occurrences and reminders across the
daylight-saving changes of three zones (one of them shifting by half an hour).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from crmcore.domain.reminders import Anchor, Recipient
from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import (
    DAY,
    HOUR,
    MINUTE,
    MONDAY,
    Team,
    local_time,
    one_message,
    outbox_messages,
    queued_to,
    team_task,
)

__all__ = ["ReminderConformance"]


#: Each case: a zone and a Sunday its clocks change on, with the local time that
#: lies exactly 24 hours before 09:00 that Sunday.
DST_CHANGES = [
    pytest.param("Europe/Kyiv", date(2026, 3, 29), "08:00", id="kyiv-spring"),
    pytest.param("Europe/Kyiv", date(2026, 10, 25), "10:00", id="kyiv-autumn"),
    pytest.param("America/New_York", date(2026, 3, 8), "08:00", id="new-york-spring"),
    pytest.param("America/New_York", date(2026, 11, 1), "10:00", id="new-york-autumn"),
    pytest.param("Australia/Lord_Howe", date(2026, 4, 5), "09:30", id="lord-howe-april"),
    pytest.param("Australia/Lord_Howe", date(2026, 10, 4), "08:30", id="lord-howe-october"),
]
#: Bad arguments of ``crm.reminders.add`` and the field each is refused by.
BAD_REMINDERS: list[tuple[dict[str, Any], str]] = [
    ({"before": "soon"}, "before"),
    ({"before": timedelta(minutes=-5)}, "before"),
    ({"before": "-5 minutes"}, "before"),
    ({"before": timedelta(seconds=90)}, "before"),
    ({"before": "400 days"}, "before"),
    ({"before": 5}, "before"),
    ({"before": "1 day", "calendar_days": 2}, "calendar_days"),  # more than before's days
    ({"before": "1 day", "calendar_days": -1}, "calendar_days"),
    ({"before": "1 day", "calendar_days": "1"}, "calendar_days"),
    ({"before": "1 hour", "anchor": "middle"}, "anchor"),
    ({"before": "1 hour", "recipients": ["client"]}, "recipients"),
    ({"before": "1 hour", "recipients": []}, "recipients"),
    ({"before": "1 hour", "channels": ["E-Mail"]}, "channels"),
    ({"before": "1 hour", "channels": ["sms", "sms"]}, "channels"),
    ({"before": "1 hour", "channels": []}, "channels"),
    ({"before": "1 hour", "repeat_every": "0 minutes"}, "repeat_every"),
    ({"before": "1 hour", "repeat_every": timedelta(seconds=30)}, "repeat_every"),
    ({"before": "1 hour", "repeat_every": "often"}, "repeat_every"),
]
BAD_REMINDER_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"before": "soon"}, "before"),
    ({"anchor": "middle"}, "anchor"),
    ({"recipients": ["client"]}, "recipients"),
    ({"channels": ["E-Mail"]}, "channels"),
    ({"colour": "red"}, "colour"),
]


def _reminders_on_a_dst_change_day(
    team: Team, zone_name: str, sunday: date, day_before: str
) -> None:
    """A task at 09:00 on the Sunday the clocks change, reminded a day before, 24 hours
    before and at its start; and one at 09:00 the day after, reminded 3 days before."""
    crm = team.crm
    zone = ZoneInfo(zone_name)
    start = datetime.combine(sunday, time(9), tzinfo=zone)
    instant = start.astimezone(UTC)
    task = crm.tasks.create(
        "Інвентаризація",
        start=start,
        end=start + HOUR,
        time_zone=zone_name,
        executors=[team.ivanov],
    )
    options: dict[str, Any] = {"recipients": ["executors"], "channels": ["in_app"]}
    calendar_day = crm.reminders.add(task, "1 day", **options)
    exact = crm.reminders.add(task, "24 hours", **options)
    on_time = crm.reminders.add(task, "0 minutes", **options)
    # "1 day" is a calendar day: 09:00 the day before on the task's clock,
    # which is not 24 hours before when the clocks change in between.
    the_day_before = datetime.combine(sunday - DAY, time(9), tzinfo=zone)
    assert calendar_day.next_at == the_day_before.astimezone(UTC)
    assert calendar_day.next_at != instant - timedelta(hours=24)
    assert (calendar_day.before, calendar_day.calendar_days) == (DAY, 1)
    # "24 hours" is exact: the day before has another UTC offset, so not 09:00 there.
    assert exact.next_at == instant - timedelta(hours=24)
    assert exact.next_at.astimezone(zone).strftime("%d %H:%M") == (
        f"{(sunday - DAY).day:02d} {day_before}"
    )
    assert (exact.before, exact.calendar_days) == (DAY, 0)
    assert on_time.next_at == instant
    assert on_time.next_at.astimezone(zone).strftime("%d %H:%M") == f"{sunday.day:02d} 09:00"
    for moment in sorted((calendar_day.next_at, exact.next_at)):
        assert crm.reminders.fire(moment) == 1
    assert crm.reminders.due(instant - MINUTE) == []
    [due] = crm.reminders.due(instant)
    assert due.reminder.id == on_time.id
    assert crm.reminders.fire(instant) == 1
    assert len(outbox_messages(team, "reminder")) == 3

    monday = datetime.combine(sunday + DAY, time(9), tzinfo=zone)
    after = crm.tasks.create(
        "Звіт", start=monday, end=monday + HOUR, time_zone=zone_name, executors=[team.ivanov]
    )
    three_days = crm.reminders.add(after, "3 days", **options)
    a_week = crm.reminders.add(after, "1 week", anchor="end", **options)
    assert three_days.next_at == datetime.combine(sunday - 2 * DAY, time(9), tzinfo=zone)
    assert a_week.next_at == datetime.combine(sunday + DAY - 7 * DAY, time(10), tzinfo=zone)
    assert three_days.describe() == "3 дней до начала"
    assert exact.describe() == "24 часов до начала"
    # Moving the task is a new moment on the same clock.
    crm.tasks.update(after, start=monday + DAY, end=monday + DAY + HOUR)
    (moved, _) = sorted(crm.reminders.of(after), key=lambda r: r.before)
    assert moved.next_at == datetime.combine(sunday - DAY, time(9), tzinfo=zone)


def _weekly_series_across_a_dst_change(team: Team, zone_name: str, sunday: date) -> None:
    """A task at 09:00 on the Friday before, repeating Mon/Wed/Fri over the change."""
    crm = team.crm
    zone = ZoneInfo(zone_name)
    friday = datetime.combine(sunday - 2 * DAY, time(9), tzinfo=zone)
    task = crm.tasks.create(
        "Планёрка",
        start=friday,
        end=friday + HOUR,
        time_zone=zone_name,
        executors=[team.ivanov],
    )
    crm.reminders.add(task, "0 minutes", recipients=["executors"])
    crm.tasks.repeat(task, "weekly", weekdays=["mon", "wed", "fri"], count=6)
    window = crm.tasks.occurrences(task.id, start=friday, end=friday + 14 * DAY)

    def wall(moment: datetime) -> str:
        return moment.astimezone(zone).strftime("%a %H:%M")

    assert [wall(o.start) for o in window] == [
        "Fri 09:00",
        "Mon 09:00",
        "Wed 09:00",
        "Fri 09:00",
        "Mon 09:00",
        "Wed 09:00",
    ]
    assert [wall(o.end)[4:] for o in window] == ["10:00"] * 6
    offsets = [o.start.astimezone(zone).utcoffset() for o in window]
    assert offsets[0] != offsets[1]  # the clocks changed on the Sunday between
    assert window[0].task is not None
    assert window[0].task.id == task.id

    made = crm.tasks.materialise(friday + 14 * DAY)
    assert [wall(t.planned_start) for t in made] == [wall(o.start) for o in window[1:]]
    assert [t.planned_start for t in made] == [o.start for o in window[1:]]
    assert [wall(t.planned_end)[4:] for t in made] == ["10:00"] * 5
    assert [t.occurrence for t in made] == [t.planned_start for t in made]
    for copy in made:
        [row] = crm.tasks.executors(copy)
        assert wall(row.planned_start) == wall(copy.planned_start)
        [reminder] = crm.reminders.of(copy)
        assert reminder.next_at == copy.planned_start
    monday = made[0]  # the first occurrence after the change
    assert monday.id not in {d.task.id for d in crm.reminders.due(monday.planned_start - MINUTE)}
    assert monday.id in {d.task.id for d in crm.reminders.due(monday.planned_start)}


class ReminderConformance:
    """Reminder rules, their firing and daylight saving time."""

    def test_notifications_seed_reminders_count_back_from_the_tz_aware_start(
        self, team: Team
    ) -> None:
        task = team_task(team)
        for before in ("0 минут", "4 часов", "3 дней"):
            team.crm.reminders.add(task, before)
        rules = team.crm.reminders.of(task)
        assert [r.describe() for r in rules] == [
            "0 минут до начала",
            "4 часов до начала",
            "3 дней до начала",
        ]
        assert [r.next_at for r in rules] == [MONDAY, MONDAY - 4 * HOUR, MONDAY - 3 * DAY]
        assert [local_time(r.next_at) for r in rules] == [
            "10.11 09:00",
            "10.11 05:00",
            "07.11 09:00",
        ]
        first = rules[0]
        assert (first.anchor, first.fired, first.acknowledged_by) == (Anchor.START, 0, ())
        # Read back from storage as the enum members they were stored as.
        assert first.recipients == (Recipient.EXECUTORS, Recipient.CONTROLLER)
        assert all(isinstance(r, Recipient) for r in first.recipients)
        assert first.channels == ("in_app", "email")

    def test_notifications_reminder_anchored_at_the_end_counts_back_from_the_end(
        self, team: Team
    ) -> None:
        task = team_task(team)
        reminder = team.crm.reminders.add(task, "90 minutes", anchor="end")
        assert reminder.anchor is Anchor.END
        assert reminder.next_at == MONDAY + 9 * HOUR - 90 * MINUTE
        assert local_time(reminder.next_at) == "10.11 16:30"
        assert reminder.describe() == "90 минут до окончания"

    @pytest.mark.parametrize(
        ("recipients", "codes"),
        [
            (["executors"], ["22", "23"]),
            (["controller"], ["3"]),
            (["author"], ["1"]),
            (["watchers"], ["2"]),
            (["executors", "controller", "author", "watchers"], ["1", "2", "22", "23", "3"]),
        ],
    )
    def test_notifications_reminder_goes_to_the_chosen_people_of_the_task(
        self, team: Team, recipients: list[str], codes: list[str]
    ) -> None:
        task = team_task(team)
        team.crm.reminders.add(task, "1 hour", recipients=recipients, channels=["in_app"])
        [due] = team.crm.reminders.due(MONDAY - HOUR)
        assert team.codes(due.recipients) == codes
        assert team.crm.reminders.fire(MONDAY - HOUR) == len(codes)
        assert queued_to(team, "reminder") == [(code, "in_app") for code in codes]

    def test_notifications_reminder_for_the_controller_reaches_the_author_of_a_task_without_one(
        self, team: Team
    ) -> None:
        task = team_task(team, controller=None)
        team.crm.reminders.add(task, "1 hour", recipients=["controller"])
        [due] = team.crm.reminders.due(MONDAY)
        assert due.recipients == (team.boss.id,)

    def test_notifications_reminder_skips_executors_who_declined(self, team: Team) -> None:
        task = team_task(team)
        team.crm.reminders.add(task, "1 hour", recipients=["executors"])
        _, melnyk_row = team.crm.tasks.executors(task)
        team.as_(team.melnyk).tasks.decline(melnyk_row)
        [due] = team.crm.reminders.due(MONDAY)
        assert due.recipients == (team.ivanov.id,)

    def test_notifications_due_lists_exactly_the_reminders_whose_moment_has_come(
        self, team: Team
    ) -> None:
        reminders = team.crm.reminders
        first = team_task(team, "Перша")
        second = team_task(team, "Друга", start=MONDAY + DAY)
        hour_before = reminders.add(first, "1 hour")
        at_start = reminders.add(first, "0 minutes")
        next_day = reminders.add(second, "1 hour")

        def due(now: datetime) -> list[UUID]:
            return [item.reminder.id for item in reminders.due(now)]

        assert due(MONDAY - HOUR - MINUTE) == []
        assert due(MONDAY - HOUR) == [hour_before.id]
        assert due(MONDAY) == [hour_before.id, at_start.id]
        assert due(MONDAY + DAY) == [hour_before.id, at_start.id, next_day.id]
        [item] = reminders.due(MONDAY - HOUR)
        assert (item.task.id, item.at) == (first.id, MONDAY - HOUR)
        assert [r.fired for r in reminders.of(first)] == [0, 0]  # looking writes nothing

    def test_notifications_reminders_of_closed_or_archived_tasks_are_not_due(
        self, team: Team
    ) -> None:
        crm = team.crm
        done, cancelled, archived = (
            team_task(team, name, executors=[team.ivanov])
            for name in ("Зроблено", "Скасовано", "Архів")
        )
        for task in (done, cancelled, archived):
            crm.reminders.add(task, "1 hour")
        assert len(crm.reminders.due(MONDAY + DAY)) == 3
        [row] = crm.tasks.executors(done)
        crm.tasks.start(row)
        crm.tasks.finish(row)
        crm.tasks.complete(done.id)
        crm.tasks.cancel(cancelled.id)
        crm.tasks.archive(archived.id)
        assert crm.reminders.due(MONDAY + DAY) == []
        assert crm.reminders.fire(MONDAY + DAY) == 0
        assert queued_to(team, "reminder") == []

    def test_notifications_firing_queues_one_message_per_recipient_and_channel(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "4 часов")
        assert crm.reminders.fire(MONDAY - 4 * HOUR) == 5
        assert queued_to(team, "reminder") == [
            ("22", "email"),
            ("22", "in_app"),
            ("23", "in_app"),  # Мельник has no e-mail
            ("3", "email"),
            ("3", "in_app"),
        ]
        mail = one_message(team, team.ivanov, "email", "reminder")
        assert mail.address == "ivanov@intelserv.com"
        assert mail.subject == "Напоминание: Кошторис"
        assert "Начало: 10/11/2014 09:00" in mail.body
        assert "Напомнить за: 4 часов до начала" in mail.body
        assert (mail.entity_kind, mail.entity_id) == ("task", task.id)
        [stored] = crm.reminders.of(task)
        assert (stored.next_at, stored.fired) == (None, 1)

    def test_notifications_firing_twice_at_the_same_moment_queues_nothing_more(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "0 минут")
        assert crm.reminders.fire(MONDAY) == 5
        queued = outbox_messages(team)
        assert crm.reminders.fire(MONDAY) == 0
        assert crm.reminders.fire(MONDAY + DAY) == 0
        assert outbox_messages(team) == queued

    def test_notifications_repeating_reminder_nags_only_those_who_did_not_acknowledge(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        reminder = crm.reminders.add(
            task,
            "0 минут",
            recipients=["executors"],
            channels=["in_app"],
            repeat_every="30 minutes",
        )
        assert crm.reminders.fire(MONDAY) == 2
        assert crm.reminders.of(task)[0].next_at == MONDAY + 30 * MINUTE
        team.as_(team.ivanov).reminders.acknowledge(reminder)
        assert crm.reminders.fire(MONDAY + 29 * MINUTE) == 0
        assert crm.reminders.fire(MONDAY + 30 * MINUTE) == 1
        assert queued_to(team, "reminder") == [("22", "in_app"), ("23", "in_app"), ("23", "in_app")]
        assert crm.reminders.of(task)[0].next_at == MONDAY + 60 * MINUTE

    def test_notifications_repeating_reminder_stops_once_everyone_acknowledged(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        reminder = crm.reminders.add(
            task,
            "0 минут",
            recipients=["executors"],
            channels=["in_app"],
            repeat_every="30 minutes",
        )
        crm.reminders.fire(MONDAY)
        crm.reminders.acknowledge(reminder, team.ivanov)
        done = crm.reminders.acknowledge(reminder, "23")
        assert done.acknowledged_by == (team.ivanov.id, team.melnyk.id)
        assert done.next_at is None
        assert crm.reminders.due(MONDAY + DAY) == []
        assert crm.reminders.fire(MONDAY + DAY) == 0
        assert len(outbox_messages(team, "reminder")) == 2

    def test_notifications_repeating_reminder_after_a_pause_fires_once_not_in_a_burst(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(
            task,
            "0 минут",
            recipients=["executors"],
            channels=["in_app"],
            repeat_every="30 minutes",
        )
        crm.reminders.fire(MONDAY)
        assert crm.reminders.fire(MONDAY + 95 * MINUTE) == 2
        [stored] = crm.reminders.of(task)
        assert (stored.next_at, stored.fired) == (MONDAY + 120 * MINUTE, 2)

    def test_notifications_acknowledging_as_the_system_must_name_the_employee(
        self, team: Team
    ) -> None:
        reminder = team.crm.reminders.add(team_task(team), "1 hour")
        with pytest.raises(ValidationError) as caught:
            team.crm.reminders.acknowledge(reminder)
        assert caught.value.field == "employee"
        assert team.crm.reminders.of(reminder.task_id) == [reminder]

    def test_notifications_moving_the_task_makes_its_reminders_due_anew(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "1 day")
        crm.reminders.add(task, "1 hour", anchor="end")
        assert crm.reminders.fire(MONDAY + 8 * HOUR) == 10
        crm.tasks.update(task.id, start=MONDAY + 2 * DAY, end=MONDAY + 2 * DAY + 9 * HOUR)
        rules = crm.reminders.of(task)
        assert [(r.next_at, r.fired) for r in rules] == [
            (MONDAY + 2 * DAY + 8 * HOUR, 0),
            (MONDAY + DAY, 0),
        ]
        assert crm.reminders.fire(MONDAY + DAY) == 5

    def test_notifications_renaming_the_task_leaves_its_reminders_alone(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "1 hour")
        crm.reminders.fire(MONDAY)
        rules = crm.reminders.of(task)
        crm.tasks.update(task.id, name="Кошторис на дах")
        assert crm.reminders.of(task) == rules

    def test_notifications_bad_reminder_names_the_field_and_writes_nothing(
        self, team: Team
    ) -> None:
        task = team_task(team)
        kept = team.crm.reminders.add(task, "3 дней")
        for arguments, field in BAD_REMINDERS:
            with pytest.raises(ValidationError) as caught:
                team.crm.reminders.add(task, **arguments)
            assert (arguments, caught.value.field) == (arguments, field)
        for changes, field in BAD_REMINDER_CHANGES:
            with pytest.raises(ValidationError) as caught:
                team.crm.reminders.update(kept, **changes)
            assert (changes, caught.value.field) == (changes, field)
        assert team.crm.reminders.of(task) == [kept]

    def test_notifications_changed_reminder_is_due_anew_and_removed_one_never_fires(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team)
        reminder = crm.reminders.add(task, "1 hour")
        crm.reminders.fire(MONDAY)
        changed = crm.reminders.update(reminder.id, before="2 hours", channels="in_app")
        assert (changed.next_at, changed.fired, changed.channels) == (
            MONDAY - 2 * HOUR,
            0,
            ("in_app",),
        )
        crm.reminders.remove(changed.id)
        assert crm.reminders.of(task) == []
        assert crm.reminders.fire(MONDAY + DAY) == 0

    def test_notifications_reminder_of_an_unknown_task_or_at_a_naive_time_is_refused(
        self, team: Team
    ) -> None:
        with pytest.raises(ValidationError) as unknown:
            team.crm.reminders.add(uuid4(), "1 hour")
        assert unknown.value.field == "task"
        naive = datetime(2014, 11, 10, 9, 0)
        for call in (team.crm.reminders.due, team.crm.reminders.fire):
            with pytest.raises(ValidationError) as caught:
                call(naive)
            assert caught.value.field == "now"

    # --- daylight saving time -------------------------------------------------------------

    @pytest.mark.parametrize(("zone_name", "sunday", "day_before"), DST_CHANGES)
    def test_notifications_dst_change_keeps_wall_times_and_calendar_day_reminders(
        self, team: Team, zone_name: str, sunday: date, day_before: str
    ) -> None:
        _reminders_on_a_dst_change_day(team, zone_name, sunday, day_before)
        _weekly_series_across_a_dst_change(team, zone_name, sunday)
