"""Sales documents and the catalogue: lines rounded per line, numbering, links, bad input."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from crmcore import CRM
from crmcore.errors import DuplicateError, ValidationError

__all__ = ["DocumentConformance", "money_footprint"]


def money_footprint(crm: CRM, client: Any) -> tuple[object, ...]:
    """Everything a refused money call about ``client`` must leave as it was."""
    documents = tuple(crm.documents.of_client(client, limit=1000))
    return (
        documents,
        tuple(tuple(crm.documents.lines(d)) for d in documents),
        tuple(tuple(crm.allocations.of_document(d)) for d in documents),
        tuple(crm.products.list(include_archived=True)),
        tuple(e.id for e in crm.timeline(client, limit=1000)),
    )


def _line(quantity: str, price: str, **more: Any) -> dict[str, Any]:
    return {"description": "Кава в зернах, 1 кг", "quantity": quantity, "price": price, **more}


class DocumentConformance:
    """Offers, orders, invoices, acts, payments and credit notes, and the product catalogue."""

    def test_invoice_lines_are_rounded_per_line_and_the_totals_add_the_lines(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        coffee = crm.products.create(code="К-1", name="Кава, 1 кг", unit="кг", price="33.33")
        invoice = crm.documents.create(
            "invoice",
            client=seed["delicatessen"],
            issued_on=date(2014, 11, 3),
            due_on=date(2014, 11, 17),
            lines=[
                {"product": coffee, "quantity": "3"},
                {"product": "К-1", "quantity": "0.125", "discount": "10"},
                _line("1", "0.05", vat_rate=7),
            ],
        )
        lines = crm.documents.lines(invoice)
        # 3 × 33.33 = 99.99 + 20.00; 0.125 × 33.33 × 0.9 = 3.749625 → 3.75 + 0.75;
        # 0.05 + 7 % = 0.0035 → 0.00.
        assert [(x.net, x.vat, x.gross) for x in lines] == [
            (Decimal("99.99"), Decimal("20.00"), Decimal("119.99")),
            (Decimal("3.75"), Decimal("0.75"), Decimal("4.50")),
            (Decimal("0.05"), Decimal("0.00"), Decimal("0.05")),
        ]
        assert (invoice.net, invoice.vat, invoice.gross) == (
            Decimal("103.79"),
            Decimal("20.75"),
            Decimal("124.54"),
        )
        assert lines[0].unit == "кг"
        assert lines[0].product_id == coffee.id
        assert lines[1].quantity == Decimal("0.125")
        assert crm.documents.get(invoice.id) == invoice

    def test_prices_with_vat_included_take_the_vat_out_of_each_line(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        invoice = crm.documents.create(
            "invoice",
            client=seed["delicatessen"],
            issued_on=date(2014, 11, 3),
            vat_mode="included",
            lines=[_line("1", "100.00"), _line("2", "10.01", vat_rate=14)],
        )
        # 100.00 × 20/120 = 16.666… → 16.67; 20.02 × 14/114 = 2.4586 → 2.46.
        assert (invoice.net, invoice.vat, invoice.gross) == (
            Decimal("100.89"),
            Decimal("19.13"),
            Decimal("120.02"),
        )
        exempt = crm.documents.create(
            "act",
            client=seed["delicatessen"],
            issued_on=date(2014, 11, 3),
            vat_mode="none",
            lines=[_line("1", "100.00")],
        )
        assert (exempt.vat, exempt.gross) == (Decimal("0.00"), Decimal("100.00"))

    def test_documents_are_numbered_per_kind_and_year_and_shown_on_the_timeline(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["delicatessen"]
        made = [
            crm.documents.create(kind, client=client, issued_on=day, lines=[_line("1", "1")])
            for kind, day in [
                ("invoice", date(2014, 12, 30)),
                ("invoice", date(2014, 12, 31)),
                ("offer", date(2014, 12, 31)),
                ("invoice", date(2015, 1, 2)),
            ]
        ]
        assert [d.number for d in made] == [
            "РФ-2014-00001",
            "РФ-2014-00002",
            "КП-2014-00001",
            "РФ-2015-00001",
        ]
        own = crm.documents.create(
            "invoice",
            client=client,
            issued_on=date(2015, 1, 3),
            number="7/15",
            lines=[_line("1", "1")],
        )
        assert own.number == "7/15"
        assert crm.documents.get_by_number("invoice", "7/15") == own
        with pytest.raises(DuplicateError):
            crm.documents.create(
                "invoice",
                client=client,
                issued_on=date(2015, 1, 3),
                number="7/15",
                lines=[_line("1", "1")],
            )
        entries = [e for e in crm.timeline(client, limit=100) if e.kind == "document"]
        assert {e.source_id for e in entries} == {d.id for d in [*made, own]}
        assert "Рахунок-фактура № РФ-2015-00001 від 02.01.2015" in {e.title for e in entries}
        newest = crm.documents.of_client(client, kinds=["invoice"], limit=2)
        assert [d.number for d in newest] == ["7/15", "РФ-2015-00001"]

    def test_a_draft_counts_nowhere_until_issued(self, crm: CRM, seed: dict[str, Any]) -> None:
        client = seed["delicatessen"]
        draft = crm.documents.create(
            "invoice",
            client=client,
            issued_on=date(2014, 11, 3),
            status="draft",
            lines=[_line("1", "10")],
        )
        assert crm.balances.open_items(as_of=date(2014, 11, 30)) == []
        assert [e for e in crm.timeline(client, limit=10) if e.kind == "document"] == []
        issued = crm.documents.issue(draft)
        assert [i.document_id for i in crm.balances.open_items(as_of=date(2014, 11, 30))] == [
            issued.id
        ]
        with pytest.raises(ValidationError) as refused:
            crm.documents.cancel(issued)
        assert refused.value.field == "status"

    def test_money_given_as_a_float_is_refused_and_nothing_is_stored(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["delicatessen"]
        before = money_footprint(crm, client)
        with pytest.raises(ValidationError) as price:
            crm.documents.create(
                "invoice",
                client=client,
                issued_on=date(2014, 11, 3),
                lines=[{"description": "Кава", "quantity": "1", "price": 10.5}],
            )
        assert price.value.field == "lines[0].price"
        assert "float" in price.value.problem
        with pytest.raises(ValidationError) as amount:
            crm.documents.create(
                "payment_in",
                client=client,
                issued_on=date(2014, 11, 3),
                amount=0.1,  # type: ignore[arg-type]
            )
        assert amount.value.field == "amount"
        with pytest.raises(ValidationError) as product:
            crm.products.create(code="F", name="Float", price=1.5)  # type: ignore[arg-type]
        assert product.value.field == "price"
        assert money_footprint(crm, client) == before

    def test_negative_quantities_and_unknown_vat_rates_are_refused(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["delicatessen"]
        before = money_footprint(crm, client)
        cases: list[tuple[dict[str, Any], str]] = [
            ({"lines": [_line("-1", "10")]}, "lines[0].quantity"),
            ({"lines": [_line("1", "10"), _line("1", "10", vat_rate=15)]}, "lines[1].vat_rate"),
            ({"lines": [_line("1", "-10")]}, "lines[0].price"),
            ({"lines": [_line("1", "10", discount="101")]}, "lines[0].discount"),
            ({"lines": []}, "lines"),
            ({"lines": [_line("1", "10", colour="red")]}, "lines[0].colour"),
        ]
        for given, field in cases:
            with pytest.raises(ValidationError) as refused:
                crm.documents.create("invoice", client=client, issued_on=date(2014, 11, 3), **given)
            assert refused.value.field == field, given
        with pytest.raises(ValidationError) as rate:
            crm.products.create(code="X", name="X", price="1", vat_rate="15")
        assert rate.value.field == "vat_rate"
        assert "20%" in rate.value.problem
        assert money_footprint(crm, client) == before

    def test_mixed_currencies_in_one_document_are_refused(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["delicatessen"]
        crm.products.create(code="USD-1", name="Ліцензія", price="100", currency="USD")
        before = money_footprint(crm, client)
        with pytest.raises(ValidationError) as refused:
            crm.documents.create(
                "invoice",
                client=client,
                issued_on=date(2014, 11, 3),
                lines=[_line("1", "10"), {"product": "USD-1", "quantity": "1"}],
            )
        assert refused.value.field == "lines[1].product"
        assert "USD" in refused.value.problem
        assert money_footprint(crm, client) == before

    def test_a_credit_note_reduces_its_invoice_and_cannot_exceed_it(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        client = seed["delicatessen"]
        invoice = crm.documents.create(
            "invoice", client=client, issued_on=date(2014, 11, 3), lines=[_line("1", "100")]
        )
        note = crm.documents.create(
            "credit_note",
            client=client,
            issued_on=date(2014, 11, 4),
            based_on=invoice,
            lines=[_line("1", "50")],
        )
        assert note.gross == Decimal("60.00")
        [applied] = crm.allocations.of_document(invoice)
        assert (applied.source_id, applied.amount) == (note.id, Decimal("60.00"))
        before = money_footprint(crm, client)
        with pytest.raises(ValidationError) as larger:
            crm.documents.create(
                "credit_note",
                client=client,
                issued_on=date(2014, 11, 5),
                based_on=invoice,
                lines=[_line("1", "50.01")],
            )
        assert larger.value.field == "lines"
        assert "more than" in larger.value.problem
        with pytest.raises(ValidationError) as unnamed:
            crm.documents.create(
                "credit_note", client=client, issued_on=date(2014, 11, 5), lines=[_line("1", "1")]
            )
        assert unnamed.value.field == "based_on"
        assert money_footprint(crm, client) == before

    def test_documents_take_user_fields_comments_and_links_like_any_card(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        order = crm.documents.create(
            "order",
            client=seed["delicatessen"],
            issued_on=date(2014, 11, 3),
            lines=[_line("2", "450")],
        )
        crm.fields.define("document", "warehouse", label="Склад", type="text")
        assert crm.fields.set(order, {"warehouse": "Бровари"}) == {"warehouse": "Бровари"}
        crm.discussion.post(order, "Клієнт просить доставку до 12:00")
        assert [c.text for c in crm.discussion.of(("document", order.id))] == [
            "Клієнт просить доставку до 12:00"
        ]
        link = crm.links.add(order, ("erp_order", "ЗК-0042"))
        assert crm.links.of(order) == [link]
