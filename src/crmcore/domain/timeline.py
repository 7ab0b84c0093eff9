"""The client timeline: one ordered stream of everything that happened with a client."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.ids import new_id
from crmcore.errors import ValidationError

__all__ = ["Page", "TimelineEntry", "TimelineFilter", "decode_cursor", "encode_cursor"]

T = TypeVar("T")


@attrs.frozen(kw_only=True)
class TimelineEntry:
    """One line of a client's timeline.

    Every capability that produces something a client's history should show
    (an event today; tasks, documents, e-mails later) writes an entry in the
    same unit of work as its own change.  ``kind`` says which capability
    (``"event"``), ``source_id`` which record.
    """

    client_id: UUID
    occurred_at: datetime  # in UTC: entries are made from validated records
    kind: str
    source_id: UUID
    title: str
    type_code: str | None = None
    summary: str = ""
    employee_id: UUID | None = None
    contact_id: UUID | None = None
    id: UUID = attrs.field(factory=new_id)


@attrs.frozen(kw_only=True)
class TimelineFilter:
    """What part of a timeline to read (all fields optional)."""

    kinds: frozenset[str] | None = None
    type_codes: frozenset[str] | None = None
    since: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    until: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )

    def admits(self, entry: TimelineEntry) -> bool:
        """Whether ``entry`` passes the filter (``since`` inclusive, ``until`` exclusive)."""
        return (
            (self.kinds is None or entry.kind in self.kinds)
            and (self.type_codes is None or entry.type_code in self.type_codes)
            and (self.since is None or entry.occurred_at >= self.since)
            and (self.until is None or entry.occurred_at < self.until)
        )


@attrs.frozen
class Page(Generic[T]):
    """One page of a list; pass ``next_cursor`` back to get the next one (None at the end)."""

    items: Sequence[T]
    next_cursor: str | None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


def encode_cursor(at: datetime, id: UUID) -> str:
    """An opaque keyset cursor for the position ``(at, id)``."""
    raw = f"{at.isoformat()}|{id.hex}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *, field: str = "cursor") -> tuple[datetime, UUID]:
    """The position a cursor from :func:`encode_cursor` stands for."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at_text, id_text = raw.split("|")
        at = datetime.fromisoformat(at_text)
        key = UUID(hex=id_text)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError(field, "is not a cursor this list gave out") from None
    if at.tzinfo is None:
        raise ValidationError(field, "is not a cursor this list gave out")
    return at, key
