"""The dispatcher: delivery through channels, retries, dead letters and crash recovery.

Like the rest of the suite these tests drive crmcore only through its public
API and, to stage a dispatcher that dies mid-pass, the dispatcher's claim step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

import pytest

from crmcore.domain.notifications import MAX_ATTEMPTS, retry_delay
from crmcore.errors import NotFound, ValidationError
from crmcore.testing.conformance.fixtures import (
    HOUR,
    MONDAY,
    CrmFactory,
    RecordingChannel,
    Team,
    assign_task,
    one_message,
    outbox_messages,
    team_task,
)

__all__ = ["DispatcherConformance"]


class DispatcherConformance:
    """Delivering the outbox: one pass of the dispatcher after another."""

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
        claimed = notifications.claim(team.clock(), limit=100, lease=lease)  # then it dies
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
