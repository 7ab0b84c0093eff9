"""The notification part of the conformance suite: reminders, repeating tasks and the outbox.

:class:`NotificationConformance` is mixed into
:class:`crmcore.testing.conformance.StorageConformance`, so a backend that runs
the storage suite runs these tests too.  Like the rest of the suite they drive
crmcore only through its public API (and, to stage a dispatcher that dies
mid-pass, the dispatcher's claim step) and use the suite's fixtures:
``crm_factory`` and ``clock``, the :class:`~crmcore.testing.ManualClock` every
CRM of a test reads.

Covered: the seed card's reminder rules and whom they reach, firing them once
and repeating them until acknowledged; occurrences and reminders across the
daylight-saving changes of three zones (one of them shifting by half an hour);
repeating tasks, their copies, skipping and the three edit scopes; the
notices crmcore queues itself (assignment, status, mention, missed call,
overdue) and employees' channel preferences; the dispatcher's delivery,
retries, dead letters and crash recovery; and that a rolled-back transaction
leaves no notice behind.  Every refused call is checked to have written nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest

from crmcore import CRM, Employee, hookimpl
from crmcore.domain.notifications import MAX_ATTEMPTS, Delivery, Message, retry_delay
from crmcore.domain.reminders import Anchor, Recipient
from crmcore.domain.tasks import ExecutorStatus, Task, TaskStatus
from crmcore.errors import DeliveryError, NotFound, ValidationError
from crmcore.ports import Channel
from crmcore.testing import ManualClock

__all__ = ["NotificationConformance", "RecordingChannel"]

CrmFactory = Callable[..., CRM]
KYIV = ZoneInfo("Europe/Kyiv")
#: Monday 10 November 2014, 09:00 in Kyiv; the suite's clock starts on the 5th.
MONDAY = datetime(2014, 11, 10, 7, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)
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
#: Rules for a task starting Monday 10 November 2014, and the days of their occurrences.
RULES: list[tuple[str, dict[str, Any], int, list[str]]] = [
    ("daily", {"count": 3}, 14, ["10.11", "11.11", "12.11"]),
    ("daily", {"interval": 3, "count": 3}, 14, ["10.11", "13.11", "16.11"]),
    ("monthly", {"month_day": 10}, 100, ["10.11", "10.12", "10.01", "10.02"]),
    ("monthly", {"nth": 2, "weekdays": ["mon"]}, 100, ["10.11", "08.12", "12.01", "09.02"]),
    ("FREQ=WEEKLY;BYDAY=MO,TH;COUNT=4", {}, 30, ["10.11", "13.11", "17.11", "20.11"]),
    ("RRULE:FREQ=MONTHLY;BYDAY=2MO;COUNT=2", {}, 100, ["10.11", "08.12"]),
]
BAD_RULES: list[tuple[str, dict[str, Any], str]] = [
    ("weekly", {"weekdays": ["tue"]}, "recurrence"),  # the start is no occurrence
    ("fortnightly", {}, "recurrence"),
    ("FREQ=HOURLY", {}, "rrule"),
    ("FREQ=WEEKLY;BYDAY=XX", {}, "rrule"),
    ("FREQ=DAILY;COUNT=0", {}, "rrule"),
    ("daily", {"count": 0}, "count"),
    ("daily", {"count": -1}, "count"),
    ("daily", {"until": datetime(2014, 11, 1, tzinfo=UTC)}, "until"),
    ("daily", {"until": datetime(2014, 11, 20)}, "until"),
    ("weekly", {"weekdays": ["funday"]}, "weekdays[0]"),
    ("weekly", {"month_day": 3}, "month_day"),
]
BAD_EDITS: list[tuple[str, dict[str, Any], str]] = [
    ("sometimes", {"name": "Х"}, "scope"),
    ("all", {"start": MONDAY + HOUR}, "start"),
    ("following", {"end": MONDAY + 3 * HOUR}, "end"),
    ("this", {"recurrence": "FREQ=WEEKLY"}, "recurrence"),
    ("all", {"name": ""}, "name"),
]
BAD_PREFERENCES: list[tuple[str, str, list[str], str]] = [
    ("22", "birthday", ["in_app"], "kind"),
    ("22", "mention", ["E-Mail"], "channels"),
    ("22", "mention", ["sms", "sms"], "channels"),
    ("22", "mention", [""], "channels"),
    ("nobody", "mention", ["sms"], "employee"),
]


class RecordingChannel:
    """A notification channel plugin that keeps what it is given and fails on demand.

    Pass it as ``crmcore.open(plugins=[channel])``.  ``failures`` fails that
    many next attempts (a retry may help), ``permanent`` fails every attempt
    for good, ``crash`` raises a plain :class:`RuntimeError` as a careless
    plugin would.
    """

    def __init__(self, name: str = "email") -> None:
        self.name = name
        self.attempts: list[Delivery] = []
        self.failures = 0
        self.permanent = False
        self.crash = False

    @hookimpl
    def crmcore_channels(self, register: Callable[[Channel], None]) -> None:
        register(self)

    def deliver(self, delivery: Delivery) -> str | None:
        self.attempts.append(delivery)
        if self.crash:
            raise RuntimeError("the gateway fell over")
        if self.permanent:
            raise DeliveryError("no such mailbox", permanent=True)
        if self.failures:
            self.failures -= 1
            raise DeliveryError("the gateway is busy")
        return f"{self.name}-{len(self.attempts)}"


@dataclass(frozen=True)
class Team:
    """People who set, control, do and watch tasks, on a CRM with an e-mail channel."""

    crm: CRM
    clock: ManualClock
    mail: RecordingChannel  # the "email" channel
    boss: Employee  # 1: sets the tasks; has e-mail
    petrova: Employee  # 2: watches them; has e-mail
    oleg: Employee  # 3: controls them; has e-mail and a mobile phone
    ivanov: Employee  # 22: executor with e-mail
    melnyk: Employee  # 23: executor without e-mail or phone

    def as_(self, employee: Employee) -> CRM:
        return self.crm.acting_as(employee)

    def code(self, employee_id: UUID | None) -> str:
        people = (self.boss, self.petrova, self.oleg, self.ivanov, self.melnyk)
        return next(e.code for e in people if e.id == employee_id)

    def codes(self, employee_ids: Iterable[UUID | None]) -> list[str]:
        return sorted(self.code(employee_id) for employee_id in employee_ids)


def open_team(crm: CRM, clock: ManualClock, mail: RecordingChannel) -> Team:
    """The team's employees, created on ``crm`` whose e-mail channel is ``mail``."""
    return Team(
        crm=crm,
        clock=clock,
        mail=mail,
        boss=crm.employees.create(
            code="1", name="Бондарчук Василь Петрович", email="b@intelserv.com"
        ),
        petrova=crm.employees.create(code="2", name="Петрова Ірина", email="petrova@intelserv.com"),
        oleg=crm.employees.create(
            code="3",
            name="Кононов Олег Васильович",
            email="kononov@intelserv.com",
            phone="067 123 45 67",
        ),
        ivanov=crm.employees.create(
            code="22", name="Иванов Иван Иванович", email="ivanov@intelserv.com"
        ),
        melnyk=crm.employees.create(code="23", name="Мельник Петро"),
    )


def team_task(
    team: Team,
    name: str = "Кошторис",
    *,
    start: datetime | date = MONDAY,
    length: timedelta = 9 * HOUR,
    **options: Any,
) -> Task:
    """A task set by the boss, controlled by Кононов, done by Иванов and Мельник and
    watched by Петрова, from 09:00 to 18:00 in Kyiv unless told otherwise."""
    options.setdefault("controller", team.oleg)
    options.setdefault("executors", [team.ivanov, team.melnyk])
    options.setdefault("watchers", [team.petrova])
    crm = team.as_(team.boss)
    return crm.tasks.create(name, start=start, end=start + length, **options)


def _repeating(team: Team, rule: str = "daily", **options: Any) -> Task:
    """A task of Иванов's from Monday 09:00 to 10:00 in Kyiv, repeating by ``rule``."""
    task = team_task(team, length=HOUR, executors=[team.ivanov], watchers=[])
    team.crm.tasks.repeat(task, rule, **options)
    return team.crm.tasks.get(task.id)


def local_time(moment: datetime | None, zone: ZoneInfo = KYIV) -> str:
    """``moment`` as ``dd.mm HH:MM`` on the wall clock of ``zone`` (Kyiv unless told)."""
    assert moment is not None
    return moment.astimezone(zone).strftime("%d.%m %H:%M")


def outbox_messages(team: Team, kind: str | None = None) -> list[Message]:
    """Every stored message (of ``kind``), in the outbox's order."""
    found = team.crm.notifications.outbox(limit=10_000)
    return [m for m in found if kind is None or m.kind == kind]


def queued_to(team: Team, kind: str | None = None) -> list[tuple[str, str]]:
    """(employee code, channel) of every stored message (of ``kind``), sorted."""
    return sorted((team.code(m.recipient_id), m.channel) for m in outbox_messages(team, kind))


def one_message(team: Team, employee: Employee, channel: str, kind: str | None = None) -> Message:
    """The one message to ``employee`` through ``channel`` (of ``kind``)."""
    [found] = [
        m
        for m in team.crm.notifications.outbox(recipient=employee)
        if m.channel == channel and kind in (None, m.kind)
    ]
    return found


def assign_task(team: Team, employee: Employee, name: str = "Кошторис") -> Task:
    """A task set by the boss for ``employee`` alone: one task_assigned notice, to them."""
    return team_task(team, name, executors=[employee], watchers=[])


def _occurrence_days(team: Team, task: Task, days: int) -> list[str]:
    found = team.crm.tasks.occurrences(task.id, start=MONDAY, end=MONDAY + days * DAY)
    return [local_time(o.start)[:5] for o in found]


def _reminders_on_a_dst_change_day(
    team: Team, zone_name: str, sunday: date, day_before: str
) -> None:
    """A task at 09:00 on the Sunday the clocks change, reminded a day before and at its start."""
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
    earlier = crm.reminders.add(task, "1 day", **options)
    on_time = crm.reminders.add(task, "0 minutes", **options)
    # "1 day" is an exact duration, 24 hours back from the start instant: the
    # day before has another UTC offset, so it is not 09:00 there.
    assert earlier.next_at == instant - timedelta(hours=24)
    assert earlier.next_at.astimezone(zone).strftime("%d %H:%M") == (
        f"{(sunday - DAY).day:02d} {day_before}"
    )
    assert on_time.next_at == instant
    assert on_time.next_at.astimezone(zone).strftime("%d %H:%M") == f"{sunday.day:02d} 09:00"
    assert crm.reminders.fire(instant - timedelta(hours=24)) == 1
    assert crm.reminders.due(instant - MINUTE) == []
    [due] = crm.reminders.due(instant)
    assert due.reminder.id == on_time.id
    assert crm.reminders.fire(instant) == 1
    assert len(outbox_messages(team, "reminder")) == 2


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


class NotificationConformance:
    """Reminders, repeating tasks and notifications; mixed into StorageConformance."""

    @pytest.fixture
    def mail(self) -> RecordingChannel:
        return RecordingChannel("email")

    @pytest.fixture
    def team(self, crm_factory: CrmFactory, clock: ManualClock, mail: RecordingChannel) -> Team:
        return open_team(crm_factory(clock=clock, plugins=[mail]), clock, mail)

    # --- reminder rules --------------------------------------------------------------

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

    # --- daylight saving time --------------------------------------------------------

    @pytest.mark.parametrize(("zone_name", "sunday", "day_before"), DST_CHANGES)
    def test_notifications_dst_change_keeps_wall_times_and_exact_reminder_instants(
        self, team: Team, zone_name: str, sunday: date, day_before: str
    ) -> None:
        _reminders_on_a_dst_change_day(team, zone_name, sunday, day_before)
        _weekly_series_across_a_dst_change(team, zone_name, sunday)

    # --- repeating tasks ---------------------------------------------------------------

    def test_notifications_repeat_weekly_stores_the_series_on_the_task(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR, executors=[team.ivanov], watchers=[])
        series = crm.tasks.repeat(task, "weekly", weekdays=["mon", "wed", "fri"], count=6)
        assert (series.frequency, series.weekdays, series.count) == ("weekly", (0, 2, 4), 6)
        assert (series.template_id, series.start, series.time_zone) == (
            task.id,
            MONDAY,
            "Europe/Kyiv",
        )
        assert (series.next_at, series.materialise_at) == (MONDAY + 2 * DAY, MONDAY + DAY)
        assert crm.tasks.series(task.id) == series
        stored = crm.tasks.get(task.id)
        assert (stored.series_id, stored.occurrence) == (series.id, MONDAY)
        assert _occurrence_days(team, task, 14) == [
            "10.11",
            "12.11",
            "14.11",
            "17.11",
            "19.11",
            "21.11",
        ]

    def test_notifications_repeat_rules_give_their_occurrences(self, team: Team) -> None:
        for rule, options, days, expected in RULES:
            task = _repeating(team, rule, **options)
            assert (rule, _occurrence_days(team, task, days)) == (rule, expected)

    def test_notifications_bad_repeat_names_the_field_and_writes_nothing(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR)
        for rule, options, field in BAD_RULES:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.repeat(task, rule, **options)
            assert (rule, options, caught.value.field) == (rule, options, field)
        assert crm.tasks.series(task.id) is None
        assert crm.tasks.get(task.id) == task

    def test_notifications_repeat_option_that_is_no_part_of_a_rule_is_named(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR)
        # The series takes the task's zone; an option naming another one, or any
        # unknown option, is refused by its own name.
        cases: list[tuple[dict[str, Any], str]] = [
            ({"time_zone": "Mars/Olympus_Mons"}, "time_zone"),
            ({"colour": "red"}, "colour"),
        ]
        for options, field in cases:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.repeat(task, "daily", **options)
            assert (options, caught.value.field) == (options, field)
        assert crm.tasks.series(task.id) is None

    def test_notifications_a_task_repeats_once(self, team: Team) -> None:
        task = _repeating(team, "daily")
        series = team.crm.tasks.series(task)
        with pytest.raises(ValidationError) as caught:
            team.crm.tasks.repeat(task, "weekly")
        assert caught.value.field == "task"
        assert team.crm.tasks.series(task) == series
        assert team.crm.tasks.get(task.id) == task

    def test_notifications_materialise_creates_each_due_occurrence_once(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        assert crm.tasks.materialise(MONDAY - MINUTE) == []
        [tuesday] = crm.tasks.materialise(MONDAY)  # one day before Tuesday's occurrence
        assert local_time(tuesday.planned_start) == "11.11 09:00"
        assert crm.tasks.materialise(MONDAY) == []
        assert crm.tasks.materialise(MONDAY + HOUR) == []
        rest = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start) for t in rest] == [
            "12.11 09:00",
            "13.11 09:00",
            "14.11 09:00",
        ]
        assert crm.tasks.materialise(MONDAY + 60 * DAY) == []
        window = crm.tasks.occurrences(task.id, start=MONDAY, end=MONDAY + 60 * DAY)
        assert len(window) == 5
        made = [o.task.id for o in window if o.task is not None]
        assert made == [task.id, tuesday.id, *(t.id for t in rest)]
        series = crm.tasks.series(task.id)
        assert series is not None
        assert (series.next_at, series.materialise_at) == (None, None)

    def test_notifications_materialise_never_passes_until(self, team: Team) -> None:
        task = _repeating(team, "daily", until=MONDAY + 2 * DAY)
        made = team.crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start) for t in made] == ["11.11 09:00", "12.11 09:00"]
        assert _occurrence_days(team, task, 30) == ["10.11", "11.11", "12.11"]

    def test_notifications_until_given_as_a_date_ends_with_that_day(self, team: Team) -> None:
        task = _repeating(team, "daily", until=(MONDAY + 2 * DAY).astimezone(KYIV).date())
        assert _occurrence_days(team, task, 30) == ["10.11", "11.11", "12.11"]

    def test_notifications_calendar_shows_occurrences_not_made_yet_once(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=4)
        crm.tasks.update(task, planned_hours="2")

        def week() -> list[tuple[str, bool]]:
            calendar = crm.tasks.calendar(
                team.ivanov, start=date(2014, 11, 10), end=date(2014, 11, 16), bucket="day"
            )
            return [
                (local_time(item.start), item.unmade)
                for cell in calendar.employees[0].cells
                for item in cell.tasks
            ]

        planned = [(f"{day}.11 09:00", day > 10) for day in (10, 11, 12, 13)]
        assert week() == planned
        hours = crm.tasks.calendar(team.ivanov, start=date(2014, 11, 12), bucket="day")
        assert hours.employees[0].planned_hours == Decimal("2.00")
        crm.tasks.materialise(MONDAY + DAY)  # a day's lead: the 11th's and the 12th's
        assert week() == [(f"{day}.11 09:00", day > 12) for day in (10, 11, 12, 13)]
        crm.tasks.skip_occurrence(task, MONDAY + 3 * DAY)
        assert week() == [(f"{day}.11 09:00", False) for day in (10, 11, 12)]

    def test_notifications_materialise_follows_the_lead_time(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "weekly", lead=2 * HOUR)
        series = crm.tasks.series(task)
        assert series is not None
        assert (series.next_at, series.materialise_at) == (
            MONDAY + 7 * DAY,
            MONDAY + 7 * DAY - 2 * HOUR,
        )
        assert crm.tasks.materialise(MONDAY + 7 * DAY - 2 * HOUR - MINUTE) == []
        [made] = crm.tasks.materialise(MONDAY + 7 * DAY - 2 * HOUR)
        assert made.planned_start == MONDAY + 7 * DAY

    def test_notifications_occurrence_copies_rows_reminders_watchers_and_fields(
        self, team: Team
    ) -> None:
        crm = team.crm
        crm.fields.define("task", "note", label="Примітка", type="text")
        task = team_task(
            team,
            executors=[
                team.ivanov,
                {"employee": team.melnyk, "start": MONDAY + 2 * HOUR, "end": MONDAY + 5 * HOUR},
            ],
            fields={"note": "щотижня"},
            description="Звірити суми",
        )
        crm.reminders.add(task, "0 минут")
        crm.reminders.add(task, "1 hour", anchor="end", recipients=["watchers"])
        ivanov_row, _ = crm.tasks.executors(task)
        team.as_(team.ivanov).tasks.accept(ivanov_row)
        crm.reminders.fire(MONDAY)
        crm.tasks.repeat(task.id, "weekly")
        [copy] = crm.tasks.materialise(MONDAY + 6 * DAY)
        week = MONDAY + 7 * DAY
        assert copy.id != task.id
        assert (copy.occurrence, copy.planned_start, copy.planned_end) == (
            week,
            week,
            week + 9 * HOUR,
        )
        assert copy.series_id == crm.tasks.get(task.id).series_id
        assert (copy.name, copy.description, copy.status) == (
            "Кошторис",
            "Звірити суми",
            TaskStatus.ASSIGNED,
        )
        assert (copy.controller_id, copy.author_id) == (team.oleg.id, team.boss.id)
        assert copy.watchers == (team.petrova.id,)
        rows = crm.tasks.executors(copy)
        assert [(r.employee_id, r.status, r.planned_start, r.planned_end) for r in rows] == [
            (team.ivanov.id, ExecutorStatus.ASSIGNED, week, week + 9 * HOUR),
            (team.melnyk.id, ExecutorStatus.ASSIGNED, week + 2 * HOUR, week + 5 * HOUR),
        ]
        assert {r.task_id for r in rows} == {copy.id}
        reminders = crm.reminders.of(copy)
        assert [(r.before, r.anchor, r.next_at, r.fired) for r in reminders] == [
            (timedelta(0), Anchor.START, week, 0),
            (HOUR, Anchor.END, week + 8 * HOUR, 0),
        ]
        assert reminders[1].recipients == (Recipient.WATCHERS,)
        assert crm.fields.values(copy) == {"note": "щотижня"}
        assigned = [m for m in outbox_messages(team, "task_assigned") if m.entity_id == copy.id]
        assert team.codes(m.recipient_id for m in assigned if m.channel == "in_app") == [
            "22",
            "23",
        ]
        assert crm.tasks.executors(task)[0].status is ExecutorStatus.ACCEPTED  # the template's own

    def test_notifications_skipped_occurrence_never_becomes_a_task(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        series = crm.tasks.skip_occurrence(task.id, MONDAY + 2 * DAY)
        assert series.exceptions == (MONDAY + 2 * DAY,)
        assert _occurrence_days(team, task, 14) == ["10.11", "11.11", "13.11", "14.11"]
        made = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start)[:5] for t in made] == ["11.11", "13.11", "14.11"]

    def test_notifications_skipping_a_materialised_occurrence_cancels_its_task(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        [tuesday] = crm.tasks.materialise(MONDAY)
        crm.tasks.skip_occurrence(task.id, tuesday.planned_start)
        assert crm.tasks.get(tuesday.id).status is TaskStatus.CANCELLED
        assert crm.tasks.get(task.id).status is TaskStatus.ASSIGNED
        assert _occurrence_days(team, task, 14) == ["10.11", "12.11", "13.11", "14.11"]
        made = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [local_time(t.planned_start)[:5] for t in made] == ["12.11", "13.11", "14.11"]

    def test_notifications_skipping_what_is_no_occurrence_is_refused(self, team: Team) -> None:
        task = _repeating(team, "daily", count=5)
        team.crm.tasks.skip_occurrence(task.id, MONDAY + 3 * DAY)
        series = team.crm.tasks.series(task.id)
        # Not at the rule's time, past its count, and skipped already.
        for occurrence in (MONDAY + 2 * DAY + HOUR, MONDAY + 9 * DAY, MONDAY + 3 * DAY):
            with pytest.raises(ValidationError) as caught:
                team.crm.tasks.skip_occurrence(task.id, occurrence)
            assert caught.value.field == "occurrence"
        assert team.crm.tasks.series(task.id) == series

    def test_notifications_editing_this_occurrence_changes_only_that_task(self, team: Team) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        edited = crm.tasks.update_series(tuesday.id, "this", name="Перенесено")
        assert edited.name == "Перенесено"
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Кошторис",
            "Перенесено",
            "Кошторис",
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Кошторис", "Кошторис"]

    def test_notifications_editing_the_first_occurrence_alone_leaves_later_ones_alone(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=3)
        crm.tasks.update_series(task.id, "this", name="Лише перша")
        assert crm.tasks.get(task.id).name == "Лише перша"
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Кошторис", "Кошторис"]

    def test_notifications_editing_following_occurrences_splits_the_series(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        crm.tasks.update_series(tuesday.id, "following", name="Нове")
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Кошторис",
            "Нове",
            "Нове",
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [(t.name, local_time(t.planned_start)[:5]) for t in later] == [
            ("Нове", "13.11"),
            ("Нове", "14.11"),
        ]
        before, after = crm.tasks.series(task.id), crm.tasks.series(tuesday.id)
        assert before is not None
        assert after is not None
        assert before.id != after.id
        assert crm.tasks.series(wednesday.id) == after
        assert [t.series_id for t in later] == [after.id, after.id]
        assert _occurrence_days(team, task, 30) == ["10.11"]
        assert _occurrence_days(team, tuesday, 30) == ["11.11", "12.11", "13.11", "14.11"]

    def test_notifications_editing_all_occurrences_changes_the_open_tasks_and_the_template(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        tuesday, wednesday = crm.tasks.materialise(MONDAY + DAY)
        crm.tasks.cancel(wednesday.id)
        crm.tasks.update_series(tuesday.id, "all", name="Усі")
        assert [crm.tasks.get(t.id).name for t in (task, tuesday, wednesday)] == [
            "Усі",
            "Усі",
            "Кошторис",  # closed: left as it was
        ]
        later = crm.tasks.materialise(MONDAY + 30 * DAY)
        assert [t.name for t in later] == ["Усі", "Усі"]
        assert crm.tasks.series(task.id) == crm.tasks.series(tuesday.id)

    def test_notifications_bad_series_edit_names_the_field_and_writes_nothing(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily", count=5)
        [tuesday] = crm.tasks.materialise(MONDAY)
        series = crm.tasks.series(task.id)
        for scope, changes, field in BAD_EDITS:
            with pytest.raises(ValidationError) as caught:
                crm.tasks.update_series(tuesday.id, scope, **changes)
            assert (scope, changes, caught.value.field) == (scope, changes, field)
        assert [crm.tasks.get(t.id) for t in (task, tuesday)] == [task, tuesday]
        assert crm.tasks.series(task.id) == series

    def test_notifications_stop_repeating_keeps_the_tasks_made_and_makes_no_more(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = _repeating(team, "daily")
        [tuesday] = crm.tasks.materialise(MONDAY)
        stopped = crm.tasks.stop_repeating(task.id)
        assert (stopped.archived, stopped.next_at, stopped.materialise_at) == (True, None, None)
        assert crm.tasks.materialise(MONDAY + 30 * DAY) == []
        assert crm.tasks.get(tuesday.id).status is TaskStatus.ASSIGNED

    def test_notifications_stopped_series_shows_no_occurrences_beyond_its_tasks(
        self, team: Team
    ) -> None:
        task = _repeating(team, "daily")
        team.crm.tasks.materialise(MONDAY)
        team.crm.tasks.stop_repeating(task.id)
        assert _occurrence_days(team, task, 14) == ["10.11", "11.11"]

    def test_notifications_materialise_at_a_naive_time_is_refused(self, team: Team) -> None:
        _repeating(team, "daily")
        with pytest.raises(ValidationError) as caught:
            team.crm.tasks.materialise(datetime(2014, 11, 20, 9, 0))
        assert caught.value.field == "now"
        assert team.crm.tasks.materialise(MONDAY - MINUTE) == []

    # --- what crmcore tells people ------------------------------------------------------------

    def test_notifications_assigning_tells_the_executor_not_the_author(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, executors=[team.ivanov, team.boss, team.melnyk])
        assert queued_to(team, "task_assigned") == [
            ("22", "email"),
            ("22", "in_app"),
            ("23", "in_app"),
        ]
        mail = one_message(team, team.ivanov, "email")
        assert (mail.address, mail.subject) == (
            "ivanov@intelserv.com",
            "Назначена задача: Кошторис",
        )
        assert (mail.entity_kind, mail.entity_id, mail.status.value) == ("task", task.id, "pending")
        assert "Поставил: Бондарчук Василь Петрович" in mail.body
        team.as_(team.boss).tasks.add_executor(task, team.petrova)
        team.as_(team.oleg).tasks.add_executor(task, team.oleg)
        assert queued_to(team, "task_assigned") == [
            ("2", "email"),
            ("2", "in_app"),
            ("22", "email"),
            ("22", "in_app"),
            ("23", "in_app"),
        ]  # Кононов added himself: nobody to tell
        assert crm.notifications.outbox(recipient=team.boss) == []

    def test_notifications_status_change_tells_the_task_people_but_the_actor(
        self, team: Team
    ) -> None:
        task = team_task(team)
        ivanov_row, _ = team.crm.tasks.executors(task)
        team.as_(team.ivanov).tasks.accept(ivanov_row)
        assert queued_to(team, "task_status") == [
            ("1", "email"),
            ("1", "in_app"),
            ("2", "email"),
            ("2", "in_app"),
            ("23", "in_app"),
            ("3", "email"),
            ("3", "in_app"),
        ]
        note = one_message(team, team.boss, "in_app", "task_status")
        assert note.subject == "Кошторис: Принято"
        assert "Поставлена задача → Принято" in note.body
        team.as_(team.ivanov).tasks.start(ivanov_row)
        assert len(outbox_messages(team, "task_status")) == 14
        team.crm.tasks.postpone(task.id)
        assert team.codes(
            m.recipient_id for m in outbox_messages(team, "task_status") if m.channel == "in_app"
        ) == ["1", "1", "1", "2", "2", "2", "22", "23", "23", "23", "3", "3", "3"]

    def test_notifications_mention_tells_the_mentioned_once(self, team: Team) -> None:
        task = team_task(team)
        boss = team.as_(team.boss).discussion
        comment = boss.post(task, "@22, @1 перевірте суми", mentions=[team.petrova])
        assert queued_to(team, "mention") == [
            ("2", "email"),
            ("2", "in_app"),
            ("22", "email"),
            ("22", "in_app"),
        ]
        note = one_message(team, team.ivanov, "in_app", "mention")
        assert note.subject == "Бондарчук Василь Петрович: Кошторис"
        assert (note.entity_kind, note.entity_id) == ("task", task.id)
        boss.edit(comment, "@22 та @23, перевірте суми")
        assert queued_to(team, "mention") == [
            ("2", "email"),
            ("2", "in_app"),
            ("22", "email"),
            ("22", "in_app"),
            ("23", "in_app"),
        ]

    def test_notifications_missed_call_is_logged_and_announced_once(self, team: Team) -> None:
        crm = team.crm
        pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
        at = MONDAY - HOUR
        call = crm.telephony.missed_call("044 206 72 22", employee=team.ivanov, at=at, call_id="p1")
        assert (call.client_id, call.outcome, call.occurred_at) == (pdv.id, "пропущен", at)
        assert [e.id for e in crm.timeline(pdv)] == [call.id]
        assert queued_to(team, "missed_call") == [("22", "email"), ("22", "in_app")]
        note = one_message(team, team.ivanov, "in_app", "missed_call")
        assert note.subject == "Пропущенный звонок: ПДВ"
        assert (note.entity_kind, note.entity_id) == ("event", call.id)
        again = crm.telephony.missed_call("0442067222", employee="22", at=at, call_id="p1")
        assert again.id == call.id
        assert len(outbox_messages(team, "missed_call")) == 2
        with pytest.raises(ValidationError) as caught:
            crm.telephony.missed_call("0442067222", employee="nobody", call_id="p2")
        assert caught.value.field == "employee"
        assert len(outbox_messages(team, "missed_call")) == 2

    def test_notifications_overdue_task_is_announced_once_per_deadline(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, start=date(2014, 11, 5), length=DAY)
        deadline_passed = datetime(2014, 11, 7, 0, 0, tzinfo=KYIV)  # end of the 6th in Kyiv
        assert crm.notifications.announce_overdue(deadline_passed - MINUTE) == 0
        assert crm.notifications.announce_overdue(deadline_passed + MINUTE) == 5
        assert queued_to(team, "task_overdue") == [
            ("22", "email"),
            ("22", "in_app"),
            ("23", "in_app"),
            ("3", "email"),
            ("3", "in_app"),
        ]
        assert crm.notifications.announce_overdue(deadline_passed + HOUR) == 0
        assert crm.notifications.dispatch(deadline_passed + DAY).overdue == 0
        crm.tasks.update(task.id, end=date(2014, 11, 10))
        assert crm.notifications.announce_overdue(datetime(2014, 11, 10, 23, tzinfo=KYIV)) == 0
        report = crm.notifications.dispatch(datetime(2014, 11, 11, 0, 1, tzinfo=KYIV))
        assert report.overdue == 5
        assert len(outbox_messages(team, "task_overdue")) == 10

    def test_notifications_overdue_task_is_announced_from_its_first_overdue_moment(
        self, team: Team
    ) -> None:
        crm = team.crm
        task = team_task(team, start=date(2014, 11, 5), length=DAY)
        deadline_passed = datetime(2014, 11, 7, 0, 0, tzinfo=KYIV)
        assert not task.is_overdue(deadline_passed - MINUTE)
        assert task.is_overdue(deadline_passed)
        assert crm.notifications.announce_overdue(deadline_passed) == 5

    def test_notifications_overdue_is_judged_in_each_person_s_zone(self, team: Team) -> None:
        crm = team.crm
        crm.employees.update(team.ivanov, time_zone="America/New_York")
        team_task(team, start=date(2014, 11, 5), length=DAY, executors=[team.ivanov])
        kyiv_midnight = datetime(2014, 11, 7, 0, 0, tzinfo=KYIV)
        new_york_midnight = datetime(2014, 11, 7, 0, 0, tzinfo=ZoneInfo("America/New_York"))
        assert crm.notifications.announce_overdue(kyiv_midnight + MINUTE) == 2
        assert queued_to(team, "task_overdue") == [("3", "email"), ("3", "in_app")]
        assert crm.notifications.announce_overdue(new_york_midnight - MINUTE) == 0
        assert crm.notifications.announce_overdue(new_york_midnight) == 2
        assert team.codes(m.recipient_id for m in outbox_messages(team, "task_overdue")) == [
            "22",
            "22",
            "3",
            "3",
        ]

    def test_notifications_closed_and_long_overdue_tasks_are_not_announced(
        self, team: Team
    ) -> None:
        crm = team.crm
        done = team_task(team, "Зроблено", start=date(2014, 11, 5), length=DAY)
        crm.tasks.cancel(done.id)
        assert crm.notifications.announce_overdue(datetime(2014, 11, 7, 12, tzinfo=KYIV)) == 0
        team_task(team, "Давнє", start=date(2014, 11, 5), length=DAY)
        # Eight and a half days after the deadline: past the dispatcher's look-back.
        assert crm.notifications.announce_overdue(datetime(2014, 11, 15, 12, tzinfo=KYIV)) == 0
        assert outbox_messages(team, "task_overdue") == []
        assert crm.notifications.announce_overdue(datetime(2014, 11, 13, 12, tzinfo=KYIV)) == 5

    def test_notifications_preferences_default_and_can_be_set(self, team: Team) -> None:
        notifications = team.crm.notifications
        kinds = [
            "task_assigned",
            "task_status",
            "mention",
            "reminder",
            "task_overdue",
            "missed_call",
        ]
        assert notifications.preferences(team.ivanov) == dict.fromkeys(kinds, ("in_app", "email"))
        chosen = notifications.set_preference(team.ivanov, kind="task_assigned", channels=["sms"])
        assert (chosen.employee_id, chosen.kind, chosen.channels) == (
            team.ivanov.id,
            "task_assigned",
            ("sms",),
        )
        again = notifications.set_preference("22", kind="task_assigned", channels=["in_app"])
        assert again.id == chosen.id
        assert notifications.preferences(team.ivanov)["task_assigned"] == ("in_app",)
        assert notifications.preferences(team.ivanov)["mention"] == ("in_app", "email")
        assign_task(team, team.ivanov)
        assert queued_to(team, "task_assigned") == [("22", "in_app")]

    def test_notifications_empty_preference_opts_out(self, team: Team) -> None:
        team.crm.notifications.set_preference(team.ivanov, kind="task_status", channels=[])
        task = team_task(team)
        team.crm.tasks.postpone(task.id)
        assert team.codes(m.recipient_id for m in outbox_messages(team, "task_status")) == [
            "1",
            "1",
            "2",
            "2",
            "23",
            "3",
            "3",
        ]
        assert len(outbox_messages(team, "task_assigned")) == 3  # another kind: still told

    def test_notifications_sms_goes_to_the_mobile_number_and_only_to_those_with_one(
        self, team: Team
    ) -> None:
        for employee in (team.oleg, team.ivanov):
            team.crm.notifications.set_preference(employee, kind="task_status", channels=["sms"])
        task = team_task(team)
        team.crm.tasks.postpone(task.id)
        [sms] = [m for m in outbox_messages(team, "task_status") if m.channel == "sms"]
        assert (team.code(sms.recipient_id), sms.address) == ("3", "+380671234567")
        ivanov = team.crm.notifications.outbox(recipient=team.ivanov)
        assert {m.kind for m in ivanov} == {"task_assigned"}  # no mobile number: no SMS

    def test_notifications_reminder_preference_wins_over_the_rule_s_channels(
        self, team: Team
    ) -> None:
        team.crm.notifications.set_preference(team.oleg, kind="reminder", channels=["email"])
        task = team_task(team)
        team.crm.reminders.add(task, "1 hour", channels=["in_app"])
        team.crm.reminders.fire(MONDAY)
        assert queued_to(team, "reminder") == [("22", "in_app"), ("23", "in_app"), ("3", "email")]

    def test_notifications_bad_preference_names_the_field_and_writes_nothing(
        self, team: Team
    ) -> None:
        notifications = team.crm.notifications
        before = notifications.preferences(team.ivanov)
        for employee, kind, channels, field in BAD_PREFERENCES:
            with pytest.raises(ValidationError) as caught:
                notifications.set_preference(employee, kind=kind, channels=channels)
            assert (kind, channels, caught.value.field) == (kind, channels, field)
        assert notifications.preferences(team.ivanov) == before

    def test_notifications_employee_without_e_mail_gets_no_e_mail(self, team: Team) -> None:
        assign_task(team, team.melnyk)
        team.crm.telephony.missed_call("0442067222", employee=team.melnyk)
        assert queued_to(team) == [("23", "in_app"), ("23", "in_app")]

    def test_notifications_archived_employees_are_told_nothing(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "1 hour", recipients=["executors", "watchers"])
        crm.employees.archive(team.petrova)
        crm.employees.archive(team.melnyk)
        told = {m.id for m in outbox_messages(team)}
        crm.tasks.postpone(task.id)
        crm.reminders.fire(MONDAY)
        fresh = [m for m in outbox_messages(team) if m.id not in told]
        assert {m.kind for m in fresh} == {"task_status", "reminder"}
        assert {team.code(m.recipient_id) for m in fresh} == {"1", "22", "3"}

    # --- the dispatcher ----------------------------------------------------------------------

    def test_notifications_in_app_message_lands_in_the_inbox_exactly_once(self, team: Team) -> None:
        crm = team.crm
        task = assign_task(team, team.ivanov)
        report = crm.notifications.dispatch()
        assert (report.sent, report.failed, report.dead) == (2, 0, 0)
        assert not report.delivered_nothing
        [item] = crm.notifications.inbox(team.ivanov)
        message = one_message(team, team.ivanov, "in_app")
        assert (item.message_id, item.kind, item.subject) == (
            message.id,
            "task_assigned",
            "Назначена задача: Кошторис",
        )
        assert (item.entity_kind, item.entity_id, item.unread) == ("task", task.id, True)
        assert (message.status.value, message.attempts, message.sent_at) == (
            "sent",
            1,
            team.clock(),
        )
        team.clock.advance(hours=1)
        assert crm.notifications.dispatch().delivered_nothing
        assert crm.notifications.inbox(team.ivanov) == [item]
        assert crm.notifications.inbox(team.boss) == []

    def test_notifications_inbox_reads_newest_first_and_is_marked_read(self, team: Team) -> None:
        crm = team.crm
        notifications = crm.notifications
        assign_task(team, team.ivanov, "Перша")
        notifications.dispatch()
        team.clock.advance(minutes=5)
        assign_task(team, team.ivanov, "Друга")
        notifications.dispatch()
        second, first = notifications.inbox(team.ivanov)
        assert (first.subject, second.subject) == (
            "Назначена задача: Перша",
            "Назначена задача: Друга",
        )
        assert notifications.unread(team.ivanov) == 2
        read = notifications.mark_read(first)
        assert read.read_at == team.clock()
        assert not read.unread
        assert notifications.unread(team.ivanov) == 1
        assert notifications.inbox(team.ivanov, unread_only=True) == [second]
        assert notifications.mark_read(first.id) == read  # already read: unchanged
        assert notifications.mark_read(first, read=False).unread
        assert notifications.unread("22") == 2
        assert notifications.mark_all_read(team.ivanov) == 2
        assert notifications.unread(team.ivanov) == 0
        assert notifications.mark_all_read(team.ivanov) == 0
        assert notifications.inbox(team.ivanov, limit=1)[0].id == second.id
        with pytest.raises(ValidationError) as caught:
            notifications.inbox(team.ivanov, limit=0)
        assert caught.value.field == "limit"

    def test_notifications_channel_gets_the_message_key_address_and_subject(
        self, team: Team
    ) -> None:
        task = assign_task(team, team.ivanov)
        team.crm.notifications.dispatch()
        [delivery] = team.mail.attempts
        message = one_message(team, team.ivanov, "email")
        assert (delivery.key, delivery.channel, delivery.kind) == (
            message.key,
            "email",
            "task_assigned",
        )
        assert (delivery.address, delivery.subject, delivery.body) == (
            "ivanov@intelserv.com",
            "Назначена задача: Кошторис",
            message.body,
        )
        assert (delivery.recipient_id, delivery.recipient_name) == (
            team.ivanov.id,
            "Иванов Иван Иванович",
        )
        assert (delivery.entity_kind, delivery.entity_id, delivery.attempt) == ("task", task.id, 1)
        assert (message.status.value, message.provider_id) == ("sent", "email-1")

    def test_notifications_failed_delivery_is_retried_after_the_backoff(self, team: Team) -> None:
        notifications = team.crm.notifications
        team.mail.failures = 1
        assign_task(team, team.ivanov)
        report = notifications.dispatch()
        assert (report.sent, report.failed) == (1, 1)  # the in-app one went
        failed = one_message(team, team.ivanov, "email")
        assert (failed.status.value, failed.attempts, failed.last_error) == (
            "failed",
            1,
            "the gateway is busy",
        )
        assert failed.next_attempt_at == team.clock() + retry_delay(1)
        team.clock.advance(seconds=59)
        assert notifications.dispatch().delivered_nothing
        assert len(team.mail.attempts) == 1
        team.clock.advance(seconds=1)
        assert notifications.dispatch().sent == 1
        sent = one_message(team, team.ivanov, "email")
        assert (sent.status.value, sent.attempts, sent.sent_at) == ("sent", 2, team.clock())
        assert [d.attempt for d in team.mail.attempts] == [1, 2]
        assert len({d.key for d in team.mail.attempts}) == 1

    def test_notifications_permanent_failure_is_dead_at_once(self, team: Team) -> None:
        notifications = team.crm.notifications
        team.mail.permanent = True
        assign_task(team, team.ivanov)
        assert notifications.dispatch().dead == 1
        dead = one_message(team, team.ivanov, "email")
        assert (dead.status.value, dead.attempts, dead.last_error) == ("dead", 1, "no such mailbox")
        team.clock.advance(days=1)
        notifications.dispatch()
        assert len(team.mail.attempts) == 1
        assert notifications.outbox(status="dead") == [dead]

    def test_notifications_message_is_dead_after_the_last_attempt(self, team: Team) -> None:
        notifications = team.crm.notifications
        team.mail.failures = MAX_ATTEMPTS + 5
        assign_task(team, team.ivanov)
        statuses = []
        for attempt in range(1, MAX_ATTEMPTS + 1):
            notifications.dispatch()
            statuses.append(one_message(team, team.ivanov, "email").status.value)
            team.clock.now += retry_delay(attempt)
        assert statuses == ["failed"] * (MAX_ATTEMPTS - 1) + ["dead"]
        assert [d.attempt for d in team.mail.attempts] == list(range(1, MAX_ATTEMPTS + 1))
        team.clock.advance(days=1)
        notifications.dispatch()
        assert len(team.mail.attempts) == MAX_ATTEMPTS
        assert one_message(team, team.ivanov, "email").attempts == MAX_ATTEMPTS

    def test_notifications_retry_revives_a_dead_message(self, team: Team) -> None:
        notifications = team.crm.notifications
        team.mail.permanent = True
        assign_task(team, team.ivanov)
        notifications.dispatch()
        team.mail.permanent = False
        team.clock.advance(hours=2)
        dead = one_message(team, team.ivanov, "email")
        revived = notifications.retry(dead)
        assert (revived.status.value, revived.attempts, revived.next_attempt_at) == (
            "pending",
            0,
            team.clock(),
        )
        assert notifications.dispatch().sent == 1
        sent = one_message(team, team.ivanov, "email")
        assert (sent.status.value, sent.attempts) == ("sent", 1)
        with pytest.raises(ValidationError) as caught:
            notifications.retry(sent.id)
        assert caught.value.field == "message"
        assert one_message(team, team.ivanov, "email") == sent
        with pytest.raises(NotFound):
            notifications.retry(uuid4())

    def test_notifications_message_for_a_channel_not_registered_here_waits(
        self, team: Team, crm_factory: CrmFactory
    ) -> None:
        notifications = team.crm.notifications
        notifications.set_preference(team.oleg, kind="task_assigned", channels=["sms", "in_app"])
        assign_task(team, team.oleg)
        assert notifications.dispatch().sent == 1
        team.clock.advance(days=1)
        notifications.dispatch()
        waiting = one_message(team, team.oleg, "sms")
        assert (waiting.status.value, waiting.attempts) == ("pending", 0)
        sms = RecordingChannel("sms")
        worker = crm_factory(clock=team.clock, plugins=[sms])
        assert worker.notifications.dispatch().sent == 1
        assert [(d.key, d.address) for d in sms.attempts] == [(waiting.key, "+380671234567")]
        assert team.mail.attempts == []

    def test_notifications_channel_that_raises_breaks_neither_the_pass_nor_other_messages(
        self, team: Team
    ) -> None:
        team.mail.crash = True
        assign_task(team, team.ivanov)
        assign_task(team, team.petrova, "Звіт")
        report = team.crm.notifications.dispatch()
        assert (report.sent, report.failed, report.dead) == (2, 2, 0)
        for employee in (team.ivanov, team.petrova):
            failed = one_message(team, employee, "email")
            assert (failed.status.value, failed.last_error) == (
                "failed",
                "RuntimeError: the gateway fell over",
            )
            assert one_message(team, employee, "in_app").status.value == "sent"
            assert len(team.crm.notifications.inbox(employee)) == 1

    def test_notifications_claim_left_by_a_crashed_dispatcher_lapses_after_the_lease(
        self, team: Team
    ) -> None:
        notifications = team.crm.notifications
        assign_task(team, team.ivanov)
        lease = timedelta(minutes=5)
        claimed = notifications._claim(team.clock(), 100, lease)  # then the process dies
        assert len(claimed) == 2
        assert notifications.dispatch().delivered_nothing
        team.clock.advance(minutes=4, seconds=59)
        assert notifications.dispatch().delivered_nothing
        assert team.mail.attempts == []
        assert notifications.inbox(team.ivanov) == []
        team.clock.advance(seconds=1)
        assert notifications.dispatch().sent == 2
        assert [d.attempt for d in team.mail.attempts] == [2]
        assert len(notifications.inbox(team.ivanov)) == 1
        assert {m.status.value for m in outbox_messages(team)} == {"sent"}

    def test_notifications_dispatch_delivers_at_most_limit_messages(self, team: Team) -> None:
        notifications = team.crm.notifications
        assign_task(team, team.ivanov)
        assign_task(team, team.petrova, "Звіт")
        assert notifications.dispatch(limit=3).sent == 3
        assert notifications.dispatch(limit=3).sent == 1
        assert notifications.dispatch(limit=3).delivered_nothing

    def test_notifications_failure_in_a_pass_at_a_given_time_waits_from_that_time(
        self, team: Team
    ) -> None:
        notifications = team.crm.notifications
        team.mail.failures = 1
        assign_task(team, team.ivanov)
        later = team.clock() + 2 * HOUR
        notifications.dispatch(later)
        failed = one_message(team, team.ivanov, "email")
        assert failed.next_attempt_at == later + retry_delay(1)
        notifications.dispatch(later)
        assert len(team.mail.attempts) == 1

    def test_notifications_dispatch_also_materialises_fires_and_announces(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team, length=HOUR, executors=[team.ivanov], watchers=[])
        crm.reminders.add(task, "0 минут", recipients=["executors"], channels=["in_app"])
        crm.tasks.repeat(task.id, "daily", count=2)
        team.clock.now = MONDAY
        report = crm.notifications.dispatch()
        assert (report.materialised, report.reminders, report.overdue) == (1, 1, 0)
        kinds = sorted(item.kind for item in crm.notifications.inbox(team.ivanov))
        assert kinds == ["reminder", "task_assigned", "task_assigned"]

    def test_notifications_dispatch_at_a_naive_time_is_refused(self, team: Team) -> None:
        assign_task(team, team.ivanov)
        notifications = team.crm.notifications
        for now in (datetime(2014, 11, 10, 9, 0), "2014-11-10T09:00:00Z"):
            for call in (notifications.dispatch, notifications.announce_overdue):
                with pytest.raises(ValidationError) as caught:
                    call(now)  # type: ignore[arg-type]  # refused at run time too
                assert caught.value.field == "now"
        assert {m.status.value for m in outbox_messages(team)} == {"pending"}

    def test_notifications_outbox_filters_by_status_and_recipient(self, team: Team) -> None:
        notifications = team.crm.notifications
        assign_task(team, team.ivanov)
        assign_task(team, team.melnyk, "Звіт")
        team.mail.failures = 1
        notifications.dispatch()
        assert [m.channel for m in notifications.outbox(status="failed")] == ["email"]
        assert len(notifications.outbox(status="sent")) == 2
        assert len(notifications.outbox(recipient=team.melnyk)) == 1
        assert len(notifications.outbox(status="sent", recipient="22")) == 1
        assert len(notifications.outbox(limit=1)) == 1
        for arguments, field in (({"status": "lost"}, "status"), ({"limit": 0}, "limit")):
            with pytest.raises(ValidationError) as caught:
                notifications.outbox(**arguments)
            assert caught.value.field == field

    # --- nothing lost, nothing half-done ----------------------------------------------------

    def test_notifications_rolled_back_transaction_leaves_no_task_and_no_notice(
        self, team: Team
    ) -> None:
        crm = team.crm

        def half_done() -> None:
            with crm.transaction():
                task = team_task(team, "Не буде")
                crm.discussion.post(task, "@22 гляньте")
                assert {m.kind for m in outbox_messages(team)} == {"task_assigned", "mention"}
                raise RuntimeError("the caller changed its mind")

        with pytest.raises(RuntimeError):
            half_done()
        assert crm.tasks.registry(include_archived=True).items == []
        assert crm.notifications.outbox() == []
        assert crm.notifications.dispatch().delivered_nothing

    def test_notifications_fired_reminder_rolled_back_is_still_due(self, team: Team) -> None:
        crm = team.crm
        task = team_task(team)
        crm.reminders.add(task, "1 hour")
        queued = outbox_messages(team)

        def half_done() -> None:
            with crm.transaction():
                assert crm.reminders.fire(MONDAY) == 5
                raise RuntimeError("the worker was stopped")

        with pytest.raises(RuntimeError):
            half_done()
        assert outbox_messages(team) == queued
        [stored] = crm.reminders.of(task)
        assert (stored.next_at, stored.fired) == (MONDAY - HOUR, 0)
        assert crm.reminders.fire(MONDAY) == 5
