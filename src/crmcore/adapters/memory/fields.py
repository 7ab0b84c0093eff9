"""User-field definitions and values in memory."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, Repository

__all__ = ["FieldDefinitions", "FieldValues", "has_field_values"]


def has_field_values(
    values: dict[Any, Any],
    entity_kind: str,
    entity_id: UUID,
    conditions: Sequence[tuple[str, object]],
) -> bool:
    """Whether the entity's stored user-field keys meet every ``(name, key)``."""
    return all(key in values.get((entity_kind, entity_id, name), ()) for name, key in conditions)


class FieldDefinitions(RecordRepository):
    """User-field definitions, by position."""

    name = "field_definitions"
    kind = "user field"
    unique = (("entity_kind", "name"),)

    def _order(self, record: Any) -> Any:
        return (record.position, record.id)


class FieldValues(Repository):
    """User-field values, keyed by (entity kind, entity id, field name)."""

    name = "field_values"
    kind = "user field value"

    def replace(self, entity_kind: str, entity_id: UUID, name: str, keys: Sequence[str]) -> None:
        rows = self._writable()
        if keys:
            rows[(entity_kind, entity_id, name)] = tuple(keys)
        else:
            rows.pop((entity_kind, entity_id, name), None)

    def for_entities(
        self, entity_kind: str, entity_ids: Iterable[UUID]
    ) -> dict[UUID, dict[str, tuple[str, ...]]]:
        wanted = set(entity_ids)
        found: dict[UUID, dict[str, tuple[str, ...]]] = {}
        for (kind, entity, name), keys in self._rows().items():
            if kind == entity_kind and entity in wanted:
                found.setdefault(entity, {})[name] = keys
        return {entity: dict(sorted(fields.items())) for entity, fields in found.items()}
