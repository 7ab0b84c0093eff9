"""Storage conformance: the screen pop a ringing call gives (who calls, and what they owe)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from crmcore import Phone
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import CrmFactory, RecordingChannel, utc_2014
from crmcore.testing.conformance.telephony import PbxOffice, call_event, open_pbx_office, pop_of

__all__ = ["ScreenPopConformance"]


class ScreenPopConformance:
    """What ``crm.telephony.handle`` returns for a ringing phone."""

    @pytest.fixture
    def pbx(self, crm_factory: CrmFactory, clock: ManualClock) -> PbxOffice:
        mail = RecordingChannel("email")
        return open_pbx_office(crm_factory(clock=clock, plugins=[mail]), clock, mail)

    def test_telephony_screen_pop_shows_who_calls_their_manager_tasks_and_last_contacts(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        crm.events.log(pbx.pdv, type="Встр", subject="Зустріч", occurred_at=utc_2014(3))
        crm.events.log(pbx.pdv, type="ВхЗ", subject="Запит ціни", occurred_at=utc_2014(4))
        task = crm.tasks.create("Рахунок", client=pbx.pdv, end=utc_2014(7), executors=[pbx.iryna])
        handled = crm.telephony.handle(call_event("ringing", extension="202"))
        pop = pop_of(handled)
        assert (pop.client, pop.contact, pop.responsible, pop.employee) == (
            pbx.pdv,
            None,
            pbx.iryna,
            pbx.iryna,
        )
        assert (pop.number, pop.phone, pop.call.id) == (
            "+380442067222",
            Phone("+380442067222"),
            handled.call.id,
        )
        assert [t.id for t in pop.open_tasks] == [task.id]
        assert [e.title for e in pop.last_contacts] == ["Запит ціни", "Зустріч"]
        shown = pop.as_dict()
        assert shown["client"] == {"code": "1", "name": "ПДВ"}
        assert shown["responsible"]["name"] == "Петрова Ірина"
        assert shown["e164"] == "+380442067222"
        assert [t["name"] for t in shown["open_tasks"]] == ["Рахунок"]
        assert (pop.overdue, shown["overdue"]) == ({}, {})  # the client owes nothing
        answered = crm.telephony.handle(call_event("answered", 3, extension="202"))
        assert answered.screen_pop is None  # only a ringing phone pops
        crm.telephony.handle(call_event("ended", 9))
        assert crm.telephony.handle(call_event("ringing", extension="202")).screen_pop is None

    def test_telephony_screen_pop_shows_what_the_client_owes_past_due_today(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        coffee = [{"description": "Кава", "quantity": "2", "price": "50"}]  # 120.00 with VAT
        late = crm.documents.create(
            "invoice", client=pbx.pdv, issued_on=date(2014, 10, 1), due_on=date(2014, 10, 8),
            lines=coffee,
        )  # fmt: skip
        crm.documents.create(
            "invoice", client=pbx.pdv, issued_on=date(2014, 10, 20), due_on=date(2014, 11, 4),
            lines=coffee,
        )  # fmt: skip
        crm.documents.create(  # not due until after today (5 November)
            "invoice", client=pbx.pdv, issued_on=date(2014, 11, 1), due_on=date(2014, 11, 20),
            lines=coffee,
        )  # fmt: skip
        payment = crm.documents.create(
            "payment_in", client=pbx.pdv, issued_on=date(2014, 10, 9), amount="100.00"
        )
        crm.allocations.allocate(payment, late, amount="100.00", effective_on=date(2014, 10, 9))
        pop = pop_of(crm.telephony.handle(call_event("ringing", extension="202")))
        assert pop.overdue == {"UAH": Decimal("140.00")}
        assert pop.as_dict()["overdue"] == {"UAH": "140.00"}
        unknown = crm.telephony.handle(call_event("ringing", call_id="x", caller="+380671234567"))
        assert pop_of(unknown).overdue is None
