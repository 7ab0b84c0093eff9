"""SQL repositories of event types and events (the bulk import writes here)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import and_, bindparam, insert, select

from crmcore.adapters.sqlalchemy.repository import Repository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded, restore
from crmcore.domain import Direction, Event, EventCategory, EventType
from crmcore.errors import DuplicateError

__all__ = ["EventTypes", "Events"]

_make_event_type = restore(EventType)


def _event_type_values(event_type: EventType) -> dict[str, Any]:
    return {
        "id": event_type.id,
        "code": event_type.code,
        "name": event_type.name,
        "category": event_type.category.value,
        "direction": event_type.direction.value,
        "system": event_type.system,
        "archived": event_type.archived,
        "version": event_type.version,
        "created_at": event_type.created_at,
        "updated_at": event_type.updated_at,
    }


class EventTypes(Repository):
    """Event types, keyed by code."""

    def _select(
        self, key: str, condition: Callable[[], Any] | None, **params: Any
    ) -> list[EventType]:
        c = self.t.event_types.c

        def build() -> Any:
            query = select(
                c.code, c.name, c.category, c.direction, c.system, c.archived, c.id, c.version,
                c.created_at, c.updated_at,
            ).order_by(c.code)  # fmt: skip
            return query if condition is None else query.where(condition())

        codec = self.codec
        return [
            _make_event_type(
                code=row[0],
                name=row[1],
                category=EventCategory(row[2]),
                direction=Direction(row[3]),
                system=bool(row[4]),
                archived=bool(row[5]),
                id=codec.uuid_out(row[6]),
                version=row[7],
                created_at=codec.moment_out(row[8]),
                updated_at=codec.moment_out(row[9]),
            )
            for row in self._rows(("event types", key), build, **params)
        ]

    def add(self, event_type: EventType) -> None:
        if self.get(event_type.code) is not None:
            raise DuplicateError("code", event_type.code)
        self.db.execute(insert(self.t.event_types).values(**_event_type_values(event_type)))

    def get(self, code: str) -> EventType | None:
        c = self.t.event_types.c
        found = self._select("code", lambda: c.code == bindparam("code"), code=code)
        return found[0] if found else None

    def update(self, event_type: EventType, expected_version: int) -> None:
        self._replace(
            self.t.event_types,
            "event type",
            event_type.code,
            _event_type_values(event_type),
            expected_version,
        )

    def list(self, *, include_archived: bool) -> list[EventType]:
        if include_archived:
            return self._select("all", None)
        return self._select("active", lambda: self.t.event_types.c.archived.is_(False))


# --- events ----------------------------------------------------------------------

_make_event = restore(Event)
_MICROSECOND = timedelta(microseconds=1)


class Events(Repository):
    """Events, unique by external reference where they have one; bulk import."""

    def _row(self, event: Event) -> tuple[Any, ...]:
        """The event as a row of the events table, in column order."""
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_in
        return (
            codec.uuid_in(event.id),
            event.type_code,
            uuid_or_none(event.client_id),
            uuid_or_none(event.contact_id),
            uuid_or_none(event.employee_id),
            event.project_ref,
            codec.moment_in(event.occurred_at),
            None if event.duration is None else event.duration // _MICROSECOND,
            event.subject,
            event.details,
            event.outcome,
            event.external_ref,
            event.archived,
            event.version,
            codec.moment_or_none_in(event.created_at),
            codec.moment_or_none_in(event.updated_at),
        )

    def _select(self, key: str, condition: Callable[[], Any], **params: Any) -> list[Event]:
        c = self.t.events.c
        codec = self.codec
        uuid_or_none = codec.uuid_or_none_out
        rows = self._rows(
            ("events", key),
            lambda: select(
                c.type_code,
                c.occurred_at,
                c.subject,
                c.client_id,
                c.contact_id,
                c.employee_id,
                c.project_ref,
                c.duration_us,
                c.details,
                c.outcome,
                c.external_ref,
                c.archived,
                c.id,
                c.version,
                c.created_at,
                c.updated_at,
            ).where(condition()),
            **params,
        )
        return [
            _make_event(
                type_code=row[0],
                occurred_at=codec.moment_out(row[1]),
                subject=row[2],
                client_id=uuid_or_none(row[3]),
                contact_id=uuid_or_none(row[4]),
                employee_id=uuid_or_none(row[5]),
                project_ref=row[6],
                duration=None if row[7] is None else timedelta(microseconds=row[7]),
                details=row[8],
                outcome=row[9],
                external_ref=row[10],
                archived=bool(row[11]),
                id=codec.uuid_out(row[12]),
                version=row[13],
                created_at=codec.moment_out(row[14]),
                updated_at=codec.moment_out(row[15]),
            )
            for row in rows
        ]

    def for_employees(
        self, employee_ids: Sequence[UUID], since: datetime, until: datetime
    ) -> list[Event]:
        c = self.t.events.c
        wanted = padded([self.codec.uuid_in(id) for id in employee_ids])
        found = self._select(
            f"of {len(wanted)} employees",
            lambda: and_(
                in_list(c.employee_id, "e", len(wanted)),
                c.occurred_at >= bindparam("since"),
                c.occurred_at < bindparam("until"),
            ),
            **in_params("e", wanted),
            since=self.codec.moment_in(since),
            until=self.codec.moment_in(until),
        )
        found.sort(key=lambda event: (event.occurred_at, event.id))
        return found

    def add(self, event: Event) -> None:
        if event.external_ref is not None and self.get_by_external_ref(event.external_ref):
            raise DuplicateError("external_ref", event.external_ref)
        self.add_many([event])

    def add_many(self, events: Sequence[Event]) -> None:
        if not events:
            return
        try:
            self.statements.insert_many(self.db, self.t.events, map(self._row, events))
        except self.codec.integrity_error as error:
            raise DuplicateError("external_ref", str(error)) from None

    def get(self, id: UUID) -> Event | None:
        c = self.t.events.c
        found = self._select("id", lambda: c.id == bindparam("id"), id=self.codec.uuid_in(id))
        return found[0] if found else None

    def get_by_external_ref(self, external_ref: str) -> Event | None:
        c = self.t.events.c
        found = self._select(
            "external_ref", lambda: c.external_ref == bindparam("ref"), ref=external_ref
        )
        return found[0] if found else None

    def existing_external_refs(self, refs: Iterable[str]) -> set[str]:
        c = self.t.events.c
        rows = self._rows_in("external refs", lambda: [c.external_ref], c.external_ref, refs)
        return {ref for (ref,) in rows}

    def update(self, event: Event, expected_version: int) -> None:
        c = self.t.events.c
        if event.external_ref is not None:
            other = self.db.scalar(
                select(c.id).where(c.external_ref == event.external_ref, c.id != event.id)
            )
            if other is not None:
                raise DuplicateError("external_ref", event.external_ref)
        values = {
            "id": event.id,
            **{k: v for k, v in attrs.asdict(event, recurse=False).items() if k != "duration"},
            "duration_us": None if event.duration is None else event.duration // _MICROSECOND,
        }
        self._replace(self.t.events, "event", event.id, values, expected_version)
