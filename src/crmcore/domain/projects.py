"""Projects: work for a client, grouping events and tasks."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.clients import sort_key
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["Project"]


@attrs.define(kw_only=True)
class Project(Record):
    """A project: code, name, customer, manager and controller, planned period."""

    code: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    client_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    manager_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    controller_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    description: str = attrs.field(default="", validator=check.long_text)
    planned_start: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    planned_end: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    def __attrs_post_init__(self) -> None:
        if (
            self.planned_start is not None
            and self.planned_end is not None
            and self.planned_end < self.planned_start
        ):
            raise ValidationError("planned_end", "is before planned_start")

    @property
    def name_sort(self) -> str:
        return sort_key(self.name)
