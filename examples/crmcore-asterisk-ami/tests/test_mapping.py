"""The transcripts through the tracker and crmcore, without a socket: what each call becomes."""

from __future__ import annotations

import pytest
from crmcore_asterisk_ami import CallTracker
from crmcore_asterisk_ami.protocol import FrameReader
from crmcore_asterisk_ami.testing import read_transcript

import crmcore
from conftest import transcript
from crmcore.domain.calls import CallOutcome


def play(crm: crmcore.CRM, name: str, tracker: CallTracker | None = None) -> CallTracker:
    tracker = tracker or CallTracker()
    reader = FrameReader()
    for block in read_transcript(transcript(name)):
        for message in reader.feed(block.encode()):
            for event in tracker.feed(message):
                crm.telephony.handle(event)
    return tracker


def only_call(crm: crmcore.CRM) -> object:
    client = crm.clients.get("1")
    calls = crm.telephony.calls(client)
    assert len(calls) == 1
    return calls[0]


def test_an_answered_call_is_logged_as_one_incoming_event_with_its_talk_time(
    office: crmcore.CRM,
) -> None:
    tracker = play(office, "answered")
    call = only_call(office)
    assert (call.outcome, call.ring_seconds, call.talk_seconds) == (CallOutcome.ANSWERED, 8, 95)
    assert call.extension == "202"
    assert call.caller_e164 == "+380442067222"
    event = office.events.get(call.event_id)
    assert (event.type_code, event.duration.total_seconds()) == ("ВхЗ", 95)
    assert tracker.calls_in_progress == 0


@pytest.mark.parametrize(
    ("name", "outcome"),
    [
        ("missed", CallOutcome.MISSED),
        ("busy", CallOutcome.BUSY),
        ("cancelled", CallOutcome.CANCELLED),
    ],
)
def test_an_unanswered_call_ends_with_its_outcome_and_asks_the_manager_to_call_back(
    office: crmcore.CRM, name: str, outcome: CallOutcome
) -> None:
    if name == "busy":
        office.clients.create(code="9", name="Зерно", phones=["0672223344"])
    play(office, name)
    client = office.clients.get("9" if name == "busy" else "1")
    (call,) = office.telephony.calls(client)
    assert call.outcome is outcome
    assert office.events.get(call.event_id).type_code == "ПрЗ"
    tasks = office.tasks.registry(client=client).items
    assert [t.name for t in tasks] == [f"Перезвонить: {client.name}"]


def test_a_hunt_group_call_belongs_to_the_extension_that_answered(office: crmcore.CRM) -> None:
    play(office, "hunt_group")
    call = only_call(office)
    assert (call.outcome, call.extension, call.talk_seconds) == (CallOutcome.ANSWERED, "203", 40)
    legs = {leg.extension: leg.outcome for leg in call.legs}
    assert legs == {"202": CallOutcome.CANCELLED, "203": CallOutcome.ANSWERED}
    assert office.employees.get(call.employee_id).extension == "203"


def test_a_transferred_call_keeps_one_event_and_names_where_it_went(office: crmcore.CRM) -> None:
    play(office, "transfer")
    call = only_call(office)
    assert call.outcome is CallOutcome.ANSWERED
    assert [leg.transferred_to for leg in call.legs if leg.transferred_to] == ["204"]
    assert {leg.extension for leg in call.legs} == {"202", "204"}
    assert "Переведён на: 204" in office.events.get(call.event_id).details


def test_playing_a_transcript_twice_changes_nothing(office: crmcore.CRM) -> None:
    play(office, "missed")
    first = only_call(office)
    play(office, "missed")
    again = only_call(office)
    assert (again.id, again.version, again.event_id) == (first.id, first.version, first.event_id)
    client = office.clients.get("1")
    assert len(office.tasks.registry(client=client).items) == 1


def test_garbage_and_unknown_events_are_skipped() -> None:
    tracker = CallTracker()
    assert tracker.feed({"Event": "PeerStatus", "Peer": "PJSIP/202"}) == []
    assert tracker.feed({"Event": "Newchannel"}) == []
    assert tracker.feed({"Event": "Hangup", "Uniqueid": "9.9", "Linkedid": "9.9"}) == []
    reader = FrameReader()
    assert list(reader.feed(b"no colon here\r\nEvent: Hangup\r\n\r\n")) == [{"Event": "Hangup"}]
