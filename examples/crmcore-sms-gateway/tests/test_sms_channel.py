"""The channel against a real HTTP gateway: what it sends, and how it reports failures."""

from __future__ import annotations

import doctest
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from types import ModuleType

import crmcore_sms_gateway.channel
import crmcore_sms_gateway.testing
import pytest
from crmcore_sms_gateway import MAX_TEXT_LENGTH, SmsGatewayChannel, compose_text
from crmcore_sms_gateway.testing import FakeGateway

from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError, ValidationError
from crmcore.ports import Channel

PHONE = "+380501234567"


def _delivery(
    key: str = "task-1-assigned-7",
    *,
    address: str = PHONE,
    subject: str = "Нове завдання",
    body: str = "Подзвонити клієнту ДЕЛІКАТЕС ТОВ до п'ятниці",
) -> Delivery:
    return Delivery(
        key=key,
        kind="task_assigned",
        channel="sms",
        address=address,
        subject=subject,
        body=body,
    )


def _failure(channel: SmsGatewayChannel, delivery: Delivery | None = None) -> DeliveryError:
    with pytest.raises(DeliveryError) as caught:
        channel.deliver(delivery or _delivery())
    return caught.value


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port on 127.0.0.1 that refuses connections: bound, never listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def test_delivery_returns_the_gateway_id_and_the_gateway_records_the_message(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    message_id = channel.deliver(_delivery())
    [message] = gateway.messages
    assert message.id == message_id
    assert (message.to, message.sender, message.reference) == (PHONE, "ACME", "task-1-assigned-7")
    assert message.text == "Нове завдання\nПодзвонити клієнту ДЕЛІКАТЕС ТОВ до п'ятниці"
    assert message.idempotency_key == "task-1-assigned-7"


def test_cyrillic_and_other_scripts_arrive_intact(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    subject = "Пропущений дзвінок: Іван Їжакевич"
    body = "Клієнт «Нептун» — передзвоніть, будь ласка. Ёлка, ґанок, €5 ✓"
    channel.deliver(_delivery(subject=subject, body=body))
    assert [m.text for m in gateway.messages] == [f"{subject}\n{body}"]


def test_repeated_delivery_with_the_same_key_records_one_message_and_returns_the_same_id(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    first = channel.deliver(_delivery("reminder-9"))
    again = channel.deliver(_delivery("reminder-9"))
    other = channel.deliver(_delivery("reminder-10"))
    assert again == first
    assert other != first
    assert [m.reference for m in gateway.messages] == ["reminder-9", "reminder-10"]
    assert gateway.request_count == 3


def test_long_text_is_cut_to_the_sms_limit(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    body = "Опис завдання. " * 100
    channel.deliver(_delivery(body=body))
    [message] = gateway.messages
    assert MAX_TEXT_LENGTH - 2 <= len(message.text) <= MAX_TEXT_LENGTH == 480
    assert message.text.endswith("…")
    assert f"Нове завдання\n{body}".startswith(message.text.removesuffix("…"))


def test_compose_text_leaves_out_blank_parts_and_marks_a_cut() -> None:
    assert compose_text("  Тема ", "") == "Тема"
    assert compose_text("", " Текст\n") == "Текст"
    assert compose_text("Тема", "абвгд", limit=8) == "Тема\nаб…"
    assert compose_text("Тема", "абв", limit=8) == "Тема\nабв"


def test_wrong_token_is_permanent_and_the_error_never_shows_the_token(
    gateway: FakeGateway,
) -> None:
    secret = "leaked-if-you-see-this-77"
    error = _failure(SmsGatewayChannel(gateway.url, secret))
    assert error.permanent
    assert "401" in str(error)
    # The fake gateway echoes the refused token back; the channel must hide it.
    assert "bearer token" in str(error)
    assert secret not in str(error)
    assert secret not in repr(error)
    assert secret not in repr(SmsGatewayChannel(gateway.url, secret))
    assert gateway.messages == []


def test_missing_token_is_refused_permanently(gateway: FakeGateway) -> None:
    error = _failure(SmsGatewayChannel(gateway.url))
    assert error.permanent
    assert "401" in str(error)
    assert "missing" in str(error)


def test_bad_request_is_permanent_with_the_gateway_error_text(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    gateway.fail_next(400, error="sender ACME is not registered for this account")
    error = _failure(channel)
    assert error.permanent
    assert "400" in str(error)
    assert "sender ACME is not registered for this account" in str(error)


@pytest.mark.parametrize("status", [400, 403, 404, 413, 422])
def test_client_errors_are_permanent(
    gateway: FakeGateway, channel: SmsGatewayChannel, status: int
) -> None:
    gateway.fail_next(status)
    assert _failure(channel).permanent


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_rate_limits_timeouts_and_server_errors_are_temporary_and_a_retry_succeeds(
    gateway: FakeGateway, channel: SmsGatewayChannel, status: int
) -> None:
    gateway.fail_next(status, times=2)
    for _ in range(2):
        error = _failure(channel)
        assert not error.permanent
        assert str(status) in str(error)
    message_id = channel.deliver(_delivery())
    assert [m.id for m in gateway.messages] == [message_id]


def test_unreachable_gateway_is_temporary(closed_port: int) -> None:
    channel = SmsGatewayChannel(f"http://127.0.0.1:{closed_port}", "secret-token-x")
    error = _failure(channel)
    assert not error.permanent
    assert "connection refused" in str(error)
    assert f"127.0.0.1:{closed_port}/messages" in str(error)


def test_timeout_is_temporary_and_the_retry_sends_nothing_twice(gateway: FakeGateway) -> None:
    channel = SmsGatewayChannel(gateway.url, gateway.token, timeout=0.2)
    # The gateway takes the message but answers too late for the channel.
    gateway.delay_next(30.0)
    error = _failure(channel, _delivery("mention-3"))
    assert not error.permanent
    assert "no answer within 0.2 s" in str(error)
    message_id = channel.deliver(_delivery("mention-3"))
    assert [(m.id, m.reference) for m in gateway.messages] == [(message_id, "mention-3")]


def test_reply_that_is_not_json_is_temporary_and_the_retry_gets_the_id(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    gateway.garble_next()
    error = _failure(channel)
    assert not error.permanent
    assert "not JSON" in str(error)
    message_id = channel.deliver(_delivery())
    assert [m.id for m in gateway.messages] == [message_id]


def test_redirect_is_not_followed_and_is_temporary(gateway: FakeGateway) -> None:
    class Moved(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.send_response(302)
            self.send_header("Location", f"{gateway.url}/messages")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            """No access log in the test output."""

    with HTTPServer(("127.0.0.1", 0), Moved) as old_address:
        server = threading.Thread(target=old_address.handle_request)
        server.start()
        host, port = old_address.server_address[:2]
        error = _failure(SmsGatewayChannel(f"http://{host!s}:{port}", gateway.token))
        server.join()
    # Followed, the POST would have become a GET without the message.
    assert not error.permanent
    assert f"302: redirect to {gateway.url}/messages refused" in str(error)
    assert gateway.request_count == 0


@pytest.mark.parametrize(
    "address",
    ["", "0501234567", "+0501234567", "+38 050 123 45 67", "380501234567", "ivan@example.com"],
)
def test_bad_address_is_permanent_and_nothing_is_sent(
    gateway: FakeGateway, channel: SmsGatewayChannel, address: str
) -> None:
    error = _failure(channel, _delivery(address=address))
    assert error.permanent
    assert "E.164" in str(error)
    assert gateway.request_count == 0


def test_empty_notification_is_permanent_and_nothing_is_sent(
    gateway: FakeGateway, channel: SmsGatewayChannel
) -> None:
    error = _failure(channel, _delivery(subject=" ", body=""))
    assert error.permanent
    assert gateway.request_count == 0


@pytest.mark.parametrize(
    ("arguments", "field"),
    [
        ({"url": "ftp://sms.example.com"}, "url"),
        ({"url": "sms.example.com/api"}, "url"),
        ({"url": "https://"}, "url"),
        ({"url": "https://sms.example.com", "token": ""}, "token"),
        ({"url": "https://sms.example.com", "token": "a b"}, "token"),
        ({"url": "https://sms.example.com", "sender": ""}, "sender"),
        ({"url": "https://sms.example.com", "timeout": 0}, "timeout"),
        ({"url": "https://sms.example.com", "timeout": True}, "timeout"),
        ({"url": "https://sms.example.com", "name": " "}, "name"),
    ],
)
def test_unusable_settings_are_refused_naming_the_field(
    arguments: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        SmsGatewayChannel(**arguments)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_channel_satisfies_the_channel_protocol() -> None:
    sms: Channel = SmsGatewayChannel("https://sms.example.com/api/", name="sms-backup")
    assert sms.name == "sms-backup"
    assert SmsGatewayChannel("https://sms.example.com/api/").endpoint == (
        "https://sms.example.com/api/messages"
    )


@pytest.mark.parametrize(
    "module",
    [crmcore_sms_gateway, crmcore_sms_gateway.channel, crmcore_sms_gateway.testing],
    ids=lambda module: module.__name__,
)
def test_docstring_examples_run(module: ModuleType) -> None:
    result = doctest.testmod(module)
    assert result.attempted > 0
    assert result.failed == 0
