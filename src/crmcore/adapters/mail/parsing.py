"""One raw RFC 822 message, read the way real mail needs.

The standard library's ``email`` package with ``policy.default`` raises on
mail that every mail program shows (an odd ``Message-ID``, a trailing comma
in ``Cc``); the ``compat32`` policy does not, so the message is parsed with
it and every header and body is decoded here, forgivingly: any charset
Python knows, an unknown one read as UTF-8 or else windows-1251, RFC 2047
encoded words and RFC 2231 file names, broken base64 and quoted-printable
(what can be decoded is kept), 8-bit headers.  What had to be repaired is
listed in :attr:`ParsedMail.problems`; what cannot be read at all raises
:class:`~crmcore.errors.ValidationError` naming ``"message"``.
"""

from __future__ import annotations

import codecs
import hashlib
import mimetypes
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes, message_from_string
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import parsedate_to_datetime
from urllib.parse import unquote

from crmcore.adapters.mail.limits import DEFAULT_LIMITS, MailLimits
from crmcore.domain.mail import (
    MailAddress,
    MailPart,
    ParsedMail,
    classify,
    html_to_text,
    message_ids,
    normalize_message_id,
    parse_addresses,
)
from crmcore.errors import ValidationError

__all__ = ["decode_text", "header_text", "parse_message"]

_FALLBACK_CHARSET = "windows-1251"
_ORIGINAL_ID_HEADERS = (
    "X-Original-Message-ID",
    "X-Microsoft-Original-Message-ID",
    "X-Google-Original-Message-ID",
)
_BODY_ID = re.compile(r"^\s*Message-ID:\s*(<[^>\s]+>)", re.IGNORECASE | re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+:")
_SURROGATES = re.compile("[\udc80-\udcff]")


def decode_text(data: bytes, charset: str | None, problems: list[str]) -> str:
    """``data`` as text in ``charset``; an unknown or wrong charset is noted and guessed."""
    if charset:
        try:
            codec = codecs.lookup(charset.strip().strip('"'))
        except LookupError:
            problems.append(f"unknown charset {charset!r}")
        else:
            try:
                return data.decode(codec.name)
            except UnicodeDecodeError:
                problems.append(f"text not valid in {charset!r}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode(_FALLBACK_CHARSET, errors="replace")


def _eight_bit(value: str, problems: list[str]) -> str:
    """Undo the surrogate escapes that raw 8-bit header bytes become when parsed."""
    if not _SURROGATES.search(value):
        return value
    problems.append("8-bit characters in a header")
    return decode_text(value.encode("ascii", "surrogateescape"), None, problems)


def header_text(value: object, problems: list[str]) -> str:
    """A header's value as one line of text, encoded words decoded."""
    if value is None:
        return ""
    text = _eight_bit(str(value), problems)
    try:
        pieces = decode_header(text)
    except (ValueError, IndexError):
        problems.append("a malformed encoded word")
        return _one_line(text)
    decoded = []
    for piece, charset in pieces:
        if isinstance(piece, str):
            decoded.append(piece)
        elif charset is None:
            decoded.append(piece.decode("raw-unicode-escape", errors="replace"))
        else:
            decoded.append(decode_text(piece, charset, problems))
    return _one_line("".join(decoded))


def _one_line(text: str) -> str:
    return " ".join(_CONTROL.sub(" ", text).split())


def _walk(message: Message, limits: MailLimits) -> Iterator[tuple[Message, bool]]:
    """Every part, with whether it lies inside an attached message; bounded."""
    count = 0
    stack: list[tuple[Message, int, bool]] = [(message, 0, False)]
    while stack:
        part, depth, inner = stack.pop()
        count += 1
        if count > limits.parts:
            raise ValidationError("message", f"has more than {limits.parts} MIME parts")
        if depth > limits.depth:
            raise ValidationError("message", f"nests MIME parts deeper than {limits.depth}")
        yield part, inner
        if part.get_content_type() in ("message/rfc822", "message/delivery-status"):
            continue  # attached whole, as one file; or a report's status fields
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            children = [child for child in payload if isinstance(child, Message)]
            stack.extend((child, depth + 1, inner) for child in reversed(children))


def _payload(part: Message) -> bytes:
    data = part.get_payload(decode=True)
    if isinstance(data, bytes):
        return data
    return str(part.get_payload() or "").encode("utf-8", "surrogateescape")


def _file_name(part: Message, index: int, media_type: str, problems: list[str]) -> str:
    try:
        raw = part.get_filename()
    except (ValueError, LookupError, UnicodeError):
        raw = None
        problems.append("an unreadable attachment name")
    name = header_text(raw, problems) if raw else ""
    name = unquote(name) if "%" in name and "'" in name else name
    name = name.replace("/", "_").replace("\\", "_").strip()
    if name in ("", ".", ".."):
        extension = mimetypes.guess_extension(media_type) or ".bin"
        name = f"attachment-{index}{extension}"
    return name[-255:]


def _is_attachment(part: Message) -> bool:
    disposition = str(part.get("Content-Disposition", "")).split(";")[0].strip().lower()
    return (
        disposition == "attachment"
        or bool(part.get_param("name"))
        or bool(part.get_param("filename", header="content-disposition"))
    )


def _failed_recipients(part: Message) -> list[str]:
    """The addresses a delivery report (RFC 3464) says could not be reached."""
    payload = part.get_payload()
    blocks = payload if isinstance(payload, list) else []
    found = []
    for block in blocks:
        if not isinstance(block, Message):
            continue
        action = str(block.get("Action", "failed")).strip().lower()
        value = block.get("Original-Recipient") or block.get("Final-Recipient")
        if value is not None and action in ("failed", "delayed"):
            found.append(str(value).partition(";")[2].strip() or str(value))
    return found


def _reported_id(part: Message, problems: list[str]) -> str | None:
    """The Message-ID of the message a delivery report is about."""
    if part.get_content_type() == "message/rfc822":
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        value = inner.get("Message-ID") if isinstance(inner, Message) else None
    else:
        headers = decode_text(_payload(part), part.get_content_charset(), problems)
        value = message_from_string(headers, policy=compat32).get("Message-ID")
    return None if value is None else normalize_message_id(str(value))


def _date(value: str | None, received_at: datetime | None, problems: list[str]) -> datetime | None:
    if value is not None:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            problems.append("an unreadable Date header")
        else:
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    else:
        problems.append("no Date header")
    return received_at


def _content_hash(parsed: dict[str, object], attachments: list[MailPart]) -> str:
    digest = hashlib.sha256()
    for name in ("sender", "sent_at", "subject", "text"):
        digest.update(str(parsed[name]).encode("utf-8", "surrogatepass") + b"\x00")
    for part in attachments:
        content = part.content
        if part.media_type.startswith(("text/", "message/")):
            # The same message read from an mbox (LF) and from IMAP (CRLF) is one message.
            content = content.replace(b"\r\n", b"\n")
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()


def parse_message(
    raw: bytes, *, received_at: datetime | None = None, limits: MailLimits = DEFAULT_LIMITS
) -> ParsedMail:
    """Read one raw message.

    Args:
        raw: the message as bytes, headers and body, any line endings.
        received_at: when it arrived (an mbox ``From`` line, IMAP's
            INTERNALDATE); taken as its date when it has none.
        limits: the bounds of :class:`MailLimits`.

    Raises:
        ValidationError: ``"message"``: empty, no header at all, over the
            size, part or depth bounds.

    Example:
        >>> raw = (
        ...     "From: =?koi8-r?b?8MXU0s/X?= <petrov@neptun.ua>\\r\\n"
        ...     "To: office@intelserv.com,\\r\\n"
        ...     "Subject: =?utf-8?b?0KDQsNGF0YPQvdC+0Lo=?=\\r\\n"
        ...     "Message-ID: <1@neptun.ua>\\r\\n"
        ...     "Date: Wed, 05 Nov 2014 11:30:00 +0200\\r\\n\\r\\n"
        ...     "Добрий день"
        ... ).encode()
        >>> mail = parse_message(raw)
        >>> str(mail.sender), mail.subject, mail.message_id, mail.sent_at.isoformat()
        ('Петров <petrov@neptun.ua>', 'Рахунок', '1@neptun.ua', '2014-11-05T09:30:00+00:00')
    """
    if not isinstance(raw, (bytes, bytearray)):
        raise ValidationError("message", f"must be bytes, not {type(raw).__name__}")
    if len(raw) > limits.message_bytes:
        raise ValidationError(
            "message", f"is {len(raw)} bytes, more than the limit of {limits.message_bytes}"
        )
    if not raw.strip():
        raise ValidationError("message", "is empty")
    if not _HEADER_LINE.match(raw.lstrip(b"\r\n")):
        raise ValidationError("message", "does not start with a mail header")
    problems: list[str] = []
    message = message_from_bytes(bytes(raw), policy=compat32)
    # The raw values: compat32 turns 8-bit bytes into replacement characters on get().
    raw_headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        raw_headers.setdefault(name.lower(), []).append(_eight_bit(str(value), problems))
    # Only the subject and the names carry words to decode; the other headers read are ids,
    # dates and flags, taken as they stand.
    headers = {name: _one_line(values[0]) for name, values in raw_headers.items()}
    subject = header_text(raw_headers.get("subject", [""])[0], problems)

    def addresses(name: str) -> tuple[MailAddress, ...]:
        return parse_addresses(
            raw_headers.get(name, []), decode_name=lambda text: header_text(text, problems)
        )

    sender = addresses("from")
    plain: str | None = None
    html: str | None = None
    attachments: list[MailPart] = []
    reported: str | None = None
    total = 0
    failed: list[str] = []
    for index, (part, inner) in enumerate(_walk(message, limits)):
        media_type = part.get_content_type()
        if media_type == "message/delivery-status":
            failed.extend(_failed_recipients(part))
            continue
        if part.is_multipart() and media_type != "message/rfc822":
            continue
        if (
            media_type in ("text/rfc822-headers", "message/rfc822")
            and reported is None
            and message.get_content_type() == "multipart/report"
        ):
            reported = _reported_id(part, problems)
        if not inner and not _is_attachment(part) and media_type in ("text/plain", "text/html"):
            text = decode_text(_payload(part), part.get_content_charset(), problems)
            if media_type == "text/plain" and plain is None and text.strip():
                plain = text
            elif media_type == "text/html" and html is None:
                html = text
            continue
        if media_type == "message/rfc822":
            inner_payload = part.get_payload()
            inner_message = inner_payload[0] if isinstance(inner_payload, list) else None
            content = inner_message.as_bytes() if isinstance(inner_message, Message) else b""
        else:
            content = _payload(part)
        name = _file_name(part, index, media_type, problems)
        if len(content) > limits.attachment_bytes:
            problems.append(f"attachment {name!r} left out: over {limits.attachment_bytes} bytes")
            continue
        if total + len(content) > limits.attachments_bytes:
            problems.append(f"attachment {name!r} left out: attachments over the limit")
            continue
        total += len(content)
        attachments.append(MailPart(name, media_type, content))
    text = plain if plain is not None else html_to_text(html) if html is not None else ""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if len(text) > limits.text_characters:
        problems.append(f"text cut to {limits.text_characters} characters")
        text = text[: limits.text_characters]
    from_address = sender[0] if sender else None
    kind = classify(
        headers,
        content_type=message.get_content_type(),
        report_type=str(message.get_param("report-type") or ""),
        sender=from_address,
        subject=subject,
    )
    if reported is None and kind.value == "bounce":
        found = _BODY_ID.search(text)
        reported = normalize_message_id(found.group(1)) if found else None
    raw_id = headers.get("message-id")
    message_id = None if raw_id is None else normalize_message_id(raw_id)
    if raw_id is not None and message_id is None:
        problems.append("an unusable Message-ID")
    sent_at = _date(headers.get("date"), received_at, problems)
    key = headers.get("x-crmcore-key")
    fields: dict[str, object] = {
        "sender": "" if from_address is None else from_address.key,
        "sent_at": "" if sent_at is None else sent_at.isoformat(),
        "subject": subject,
        "text": text,
    }
    originals = [
        normalized
        for name in _ORIGINAL_ID_HEADERS
        if (written := headers.get(name.lower())) and (normalized := normalize_message_id(written))
    ]
    return ParsedMail(
        message_id=message_id,
        content_hash=_content_hash(fields, attachments),
        subject=subject,
        sender=from_address,
        to=addresses("to"),
        cc=addresses("cc"),
        sent_at=sent_at,
        in_reply_to=tuple(message_ids(headers.get("in-reply-to", ""))),
        references=tuple(message_ids(headers.get("references", ""))),
        text=text,
        attachments=tuple(attachments),
        kind=kind,
        original_ids=tuple(i for i in originals if i != message_id),
        reported_id=reported,
        failed_recipients=parse_addresses(failed),
        crmcore_key=unquote(key) if key else None,
        size=len(raw),
        problems=tuple(dict.fromkeys(problems)),
    )
