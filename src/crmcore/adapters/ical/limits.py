"""What a hostile iCalendar file is held to: sizes, characters and encoding.

A file comes from anywhere (a mail attachment, a URL a user typed), so
reading bounds what it may cost before anything is parsed, and every text
value is kept to the characters iCalendar can carry.
"""

from __future__ import annotations

import codecs
import re

from crmcore.errors import InvalidCalendar, ValidationError

__all__ = [
    "FORBIDDEN_CONTROL",
    "LINE_BREAK",
    "MAX_LINE",
    "MAX_NESTING",
    "MAX_RULE",
    "MAX_TEXT",
    "decode",
    "shorten",
]

#: How deep components may nest.  Real files need three levels (VCALENDAR,
#: VEVENT, VALARM); deeper chains are refused before they cost anything.
MAX_NESTING = 8

#: Text values may hold any character but these (RFC 5545, 3.3.11); line
#: breaks travel escaped, as "\n".
FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: A carriage return, alone or before a line feed: kept as "\n".
LINE_BREAK = re.compile(r"\r\n?")
#: The longest text value (summary, description, location).
MAX_TEXT = 10 * 1024 * 1024
#: The longest one-line value (UID, status, a person's name ...).
MAX_LINE = 10_000
#: The longest RRULE text.
MAX_RULE = 2_000


def decode(data: bytes | str, max_bytes: int) -> str:
    """The text of a file, once it is known to be small enough and UTF-8 without NUL bytes."""
    if isinstance(data, str):
        if len(data) > max_bytes:  # a character is at least one byte
            raise InvalidCalendar("ics", f"is larger than the limit of {max_bytes} bytes")
        try:
            raw = data.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidCalendar("ics", "is not Unicode text: it holds lone surrogates") from None
    elif isinstance(data, bytes):
        raw = data
    else:
        raise ValidationError("data", f"must be bytes or str, not {type(data).__name__}")
    if len(raw) > max_bytes:
        raise InvalidCalendar("ics", f"is {len(raw)} bytes, more than the limit of {max_bytes}")
    raw = raw.removeprefix(codecs.BOM_UTF8)
    if b"\x00" in raw:
        raise InvalidCalendar("ics", "holds NUL bytes: it is a binary file, not iCalendar text")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InvalidCalendar(
            "ics", f"is not UTF-8 text: byte {error.start} cannot be decoded"
        ) from None


def shorten(value: str, limit: int = 80) -> str:
    """``value`` quoted for a report, cut to ``limit`` characters."""
    return repr(value if len(value) <= limit else value[: limit - 3] + "...")
