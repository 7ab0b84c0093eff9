"""Threading rules: which conversation a message belongs to.

A message names the messages it answers in ``In-Reply-To`` and
``References``; those are walked newest first, at most
:data:`MAX_REFERENCES` of them, and the first one crmcore knows (itself, or
through an alias for an id a relay rewrote) gives the thread.  When no
reference is known — Outlook and some relays drop the headers — a reply
(its subject says so, or it names references crmcore has not seen) joins a
thread with the same subject only within :data:`SUBJECT_WINDOW` of it and
only if they share a participant; otherwise it starts a thread of its own.

The ``Message-ID`` crmcore gives the e-mails it sends is made from the
message's idempotency key (:func:`crmcore_message_id`); its domain is the
sender's, so the key part alone (:func:`normalize_message_id`) is what
identifies it, whatever domain it was sent from.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import timedelta

__all__ = [
    "MAX_MESSAGE_ID_LENGTH",
    "MAX_REFERENCES",
    "SUBJECT_WINDOW",
    "crmcore_local_part",
    "crmcore_message_id",
    "is_reply_subject",
    "message_ids",
    "normalize_message_id",
    "references_newest_first",
    "shares_participant",
    "subject_key",
]

#: References of one message looked at, newest first.
MAX_REFERENCES = 50
#: How far apart in time a reply and a thread it joins by subject may be.
SUBJECT_WINDOW = timedelta(days=30)
#: Longer ids are no ids (a header can be folded to any length; an index cannot).
MAX_MESSAGE_ID_LENGTH = 900

_ID = re.compile(r"<([^<>\s]+)>")
_NO_ID = re.compile(r"[\s\x00-\x1f\x7f]")
_CRMCORE_ID = re.compile(r"^([0-9a-f]{32}\.crmcore)@.+$")
_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|r|отв|ответ|на|пер|переслано|відп|fw\s*fwd)"
    r"\s*(\[\d+\]|\(\d+\))?\s*[:：]\s*|\[[^\]]{1,40}\]\s*)",
    re.IGNORECASE,
)
_REPLY_PREFIX = re.compile(
    r"^\s*(re|fw|fwd|aw|wg|sv|vs|antw|tr|rif|отв|ответ|на|пер|відп)\s*(\[\d+\]|\(\d+\))?\s*[:：]",
    re.IGNORECASE,
)


def crmcore_local_part(key: str) -> str:
    """The part before ``@`` of the ``Message-ID`` of the outbox message with ``key``."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32] + ".crmcore"


def crmcore_message_id(key: str) -> str:
    """The id (normalized) of the e-mail crmcore sends for the outbox message with ``key``.

    Example:
        >>> crmcore_message_id("m-1")
        'a461b472cb41a9ec3dee5c90cf8e4a78.crmcore'
    """
    return crmcore_local_part(key)


def normalize_message_id(value: str) -> str | None:
    """A message id as crmcore compares it, or None if it is none.

    The angle brackets and folding go; an id crmcore made loses its domain.
    Ids without ``@`` are kept (some mailers write them), ids with spaces or
    of more than :data:`MAX_MESSAGE_ID_LENGTH` characters are not ids.

    Example:
        >>> normalize_message_id(" <CAF=x+1@mail.gmail.com> ")
        'CAF=x+1@mail.gmail.com'
        >>> normalize_message_id("<a461b472cb41a9ec3dee5c90cf8e4a78.crmcore@intelserv.com>")
        'a461b472cb41a9ec3dee5c90cf8e4a78.crmcore'
    """
    text = value.strip()
    found = _ID.search(text)
    core = found.group(1) if found else text.strip("<>")
    if not core or len(core) > MAX_MESSAGE_ID_LENGTH or _NO_ID.search(core):
        return None
    ours = _CRMCORE_ID.match(core)
    return ours.group(1) if ours else core


def message_ids(value: str) -> list[str]:
    """Every id in a ``References`` or ``In-Reply-To`` value, in order, each once.

    Example:
        >>> message_ids("<a@x> <b@y>\\r\\n <a@x> garbage")
        ['a@x', 'b@y']
    """
    found: dict[str, None] = {}
    for match in _ID.finditer(value):
        normalized = normalize_message_id(match.group(0))
        if normalized is not None:
            found.setdefault(normalized, None)
    return list(found)


def references_newest_first(in_reply_to: Sequence[str], references: Sequence[str]) -> list[str]:
    """The ids a message answers, the one it replies to first, then References from the end.

    At most :data:`MAX_REFERENCES`, each once.
    """
    ordered: dict[str, None] = {}
    for value in (*in_reply_to, *reversed(references)):
        ordered.setdefault(value, None)
        if len(ordered) >= MAX_REFERENCES:
            break
    return list(ordered)


def subject_key(subject: str) -> str:
    """A subject without its reply and forward prefixes and list tags, case-folded.

    Example:
        >>> subject_key("RE: Fwd: [Продажі] Re[2]: Рахунок №15")
        'рахунок №15'
    """
    text = subject
    while True:
        stripped = _PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return " ".join(text.casefold().split())[:500]


def is_reply_subject(subject: str) -> bool:
    """Whether a subject says the message answers or forwards another ("Re:", "Отв:", ...)."""
    return bool(_REPLY_PREFIX.match(subject))


def shares_participant(one: Iterable[str], other: Iterable[str]) -> bool:
    """Whether two sets of address keys have an address in common."""
    return not set(one).isdisjoint(other)
