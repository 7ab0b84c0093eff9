"""Twilio's status callbacks: its published signature example and test vector, then calls.

The vector is the one Twilio's helper library tests with (auth token
``12345``, the URL ``https://mycompany.com/myapp.php?foo=1&bar=2`` and the
example call parameters; see https://www.twilio.com/docs/usage/webhooks/webhooks-security
and twilio-python's ``tests/unit/test_request_validator.py``).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from crmcore_pbx_webhook import SignatureError, WebhookReceiver, twilio_signature, verify_twilio

import crmcore
from conftest import NOW, post
from crmcore.domain.calls import CallOutcome

TOKEN = "12345"
URL = "https://mycompany.com/myapp.php?foo=1&bar=2"
PARAMS = {
    "CallSid": "CA1234567890ABCDE",
    "Caller": "+14158675309",
    "Digits": "1234",
    "From": "+14158675309",
    "To": "+18005551212",
}
SIGNATURE = "RSOYDt4T1cUTdK1PDd93/VVr8B8="


def test_the_published_vector_signs_as_twilio_says() -> None:
    assert twilio_signature(TOKEN, URL, PARAMS) == SIGNATURE
    verify_twilio(TOKEN, SIGNATURE, URL, PARAMS)
    with pytest.raises(SignatureError):
        verify_twilio(TOKEN, SIGNATURE, URL, {**PARAMS, "Digits": "1235"})


@pytest.fixture
def receiver(office: crmcore.CRM) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(
        office.telephony.handle,
        twilio_auth_token=TOKEN,
        public_url="https://mycompany.com",
        twilio_path="/myapp.php",
        lines={"+380445551000": "202"},
        clock=lambda: NOW,
    ) as running:
        yield running


def send(
    receiver: WebhookReceiver, params: dict[str, str], signature: str | None = None
) -> tuple[int, str]:
    signature = signature or twilio_signature(TOKEN, URL, params)
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    return post(receiver.url + "/myapp.php?foo=1&bar=2", urlencode(params).encode(), headers)


def test_the_published_example_request_passes_the_signature_over_http(
    office: crmcore.CRM, receiver: WebhookReceiver
) -> None:
    # Signed right, but Twilio's example is a <Gather> request, no status callback.
    assert send(receiver, PARAMS, SIGNATURE) == (400, "CallStatus: is required")
    tampered = {**PARAMS, "From": "+14158675310"}
    assert send(receiver, tampered, SIGNATURE)[0] == 401


def callback(status: str, sequence: int, at: str, **extra: str) -> dict[str, str]:
    return {
        "CallSid": "CA0000000000000000000000000000001",
        "AccountSid": "AC0000000000000000000000000000001",
        "From": "+380442067222",
        "To": "+380445551000",
        "Direction": "inbound",
        "CallStatus": status,
        "Timestamp": at,
        "SequenceNumber": str(sequence),
        "CallbackSource": "call-progress-events",
        **extra,
    }


def test_an_answered_call_from_status_callbacks_replayed_and_reordered(
    office: crmcore.CRM, receiver: WebhookReceiver
) -> None:
    ringing = callback("ringing", 0, "Mon, 02 Mar 2026 09:30:00 +0000")
    answered = callback("in-progress", 1, "Mon, 02 Mar 2026 09:30:06 +0000")
    completed = callback(
        "completed", 2, "Mon, 02 Mar 2026 09:31:06 +0000", CallDuration="60", SipResponseCode="200"
    )
    for params in (completed, ringing, answered, completed, ringing):
        assert send(receiver, params)[0] == 204
    (call,) = office.telephony.calls(office.clients.get("1"))
    assert (call.source, call.pbx_id) == ("twilio", "CA0000000000000000000000000000001")
    assert (call.outcome, call.ring_seconds, call.talk_seconds) == (CallOutcome.ANSWERED, 6, 60)
    assert office.events.get(call.event_id).type_code == "ВхЗ"
    # The number called is Iryna's line: the call is hers.
    assert (call.extension, call.employee_id) == ("202", office.employees.get("2").id)


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("busy", CallOutcome.BUSY),
        ("no-answer", CallOutcome.MISSED),
        ("canceled", CallOutcome.CANCELLED),
        ("failed", CallOutcome.FAILED),
    ],
)
def test_unanswered_statuses_map_to_the_outcome_vocabulary(
    office: crmcore.CRM, receiver: WebhookReceiver, status: str, outcome: CallOutcome
) -> None:
    assert send(receiver, callback(status, 3, "Mon, 02 Mar 2026 09:30:20 +0000"))[0] == 204
    (call,) = office.telephony.calls(office.clients.get("1"))
    assert call.outcome is outcome


def test_queued_is_accepted_and_makes_no_call(
    office: crmcore.CRM, receiver: WebhookReceiver
) -> None:
    assert send(receiver, callback("queued", 0, "Mon, 02 Mar 2026 09:30:00 +0000"))[0] == 204
    assert office.telephony.calls(office.clients.get("1")) == []


def test_an_unknown_status_is_a_400(office: crmcore.CRM, receiver: WebhookReceiver) -> None:
    status, text = send(receiver, callback("exploded", 0, "Mon, 02 Mar 2026 09:30:00 +0000"))
    assert status == 400
    assert "CallStatus" in text
