"""SQL repository of clients' timelines: pages by keyset, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, false, select, tuple_

from crmcore.adapters.sqlalchemy.repository import Repository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded, restore
from crmcore.domain import TimelineEntry, TimelineFilter

__all__ = ["Timeline"]

_make_entry = restore(TimelineEntry)


class Timeline(Repository):
    """Clients' timeline entries, read a page at a time."""

    def add_many(self, entries: Sequence[TimelineEntry]) -> None:
        if not entries:
            return
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_in
        self.statements.insert_many(
            self.db,
            self.t.timeline,
            (
                (
                    codec.uuid_in(e.id),
                    codec.uuid_in(e.client_id),
                    codec.moment_in(e.occurred_at),
                    e.kind,
                    codec.uuid_in(e.source_id),
                    e.type_code,
                    e.title,
                    e.summary,
                    uuid_or_none(e.employee_id),
                    uuid_or_none(e.contact_id),
                )
                for e in entries
            ),
        )

    def replace(self, kind: str, source_id: UUID, entry: TimelineEntry | None) -> None:
        c = self.t.timeline.c
        self.db.execute(delete(self.t.timeline).where(c.kind == kind, c.source_id == source_id))
        if entry is not None:
            self.add_many([entry])

    def page(
        self,
        client_id: UUID,
        where: TimelineFilter,
        *,
        before: tuple[datetime, UUID] | None,
        limit: int,
    ) -> list[TimelineEntry]:
        c = self.t.timeline.c
        codec = self.codec
        kinds = padded(sorted(where.kinds)) if where.kinds is not None else None
        types = padded(sorted(where.type_codes)) if where.type_codes is not None else None
        shape = (
            None if kinds is None else len(kinds),
            None if types is None else len(types),
            where.since is not None,
            where.until is not None,
            before is not None,
        )

        def build() -> Any:
            conditions: list[Any] = [c.client_id == bindparam("client_id")]
            if kinds is not None:
                conditions.append(in_list(c.kind, "kind", len(kinds)) if kinds else false())
            if types is not None:
                conditions.append(in_list(c.type_code, "type", len(types)) if types else false())
            if where.since is not None:
                conditions.append(c.occurred_at >= bindparam("since"))
            if where.until is not None:
                conditions.append(c.occurred_at < bindparam("until"))
            if before is not None:
                # A row value, so the index range starts right at the cursor.
                conditions.append(
                    tuple_(c.occurred_at, c.id)
                    < tuple_(bindparam("before_at"), bindparam("before_id"))
                )
            return (
                select(
                    c.client_id,
                    c.occurred_at,
                    c.kind,
                    c.source_id,
                    c.title,
                    c.type_code,
                    c.summary,
                    c.employee_id,
                    c.contact_id,
                    c.id,
                )
                .where(*conditions)
                .order_by(c.occurred_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        params: dict[str, Any] = {
            "client_id": codec.uuid_in(client_id),
            "limit": limit,
            **in_params("kind", kinds or []),
            **in_params("type", types or []),
        }
        if where.since is not None:
            params["since"] = codec.moment_in(where.since)
        if where.until is not None:
            params["until"] = codec.moment_in(where.until)
        if before is not None:
            params["before_at"] = codec.moment_in(before[0])
            params["before_id"] = codec.uuid_in(before[1])
        rows = self._rows(("timeline page", shape), build, **params)
        uuid_out = codec.uuid_out
        uuid_or_none = codec.uuid_or_none_out
        moment_out = codec.moment_out
        return [
            _make_entry(
                client_id=client_id,
                occurred_at=moment_out(row[1]),
                kind=row[2],
                source_id=uuid_out(row[3]),
                title=row[4],
                type_code=row[5],
                summary=row[6],
                employee_id=uuid_or_none(row[7]),
                contact_id=uuid_or_none(row[8]),
                id=uuid_out(row[9]),
            )
            for row in rows
        ]
