"""Where user-field definitions and values are stored."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol, TypeAlias
from uuid import UUID

from crmcore.domain.fields import FieldDefinition
from crmcore.ports.records import RecordRepository

__all__ = ["FieldDefinitionRepository", "FieldValueRepository"]

#: User-field definitions are plain records.
FieldDefinitionRepository: TypeAlias = RecordRepository[FieldDefinition]


class FieldValueRepository(Protocol):
    """User-field values as text keys (see ``FieldDefinition.keys``)."""

    def replace(self, entity_kind: str, entity_id: UUID, name: str, keys: Sequence[str]) -> None:
        """Set one field of one entity to ``keys`` (none: the field is cleared)."""

    def for_entities(
        self, entity_kind: str, entity_ids: Iterable[UUID]
    ) -> dict[UUID, dict[str, tuple[str, ...]]]:
        """The stored keys per entity and field name (entities without values left out)."""
