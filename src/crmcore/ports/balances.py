"""The money read models: open items, ageing, the balance statement, the act, plan against fact.

Every method reads the documents and the allocation log **as of a date**
(:class:`~crmcore.domain.allocations.AsOf`), never their state today, and
a SQL backend answers each with GROUP BY queries rather than by loading
rows.  A host ERP's own documents (the ``crmcore_documents`` hook) are
merged in by the service, so a backend answers for crmcore's tables only.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from crmcore.domain.allocations import AsOf, OpenItem
from crmcore.domain.balances import (
    ActLine,
    AgeingRow,
    OverdueShipment,
    PaymentReceived,
    StatementQuery,
    StatementRow,
)
from crmcore.domain.contracts import StageFact

__all__ = ["BalanceRepository"]


class BalanceRepository(Protocol):
    def open_items(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
    ) -> list[OpenItem]:
        """Invoices still owed and payments or credit notes not yet allocated as of the date,
        by date then number; ``overdue_only`` keeps invoices past due and drops advances."""

    def ageing(
        self,
        as_of: AsOf,
        edges: Sequence[int],
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
    ) -> list[AgeingRow]:
        """Outstanding invoices per counterparty and currency by bucket, with advances."""

    def statement(self, query: StatementQuery, as_known: AsOf) -> Iterator[StatementRow]:
        """The balance statement's rows, streamed, by client code then currency."""

    def act(self, query: StatementQuery, as_known: AsOf) -> tuple[Decimal, list[ActLine]]:
        """(opening balance, the period's document rows) of ``query.client_id``."""

    def overdue_shipments(
        self, as_of: AsOf, *, client_id: UUID | None = None
    ) -> list[OverdueShipment]: ...

    def payments_received(
        self, client_id: UUID, as_of: AsOf, *, limit: int
    ) -> list[PaymentReceived]:
        """A client's newest incoming payments counted as of the date, newest first."""

    def stage_facts(self, contract_ids: Collection[UUID], as_of: AsOf) -> list[StageFact]:
        """Shipped, invoiced and paid per contract and stage (stage None: on no stage)."""
