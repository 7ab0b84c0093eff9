"""The inbox and preferences: in-app messages, and the channels each employee gets.

In-app messages land in the inbox once and are read newest first and marked
read; preferences choose an employee's channels for each kind of notice, and
nobody is told through a channel they cannot be reached by.
"""

from __future__ import annotations

import pytest

from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import (
    MONDAY,
    Team,
    assign_task,
    one_message,
    outbox_messages,
    queued_to,
    team_task,
)

__all__ = ["InboxConformance"]


BAD_PREFERENCES: list[tuple[str, str, list[str], str]] = [
    ("22", "birthday", ["in_app"], "kind"),
    ("22", "mention", ["E-Mail"], "channels"),
    ("22", "mention", ["sms", "sms"], "channels"),
    ("22", "mention", [""], "channels"),
    ("nobody", "mention", ["sms"], "employee"),
]


class InboxConformance:
    """The in-app inbox and employees' channel preferences."""

    # --- the inbox ------------------------------------------------------------------------

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

    # --- preferences ----------------------------------------------------------------------

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
