"""SQL repository of the history of changes."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, select

from crmcore.adapters.sqlalchemy.repository import Repository, chunks, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded, restore
from crmcore.domain import Change, ChangeAction

__all__ = ["History"]

_make_change = restore(Change)


class History(Repository):
    """The history of changes, read per entity."""

    def add_many(self, changes: Sequence[Change]) -> None:
        if not changes:
            return
        codec = self.codec
        self.statements.insert_many(
            self.db,
            self.t.history,
            (
                (
                    codec.uuid_in(c.id),
                    codec.moment_in(c.at),
                    codec.uuid_or_none_in(c.actor_id),
                    c.actor_name,
                    c.entity_kind,
                    codec.uuid_in(c.entity_id),
                    c.action.value,
                    c.field,
                    c.old,
                    c.new,
                )
                for c in changes
            ),
        )

    def _changes(self, key: Hashable, condition: Callable[[], Any], **params: Any) -> list[Change]:
        h = self.t.history.c
        codec = self.codec
        rows = self._rows(
            ("history", key),
            lambda: (
                select(
                    h.entity_kind,
                    h.entity_id,
                    h.action,
                    h.at,
                    h.actor_id,
                    h.actor_name,
                    h.field,
                    h.old,
                    h.new,
                    h.id,
                )
                .where(condition())
                .order_by(h.at, h.id)
            ),
            **params,
        )
        return [
            _make_change(
                entity_kind=row[0],
                entity_id=codec.uuid_out(row[1]),
                action=ChangeAction(row[2]),
                at=codec.moment_out(row[3]),
                actor_id=codec.uuid_or_none_out(row[4]),
                actor_name=row[5],
                field=row[6],
                old=row[7],
                new=row[8],
                id=codec.uuid_out(row[9]),
            )
            for row in rows
        ]

    def for_entity(self, entity_kind: str, entity_id: UUID) -> list[Change]:
        h = self.t.history.c
        return self._changes(
            "of",
            lambda: and_(h.entity_kind == bindparam("kind"), h.entity_id == bindparam("id")),
            kind=entity_kind,
            id=self.codec.uuid_in(entity_id),
        )

    def for_entities(self, entity_kind: str, entity_ids: Iterable[UUID]) -> list[Change]:
        h = self.t.history.c
        found: list[Change] = []
        for chunk in chunks(sorted(set(entity_ids))):
            wanted = padded([self.codec.uuid_in(id) for id in chunk])

            def condition(size: int = len(wanted)) -> Any:
                return and_(h.entity_kind == bindparam("kind"), in_list(h.entity_id, "e", size))

            found += self._changes(
                ("of many", len(wanted)),
                condition,
                kind=entity_kind,
                **in_params("e", wanted),
            )
        found.sort(key=lambda change: (change.at, change.id))
        return found
