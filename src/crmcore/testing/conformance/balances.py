"""Money as of a date, on hand-computed books: ageing, the balance statement, the act.

The books of :func:`open_books` (amounts with VAT):

=========  ==========  ==========  ==========================================
client     document    dated       what
=========  ==========  ==========  ==========================================
ДЕЛІКАТЕС  invoice 1   01.09.2014  1 200.00, due 15.09
ДЕЛІКАТЕС  payment 1   10.09.2014  1 000.00, applied to invoice 1 (partly paid)
ДЕЛІКАТЕС  invoice 2   20.09.2014  119.99, due 05.10
ДЕЛІКАТЕС  payment 2   01.10.2014  400.00, oldest due first: 200.00 to invoice 1,
                                   119.99 to invoice 2, 80.01 left (an advance)
ДЕЛІКАТЕС  invoice 3   10.10.2014  600.00, due 25.10; the advance is applied
ДЕЛІКАТЕС  credit note 20.10.2014  100.00 off invoice 3
ДЕЛІКАТЕС  payment 3   15.10.2014  150.00 to invoice 3, entered a day later
                                   than everything else (back-dated)
Нептун     invoice     01.06.2014  300.00, due 30.06, unpaid
Нептун     payment     25.09.2014  50.00, never applied (an advance)
Нептун     invoice     05.10.2014  12.00 USD, no due date
=========  ==========  ==========  ==========================================
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from crmcore import CRM, hookimpl
from crmcore.domain.allocations import Allocation
from crmcore.domain.documents import Document, HostDocuments
from crmcore.errors import PluginError, ValidationError
from crmcore.services.balances import statement_totals
from crmcore.testing.clock import ManualClock
from crmcore.testing.conformance.documents import money_footprint

__all__ = ["BalanceConformance", "HostDocumentConformance", "open_books"]

D = Decimal
ZERO = D("0.00")


def _line(price: str) -> list[dict[str, Any]]:
    return [{"description": "Кава", "quantity": "1", "price": price}]


def open_books(crm: CRM, seed: dict[str, Any], clock: ManualClock) -> dict[str, Any]:
    """The books of the module's table; ``known_before_payment_3`` is the moment before
    payment 3 was entered."""
    a, b = seed["delicatessen"], seed["neptune"]
    made: dict[str, Any] = {}
    made["invoice_1"] = crm.documents.create(
        "invoice",
        client=a,
        issued_on=date(2014, 9, 1),
        due_on=date(2014, 9, 15),
        lines=_line("1000"),
    )
    made["payment_1"] = crm.documents.create(
        "payment_in", client=a, issued_on=date(2014, 9, 10), amount="1000.00"
    )
    crm.allocations.allocate(made["payment_1"], made["invoice_1"], "1000.00")
    made["invoice_2"] = crm.documents.create(
        "invoice",
        client=a,
        issued_on=date(2014, 9, 20),
        due_on=date(2014, 10, 5),
        lines=[{"description": "Кава", "quantity": "3", "price": "33.33"}],
    )
    made["b_invoice"] = crm.documents.create(
        "invoice",
        client=b,
        issued_on=date(2014, 6, 1),
        due_on=date(2014, 6, 30),
        lines=_line("250"),
    )
    made["b_payment"] = crm.documents.create(
        "payment_in", client=b, issued_on=date(2014, 9, 25), amount="50"
    )
    made["ageing_september"] = crm.balances.ageing(as_of=date(2014, 9, 30))
    made["payment_2"] = crm.documents.create(
        "payment_in", client=a, issued_on=date(2014, 10, 1), amount="400"
    )
    made["automatic"] = crm.allocations.allocate_automatically(made["payment_2"])
    made["invoice_3"] = crm.documents.create(
        "invoice",
        client=a,
        issued_on=date(2014, 10, 10),
        due_on=date(2014, 10, 25),
        lines=_line("500"),
    )
    made["advance_applied"] = crm.allocations.allocate(
        made["payment_2"], made["invoice_3"], "80.01"
    )
    made["credit_note"] = crm.documents.create(
        "credit_note",
        client=a,
        issued_on=date(2014, 10, 20),
        based_on=made["invoice_3"],
        lines=[{"description": "Знижка", "quantity": "1", "price": "83.33"}],
    )
    made["b_dollars"] = crm.documents.create(
        "invoice", client=b, issued_on=date(2014, 10, 5), currency="USD", lines=_line("10")
    )
    made["known_before_payment_3"] = clock()
    clock.advance(days=1)
    made["payment_3"] = crm.documents.create(
        "payment_in", client=a, issued_on=date(2014, 10, 15), amount="150"
    )
    crm.allocations.allocate(made["payment_3"], made["invoice_3"], "150")
    return made


def _ageing(report: Any) -> dict[tuple[str, str], tuple[tuple[Decimal, ...], Decimal]]:
    return {(str(r.client_id), r.currency): (r.buckets, r.advances) for r in report.rows}


class BalanceConformance:
    """Open items, ageing, the statement and the act, as of past dates."""

    @pytest.fixture
    def books(self, crm: CRM, seed: dict[str, Any], clock: ManualClock) -> dict[str, Any]:
        return open_books(crm, seed, clock)

    def test_payments_are_applied_oldest_due_first_and_the_rest_stays_an_advance(
        self, crm: CRM, books: dict[str, Any]
    ) -> None:
        applied = [(a.target_id, a.amount, a.automatic) for a in books["automatic"]]
        assert applied == [
            (books["invoice_1"].id, D("200.00"), True),
            (books["invoice_2"].id, D("119.99"), True),
        ]
        assert books["advance_applied"].effective_on == date(2014, 10, 10)
        on_first = crm.balances.open_items(as_of=date(2014, 10, 1))
        assert [(i.number, i.open) for i in on_first] == [
            ("РФ-2014-00003", D("300.00")),  # Нептун's invoice
            ("ПН-2014-00002", D("50.00")),  # Нептун's advance
            ("ПН-2014-00003", D("80.01")),  # what payment 2 had left
        ]

    def test_ageing_as_of_a_past_date_is_the_same_however_late_it_is_run(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        a, b = str(seed["delicatessen"].id), str(seed["neptune"].id)
        september = crm.balances.ageing(as_of=date(2014, 9, 30))
        expected = {
            (a, "UAH"): ((D("119.99"), D("200.00"), ZERO, ZERO, ZERO), ZERO),
            (b, "UAH"): ((ZERO, ZERO, ZERO, ZERO, D("300.00")), D("50.00")),
        }
        assert _ageing(september) == expected
        assert _ageing(books["ageing_september"]) == expected
        assert september.labels == ("not due", "1-30", "31-60", "61-90", "over 90")
        october = crm.balances.ageing(as_of=date(2014, 10, 31))
        assert _ageing(october) == {
            (a, "UAH"): ((ZERO, D("269.99"), ZERO, ZERO, ZERO), ZERO),
            (b, "UAH"): ((ZERO, ZERO, ZERO, ZERO, D("300.00")), D("50.00")),
            (b, "USD"): ((D("12.00"), ZERO, ZERO, ZERO, ZERO), ZERO),
        }
        assert october.totals["UAH"].outstanding == D("569.99")
        assert october.totals["UAH"].overdue == D("569.99")

    def test_a_back_dated_payment_is_left_out_of_a_report_as_known_before_it_was_entered(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        a = str(seed["delicatessen"].id)
        known = books["known_before_payment_3"]
        printed = crm.balances.ageing(as_of=date(2014, 10, 31), known_at=known)
        assert _ageing(printed)[(a, "UAH")] == ((ZERO, D("419.99"), ZERO, ZERO, ZERO), ZERO)
        rows = list(crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31), known_at=known))
        assert [(r.code, r.currency, r.credit, r.closing) for r in rows][-1] == (
            "22910019",
            "UAH",
            D("500.00"),
            D("419.99"),
        )

    def test_the_balance_statement_is_the_seed_table_for_a_period(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        rows = list(crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31)))
        assert [
            (r.code, r.name, r.currency, r.opening, r.debit, r.credit, r.closing) for r in rows
        ] == [
            ("06951937", 'Кооператив "Нептун"', "UAH", D("250.00"), ZERO, ZERO, D("250.00")),
            ("06951937", 'Кооператив "Нептун"', "USD", ZERO, D("12.00"), ZERO, D("12.00")),
            (
                "22910019",
                "ДЕЛІКАТЕС ТОВ",
                "UAH",
                D("319.99"),
                D("600.00"),
                D("650.00"),
                D("269.99"),
            ),
        ]
        [uah, usd] = statement_totals(rows)
        assert (uah.currency, uah.opening, uah.debit, uah.credit, uah.closing) == (
            "UAH",
            D("569.99"),
            D("600.00"),
            D("650.00"),
            D("519.99"),
        )
        assert (usd.currency, usd.closing) == ("USD", D("12.00"))
        hryvnias = crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31), currency="UAH")
        assert [r.currency for r in hryvnias] == ["UAH", "UAH"]
        one = list(
            crm.balances.statement(date(2014, 9, 1), date(2014, 9, 30), client=seed["delicatessen"])
        )
        assert [(r.opening, r.debit, r.credit, r.closing) for r in one] == [
            (ZERO, D("1319.99"), D("1000.00"), D("319.99"))
        ]

    def test_the_reconciliation_act_lists_the_documents_and_the_differences(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        act = crm.balances.act(
            seed["delicatessen"],
            date(2014, 10, 1),
            date(2014, 10, 31),
            theirs_opening="319.99",
            theirs_debit="600.00",
            theirs_credit="500.00",
        )
        assert act.opening == D("319.99")
        assert [(x.issued_on.day, x.kind, x.debit, x.credit) for x in act.lines] == [
            (1, "payment_in", ZERO, D("400.00")),
            (10, "invoice", D("600.00"), ZERO),
            (15, "payment_in", ZERO, D("150.00")),
            (20, "credit_note", ZERO, D("100.00")),
        ]
        assert (act.debit, act.credit, act.closing) == (D("600.00"), D("650.00"), D("269.99"))
        assert act.differences == {"credit": D("150.00"), "closing": D("-150.00")}
        agreed = crm.balances.act(
            seed["delicatessen"],
            date(2014, 10, 1),
            date(2014, 10, 31),
            theirs_opening="319.99",
            theirs_debit="600",
            theirs_credit="650",
        )
        assert agreed.differences == {}

    def test_overdue_and_the_client_money_summary_as_of_a_date(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        overdue = crm.balances.overdue(as_of=date(2014, 10, 31))
        assert [(i.number, i.open, i.days_overdue(date(2014, 10, 31))) for i in overdue] == [
            ("РФ-2014-00003", D("300.00"), 123),
            ("РФ-2014-00004", D("269.99"), 6),
        ]
        summary = crm.balances.summary(seed["delicatessen"], as_of=date(2014, 9, 30))
        assert summary.outstanding == {"UAH": D("319.99")}
        assert summary.overdue == {"UAH": D("200.00")}
        assert [p.number for p in summary.last_payments] == ["ПН-2014-00001"]
        later = crm.balances.summary(seed["delicatessen"], as_of=date(2014, 10, 31))
        assert [p.number for p in later.last_payments] == [
            "ПН-2014-00004",
            "ПН-2014-00003",
            "ПН-2014-00001",
        ]

    def test_allocating_beyond_what_is_owed_or_the_payment_is_refused_and_writes_nothing(
        self, crm: CRM, seed: dict[str, Any], books: dict[str, Any]
    ) -> None:
        a, b = seed["delicatessen"], seed["neptune"]
        before = (money_footprint(crm, a), money_footprint(crm, b))
        more = crm.documents.create(
            "payment_in", client=b, issued_on=date(2014, 10, 1), amount="1000"
        )
        after_payment = (money_footprint(crm, a), money_footprint(crm, b))
        cases: list[tuple[tuple[Any, Any, Any], str, str]] = [
            ((more, books["b_invoice"], "300.01"), "amount", "still owes"),
            ((books["b_payment"], books["b_invoice"], "50.01"), "amount", "left to allocate"),
            ((books["b_payment"], books["b_dollars"], "1"), "currency", "USD"),
            ((books["b_payment"], books["invoice_3"], "1"), "document", "another client"),
            ((books["b_invoice"], books["b_invoice"], "1"), "payment", "pays nothing"),
            ((books["b_payment"], books["b_invoice"], "0"), "amount", "more than zero"),
            ((books["b_payment"], books["b_invoice"], 1.5), "amount", "float"),
        ]
        for args, field, problem in cases:
            with pytest.raises(ValidationError) as refused:
                crm.allocations.allocate(*args)
            assert (refused.value.field, problem in refused.value.problem) == (field, True)
        with pytest.raises(ValidationError) as early:
            crm.allocations.allocate(
                books["b_payment"], books["b_invoice"], "1", effective_on=date(2014, 9, 1)
            )
        assert early.value.field == "effective_on"
        assert (money_footprint(crm, a), money_footprint(crm, b)) == after_payment
        assert before[0] == after_payment[0]

    def test_report_arguments_are_checked(self, crm: CRM, books: dict[str, Any]) -> None:
        with pytest.raises(ValidationError) as edges:
            crm.balances.ageing(edges=[30, 15])
        assert edges.value.field == "edges"
        with pytest.raises(ValidationError) as period:
            list(crm.balances.statement(date(2014, 10, 31), date(2014, 10, 1)))
        assert period.value.field == "end"
        with pytest.raises(ValidationError) as currency:
            list(crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31), currency="грн"))
        assert currency.value.field == "currency"
        wide = crm.balances.ageing(as_of=date(2014, 10, 31), edges=[7, 100])
        assert wide.labels == ("not due", "1-7", "8-100", "over 100")
        assert wide.totals["UAH"].buckets == (ZERO, D("269.99"), ZERO, D("300.00"))


class _HostLedger:
    """A host ERP's own books, supplied through ``crmcore_documents``."""

    def __init__(self, documents: list[Document], allocations: list[Allocation]) -> None:
        self.documents = documents
        self.allocations = allocations
        self.asked: list[tuple[Any, ...]] = []

    @hookimpl
    def crmcore_documents(
        self, client_ids: tuple[UUID, ...] | None, start: date | None, end: date
    ) -> HostDocuments:
        self.asked.append((client_ids, start, end))
        return HostDocuments(documents=self.documents, allocations=self.allocations)


class HostDocumentConformance:
    """A host's own documents count in every report exactly like crmcore's."""

    def test_a_hosts_documents_count_in_ageing_the_statement_the_act_and_the_summary(
        self, crm_factory: Any, clock: ManualClock
    ) -> None:
        ledger = _HostLedger([], [])
        crm = crm_factory(clock=clock, plugins=[ledger])
        client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
        crm.documents.create(
            "invoice",
            client=client,
            issued_on=date(2014, 9, 1),
            due_on=date(2014, 9, 15),
            lines=_line("1000"),
        )
        at = clock()
        their_invoice = Document(
            kind="invoice",
            number="ERP-77",
            client_id=client.id,
            issued_on=date(2014, 9, 20),
            due_on=date(2014, 10, 5),
            net="500",
            vat="100",
            gross="600",
            source="erp",
            version=1,
            created_at=at,
            updated_at=at,
        )
        their_payment = Document(
            kind="payment_in",
            number="ERP-P-5",
            client_id=client.id,
            issued_on=date(2014, 10, 10),
            net="700",
            gross="700",
            source="erp",
            version=1,
            created_at=at,
            updated_at=at,
        )
        ledger.documents += [their_invoice, their_payment]
        ledger.allocations.append(
            Allocation(
                source_id=their_payment.id,
                target_id=their_invoice.id,
                client_id=client.id,
                currency="UAH",
                amount="600",
                effective_on=date(2014, 10, 10),
                version=1,
                created_at=at,
                updated_at=at,
            )
        )
        september = crm.balances.ageing(as_of=date(2014, 9, 30))
        [row] = september.rows
        assert (row.buckets, row.advances) == ((D("600.00"), D("1200.00"), ZERO, ZERO, ZERO), ZERO)
        october = crm.balances.ageing(as_of=date(2014, 10, 31))
        assert october.rows[0].advances == D("100.00")
        [line] = crm.balances.statement(date(2014, 10, 1), date(2014, 10, 31))
        assert (line.opening, line.debit, line.credit, line.closing) == (
            D("1800.00"),
            ZERO,
            D("700.00"),
            D("1100.00"),
        )
        act = crm.balances.act(client, date(2014, 9, 1), date(2014, 10, 31))
        assert [x.number for x in act.lines] == ["РФ-2014-00001", "ERP-77", "ERP-P-5"]
        assert act.closing == D("1100.00")
        summary = crm.balances.summary(client, as_of=date(2014, 10, 31))
        assert summary.outstanding == {"UAH": D("1200.00")}
        assert summary.advances == {"UAH": D("100.00")}
        assert [p.number for p in summary.last_payments] == ["ERP-P-5"]
        assert [i.number for i in crm.balances.overdue(as_of=date(2014, 10, 31))] == [
            "РФ-2014-00001"
        ]
        assert (client.id,) in {asked[0] for asked in ledger.asked}

    def test_a_host_answering_something_else_is_a_plugin_error(
        self, crm_factory: Any, clock: ManualClock
    ) -> None:
        class Broken:
            @hookimpl
            def crmcore_documents(
                self, client_ids: tuple[UUID, ...] | None, start: date | None, end: date
            ) -> object:
                return ["not", "documents"]

        crm = crm_factory(clock=clock, plugins=[Broken()])
        with pytest.raises(PluginError):
            crm.balances.ageing(as_of=date(2014, 10, 31))
