"""The Asterisk Manager Interface's framing: ``Key: Value`` lines, a blank line ends a message.

AMI is line-based text over TCP.  The server greets with one banner line
(``Asterisk Call Manager/9.0.0``); after that every message, an action sent
or a response or event received, is a block of ``Key: Value`` lines ended
by an empty line, each line ended by CRLF.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping

__all__ = ["FrameReader", "encode"]

log = logging.getLogger("crmcore_asterisk_ami")

#: A message longer than this is no AMI message: the stream is out of step.
MAX_MESSAGE = 64 * 1024


def encode(fields: Mapping[str, str]) -> bytes:
    """One AMI message (an action) as the bytes sent.

    Example:
        >>> encode({"Action": "Ping", "ActionID": "1"})
        b'Action: Ping\\r\\nActionID: 1\\r\\n\\r\\n'
    """
    lines = []
    for key, value in fields.items():
        text = str(value)
        if "\r" in text or "\n" in text or "\r" in key or "\n" in key or ":" in key:
            raise ValueError(f"AMI field {key!r} cannot carry line breaks or colons in its name")
        lines.append(f"{key}: {text}\r\n")
    return ("".join(lines) + "\r\n").encode()


class FrameReader:
    """Cuts the bytes received into messages; keeps a partial one until the rest arrives.

    A line without a colon is skipped (and logged); so is the rest of a
    message that grows past :data:`MAX_MESSAGE`.  :attr:`pending` says
    whether a message was cut off: when the connection drops then, that
    message is lost to its sender, never half-read.

    Example:
        >>> reader = FrameReader()
        >>> list(reader.feed(b"Event: Hangup\\r\\nUniqueid: 1.1\\r\\n\\r\\nEvent: Dial"))
        [{'Event': 'Hangup', 'Uniqueid': '1.1'}]
        >>> reader.pending
        True
    """

    def __init__(self) -> None:
        self._buffer = b""
        self.banner: str | None = None

    @property
    def pending(self) -> bool:
        return bool(self._buffer.strip())

    def feed(self, data: bytes) -> Iterator[dict[str, str]]:
        self._buffer += data
        if self.banner is None and self._buffer.startswith(b"Asterisk Call Manager"):
            line, found, rest = self._buffer.partition(b"\n")
            if not found:
                return
            self.banner = line.decode("utf-8", "replace").strip()
            self._buffer = rest
        while True:
            normalised = self._buffer.replace(b"\r\n", b"\n")
            block, found, rest = normalised.partition(b"\n\n")
            if not found:
                if len(self._buffer) > MAX_MESSAGE:
                    log.warning("AMI message over %d bytes skipped", MAX_MESSAGE)
                    self._buffer = b""
                return
            self._buffer = rest
            message = _parse(block.decode("utf-8", "replace"))
            if message:
                yield message


def _parse(block: str) -> dict[str, str]:
    message: dict[str, str] = {}
    for line in block.split("\n"):
        if not line.strip():
            continue
        key, colon, value = line.partition(":")
        if not colon or not key.strip():
            log.warning("AMI line without a key skipped: %r", line[:80])
            continue
        message[key.strip()] = value.strip()
    return message
