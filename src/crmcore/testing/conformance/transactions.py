"""Transactions: all or nothing, notices and fired reminders included, and safe across threads."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from crmcore import CRM
from crmcore.errors import DuplicateError
from crmcore.testing.conformance.fixtures import HOUR, MONDAY, Team, outbox_messages, team_task

__all__ = ["TransactionConformance"]


class TransactionConformance:
    """Nothing lost, nothing half-done."""

    def test_transaction_is_all_or_nothing(self, crm: CRM, seed: dict[str, Any]) -> None:
        def half_done() -> None:
            with crm.transaction():
                crm.clients.create(code="new-1", name="Новий")
                crm.events.log(seed["pdv"], type="ВхЗ", subject="у транзакції")
                crm.clients.create(code="1", name="дубль коду")

        with pytest.raises(DuplicateError):
            half_done()
        assert crm.clients.search(code="new-1") == []
        assert len(crm.timeline(seed["pdv"])) == 0
        with crm.transaction():
            crm.clients.create(code="new-2", name="Новий 2")
            crm.events.log("new-2", type="ВхЗ")
        assert len(crm.timeline("new-2")) == 1

    def test_threads_sharing_one_crm_neither_fail_nor_lose_events(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        errors: list[BaseException] = []

        def work(thread: int) -> None:
            try:
                for i in range(15):
                    crm.events.log(seed["pdv"], type="ВхЗ", subject=f"{thread}-{i}")
                    crm.timeline(seed["pdv"], limit=5)
                    crm.telephony.identify("2007")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(crm.timeline(seed["pdv"], limit=100)) == 60

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
