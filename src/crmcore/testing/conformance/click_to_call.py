"""Click-to-call: dialling a client or contact person through the PBX gateway.

The best number is dialled from the employee's extension; the call is
stored before dialling, with the reference the PBX carries on its events,
so they find it however early they come, and it is logged when it ends; a
PBX that refuses leaves a failed call, logged; bad requests dial nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest

from crmcore import CRM, hookimpl
from crmcore.domain.calls import CallEvent, GatewayCapability
from crmcore.errors import GatewayError, PluginError, ValidationError
from crmcore.ports import PhoneGateway
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import CrmFactory, RecordingChannel
from crmcore.testing.conformance.telephony import (
    RING,
    SECOND,
    PbxOffice,
    logged,
    open_pbx_office,
    outcome,
)

__all__ = ["ClickToCallConformance", "RecordingGateway"]


class RecordingGateway:
    """A PBX gateway plugin that keeps what it is asked and refuses on demand.

    Pass it as ``crmcore.open(plugins=[gateway])``.  ``refuse`` makes the
    next dial fail as a PBX refusing would; ``while_dialling`` runs inside
    ``dial``, as a PBX's first events can arrive before ``dial`` returns.
    """

    name = "fakepbx"

    def __init__(self, capabilities: frozenset[GatewayCapability] | None = None) -> None:
        self.capabilities = capabilities or frozenset(GatewayCapability)
        self.dialled: list[tuple[str, str, str]] = []
        self.hung_up: list[str] = []
        self.transferred: list[tuple[str, str]] = []
        self.refuse: str | None = None
        self.while_dialling: Callable[[str], None] | None = None

    @hookimpl
    def crmcore_phone_gateway(self) -> PhoneGateway:
        return self

    def dial(self, from_extension: str, to_number: str, *, call_ref: str) -> str:
        self.dialled.append((from_extension, to_number, call_ref))
        if self.refuse is not None:
            raise GatewayError(self.refuse)
        if self.while_dialling is not None:
            self.while_dialling(call_ref)
        return f"fake-{len(self.dialled)}"

    def hang_up(self, pbx_id: str) -> None:
        self.hung_up.append(pbx_id)

    def transfer(self, pbx_id: str, to_extension: str) -> None:
        self.transferred.append((pbx_id, to_extension))


def _event(kind: str, seconds: float, call_id: str, call_ref: str | None, **more: Any) -> CallEvent:
    return CallEvent(
        source="fakepbx",
        call_id=call_id,
        kind=kind,
        at=RING + seconds * SECOND,
        direction="outgoing",
        caller="202",
        callee="+380675554433",
        call_ref=call_ref,
        **more,
    )


class ClickToCallConformance:
    """``crm.telephony.call`` and the gateway's other capabilities."""

    @pytest.fixture
    def gateway(self) -> RecordingGateway:
        return RecordingGateway()

    @pytest.fixture
    def dialling(
        self, crm_factory: CrmFactory, clock: ManualClock, gateway: RecordingGateway
    ) -> PbxOffice:
        mail = RecordingChannel("email")
        return open_pbx_office(crm_factory(clock=clock, plugins=[mail, gateway]), clock, mail)

    def test_click_to_call_dials_the_contacts_direct_line_and_logs_the_call_from_its_events(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm
        call = crm.telephony.call(dialling.alena, dialling.iryna)
        [(extension, number, reference)] = gateway.dialled
        assert (extension, number) == ("202", "+380675554433")
        assert (call.call_ref, call.pbx_id, call.source) == (reference, "fake-1", "fakepbx")
        assert (call.client_id, call.contact_id, call.employee_id) == (
            dialling.pdv.id,
            dialling.alena.id,
            dialling.iryna.id,
        )
        assert (call.direction.value, call.outcome, call.event_id) == ("outgoing", None, None)
        for kind, seconds in (("ringing", 1), ("answered", 9), ("ended", 69)):
            handled = crm.telephony.handle(
                _event(
                    kind, seconds, "fake-1", reference, extension=None if kind == "ended" else "202"
                )
            )
        assert handled.call.id == call.id
        event = handled.event
        assert event is not None
        assert (event.type_code, event.contact_id, event.employee_id) == (
            "ИсхЗ",
            dialling.alena.id,
            dialling.iryna.id,
        )
        assert (event.subject, event.duration) == ("Исходящий звонок: ПДВ", timedelta(seconds=60))
        assert [e.source_id for e in dialling.events(dialling.pdv)] == [event.id]

    def test_click_to_call_picks_the_clients_line_for_a_client_or_a_contact_without_one(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm
        nobody = crm.contacts.create(dialling.delicatessen, name="Без телефону")
        crm.telephony.call(dialling.delicatessen, "3")
        crm.telephony.call(nobody, dialling.oleg)
        crm.telephony.call(dialling.petrov, dialling.iryna)
        assert [(ext, number) for ext, number, _ in gateway.dialled] == [
            ("203", "+380444901234"),
            ("203", "+380444901234"),
            ("202", "+380442067222"),
        ]

    def test_click_to_call_events_that_come_before_dial_returns_find_the_call(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm

        def pbx_rings_first(reference: str) -> None:
            crm.telephony.handle(_event("ringing", 0, reference, reference, extension="202"))

        gateway.while_dialling = pbx_rings_first
        call = crm.telephony.call(dialling.alena, dialling.iryna)
        assert call.pbx_id == call.call_ref  # named by its events before dial returned
        assert call.call_ref is not None
        ended = crm.telephony.handle(_event("ended", 30, call.call_ref, None, outcome="missed"))
        assert ended.call.id == call.id
        assert logged(crm, ended.call).outcome == "пропущен"

    def test_click_to_call_refused_by_the_pbx_is_a_failed_call_logged_once(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm
        gateway.refuse = "401 Unauthorized: bad AMI secret"
        with pytest.raises(GatewayError, match="bad AMI secret"):
            crm.telephony.call(dialling.pdv, dialling.iryna)
        [call] = crm.telephony.calls(dialling.pdv)
        assert (outcome(call), call.sip_code, call.ended) == ("failed", 500, True)
        event = logged(crm, call)
        assert (event.type_code, event.outcome) == ("ИсхЗ", "не состоялся")
        assert list(crm.tasks.registry()) == []

    def test_click_to_call_bad_requests_dial_nothing_and_store_nothing(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm
        boss = crm.employees.create(code="1", name="Бондарчук Василь Петрович")
        silent = crm.clients.create(code="9", name="Без телефонів")
        gone = crm.contacts.archive(crm.contacts.create(dialling.pdv, name="Звільнена"))
        cases: list[tuple[str, Callable[[], object]]] = [
            ("employee", lambda: crm.telephony.call(dialling.pdv, boss)),
            ("employee", lambda: crm.telephony.call(dialling.pdv, "nobody")),
            ("client", lambda: crm.telephony.call(silent, dialling.iryna)),
            ("client", lambda: crm.telephony.call("no-such-client", dialling.iryna)),
            ("contact", lambda: crm.telephony.call(gone, dialling.iryna)),
        ]
        for field, attempt in cases:
            with pytest.raises(ValidationError) as caught:
                attempt()
            assert caught.value.field == field
        with pytest.raises(ValidationError) as caught, crm.transaction():
            crm.telephony.call(dialling.pdv, dialling.iryna)
        assert caught.value.field == "transaction"
        assert gateway.dialled == []
        assert crm.telephony.calls(dialling.pdv) == crm.telephony.calls(silent) == []

    def test_click_to_call_without_a_gateway_is_a_plugin_error(self, crm: CRM) -> None:
        pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
        iryna = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
        with pytest.raises(PluginError, match="no PBX gateway"):
            crm.telephony.call(pdv, iryna)
        assert crm.telephony.calls(pdv) == []
        assert not crm.telephony.can("dial")

    def test_gateway_says_what_it_can_and_crmcore_asks_only_that(
        self, crm_factory: CrmFactory, clock: ManualClock
    ) -> None:
        dial_only = RecordingGateway(frozenset({GatewayCapability.DIAL}))
        crm = crm_factory(clock=clock, plugins=[dial_only])
        office = open_pbx_office(crm, clock, RecordingChannel("email"))
        assert (crm.telephony.can("dial"), crm.telephony.can("transfer")) == (True, False)
        call = crm.telephony.call(office.pdv, office.iryna)
        with pytest.raises(PluginError, match="cannot hang_up"):
            crm.telephony.hang_up(call)
        with pytest.raises(ValidationError) as caught:
            crm.telephony.can("fly")
        assert caught.value.field == "capability"

    def test_gateway_hangs_up_and_transfers_calls_in_progress_only(
        self, dialling: PbxOffice, gateway: RecordingGateway
    ) -> None:
        crm = dialling.crm
        call = crm.telephony.call(dialling.pdv, dialling.iryna)
        crm.telephony.transfer(call, "204")
        crm.telephony.hang_up(call)
        assert (gateway.transferred, gateway.hung_up) == ([("fake-1", "204")], ["fake-1"])
        with pytest.raises(ValidationError) as caught:
            crm.telephony.transfer(call, "2O4")
        assert caught.value.field == "to_extension"
        crm.telephony.handle(_event("ended", 5, "fake-1", call.call_ref, outcome="cancelled"))
        with pytest.raises(ValidationError, match="has ended"):
            crm.telephony.hang_up(call)
        assert gateway.hung_up == ["fake-1"]
