"""Calls, the call events they were made from, and telephony's read models in memory."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.calls import Call

__all__ = ["CallEvents", "Calls"]


class Calls(RecordRepository):
    """Calls, unique by the PBX's id and by crmcore's reference."""

    name = "calls"
    kind = "call"
    unique = (("source", "pbx_id"), ("call_ref",))

    def get_by_pbx_id(self, source: str, pbx_id: str) -> Call | None:
        found = self.find(source=source, pbx_id=pbx_id)
        return found[0] if found else None

    def get_by_ref(self, call_ref: str) -> Call | None:
        found = self.find(call_ref=call_ref)
        return found[0] if found else None

    def for_client(self, client_id: UUID, limit: int) -> list[Call]:
        found = [c for c in self._rows().values() if c.client_id == client_id]
        found.sort(key=lambda c: (c.started_at, c.id), reverse=True)
        return [copy_out(c) for c in found[:limit]]

    def last_contacted(
        self, client_ids: Iterable[UUID]
    ) -> dict[tuple[UUID, UUID | None], datetime]:
        wanted = set(client_ids)
        latest: dict[tuple[UUID, UUID | None], datetime] = {}
        for event in self._uow.table("events").values():
            if event.client_id not in wanted or event.archived:
                continue
            keys: list[tuple[UUID, UUID | None]] = [(event.client_id, None)]
            if event.contact_id is not None:
                keys.append((event.client_id, event.contact_id))
            for key in keys:
                if key not in latest or event.occurred_at > latest[key]:
                    latest[key] = event.occurred_at
        return latest


class CallEvents(RecordRepository):
    """What PBXs reported, one record per distinct event of a call."""

    name = "call_events"
    kind = "call event"
    unique = (("call_id", "key"),)

    def _order(self, record: Any) -> Any:
        return (record.call_id, record.id)
