"""What a calendar sync remembers between runs: the remote collection and each item's state."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record

__all__ = ["CalendarSubscription", "SyncedItem"]


@attrs.define(kw_only=True)
class CalendarSubscription(Record):
    """One employee's calendar kept in step with one remote collection (CalDAV).

    ``url`` never holds credentials; ``sync_token`` is the server's marker of
    what was last pulled.
    """

    employee_id: UUID = attrs.field(validator=check.uuid())
    url: str = attrs.field(validator=check.text(max_length=1000))
    #: Unbounded: a server without sync-collection support gets a token listing every ETag.
    sync_token: str | None = attrs.field(default=None, validator=check.long_text_or_none)
    synced_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )


@attrs.define(kw_only=True)
class SyncedItem(Record):
    """One task or event as last pushed to (or pulled from) a subscription's collection.

    ``fingerprint`` is the sha256 of the iCalendar text last pushed, so an
    unchanged task is not pushed again; ``etag`` is the server's version of
    that resource, so a change made on the server is noticed.
    """

    subscription_id: UUID = attrs.field(validator=check.uuid())
    uid: str = attrs.field(validator=check.text(max_length=500))
    entity_kind: str = attrs.field(validator=check.text(max_length=32))
    entity_id: UUID = attrs.field(validator=check.uuid())
    href: str = attrs.field(default="", validator=check.text(required=False, max_length=1000))
    etag: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=500)
    )
    fingerprint: str = attrs.field(default="", validator=check.text(required=False, max_length=64))
