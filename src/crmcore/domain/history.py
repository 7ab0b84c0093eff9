"""Who changed what and when: actors and change records."""

from __future__ import annotations

import enum
import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain.ids import new_id

__all__ = ["Actor", "Change", "ChangeAction", "diff", "encode_value"]

# Bookkeeping fields change on every write; history records what people changed.
_UNTRACKED = frozenset({"id", "version", "created_at", "updated_at"})


@attrs.frozen
class Actor:
    """Who makes a call: an employee, or the system itself (``employee_id`` None)."""

    employee_id: UUID | None
    name: str

    @property
    def is_system(self) -> bool:
        return self.employee_id is None


SYSTEM_ACTOR = Actor(None, "system")


class ChangeAction(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    ARCHIVE = "archive"
    RESTORE = "restore"
    MERGE = "merge"


@attrs.frozen(kw_only=True)
class Change:
    """One recorded change of one field (or the creation of an entity).

    ``old`` and ``new`` are JSON texts of the values, so any field type can be
    stored and compared; :meth:`old_value` / :meth:`new_value` decode them.
    """

    entity_kind: str
    entity_id: UUID
    action: ChangeAction
    at: datetime  # tz-aware: services stamp changes from the validated clock
    actor_id: UUID | None = None
    actor_name: str = "system"
    field: str | None = None
    old: str | None = None
    new: str | None = None
    id: UUID = attrs.field(factory=new_id)

    def old_value(self) -> Any:
        return None if self.old is None else json.loads(self.old)

    def new_value(self) -> Any:
        return None if self.new is None else json.loads(self.new)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (UUID, Decimal)):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, (tuple, list, frozenset, set)):
        return [_plain(item) for item in value]
    if attrs.has(type(value)):
        return {
            key: _plain(item)
            for key, item in attrs.asdict(value, recurse=False).items()
            if item is not None
        }
    return str(value)


def encode_value(value: Any) -> str:
    """The JSON text a history record keeps for a value."""
    return json.dumps(_plain(value), ensure_ascii=False, sort_keys=True)


def diff(before: Any, after: Any) -> Iterator[tuple[str, str, str]]:
    """Yield ``(field, old_json, new_json)`` for each tracked field that differs."""
    for field in attrs.fields(type(after)):
        if field.name in _UNTRACKED:
            continue
        old = getattr(before, field.name)
        new = getattr(after, field.name)
        if old != new:
            yield field.name, encode_value(old), encode_value(new)
