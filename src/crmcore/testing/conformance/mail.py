"""E-mail history: import, matching, threads, automatic mail, idempotency, replies."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from typing import Any

import pytest

from crmcore import CRM
from crmcore.domain.mail import MailKind, MatchReason, crmcore_message_id
from crmcore.errors import ValidationError
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import CrmFactory, Team, outbox_messages, team_task

__all__ = ["MailConformance", "raw_mail"]

OURS = ["intelserv.com"]


def raw_mail(
    *,
    sender: str = "Іван Петров <petrov@neptun.ua>",
    to: str = "Ірина Петрова <petrova@intelserv.com>",
    subject: str = "Рахунок №15",
    message_id: str | None = "<r-1@neptun.ua>",
    date: str = "Wed, 05 Nov 2014 11:30:00 +0200",
    body: str = "Добрий день, надішліть рахунок.",
    headers: dict[str, str] | None = None,
) -> bytes:
    """A plain-text message as bytes, UTF-8, with the headers given."""
    lines = [f"From: {sender}", f"To: {to}", f"Subject: {subject}", f"Date: {date}"]
    if message_id is not None:
        lines.append(f"Message-ID: {message_id}")
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines += ["MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "", body, ""]
    return "\r\n".join(lines).encode("utf-8")


def _neptune(crm: CRM) -> dict[str, Any]:
    petrova = crm.employees.create(code="2", name="Петрова Ірина", email="petrova@intelserv.com")
    neptune = crm.clients.create(code="06951937", name="Нептун", emails=["office@neptun.ua"])
    petrov = crm.contacts.create(neptune, name="Петров Іван", email="Petrov@Neptun.ua")
    pdv = crm.clients.create(code="1", name="ПДВ", emails=["buh@pdv.com.ua"])
    return {"petrova": petrova, "neptune": neptune, "petrov": petrov, "pdv": pdv}


def _stored(crm: CRM) -> tuple[object, ...]:
    """Everything an import that must write nothing could have written."""
    clients = crm.clients.search(include_archived=True, limit=1000)
    return (
        tuple(crm.mail.unmatched(limit=1000).items),
        tuple(tuple(crm.mail.of_client(c, limit=1000).items) for c in clients),
        tuple(tuple(crm.timeline(c, limit=1000)) for c in clients),
        tuple(crm.notifications.outbox(limit=1000)),
    )


class MailConformance:
    """``crm.mail``: e-mail on the client timeline."""

    def test_an_email_becomes_an_event_of_its_contact_person_with_cc_and_its_parts(
        self, crm: CRM
    ) -> None:
        people = _neptune(crm)
        body = (
            "Згоден, підписуємо.\r\n-- \r\nІван Петров\r\n\r\n"
            "On Tue, 4 Nov 2014, Ірина Петрова wrote:\r\n> Ціна 5 грн?"
        )
        raw = raw_mail(body=body, headers={"Cc": "office@neptun.ua, boss@neptun.ua,"})
        report = crm.mail.import_message(raw, own_domains=OURS)
        assert (report.read, report.created, report.unmatched) == (1, 1, 0)
        [entry] = crm.timeline(people["neptune"])
        assert (entry.type_code, entry.title, entry.contact_id) == (
            "ВхП",
            "Рахунок №15",
            people["petrov"].id,
        )
        [mail] = crm.mail.of_client(people["neptune"]).items
        assert mail.match_reason is MatchReason.CONTACT
        assert mail.matched_address == "petrov@neptun.ua"
        assert mail.sent_at == datetime(2014, 11, 5, 9, 30, tzinfo=UTC)
        assert mail.sender == "Іван Петров <petrov@neptun.ua>"
        assert mail.cc == ("office@neptun.ua", "boss@neptun.ua")
        assert (mail.text, mail.signature) == ("Згоден, підписуємо.", "Іван Петров")
        assert mail.quoted.startswith("On Tue, 4 Nov 2014")
        assert "> Ціна 5 грн?" in mail.quoted
        assert mail.employee_id == people["petrova"].id
        assert crm.mail.for_events([entry.source_id])[entry.source_id] == mail
        assert crm.events.get(entry.source_id).details == "Згоден, підписуємо."

    def test_outgoing_mail_is_ours_by_sender_and_matches_the_recipient(self, crm: CRM) -> None:
        people = _neptune(crm)
        raw = raw_mail(
            sender="Петрова Ірина <petrova@intelserv.com>",
            to="buh@pdv.com.ua",
            message_id="<out-1@intelserv.com>",
        )
        crm.mail.import_message(raw)  # an employee's address is ours without being told
        [entry] = crm.timeline(people["pdv"])
        assert (entry.type_code, entry.employee_id) == ("ИсхП", people["petrova"].id)
        [mail] = crm.mail.of_client(people["pdv"]).items
        assert (mail.match_reason, mail.direction.value) == (MatchReason.CLIENT, "outgoing")

    def test_domain_matches_a_client_but_a_public_domain_never_and_unmatched_wait_for_review(
        self, crm: CRM
    ) -> None:
        people = _neptune(crm)
        crm.mail.import_message(
            raw_mail(sender="kasa@neptun.ua", message_id="<d-1@neptun.ua>"), own_domains=OURS
        )
        crm.clients.create(code="7", name="Приватна особа", emails=["someone@gmail.com"])
        for number, sender in enumerate(["stranger@gmail.com", "who@unknown.example"]):
            crm.mail.import_message(
                raw_mail(sender=sender, message_id=f"<u-{number}@x.example>"), own_domains=OURS
            )
        [by_domain] = crm.mail.of_client(people["neptune"]).items
        assert (by_domain.match_reason, by_domain.matched_address) == (
            MatchReason.DOMAIN,
            "kasa@neptun.ua",
        )
        waiting = crm.mail.unmatched().items
        assert sorted(m.sender for m in waiting) == ["stranger@gmail.com", "who@unknown.example"]
        assert {m.match_reason for m in waiting} == {MatchReason.UNMATCHED}
        assert len(crm.clients.search(limit=1000)) == 3  # no client was made of an address
        assigned = crm.mail.assign(waiting[0], people["pdv"])
        assert (assigned.client_id, assigned.match_reason) == (people["pdv"].id, MatchReason.MANUAL)
        assert [e.source_id for e in crm.timeline(people["pdv"])] == [assigned.event_id]
        assert len(crm.mail.unmatched().items) == 1
        assert crm.history.of("email", assigned.id)[-1].field is not None

    def test_replies_thread_by_references_aliases_and_subject_within_the_window(
        self, crm: CRM
    ) -> None:
        _neptune(crm)
        first = raw_mail(message_id="<t-1@neptun.ua>")
        answer = raw_mail(
            sender="petrova@intelserv.com",
            to="petrov@neptun.ua",
            subject="Re: Рахунок №15",
            message_id="<relayed-2@amazonses.com>",
            date="Wed, 05 Nov 2014 12:00:00 +0200",
            headers={"In-Reply-To": "<t-1@neptun.ua>", "X-Original-Message-ID": "<t-2@ours>"},
        )
        via_original = raw_mail(
            subject="RE: Рахунок №15",
            message_id="<t-3@neptun.ua>",
            date="Thu, 06 Nov 2014 09:00:00 +0200",
            headers={"References": "<unknown@elsewhere> <t-2@ours>"},
        )
        no_headers = raw_mail(
            sender="office@neptun.ua",
            subject="Відп: Рахунок №15",
            message_id="<t-4@neptun.ua>",
            date="Fri, 07 Nov 2014 09:00:00 +0200",
        )
        too_late = raw_mail(
            subject="Re: Рахунок №15",
            message_id="<t-5@neptun.ua>",
            date="Mon, 02 Feb 2015 09:00:00 +0200",
        )
        stranger = raw_mail(
            sender="who@unknown.example",
            to="nobody@unknown.example",
            subject="Re: Рахунок №15",
            message_id="<t-6@unknown.example>",
            date="Fri, 07 Nov 2014 10:00:00 +0200",
        )
        for raw in (first, answer, via_original, no_headers, too_late, stranger):
            crm.mail.import_message(raw, own_domains=OURS)
        thread = crm.mail.thread_id("<t-1@neptun.ua>")
        assert thread is not None
        assert [m.message_id for m in crm.mail.thread(thread)] == [
            "t-1@neptun.ua",
            "relayed-2@amazonses.com",
            "t-3@neptun.ua",
            "t-4@neptun.ua",
        ]
        assert crm.mail.thread_id("<t-2@ours>") == thread
        assert crm.mail.thread_id("t-5@neptun.ua") not in (None, thread)
        assert crm.mail.thread_id("t-6@unknown.example") not in (None, thread)

    def test_a_reply_read_before_its_original_joins_it_and_threads_merge(self, crm: CRM) -> None:
        _neptune(crm)
        reply = raw_mail(
            subject="Re: Поставка",
            message_id="<m-2@neptun.ua>",
            date="Thu, 06 Nov 2014 09:00:00 +0200",
            headers={"In-Reply-To": "<m-1@intelserv.com>"},
        )
        crm.mail.import_message(reply, own_domains=OURS)
        original = raw_mail(
            sender="petrova@intelserv.com",
            to="petrov@neptun.ua",
            subject="Поставка",
            message_id="<m-1@intelserv.com>",
        )
        crm.mail.import_message(original, own_domains=OURS)
        thread = crm.mail.thread_id("m-1@intelserv.com")
        assert thread is not None
        assert [m.message_id for m in crm.mail.thread(thread)] == [
            "m-1@intelserv.com",
            "m-2@neptun.ua",
        ]

    def test_bounces_and_auto_replies_stay_on_the_timeline_but_are_no_contact(
        self, crm: CRM
    ) -> None:
        people = _neptune(crm)
        crm.mail.import_message(raw_mail(message_id="<c-1@neptun.ua>"), own_domains=OURS)
        sent = raw_mail(
            sender="petrova@intelserv.com",
            to="petrov@neptun.ua",
            message_id="<c-2@intelserv.com>",
            date="Thu, 06 Nov 2014 10:00:00 +0200",
        )
        crm.mail.import_message(sent, own_domains=OURS)
        auto = raw_mail(
            subject="Автоматический ответ: Рахунок №15",
            message_id="<c-3@neptun.ua>",
            date="Fri, 07 Nov 2014 10:00:00 +0200",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": "<c-2@intelserv.com>"},
        )
        bounce = (
            b"From: MAILER-DAEMON@neptun.ua\r\nTo: petrova@intelserv.com\r\n"
            b"Subject: Undelivered Mail Returned to Sender\r\nMessage-ID: <c-4@neptun.ua>\r\n"
            b"Date: Sat, 08 Nov 2014 10:00:00 +0200\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
            b"--b\r\nContent-Type: text/plain\r\n\r\nThe mail to petrov@neptun.ua failed.\r\n"
            b"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; neptun.ua\r\n"
            b"\r\nFinal-Recipient: rfc822; petrov@neptun.ua\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            b"--b\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <c-2@intelserv.com>\r\n"
            b"--b--\r\n"
        )
        report = crm.mail.import_message(auto, own_domains=OURS)
        report += crm.mail.import_message(bounce, own_domains=OURS)
        assert (report.auto_replies, report.bounces) == (1, 1)
        kinds = {m.message_id: m.kind for m in crm.mail.of_client(people["neptune"]).items}
        assert kinds["c-3@neptun.ua"] is MailKind.AUTO_REPLY
        assert kinds["c-4@neptun.ua"] is MailKind.BOUNCE
        assert len(crm.timeline(people["neptune"])) == 4
        last = crm.mail.last_contact(people["neptune"])
        assert last.incoming == datetime(2014, 11, 5, 9, 30, tzinfo=UTC)
        assert last.outgoing == datetime(2014, 11, 6, 8, 0, tzinfo=UTC)
        assert last.latest == last.outgoing
        thread = crm.mail.thread_id("c-2@intelserv.com")
        assert thread is not None
        assert {m.message_id for m in crm.mail.thread(thread)} >= {
            "c-3@neptun.ua",
            "c-4@neptun.ua",
        }

    def test_importing_again_changes_nothing_and_mail_without_an_id_is_keyed_by_its_hash(
        self, crm: CRM, clock: ManualClock
    ) -> None:
        people = _neptune(crm)
        with_id = raw_mail()
        without = raw_mail(message_id=None, subject="Без ідентифікатора")
        mbox = b"".join(
            b"From MAILER-DAEMON Wed Nov  5 10:00:00 2014\n" + raw.replace(b"\r\n", b"\n")
            for raw in (with_id, without)
        )
        first = crm.mail.import_mbox(io.BytesIO(mbox), own_domains=OURS)
        assert (first.read, first.created, first.duplicates) == (2, 2, 0)
        before = _stored(crm)
        clock.advance(hours=1)
        again = crm.mail.import_mbox(io.BytesIO(mbox), own_domains=OURS)
        single = crm.mail.import_message(without, own_domains=OURS)
        assert (again.created, again.duplicates, single.duplicates) == (0, 2, 1)
        assert _stored(crm) == before
        keys = sorted(m.message_key for m in crm.mail.of_client(people["neptune"]).items)
        assert keys[0] == "r-1@neptun.ua"
        assert keys[1].startswith("sha256:")
        changed = raw_mail(body="Інший текст під тим самим ідентифікатором.")
        assert crm.mail.import_message(changed, own_domains=OURS).created == 1

    def test_attachments_go_to_the_attachment_store_with_their_names_and_types(
        self, crm_factory: CrmFactory, clock: ManualClock
    ) -> None:
        crm = crm_factory(clock=clock, attachments="memory://")
        people = _neptune(crm)
        raw = (
            "From: petrov@neptun.ua\r\nTo: petrova@intelserv.com\r\nSubject: Акт\r\n"
            "Message-ID: <a-1@neptun.ua>\r\nDate: Wed, 05 Nov 2014 11:30:00 +0200\r\n"
            'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
            "--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nАкт у вкладенні.\r\n"
            "--b\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
            "Content-Disposition: attachment; filename*=utf-8''%D0%90%D0%BA%D1%82.pdf\r\n\r\n"
            "JVBERi0xLjQK\r\n--b--\r\n"
        ).encode()
        crm.mail.import_message(raw, own_domains=OURS)
        [entry] = crm.timeline(people["neptune"])
        [attachment] = crm.attachments.of(("event", entry.source_id))
        assert (attachment.name, attachment.media_type) == ("Акт.pdf", "application/pdf")
        assert crm.attachments.read(attachment) == b"%PDF-1.4\n"
        assert crm.mail.of_client(people["neptune"]).items[0].attachment_count == 1

    def test_unreadable_mail_is_skipped_with_a_reason_and_bad_arguments_write_nothing(
        self, crm: CRM
    ) -> None:
        _neptune(crm)
        before = _stored(crm)
        report = crm.mail.import_message(b"this is no mail at all\r\n", own_domains=OURS)
        assert (report.read, report.created, report.skipped_count) == (1, 0, 1)
        assert "header" in report.skipped[0].reason
        deep = b"From: a@b.example\r\nMessage-ID: <deep@b.example>\r\n" + b"".join(
            f'Content-Type: multipart/mixed; boundary="{n}"\r\n\r\n--{n}\r\n'.encode()
            for n in range(40)
        )
        assert crm.mail.import_message(deep).skipped_count == 1
        with pytest.raises(ValidationError) as caught:
            crm.mail.import_message("From: a@b.example\r\n\r\nhi")  # type: ignore[arg-type]
        assert caught.value.field == "raw"
        with pytest.raises(ValidationError) as caught:
            crm.mail.import_message(raw_mail(), own_domains="intelserv.com")
        assert caught.value.field == "own_addresses"
        with pytest.raises(ValidationError) as caught:
            crm.mail.import_file("/nonexistent/mail.mbox")
        assert caught.value.field == "path"
        assert _stored(crm) == before

    def test_a_reply_queues_an_email_of_the_thread_and_refuses_header_injection(
        self, team: Team
    ) -> None:
        crm = team.as_(team.petrova)
        neptune = crm.clients.create(code="06951937", name="Нептун", emails=["petrov@neptun.ua"])
        crm.mail.import_message(
            raw_mail(headers={"References": "<r-0@intelserv.com>"}), own_domains=OURS
        )
        [original] = crm.mail.of_client(neptune).items
        before = _stored(crm)
        for field, options in (
            ("subject", {"subject": "Re: x\r\nBcc: everyone@example.com"}),
            ("to", {"to": "petrov@neptun.ua\nBcc: everyone@example.com"}),
            ("text", {"text": "  "}),
        ):
            with pytest.raises(ValidationError) as caught:
                crm.mail.reply(original, options.pop("text", "Надсилаю."), **options)
            assert caught.value.field == field
        assert _stored(crm) == before
        team.clock.advance(hours=2)
        reply = crm.mail.reply(original, "Надсилаю рахунок.")
        assert (reply.thread_id, reply.direction.value) == (original.thread_id, "outgoing")
        assert [e.type_code for e in crm.timeline(neptune)] == ["ИсхП", "ВхП"]
        [queued] = outbox_messages(team, "email_reply")
        assert (queued.address, queued.subject) == ("petrov@neptun.ua", "Re: Рахунок №15")
        assert queued.in_reply_to == "r-1@neptun.ua"
        assert queued.references == ("r-0@intelserv.com", "r-1@neptun.ua")
        team.crm.notifications.dispatch()
        [delivery] = [d for d in team.mail.attempts if d.key == queued.key]
        assert delivery.in_reply_to == "r-1@neptun.ua"
        answer = raw_mail(
            subject="Re: Рахунок №15",
            message_id="<r-3@neptun.ua>",
            date="Thu, 06 Nov 2014 09:00:00 +0200",
            headers={"In-Reply-To": f"<{crmcore_message_id(queued.key)}@intelserv.com>"},
        )
        crm.mail.import_message(answer, own_domains=OURS)
        assert crm.mail.thread_id("r-3@neptun.ua") == original.thread_id

    def test_an_answer_to_a_notice_crmcore_sent_starts_from_that_notice(self, team: Team) -> None:
        crm = team.as_(team.boss)
        team_task(team, executors=[team.ivanov], watchers=[])
        team.crm.notifications.dispatch()
        [notice] = [m for m in outbox_messages(team) if m.channel == "email"][:1]
        own_id = crmcore_message_id(notice.key)
        thread = crm.mail.thread_id(own_id)
        assert thread is not None
        answer = raw_mail(
            sender="ivanov@intelserv.com",
            to="b@intelserv.com",
            subject="Re: Кошторис",
            message_id="<ans-1@intelserv.com>",
            headers={"In-Reply-To": f"<{own_id}@intelserv.com>"},
        )
        crm.mail.import_message(answer, own_domains=OURS)
        assert crm.mail.thread_id("ans-1@intelserv.com") == thread
        copy = raw_mail(
            sender="b@intelserv.com",
            message_id=f"<{own_id}@intelserv.com>",
            headers={"X-Crmcore-Key": notice.key, "Auto-Submitted": "auto-generated"},
        )
        assert crm.mail.import_message(copy, own_domains=OURS).notices == 1

    def test_an_alias_said_by_hand_threads_replies_to_the_id_a_relay_gave(self, crm: CRM) -> None:
        _neptune(crm)
        sent = raw_mail(
            sender="petrova@intelserv.com", to="petrov@neptun.ua", message_id="<o-1@intelserv.com>"
        )
        crm.mail.import_message(sent, own_domains=OURS)
        assert crm.mail.alias("<x-1@amazonses.com>", "<o-1@intelserv.com>") is True
        assert crm.mail.alias("x-1@amazonses.com", "o-1@intelserv.com") is False
        for alias, original, field in (
            ("no id at all", "<o-1@intelserv.com>", "alias"),
            ("<x-2@amazonses.com>", "", "original"),
            ("<o-1@intelserv.com>", "<o-1@intelserv.com>", "alias"),
        ):
            with pytest.raises(ValidationError) as caught:
                crm.mail.alias(alias, original)
            assert caught.value.field == field
        answer = raw_mail(
            subject="Thanks",
            message_id="<o-2@neptun.ua>",
            date="Thu, 06 Nov 2014 09:00:00 +0200",
            headers={"In-Reply-To": "<x-1@amazonses.com>"},
        )
        crm.mail.import_message(answer, own_domains=OURS)
        thread = crm.mail.thread_id("o-1@intelserv.com")
        assert thread is not None
        assert crm.mail.thread_id("x-1@amazonses.com") == thread
        assert [m.message_id for m in crm.mail.thread(thread)] == [
            "o-1@intelserv.com",
            "o-2@neptun.ua",
        ]
