"""Contracts, their planned stages, and plan against fact; orders paid but not shipped."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crmcore import CRM
from crmcore.errors import ValidationError
from crmcore.testing.conformance.documents import money_footprint

__all__ = ["ContractConformance"]

D = Decimal
ZERO = D("0.00")


def _line(price: str) -> list[dict[str, Any]]:
    return [{"description": "Монтаж обладнання", "quantity": "1", "price": price}]


class ContractConformance:
    """Planned stages against what was shipped, invoiced and paid, as of a date."""

    @pytest.fixture
    def contract(self, crm: CRM, seed: dict[str, Any]) -> Any:
        project = crm.projects.create(
            code="П-1", name="Склад у Броварах", client=seed["delicatessen"]
        )
        return crm.contracts.create(
            number="Д-14/1",
            signed_on=date(2014, 8, 25),
            client=seed["delicatessen"],
            project=project,
            subject="Поставка і монтаж",
            total="2400",
            valid_from=date(2014, 8, 25),
            valid_until=date(2014, 12, 31),
            stages=[
                {"name": "Поставка", "planned_amount": "1200", "planned_on": date(2014, 9, 30)},
                {"name": "Монтаж", "planned_amount": "1200", "planned_on": date(2014, 10, 31)},
            ],
        )

    def test_plan_against_fact_per_stage_contract_and_project_as_of_a_date(
        self, crm: CRM, seed: dict[str, Any], contract: Any
    ) -> None:
        client = seed["delicatessen"]
        delivery, mounting = crm.contracts.stages(contract)
        on_stage = {"client": client, "contract": contract}
        crm.documents.create(
            "act", issued_on=date(2014, 9, 5), stage=delivery, lines=_line("1000"), **on_stage
        )
        invoice_1 = crm.documents.create(
            "invoice", issued_on=date(2014, 9, 1), stage=delivery, lines=_line("1000"), **on_stage
        )
        invoice_2 = crm.documents.create(
            "invoice", issued_on=date(2014, 10, 10), stage="Монтаж", lines=_line("500"), **on_stage
        )
        crm.documents.create(
            "credit_note",
            issued_on=date(2014, 10, 20),
            stage=mounting,
            based_on=invoice_2,
            lines=[{"description": "Знижка", "quantity": "1", "price": "83.33"}],
            **on_stage,
        )
        payment_1 = crm.documents.create(
            "payment_in", client=client, issued_on=date(2014, 9, 10), amount="1000"
        )
        crm.allocations.allocate(payment_1, invoice_1, "1000")
        payment_2 = crm.documents.create(
            "payment_in", client=client, issued_on=date(2014, 10, 12), amount="430.01"
        )
        crm.allocations.allocate_automatically(payment_2)
        plan = crm.contracts.plan_against_fact(contract, as_of=date(2014, 10, 31))
        rows = [(r.name, r.planned, r.shipped, r.invoiced, r.paid) for r in plan.stages]
        assert rows == [
            ("Поставка", D("1200.00"), D("1200.00"), D("1200.00"), D("1200.00")),
            ("Монтаж", D("1200.00"), ZERO, D("500.00"), D("230.01")),
        ]
        total = plan.total
        assert (total.planned, total.shipped, total.invoiced, total.paid) == (
            D("2400.00"),
            D("1200.00"),
            D("1700.00"),
            D("1430.01"),
        )
        assert (total.variance, total.percent_complete) == (D("-1200.00"), D("50.00"))
        september = crm.contracts.plan_against_fact(contract, as_of=date(2014, 9, 30))
        assert [(r.invoiced, r.paid) for r in september.stages] == [
            (D("1200.00"), D("1000.00")),
            (ZERO, ZERO),
        ]
        [row, project_total] = crm.contracts.plan_of_project("П-1", as_of=date(2014, 10, 31))
        assert (row.name, row.paid) == ("Д-14/1", D("1430.01"))
        assert (project_total.name, project_total.planned) == ("Склад у Броварах", D("2400.00"))

    def test_a_document_dated_outside_its_contract_or_in_another_currency_is_refused(
        self, crm: CRM, seed: dict[str, Any], contract: Any
    ) -> None:
        client = seed["delicatessen"]
        before = money_footprint(crm, client)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"issued_on": date(2014, 8, 1)}, "issued_on"),
            ({"issued_on": date(2015, 1, 1)}, "issued_on"),
            ({"issued_on": date(2014, 9, 1), "currency": "EUR"}, "currency"),
            ({"issued_on": date(2014, 9, 1), "stage": "Фарбування"}, "stage"),
        ]
        for given, field in cases:
            with pytest.raises(ValidationError) as refused:
                crm.documents.create(
                    "invoice", client=client, contract=contract, lines=_line("1"), **given
                )
            assert refused.value.field == field, given
        with pytest.raises(ValidationError) as other:
            crm.documents.create(
                "invoice",
                client=seed["neptune"],
                contract=contract,
                issued_on=date(2014, 9, 1),
                lines=_line("1"),
            )
        assert other.value.field == "contract"
        with pytest.raises(ValidationError) as stage:
            crm.contracts.add_stage(
                contract, name="Ще", planned_amount=1.0, planned_on=date(2014, 12, 1)
            )
        assert stage.value.field == "stage.planned_amount"
        assert money_footprint(crm, client) == before
        assert len(crm.contracts.stages(contract)) == 2

    def test_orders_paid_but_not_shipped_by_the_promised_date_are_overdue_shipments(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["neptune"]
        order = crm.documents.create(
            "order",
            client=client,
            issued_on=date(2014, 10, 1),
            due_on=date(2014, 10, 10),
            lines=_line("100"),
        )
        unpaid = crm.documents.create(
            "order",
            client=client,
            issued_on=date(2014, 10, 1),
            due_on=date(2014, 10, 10),
            lines=_line("100"),
        )
        invoice = crm.documents.create(
            "invoice",
            client=client,
            issued_on=date(2014, 10, 2),
            based_on=order,
            lines=_line("100"),
        )
        payment = crm.documents.create(
            "payment_in", client=client, issued_on=date(2014, 10, 3), amount="120"
        )
        crm.allocations.allocate(payment, invoice, "120")
        crm.documents.create(
            "shipment",
            client=client,
            issued_on=date(2014, 10, 15),
            based_on=order,
            lines=_line("40"),
        )
        assert crm.balances.overdue_shipments(as_of=date(2014, 10, 10)) == []
        [late] = crm.balances.overdue_shipments(as_of=date(2014, 10, 11), client=client)
        assert (late.number, late.paid, late.shipped, late.unshipped) == (
            order.number,
            D("120.00"),
            ZERO,
            D("120.00"),
        )
        [still] = crm.balances.overdue_shipments(as_of=date(2014, 10, 31))
        assert (still.shipped, still.unshipped) == (D("48.00"), D("72.00"))
        assert unpaid.id not in {s.document_id for s in crm.balances.overdue_shipments()}
