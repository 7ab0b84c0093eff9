"""Reading real mail and the rules of e-mail history: text, addresses, threads, kinds."""

from __future__ import annotations

import base64
import io
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.adapters.mail import MailLimits, parse_message, read_mbox
from crmcore.domain.mail import (
    MailKind,
    html_to_text,
    message_ids,
    normalize_message_id,
    parse_addresses,
    references_newest_first,
    split_reply,
    subject_key,
)
from crmcore.errors import ValidationError

MAIL = Path(__file__).resolve().parents[1] / "mail"


def _read(name: str) -> bytes:
    return (MAIL / name).read_bytes()


# ------------------------------------------------------------ messages as mail programs write them


def test_outlook_html_in_cp1251_with_a_trailing_comma_in_cc_and_its_quoted_original() -> None:
    mail = parse_message(_read("outlook-2016-html-cp1251-qp-trailing-comma-cc.eml"))
    assert mail.subject == "RE: Рахунок №15"
    assert str(mail.sender) == "Петров Іван <Petrov@neptun.ua>"
    assert [str(a) for a in mail.cc] == ["office@neptun.ua"]
    assert mail.in_reply_to == ("a461b472cb41a9ec3dee5c90cf8e4a00.crmcore",)
    parts = split_reply(mail.text)
    assert parts.new.startswith("Добрий день, Ірино!")
    assert "200 кг" in parts.new
    assert parts.quoted.startswith("From: Петрова Ірина")
    assert [(a.name, a.media_type) for a in mail.attachments] == [("image001.png", "image/png")]


def test_gmail_base64_utf8_with_an_rfc2231_file_name_and_a_signature() -> None:
    mail = parse_message(_read("gmail-utf8-base64-rfc2231-filename-signature.eml"))
    assert mail.message_id == "CAH+kx=gP5q0w@mail.gmail.com"
    [attachment] = mail.attachments
    assert attachment.name.endswith(".pdf")
    assert any("\u0400" <= c <= "\u04ff" for c in attachment.name)
    parts = split_reply(mail.text)
    assert parts.signature.startswith("Олена Коваль")
    assert "Надсилаю акт звірки" in parts.new
    assert "Олена Коваль" not in parts.new


def test_thunderbird_koi8r_with_an_id_without_a_domain_and_a_koi8r_file_name() -> None:
    mail = parse_message(_read("thunderbird-koi8r-flowed-odd-message-id.eml"))
    assert mail.message_id == "5464A0B2.3050501"
    assert (mail.subject, str(mail.sender)) == (
        "Прайс-лист на ноябрь",
        "Сергей Сидоров <s.sidorov@delicates.ua>",
    )
    assert [a.name for a in mail.attachments] == ["заказ.xls"]
    assert split_reply(mail.text).signature == "Сергей Сидоров"


def test_apple_mail_with_raw_utf8_in_a_header_and_a_mobile_signature_above_the_quote() -> None:
    mail = parse_message(_read("apple-mail-iphone-8bit-header-quoted.eml"))
    assert mail.subject == "Re: Поставка в п'ятницю"
    assert "8-bit characters in a header" in mail.problems
    parts = split_reply(mail.text)
    assert parts.new == "Так, чекаємо в п'ятницю до 12:00."
    assert parts.signature == "Sent from my iPhone"
    assert parts.quoted.startswith("> On 13 Nov 2014")


def test_exchange_out_of_office_is_an_automatic_reply() -> None:
    mail = parse_message(_read("exchange-out-of-office-auto-reply.eml"))
    assert mail.kind is MailKind.AUTO_REPLY


def test_a_postfix_delivery_report_is_a_bounce_naming_the_message_it_reports_on() -> None:
    mail = parse_message(_read("postfix-dsn-bounce-multipart-report.eml"))
    assert mail.kind is MailKind.BOUNCE
    assert mail.reported_id == "reply-1@intelserv.com"
    assert [a.address for a in mail.failed_recipients] == ["old@neptun.ua"]


def test_a_relay_that_rewrote_the_id_keeps_the_original_as_another_id() -> None:
    mail = parse_message(_read("ses-relay-rewritten-message-id.eml"))
    assert mail.message_id == "0102014c1e7c0f2e-ses-relay@eu-west-1.amazonses.com"
    assert mail.original_ids == ("ses-original-1@intelserv.com",)


def test_html_only_iso_2022_jp_without_an_id_or_a_date_takes_the_arrival_time() -> None:
    arrived = datetime(2014, 11, 20, 6, 0, tzinfo=UTC)
    mail = parse_message(
        _read("html-only-iso-2022-jp-no-message-id-no-date.eml"), received_at=arrived
    )
    assert (mail.message_id, mail.sent_at, mail.subject) == (None, arrived, "こんにちは")
    assert mail.text.startswith("こんにちは。")
    assert "<" not in mail.text


def test_unknown_charsets_and_broken_base64_are_repaired_and_said() -> None:
    mail = parse_message(_read("unknown-charset-broken-base64.eml"))
    assert "Прайс-лист" in mail.text
    assert any("unknown charset" in p for p in mail.problems)


@pytest.mark.parametrize("path", sorted(MAIL.glob("*.eml")), ids=lambda p: p.name)
def test_every_test_message_reads_with_a_sender_a_utc_date_and_a_stable_hash(path: Path) -> None:
    raw = path.read_bytes()
    arrived = datetime(2014, 11, 20, tzinfo=UTC)
    mail = parse_message(raw, received_at=arrived)
    assert mail.sender is not None
    assert mail.sent_at is not None
    assert mail.sent_at.utcoffset() is not None
    assert not mail.sent_at.utcoffset()
    lf_only = parse_message(raw.replace(b"\r\n", b"\n"), received_at=arrived)
    assert lf_only.content_hash == mail.content_hash


# ------------------------------------------------------------ bad and hostile input


def test_what_is_no_mail_is_refused_naming_the_message() -> None:
    for raw in (b"", b"   \r\n", b"no header here\r\n\r\nbody", b"\x00\x01binary"):
        with pytest.raises(ValidationError) as caught:
            parse_message(raw)
        assert caught.value.field == "message"


def test_size_part_and_depth_bounds_refuse_or_leave_out_with_a_note() -> None:
    limits = MailLimits(message_bytes=10_000, attachment_bytes=100, parts=5, depth=3)
    with pytest.raises(ValidationError, match="limit of 10000"):
        parse_message(b"From: a@b.example\r\n\r\n" + b"x" * 10_001, limits=limits)
    many = b"".join(
        b"--b\r\nContent-Type: text/plain\r\n"
        b'Content-Disposition: attachment; filename="a"\r\n\r\nx\r\n'
        for _ in range(6)
    )
    head = b'From: a@b.example\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n'
    with pytest.raises(ValidationError, match="more than 5 MIME parts"):
        parse_message(head + many + b"--b--\r\n", limits=limits)
    # A compressed bomb stays what it is: crmcore never unpacks an attachment.
    bomb = base64.encodebytes(zlib.compress(b"\x00" * 1_000_000, 9))
    raw = (
        head
        + b"--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        + b"--b\r\nContent-Type: application/zip\r\nContent-Transfer-Encoding: base64\r\n"
        + b'Content-Disposition: attachment; filename="bomb.zip"\r\n\r\n'
        + bomb
        + b"--b--\r\n"
    )
    mail = parse_message(raw, limits=limits)
    assert mail.attachments == ()
    assert any("'bomb.zip' left out" in p for p in mail.problems)
    assert mail.text == "see attached"


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000))
def test_any_bytes_read_or_are_refused_with_a_validation_error(raw: bytes) -> None:
    for data in (b"From: a@b.example\r\nSubject: x\r\n" + raw, raw):
        try:
            parse_message(data)
        except ValidationError as error:
            problem = error
        else:
            continue
        assert problem.field == "message"


_HEADER_VALUE = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=80
) | st.sampled_from(
    [
        "=?koi8-r?B?8NLJ18XU?=",
        "=?x-unknown?Q?=FF=FE?=",
        "=?utf-8?b?broken",
        '"a, b" <a@b.example>,, ,',
        "<>",
        "multipart/mixed; boundary=",
        'multipart/report; report-type=delivery-status; boundary="z"',
        'text/plain; charset="unknown-8bit"',
        "attachment; filename*=utf-8''%D0%90%ZZ.pdf",
        "base64",
        "quoted-printable",
    ]
)
_HEADERS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "From", "To", "Cc", "Subject", "Date", "Message-ID", "References",
                "In-Reply-To", "Content-Type", "Content-Transfer-Encoding",
                "Content-Disposition", "Auto-Submitted", "X-Original-Message-ID",
            ]
        ),
        _HEADER_VALUE,
    ),
    min_size=1,
    max_size=12,
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(_HEADERS, st.binary(max_size=500))
def test_any_headers_and_body_read_or_are_refused_never_crash(
    headers: list[tuple[str, str]], body: bytes
) -> None:
    raw = "".join(f"{name}: {value}\r\n" for name, value in headers).encode("utf-8")
    try:
        mail = parse_message(raw + b"\r\n--z\r\n" + body + b"\r\n--z--\r\n")
    except ValidationError as error:
        assert error.field == "message"  # noqa: PT017 - either outcome is allowed here
    else:
        assert isinstance(mail.text, str)


# ------------------------------------------------------------ an mbox, streamed


def test_an_mbox_is_read_one_message_at_a_time_with_from_lines_unquoted() -> None:
    mbox = (
        b"From petrov@neptun.ua Wed Nov  5 10:00:00 2014\n"
        b"From: petrov@neptun.ua\nSubject: one\n\n>From the start\nbody\n\n"
        b"From office@neptun.ua Thu Nov  6 10:00:00 2014\n"
        b"From: office@neptun.ua\nSubject: two\n\n" + b"y" * 5000 + b"\n"
        b"From office@neptun.ua Fri Nov  7 10:00:00 2014\n"
        b"From: office@neptun.ua\nSubject: three\n\nthree\n"
    )
    read = list(read_mbox(io.BytesIO(mbox), "box", MailLimits(message_bytes=1000)))
    assert [r.source for r in read] == ["box#1", "box#2", "box#3"]
    assert read[0].data is not None
    assert b"From the start" in read[0].data
    assert read[0].received_at == datetime(2014, 11, 5, 10, 0, tzinfo=UTC)
    assert read[1].data is None
    assert read[1].problem == "over 1000 bytes"
    assert parse_message(read[2].data or b"").subject == "three"


# ------------------------------------------------------------ the rules


def test_addresses_survive_trailing_commas_bare_names_and_groups() -> None:
    found = parse_addresses(['"Office, Kyiv" <Office@Neptun.UA>, , undisclosed-recipients:;,'])
    assert [(a.address, a.name) for a in found] == [("Office@neptun.ua", "Office, Kyiv")]


def test_message_ids_are_normalized_and_crmcores_own_lose_their_domain() -> None:
    assert normalize_message_id("<x y@z>") is None
    assert normalize_message_id("<" + "a" * 901 + ">") is None
    assert normalize_message_id("5464A0B2.3050501") == "5464A0B2.3050501"
    assert message_ids("<a@x>,<b@y> <a@x>") == ["a@x", "b@y"]
    refs = [f"r{n}@x" for n in range(80)]
    walked = references_newest_first(["p@x"], refs)
    assert walked[:3] == ["p@x", "r79@x", "r78@x"]
    assert len(walked) == 50


def test_subject_keys_drop_reply_prefixes_in_many_languages() -> None:
    keys = {subject_key(s) for s in ("Рахунок", "RE: Fwd: Рахунок", "Відп: рахунок", "AW: Рахунок")}
    assert keys == {"рахунок"}


def test_html_becomes_text_with_quoted_blocks_marked() -> None:
    text = html_to_text("<p>Так.</p><blockquote><p>Ціна?</p></blockquote><script>x()</script>")
    assert text == "Так.\n\n> Ціна?"
    assert split_reply(text).quoted == "> Ціна?"
