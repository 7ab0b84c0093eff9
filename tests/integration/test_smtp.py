"""The e-mail channel against real SMTP servers on loopback (aiosmtpd, see tests/smtp_server.py)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import unquote

import pytest

import crmcore
from crmcore.adapters.smtp import SmtpChannel
from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError, ValidationError
from crmcore.plugins import plugin_manager
from smtp_server import (
    TEMPORARY_FAILURE,
    SmtpServer,
    client_ssl_context,
    refusing_port,
    servers_fixture,
    silent_port,
)

smtp_servers = servers_fixture()

Start = Callable[..., SmtpServer]

SENDER = "CRM <crm@example.com>"
PASSWORD = "s3cret-Pa55"
BODY = "Добрий день!\n\nВам призначено задачу «Звіт за квартал».\nТермін: 15.03.\n"

_CHANNEL_SECURITY = {
    "none": "none",
    "starttls": "starttls",
    "starttls-required": "starttls",
    "implicit": "tls",
}


def make_delivery(**changes: Any) -> Delivery:
    values: dict[str, Any] = {
        "key": "notification:1",
        "kind": "task_assigned",
        "channel": "email",
        "recipient_id": uuid.UUID(int=7),
        "recipient_name": "Петрова Ірина",
        "address": "iryna@example.com",
        "subject": "Нова задача: звіт за квартал",
        "body": BODY,
        "created_at": datetime(2024, 3, 1, 9, 30, tzinfo=UTC),
    }
    values.update(changes)
    return Delivery(**values)


def channel_for(server: SmtpServer, **settings: Any) -> SmtpChannel:
    options: dict[str, Any] = {
        "sender": SENDER,
        "security": _CHANNEL_SECURITY[server.security],
        "ssl_context": server.ssl_context,
        "local_hostname": "localhost",
        "timeout": 5.0,
    }
    options.update(settings)
    return SmtpChannel(server.host, server.port, **options)


def assert_password_not_in(error: BaseException, password: str) -> None:
    seen: BaseException | None = error
    while seen is not None:
        assert password not in str(seen)
        assert password not in repr(seen)
        seen = seen.__cause__ or seen.__context__


# --- delivering ----------------------------------------------------------------


def test_plain_delivery_arrives_with_every_header_and_returns_its_message_id(
    smtp_servers: Start,
) -> None:
    server = smtp_servers()
    channel = channel_for(server, reply_to="Відділ продажів <sales@example.com>")

    message_id = channel.deliver(make_delivery())

    [received] = server.received
    message = received.message
    assert received.mail_from == "crm@example.com"
    assert received.rcpt_tos == ("iryna@example.com",)
    assert message["Message-ID"] == message_id
    assert message["From"] == SENDER
    assert message["To"] == "Петрова Ірина <iryna@example.com>"
    assert message["Reply-To"] == "Відділ продажів <sales@example.com>"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Crmcore-Key"] == "notification:1"
    assert parsedate_to_datetime(message["Date"]) == datetime(2024, 3, 1, 9, 30, tzinfo=UTC)


def test_a_reply_carries_in_reply_to_and_references_and_is_no_automatic_mail(
    smtp_servers: Start,
) -> None:
    server = smtp_servers()
    own = "a461b472cb41a9ec3dee5c90cf8e4a78.crmcore"
    delivery = make_delivery(
        kind="email_reply", in_reply_to="q-1@neptun.ua", references=(own, "q-1@neptun.ua")
    )

    channel_for(server).deliver(delivery)

    [received] = server.received
    message = received.message
    assert message["In-Reply-To"] == "<q-1@neptun.ua>"
    assert message["References"].split() == [f"<{own}@example.com>", "<q-1@neptun.ua>"]
    assert message["Auto-Submitted"] is None


def test_cyrillic_subject_body_and_names_arrive_identical_without_smtputf8(
    smtp_servers: Start,
) -> None:
    server = smtp_servers()
    delivery = make_delivery(
        recipient_name='Петрова, Ірина "Іра"',
        subject="Нагадування: дзвінок клієнту ТОВ «Світанок» о 15:00 — не забудьте підготувати "
        "комерційну пропозицію",
        body=BODY + "Рядок з дуже довгим текстом " * 20 + "\n",
    )

    channel_for(server).deliver(delivery)

    [received] = server.received
    message = received.message
    assert message["Subject"] == delivery.subject
    assert message["To"].addresses[0].display_name == 'Петрова, Ірина "Іра"'
    assert message["To"].addresses[0].addr_spec == "iryna@example.com"
    assert message["From"].addresses[0].display_name == "CRM"
    assert message.get_content_type() == "text/plain"
    assert message.get_content_charset() == "utf-8"
    # Text is encoded in MIME's canonical form, lines ending in CRLF.
    assert message.get_content().splitlines() == delivery.body.splitlines()
    # Everything travelled as 7-bit ASCII, so no server extension was needed.
    assert received.data.isascii()
    assert not received.smtputf8


def test_a_non_ascii_address_is_sent_with_smtputf8_when_the_server_offers_it(
    smtp_servers: Start,
) -> None:
    server = smtp_servers()

    channel_for(server).deliver(make_delivery(address="ірина@приклад.укр"))

    [received] = server.received
    assert received.smtputf8
    assert received.rcpt_tos == ("ірина@приклад.укр",)
    assert received.message["To"].addresses[0].addr_spec == "ірина@приклад.укр"


def test_a_non_ascii_domain_alone_is_written_as_idna_and_needs_no_smtputf8(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(smtputf8=False)

    channel_for(server).deliver(make_delivery(address="iryna@приклад.укр"))

    [received] = server.received
    assert not received.smtputf8
    assert received.rcpt_tos == ("iryna@xn--80aikifvh.xn--j1amh",)


def test_a_non_ascii_address_fails_permanently_when_the_server_lacks_smtputf8(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(smtputf8=False)

    with pytest.raises(DeliveryError, match="SMTPUTF8") as caught:
        channel_for(server).deliver(make_delivery(address="ірина@приклад.укр"))

    assert caught.value.permanent
    assert server.received == []


def test_starttls_and_login_deliver_over_an_encrypted_connection(smtp_servers: Start) -> None:
    # The server offers AUTH only after STARTTLS, so a login proves the upgrade.
    server = smtp_servers(security="starttls-required", credentials=("crm", PASSWORD))
    channel = channel_for(server, username="crm", password=PASSWORD)

    channel.deliver(make_delivery())

    assert server.logins == [("crm", "PLAIN")]
    assert len(server.messages) == 1


def test_implicit_tls_and_login_deliver(smtp_servers: Start) -> None:
    server = smtp_servers(security="implicit", credentials=("crm", PASSWORD))
    channel = channel_for(server, username="crm", password=PASSWORD)

    channel.deliver(make_delivery())

    assert server.logins == [("crm", "PLAIN")]
    assert server.messages[0]["Subject"] == "Нова задача: звіт за квартал"


def test_login_uses_auth_login_when_the_server_offers_only_that(smtp_servers: Start) -> None:
    server = smtp_servers(
        security="implicit", credentials=("crm@example.com", PASSWORD), mechanisms=("LOGIN",)
    )
    channel = channel_for(server, username="crm@example.com", password=PASSWORD)

    channel.deliver(make_delivery())

    assert server.logins == [("crm@example.com", "LOGIN")]
    assert len(server.messages) == 1


def test_a_non_ascii_user_name_and_password_log_in_with_utf8_auth_plain(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(security="implicit", credentials=("продажі", "пароль-Ї"))
    channel = channel_for(server, username="продажі", password="пароль-Ї")

    channel.deliver(make_delivery())

    assert server.logins == [("продажі", "PLAIN")]
    assert len(server.messages) == 1


def test_the_same_message_id_is_sent_on_every_retry_of_one_key(smtp_servers: Start) -> None:
    server = smtp_servers()
    channel = channel_for(server)

    first = channel.deliver(make_delivery(key="outbox:42", attempt=1))
    retry = channel.deliver(make_delivery(key="outbox:42", attempt=2))
    other = channel.deliver(make_delivery(key="outbox:43"))

    ids = [message["Message-ID"] for message in server.messages]
    assert ids == [first, retry, other]
    assert first == retry
    assert other != first
    assert first is not None
    assert first.endswith("@example.com>")
    # Another channel object with the same sender gives the same id (no state).
    assert channel_for(server).message_id("outbox:42") == first


def test_the_key_header_carries_any_key_safely_and_decodes_back(smtp_servers: Start) -> None:
    server = smtp_servers()
    key = "нагадування:42\nBcc: victim@example.com\t%" + "x" * 150

    channel_for(server).deliver(make_delivery(key=key))

    [message] = server.messages
    header = message["X-Crmcore-Key"]
    assert header.isascii()
    assert unquote(header) == key
    assert "Bcc" not in message
    assert message["To"] == "Петрова Ірина <iryna@example.com>"


def test_date_is_the_delivery_creation_time_or_now_without_one(smtp_servers: Start) -> None:
    server = smtp_servers()
    channel = channel_for(server)
    kyiv = timezone(timedelta(hours=2))

    channel.deliver(make_delivery(created_at=datetime(2024, 1, 5, 8, 0, tzinfo=kyiv)))
    before = datetime.now(UTC).replace(microsecond=0)
    channel.deliver(make_delivery(created_at=None))
    after = datetime.now(UTC)

    dated, undated = (parsedate_to_datetime(m["Date"]) for m in server.messages)
    assert dated == datetime(2024, 1, 5, 6, 0, tzinfo=UTC)
    assert before <= undated <= after


# --- failures ----------------------------------------------------------------


def test_a_wrong_password_fails_clearly_and_temporarily_without_leaking_it(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(security="starttls", credentials=("crm", PASSWORD))
    channel = channel_for(server, username="crm", password="wrong-" + PASSWORD)

    with pytest.raises(DeliveryError) as caught:
        channel.deliver(make_delivery())

    error = caught.value
    assert not error.permanent
    assert "refused the login of 'crm'" in error.problem
    assert "535" in error.problem
    assert_password_not_in(error, "wrong-" + PASSWORD)
    assert "wrong-" not in repr(channel)
    assert server.received == []


def test_no_login_where_the_server_requires_one_is_a_temporary_failure(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(security="starttls", credentials=("crm", PASSWORD))

    with pytest.raises(DeliveryError, match="530") as caught:
        channel_for(server).deliver(make_delivery())

    assert not caught.value.permanent
    assert server.received == []


def test_starttls_required_by_the_channel_but_not_offered_sends_nothing(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(security="none")
    channel = channel_for(server, security="starttls", username="crm", password=PASSWORD)

    with pytest.raises(DeliveryError, match="does not offer STARTTLS") as caught:
        channel.deliver(make_delivery())

    assert not caught.value.permanent
    assert_password_not_in(caught.value, PASSWORD)
    assert server.received == []
    assert server.logins == []


def test_an_untrusted_certificate_fails_temporarily_and_sends_nothing(
    smtp_servers: Start,
) -> None:
    server = smtp_servers(security="implicit")
    # The default context trusts the system's authorities, not the test one.
    channel = channel_for(server, ssl_context=None)

    with pytest.raises(DeliveryError, match="certificate") as caught:
        channel.deliver(make_delivery())

    assert not caught.value.permanent
    assert server.received == []


def test_a_refused_connection_is_a_temporary_failure() -> None:
    with refusing_port() as port:
        channel = SmtpChannel(
            "127.0.0.1", port, sender=SENDER, security="none", local_hostname="localhost"
        )
        with pytest.raises(DeliveryError, match="refused the connection") as caught:
            channel.deliver(make_delivery())

    assert not caught.value.permanent
    assert f"127.0.0.1:{port}" in caught.value.problem


def test_a_server_that_never_answers_times_out_temporarily() -> None:
    with silent_port() as port:
        channel = SmtpChannel(
            "127.0.0.1",
            port,
            sender=SENDER,
            security="none",
            local_hostname="localhost",
            timeout=0.3,
        )
        with pytest.raises(DeliveryError, match=r"did not answer within 0\.3 seconds") as caught:
            channel.deliver(make_delivery())

    assert not caught.value.permanent


def test_a_recipient_refused_with_550_is_a_permanent_failure(smtp_servers: Start) -> None:
    server = smtp_servers(refuse=["Gone@Example.com"])

    with pytest.raises(DeliveryError) as caught:
        channel_for(server).deliver(make_delivery(address="gone@example.com"))

    assert caught.value.permanent
    assert "refused the recipient gone@example.com: 550" in caught.value.problem
    assert "User unknown" in caught.value.problem
    assert server.received == []


def test_a_451_reply_is_a_temporary_failure_with_the_servers_words(smtp_servers: Start) -> None:
    server = smtp_servers(fail_with=TEMPORARY_FAILURE)

    with pytest.raises(DeliveryError) as caught:
        channel_for(server).deliver(make_delivery())

    assert not caught.value.permanent
    assert "451" in caught.value.problem
    assert "local error in processing" in caught.value.problem
    assert server.received == []


def test_a_message_refused_with_554_is_a_permanent_failure(smtp_servers: Start) -> None:
    server = smtp_servers(fail_with="554 5.7.1 Message rejected as spam")

    with pytest.raises(DeliveryError, match="refused the message: 554") as caught:
        channel_for(server).deliver(make_delivery())

    assert caught.value.permanent


@pytest.mark.parametrize(
    ("field", "changes"),
    [
        ("subject", {"subject": "Звіт\r\nBcc: victim@example.com"}),
        ("subject", {"subject": "Звіт\nBcc: victim@example.com"}),
        ("subject", {"subject": "Звіт\u2028Bcc: victim@example.com"}),
        ("subject", {"subject": "Звіт\x00"}),
        ("recipient_name", {"recipient_name": "Ірина\r\nBcc: victim@example.com"}),
        ("recipient_name", {"recipient_name": "Ірина\x1b[31m"}),
        ("address", {"address": "iryna@example.com\r\nBcc: victim@example.com"}),
        ("address", {"address": "iryna@example.com\n"}),
        ("address", {"address": "iryna@example.com\x85"}),
        ("in_reply_to", {"in_reply_to": "a@b\r\nBcc: victim@example.com"}),
        ("references", {"in_reply_to": "a@b", "references": ("c@d\nBcc: victim@example.com",)}),
    ],
)
def test_header_injection_is_refused_permanently_before_connecting(
    smtp_servers: Start, field: str, changes: dict[str, str]
) -> None:
    server = smtp_servers()

    with pytest.raises(DeliveryError) as caught:
        channel_for(server).deliver(make_delivery(**changes))

    assert caught.value.permanent
    assert caught.value.problem.startswith(f"{field}: contains a line break or control character")
    assert server.received == []


def test_header_injection_is_refused_without_contacting_the_server() -> None:
    # Were a connection tried, the refused port would make the error temporary.
    with refusing_port() as port:
        channel = SmtpChannel("127.0.0.1", port, sender=SENDER, security="none")
        with pytest.raises(DeliveryError, match=r"^subject:") as caught:
            channel.deliver(make_delivery(subject="a\r\nb"))

    assert caught.value.permanent


@pytest.mark.parametrize(
    "address",
    [
        "not-an-address",
        "iryna@",
        "@example.com",
        "iryna@@example.com",
        "iryna@example..com",
        "iryna@-example.com",
        "iryna.@example.com",
        "ірина петрова@example.com",
        "iryna@example.com, victim@example.com",
        "Ірина <iryna@example.com>",
        '"iryna"@example.com',
        "iryna@[127.0.0.1]",
    ],
)
def test_an_address_that_is_not_one_mailbox_fails_permanently(
    smtp_servers: Start, address: str
) -> None:
    server = smtp_servers()

    with pytest.raises(DeliveryError, match="is not a valid e-mail address") as caught:
        channel_for(server).deliver(make_delivery(address=address))

    assert caught.value.permanent
    assert caught.value.problem.startswith("address:")
    assert server.received == []


@pytest.mark.parametrize("address", ["", "   "])
def test_an_employee_without_an_address_fails_permanently(
    smtp_servers: Start, address: str
) -> None:
    server = smtp_servers()

    with pytest.raises(DeliveryError, match="employee has no e-mail address") as caught:
        channel_for(server).deliver(make_delivery(address=address))

    assert caught.value.permanent
    assert server.received == []


# --- configuration -------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://crm:secret@mail.example.com?sender=crm@example.com",
            ("mail.example.com", 587, "starttls", "crm", "secret", "crm@example.com"),
        ),
        (
            "smtp://crm:secret@mail.example.com:2525?sender=crm@example.com",
            ("mail.example.com", 2525, "starttls", "crm", "secret", "crm@example.com"),
        ),
        (
            "smtps://crm%40example.com:p%40ss%3Aw%2Frd%20%D1%97@Mail.Example.com:465/"
            "?sender=CRM%20%3Ccrm%2Bnotify@example.com%3E",
            (
                "mail.example.com",
                465,
                "tls",
                "crm@example.com",
                "p@ss:w/rd ї",
                "CRM <crm+notify@example.com>",
            ),
        ),
        (
            "SMTPS://relay.local?sender=crm+notify@example.com",
            ("relay.local", 465, "tls", None, None, "crm+notify@example.com"),
        ),
        (
            "smtp+plain://10.1.2.3:25?sender=crm@example.com",
            ("10.1.2.3", 25, "none", None, None, "crm@example.com"),
        ),
        (
            "smtp+plain://[::1]?sender=crm@example.com",
            ("::1", 25, "none", None, None, "crm@example.com"),
        ),
    ],
)
def test_from_url_reads_scheme_host_port_credentials_and_sender(
    url: str, expected: tuple[Any, ...]
) -> None:
    channel = SmtpChannel.from_url(url)

    found = (
        channel.host,
        channel.port,
        channel.security,
        channel.username,
        channel.password,
        channel.sender,
    )
    assert found == expected
    assert channel.name == "email"


def test_from_url_reads_the_optional_parameters() -> None:
    context = client_ssl_context()
    channel = SmtpChannel.from_url(
        "smtp://mail.example.com?sender=crm@example.com&reply_to=%D0%9F%D1%80%D0%BE%D0%B4"
        "%D0%B0%D0%B6%D1%96%20%3Csales@example.com%3E&timeout=2.5&local_hostname=crm.local"
        "&name=email-sales",
        ssl_context=context,
    )

    assert channel.reply_to == "Продажі <sales@example.com>"
    assert channel.timeout == 2.5
    assert channel.local_hostname == "crm.local"
    assert channel.name == "email-sales"
    assert channel.ssl_context is context


def test_a_channel_from_url_delivers(smtp_servers: Start) -> None:
    server = smtp_servers(security="implicit", credentials=("crm@example.com", "p@ss:word"))
    channel = SmtpChannel.from_url(
        f"smtps://crm%40example.com:p%40ss%3Aword@localhost:{server.port}"
        "?sender=crm@example.com&local_hostname=localhost&timeout=5",
        ssl_context=server.ssl_context,
    )

    channel.deliver(make_delivery())

    assert server.logins == [("crm@example.com", "PLAIN")]
    assert len(server.messages) == 1


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("http://mail.example.com?sender=crm@example.com", "must start with smtp://"),
        ("mail.example.com", "must start with smtp://"),
        ("smtp://?sender=crm@example.com", "names no host"),
        ("smtp://mail.example.com", "needs the sender address"),
        ("smtp://mail.example.com?sender=", "needs the sender address"),
        ("smtp://mail.example.com?reply_to=a@example.com", "needs the sender address"),
        ("smtp://mail.example.com:99999?sender=crm@example.com", "port"),
        ("smtp://mail.example.com:abc?sender=crm@example.com", "port"),
        ("smtp://mail.example.com:0?sender=crm@example.com", "port"),
        ("smtp://mail.example.com/inbox?sender=crm@example.com", "no path"),
        ("smtp://mail.example.com?sender=crm@example.com#x", "no path or fragment"),
        ("smtp://mail.example.com?sender=crm@example.com&color=red", "unknown parameter 'color'"),
        ("smtp://mail.example.com?sender=a@example.com&sender=b@example.com", "given twice"),
        ("smtp://mail.example.com?sender", "has no value"),
        ("smtp://mail.example.com?sender=crm@example.com&timeout=soon", "timeout"),
        ("smtp://mail.example.com?sender=crm@example.com&timeout=-1", "timeout"),
        ("smtp://mail.example.com?sender=not-an-address", "sender: 'not-an-address'"),
        ("smtp://mail.example.com?sender=crm@example.com&reply_to=x", "reply_to:"),
        ("smtp://crm@mail.example.com?sender=crm@example.com", "password"),
        ("smtp://crm:@mail.example.com?sender=crm@example.com", "password: must not be empty"),
        ("smtp://:pw@mail.example.com?sender=crm@example.com", "username: must not be empty"),
        ("smtp://mail.example.com?sender=crm@example.com%0D%0ABcc:x@y.z", "sender:"),
        ("smtp://mail.example.com\r\n?sender=crm@example.com", "control characters"),
    ],
)
def test_from_url_refuses_malformed_urls_naming_the_url(url: str, problem: str) -> None:
    with pytest.raises(ValidationError) as caught:
        SmtpChannel.from_url(url)

    assert caught.value.field == "url"
    assert problem in caught.value.problem


def test_from_url_errors_never_repeat_the_password() -> None:
    with pytest.raises(ValidationError) as caught:
        SmtpChannel.from_url(f"smtp://crm:{PASSWORD}@mail.example.com?sender=nobody")

    assert_password_not_in(caught.value, PASSWORD)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"security": "ssl"}, "security"),
        ({"port": 0}, "port"),
        ({"port": True}, "port"),
        ({"sender": "crm"}, "sender"),
        ({"sender": "CRM\r\n <crm@example.com>"}, "sender"),
        ({"username": "crm"}, "password"),
        ({"password": PASSWORD}, "username"),
        ({"timeout": 0}, "timeout"),
        ({"reply_to": "sales"}, "reply_to"),
        ({"name": ""}, "name"),
        ({"ssl_context": "yes"}, "ssl_context"),
    ],
)
def test_the_constructor_refuses_unusable_settings_naming_them(
    settings: dict[str, Any], field: str
) -> None:
    options: dict[str, Any] = {"sender": SENDER, **settings}
    port = options.pop("port", None)

    with pytest.raises(ValidationError) as caught:
        SmtpChannel("mail.example.com", port, **options)

    assert caught.value.field == field


def test_the_default_port_follows_the_security() -> None:
    ports = {
        security: SmtpChannel("mail.example.com", sender=SENDER, security=security).port
        for security in ("none", "starttls", "tls")
    }

    assert ports == {"none": 25, "starttls": 587, "tls": 465}


def test_repr_shows_the_settings_but_never_the_password() -> None:
    channel = SmtpChannel("mail.example.com", sender=SENDER, username="crm", password=PASSWORD)

    assert "mail.example.com" in repr(channel)
    assert "crm" in repr(channel)
    assert PASSWORD not in repr(channel)


# --- as a plugin ---------------------------------------------------------------


def test_the_channel_registers_itself_through_the_channels_hook() -> None:
    channel = SmtpChannel("mail.example.com", sender=SENDER, name="email-sales")
    registered: list[object] = []

    plugin_manager([channel]).hook.crmcore_channels(register=registered.append)

    assert [found for found in registered if isinstance(found, SmtpChannel)] == [channel]


def test_a_crm_opened_with_channels_as_plugins_offers_them_by_name() -> None:
    channel = SmtpChannel("mail.example.com", sender=SENDER)
    sales = SmtpChannel("mail.example.com", sender="sales@example.com", name="email-sales")

    with crmcore.open(plugins=[channel, sales]) as crm:
        assert crm.notifications.channels["email"] is channel
        assert crm.notifications.channels["email-sales"] is sales
