"""The money read models: open items, ageing, the balance statement, the act, plan against fact.

Every method reads the documents and the allocation log **as of a date**
(:class:`~crmcore.domain.allocations.AsOf`), never their state today, and
a SQL backend answers each with GROUP BY queries rather than by loading
rows.  ``host`` names tables or views of a host ERP's own documents
(supplied through the ``crmcore_documents`` hook), which a SQL backend
reads in the same queries; a backend that cannot read them raises
``StorageError``.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from typing import Protocol
from uuid import UUID

import attrs

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

__all__ = ["BalanceRepository", "HostDocumentTables"]


@attrs.frozen(kw_only=True)
class HostDocumentTables:
    """A host's own tables or views of documents and allocations, in crmcore's database.

    ``documents`` has the columns ``id`` (text), ``client_external_id``
    (the client's ``external_id``), ``kind`` (a
    :class:`~crmcore.domain.documents.DocumentKind` value), ``number``,
    ``issued_on`` and ``due_on`` (dates), ``currency``, ``gross_cents``
    (whole hundredths: exact on every database), ``contract_number`` and
    ``based_on_id`` (both may be NULL).  ``allocations``, when given, has
    ``source_id``, ``target_id`` (the documents' ids), ``amount_cents`` and
    ``effective_on``.  ``schema`` is their schema, if not the default.
    """

    documents: str
    allocations: str | None = None
    schema: str | None = None
    source: str = "host"


class BalanceRepository(Protocol):
    def open_items(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
        host: Sequence[HostDocumentTables] = (),
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
        host: Sequence[HostDocumentTables] = (),
    ) -> list[AgeingRow]:
        """Outstanding invoices per counterparty and currency by bucket, with advances."""

    def statement(
        self, query: StatementQuery, as_known: AsOf, *, host: Sequence[HostDocumentTables] = ()
    ) -> Iterator[StatementRow]:
        """The balance statement's rows, streamed, by client code then currency."""

    def act(
        self, query: StatementQuery, as_known: AsOf, *, host: Sequence[HostDocumentTables] = ()
    ) -> tuple[Decimal, list[ActLine]]:
        """(opening balance, the period's document rows) of ``query.client_id``."""

    def overdue_shipments(
        self, as_of: AsOf, *, client_id: UUID | None = None, host: Sequence[HostDocumentTables] = ()
    ) -> list[OverdueShipment]: ...

    def payments_received(
        self, client_id: UUID, as_of: AsOf, *, limit: int
    ) -> list[PaymentReceived]:
        """A client's newest incoming payments counted as of the date, newest first."""

    def stage_facts(self, contract_ids: Collection[UUID], as_of: AsOf) -> list[StageFact]:
        """Shipped, invoiced and paid per contract and stage (stage None: on no stage)."""
