"""Making sales documents: their lines, totals, numbers, and the checks against contracts."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from crmcore.domain.allocations import Allocation
from crmcore.domain.contracts import Contract
from crmcore.domain.documents import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    number_for,
    price_lines,
)
from crmcore.domain.money import VatMode, money_amount
from crmcore.domain.signals import DocumentIssued
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import build
from crmcore.services.documents.sending import DocumentSending
from crmcore.services.refs import (
    ClientRef,
    ContactRef,
    ContractRef,
    DocumentRef,
    ProjectRef,
    find_client,
    find_contact,
    find_contract,
    find_document,
    find_product,
    find_project,
)

__all__ = ["DocumentService"]

_LINE_FIELDS = frozenset(
    {"product", "description", "quantity", "unit", "price", "discount", "vat_rate"}
)


class DocumentService(DocumentSending):
    """``crm.documents``: offers, orders, invoices, shipments and acts, payments, credit notes."""

    kind = "document"

    def create(
        self,
        kind: DocumentKind | str,
        *,
        client: ClientRef,
        issued_on: date,
        lines: Iterable[Mapping[str, Any]] = (),
        amount: Decimal | str | int | None = None,
        due_on: date | None = None,
        number: str | None = None,
        currency: str | None = None,
        vat_mode: VatMode | str | None = None,
        contract: ContractRef | None = None,
        stage: Any = None,
        project: ProjectRef | None = None,
        contact: ContactRef | None = None,
        based_on: DocumentRef | None = None,
        status: DocumentStatus | str = DocumentStatus.ISSUED,
        note: str = "",
    ) -> Document:
        """Make a document and its lines in one unit of work.

        Args:
            kind: ``"offer"``, ``"order"``, ``"invoice"``, ``"shipment"``,
                ``"act"``, ``"payment_in"``, ``"payment_out"`` or ``"credit_note"``.
            lines: for every kind but payments, mappings of ``product`` (a
                product, its id or code, whose name, unit, price and VAT rate
                are the defaults), ``description``, ``quantity``, ``unit``,
                ``price``, ``discount`` (percent) and ``vat_rate``.
            amount: a payment's sum (payments have no lines).
            number: by default the next of the kind's series for the year
                (``РФ-2026-00001``).
            currency, vat_mode: by default the contract's, else UAH with VAT on top.
            contract, stage: what the document counts towards in plan
                against fact; the document must be dated within the contract.
            based_on: the order an invoice or shipment is made from; the
                invoice a credit note reduces (required for a credit note,
                which is applied to that invoice at once).

        Raises:
            ValidationError: naming the field, for money given as a float,
                mixed currencies, a negative quantity, an unknown VAT rate, a
                date outside the contract, a credit note larger than what
                its invoice still owes; nothing is stored.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> invoice = crm.documents.create(
            ...     "invoice",
            ...     client=client,
            ...     issued_on=date(2026, 3, 2),
            ...     due_on=date(2026, 3, 16),
            ...     lines=[{"description": "Кава, 1 кг", "quantity": "3", "price": "33.33"}],
            ... )
            >>> invoice.number, invoice.net, invoice.vat, invoice.gross
            ('РФ-2026-00001', Decimal('99.99'), Decimal('20.00'), Decimal('119.99'))
        """
        kind = _kind(kind)
        with self._unit_of_work() as uow:
            owner = find_client(uow, client, "client")
            links: dict[str, Any] = {"client_id": owner.id}
            found_contract = None
            if contract is not None:
                found_contract = find_contract(uow, contract, "contract")
                if found_contract.client_id != owner.id:
                    raise ValidationError(
                        "contract", f"{found_contract.number} is another client's"
                    )
                found_contract.check_dated("issued_on", issued_on)
                links["contract_id"] = found_contract.id
                links["project_id"] = found_contract.project_id
            if stage is not None:
                links["stage_id"] = _stage_of(uow, found_contract, stage)
            if project is not None:
                links["project_id"] = find_project(uow, project, "project").id
            if contact is not None:
                found_contact = find_contact(uow, contact, "contact")
                if found_contact.client_id != owner.id:
                    raise ValidationError("contact", "is another client's contact person")
                links["contact_id"] = found_contact.id
            document = build(
                Document,
                kind=kind,
                number=number or "—",
                issued_on=issued_on,
                due_on=due_on,
                status=status,
                note=note,
                currency=currency
                or (found_contract.currency if found_contract is not None else "UAH"),
                vat_mode=vat_mode
                or (found_contract.vat_mode if found_contract is not None else VatMode.ON_TOP),
                **links,
            )
            if found_contract is not None and document.currency != found_contract.currency:
                raise ValidationError(
                    "currency",
                    f"a {document.currency} document cannot count towards "
                    f"{found_contract.currency} contract {found_contract.number}",
                )
            based = self._based_on(uow, document, based_on)
            if based is not None:
                document = attrs.evolve(document, based_on_id=based.id)
            document, priced = self._priced(uow, document, lines, amount)
            if based is not None and kind is DocumentKind.CREDIT_NOTE:
                _check_credit(uow, based, document.gross)
            if number is None:
                year = issued_on.year
                sequence = uow.documents.last_sequence(kind, year) + 1
                document = attrs.evolve(
                    document, sequence=sequence, number=number_for(kind, year, sequence)
                )
            stored = self._add(uow, uow.documents, document)
            for line in priced:
                self._add(
                    uow,
                    uow.document_lines,
                    attrs.evolve(line, document_id=stored.id),
                    kind="document line",
                )
            if based is not None and kind is DocumentKind.CREDIT_NOTE and stored.counts:
                self._apply_credit(uow, stored, based)
            if stored.counts:
                self._publish(uow, DocumentIssued(stored))
            return stored

    def _based_on(
        self, uow: UnitOfWork, document: Document, based_on: DocumentRef | None
    ) -> Document | None:
        if based_on is None:
            if document.kind is DocumentKind.CREDIT_NOTE:
                raise ValidationError("based_on", "a credit note names the invoice it reduces")
            return None
        based = find_document(uow, based_on, "based_on")
        if based.client_id != document.client_id:
            raise ValidationError("based_on", f"{based.number} is another client's document")
        if based.currency != document.currency:
            raise ValidationError(
                "currency", f"{based.number} is in {based.currency}, not {document.currency}"
            )
        wanted = {
            DocumentKind.CREDIT_NOTE: (DocumentKind.INVOICE,),
            DocumentKind.INVOICE: (DocumentKind.ORDER, DocumentKind.OFFER),
            DocumentKind.ORDER: (DocumentKind.OFFER,),
            DocumentKind.SHIPMENT: (DocumentKind.ORDER, DocumentKind.INVOICE),
            DocumentKind.ACT: (DocumentKind.ORDER, DocumentKind.INVOICE),
        }.get(document.kind, ())
        if based.kind not in wanted:
            raise ValidationError(
                "based_on", f"a {document.kind.value} is not made from a {based.kind.value}"
            )
        if not based.counts:
            raise ValidationError("based_on", f"{based.number} is not issued")
        return based

    def _priced(
        self,
        uow: UnitOfWork,
        document: Document,
        lines: Iterable[Mapping[str, Any]],
        amount: Decimal | str | int | None,
    ) -> tuple[Document, tuple[DocumentLine, ...]]:
        given = list(lines)
        if not document.kind.has_lines:
            if given:
                raise ValidationError("lines", "a payment has an amount, not lines")
            if amount is None:
                raise ValidationError("amount", "a payment needs its amount")
            gross = money_amount("amount", amount)
            if gross <= 0:
                raise ValidationError("amount", f"must be more than zero, not {gross}")
            return attrs.evolve(document, net=gross, gross=gross), ()
        if amount is not None:
            raise ValidationError("amount", "is the sum of the lines; give lines instead")
        if not given:
            raise ValidationError("lines", f"a {document.kind.value} needs at least one line")
        made = [
            _line(uow, document, position, line) for position, line in enumerate(given, start=1)
        ]
        priced, totals = price_lines(made, document.vat_mode)
        return attrs.evolve(document, net=totals.net, vat=totals.vat, gross=totals.gross), priced

    def _apply_credit(self, uow: UnitOfWork, note: Document, invoice: Document) -> None:
        owed = invoice.gross - uow.allocations.applied_to(invoice.id)
        amount = min(note.gross, owed)
        if amount <= 0:
            return
        allocation = Allocation(
            source_id=note.id,
            target_id=invoice.id,
            client_id=note.client_id,
            currency=note.currency,
            amount=amount,
            effective_on=note.issued_on,
            automatic=True,
        )
        self._add(uow, uow.allocations, allocation, kind="allocation")

    def issue(self, document: DocumentRef) -> Document:
        """Issue a draft: from now on it counts, from its date."""
        with self._unit_of_work() as uow:
            stored = find_document(uow, document)
            if stored.status is not DocumentStatus.DRAFT:
                raise ValidationError("status", f"{stored.number} is {stored.status.value}")
            invoice = None
            if stored.kind is DocumentKind.CREDIT_NOTE and stored.based_on_id is not None:
                invoice = find_document(uow, stored.based_on_id, "based_on")
                _check_credit(uow, invoice, stored.gross)
            issued = self._update(
                uow, uow.documents, stored, document, {"status": DocumentStatus.ISSUED}
            )
            if invoice is not None:
                self._apply_credit(uow, issued, invoice)
            self._publish(uow, DocumentIssued(issued))
            return issued

    def cancel(self, document: DocumentRef) -> Document:
        """Cancel a draft, an offer or an order; issued money documents are corrected
        with a credit note instead, so a past report never changes."""
        with self._unit_of_work() as uow:
            stored = find_document(uow, document)
            if stored.status is DocumentStatus.ISSUED and stored.kind not in (
                DocumentKind.OFFER,
                DocumentKind.ORDER,
            ):
                raise ValidationError(
                    "status",
                    f"issued {stored.kind.value} {stored.number} is corrected, not cancelled",
                )
            return self._update(
                uow, uow.documents, stored, document, {"status": DocumentStatus.CANCELLED}
            )

    def get(self, document: DocumentRef) -> Document:
        with self._unit_of_work(writes=False) as uow:
            found = find_document(uow, document)
            self._authorize("read", found)
            return found

    def get_by_number(self, kind: DocumentKind | str, number: str) -> Document:
        with self._unit_of_work(writes=False) as uow:
            found = uow.documents.get_by_number(_kind(kind), number)
            if found is None:
                raise ValidationError("number", f"no {_kind(kind).value} {number!r}")
            self._authorize("read", found)
            return found

    def lines(self, document: DocumentRef) -> list[DocumentLine]:
        """A document's lines, by position."""
        with self._unit_of_work(writes=False) as uow:
            found = find_document(uow, document)
            self._authorize("read", found)
            return uow.document_lines.of_documents([found.id])[found.id]

    def of_client(
        self,
        client: ClientRef,
        *,
        kinds: Iterable[DocumentKind | str] | None = None,
        limit: int = 100,
    ) -> list[Document]:
        """A client's documents, newest first."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            owner = find_client(uow, client, "client")
            wanted = None if kinds is None else [_kind(k, "kinds") for k in kinds]
            return uow.documents.of_client(owner.id, kinds=wanted, limit=limit)


def _kind(value: object, field: str = "kind") -> DocumentKind:
    try:
        return DocumentKind(str(value))
    except ValueError:
        known = ", ".join(k.value for k in DocumentKind)
        raise ValidationError(field, f"{value!r} is not a document kind ({known})") from None


def _stage_of(uow: UnitOfWork, contract: Contract | None, stage: Any) -> Any:
    if contract is None:
        raise ValidationError("stage", "a stage is named with its contract")
    key = getattr(stage, "id", stage)
    found = uow.stages.get(key) if not isinstance(key, str) else None
    if found is None:
        named = [s for s in uow.stages.find(contract_id=contract.id) if s.name == stage]
        found = named[0] if named else None
    if found is None or found.contract_id != contract.id:
        raise ValidationError("stage", f"contract {contract.number} has no stage {stage!r}")
    return found.id


def _line(uow: UnitOfWork, document: Document, position: int, given: Any) -> DocumentLine:
    at = f"lines[{position - 1}]"
    if not isinstance(given, Mapping):
        raise ValidationError(at, "must be a mapping of line fields")
    unknown = set(given) - _LINE_FIELDS
    if unknown:
        raise ValidationError(f"{at}.{sorted(unknown)[0]}", "is not a field of a line")
    fields = dict(given)
    product = fields.pop("product", None)
    if product is not None:
        found = find_product(uow, product, f"{at}.product")
        if found.currency != document.currency:
            raise ValidationError(
                f"{at}.product",
                f"{found.code} is priced in {found.currency}, the document in {document.currency}",
            )
        fields.setdefault("description", found.name)
        fields.setdefault("unit", found.unit)
        fields.setdefault("price", found.price)
        fields.setdefault("vat_rate", found.vat_rate)
        fields["product_id"] = found.id
    if document.vat_mode is VatMode.NONE:
        fields["vat_rate"] = Decimal(0)
    try:
        return build(DocumentLine, document_id=document.id, position=position, **fields)
    except ValidationError as error:
        raise error.at(at) from None


def _check_credit(uow: UnitOfWork, invoice: Document, credit: Decimal) -> None:
    """Refuse a credit note worth more than its invoice less the credit notes already on it."""
    credited = sum(
        (
            d.gross
            for d in uow.documents.find(based_on_id=invoice.id)
            if d.kind is DocumentKind.CREDIT_NOTE and d.counts
        ),
        Decimal("0.00"),
    )
    if credit > invoice.gross - credited:
        raise ValidationError(
            "lines",
            f"the credit note ({credit}) is more than invoice {invoice.number} leaves to credit "
            f"({invoice.gross - credited})",
        )
