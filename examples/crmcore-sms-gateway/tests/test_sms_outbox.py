"""End to end: a task assignment leaves crmcore's outbox as one SMS, even when dispatched twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from crmcore_sms_gateway import SmsGatewayChannel
from crmcore_sms_gateway.testing import FakeGateway

import crmcore


def test_assigned_task_reaches_the_employee_as_one_sms(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    crm = crmcore.open(plugins=[channel])
    # Services are attributes of each CRM object, so ask an opened one.
    notifications: Any = getattr(crm, "notifications", None)
    if notifications is None:
        pytest.skip("this crmcore has no notification dispatcher (crm.notifications) yet")
    ivan = crm.employees.create(code="7", name="Іван", phone="+380501234567")
    notifications.set_preference(ivan, kind="task_assigned", channels=["sms"])
    crm.tasks.create(
        name="Подзвонити",
        start=datetime(2025, 3, 3, 9, tzinfo=UTC),
        end=datetime(2025, 3, 3, 18, tzinfo=UTC),
        executors=[ivan],
    )

    notifications.dispatch()
    [message] = gateway.messages
    assert message.to == "+380501234567"
    assert "Подзвонити" in message.text
    assert message.reference

    notifications.dispatch()
    assert gateway.messages == [message]
