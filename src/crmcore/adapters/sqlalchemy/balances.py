"""The money read models in SQL: open items, ageing, the statement, the act, plan against fact.

Each is one or two GROUP BY statements over the documents and the
allocation log as of a date: a document counts when issued, dated by then
and (with ``known_at``) recorded by then; an allocation when effective by
then and recorded by then.  Amounts are summed as whole hundredths, so the
sums are exact integers on every database.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, case, func, or_, select

from crmcore.adapters.sqlalchemy.fulfilment import (
    CREDIT,
    DEBIT,
    INVOICE,
    PAYING,
    FulfilmentQueries,
    kinds_in,
    money_of,
)
from crmcore.domain.allocations import AsOf, OpenItem
from crmcore.domain.balances import (
    ActLine,
    AgeingRow,
    PaymentReceived,
    StatementQuery,
    StatementRow,
    bucket_starts,
)
from crmcore.domain.documents import DocumentKind

__all__ = ["Balances"]


class Balances(FulfilmentQueries):
    """What counterparties owe, answered by the database.

    The reports a person waits for run as statements compiled once per shape
    on the driver's cursor; their parameters are ``on`` (the day), ``known``
    (the moment, when given), ``client`` and ``currency`` (when filtered).
    """

    def _applied(self, column: str, known: bool, by_client: bool) -> Any:
        a = self.t.allocations
        query = select(a.c[column].label("document_id"), func.sum(a.c.amount).label("applied"))
        query = query.where(self._admitted(a, known))
        if by_client:
            query = query.where(a.c.client_id == bindparam("client"))
        return query.group_by(a.c[column]).subquery()

    def _open(self, known: bool, by_client: bool, by_currency: bool, overdue_only: bool) -> Any:
        """The open items as a subquery: each counted invoice, payment and credit note
        with what is left of it (``open``) as of the day, where that is not zero."""
        d = self.t.documents
        to = self._applied("target_id", known, by_client)
        of = self._applied("source_id", known, by_client)
        left = d.c.gross - case(
            (d.c.kind == INVOICE, func.coalesce(to.c.applied, 0)),
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
            .where(self._counted(d, known), kinds_in(d.c.kind, [INVOICE, *PAYING]), left != 0)
        )
        if by_client:
            query = query.where(d.c.client_id == bindparam("client"))
        if by_currency:
            query = query.where(d.c.currency == bindparam("currency"))
        if overdue_only:
            query = query.where(d.c.kind == INVOICE, d.c.due_on < bindparam("on"))
        return query.subquery()

    def open_items(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
        overdue_only: bool = False,
    ) -> list[OpenItem]:
        shape = (as_of.known_at is not None, client_id is not None, currency is not None)

        def build() -> Any:
            o = self._open(*shape, overdue_only)
            return select(o).order_by(o.c.issued_on, o.c.number, o.c.id)

        rows = self._rows(
            ("balances", "open items", *shape, overdue_only),
            build,
            **self._params(as_of, client=client_id, currency=currency),
        )
        uuid, day = self.codec.uuid_out, self.codec.day_out
        return [
            OpenItem(
                document_id=uuid(row[0]),
                client_id=uuid(row[1]),
                kind=row[2],
                number=row[3],
                currency=row[4],
                issued_on=day(row[5]),
                due_on=None if row[6] is None else day(row[6]),
                gross=money_of(row[7]),
                open=money_of(row[8]),
            )
            for row in rows
        ]

    def ageing(
        self,
        as_of: AsOf,
        edges: Sequence[int],
        *,
        client_id: UUID | None = None,
        currency: str | None = None,
    ) -> list[AgeingRow]:
        shape = (as_of.known_at is not None, client_id is not None, currency is not None)
        count = len(edges)

        def build() -> Any:
            o = self._open(*shape, overdue_only=False)
            invoice = o.c.kind == INVOICE
            starts: list[Any] = [bindparam(f"s{i}") for i in range(count + 1)]
            # An item due before starts[i] is at least (0, *edges)[i] + 1 days past due.
            limits = [
                invoice & or_(o.c.due_on.is_(None), o.c.due_on >= starts[0]),
                *(
                    invoice & (o.c.due_on < starts[i]) & (o.c.due_on >= starts[i + 1])
                    for i in range(count)
                ),
                invoice & (o.c.due_on < starts[-1]),
            ]
            buckets = [func.sum(case((limit, o.c.open), else_=0)) for limit in limits]
            advances = func.sum(case((invoice, 0), else_=o.c.open))
            return (
                select(o.c.client_id, o.c.currency, advances, *buckets)
                .group_by(o.c.client_id, o.c.currency)
                .order_by(o.c.client_id, o.c.currency)
            )

        params = self._params(as_of, client=client_id, currency=currency)
        for i, start in enumerate(bucket_starts(as_of.on, edges)):
            params[f"s{i}"] = self.codec.day_in(start)
        rows = self._rows(("balances", "ageing", *shape, count), build, **params)
        uuid = self.codec.uuid_out
        return [
            AgeingRow(
                client_id=uuid(row[0]),
                currency=row[1],
                advances=money_of(row[2]),
                buckets=tuple(money_of(value) for value in row[3:]),
            )
            for row in rows
        ]

    def _sums(self, known: bool, filters: tuple[bool, bool, bool]) -> Any:
        """Per counterparty and currency: the opening balance, debit and credit."""
        d = self.t.documents
        before = d.c.issued_on < bindparam("start")
        sign = case((kinds_in(d.c.kind, DEBIT), d.c.gross), else_=-d.c.gross)
        debit = case((~before & kinds_in(d.c.kind, DEBIT), d.c.gross), else_=0)
        credit = case((~before & kinds_in(d.c.kind, CREDIT), d.c.gross), else_=0)
        query = select(
            d.c.client_id,
            d.c.currency,
            func.sum(case((before, sign), else_=0)).label("opening"),
            func.sum(debit).label("debit"),
            func.sum(credit).label("credit"),
        ).where(self._counted(d, known), kinds_in(d.c.kind, [*DEBIT, *CREDIT]))
        for given, column in zip(filters, ("client_id", "contract_id", "currency"), strict=True):
            if given:
                query = query.where(d.c[column] == bindparam(column))
        return query.group_by(d.c.client_id, d.c.currency).subquery()

    def _statement_params(self, query: StatementQuery, as_known: AsOf) -> dict[str, Any]:
        params = self._params(as_known)
        params["start"] = self.codec.day_in(query.start)
        if query.client_id is not None:
            params["client_id"] = self.codec.uuid_in(query.client_id)
        if query.contract_id is not None:
            params["contract_id"] = self.codec.uuid_in(query.contract_id)
        if query.currency is not None:
            params["currency"] = query.currency
        return params

    def statement(self, query: StatementQuery, as_known: AsOf) -> Iterator[StatementRow]:
        known = as_known.known_at is not None
        filters = (
            query.client_id is not None,
            query.contract_id is not None,
            query.currency is not None,
        )

        def build() -> Any:
            sums = self._sums(known, filters)
            c = self.t.clients
            code = c.c.code if self.codec.sqlite else c.c.code.collate("C")
            return (
                select(c.c.id, c.c.code, c.c.name, sums.c.currency, sums.c.opening)
                .add_columns(sums.c.debit, sums.c.credit)
                .select_from(sums.join(c, c.c.id == sums.c.client_id))
                .order_by(code, sums.c.currency)
            )

        rows = self.statements.stream(
            self.db,
            ("balances", "statement", known, filters),
            build,
            self._statement_params(query, as_known),
        )
        uuid = self.codec.uuid_out
        for row in rows:
            yield StatementRow(
                client_id=uuid(row[0]),
                code=row[1],
                name=row[2],
                currency=row[3],
                opening=money_of(row[4]),
                debit=money_of(row[5]),
                credit=money_of(row[6]),
            )

    def act(self, query: StatementQuery, as_known: AsOf) -> tuple[Decimal, list[ActLine]]:
        d = self.t.documents
        known = as_known.known_at is not None
        filters = (
            query.client_id is not None,
            query.contract_id is not None,
            query.currency is not None,
        )

        def conditions() -> list[Any]:
            found = [self._counted(d, known), kinds_in(d.c.kind, [*DEBIT, *CREDIT])]
            for given, column in zip(
                filters, ("client_id", "contract_id", "currency"), strict=True
            ):
                if given:
                    found.append(d.c[column] == bindparam(column))
            return found

        def opening() -> Any:
            sign = case((kinds_in(d.c.kind, DEBIT), d.c.gross), else_=-d.c.gross)
            return select(func.coalesce(func.sum(sign), 0)).where(
                *conditions(), d.c.issued_on < bindparam("start")
            )

        def lines() -> Any:
            columns = (d.c.id, d.c.issued_on, d.c.kind, d.c.number, d.c.gross, d.c.contract_id)
            return (
                select(*columns)
                .where(*conditions(), d.c.issued_on >= bindparam("start"))
                .order_by(d.c.issued_on, d.c.number, d.c.kind)
            )

        params = self._statement_params(query, as_known)
        [(before,)] = self._rows(("balances", "act opening", known, filters), opening, **params)
        rows = self._rows(("balances", "act lines", known, filters), lines, **params)
        uuid, day = self.codec.uuid_out, self.codec.day_out
        found = [
            ActLine(
                document_id=uuid(row[0]),
                issued_on=day(row[1]),
                kind=row[2],
                number=row[3],
                debit=money_of(row[4]) if row[2] in DEBIT else money_of(0),
                credit=money_of(row[4]) if row[2] in CREDIT else money_of(0),
                contract_id=self.codec.uuid_or_none_out(row[5]),
            )
            for row in rows
        ]
        return money_of(before), found

    def payments_received(
        self, client_id: UUID, as_of: AsOf, *, limit: int
    ) -> list[PaymentReceived]:
        d = self.t.documents
        known = as_of.known_at is not None

        def build() -> Any:
            return (
                select(d.c.id, d.c.number, d.c.issued_on, d.c.currency, d.c.gross)
                .where(
                    d.c.client_id == bindparam("client"),
                    d.c.kind == DocumentKind.PAYMENT_IN.value,
                    self._counted(d, known),
                )
                .order_by(d.c.issued_on.desc(), d.c.number.desc(), d.c.id.desc())
                .limit(bindparam("limit"))
            )

        params = {**self._params(as_of, client=client_id), "limit": limit}
        rows = self._rows(("balances", "payments received", known), build, **params)
        uuid, day = self.codec.uuid_out, self.codec.day_out
        return [
            PaymentReceived(
                document_id=uuid(row[0]),
                number=row[1],
                issued_on=day(row[2]),
                currency=row[3],
                amount=money_of(row[4]),
            )
            for row in rows
        ]
