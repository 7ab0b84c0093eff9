"""The counterparty's money as of a date: open items, ageing, the balance statement, the act.

The figures (``docs/money.md`` defines each):

- **balance** with a counterparty: the sum of its documents' gross amounts,
  debit (invoices, payments made to it) less credit (payments received,
  credit notes), dated on or before a date.  Positive: it owes us.
- **outstanding** of an invoice as of D: its gross less what the
  allocation log applied to it effective on or before D.
- **ageing** as of D: outstanding invoices by days past their due date, in
  buckets (not due, 1-30, 31-60, 61-90, over 90 by default); payments and
  credit notes not yet allocated by D are the counterparty's **advances**.

The reference implementation here (pure functions over documents and
allocations) is what the memory backend runs; the SQL backends answer the
same with GROUP BY, and the conformance suite checks they agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

import attrs

from crmcore.domain.allocations import Allocation, AsOf, OpenItem
from crmcore.domain.documents import Document, DocumentKind, Effect
from crmcore.errors import ValidationError

__all__ = [
    "DEFAULT_EDGES",
    "ZERO",
    "ActLine",
    "AgeingRow",
    "OverdueShipment",
    "PaymentReceived",
    "ReconciliationAct",
    "StatementQuery",
    "StatementRow",
    "act_lines",
    "ageing_rows",
    "bucket_labels",
    "bucket_of",
    "bucket_starts",
    "check_edges",
    "counted",
    "open_items",
    "overdue_shipments",
    "payments_received",
    "select_open",
    "statement_rows",
]

ZERO = Decimal("0.00")

#: Upper edges, in days past due, of the ageing buckets before "over 90".
DEFAULT_EDGES: tuple[int, ...] = (30, 60, 90)


def check_edges(edges: Sequence[int]) -> tuple[int, ...]:
    """Bucket edges as given (whole days, rising, more than zero), or ValidationError."""
    found = tuple(edges)
    if not found or any(not isinstance(e, int) or isinstance(e, bool) or e < 1 for e in found):
        raise ValidationError("edges", "must be whole numbers of days, each at least 1")
    if list(found) != sorted(set(found)):
        raise ValidationError("edges", "must rise, each edge once")
    return found


def bucket_labels(edges: Sequence[int]) -> tuple[str, ...]:
    """The names of the buckets: ``("not due", "1-30", "31-60", "61-90", "over 90")``."""
    labels = ["not due"]
    low = 1
    for edge in edges:
        labels.append(f"{low}-{edge}")
        low = edge + 1
    labels.append(f"over {edges[-1]}")
    return tuple(labels)


def bucket_of(days_overdue: int, edges: Sequence[int]) -> int:
    """The index of the bucket of an item ``days_overdue`` days past due (0: not due)."""
    if days_overdue <= 0:
        return 0
    for index, edge in enumerate(edges, start=1):
        if days_overdue <= edge:
            return index
    return len(edges) + 1


def bucket_starts(on: date, edges: Sequence[int]) -> tuple[date, ...]:
    """The due dates at which each overdue bucket starts, for SQL: an item due before
    ``starts[i]`` is in bucket ``i + 1`` or later."""
    return tuple(on - timedelta(days=edge) for edge in (0, *edges))


def counted(document: Document, as_of: AsOf) -> bool:
    """Whether a document counts as of a date: issued, dated by then, known by then."""
    return document.counts and as_of.admits(document.issued_on, document.created_at)


def open_items(
    documents: Iterable[Document], allocations: Iterable[Allocation], as_of: AsOf
) -> list[OpenItem]:
    """Every counted owed or paying document with money open as of ``as_of``, by date."""
    applied_to: dict[UUID, Decimal] = defaultdict(Decimal)
    applied_from: dict[UUID, Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        if as_of.admits(allocation.effective_on, allocation.created_at):
            applied_to[allocation.target_id] += allocation.amount
            applied_from[allocation.source_id] += allocation.amount
    items = []
    for document in documents:
        if not counted(document, as_of):
            continue
        if document.kind is DocumentKind.INVOICE:
            left = document.gross - applied_to[document.id]
        elif document.kind.pays:
            left = document.gross - applied_from[document.id]
        else:
            continue
        if left != 0:
            items.append(
                OpenItem(
                    document_id=document.id,
                    client_id=document.client_id,
                    kind=document.kind.value,
                    number=document.number,
                    currency=document.currency,
                    issued_on=document.issued_on,
                    due_on=document.due_on,
                    gross=document.gross,
                    open=left,
                )
            )
    items.sort(key=lambda i: (i.issued_on, i.number, i.document_id))
    return items


def select_open(
    items: Iterable[OpenItem], on: date, currency: str | None, overdue_only: bool
) -> list[OpenItem]:
    """The items in ``currency`` (any when None); with ``overdue_only`` the invoices past due."""
    return [
        item
        for item in items
        if (currency is None or item.currency == currency)
        and (
            not overdue_only
            or (item.kind == DocumentKind.INVOICE.value and item.days_overdue(on) > 0)
        )
    ]


@attrs.frozen(kw_only=True)
class AgeingRow:
    """One counterparty's outstanding invoices in one currency by bucket, and its advances."""

    client_id: UUID
    currency: str
    buckets: tuple[Decimal, ...]
    advances: Decimal = ZERO

    @property
    def outstanding(self) -> Decimal:
        return sum(self.buckets, ZERO)

    @property
    def overdue(self) -> Decimal:
        return sum(self.buckets[1:], ZERO)

    def __add__(self, other: AgeingRow) -> AgeingRow:
        return attrs.evolve(
            self,
            buckets=tuple(a + b for a, b in zip(self.buckets, other.buckets, strict=True)),
            advances=self.advances + other.advances,
        )


def ageing_rows(items: Iterable[OpenItem], on: date, edges: Sequence[int]) -> list[AgeingRow]:
    """Open items summed per counterparty and currency, by bucket; ordered by client id."""
    rows: dict[tuple[UUID, str], list[Decimal]] = {}
    advances: dict[tuple[UUID, str], Decimal] = defaultdict(Decimal)
    for item in items:
        key = (item.client_id, item.currency)
        buckets = rows.setdefault(key, [ZERO] * (len(edges) + 2))
        if item.kind == DocumentKind.INVOICE.value:
            buckets[bucket_of(item.days_overdue(on), edges)] += item.open
        else:
            advances[key] += item.open
    return [
        AgeingRow(
            client_id=key[0],
            currency=key[1],
            buckets=tuple(rows[key]),
            advances=advances.get(key, ZERO),
        )
        for key in sorted(rows, key=lambda k: (k[0].hex, k[1]))
    ]


@attrs.frozen(kw_only=True)
class StatementQuery:
    """Which part of the balances a statement covers: a period, and optional filters."""

    start: date
    end: date
    client_id: UUID | None = None
    contract_id: UUID | None = None
    currency: str | None = None

    def admits(self, document: Document) -> bool:
        return (
            (self.client_id is None or document.client_id == self.client_id)
            and (self.contract_id is None or document.contract_id == self.contract_id)
            and (self.currency is None or document.currency == self.currency)
        )


@attrs.frozen(kw_only=True)
class StatementRow:
    """One line of the counterparty balance statement: the seed's table, per currency.

    ``debit`` is the seed's "Приход", ``credit`` its "Расход".
    """

    client_id: UUID
    code: str
    name: str
    currency: str
    opening: Decimal
    debit: Decimal
    credit: Decimal

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit


def statement_rows(
    documents: Iterable[Document],
    clients: Mapping[UUID, tuple[str, str]],
    query: StatementQuery,
    as_known: AsOf,
) -> list[StatementRow]:
    """The statement's rows, by client code then currency (``clients``: id → (code, name)).

    A counterparty appears when it has a document dated by the period's end.
    """
    sums: dict[tuple[UUID, str], list[Decimal]] = {}
    for document in documents:
        effect = document.kind.effect
        if effect is Effect.NONE or not query.admits(document) or not counted(document, as_known):
            continue
        row = sums.setdefault((document.client_id, document.currency), [ZERO, ZERO, ZERO])
        if document.issued_on < query.start:
            row[0] += effect * document.gross
        elif effect is Effect.DEBIT:
            row[1] += document.gross
        else:
            row[2] += document.gross
    rows = [
        StatementRow(
            client_id=client_id,
            code=clients[client_id][0],
            name=clients[client_id][1],
            currency=currency,
            opening=values[0],
            debit=values[1],
            credit=values[2],
        )
        for (client_id, currency), values in sums.items()
    ]
    rows.sort(key=lambda r: (r.code, r.currency))
    return rows


@attrs.frozen(kw_only=True)
class ActLine:
    """One document row of a reconciliation act."""

    document_id: UUID | None
    issued_on: date
    kind: str
    number: str
    debit: Decimal
    credit: Decimal
    contract_id: UUID | None = None


@attrs.frozen(kw_only=True)
class ReconciliationAct:
    """The act of reconciliation (акт звірки) with one counterparty for a period, in one currency.

    ``ours_*`` come from the documents; ``theirs_*`` are the counterparty's
    own figures when they were given, and ``differences`` what ours less
    theirs leaves (empty when they were not).
    """

    client_id: UUID
    currency: str
    start: date
    end: date
    contract_id: UUID | None
    opening: Decimal
    lines: tuple[ActLine, ...]
    theirs_opening: Decimal | None = None
    theirs_debit: Decimal | None = None
    theirs_credit: Decimal | None = None

    @property
    def debit(self) -> Decimal:
        return sum((line.debit for line in self.lines), ZERO)

    @property
    def credit(self) -> Decimal:
        return sum((line.credit for line in self.lines), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.debit - self.credit

    @property
    def theirs_closing(self) -> Decimal | None:
        if self.theirs_opening is None or self.theirs_debit is None or self.theirs_credit is None:
            return None
        return self.theirs_opening + self.theirs_debit - self.theirs_credit

    @property
    def differences(self) -> dict[str, Decimal]:
        """Ours less theirs, per figure the counterparty gave (only the ones that differ)."""
        theirs = {
            "opening": self.theirs_opening,
            "debit": self.theirs_debit,
            "credit": self.theirs_credit,
            "closing": self.theirs_closing,
        }
        ours = {
            "opening": self.opening,
            "debit": self.debit,
            "credit": self.credit,
            "closing": self.closing,
        }
        return {
            name: ours[name] - value
            for name, value in theirs.items()
            if value is not None and ours[name] != value
        }


def act_lines(
    documents: Iterable[Document], query: StatementQuery, as_known: AsOf
) -> tuple[Decimal, list[ActLine]]:
    """(opening balance, the period's document rows by date) of one counterparty."""
    opening = ZERO
    lines = []
    for document in documents:
        effect = document.kind.effect
        if effect is Effect.NONE or not query.admits(document) or not counted(document, as_known):
            continue
        if document.issued_on < query.start:
            opening += effect * document.gross
            continue
        lines.append(
            ActLine(
                document_id=document.id,
                issued_on=document.issued_on,
                kind=document.kind.value,
                number=document.number,
                debit=document.gross if effect is Effect.DEBIT else ZERO,
                credit=document.gross if effect is Effect.CREDIT else ZERO,
                contract_id=document.contract_id,
            )
        )
    lines.sort(key=lambda line: (line.issued_on, line.number, line.kind))
    return opening, lines


@attrs.frozen(kw_only=True)
class OverdueShipment:
    """An order paid (in part or whole) by a date but not wholly shipped by its promised date."""

    document_id: UUID
    client_id: UUID
    number: str
    currency: str
    due_on: date
    gross: Decimal
    paid: Decimal
    shipped: Decimal

    @property
    def unshipped(self) -> Decimal:
        return self.gross - self.shipped


def overdue_shipments(
    documents: Sequence[Document], allocations: Iterable[Allocation], as_of: AsOf
) -> list[OverdueShipment]:
    """Orders due before ``as_of.on``, with payments applied to them or to their invoices
    by then, and acts or shipments based on them worth less than the order."""
    live = [d for d in documents if counted(d, as_of)]
    order_of = {d.id: d.based_on_id for d in live if d.kind is DocumentKind.INVOICE}
    paid: dict[UUID, Decimal] = defaultdict(Decimal)
    for allocation in allocations:
        if as_of.admits(allocation.effective_on, allocation.created_at):
            order = order_of.get(allocation.target_id, allocation.target_id)
            if order is not None:
                paid[order] += allocation.amount
    shipped: dict[UUID, Decimal] = defaultdict(Decimal)
    for document in live:
        if document.kind.ships and document.based_on_id is not None:
            shipped[document.based_on_id] += document.gross
    found = [
        OverdueShipment(
            document_id=d.id,
            client_id=d.client_id,
            number=d.number,
            currency=d.currency,
            due_on=d.due_on,
            gross=d.gross,
            paid=paid[d.id],
            shipped=shipped[d.id],
        )
        for d in live
        if d.kind is DocumentKind.ORDER
        and d.due_on is not None
        and d.due_on < as_of.on
        and paid[d.id] > 0
        and shipped[d.id] < d.gross
    ]
    found.sort(key=lambda s: (s.due_on, s.number))
    return found


@attrs.frozen(kw_only=True)
class PaymentReceived:
    """An incoming payment, as a client's money summary lists it."""

    document_id: UUID
    number: str
    issued_on: date
    currency: str
    amount: Decimal


def payments_received(
    documents: Iterable[Document], as_of: AsOf, limit: int
) -> list[PaymentReceived]:
    """The newest ``limit`` incoming payments counted as of a date, newest first."""
    found = sorted(
        (d for d in documents if d.kind is DocumentKind.PAYMENT_IN and counted(d, as_of)),
        key=lambda d: (d.issued_on, d.number, d.id),
        reverse=True,
    )
    return [
        PaymentReceived(
            document_id=d.id,
            number=d.number,
            issued_on=d.issued_on,
            currency=d.currency,
            amount=d.gross,
        )
        for d in found[:limit]
    ]
