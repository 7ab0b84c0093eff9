"""The IMAP adapter against a real IMAP4rev1 server on loopback (tests/imap_server.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

import crmcore
from crmcore.adapters.mail import ImapMailbox, MailLimits
from crmcore.errors import MailboxError, ValidationError
from crmcore.testing.conformance.mail import raw_mail
from dovecot_server import dovecot_server
from imap_server import ImapServer, imap_server

OURS = ["intelserv.com"]


def _message(number: int) -> bytes:
    return raw_mail(
        message_id=f"<imap-{number}@neptun.ua>",
        subject=f"Замовлення {number}",
        date=f"Wed, {number + 4:02d} Nov 2014 11:30:00 +0200",
    )


def _mailbox(server: ImapServer, password: str = "secret") -> ImapMailbox:
    return ImapMailbox(
        host=server.host,
        port=server.port,
        username="crm",
        password=password,
        security=server.security,
        ssl_context=server.ssl_context,
    )


@pytest.fixture
def crm(tmp_path: Path) -> crmcore.CRM:
    crm = crmcore.open(f"sqlite:///{tmp_path / 'crm.sqlite'}")
    crm.clients.create(code="06951937", name="Нептун", emails=["petrov@neptun.ua"])
    return crm


def _subjects(crm: crmcore.CRM) -> list[str]:
    [client] = crm.clients.search(code="06951937")
    return sorted(m.subject for m in crm.mail.of_client(client, limit=100).items)


@pytest.mark.parametrize("security", ["tls", "starttls", "none"])
def test_a_mailbox_is_read_incrementally_by_uid(crm: crmcore.CRM, security: str) -> None:
    with imap_server(security=security) as server:
        for number in (1, 2, 3):
            server.append(_message(number))
        first = crm.mail.import_imap(_mailbox(server), own_domains=OURS)
        assert (first.read, first.created) == (3, 3)
        assert crm.mail.import_imap(_mailbox(server), own_domains=OURS).read == 0
        server.append(_message(4))
        later = crm.mail.import_imap(_mailbox(server), own_domains=OURS, batch_size=1)
        assert (later.read, later.created) == (1, 1)
    assert _subjects(crm) == [f"Замовлення {n}" for n in (1, 2, 3, 4)]


def test_a_new_uidvalidity_reads_the_mailbox_again_without_duplicates(crm: crmcore.CRM) -> None:
    with imap_server() as server:
        for number in (1, 2):
            server.append(_message(number))
        crm.mail.import_imap(_mailbox(server), own_domains=OURS)
        server.rebuild()
        again = crm.mail.import_imap(_mailbox(server), own_domains=OURS)
    assert (again.read, again.created, again.duplicates) == (2, 0, 2)


def test_a_connection_dropped_mid_fetch_keeps_what_was_stored_and_goes_on_later(
    crm: crmcore.CRM,
) -> None:
    progress: list[tuple[int, int | None]] = []

    def record(done: int, total: int | None) -> None:
        progress.append((done, total))

    with imap_server(drop_after=2) as server:
        for number in range(1, 6):
            server.append(_message(number))
        with pytest.raises(MailboxError, match="run the import again"):
            crm.mail.import_imap(_mailbox(server), own_domains=OURS, batch_size=1, progress=record)
        assert _subjects(crm) == ["Замовлення 1", "Замовлення 2"]
        assert progress == [(1, 5), (2, 5)]
        server.drop_after = None
        rest = crm.mail.import_imap(_mailbox(server), own_domains=OURS)
    assert (rest.read, rest.created, rest.duplicates) == (3, 3, 0)
    assert len(_subjects(crm)) == 5


def test_a_refused_login_says_so_without_the_password_and_stores_nothing(
    crm: crmcore.CRM,
) -> None:
    with imap_server() as server:
        server.append(_message(1))
        with pytest.raises(MailboxError) as caught:
            crm.mail.import_imap(_mailbox(server, password="wrong-secret"))
        assert "refused the login" in str(caught.value)
        assert "wrong-secret" not in str(caught.value)
        with pytest.raises(MailboxError, match="ASCII"):
            crm.mail.import_imap(_mailbox(server, password="секрет"))
    assert _subjects(crm) == []


def test_a_message_over_the_size_limit_is_never_downloaded(crm: crmcore.CRM) -> None:
    with imap_server() as server:
        server.append(_message(1))
        server.append(_message(2) + b"x" * 5000)
        report = crm.mail.import_imap(
            _mailbox(server), own_domains=OURS, limits=MailLimits(message_bytes=2000)
        )
        assert server.fetched_bodies == 1
    assert (report.created, report.skipped_count) == (1, 1)
    assert "over 2000" in report.skipped[0].reason


def test_an_imap_url_names_the_mailbox_and_bad_ones_are_refused(crm: crmcore.CRM) -> None:
    with imap_server(security="none") as server:
        server.append(_message(1))
        url = f"imap+plain://crm:secret@{server.host}:{server.port}/INBOX"
        assert crm.mail.import_imap(url, own_domains=OURS).created == 1
    for url, field in (
        ("http://crm@host/INBOX", "url"),
        ("imaps://host/INBOX", "url"),
        ("imaps://crm@host/INBOX", "password"),
        ("imaps://crm:x@host:port/INBOX", "url"),
    ):
        with pytest.raises(ValidationError) as caught:
            crm.mail.import_imap(url)
        assert caught.value.field == field


def test_dovecot_over_starttls_is_read_incrementally_and_refuses_a_wrong_login(
    crm: crmcore.CRM,
) -> None:
    with dovecot_server() as server:

        def mailbox(password: str = "secret") -> ImapMailbox:
            return ImapMailbox(
                host=server.host,
                port=server.port,
                username="crm",
                password=password,
                security="starttls",
                ssl_context=server.ssl_context,
            )

        for number in (1, 2):
            server.deliver(_message(number))
        first = crm.mail.import_imap(mailbox(), own_domains=OURS)
        assert (first.read, first.created) == (2, 2)
        assert crm.mail.import_imap(mailbox(), own_domains=OURS).read == 0
        server.deliver(_message(3))
        later = crm.mail.import_imap(mailbox(), own_domains=OURS)
        assert (later.read, later.created, later.duplicates) == (1, 1, 0)
        with pytest.raises(MailboxError, match="refused the login"):
            crm.mail.import_imap(mailbox("wrong"))
    assert _subjects(crm) == [f"Замовлення {n}" for n in (1, 2, 3)]
