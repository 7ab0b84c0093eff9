"""The money read models in SQL: open items, ageing, the statement, the act, plan against fact.

Each is one or two GROUP BY statements over the documents and the
allocation log as of a date: a document counts when issued, dated by then
and (with ``known_at``) recorded by then; an allocation when effective by
then and recorded by then.  Amounts are summed as whole hundredths, so the
sums are exact integers on every database.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, case, func, literal, or_, select

from crmcore.adapters.sqlalchemy.repository import Repository
from crmcore.domain.allocations import AsOf, OpenItem
from crmcore.domain.balances import (
    ActLine,
    AgeingRow,
    OverdueShipment,
    StatementQuery,
    StatementRow,
    bucket_starts,
)
from crmcore.domain.contracts import StageFact
from crmcore.domain.documents import DocumentKind, DocumentStatus, Effect
from crmcore.errors import StorageError
from crmcore.ports import HostDocumentTables

__all__ = ["Balances"]

_INVOICE = DocumentKind.INVOICE.value
_PAYING = [k.value for k in DocumentKind if k.pays]
_DEBIT = [k.value for k in DocumentKind if k.effect is Effect.DEBIT]
_CREDIT = [k.value for k in DocumentKind if k.effect is Effect.CREDIT]
_SHIPS = [k.value for k in DocumentKind if k.ships]


def _money(cents: Any) -> Decimal:
    return Decimal(int(cents or 0)).scaleb(-2)


def _refuse_tables(host: Sequence[HostDocumentTables]) -> None:
    if host:
        raise StorageError("reading a host's own document tables is not supported")


class Balances(Repository):
    """What counterparties owe, answered by the database."""

    def _counted(self, d: Any, as_of: AsOf) -> Any:
        conditions = [d.c.status == DocumentStatus.ISSUED.value, d.c.issued_on <= as_of.on]
        if as_of.known_at is not None:
            conditions.append(d.c.created_at <= as_of.known_at)
        return and_(*conditions)

    def _admitted(self, a: Any, as_of: AsOf) -> Any:
        conditions = [a.c.effective_on <= as_of.on]
        if as_of.known_at is not None:
            conditions.append(a.c.created_at <= as_of.known_at)
        return and_(*conditions)

    def _applied(self, as_of: AsOf, column: str, client_id: UUID | None) -> Any:
        a = self.t.allocations
        query = select(a.c[column].label("document_id"), func.sum(a.c.amount).label("applied"))
        query = query.where(self._admitted(a, as_of))
        if client_id is not None:
            query = query.where(a.c.client_id == client_id)
        return query.group_by(a.c[column]).subquery()

    def _open(
        self, as_of: AsOf, client_id: UUID | None, currency: str | None, overdue_only: bool
    ) -> Any:
        """The open items as a subquery: each counted invoice, payment and credit note
        with what is left of it (``open``) as of the date, where that is not zero."""
        d = self.t.documents
        to = self._applied(as_of, "target_id", client_id)
        of = self._applied(as_of, "source_id", client_id)
        left = d.c.gross - case(
            (d.c.kind == _INVOICE, func.coalesce(to.c.applied, 0)),
            else_=func.coalesce(of.c.applied, 0),
        )
        query = (
            select(
                d.c.id,
                d.c.client_id,
                d.c.kind,
                d.c.number,
                d.c.currency,
                d.c.issued_on,
                d.c.due_on,
                d.c.gross,
                left.label("open"),
            )
            .select_from(
                d.outerjoin(to, to.c.document_id == d.c.id).outerjoin(
                    of, of.c.document_id == d.c.id
                )
            )
            .where(self._counted(d, as_of), d.c.kind.in_([_INVOICE, *_PAYING]), left != 0)
        )
        if client_id is not None:
            query = query.where(d.c.client_id == client_id)
        if currency is not None:
            query = query.where(d.c.currency == currency)
        if overdue_only:
            query = query.where(d.c.kind == _INVOICE, d.c.due_on < as_of.on)
        return query.subquery()

    def open_items(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
        host: Sequence[HostDocumentTables] = (),
    ) -> list[OpenItem]:
        _refuse_tables(host)
        o = self._open(as_of, client_id, currency, overdue_only)
        query = select(o).order_by(o.c.issued_on, o.c.number, o.c.id)
        return [
            OpenItem(
                document_id=row.id,
                client_id=row.client_id,
                kind=row.kind,
                number=row.number,
                currency=row.currency,
                issued_on=row.issued_on,
                due_on=row.due_on,
                gross=_money(row.gross),
                open=_money(row.open),
            )
            for row in self.db.execute(query)
        ]

    def ageing(
        self,
        as_of: AsOf,
        edges: Sequence[int],
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        host: Sequence[HostDocumentTables] = (),
    ) -> list[AgeingRow]:
        _refuse_tables(host)
        o = self._open(as_of, client_id, currency, overdue_only=False)
        invoice = o.c.kind == _INVOICE
        starts = bucket_starts(as_of.on, edges)
        # An item due before starts[i] is at least (0, *edges)[i] + 1 days past due.
        limits = [
            invoice & or_(o.c.due_on.is_(None), o.c.due_on >= starts[0]),
            *(
                invoice & (o.c.due_on < starts[i]) & (o.c.due_on >= starts[i + 1])
                for i in range(len(edges))
            ),
            invoice & (o.c.due_on < starts[-1]),
        ]
        buckets = [func.sum(case((limit, o.c.open), else_=0)) for limit in limits]
        advances = func.sum(case((invoice, 0), else_=o.c.open))
        query = (
            select(o.c.client_id, o.c.currency, advances, *buckets)
            .group_by(o.c.client_id, o.c.currency)
            .order_by(o.c.client_id, o.c.currency)
        )
        return [
            AgeingRow(
                client_id=row[0],
                currency=row[1],
                advances=_money(row[2]),
                buckets=tuple(_money(value) for value in row[3:]),
            )
            for row in self.db.execute(query)
        ]

    def _statement_sums(self, query: StatementQuery, as_known: AsOf) -> Any:
        d = self.t.documents
        before = d.c.issued_on < query.start
        sign = case((d.c.kind.in_(_DEBIT), d.c.gross), else_=-d.c.gross)
        select_sums = select(
            d.c.client_id,
            d.c.currency,
            func.sum(case((before, sign), else_=0)).label("opening"),
            func.sum(case((~before & d.c.kind.in_(_DEBIT), d.c.gross), else_=0)).label("debit"),
            func.sum(case((~before & d.c.kind.in_(_CREDIT), d.c.gross), else_=0)).label("credit"),
        ).where(self._counted(d, as_known), d.c.kind.in_([*_DEBIT, *_CREDIT]))
        if query.client_id is not None:
            select_sums = select_sums.where(d.c.client_id == query.client_id)
        if query.contract_id is not None:
            select_sums = select_sums.where(d.c.contract_id == query.contract_id)
        if query.currency is not None:
            select_sums = select_sums.where(d.c.currency == query.currency)
        return select_sums.group_by(d.c.client_id, d.c.currency).subquery()

    def statement(
        self, query: StatementQuery, as_known: AsOf, *, host: Sequence[HostDocumentTables] = ()
    ) -> Iterator[StatementRow]:
        _refuse_tables(host)
        sums = self._statement_sums(query, as_known)
        c = self.t.clients
        code = c.c.code if self.codec.sqlite else c.c.code.collate("C")
        rows = (
            select(c.c.id, c.c.code, c.c.name, sums.c.currency, sums.c.opening)
            .add_columns(sums.c.debit, sums.c.credit)
            .select_from(sums.join(c, c.c.id == sums.c.client_id))
            .order_by(code, sums.c.currency)
            .execution_options(yield_per=2000)
        )
        for row in self.db.execute(rows):
            yield StatementRow(
                client_id=row[0],
                code=row[1],
                name=row[2],
                currency=row[3],
                opening=_money(row[4]),
                debit=_money(row[5]),
                credit=_money(row[6]),
            )

    def act(
        self, query: StatementQuery, as_known: AsOf, *, host: Sequence[HostDocumentTables] = ()
    ) -> tuple[Decimal, list[ActLine]]:
        _refuse_tables(host)
        d = self.t.documents
        conditions = [self._counted(d, as_known), d.c.kind.in_([*_DEBIT, *_CREDIT])]
        for column, value in (
            (d.c.client_id, query.client_id),
            (d.c.contract_id, query.contract_id),
            (d.c.currency, query.currency),
        ):
            if value is not None:
                conditions.append(column == value)
        sign = case((d.c.kind.in_(_DEBIT), d.c.gross), else_=-d.c.gross)
        opening = self.db.scalar(
            select(func.coalesce(func.sum(sign), 0)).where(*conditions, d.c.issued_on < query.start)
        )
        rows = self.db.execute(
            select(d.c.id, d.c.issued_on, d.c.kind, d.c.number, d.c.gross, d.c.contract_id)
            .where(*conditions, d.c.issued_on >= query.start)
            .order_by(d.c.issued_on, d.c.number, d.c.kind)
        )
        lines = [
            ActLine(
                document_id=row.id,
                issued_on=row.issued_on,
                kind=row.kind,
                number=row.number,
                debit=_money(row.gross) if row.kind in _DEBIT else _money(0),
                credit=_money(row.gross) if row.kind in _CREDIT else _money(0),
                contract_id=row.contract_id,
            )
            for row in rows
        ]
        return _money(opening), lines

    def overdue_shipments(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        host: Sequence[HostDocumentTables] = (),
    ) -> list[OverdueShipment]:
        _refuse_tables(host)
        d = self.t.documents
        a = self.t.allocations
        invoice = d.alias("invoice")
        order_of = case(
            (invoice.c.id.is_not(None), invoice.c.based_on_id), else_=a.c.target_id
        ).label("order_id")
        paid = (
            select(order_of, func.sum(a.c.amount).label("paid"))
            .select_from(
                a.outerjoin(
                    invoice,
                    and_(
                        invoice.c.id == a.c.target_id,
                        invoice.c.kind == _INVOICE,
                        self._counted(invoice, as_of),
                    ),
                )
            )
            .where(self._admitted(a, as_of))
            .group_by(order_of)
            .subquery()
        )
        shipment = d.alias("shipment")
        shipped = (
            select(shipment.c.based_on_id.label("order_id"), func.sum(shipment.c.gross).label("s"))
            .where(
                self._counted(shipment, as_of),
                shipment.c.kind.in_(_SHIPS),
                shipment.c.based_on_id.is_not(None),
            )
            .group_by(shipment.c.based_on_id)
            .subquery()
        )
        done = func.coalesce(shipped.c.s, 0)
        query = (
            select(d.c.id, d.c.client_id, d.c.number, d.c.currency, d.c.due_on, d.c.gross)
            .add_columns(paid.c.paid, done)
            .select_from(
                d.join(paid, paid.c.order_id == d.c.id).outerjoin(
                    shipped, shipped.c.order_id == d.c.id
                )
            )
            .where(
                self._counted(d, as_of),
                d.c.kind == DocumentKind.ORDER.value,
                d.c.due_on < as_of.on,
                paid.c.paid > 0,
                done < d.c.gross,
            )
            .order_by(d.c.due_on, d.c.number)
        )
        if client_id is not None:
            query = query.where(d.c.client_id == client_id)
        return [
            OverdueShipment(
                document_id=row[0],
                client_id=row[1],
                number=row[2],
                currency=row[3],
                due_on=row[4],
                gross=_money(row[5]),
                paid=_money(row[6]),
                shipped=_money(row[7]),
            )
            for row in self.db.execute(query)
        ]

    def stage_facts(self, contract_ids: Collection[UUID], as_of: AsOf) -> list[StageFact]:
        wanted = list(set(contract_ids))
        if not wanted:
            return []
        d = self.t.documents
        a = self.t.allocations
        shipped = func.sum(case((d.c.kind.in_(_SHIPS), d.c.gross), else_=0))
        invoiced = func.sum(
            case(
                (d.c.kind == _INVOICE, d.c.gross),
                (d.c.kind == DocumentKind.CREDIT_NOTE.value, -d.c.gross),
                else_=0,
            )
        )
        sums: dict[tuple[UUID, UUID | None], list[Any]] = {}
        documents = self.db.execute(
            select(d.c.contract_id, d.c.stage_id, shipped, invoiced, literal(0))
            .where(
                self._counted(d, as_of),
                d.c.contract_id.in_(wanted),
                d.c.kind.in_([*_SHIPS, _INVOICE, DocumentKind.CREDIT_NOTE.value]),
            )
            .group_by(d.c.contract_id, d.c.stage_id)
        )
        for row in documents:
            sums[(row[0], row[1])] = [row[2], row[3], 0]
        source = d.alias("source")
        # A credit note lowers what was invoiced; only payments count as paid.
        payments = self.db.execute(
            select(d.c.contract_id, d.c.stage_id, func.sum(a.c.amount))
            .select_from(
                a.join(d, d.c.id == a.c.target_id).join(source, source.c.id == a.c.source_id)
            )
            .where(
                self._admitted(a, as_of),
                self._counted(d, as_of),
                d.c.contract_id.in_(wanted),
                source.c.kind == DocumentKind.PAYMENT_IN.value,
            )
            .group_by(d.c.contract_id, d.c.stage_id)
        )
        for row in payments:
            sums.setdefault((row[0], row[1]), [0, 0, 0])[2] = row[2]
        return [
            StageFact(
                contract_id=key[0],
                stage_id=key[1],
                shipped=_money(v[0]),
                invoiced=_money(v[1]),
                paid=_money(v[2]),
            )
            for key, v in sums.items()
        ]
