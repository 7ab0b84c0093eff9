"""SQL repositories of user-field definitions and values.

User-field conditions are subqueries on the values table with the field's
name bound as a parameter, so no name a user chose ever becomes SQL text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import Table, bindparam, delete, select

from crmcore.adapters.sqlalchemy.repository import (
    RecordRepository,
    Repository,
    RepositoryContext,
    in_list,
    in_params,
)
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.adapters.sqlalchemy.tables import Tables
from crmcore.domain.fields import FieldDefinition

__all__ = ["FieldDefinitions", "FieldValues", "field_value_conditions", "field_value_params"]

_KEY_PREFIX = 200  # characters of a user-field key kept in the indexed column


def field_value_conditions(
    values: Table, entity_id: Any, entity_kind: str, count: int
) -> list[Any]:
    """WHERE conditions for ``count`` user-field filters on the entity ``entity_id``
    names: each binds the field's name and key as parameters (see
    :func:`field_value_params`), so no name a user chose becomes SQL text."""
    v = values.c
    return [
        entity_id.in_(
            select(v.entity_id).where(
                v.entity_kind == entity_kind,
                v.name == bindparam(f"field{index}"),
                v.key_prefix == bindparam(f"key_prefix{index}"),
                v.key == bindparam(f"key{index}"),
            )
        )
        for index in range(count)
    ]


def field_value_params(field_values: Sequence[tuple[str, object]]) -> dict[str, Any]:
    """The parameters of :func:`field_value_conditions`."""
    params: dict[str, Any] = {}
    for index, (name, key) in enumerate(field_values):
        params[f"field{index}"] = name
        params[f"key{index}"] = key
        params[f"key_prefix{index}"] = str(key)[:_KEY_PREFIX]
    return params


class FieldDefinitions(RecordRepository[FieldDefinition]):
    kind = "user field"
    table_name = "field_definitions"
    entity_type = FieldDefinition
    unique = (("entity_kind", "name"),)
    order_by = ("position", "id")


class FieldValues(Repository):
    """User-field values: rows of (entity, field name, position, key)."""

    def __init__(self, uow: RepositoryContext, tables: Tables) -> None:
        super().__init__(uow, tables)
        self.table = tables.field_values

    def replace(self, entity_kind: str, entity_id: UUID, name: str, keys: Sequence[str]) -> None:
        c = self.table.c
        entity = self.codec.uuid_in(entity_id)
        self.statements.execute(
            self.db,
            ("field values", "clear"),
            lambda: delete(self.table).where(
                c.entity_kind == bindparam("kind"),
                c.entity_id == bindparam("entity"),
                c.name == bindparam("name"),
            ),
            {"kind": entity_kind, "entity": entity, "name": name},
        )
        self.statements.insert_many(
            self.db,
            self.table,
            [
                (entity_kind, entity, name, position, key, key[:_KEY_PREFIX])
                for position, key in enumerate(keys)
            ],
        )

    def for_entities(
        self, entity_kind: str, entity_ids: Iterable[UUID]
    ) -> dict[UUID, dict[str, tuple[str, ...]]]:
        c = self.table.c
        found: dict[UUID, dict[str, list[str]]] = {}
        wanted = [self.codec.uuid_in(id) for id in set(entity_ids)]
        for start in range(0, len(wanted), 500):
            chunk = padded(wanted[start : start + 500])

            def build(size: int = len(chunk)) -> Any:
                return (
                    select(c.entity_id, c.name, c.key)
                    .where(c.entity_kind == bindparam("kind"), in_list(c.entity_id, "e", size))
                    .order_by(c.entity_id, c.name, c.position)
                )

            rows = self._rows(
                ("field values", "of", len(chunk)), build, kind=entity_kind, **in_params("e", chunk)
            )
            for entity, name, key in rows:
                found.setdefault(self.codec.uuid_out(entity), {}).setdefault(name, []).append(key)
        return {
            entity: {name: tuple(keys) for name, keys in fields.items()}
            for entity, fields in found.items()
        }
