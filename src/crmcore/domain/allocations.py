"""The allocation log: each application of a payment or credit note to what is owed.

The log only grows.  Every record says how much of one paying document (an
incoming payment, a credit note) was applied to one owed document (an
invoice, an order paid in advance), effective from which date, and when it
was recorded (``created_at``).  Whatever is owed or unallocated "as of" a
date is read from the records effective by that date, so a report for a
past date gives the same figures however late it is run; a report "as
known at" a moment also leaves out what was recorded after it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.money import currency_field, exact_field, to_money
from crmcore.domain.records import Record

__all__ = ["Allocation", "AsOf", "OpenItem", "oldest_due_first"]


@attrs.define(kw_only=True)
class Allocation(Record):
    """``amount`` of paying document ``source_id`` applied to owed document ``target_id``."""

    source_id: UUID = attrs.field(validator=check.uuid())
    target_id: UUID = attrs.field(validator=check.uuid())
    client_id: UUID = attrs.field(validator=check.uuid())
    currency: str = attrs.field(validator=currency_field)
    amount: Decimal = attrs.field(converter=to_money, validator=exact_field(positive=True))
    effective_on: date = attrs.field(validator=check.day())
    automatic: bool = attrs.field(default=False, validator=check.of_type(bool))


@attrs.frozen(kw_only=True)
class AsOf:
    """The date a report is for, and optionally the moment its data was known at.

    ``on`` counts documents dated and allocations effective on or before it.
    ``known_at`` (tz-aware) also leaves out whatever was recorded after it:
    a payment entered next week, back-dated to before ``on``, is in a report
    as of ``on`` run today only when ``known_at`` is None (all that is known).
    """

    on: date = attrs.field(validator=check.day())
    known_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )

    def admits(self, dated: date, recorded: datetime | None) -> bool:
        """Whether a record dated ``dated`` and recorded at ``recorded`` counts."""
        if dated > self.on:
            return False
        return self.known_at is None or recorded is None or recorded <= self.known_at


@attrs.frozen(kw_only=True)
class OpenItem:
    """A document with money still open as of a date.

    For an owed document (an invoice, an order) ``open`` is what is still
    owed; for a paying one (a payment, a credit note) what is not yet
    allocated (an advance).
    """

    document_id: UUID
    client_id: UUID
    kind: str
    number: str
    currency: str
    issued_on: date
    due_on: date | None
    gross: Decimal
    open: Decimal

    def days_overdue(self, on: date) -> int:
        """Days past the due date on ``on`` (0 when not yet due or without a due date)."""
        if self.due_on is None:
            return 0
        return max((on - self.due_on).days, 0)


def oldest_due_first(
    available: Decimal, items: Iterable[OpenItem]
) -> Sequence[tuple[OpenItem, Decimal]]:
    """Spread ``available`` over ``items``, the earliest due first, until it runs out.

    Items without a due date are due on their date; ties go by date, then number.
    """
    plan = []
    left = available
    ordered = sorted(items, key=lambda i: (i.due_on or i.issued_on, i.issued_on, i.number))
    for item in ordered:
        if left <= 0:
            break
        if item.open <= 0:
            continue
        amount = min(left, item.open)
        plan.append((item, amount))
        left -= amount
    return plan
