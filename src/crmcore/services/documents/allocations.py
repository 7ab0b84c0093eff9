"""The allocation log: applying payments and credit notes to what is owed."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import attrs

from crmcore.domain.allocations import Allocation, AsOf, oldest_due_first
from crmcore.domain.documents import Document, DocumentKind
from crmcore.domain.money import money_amount
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.refs import DocumentRef, find_document

__all__ = ["AllocationService"]


class AllocationService(Service):
    """``crm.allocations``: which payment paid which invoice, from which date.

    Allocations are only ever added: a report as of a past date reads the
    records effective by then, so it gives the same figures whenever it is run.
    """

    kind = "allocation"

    def allocate(
        self,
        payment: DocumentRef,
        document: DocumentRef,
        amount: Decimal | str | int,
        *,
        effective_on: date | None = None,
    ) -> Allocation:
        """Apply ``amount`` of an incoming payment or credit note to an invoice or order.

        ``effective_on`` is the day it counts from: by default the later of
        the two documents' dates (an advance applied to a later invoice
        counts from the invoice's date).

        Raises:
            ValidationError: ``amount`` beyond what the payment has left or
                what the document still owes, money as a float; documents of
                other clients or currencies, or not issued; an effective date
                before either document's date.  Nothing is stored.

        Example:
            >>> import crmcore
            >>> from datetime import date, datetime
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> invoice = crm.documents.create(
            ...     "invoice",
            ...     client=client,
            ...     issued_on=date(2026, 3, 2),
            ...     lines=[{"description": "Кава", "quantity": "1", "price": "100"}],
            ... )
            >>> paid = crm.documents.create(
            ...     "payment_in", client=client, issued_on=date(2026, 3, 5), amount="50.00"
            ... )
            >>> crm.allocations.allocate(paid, invoice, "50.00").effective_on
            datetime.date(2026, 3, 5)
        """
        with self._unit_of_work() as uow:
            source = find_document(uow, payment, "payment")
            target = find_document(uow, document, "document")
            _check_pair(source, target)
            wanted = money_amount("amount", amount)
            if wanted <= 0:
                raise ValidationError("amount", f"must be more than zero, not {wanted}")
            left = source.gross - uow.allocations.applied_from(source.id)
            if wanted > left:
                raise ValidationError(
                    "amount", f"{wanted} is more than {source.number} has left to allocate ({left})"
                )
            owed = target.gross - uow.allocations.applied_to(target.id)
            if wanted > owed:
                raise ValidationError(
                    "amount", f"{wanted} is more than {target.number} still owes ({owed})"
                )
            on = _effective(source, target, effective_on)
            return self._store(uow, source, target, wanted, on, automatic=False)

    def allocate_automatically(
        self, payment: DocumentRef, *, effective_on: date | None = None
    ) -> list[Allocation]:
        """Apply what a payment has left to the client's open invoices, the oldest due first.

        Invoices issued by ``effective_on`` (by default the payment's date)
        are paid; what is left stays an advance, to be allocated later.
        """
        with self._unit_of_work() as uow:
            source = find_document(uow, payment, "payment")
            if not source.kind.pays or not source.counts:
                raise ValidationError("payment", f"{source.number} is not an issued payment")
            on = source.issued_on if effective_on is None else effective_on
            _effective(source, source, on)
            left = source.gross - uow.allocations.applied_from(source.id)
            candidates = [
                attrs.evolve(item, open=item.gross - uow.allocations.applied_to(item.document_id))
                for item in uow.balances.open_items(
                    AsOf(on=on), client_id=source.client_id, currency=source.currency
                )
                if item.kind == DocumentKind.INVOICE.value
            ]
            made = []
            for item, amount in oldest_due_first(left, candidates):
                target = find_document(uow, item.document_id, "document")
                made.append(
                    self._store(
                        uow, source, target, amount, max(on, target.issued_on), automatic=True
                    )
                )
            return made

    def of_document(self, document: DocumentRef) -> list[Allocation]:
        """Every allocation from or to a document, by effective date."""
        with self._unit_of_work(writes=False) as uow:
            found = find_document(uow, document)
            self._authorize("read", found, kind="document")
            found_all = [
                *uow.allocations.find(source_id=found.id),
                *uow.allocations.find(target_id=found.id),
            ]
        return sorted(found_all, key=lambda a: (a.effective_on, a.created_at, a.id))

    def _store(
        self,
        uow: UnitOfWork,
        source: Document,
        target: Document,
        amount: Decimal,
        on: date,
        *,
        automatic: bool,
    ) -> Allocation:
        allocation = Allocation(
            source_id=source.id,
            target_id=target.id,
            client_id=source.client_id,
            currency=source.currency,
            amount=amount,
            effective_on=on,
            automatic=automatic,
        )
        return self._add(uow, uow.allocations, allocation)


def _check_pair(source: Document, target: Document) -> None:
    if not source.kind.pays:
        raise ValidationError("payment", f"a {source.kind.value} pays nothing")
    if not target.kind.owed:
        raise ValidationError("document", f"nothing is paid to a {target.kind.value}")
    for field, found in (("payment", source), ("document", target)):
        if not found.counts:
            raise ValidationError(field, f"{found.number} is not issued")
    if source.client_id != target.client_id:
        raise ValidationError("document", f"{target.number} is another client's")
    if source.currency != target.currency:
        raise ValidationError(
            "currency", f"cannot apply {source.currency} to a {target.currency} document"
        )


def _effective(source: Document, target: Document, given: date | None) -> date:
    earliest = max(source.issued_on, target.issued_on)
    if given is None:
        return earliest
    if not isinstance(given, date) or isinstance(given, datetime):
        raise ValidationError("effective_on", f"must be a date, not {type(given).__name__}")
    if given < earliest:
        raise ValidationError(
            "effective_on", f"{given} is before {source.number} or {target.number} was dated"
        )
    return given
