"""crmcore's signed JSON webhook over real HTTP on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from crmcore_pbx_webhook import WebhookReceiver, sign

import crmcore
from conftest import NOW, SECRET, post
from crmcore.domain.calls import CallOutcome


@pytest.fixture
def receiver(office: crmcore.CRM) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(office.telephony.handle, secret=SECRET, clock=lambda: NOW) as running:
        yield running


def deliver(
    receiver: WebhookReceiver, event: dict[str, object], *, at: float = NOW, secret: str = SECRET
) -> tuple[int, str]:
    body = json.dumps(event).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Crmcore-Timestamp": str(int(at)),
        "X-Crmcore-Signature": sign(secret, int(at), body),
    }
    return post(receiver.url + "/calls", body, headers)


RINGING = {
    "id": "e1",
    "call_id": "c-42",
    "kind": "ringing",
    "at": "2026-03-02T09:30:00Z",
    "direction": "incoming",
    "from": "+380442067222",
    "extension": "202",
}
ENDED = {
    "id": "e2",
    "call_id": "c-42",
    "kind": "ended",
    "at": "2026-03-02T09:30:25Z",
    "direction": "incoming",
    "from": "+380442067222",
    "outcome": "missed",
    "sip_code": 480,
}


def calls(office: crmcore.CRM) -> list[object]:
    return office.telephony.calls(office.clients.get("1"))


def test_a_signed_missed_call_becomes_one_missed_call_and_one_callback(
    office: crmcore.CRM, receiver: WebhookReceiver
) -> None:
    assert deliver(receiver, RINGING) == (204, "")
    assert deliver(receiver, ENDED) == (204, "")
    (call,) = calls(office)
    assert (call.outcome, call.ring_seconds, call.extension) == (CallOutcome.MISSED, 25, "202")
    tasks = office.tasks.registry(client=office.clients.get("1")).items
    assert [t.name for t in tasks] == ["Перезвонить: ПДВ"]


def test_redelivered_and_reordered_deliveries_change_nothing_twice(
    office: crmcore.CRM, receiver: WebhookReceiver
) -> None:
    for event in (ENDED, RINGING, ENDED, RINGING):
        assert deliver(receiver, event)[0] == 204
    (call,) = calls(office)
    assert call.outcome is CallOutcome.MISSED
    assert call.ring_seconds == 25
    assert len(office.tasks.registry(client=office.clients.get("1")).items) == 1


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"secret": "another"}, "does not match"),
        ({"at": NOW - 301}, "old"),
        ({"at": NOW + 3600}, "old"),
    ],
)
def test_a_bad_or_old_signature_is_refused_and_handles_nothing(
    office: crmcore.CRM, receiver: WebhookReceiver, change: dict[str, object], problem: str
) -> None:
    status, text = deliver(receiver, RINGING, **change)  # type: ignore[arg-type]
    assert status == 401
    assert problem in text
    assert calls(office) == []


def test_an_unsigned_delivery_is_refused(office: crmcore.CRM, receiver: WebhookReceiver) -> None:
    status, _ = post(receiver.url + "/calls", json.dumps(RINGING).encode(), {})
    assert status == 401
    assert calls(office) == []


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({**RINGING, "call_id": ""}, "call_id"),
        ({**RINGING, "kind": "exploded"}, "kind"),
        ({**RINGING, "at": "yesterday"}, "at"),
        ({**RINGING, "at": "2026-03-02T09:30:00"}, "at"),
        ({**RINGING, "extension": "two-oh-two"}, "extension"),
        ({**RINGING, "colour": "red"}, "colour"),
        ({**ENDED, "outcome": "exploded"}, "outcome"),
    ],
)
def test_a_body_that_is_no_call_event_is_a_400_naming_the_field(
    office: crmcore.CRM, receiver: WebhookReceiver, event: dict[str, object], field: str
) -> None:
    status, text = deliver(receiver, event)
    assert status == 400
    assert field in text
    assert calls(office) == []


def test_garbage_and_withheld_numbers(office: crmcore.CRM, receiver: WebhookReceiver) -> None:
    body = b"{not json"
    headers = {
        "X-Crmcore-Timestamp": str(int(NOW)),
        "X-Crmcore-Signature": sign(SECRET, int(NOW), body),
    }
    assert post(receiver.url + "/calls", body, headers)[0] == 400
    withheld = {**RINGING, "call_id": "c-43", "id": "w1", "from": "anonymous"}
    assert deliver(receiver, withheld)[0] == 204
    call = office.telephony.find("cloudpbx", "c-43")
    assert call is not None
    assert call.client_id is None
    assert call.caller_e164 is None
