"""Sales documents: offers, orders, invoices, shipments and acts, payments, credit notes.

A document belongs to a client and may name a contact person, a project, a
contract and one of its stages.  Its lines are priced and rounded line by
line (:func:`~crmcore.domain.money.line_amounts`); its totals are the sums
of its lines, in the document's one currency.

What a document does to the balance with its counterparty
(:attr:`DocumentKind.effect`): an invoice and an outgoing payment are
**debit** (the counterparty owes more), an incoming payment and a credit
note are **credit**; offers, orders, shipments and acts are not money owed
and only feed plan against fact and overdue shipments.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.allocations import Allocation
from crmcore.domain.money import (
    Money,
    VatMode,
    currency_field,
    exact_field,
    line_amounts,
    to_money,
    to_quantity,
    to_unit_price,
)
from crmcore.domain.products import to_vat_rate, vat_rate
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "Document",
    "DocumentKind",
    "DocumentLine",
    "DocumentStatus",
    "Effect",
    "HostDocuments",
    "Recipient",
    "Totals",
    "number_for",
    "price_lines",
]


class Effect(enum.IntEnum):
    """The sign a document's gross amount takes in the counterparty's balance."""

    CREDIT = -1
    NONE = 0
    DEBIT = 1


class DocumentKind(enum.StrEnum):
    OFFER = "offer"
    ORDER = "order"
    INVOICE = "invoice"
    SHIPMENT = "shipment"
    ACT = "act"
    PAYMENT_IN = "payment_in"
    PAYMENT_OUT = "payment_out"
    CREDIT_NOTE = "credit_note"

    @property
    def effect(self) -> Effect:
        return _EFFECTS.get(self, Effect.NONE)

    @property
    def prefix(self) -> str:
        """What the numbers of this kind start with."""
        return _PREFIXES[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    @property
    def pays(self) -> bool:
        """Whether this kind is applied to what is owed (a payment in, a credit note)."""
        return self in (DocumentKind.PAYMENT_IN, DocumentKind.CREDIT_NOTE)

    @property
    def owed(self) -> bool:
        """Whether payments are applied to this kind (an invoice, or an order paid in advance)."""
        return self in (DocumentKind.INVOICE, DocumentKind.ORDER)

    @property
    def ships(self) -> bool:
        return self in (DocumentKind.SHIPMENT, DocumentKind.ACT)

    @property
    def has_lines(self) -> bool:
        return self not in (DocumentKind.PAYMENT_IN, DocumentKind.PAYMENT_OUT)


_EFFECTS = {
    DocumentKind.INVOICE: Effect.DEBIT,
    DocumentKind.PAYMENT_OUT: Effect.DEBIT,
    DocumentKind.PAYMENT_IN: Effect.CREDIT,
    DocumentKind.CREDIT_NOTE: Effect.CREDIT,
}
_PREFIXES = {
    DocumentKind.OFFER: "КП",
    DocumentKind.ORDER: "ЗМ",
    DocumentKind.INVOICE: "РФ",
    DocumentKind.SHIPMENT: "ВН",
    DocumentKind.ACT: "АКТ",
    DocumentKind.PAYMENT_IN: "ПН",
    DocumentKind.PAYMENT_OUT: "ПВ",
    DocumentKind.CREDIT_NOTE: "КН",
}
_LABELS = {
    DocumentKind.OFFER: "Комерційна пропозиція",
    DocumentKind.ORDER: "Замовлення",
    DocumentKind.INVOICE: "Рахунок-фактура",
    DocumentKind.SHIPMENT: "Видаткова накладна",
    DocumentKind.ACT: "Акт виконаних робіт",
    DocumentKind.PAYMENT_IN: "Надходження оплати",
    DocumentKind.PAYMENT_OUT: "Виплата",
    DocumentKind.CREDIT_NOTE: "Кредит-нота",
}


class DocumentStatus(enum.StrEnum):
    """A draft counts nowhere; an issued document counts from its date; a cancelled
    offer or order counts nowhere (money documents are corrected by credit notes)."""

    DRAFT = "draft"
    ISSUED = "issued"
    CANCELLED = "cancelled"


def _to_kind(value: object) -> object:
    return check.to_enum(DocumentKind, value)


def _to_status(value: object) -> object:
    return check.to_enum(DocumentStatus, value)


def _to_vat_mode(value: object) -> object:
    return check.to_enum(VatMode, value)


@attrs.frozen(kw_only=True)
class Totals:
    """A document's net, VAT and gross, each the sum of its rounded lines."""

    net: Decimal
    vat: Decimal
    gross: Decimal


@attrs.define(kw_only=True)
class DocumentLine(Record):
    """One line: product (or a free description), quantity, unit, price, discount, VAT.

    ``net``, ``vat`` and ``gross`` are the line's rounded amounts, set by
    :func:`price_lines`.
    """

    document_id: UUID = attrs.field(validator=check.uuid())
    position: int = attrs.field(validator=check.of_type(int))
    product_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    description: str = attrs.field(converter=check.strip, validator=check.text(max_length=1000))
    quantity: Decimal = attrs.field(
        converter=to_quantity,
        validator=exact_field(places=3, positive=True),
        metadata={"places": 3},
    )
    unit: str = attrs.field(
        default="шт", converter=check.strip, validator=check.text(max_length=16)
    )
    price: Decimal = attrs.field(
        converter=to_unit_price,
        validator=exact_field(places=4, non_negative=True),
        metadata={"places": 4},
    )
    discount: Decimal = attrs.field(
        default=Decimal("0.00"), converter=to_money, validator=exact_field(non_negative=True)
    )
    vat_rate: Decimal = attrs.field(
        default=Decimal(20),
        converter=to_vat_rate,
        validator=vat_rate,
        metadata={"places": 0},
    )
    net: Decimal = attrs.field(default=Decimal("0.00"), validator=exact_field())
    vat: Decimal = attrs.field(default=Decimal("0.00"), validator=exact_field())
    gross: Decimal = attrs.field(default=Decimal("0.00"), validator=exact_field())

    def __attrs_post_init__(self) -> None:
        if self.discount > 100:
            raise ValidationError(
                "discount", f"is a percentage of at most 100, not {self.discount}"
            )


def price_lines(
    lines: Sequence[DocumentLine], mode: VatMode
) -> tuple[tuple[DocumentLine, ...], Totals]:
    """The lines with their rounded amounts, and the document's totals."""
    priced = []
    for line in lines:
        net, vat, gross = line_amounts(
            line.quantity, line.price, line.discount, line.vat_rate, mode
        )
        priced.append(attrs.evolve(line, net=net, vat=vat, gross=gross))
    zero = Decimal("0.00")
    totals = Totals(
        net=sum((line.net for line in priced), zero),
        vat=sum((line.vat for line in priced), zero),
        gross=sum((line.gross for line in priced), zero),
    )
    return tuple(priced), totals


@attrs.define(kw_only=True)
class Document(Record):
    """A sales document.

    Attributes:
        kind: what it is (:class:`DocumentKind`).
        number: its number, unique per kind (``РФ-2026-00001``); ``sequence``
            is the running number within its kind and year when crmcore
            numbered it.
        issued_on: the date it counts from in balances and reports.
        due_on: an invoice's payment date; an order's promised shipment date.
        based_on_id: the document it was made from (an invoice from an
            order, a credit note from the invoice it reduces).
        gross: what it is worth; ``net`` and ``vat`` its parts.
        source: ``"crmcore"``, or the name a host gives its own documents.
        external_id: the host's id of it.
    """

    kind: DocumentKind = attrs.field(converter=_to_kind, validator=check.member_of(DocumentKind))
    number: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    sequence: int | None = attrs.field(default=None, validator=check.of_type(int, optional=True))
    client_id: UUID = attrs.field(validator=check.uuid())
    contact_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    project_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    contract_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    stage_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    based_on_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    currency: str = attrs.field(default="UAH", validator=currency_field)
    vat_mode: VatMode = attrs.field(
        default=VatMode.ON_TOP, converter=_to_vat_mode, validator=check.member_of(VatMode)
    )
    issued_on: date = attrs.field(validator=check.day())
    due_on: date | None = attrs.field(default=None, validator=check.day(optional=True))
    status: DocumentStatus = attrs.field(
        default=DocumentStatus.ISSUED,
        converter=_to_status,
        validator=check.member_of(DocumentStatus),
    )
    net: Decimal = attrs.field(default=Decimal("0.00"), converter=to_money, validator=exact_field())
    vat: Decimal = attrs.field(default=Decimal("0.00"), converter=to_money, validator=exact_field())
    gross: Decimal = attrs.field(
        default=Decimal("0.00"), converter=to_money, validator=exact_field(non_negative=True)
    )
    note: str = attrs.field(default="", validator=check.long_text)
    source: str = attrs.field(default="crmcore", validator=check.text(max_length=32))
    external_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )

    def __attrs_post_init__(self) -> None:
        if self.due_on is not None and self.due_on < self.issued_on:
            raise ValidationError("due_on", f"{self.due_on} is before the document's date")

    @property
    def total(self) -> Money:
        return Money(self.gross, self.currency)

    @property
    def title(self) -> str:
        return f"{self.kind.label} № {self.number} від {self.issued_on:%d.%m.%Y}"

    @property
    def counts(self) -> bool:
        """Whether it counts in balances and reports (issued, not a draft or cancelled)."""
        return self.status is DocumentStatus.ISSUED


@attrs.frozen(kw_only=True)
class Recipient:
    """Who a document is sent to: a name for the greeting and an e-mail address."""

    address: str = attrs.field(converter=check.strip, validator=check.email())
    name: str = ""


@attrs.frozen(kw_only=True)
class HostDocuments:
    """A host ERP's own documents for the clients and period asked, and the allocations
    of its payments to its invoices (see the ``crmcore_documents`` hook)."""

    documents: tuple[Document, ...] = attrs.field(default=(), converter=check.as_tuple)
    allocations: tuple[Allocation, ...] = attrs.field(default=(), converter=check.as_tuple)


def number_for(kind: DocumentKind, year: int, sequence: int) -> str:
    """The number crmcore gives the ``sequence``-th document of ``kind`` in ``year``.

    Example:
        >>> number_for(DocumentKind.INVOICE, 2026, 7)
        'РФ-2026-00007'
    """
    return f"{kind.prefix}-{year}-{sequence:05d}"
