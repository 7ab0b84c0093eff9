"""What every stored entity carries besides its own fields."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.ids import new_id

__all__ = ["Record"]


@attrs.define(kw_only=True)
class Record:
    """Base of the stored entities: storage id, version, and when created and last changed.

    ``version`` is 0 until the entity is stored; every stored change adds one,
    and an update from an older version is refused (``StaleObject``).
    """

    id: UUID = attrs.field(factory=new_id, validator=check.uuid())
    version: int = attrs.field(default=0, validator=check.positive_version)
    created_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    updated_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
