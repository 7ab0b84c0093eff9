"""The money read models in memory: the reference functions of :mod:`crmcore.domain.balances`
run over the stored documents and allocation log."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from crmcore.adapters.memory.repository import Repository
from crmcore.domain.allocations import Allocation, AsOf, OpenItem
from crmcore.domain.balances import (
    ActLine,
    AgeingRow,
    OverdueShipment,
    PaymentReceived,
    StatementQuery,
    StatementRow,
    act_lines,
    ageing_rows,
    counted,
    open_items,
    overdue_shipments,
    payments_received,
    select_open,
    statement_rows,
)
from crmcore.domain.contracts import StageFact
from crmcore.domain.documents import Document, DocumentKind

__all__ = ["Balances"]


class Balances(Repository):
    name = "documents"
    kind = "balance"

    def _documents(self, client_id: UUID | None = None) -> list[Document]:
        rows: Any = self._uow.table("documents").values()
        return [d for d in rows if client_id is None or d.client_id == client_id]

    def _allocations(self) -> list[Allocation]:
        return list(self._uow.table("allocations").values())

    def open_items(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
    ) -> list[OpenItem]:
        items = open_items(self._documents(client_id), self._allocations(), as_of)
        return select_open(items, as_of.on, currency, overdue_only)

    def ageing(
        self,
        as_of: AsOf,
        edges: Sequence[int],
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
    ) -> list[AgeingRow]:
        items = self.open_items(as_of, client_id=client_id, currency=currency)
        return ageing_rows(items, as_of.on, edges)

    def statement(
        self,
        query: StatementQuery,
        as_known: AsOf,
    ) -> Iterator[StatementRow]:
        clients = {c.id: (c.code, c.name) for c in self._uow.table("clients").values()}
        return iter(statement_rows(self._documents(query.client_id), clients, query, as_known))

    def act(
        self,
        query: StatementQuery,
        as_known: AsOf,
    ) -> tuple[Decimal, list[ActLine]]:
        return act_lines(self._documents(query.client_id), query, as_known)

    def overdue_shipments(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
    ) -> list[OverdueShipment]:
        return overdue_shipments(self._documents(client_id), self._allocations(), as_of)

    def payments_received(
        self, client_id: UUID, as_of: AsOf, *, limit: int
    ) -> list[PaymentReceived]:
        return payments_received(self._documents(client_id), as_of, limit)

    def stage_facts(self, contract_ids: Collection[UUID], as_of: AsOf) -> list[StageFact]:
        wanted = set(contract_ids)
        documents = [d for d in self._documents() if d.contract_id in wanted and counted(d, as_of)]
        stage_of = {d.id: (d.contract_id, d.stage_id) for d in documents}
        payments = {d.id for d in self._documents() if d.kind is DocumentKind.PAYMENT_IN}
        sums: dict[tuple[Any, Any], list[Decimal]] = defaultdict(lambda: [Decimal("0.00")] * 3)
        for document in documents:
            key = (document.contract_id, document.stage_id)
            if document.kind.ships:
                sums[key][0] += document.gross
            elif document.kind is DocumentKind.INVOICE:
                sums[key][1] += document.gross
            elif document.kind is DocumentKind.CREDIT_NOTE:
                sums[key][1] -= document.gross
        for allocation in self._allocations():
            paid = stage_of.get(allocation.target_id)
            if allocation.source_id not in payments:
                continue  # a credit note lowers what was invoiced; it pays nothing
            if paid is not None and as_of.admits(allocation.effective_on, allocation.created_at):
                sums[paid][2] += allocation.amount
        return [
            StageFact(contract_id=key[0], stage_id=key[1], shipped=v[0], invoiced=v[1], paid=v[2])
            for key, v in sums.items()
        ]
