"""Money reports: open items, overdue, ageing, the balance statement, the reconciliation act.

Every report is **as of a date** and reads the allocation log as of that
date, so a report for a past day gives the same figures whenever it is run;
``known_at`` also leaves out what was entered after a moment (to reproduce a
report exactly as it was printed).  Without ``as_of`` a report is for today
in the company's time zone (``crmcore.open(time_zone=...)``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import attrs

from crmcore.domain.allocations import AsOf, OpenItem
from crmcore.domain.balances import (
    DEFAULT_EDGES,
    ZERO,
    AgeingRow,
    OverdueShipment,
    PaymentReceived,
    ReconciliationAct,
    StatementQuery,
    StatementRow,
    act_lines,
    ageing_rows,
    bucket_labels,
    check_edges,
    open_items,
    overdue_shipments,
    payments_received,
    select_open,
    statement_rows,
)
from crmcore.domain.documents import DocumentKind, HostDocuments
from crmcore.domain.money import check_currency, money_amount
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.host_documents import (
    ask_hosts,
    merge_ageing,
    merge_statement,
    open_items_with_hosts,
)
from crmcore.services.refs import ClientRef, ContractRef, find_client, find_contract

__all__ = ["AgeingReport", "BalanceService", "MoneySummary", "StatementTotal", "statement_totals"]


@attrs.frozen(kw_only=True)
class AgeingReport:
    """Outstanding invoices by days past due as of ``on``: per counterparty, and per currency."""

    on: date
    labels: tuple[str, ...]
    rows: tuple[AgeingRow, ...]

    @property
    def totals(self) -> dict[str, AgeingRow]:
        """One row per currency adding up every counterparty's."""
        found: dict[str, AgeingRow] = {}
        for row in self.rows:
            found[row.currency] = found[row.currency] + row if row.currency in found else row
        return found


@attrs.frozen(kw_only=True)
class StatementTotal:
    """The balance statement's total line of one currency."""

    currency: str
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def statement_totals(rows: Sequence[StatementRow]) -> list[StatementTotal]:
    """The total line of each currency of a statement's rows."""
    sums: dict[str, list[Decimal]] = {}
    for row in rows:
        values = sums.setdefault(row.currency, [ZERO, ZERO, ZERO])
        values[0] += row.opening
        values[1] += row.debit
        values[2] += row.credit
    return [
        StatementTotal(currency=currency, opening=v[0], debit=v[1], credit=v[2])
        for currency, v in sorted(sums.items())
    ]


@attrs.frozen(kw_only=True)
class MoneySummary:
    """One client's money as of a date, per currency: what the client card shows."""

    on: date
    outstanding: dict[str, Decimal]
    overdue: dict[str, Decimal]
    advances: dict[str, Decimal]
    overdue_invoices: tuple[OpenItem, ...]
    last_payments: tuple[PaymentReceived, ...]


class BalanceService(Service):
    """``crm.balances``: what counterparties owe, as of any date."""

    kind = "balance"

    def _as_of(self, as_of: date | None, known_at: datetime | None) -> AsOf:
        on = self._context.today() if as_of is None else as_of
        if not isinstance(on, date) or isinstance(on, datetime):
            raise ValidationError("as_of", f"must be a date, not {type(on).__name__}")
        return AsOf(on=on, known_at=known_at)

    def _client_id(self, uow: UnitOfWork, client: ClientRef | None) -> UUID | None:
        return None if client is None else find_client(uow, client, "client").id

    def open_items(
        self,
        *,
        as_of: date | None = None,
        client: ClientRef | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
        known_at: datetime | None = None,
    ) -> list[OpenItem]:
        """Invoices not fully paid and payments not fully allocated (advances) as of a date.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> invoice = crm.documents.create(
            ...     "invoice",
            ...     client=client,
            ...     issued_on=date(2026, 3, 2),
            ...     due_on=date(2026, 3, 9),
            ...     lines=[{"description": "Кава", "quantity": "2", "price": "50"}],
            ... )
            >>> [(i.number, i.open) for i in crm.balances.open_items(as_of=date(2026, 3, 31))]
            [('РФ-2026-00001', Decimal('120.00'))]
        """
        point = self._as_of(as_of, known_at)
        if currency is not None:
            check_currency("currency", currency)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            client_id = self._client_id(uow, client)
            return self._open_items(uow, point, client_id, currency, overdue_only)

    def _open_items(
        self,
        uow: UnitOfWork,
        point: AsOf,
        client_id: UUID | None,
        currency: str | None,
        overdue_only: bool,
    ) -> list[OpenItem]:
        return open_items_with_hosts(
            self._context, uow, point, client_id, currency=currency, overdue_only=overdue_only
        )

    def _hosts(self, client_id: UUID | None, start: date | None, end: date) -> HostDocuments:
        return ask_hosts(self._context, None if client_id is None else [client_id], start, end)

    def overdue(
        self,
        *,
        as_of: date | None = None,
        client: ClientRef | None = None,
        currency: str | None = None,
    ) -> list[OpenItem]:
        """Invoices still unpaid after their due date, as of a date (today by default)."""
        return self.open_items(as_of=as_of, client=client, currency=currency, overdue_only=True)

    def overdue_shipments(
        self, *, as_of: date | None = None, client: ClientRef | None = None
    ) -> list[OverdueShipment]:
        """Orders paid (in part or whole) but not wholly shipped by their promised date."""
        point = self._as_of(as_of, None)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            client_id = self._client_id(uow, client)
            stored = uow.balances.overdue_shipments(point, client_id=client_id)
        host = self._hosts(client_id, None, point.on)
        if not host.documents:
            return stored
        theirs = overdue_shipments(host.documents, host.allocations, point)
        return sorted([*stored, *theirs], key=lambda s: (s.due_on, s.number))

    def ageing(
        self,
        *,
        as_of: date | None = None,
        edges: Sequence[int] = DEFAULT_EDGES,
        client: ClientRef | None = None,
        currency: str | None = None,
        known_at: datetime | None = None,
    ) -> AgeingReport:
        """Outstanding invoices by days past due (not due, 1-30, 31-60, 61-90, over 90 by
        default; ``edges`` moves the limits), with each counterparty's advances."""
        found_edges = check_edges(edges)
        point = self._as_of(as_of, known_at)
        if currency is not None:
            check_currency("currency", currency)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            client_id = self._client_id(uow, client)
            rows = uow.balances.ageing(point, found_edges, client_id=client_id, currency=currency)
        host = self._hosts(client_id, None, point.on)
        if host.documents:
            theirs = open_items(host.documents, host.allocations, point)
            chosen = select_open(theirs, point.on, currency, overdue_only=False)
            rows = merge_ageing(rows, ageing_rows(chosen, point.on, found_edges))
        return AgeingReport(on=point.on, labels=bucket_labels(found_edges), rows=tuple(rows))

    def _query(
        self,
        uow: UnitOfWork,
        start: date,
        end: date,
        client: ClientRef | None,
        contract: ContractRef | None,
        currency: str | None,
    ) -> StatementQuery:
        for field, value in (("start", start), ("end", end)):
            if not isinstance(value, date) or isinstance(value, datetime):
                raise ValidationError(field, f"must be a date, not {type(value).__name__}")
        if end < start:
            raise ValidationError("end", f"{end} is before the period's start {start}")
        if currency is not None:
            check_currency("currency", currency)
        return StatementQuery(
            start=start,
            end=end,
            client_id=self._client_id(uow, client),
            contract_id=None if contract is None else find_contract(uow, contract, "contract").id,
            currency=currency,
        )

    def statement(
        self,
        start: date,
        end: date,
        *,
        client: ClientRef | None = None,
        contract: ContractRef | None = None,
        currency: str | None = None,
        known_at: datetime | None = None,
    ) -> Iterator[StatementRow]:
        """The counterparty balance statement for a period: per counterparty and currency,
        the opening balance, debit (Приход), credit (Расход) and closing balance.

        The rows stream (a SQL backend reads them from its cursor as they are
        used); :func:`statement_totals` adds them up per currency.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> _ = crm.documents.create(
            ...     "invoice",
            ...     client=client,
            ...     issued_on=date(2026, 3, 2),
            ...     lines=[{"description": "Кава", "quantity": "1", "price": "100"}],
            ... )
            >>> [
            ...     (r.code, r.opening, r.debit, r.credit, r.closing)
            ...     for r in crm.balances.statement(date(2026, 3, 1), date(2026, 3, 31))
            ... ]
            [('22910019', Decimal('0.00'), Decimal('120.00'), Decimal('0.00'), Decimal('120.00'))]
        """
        point = self._as_of(end, known_at)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._query(uow, start, end, client, contract, currency)
            stored = uow.balances.statement(query, point)
            host = self._hosts(query.client_id, None, end)
            if not host.documents:
                yield from stored
                return
            named = uow.clients.get_many({d.client_id for d in host.documents})
            clients = {key: (c.code, c.name) for key, c in named.items()}
            theirs = statement_rows(host.documents, clients, query, point)
            yield from merge_statement(stored, theirs)

    def act(
        self,
        client: ClientRef,
        start: date,
        end: date,
        *,
        currency: str = "UAH",
        contract: ContractRef | None = None,
        theirs_opening: Decimal | str | int | None = None,
        theirs_debit: Decimal | str | int | None = None,
        theirs_credit: Decimal | str | int | None = None,
        known_at: datetime | None = None,
    ) -> ReconciliationAct:
        """The reconciliation act (акт звірки) with one counterparty for a period.

        The counterparty's own opening, debit and credit, when given, are
        set beside ours; :attr:`ReconciliationAct.differences` names each
        figure that differs.
        """
        theirs = {
            name: None if value is None else money_amount(name, value)
            for name, value in (
                ("theirs_opening", theirs_opening),
                ("theirs_debit", theirs_debit),
                ("theirs_credit", theirs_credit),
            )
        }
        point = self._as_of(end, known_at)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._query(uow, start, end, client, contract, currency)
            opening, lines = uow.balances.act(query, point)
        host = self._hosts(query.client_id, None, end)
        if host.documents:
            their_opening, their_lines = act_lines(host.documents, query, point)
            opening += their_opening
            lines = sorted([*lines, *their_lines], key=lambda x: (x.issued_on, x.number, x.kind))
        assert query.client_id is not None
        return ReconciliationAct(
            client_id=query.client_id,
            currency=currency,
            start=start,
            end=end,
            contract_id=query.contract_id,
            opening=opening,
            lines=tuple(lines),
            **theirs,
        )

    def summary(self, client: ClientRef, *, as_of: date | None = None) -> MoneySummary:
        """One client's outstanding, overdue and advances per currency, its overdue
        invoices and its last five payments, as of a date."""
        point = self._as_of(as_of, None)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            owner = find_client(uow, client, "client")
            items = self._open_items(uow, point, owner.id, None, overdue_only=False)
            payments = uow.balances.payments_received(owner.id, point, limit=5)
        host = self._hosts(owner.id, None, point.on)
        if host.documents:
            payments = sorted(
                [*payments, *payments_received(host.documents, point, 5)],
                key=lambda p: (p.issued_on, p.number, p.document_id.int),
                reverse=True,
            )[:5]
        outstanding: dict[str, Decimal] = {}
        overdue: dict[str, Decimal] = {}
        advances: dict[str, Decimal] = {}
        late = []
        for item in items:
            if item.kind == DocumentKind.INVOICE.value:
                outstanding[item.currency] = outstanding.get(item.currency, ZERO) + item.open
                if item.days_overdue(point.on) > 0:
                    overdue[item.currency] = overdue.get(item.currency, ZERO) + item.open
                    late.append(item)
            else:
                advances[item.currency] = advances.get(item.currency, ZERO) + item.open
        return MoneySummary(
            on=point.on,
            outstanding=outstanding,
            overdue=overdue,
            advances=advances,
            overdue_invoices=tuple(late),
            last_payments=tuple(payments),
        )
