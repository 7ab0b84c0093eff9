"""Sales documents and their lines in memory."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import RecordRepository, copy_out
from crmcore.domain.documents import Document, DocumentKind, DocumentLine

__all__ = ["DocumentLines", "Documents"]


class Documents(RecordRepository):
    """Documents, unique by kind and number."""

    name = "documents"
    kind = "document"
    unique = (("kind", "number"),)

    def get_by_number(self, kind: DocumentKind, number: str) -> Document | None:
        found = self.find(kind=kind, number=number)
        return found[0] if found else None

    def last_sequence(self, kind: DocumentKind, year: int) -> int:
        return max(
            (
                d.sequence
                for d in self._rows().values()
                if d.kind is kind and d.issued_on.year == year and d.sequence is not None
            ),
            default=0,
        )

    def of_client(
        self,
        client_id: UUID,
        *,
        kinds: Iterable[DocumentKind] | None = None,
        limit: int,
    ) -> list[Document]:
        wanted = None if kinds is None else set(kinds)
        found = [
            d
            for d in self._rows().values()
            if d.client_id == client_id and (wanted is None or d.kind in wanted)
        ]
        found.sort(key=lambda d: (d.issued_on, d.number, d.id), reverse=True)
        return [copy_out(d) for d in found[:limit]]


class DocumentLines(RecordRepository):
    name = "document_lines"
    kind = "document line"

    def _order(self, record: Any) -> Any:
        return (record.document_id, record.position)

    def of_documents(self, document_ids: Iterable[UUID]) -> dict[UUID, list[DocumentLine]]:
        wanted = set(document_ids)
        found: dict[UUID, list[DocumentLine]] = {key: [] for key in wanted}
        for line in sorted(self._rows().values(), key=self._order):
            if line.document_id in wanted:
                found[line.document_id].append(copy_out(line))
        return found

    def delete_of(self, document_id: UUID) -> None:
        rows = self._writable()
        for key in [key for key, line in rows.items() if line.document_id == document_id]:
            del rows[key]
