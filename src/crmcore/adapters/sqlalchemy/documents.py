"""SQL repositories of sales documents and their lines."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, delete, func, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.domain.documents import Document, DocumentKind, DocumentLine

__all__ = ["DocumentLines", "Documents"]


class Documents(RecordRepository[Document]):
    kind = "document"
    table_name = "documents"
    entity_type = Document
    unique = (("kind", "number"),)

    def get_by_number(self, kind: DocumentKind, number: str) -> Document | None:
        found = self.find(kind=kind, number=number)
        return found[0] if found else None

    def last_sequence(self, kind: DocumentKind, year: int) -> int:
        c = self.table.c
        rows = self._rows(
            ("documents", "last sequence"),
            lambda: select(func.max(c.sequence)).where(
                c.kind == bindparam("kind"),
                c.issued_on >= bindparam("first"),
                c.issued_on <= bindparam("last"),
            ),
            kind=kind.value,
            first=self.codec.day_in(date(year, 1, 1)),
            last=self.codec.day_in(date(year, 12, 31)),
        )
        return int(rows[0][0] or 0)

    def of_client(
        self,
        client_id: UUID,
        *,
        kinds: Iterable[DocumentKind] | None = None,
        limit: int,
    ) -> list[Document]:
        c = self.table.c
        wanted = None if kinds is None else padded(sorted({k.value for k in kinds}))
        if wanted == []:
            return []
        size = None if wanted is None else len(wanted)

        def build() -> Any:
            query = select(*self.mapper.columns).where(c.client_id == bindparam("client"))
            if size is not None:
                query = query.where(in_list(c.kind, "k", size))
            return query.order_by(c.issued_on.desc(), c.number.desc(), c.id.desc()).limit(
                bindparam("limit")
            )

        params: dict[str, Any] = {"client": self.codec.uuid_in(client_id), "limit": limit}
        if wanted is not None:
            params.update(in_params("k", wanted))
        rows = self._rows(("documents", "of client", size), build, **params)
        return [self.mapper.decode(row) for row in rows]


class DocumentLines(RecordRepository[DocumentLine]):
    kind = "document line"
    table_name = "document_lines"
    entity_type = DocumentLine
    order_by = ("document_id", "position")

    def of_documents(self, document_ids: Iterable[UUID]) -> dict[UUID, list[DocumentLine]]:
        wanted = set(document_ids)
        found: dict[UUID, list[DocumentLine]] = {key: [] for key in wanted}
        rows = self._rows_in(
            "document lines of documents",
            lambda: self.mapper.columns,
            self.table.c.document_id,
            map(self.codec.uuid_in, wanted),
        )
        for line in sorted(map(self.mapper.decode, rows), key=lambda x: x.position):
            found[line.document_id].append(line)
        return found

    def delete_of(self, document_id: UUID) -> None:
        c = self.table.c
        self.statements.execute(
            self.db,
            ("document_lines", "delete of"),
            lambda: delete(self.table).where(c.document_id == bindparam("key")),
            {"key": self.codec.uuid_in(document_id)},
        )
