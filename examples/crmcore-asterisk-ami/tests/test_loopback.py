"""The plugin over real TCP against the loopback AMI server: calls in, click-to-call out."""

from __future__ import annotations

import logging

import pytest
from crmcore_asterisk_ami import AsteriskAmi
from crmcore_asterisk_ami.testing import ReplayServer, read_transcript

import crmcore
from conftest import Listening, transcript, wait_for
from crmcore.domain.calls import CallOutcome
from crmcore.errors import GatewayError


def gateway(server: ReplayServer, secret: str = "s3cret") -> AsteriskAmi:
    return AsteriskAmi(
        "127.0.0.1", server.port, "crmcore", secret, timeout=2.0, backoff=(0.05, 0.2)
    )


def calls_of(crm: crmcore.CRM) -> list[object]:
    return crm.telephony.calls(crm.clients.get("1"))


def test_one_missed_and_one_answered_call_arrive_over_ami(office: crmcore.CRM) -> None:
    server = ReplayServer([transcript("missed"), transcript("answered")])
    with server, Listening(gateway(server), office):
        wait_for(lambda: len([c for c in calls_of(office) if c.ended]) == 2)
    outcomes = sorted(c.outcome.value for c in calls_of(office))
    assert outcomes == ["answered", "missed"]


def test_a_dropped_connection_mid_message_reconnects_and_duplicates_no_call(
    office: crmcore.CRM, caplog: pytest.LogCaptureFixture
) -> None:
    events = [transcript("answered"), transcript("hunt_group")]
    with ReplayServer(events, drop_after=7, resend=3) as server:
        ami = gateway(server)
        with caplog.at_level(logging.WARNING), Listening(ami, office) as listening:
            wait_for(lambda: server.exhausted and ami.tracker.calls_in_progress == 0)
            wait_for(lambda: len([c for c in calls_of(office) if c.ended]) == 2)
        assert server.sessions >= 2
        assert ami.connections >= 2
        # The events sent again after the reconnect were recognised, not stored twice.
        assert any(handled.replayed for handled in listening.handled)
    assert "inside a message" in caplog.text
    calls = calls_of(office)
    assert sorted((c.extension, c.talk_seconds) for c in calls) == [("202", 95), ("203", 40)]


def test_a_refused_login_is_retried_with_back_off(
    office: crmcore.CRM, caplog: pytest.LogCaptureFixture
) -> None:
    server = ReplayServer([transcript("answered")])
    with server, caplog.at_level(logging.WARNING), Listening(gateway(server, "wrong"), office):
        wait_for(lambda: caplog.text.count("login refused") >= 2)
    assert calls_of(office) == []


def test_click_to_call_originates_with_the_call_reference_and_logs_the_call(
    office: crmcore.CRM,
) -> None:
    with ReplayServer(originate=transcript("click_to_call")) as server:
        ami = gateway(server)
        crm = crmcore.open(plugins=[ami])
        with crm:
            crm_office = _copy_office(crm)
            with Listening(ami, crm):
                call = crm.telephony.call(crm_office, crm.employees.get("2"))
                wait_for(lambda: crm.telephony.get(call.id).ended)
            (originate,) = [a for a in server.actions if a.get("Action") == "Originate"]
            assert originate["ChannelId"] == call.call_ref
            assert originate["Async"] == "true"
            assert (originate["Channel"], originate["Exten"]) == ("PJSIP/202", "+380442067222")
            done = crm.telephony.get(call.id)
            assert (done.pbx_id, done.outcome, done.talk_seconds) == (
                call.call_ref,
                CallOutcome.ANSWERED,
                70,
            )
            assert crm.events.get(done.event_id).type_code == "ИсхЗ"


def test_click_to_call_the_employee_does_not_answer_ends_the_call_unanswered(
    office: crmcore.CRM,
) -> None:
    with ReplayServer(originate=transcript("click_to_call_failed")) as server:
        ami = gateway(server)
        with crmcore.open(plugins=[ami]) as crm:
            client = _copy_office(crm)
            with Listening(ami, crm):
                call = crm.telephony.call(client, crm.employees.get("2"))
                wait_for(lambda: crm.telephony.get(call.id).ended)
            assert crm.telephony.get(call.id).outcome is CallOutcome.MISSED


def test_click_to_call_the_pbx_refuses_is_a_gateway_error_and_a_failed_call() -> None:
    server = ReplayServer(refuse_originate=True)
    with server, crmcore.open(plugins=[gateway(server)]) as crm:
        client = _copy_office(crm)
        with pytest.raises(GatewayError, match="refused"):
            crm.telephony.call(client, crm.employees.get("2"))
        (call,) = crm.telephony.calls(client)
        assert call.outcome is CallOutcome.FAILED


def test_click_to_call_with_no_pbx_listening_is_a_gateway_error() -> None:
    with ReplayServer() as server:
        port = server.port
    ami = AsteriskAmi("127.0.0.1", port, "crmcore", "s3cret", timeout=1.0)
    with crmcore.open(plugins=[ami]) as crm:
        client = _copy_office(crm)
        with pytest.raises(GatewayError):
            crm.telephony.call(client, crm.employees.get("2"))


def _copy_office(crm: crmcore.CRM) -> object:
    iryna = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
    return crm.clients.create(code="1", name="ПДВ", phones=["0442067222"], responsible=iryna)


def test_a_call_in_progress_is_transferred_and_hung_up_through_the_gateway(
    office: crmcore.CRM,
) -> None:
    # The answered call without its BridgeLeave and Hangup events: still talking.
    talking = "\n".join(read_transcript(transcript("answered"))[:-4])
    server = ReplayServer([talking])
    ami = gateway(server)
    with server, crmcore.open(plugins=[ami]) as crm:
        client = _copy_office(crm)
        assert crm.telephony.can("transfer")
        assert crm.telephony.can("hang_up")
        with Listening(ami, crm):
            wait_for(lambda: bool(crm.telephony.calls(client)) and server.exhausted)
            wait_for(lambda: crm.telephony.calls(client)[0].answered_at is not None)
            (call,) = crm.telephony.calls(client)
            crm.telephony.transfer(call, "204")
            crm.telephony.hang_up(call)
        asked = [
            (a["Action"], a["Channel"], a.get("Exten"))
            for a in server.actions
            if a["Action"] in ("Redirect", "Hangup")
        ]
        assert asked == [
            ("Redirect", "PJSIP/trunk-00000001", "204"),
            ("Hangup", "PJSIP/trunk-00000001", None),
        ]
        ami.tracker.feed({"Event": "Hangup", "Uniqueid": call.pbx_id, "Linkedid": call.pbx_id})
        with pytest.raises(GatewayError, match="not in progress"):
            ami.hang_up(call.pbx_id)
