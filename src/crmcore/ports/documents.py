"""Where sales documents and their lines are stored."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol
from uuid import UUID

from crmcore.domain.documents import Document, DocumentKind, DocumentLine
from crmcore.ports.records import RecordRepository

__all__ = ["DocumentLineRepository", "DocumentRepository"]


class DocumentRepository(RecordRepository[Document], Protocol):
    def get_by_number(self, kind: DocumentKind, number: str) -> Document | None: ...

    def last_sequence(self, kind: DocumentKind, year: int) -> int:
        """The highest ``sequence`` of the documents of ``kind`` dated in ``year`` (0: none)."""

    def of_client(
        self,
        client_id: UUID,
        *,
        kinds: Iterable[DocumentKind] | None = None,
        limit: int,
    ) -> list[Document]:
        """A client's documents (of ``kinds``), newest first by date then number, at most
        ``limit``."""


class DocumentLineRepository(RecordRepository[DocumentLine], Protocol):
    def of_documents(self, document_ids: Iterable[UUID]) -> dict[UUID, list[DocumentLine]]:
        """The lines of each document, by position."""

    def delete_of(self, document_id: UUID) -> None:
        """Remove a document's lines (a draft's lines are replaced whole)."""
