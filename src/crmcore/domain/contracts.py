"""Contracts with a client, their planned stages, and plan against fact.

A contract's **stages** are its plan: each a planned amount by a planned
date (a milestone, a line of a payment plan, or a period).  The fact comes
from the documents linked to a stage: shipped (acts and shipments),
invoiced (invoices less credit notes) and paid (what the allocation log
applied to those invoices), all as of a date.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.money import VatMode, currency_field, exact_field, to_money
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "Contract",
    "ContractStatus",
    "PlanFact",
    "Stage",
    "StageFact",
    "StageKind",
    "plan_against_fact",
]


class ContractStatus(enum.StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class StageKind(enum.StrEnum):
    MILESTONE = "milestone"  # a result handed over by the planned date
    PAYMENT = "payment"  # a line of the payment plan
    PERIOD = "period"  # a month or quarter of a service contract


def _to_status(value: object) -> object:
    return check.to_enum(ContractStatus, value)


def _to_vat_mode(value: object) -> object:
    return check.to_enum(VatMode, value)


def _to_stage_kind(value: object) -> object:
    return check.to_enum(StageKind, value)


@attrs.define(kw_only=True)
class Contract(Record):
    """A contract: number, date, client, project, subject, currency, VAT mode, total, status.

    ``valid_from`` and ``valid_until`` bound the dates of its documents
    (open when None).
    """

    number: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    signed_on: date = attrs.field(validator=check.day())
    client_id: UUID = attrs.field(validator=check.uuid())
    project_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    subject: str = attrs.field(default="", validator=check.text(required=False, max_length=1000))
    currency: str = attrs.field(default="UAH", validator=currency_field)
    vat_mode: VatMode = attrs.field(
        default=VatMode.ON_TOP, converter=_to_vat_mode, validator=check.member_of(VatMode)
    )
    total: Decimal = attrs.field(
        default=Decimal("0.00"), converter=to_money, validator=exact_field(non_negative=True)
    )
    status: ContractStatus = attrs.field(
        default=ContractStatus.ACTIVE,
        converter=_to_status,
        validator=check.member_of(ContractStatus),
    )
    valid_from: date | None = attrs.field(default=None, validator=check.day(optional=True))
    valid_until: date | None = attrs.field(default=None, validator=check.day(optional=True))

    def __attrs_post_init__(self) -> None:
        start = self.valid_from
        if start is not None and self.valid_until is not None and self.valid_until < start:
            raise ValidationError("valid_until", "is before valid_from")

    def check_dated(self, field: str, on: date) -> None:
        """Refuse a document dated ``on`` outside the contract's term."""
        if self.valid_from is not None and on < self.valid_from:
            raise ValidationError(
                field, f"{on} is before contract {self.number} starts ({self.valid_from})"
            )
        if self.valid_until is not None and on > self.valid_until:
            raise ValidationError(
                field, f"{on} is after contract {self.number} ends ({self.valid_until})"
            )


@attrs.define(kw_only=True)
class Stage(Record):
    """One planned stage of a contract: an amount by a date (a period has a start too)."""

    contract_id: UUID = attrs.field(validator=check.uuid())
    position: int = attrs.field(validator=check.of_type(int))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    kind: StageKind = attrs.field(
        default=StageKind.MILESTONE, converter=_to_stage_kind, validator=check.member_of(StageKind)
    )
    planned_amount: Decimal = attrs.field(
        converter=to_money, validator=exact_field(non_negative=True)
    )
    planned_on: date = attrs.field(validator=check.day())
    period_start: date | None = attrs.field(default=None, validator=check.day(optional=True))

    def __attrs_post_init__(self) -> None:
        if self.period_start is not None and self.period_start > self.planned_on:
            raise ValidationError("period_start", "is after the stage's planned date")


@attrs.frozen(kw_only=True)
class StageFact:
    """What the documents of one stage (or of a contract without a stage) add up to."""

    contract_id: UUID
    stage_id: UUID | None
    shipped: Decimal = Decimal("0.00")
    invoiced: Decimal = Decimal("0.00")
    paid: Decimal = Decimal("0.00")


@attrs.frozen(kw_only=True)
class PlanFact:
    """Plan against fact of one stage, one contract or one project, in one currency.

    ``variance`` is shipped less planned (negative: behind the plan);
    ``percent_complete`` is shipped as a percentage of planned, to the
    hundredth (None when nothing is planned).
    """

    name: str
    currency: str
    planned: Decimal
    shipped: Decimal
    invoiced: Decimal
    paid: Decimal
    planned_on: date | None = None
    stage_id: UUID | None = None
    contract_id: UUID | None = None

    @property
    def variance(self) -> Decimal:
        return self.shipped - self.planned

    @property
    def percent_complete(self) -> Decimal | None:
        if self.planned == 0:
            return None
        return (self.shipped * 100 / self.planned).quantize(Decimal("0.01"))

    @property
    def to_invoice(self) -> Decimal:
        return self.shipped - self.invoiced

    @property
    def to_collect(self) -> Decimal:
        return self.invoiced - self.paid


def _sum(rows: Iterable[PlanFact], name: str, currency: str, **keys: Any) -> PlanFact:
    rows = list(rows)
    return PlanFact(
        name=name,
        currency=currency,
        planned=sum((r.planned for r in rows), Decimal("0.00")),
        shipped=sum((r.shipped for r in rows), Decimal("0.00")),
        invoiced=sum((r.invoiced for r in rows), Decimal("0.00")),
        paid=sum((r.paid for r in rows), Decimal("0.00")),
        **keys,
    )


def plan_against_fact(
    contract: Contract, stages: Sequence[Stage], facts: Mapping[UUID | None, StageFact]
) -> tuple[tuple[PlanFact, ...], PlanFact]:
    """(one row per stage, plus one for documents on no stage; the contract's row).

    The contract's plan is the sum of its stages, or its total when it has none.
    """
    rows = []
    for stage in sorted(stages, key=lambda s: (s.position, s.planned_on)):
        fact = facts.get(stage.id, StageFact(contract_id=contract.id, stage_id=stage.id))
        rows.append(
            PlanFact(
                name=stage.name,
                currency=contract.currency,
                planned=stage.planned_amount,
                shipped=fact.shipped,
                invoiced=fact.invoiced,
                paid=fact.paid,
                planned_on=stage.planned_on,
                stage_id=stage.id,
                contract_id=contract.id,
            )
        )
    loose = facts.get(None)
    if loose is not None or not stages:
        fact = loose or StageFact(contract_id=contract.id, stage_id=None)
        rows.append(
            PlanFact(
                name="—",
                currency=contract.currency,
                planned=Decimal("0.00") if stages else contract.total,
                shipped=fact.shipped,
                invoiced=fact.invoiced,
                paid=fact.paid,
                contract_id=contract.id,
            )
        )
    total = _sum(rows, contract.number, contract.currency, contract_id=contract.id)
    return tuple(rows), total
