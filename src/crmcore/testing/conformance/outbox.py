"""The outbox: the notices crmcore queues itself, and reading them back.

Assignment, status change, mention, missed call and overdue task each tell
the right people once; the outbox is read by status and recipient.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import (
    DAY,
    HOUR,
    KYIV,
    MINUTE,
    MONDAY,
    Team,
    assign_task,
    one_message,
    outbox_messages,
    queued_to,
    team_task,
)

__all__ = ["OutboxConformance"]


class OutboxConformance:
    """What crmcore tells people, as queued in the outbox."""

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
