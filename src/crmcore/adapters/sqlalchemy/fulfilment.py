"""The as-of conditions every money report shares, and the fulfilment reports in SQL:
orders paid but not shipped, and plan against fact per contract stage.

A document counts when issued, dated by the day and (with ``known_at``)
recorded by then; an allocation when effective by the day and recorded by
then.  Amounts are summed as whole hundredths, exact on every database.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import and_, bindparam, case, func, literal, literal_column, select

from crmcore.adapters.sqlalchemy.repository import Repository
from crmcore.domain.allocations import AsOf
from crmcore.domain.balances import OverdueShipment
from crmcore.domain.contracts import StageFact
from crmcore.domain.documents import DocumentKind, DocumentStatus, Effect

__all__ = [
    "CREDIT",
    "DEBIT",
    "INVOICE",
    "PAYING",
    "FulfilmentQueries",
    "kinds_in",
    "money_of",
]

INVOICE = DocumentKind.INVOICE.value
PAYING = [k.value for k in DocumentKind if k.pays]
DEBIT = [k.value for k in DocumentKind if k.effect is Effect.DEBIT]
CREDIT = [k.value for k in DocumentKind if k.effect is Effect.CREDIT]
_SHIPS = [k.value for k in DocumentKind if k.ships]


def money_of(cents: Any) -> Decimal:
    """Whole hundredths from the database as an amount."""
    return Decimal(int(cents or 0)).scaleb(-2)


def _values(as_of: AsOf) -> dict[str, Any]:
    """The parameters of a statement run through SQLAlchemy, which encodes them itself."""
    found: dict[str, Any] = {"on": as_of.on}
    if as_of.known_at is not None:
        found["known"] = as_of.known_at
    return found


def kinds_in(column: Any, kinds: Sequence[str]) -> Any:
    """``column IN ('invoice', ...)`` with the kinds written into the statement: they are
    constants, and the statement is compiled once for the driver."""
    return column.in_([literal_column(f"'{kind}'") for kind in kinds])


class FulfilmentQueries(Repository):
    """The as-of conditions, and what was shipped, invoiced and paid against orders and plans.

    Statements take the parameters ``on`` (the day) and ``known`` (the
    moment, when given).
    """

    def _counted(self, d: Any, known: bool) -> Any:
        conditions = [d.c.status == DocumentStatus.ISSUED.value, d.c.issued_on <= bindparam("on")]
        if known:
            conditions.append(d.c.created_at <= bindparam("known"))
        return and_(*conditions)

    def _admitted(self, a: Any, known: bool) -> Any:
        conditions = [a.c.effective_on <= bindparam("on")]
        if known:
            conditions.append(a.c.created_at <= bindparam("known"))
        return and_(*conditions)

    def _params(self, as_of: AsOf, **given: Any) -> dict[str, Any]:
        params = {"on": self.codec.day_in(as_of.on)}
        if as_of.known_at is not None:
            params["known"] = self.codec.moment_in(as_of.known_at)
        if given.get("client") is not None:
            params["client"] = self.codec.uuid_in(given["client"])
        if given.get("currency") is not None:
            params["currency"] = given["currency"]
        return params

    def overdue_shipments(
        self,
        as_of: AsOf,
        *,
        client_id: UUID | None = None,
    ) -> list[OverdueShipment]:
        known = as_of.known_at is not None
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
                        invoice.c.kind == INVOICE,
                        self._counted(invoice, known),
                    ),
                )
            )
            .where(self._admitted(a, known))
            .group_by(order_of)
            .subquery()
        )
        shipment = d.alias("shipment")
        shipped = (
            select(shipment.c.based_on_id.label("order_id"), func.sum(shipment.c.gross).label("s"))
            .where(
                self._counted(shipment, known),
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
                self._counted(d, known),
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
                gross=money_of(row[5]),
                paid=money_of(row[6]),
                shipped=money_of(row[7]),
            )
            for row in self.db.execute(query, _values(as_of))
        ]

    def stage_facts(self, contract_ids: Collection[UUID], as_of: AsOf) -> list[StageFact]:
        wanted = list(set(contract_ids))
        if not wanted:
            return []
        known = as_of.known_at is not None
        d = self.t.documents
        a = self.t.allocations
        shipped = func.sum(case((d.c.kind.in_(_SHIPS), d.c.gross), else_=0))
        invoiced = func.sum(
            case(
                (d.c.kind == INVOICE, d.c.gross),
                (d.c.kind == DocumentKind.CREDIT_NOTE.value, -d.c.gross),
                else_=0,
            )
        )
        sums: dict[tuple[UUID, UUID | None], list[Any]] = {}
        documents = self.db.execute(
            select(d.c.contract_id, d.c.stage_id, shipped, invoiced, literal(0))
            .where(
                self._counted(d, known),
                d.c.contract_id.in_(wanted),
                d.c.kind.in_([*_SHIPS, INVOICE, DocumentKind.CREDIT_NOTE.value]),
            )
            .group_by(d.c.contract_id, d.c.stage_id),
            _values(as_of),
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
                self._admitted(a, known),
                self._counted(d, known),
                d.c.contract_id.in_(wanted),
                source.c.kind == DocumentKind.PAYMENT_IN.value,
            )
            .group_by(d.c.contract_id, d.c.stage_id),
            _values(as_of),
        )
        for row in payments:
            sums.setdefault((row[0], row[1]), [0, 0, 0])[2] = row[2]
        return [
            StageFact(
                contract_id=key[0],
                stage_id=key[1],
                shipped=money_of(v[0]),
                invoiced=money_of(v[1]),
                paid=money_of(v[2]),
            )
            for key, v in sums.items()
        ]
