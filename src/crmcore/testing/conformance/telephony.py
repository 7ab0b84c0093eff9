"""Telephony: call events make calls, each call one event, missed calls a callback, rings a pop.

Events of one call are handled in any order and any number of times with
the same result; a missed call gives the client's responsible manager a
callback task and a notice, once; the matching policy ranks everyone a
number belongs to; the screen pop shows who is calling; bad numbers and
unknown extensions are no reason to lose a call.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import attrs
import pytest

from crmcore import CRM, Client, ContactPerson, Employee, Event, Phone
from crmcore.domain.calls import Call, CallEvent, CallLeg
from crmcore.domain.telephony import TelephonySettings
from crmcore.errors import ValidationError
from crmcore.services.telephony import Handled, ScreenPop
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import (
    CrmFactory,
    RecordingChannel,
    utc_2014,
)

__all__ = [
    "PbxOffice",
    "TelephonyConformance",
    "call_event",
    "logged",
    "open_pbx_office",
    "outcome",
    "pop_of",
]

#: When the calls of the suite ring: 5 November 2014, 09:30 UTC.
RING = utc_2014(5, 9, 30)
SECOND = timedelta(seconds=1)


@dataclass(frozen=True)
class PbxOffice:
    """An office behind a PBX: employees on extensions, clients with phones."""

    crm: CRM
    clock: ManualClock
    mail: RecordingChannel
    iryna: Employee  # 2 on 202: responsible for ПДВ
    oleg: Employee  # 3 on 203: responsible for ДЕЛІКАТЕС
    melnyk: Employee  # 23 on 204
    pdv: Client  # 0442067222
    petrov: ContactPerson  # at ПДВ, 0442067222 доб. 2007
    alena: ContactPerson  # at ПДВ, her own 067 555 44 33
    delicatessen: Client  # 044 490 12 34

    def events(self, client: Client) -> list[Any]:
        """The client's events on the timeline, newest first."""
        return [e for e in self.crm.timeline(client, limit=100) if e.kind == "event"]

    def messages(self, kind: str) -> list[tuple[str, str]]:
        """(employee code, channel) of each queued message of ``kind``, sorted."""
        codes: dict[object, str] = {e.id: e.code for e in (self.iryna, self.oleg, self.melnyk)}
        return sorted(
            (codes.get(m.recipient_id, "?"), m.channel)
            for m in self.crm.notifications.outbox(limit=1000)
            if m.kind == kind
        )


def open_pbx_office(crm: CRM, clock: ManualClock, mail: RecordingChannel) -> PbxOffice:
    """The office's people and clients, created on ``crm`` whose e-mail channel is ``mail``."""
    iryna = crm.employees.create(
        code="2", name="Петрова Ірина", extension="202", email="petrova@intelserv.com"
    )
    oleg = crm.employees.create(
        code="3", name="Кононов Олег Васильович", extension="203", email="kononov@intelserv.com"
    )
    melnyk = crm.employees.create(code="23", name="Мельник Петро", extension="204")
    pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"], responsible=iryna)
    petrov = crm.contacts.create(pdv, name="Петров Иван Иванович", phones=["0442067222 доб. 2007"])
    alena = crm.contacts.create(pdv, name="Алена", phones=["067 555 44 33"])
    delicatessen = crm.clients.create(
        code="22910019", name="ДЕЛІКАТЕС ТОВ", phones=["044 490 12 34"], responsible=oleg
    )
    return PbxOffice(
        crm=crm,
        clock=clock,
        mail=mail,
        iryna=iryna,
        oleg=oleg,
        melnyk=melnyk,
        pdv=pdv,
        petrov=petrov,
        alena=alena,
        delicatessen=delicatessen,
    )


def call_event(kind: str, seconds: float = 0, **fields: Any) -> CallEvent:
    """An event of the incoming call ``pbx-1`` from ПДВ's main line, ``seconds`` after it rang."""
    fields.setdefault("source", "asterisk")
    fields.setdefault("call_id", "pbx-1")
    fields.setdefault("direction", "incoming")
    fields.setdefault("caller", "+380442067222")
    return CallEvent(kind=kind, at=RING + seconds * SECOND, **fields)


def pop_of(handled: Handled) -> ScreenPop:
    """The screen pop ``handle`` returned, which must be there."""
    assert handled.screen_pop is not None, "handle() gave no screen pop"
    return handled.screen_pop


def logged(crm: CRM, call: Call) -> Event:
    """The event ``call`` is logged as, which must be there."""
    assert call.event_id is not None, "the call is not logged as an event"
    return crm.events.get(call.event_id)


def outcome(call: Call | CallLeg) -> str | None:
    """The outcome of a call or leg as its value, None while in progress."""
    return None if call.outcome is None else call.outcome.value


#: An answered call: 202 rings, answers after 8 s, the call ends 4 min 12 s later.
ANSWERED = (
    call_event("ringing", 0, extension="202", leg="1415179800.2"),
    call_event("answered", 8, extension="202", leg="1415179800.2"),
    call_event("ended", 260, leg="1415179800.2"),
    call_event("ended", 260),
)
#: A missed call: 202 rings for 25 s, the caller gives up.
MISSED = (
    call_event("ringing", 0, call_id="pbx-2", extension="202", leg="1415179900.5"),
    call_event("ended", 25, call_id="pbx-2", leg="1415179900.5", outcome="cancelled"),
    call_event("ended", 25, call_id="pbx-2"),
)


class TelephonyConformance:
    """Calls from call events, the timeline event, callbacks, matching and the screen pop."""

    @pytest.fixture
    def pbx(self, crm_factory: CrmFactory, clock: ManualClock) -> PbxOffice:
        mail = RecordingChannel("email")
        return open_pbx_office(crm_factory(clock=clock, plugins=[mail]), clock, mail)

    # --- one call, one event ------------------------------------------------------------

    def test_telephony_answered_call_is_one_incoming_event_with_duration_and_employee(
        self, pbx: PbxOffice
    ) -> None:
        handled = [pbx.crm.telephony.handle(event) for event in ANSWERED]
        call = handled[-1].call
        assert (call.source, call.pbx_id, call.direction.value) == ("asterisk", "pbx-1", "incoming")
        assert (call.caller_number, call.caller_e164) == ("+380442067222", "+380442067222")
        assert (call.client_id, call.contact_id, call.employee_id) == (
            pbx.pdv.id,
            None,
            pbx.iryna.id,
        )
        assert (call.ring_seconds, call.talk_seconds) == (8, 252)
        assert (outcome(call), call.sip_code, call.extension) == ("answered", 200, "202")
        [leg] = call.legs
        assert (leg.leg, leg.extension, leg.employee_id) == ("1415179800.2", "202", pbx.iryna.id)
        assert (leg.rang_at, leg.answered_at) == (RING, RING + 8 * SECOND)
        event = handled[-1].event
        assert event is not None
        assert call.event_id == event.id
        assert (event.type_code, event.subject) == ("ВхЗ", "Входящий звонок: ПДВ")
        assert (event.employee_id, event.duration) == (pbx.iryna.id, timedelta(seconds=252))
        assert (event.occurred_at, event.outcome) == (RING, "отвечен")
        assert "Разговор: 252 с" in event.details
        assert [e.source_id for e in pbx.events(pbx.pdv)] == [event.id]
        assert pbx.crm.telephony.get(call.id) == call
        assert pbx.crm.telephony.calls(pbx.pdv) == [call]

    def test_telephony_events_in_any_order_and_any_number_of_times_make_the_same_call(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        first = [crm.telephony.handle(event) for event in (*ANSWERED, *ANSWERED)][-1]
        assert all(crm.telephony.handle(event).replayed for event in ANSWERED)
        for number, order in enumerate(itertools.permutations(ANSWERED)):
            call_id = f"perm-{number}"
            results = [crm.telephony.handle(attrs.evolve(e, call_id=call_id)) for e in order]
            again = [crm.telephony.handle(attrs.evolve(e, call_id=call_id)) for e in order]
            assert all(result.replayed for result in again)
            call = results[-1].call
            assert (call.outcome, call.ring_seconds, call.talk_seconds, call.legs) == (
                first.call.outcome,
                first.call.ring_seconds,
                first.call.talk_seconds,
                first.call.legs,
            )
            assert (call.employee_id, call.client_id) == (first.call.employee_id, pbx.pdv.id)
        events = pbx.events(pbx.pdv)
        assert len(events) == 1 + 24  # one per call, none for the replays
        assert len(crm.telephony.calls(pbx.pdv, limit=100)) == 25

    def test_telephony_missed_call_gives_the_responsible_manager_one_callback_and_notice(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        for reported in (*MISSED, *MISSED):
            handled = crm.telephony.handle(reported)
        call = handled.call
        assert (outcome(call), call.ring_seconds, call.talk_seconds) == ("missed", 25, None)
        event = logged(crm, call)
        assert (event.type_code, event.subject, event.outcome) == (
            "ПрЗ",
            "Пропущенный звонок: ПДВ",
            "пропущен",
        )
        [task] = crm.tasks.registry(client=pbx.pdv)
        assert (task.name, task.type_code, task.event_id) == ("Перезвонить: ПДВ", "ИсхЗ", event.id)
        assert task.planned_end == RING + 25 * SECOND + timedelta(hours=4)
        assert [row.employee_id for row in crm.tasks.executors(task)] == [pbx.iryna.id]
        assert pbx.messages("missed_call") == [("2", "email"), ("2", "in_app")]
        assert pbx.messages("task_assigned") == [("2", "email"), ("2", "in_app")]
        [notice] = [
            m
            for m in crm.notifications.outbox(recipient=pbx.iryna)
            if (m.kind, m.channel) == ("missed_call", "in_app")
        ]
        assert (notice.subject, notice.entity_id) == ("Пропущенный звонок: ПДВ", event.id)
        assert "+380 44 206 7222" in notice.body

    def test_telephony_callback_of_a_call_answered_after_all_is_cancelled(
        self, pbx: PbxOffice
    ) -> None:
        crm, (ring, answer, leg_end, end) = pbx.crm, ANSWERED
        for reported in (end, ring):
            crm.telephony.handle(reported)
        assert [t.status.value for t in crm.tasks.registry(client=pbx.pdv)] == ["assigned"]
        for reported in (answer, leg_end, answer):
            call = crm.telephony.handle(reported).call
        assert (outcome(call), logged(crm, call).type_code) == ("answered", "ВхЗ")
        [task] = crm.tasks.registry(client=pbx.pdv, include_archived=True, status="cancelled")
        assert (task.name, len(pbx.events(pbx.pdv))) == ("Перезвонить: ПДВ", 1)

    def test_telephony_unanswered_call_of_an_unknown_caller_calls_back_whoever_it_rang_for(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        for reported in MISSED:
            crm.telephony.handle(attrs.evolve(reported, caller="067 000 11 22", extension="204"))
        call = crm.telephony.find("asterisk", "pbx-2")
        assert call is not None
        assert (call.client_id, call.employee_id) == (None, pbx.melnyk.id)
        event = logged(crm, call)
        assert (event.client_id, event.subject) == (None, "Пропущенный звонок: +380 67 000 1122")
        [task] = crm.tasks.registry(executor=pbx.melnyk)
        assert task.name == "Перезвонить: +380 67 000 1122"
        assert pbx.messages("missed_call") == [("23", "in_app")]

    def test_telephony_hunt_group_rings_three_and_the_one_who_answers_has_the_call(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        legs = {"202": "h.2", "203": "h.3", "204": "h.4"}
        events = [
            call_event("ringing", 0, call_id="hunt", extension=ext, leg=leg)
            for ext, leg in legs.items()
        ]
        pops = [pop_of(crm.telephony.handle(event)) for event in events]
        assert [pop.employee and pop.employee.code for pop in pops if pop] == ["2", "3", "23"]
        crm.telephony.handle(call_event("answered", 6, call_id="hunt", extension="203", leg="h.3"))
        for ext in ("202", "204"):
            crm.telephony.handle(
                call_event("ended", 6, call_id="hunt", leg=legs[ext], outcome="cancelled")
            )
        call = crm.telephony.handle(call_event("ended", 66, call_id="hunt")).call
        assert (call.employee_id, outcome(call), call.talk_seconds) == (
            pbx.oleg.id,
            "answered",
            60,
        )
        assert [(leg.extension, outcome(leg)) for leg in call.legs] == [
            ("202", "cancelled"),
            ("203", "answered"),
            ("204", "cancelled"),
        ]
        assert logged(crm, call).employee_id == pbx.oleg.id
        assert list(crm.tasks.registry(client=pbx.pdv)) == []  # answered: no callback

    def test_telephony_transfer_and_recording_show_in_the_calls_event(self, pbx: PbxOffice) -> None:
        crm = pbx.crm
        for event in (
            call_event("ringing", 0, call_id="t", extension="202", leg="t.2"),
            call_event("answered", 5, call_id="t", extension="202", leg="t.2"),
            call_event("transferred", 30, call_id="t", extension="202", leg="t.2", callee="204"),
            call_event("ringing", 31, call_id="t", extension="204", leg="t.4"),
            call_event("answered", 35, call_id="t", extension="204", leg="t.4"),
            call_event("recorded", 95, call_id="t", recording="monitor/t.wav"),
            call_event("ended", 95, call_id="t", sip_code=200, talk_seconds=90),
        ):
            handled = crm.telephony.handle(event)
        call = handled.call
        assert (call.recording, call.talk_seconds, call.employee_id) == (
            "monitor/t.wav",
            90,
            pbx.iryna.id,
        )
        assert [(leg.extension, leg.transferred_to) for leg in call.legs] == [
            ("202", "204"),
            ("204", None),
        ]
        details = logged(crm, call).details
        assert "Переведён на: 204" in details
        assert "Запись: monitor/t.wav" in details

    def test_telephony_outgoing_call_is_matched_by_the_number_dialled(self, pbx: PbxOffice) -> None:
        crm = pbx.crm
        for kind, seconds in (("ringing", 0), ("ended", 20)):
            handled = crm.telephony.handle(
                call_event(
                    kind,
                    seconds,
                    call_id="out",
                    direction="outgoing",
                    caller="203",
                    callee="0444901234",
                    extension=None if kind == "ended" else "203",
                    outcome="busy" if kind == "ended" else None,
                )
            )
        call = handled.call
        assert (call.client_id, call.employee_id, outcome(call), call.sip_code) == (
            pbx.delicatessen.id,
            pbx.oleg.id,
            "busy",
            486,
        )
        event = logged(crm, call)
        assert (event.type_code, event.subject, event.outcome) == (
            "ИсхЗ",
            "Исходящий звонок: ДЕЛІКАТЕС ТОВ",
            "занято",
        )
        assert list(crm.tasks.registry()) == []  # nobody missed anything

    def test_telephony_internal_call_is_kept_but_is_no_event(self, pbx: PbxOffice) -> None:
        crm = pbx.crm
        for kind, seconds in (("ringing", 0), ("answered", 2), ("ended", 40)):
            handled = crm.telephony.handle(
                call_event(
                    kind,
                    seconds,
                    call_id="int",
                    direction="internal",
                    caller="202",
                    callee="204",
                    extension=None if kind == "ended" else "204",
                )
            )
        assert handled.event is None
        assert handled.call.event_id is None
        assert (handled.call.client_id, handled.call.employee_id) == (None, pbx.melnyk.id)
        assert pbx.events(pbx.pdv) == []

    # --- matching policy ------------------------------------------------------------------

    def test_telephony_one_number_of_two_clients_returns_both_latest_contact_first(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        shared = "050 123 45 67"
        nadiya = crm.contacts.create(pbx.pdv, name="Надія", phones=[shared])
        oksana = crm.contacts.create(pbx.delicatessen, name="Оксана", phones=[shared])
        ranked = crm.telephony.lookup(shared)
        assert [m.contact for m in ranked] == [nadiya, oksana]  # no contacts yet: by client code
        crm.events.log(contact=oksana, type="ВхЗ", occurred_at=utc_2014(4))
        crm.events.log(contact=nadiya, type="ВхЗ", occurred_at=utc_2014(1))
        ranked = crm.telephony.lookup(shared)
        assert [m.contact for m in ranked] == [oksana, nadiya]
        assert ranked[0].last_contacted == utc_2014(4)
        handled = crm.telephony.handle(call_event("ringing", call_id="shared", caller=shared))
        pop = pop_of(handled)
        assert [m.contact for m in pop.candidates] == [oksana, nadiya]
        assert (pop.client, pop.contact) == (pbx.delicatessen, oksana)
        assert (handled.call.client_id, handled.call.contact_id) == (pbx.delicatessen.id, oksana.id)

    def test_telephony_ties_go_to_the_client_of_the_employee_taking_the_call(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        shared = "050 765 43 21"
        crm.contacts.create(pbx.pdv, name="Надія", phones=[shared])
        crm.contacts.create(pbx.delicatessen, name="Оксана", phones=[shared])
        for_oleg = crm.telephony.lookup(shared, employee=pbx.oleg)
        for_iryna = crm.telephony.lookup(shared, employee="2")
        assert [m.client.code for m in for_oleg] == ["22910019", "1"]
        assert [m.client.code for m in for_iryna] == ["1", "22910019"]
        pop = pop_of(
            crm.telephony.handle(
                call_event("ringing", call_id="tie", caller=shared, extension="203")
            )
        )
        assert pop.client == pbx.delicatessen
        with pytest.raises(ValidationError) as caught:
            crm.telephony.lookup(shared, employee="nobody")
        assert caught.value.field == "employee"

    def test_telephony_contact_extension_outranks_the_main_line(self, pbx: PbxOffice) -> None:
        crm = pbx.crm
        pop = pop_of(
            crm.telephony.handle(
                call_event("ringing", call_id="ext", caller="+380442067222 доб. 2007")
            )
        )
        assert (pop.client, pop.contact) == (pbx.pdv, pbx.petrov)
        assert [(m.contact and m.contact.name, m.exact) for m in pop.candidates] == [
            ("Петров Иван Иванович", True),
            (None, False),
        ]

    def test_telephony_unknown_caller_becomes_a_prospect_once_when_the_setting_says(
        self, crm_factory: CrmFactory, clock: ManualClock
    ) -> None:
        mail = RecordingChannel("email")
        crm = crm_factory(clock=clock, plugins=[mail], telephony=TelephonySettings(prospects=True))
        open_pbx_office(crm, clock, mail)
        unknown = "+380671234567"
        for event in (*MISSED, *MISSED):
            handled = crm.telephony.handle(attrs.evolve(event, caller=unknown))
        prospect = crm.clients.get("tel+380671234567")
        assert (prospect.kind.value, prospect.name) == (
            "prospect",
            "Новий абонент +380 67 123 4567",
        )
        assert handled.call.client_id == prospect.id
        assert logged(crm, handled.call).client_id == prospect.id
        assert len(crm.clients.search(phone=unknown)) == 1
        again = crm.telephony.handle(call_event("ringing", call_id="second", caller=unknown))
        assert pop_of(again).client == prospect
        assert len(crm.clients.search(phone=unknown)) == 1

    def test_telephony_unknown_caller_stays_unknown_by_default(self, pbx: PbxOffice) -> None:
        handled = pbx.crm.telephony.handle(call_event("ringing", caller="+380671234567"))
        pop = pop_of(handled)
        assert (pop.client, pop.candidates, pop.number) == (None, (), "+380671234567")
        assert pop.phone == Phone("+380671234567")
        assert pbx.crm.clients.search(phone="+380671234567") == []

    # --- bad input ------------------------------------------------------------------------

    def test_telephony_withheld_and_garbage_numbers_lose_no_call(self, pbx: PbxOffice) -> None:
        crm = pbx.crm
        for call_id, caller in (("w", ""), ("a", "anonymous"), ("g", "12+34-xx")):
            for kind, seconds in (("ringing", 0), ("ended", 15)):
                handled = crm.telephony.handle(
                    call_event(kind, seconds, call_id=call_id, caller=caller, extension="202")
                )
            call = handled.call
            assert (call.caller_number, call.caller_e164, call.client_id) == (caller, None, None)
            assert outcome(call) == "missed"
            subject = logged(crm, call).subject
            assert subject == f"Пропущенный звонок: {caller or 'номер скрыт'}"
        assert len(crm.tasks.registry(executor=pbx.iryna)) == 3

    def test_telephony_unknown_extension_leaves_the_call_without_an_employee(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        for event in ANSWERED:
            handled = crm.telephony.handle(attrs.evolve(event, extension=event.extension and "999"))
        assert (handled.call.employee_id, handled.call.extension) == (None, "999")
        assert logged(crm, handled.call).employee_id is None

    def test_telephony_bad_events_are_refused_naming_the_field_and_store_nothing(
        self, pbx: PbxOffice
    ) -> None:
        crm = pbx.crm
        with pytest.raises(ValidationError) as caught:
            crm.telephony.handle({"kind": "ringing"})  # type: ignore[arg-type]
        assert caught.value.field == "event"
        bad: list[tuple[str, dict[str, Any]]] = [
            ("at", {"at": datetime(2014, 11, 5, 9, 30)}),
            ("kind", {"kind": "hold"}),
            ("direction", {"direction": "sideways"}),
            ("extension", {"extension": "20a"}),
            ("sip_code", {"sip_code": 99}),
            ("outcome", {"kind": "ringing", "outcome": "missed"}),
            ("source", {"source": "Asterisk PBX"}),
            ("call_id", {"call_id": "  "}),
        ]
        for field, given in bad:
            values: dict[str, Any] = {
                "source": "asterisk",
                "call_id": "bad",
                "kind": "ended",
                "at": RING,
                "direction": "incoming",
                **given,
            }
            with pytest.raises(ValidationError) as caught:
                CallEvent(**values)
            assert caught.value.field == field, given
        assert crm.telephony.find("asterisk", "bad") is None
        assert crm.telephony.calls(pbx.pdv) == []
