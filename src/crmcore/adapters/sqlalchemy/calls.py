"""SQL repositories of calls and of the call events PBXs reported, and telephony's read models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, func, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.domain.calls import Call, ReceivedCallEvent

__all__ = ["CallEvents", "Calls"]


class Calls(RecordRepository[Call]):
    kind = "call"
    table_name = "calls"
    entity_type = Call
    unique = (("source", "pbx_id"), ("call_ref",))

    def get_by_pbx_id(self, source: str, pbx_id: str) -> Call | None:
        found = self.find(source=source, pbx_id=pbx_id)
        return found[0] if found else None

    def get_by_ref(self, call_ref: str) -> Call | None:
        found = self.find(call_ref=call_ref)
        return found[0] if found else None

    def for_client(self, client_id: UUID, limit: int) -> list[Call]:
        c = self.table.c

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .where(c.client_id == bindparam("client"))
                .order_by(c.started_at.desc(), c.id.desc())
                .limit(bindparam("limit"))
            )

        rows = self._rows(
            ("calls", "of client"), build, client=self.codec.uuid_in(client_id), limit=limit
        )
        return [self.mapper.decode(row) for row in rows]

    def last_contacted(
        self, client_ids: Iterable[UUID]
    ) -> dict[tuple[UUID, UUID | None], datetime]:
        wanted = padded(sorted({self.codec.uuid_in(i) for i in client_ids}))
        if not wanted:
            return {}
        e = self.t.events.c
        size = len(wanted)

        def build() -> object:
            return (
                select(e.client_id, e.contact_id, func.max(e.occurred_at))
                .where(in_list(e.client_id, "c", size), e.archived.is_(False))
                .group_by(e.client_id, e.contact_id)
            )

        rows = self._rows(("last contacted", size), build, **in_params("c", wanted))
        codec = self.codec
        latest: dict[tuple[UUID, UUID | None], datetime] = {}
        for client, contact, at in rows:
            moment = codec.moment_out(at)
            client_id = codec.uuid_out(client)
            keys: list[tuple[UUID, UUID | None]] = [(client_id, None)]
            if contact is not None:
                keys.append((client_id, codec.uuid_out(contact)))
            for key in keys:
                if key not in latest or moment > latest[key]:
                    latest[key] = moment
        return latest


class CallEvents(RecordRepository[ReceivedCallEvent]):
    kind = "call event"
    table_name = "call_events"
    entity_type = ReceivedCallEvent
    unique = (("call_id", "key"),)
    order_by = ("call_id", "id")
