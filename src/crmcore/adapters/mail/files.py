"""Raw messages out of files: one ``.eml`` message, or an mbox of any size, streamed.

An mbox is read line by line and handed out one message at a time, so
memory holds one message however large the mailbox is (the standard
library's ``mailbox.mbox`` keeps a table of every message first).  Any line
starting with ``From`` and a space begins a message, as ``mailbox.mbox`` reads it;
``>From`` lines are unquoted one level (mboxrd).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

import attrs

from crmcore.adapters.mail.limits import DEFAULT_LIMITS, MailLimits

__all__ = ["RawMail", "looks_like_mbox", "read_eml", "read_mbox"]

_LINE_LIMIT = 1 << 16
_SNIFF = 4096


@attrs.frozen
class RawMail:
    """One message as read from its source, before it is parsed.

    ``data`` is None when the message was not read (``problem`` says why);
    ``source`` names where it was, for the import report.
    """

    source: str
    data: bytes | None
    received_at: datetime | None = None
    problem: str | None = None


def looks_like_mbox(path: Path) -> bool:
    """Whether a file is an mbox (its first line starts with ``From`` and a space)
    rather than one message."""
    with path.open("rb") as stream:
        return stream.read(_SNIFF).lstrip(b"\r\n").startswith(b"From ")


def read_eml(path: Path, limits: MailLimits = DEFAULT_LIMITS) -> RawMail:
    """The one message a ``.eml`` file holds (not read if over the size limit)."""
    size = path.stat().st_size
    if size > limits.message_bytes:
        return RawMail(str(path), None, problem=f"{size} bytes, over {limits.message_bytes}")
    return RawMail(str(path), path.read_bytes())


def _envelope_date(line: bytes) -> datetime | None:
    """The date of an mbox ``From sender Mon Nov  3 10:00:00 2014`` line, if it has one."""
    words = line.decode("latin-1").split()
    for width in (5, 6):
        if len(words) < width + 1:
            continue
        text = " ".join(words[-width:])
        for pattern in ("%a %b %d %H:%M:%S %Y", "%a %b %d %H:%M:%S %z %Y"):
            try:
                moment = datetime.strptime(text, pattern)
            except ValueError:
                continue
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def read_mbox(
    stream: BinaryIO, name: str = "mbox", limits: MailLimits = DEFAULT_LIMITS
) -> Iterator[RawMail]:
    """The messages of an mbox, one at a time; ``name#N`` is the N-th (from 1).

    A message over the size limit is handed out without its data, with the
    reason, and reading goes on with the next one.
    """
    lines: list[bytes] = []
    size = 0
    oversize = False
    number = 0
    received: datetime | None = None
    started = False

    def finish() -> RawMail:
        source = f"{name}#{number}"
        if oversize:
            return RawMail(source, None, received, f"over {limits.message_bytes} bytes")
        return RawMail(source, b"".join(lines), received)

    while line := stream.readline(_LINE_LIMIT):
        if line.startswith(b"From "):
            if started:
                yield finish()
            started = True
            number += 1
            lines, size, oversize = [], 0, False
            received = _envelope_date(line.rstrip(b"\r\n"))
            continue
        if not started:
            if not line.strip():
                continue
            started, number = True, 1  # no envelope line: the file starts with a message
        if oversize:
            continue
        if line.startswith(b">") and line.lstrip(b">").startswith(b"From "):
            line = line[1:]
        size += len(line)
        if size > limits.message_bytes:
            oversize, lines = True, []
            continue
        lines.append(line)
    if started:
        yield finish()
