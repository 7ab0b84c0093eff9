"""Where calls and the call events they were made from are stored, and telephony's read models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeAlias
from uuid import UUID

from crmcore.domain.calls import Call, ReceivedCallEvent
from crmcore.ports.records import RecordRepository

__all__ = ["CallEventRepository", "CallRepository"]


class CallRepository(RecordRepository[Call], Protocol):
    """Calls, unique by ``(source, pbx_id)`` and by ``call_ref``."""

    def get_by_pbx_id(self, source: str, pbx_id: str) -> Call | None:
        """The call a PBX knows by ``pbx_id``."""
        ...

    def get_by_ref(self, call_ref: str) -> Call | None:
        """The call crmcore dialled with this reference."""
        ...

    def for_client(self, client_id: UUID, limit: int) -> list[Call]:
        """A client's calls, newest first by (started_at, id), at most ``limit``."""
        ...

    def last_contacted(
        self, client_ids: Iterable[UUID]
    ) -> dict[tuple[UUID, UUID | None], datetime]:
        """When the latest unarchived event happened with each of these clients,
        under ``(client id, None)``, and with each of their contact persons who
        has one, under ``(client id, contact id)``."""
        ...


#: What PBXs reported about calls: records unique by ``(call_id, key)``.
CallEventRepository: TypeAlias = RecordRepository[ReceivedCallEvent]
