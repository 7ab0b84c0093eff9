"""Reminders, a weekly task across the spring clock change, the outbox and iCalendar.

The seed's task "задача Укрытие" gets the reminders of its card (0 minutes,
4 hours and 3 days before the start, in the app and by e-mail) and repeats
every Monday, Wednesday and Friday at 09:00.  On Sunday 29 March 2026 Kyiv
moves its clocks from +02:00 to +03:00: the occurrences stay at 09:00, and
"3 days before" is 09:00 three calendar days earlier, hours exact.

A clock that moves only when told to drives the week.  At each moment the
dispatcher makes one pass, as ``crmcore worker`` does every 30 seconds:
it creates the tasks of the occurrences that are due, fires the reminders
and delivers the outbox.  E-mail goes to a channel that only records what
it is given, so nothing leaves the machine.  Then Иванов reads his inbox,
one occurrence is skipped, the series is changed from Monday on ("this and
the following"), and the tasks are exported as iCalendar.

Run: python examples/reminders_and_recurrence.py
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import crmcore
from crmcore.domain.notifications import Delivery
from crmcore.testing import ManualClock

KYIV = ZoneInfo("Europe/Kyiv")
UTC = ZoneInfo("UTC")

#: The properties of the to-dos shown from the export; the rest (the
#: VTIMEZONE, stamps, organizer and attendees) is in the file too.
SHOWN = ("BEGIN:VTODO", "SUMMARY", "DTSTART", "DUE", "RRULE", "EXDATE", "TRIGGER", "END:VTODO")


class RecordingEmail:
    """The "email" channel, kept in memory: what an SMTP server would have been given."""

    name = "email"

    def __init__(self) -> None:
        self.sent: list[Delivery] = []

    def deliver(self, delivery: Delivery) -> str:
        self.sent.append(delivery)
        return f"<{len(self.sent)}@mail.example.com>"


def local(moment: datetime) -> str:
    """A moment as read in Kyiv, with its UTC offset."""
    return moment.astimezone(KYIV).strftime("%a %d.%m %H:%M %z")


def show_occurrences(crm: crmcore.CRM, task: crmcore.Task, since: datetime, days: int) -> None:
    for occurrence in crm.tasks.occurrences(task.id, start=since, end=since + timedelta(days=days)):
        made = occurrence.task
        state = "ещё не создана" if made is None else f"{made.name} [{made.status.label}]"
        utc = occurrence.start.astimezone(UTC)
        print(f"  {local(occurrence.start)}  (UTC {utc:%H:%M})  {state}")


def main() -> None:
    clock = ManualClock(datetime(2026, 3, 23, 10, 0, tzinfo=KYIV))  # Monday
    email = RecordingEmail()
    crm = crmcore.open(clock=clock, channels=[email])  # in memory

    kononov = crm.employees.create(
        code="3", name="Кононов Олег Васильевич", email="kononov@example.com"
    )
    ivanov = crm.employees.create(code="22", name="Иванов", email="ivanov@example.com")
    as_kononov = crm.acting_as(kononov)

    shelter = as_kononov.tasks.create(
        "задача Укрытие",
        controller=kononov,
        start=datetime(2026, 3, 27, 9, 0, tzinfo=KYIV),  # Friday, before the change
        end=datetime(2026, 3, 27, 18, 0, tzinfo=KYIV),
        executors=[ivanov],
    )

    # Напомнить за: 0 минут, 4 часов, 3 дней; отправлять на электронную почту.
    for before in ("0 минут", "4 часов", "3 дней"):
        as_kononov.reminders.add(shelter, before, channels=["in_app", "email"])
    print(f"Задача: {shelter.name}, {local(shelter.planned_start)} – {local(shelter.planned_end)}")
    print("Напомнить за:")
    for reminder in crm.reminders.of(shelter):
        assert reminder.next_at is not None
        print(f"  {reminder.describe():<18} → {local(reminder.next_at)}")

    # Повторения: каждую 1 неделю в понедельник, среду и пятницу; нет конечной даты.
    # The tasks are made three days ahead, so that the 3-day reminder is in time.
    series = as_kononov.tasks.repeat(
        shelter.id, "weekly", weekdays=["пн", "ср", "пт"], lead=timedelta(days=3)
    )
    rule = series.recurrence
    print()
    print(f"Повторения: {rule.describe()} (RRULE:{rule.to_rrule()})")
    print("Ближайшие повторения (часы переводятся в воскресенье 29.03):")
    show_occurrences(crm, shelter, datetime(2026, 3, 27, tzinfo=KYIV), 12)
    starts = crm.tasks.occurrences(
        shelter.id,
        start=datetime(2026, 3, 27, tzinfo=KYIV),
        end=datetime(2026, 4, 8, tzinfo=KYIV),
    )
    assert {o.start.astimezone(KYIV).hour for o in starts} == {9}

    # A week of dispatcher passes.
    print()
    print("Диспетчер (как crmcore worker):")
    passes = [
        datetime(2026, 3, 23, 10, 0, tzinfo=KYIV),
        datetime(2026, 3, 24, 9, 0, tzinfo=KYIV),
        datetime(2026, 3, 27, 5, 0, tzinfo=KYIV),
        datetime(2026, 3, 27, 9, 0, tzinfo=KYIV),
    ]
    for moment in passes:
        clock.now = moment
        already = len(email.sent)
        report = crm.notifications.dispatch()
        print(
            f"  {local(moment)}: задач создано {report.materialised}, "
            f"напоминаний {report.reminders}, доставлено {report.sent}"
        )
        for mail in email.sent[already:]:
            start = mail.body.splitlines()[1]  # "Начало: 30/03/2026 09:00"
            print(f"      e-mail {mail.recipient_name} <{mail.address}>: {mail.subject} ({start})")
    assert crm.notifications.dispatch().delivered_nothing  # nothing twice

    # The Monday task exists since Friday; its 3-day reminder came due at
    # 09:00: three calendar days before Monday 09:00, though the clocks moved.
    (monday,) = [
        o.task
        for o in crm.tasks.occurrences(
            shelter.id,
            start=datetime(2026, 3, 30, tzinfo=KYIV),
            end=datetime(2026, 3, 31, tzinfo=KYIV),
        )
        if o.task is not None
    ]
    print()
    print(f"Напоминания задачи на {local(monday.planned_start)}:")
    for reminder in crm.reminders.of(monday):
        due = local(reminder.moment(monday.planned_start, monday.planned_end, monday.time_zone))
        state = "отправлено" if reminder.next_at is None else "ждёт"
        print(f"  {reminder.describe():<18} → {due}  {state}")

    # Иванов's inbox: what the in-app channel delivered to him.
    print()
    print(f"Уведомления {ivanov.name}: непрочитанных {crm.notifications.unread(ivanov)}")
    for item in crm.notifications.inbox(ivanov):
        assert item.created_at is not None
        print(f"  {local(item.created_at)}  {item.subject}")
    crm.acting_as(ivanov).notifications.mark_all_read(ivanov)
    assert crm.notifications.unread(ivanov) == 0

    # No work on Wednesday 1 April: that occurrence is skipped.
    crm.tasks.skip_occurrence(shelter.id, datetime(2026, 4, 1, 9, 0, tzinfo=KYIV))
    # From Monday on the shelter is at the second warehouse, with a higher
    # priority: this occurrence and the following ones; Friday stays as it was.
    moved = as_kononov.tasks.update_series(
        monday.id, "following", name="задача Укрытие: склад №2", priority="high"
    )
    before_monday = crm.tasks.series(shelter.id)
    from_monday = crm.tasks.series(moved.id)
    assert before_monday is not None
    assert from_monday is not None
    print()
    print("Пропущено 01.04; «это и последующие» с 30.03:")
    print(f"  до понедельника: {before_monday.recurrence.describe()}")
    print(f"  с понедельника:  {from_monday.recurrence.describe()}")
    show_occurrences(crm, shelter, datetime(2026, 3, 27, tzinfo=KYIV), 1)
    show_occurrences(crm, moved, datetime(2026, 3, 30, tzinfo=KYIV), 9)

    # Both series as one iCalendar file, for a calendar program.
    ics = crm.calendar.export(tasks=[shelter.id, moved.id], name="Укрытие").decode()
    lines = ics.replace("\r\n ", "").split("\r\n")  # unfold long lines
    print()
    print(f"iCalendar ({len(ics)} байт), выдержка из VTODO:")
    inside = False
    for line in lines:
        inside = inside or line == "BEGIN:VTODO"
        if inside and line.startswith(SHOWN):
            print(f"  {line}")
        inside = inside and line != "END:VTODO"


if __name__ == "__main__":
    main()
