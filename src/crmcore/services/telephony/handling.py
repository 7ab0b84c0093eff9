"""Handling call events: each distinct event is stored once, the call is the fold of them all.

:meth:`HandlingMixin.handle` stores a :class:`~crmcore.domain.calls.CallEvent`
with its call (unless that event was stored before), folds every event of
the call with :func:`~crmcore.domain.calls.summarize`, and brings the call
record in step.  Once the call has ended it is logged as one event on the
client's timeline; a missed incoming call asks its callback of the client's
responsible manager through the ``CallMissed`` signal.  All of it in one
unit of work, so an event is handled completely or not at all.
"""

from __future__ import annotations

from typing import Any

import attrs

from crmcore.domain import CallerMatch, Client, ContactPerson, Employee, Event, Phone
from crmcore.domain.calls import (
    Call,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallOutcome,
    CallSummary,
    ReceivedCallEvent,
    summarize,
)
from crmcore.domain.clients import ClientKind
from crmcore.domain.signals import CallMissed, MissedCallAnswered
from crmcore.domain.telephony import Callback
from crmcore.errors import Conflict, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import build
from crmcore.services.clients import ClientService
from crmcore.services.events import EventService
from crmcore.services.telephony.common import TelephonyBase, caller_matches, log, spoken
from crmcore.services.telephony.screen_pop import ScreenPop, screen_pop

__all__ = ["Handled", "HandlingMixin"]

#: Tries of one event when another unit of work stored the same call meanwhile.
_ATTEMPTS = 3


@attrs.frozen(kw_only=True)
class Handled:
    """What :meth:`~HandlingMixin.handle` did with one event.

    ``replayed`` is true when the event had been handled before: nothing
    was written.  ``screen_pop`` is given for a ``ringing`` event of a call
    still in progress; ``event`` is the call's event on the timeline once
    the call has ended (None for internal calls, which are no contact with
    a client).
    """

    call: Call
    replayed: bool
    screen_pop: ScreenPop | None = None
    event: Event | None = None


@attrs.frozen
class _Match:
    """Who a call is with, decided when its number is first known."""

    client: Client | None
    contact: ContactPerson | None
    candidates: list[CallerMatch]


class HandlingMixin(TelephonyBase):
    """``crm.telephony.handle``: call events in, calls, timeline events and screen pops out."""

    def handle(self, event: CallEvent) -> Handled:
        """Take one call event from a PBX plugin.

        Events of one call may come in any order and any number of times: an
        event handled before writes nothing (``replayed``), and the call is
        always what all its distinct events together say
        (:func:`crmcore.domain.calls.summarize`).  When the call has ended it
        becomes one event on the client's timeline (type ``ВхЗ``, ``ИсхЗ``
        or, for an unanswered incoming call, ``ПрЗ``; see
        :class:`~crmcore.domain.calls.TelephonySettings`), with the
        duration, the employee and the outcome.  A missed incoming call
        also makes a callback task for the client's responsible manager (or
        the employee whose phone rang) and tells them through the outbox,
        once.  For a ringing call ``handle`` returns the screen pop, and the
        ``crmcore_screen_pop`` hook shows it, after the event is stored.

        Raises:
            ValidationError: ``event`` is not a :class:`~crmcore.domain.calls.CallEvent`.
                A number that cannot be read or an extension no employee has
                is no error: the call goes on without them, and it is logged.

        Example:
            >>> import crmcore
            >>> from datetime import UTC, datetime
            >>> from crmcore.domain.calls import CallEvent
            >>> crm = crmcore.open()
            >>> _ = crm.employees.create(code="2", name="Петрова Ірина", extension="202")
            >>> _ = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
            >>> ringing = CallEvent(
            ...     source="asterisk",
            ...     call_id="1415179800.1",
            ...     kind="ringing",
            ...     at=datetime(2014, 11, 5, 9, 30, tzinfo=UTC),
            ...     direction="incoming",
            ...     caller="0442067222",
            ...     extension="202",
            ... )
            >>> pop = crm.telephony.handle(ringing).screen_pop
            >>> pop.client.name, pop.employee.name, pop.number
            ('ПДВ', 'Петрова Ірина', '0442067222')
            >>> crm.telephony.handle(ringing).replayed
            True
        """
        if not isinstance(event, CallEvent):
            raise ValidationError("event", f"must be a CallEvent, not {type(event).__name__}")
        joined = self._context.runtime.current.get() is not None
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                handled = self._handle_once(event)
                break
            except Conflict:
                # Another unit of work stored this call (or changed it) meanwhile;
                # done again, the event finds the call and joins it.
                if joined or attempt == _ATTEMPTS:
                    raise
                log.info(
                    "call %s:%s changed meanwhile; handling its event again",
                    event.source,
                    event.call_id,
                )
        if handled.screen_pop is not None and not handled.replayed:
            self._context.runtime.plugins.hook.crmcore_screen_pop(screen_pop=handled.screen_pop)
        return handled

    def _handle_once(self, event: CallEvent) -> Handled:
        with self._unit_of_work() as uow:
            call = self._find_call(uow, event)
            if call is None:
                received: list[CallEvent] = []
            else:
                stored = uow.call_events.find(call_id=call.id)
                if any(record.key == event.key for record in stored):
                    return self._replayed(uow, call, event)
                received = [record.event for record in stored]
            summary = summarize([*received, event])
            call, match = self._bring_in_step(uow, call, event, summary)
            now = self._now()
            uow.call_events.add(
                ReceivedCallEvent(
                    call_id=call.id,
                    key=event.key,
                    event=event,
                    version=1,
                    created_at=now,
                    updated_at=now,
                )
            )
            logged = None
            if summary.ended:
                call, logged = self._log(uow, call, summary)
            pop = None
            if event.kind is CallEventKind.RINGING and not call.ended:
                pop = self._pop(uow, call, event, match)
            return Handled(call=call, replayed=False, screen_pop=pop, event=logged)

    def _find_call(self, uow: UnitOfWork, event: CallEvent) -> Call | None:
        """The call the event is about: by the PBX's id, or by crmcore's reference."""
        call = uow.calls.get_by_pbx_id(event.source, event.call_id)
        if call is None and event.call_ref is not None:
            dialled = uow.calls.get_by_ref(event.call_ref)
            if (
                dialled is not None
                and dialled.source == event.source
                and dialled.pbx_id in (None, event.call_id)
            ):
                call = dialled
        return call

    def _replayed(self, uow: UnitOfWork, call: Call, event: CallEvent) -> Handled:
        pop = None
        if event.kind is CallEventKind.RINGING and not call.ended:
            pop = self._pop(uow, call, event, None)
        logged = None if call.event_id is None else uow.events.get(call.event_id)
        return Handled(call=call, replayed=True, screen_pop=pop, event=logged)

    def _bring_in_step(
        self, uow: UnitOfWork, call: Call | None, event: CallEvent, summary: CallSummary
    ) -> tuple[Call, _Match | None]:
        """Store the call as ``summary`` says it is now; (the call, who it was matched to)."""
        caller_text = summary.caller or ("" if call is None else call.caller_number)
        callee_text = summary.callee or ("" if call is None else call.callee_number)
        caller = self._pbx_phone(caller_text, "caller")
        callee = self._pbx_phone(callee_text, "callee")
        extensions = {leg.extension for leg in summary.legs if leg.extension}
        if summary.extension:
            extensions.add(summary.extension)
        people = self._employees_on(uow, extensions)
        employee = people.get(summary.extension or "")
        if employee is None and call is not None and call.call_ref is not None:
            # A call crmcore dialled belongs to the employee who asked for it.
            employee = None if call.employee_id is None else uow.employees.get(call.employee_id)
        legs = tuple(
            attrs.evolve(leg, employee_id=people[leg.extension].id)
            if leg.extension in people
            else leg
            for leg in summary.legs
        )
        values: dict[str, Any] = {
            "direction": summary.direction,
            "caller_number": caller_text,
            "caller_e164": None if caller is None else caller.e164,
            "caller_extension": None if caller is None else caller.extension,
            "callee_number": callee_text,
            "callee_e164": None if callee is None else callee.e164,
            "callee_extension": None if callee is None else callee.extension,
            "extension": summary.extension or (None if call is None else call.extension),
            "employee_id": None if employee is None else employee.id,
            "answered_at": summary.answered_at,
            "ended_at": summary.ended_at,
            "ring_seconds": summary.ring_seconds,
            "talk_seconds": summary.talk_seconds,
            "outcome": summary.outcome,
            "sip_code": summary.sip_code,
            "recording": summary.recording,
            "legs": legs,
        }
        match = None
        incoming = summary.direction is CallDirection.INCOMING
        other, number_field = (caller, "caller_number") if incoming else (callee, "callee_number")
        # A call is matched when its other party's number is first known, or
        # changes; one crmcore dialled is with whom it was dialled to.
        first_known = call is None or (
            call.call_ref is None and getattr(call, number_field) != values[number_field]
        )
        if summary.direction is not CallDirection.INTERNAL and first_known:
            match = self._match(uow, other, summary, employee)
            values["client_id"] = None if match.client is None else match.client.id
            values["contact_id"] = None if match.contact is None else match.contact.id
        if call is None:
            new = build(
                Call,
                source=event.source,
                pbx_id=event.call_id,
                call_ref=summary.call_ref,
                started_at=summary.started_at,
                **values,
            )
            return self._add(uow, uow.calls, new), match
        values["started_at"] = min(call.started_at, summary.started_at)
        if call.pbx_id is None:
            values["pbx_id"] = event.call_id
        return self._update(uow, uow.calls, call, call, values), match

    def _match(
        self,
        uow: UnitOfWork,
        phone: Phone | None,
        summary: CallSummary,
        employee: Employee | None,
    ) -> _Match:
        """Who the other party is; a prospect of an unknown caller when the settings ask."""
        candidates = caller_matches(uow, phone, None if employee is None else employee.id)
        if candidates:
            best = candidates[0]
            return _Match(best.client, best.contact, candidates)
        if (
            self.settings.prospects
            and summary.direction is CallDirection.INCOMING
            and phone is not None
            and phone.e164 is not None
        ):
            return _Match(self._prospect(uow, phone), None, [])
        return _Match(None, None, [])

    def _prospect(self, uow: UnitOfWork, phone: Phone) -> Client:
        """The prospect an unknown caller becomes (the one made before, if it exists)."""
        code = f"{self.settings.prospect_code_prefix}{phone.e164}"
        existing = uow.clients.get_by_code(code)
        if existing is not None and not existing.archived:
            return existing
        if existing is not None:
            code = f"{code}-{self._now():%Y%m%d%H%M%S}"
        log.info("unknown caller %s becomes the prospect %s", phone.e164, code)
        return ClientService(self._context).create(
            code=code,
            name=f"Новий абонент {phone}",
            kind=ClientKind.PROSPECT,
            phones=[phone],
        )

    def _pop(
        self, uow: UnitOfWork, call: Call, event: CallEvent, match: _Match | None
    ) -> ScreenPop:
        # The pop is for the phone this event rings: its extension's employee.
        ringing = None
        if event.extension is not None:
            ringing = self._employees_on(uow, {event.extension}).get(event.extension)
        elif call.employee_id is not None:
            ringing = uow.employees.get(call.employee_id)
        if match is None:
            incoming = call.direction is CallDirection.INCOMING
            e164 = call.caller_e164 if incoming else call.callee_e164
            extension = call.caller_extension if incoming else call.callee_extension
            phone = None if e164 is None and extension is None else Phone(e164, extension)
            candidates = (
                []
                if call.direction is CallDirection.INTERNAL
                else caller_matches(uow, phone, call.employee_id)
            )
        else:
            candidates = match.candidates
        return screen_pop(
            self._context, uow, self.settings, call, employee=ringing, candidates=candidates
        )

    def _log(self, uow: UnitOfWork, call: Call, summary: CallSummary) -> tuple[Call, Event | None]:
        """The ended call as its one event on the timeline (made once, then kept in step)."""
        if call.direction is CallDirection.INTERNAL:
            return call, None
        settings = self.settings
        answered = call.outcome is CallOutcome.ANSWERED
        if call.direction is CallDirection.OUTGOING:
            type_code = settings.outgoing_type
        else:
            type_code = settings.incoming_type if answered else settings.missed_type
        client = None if call.client_id is None else uow.clients.get(call.client_id)
        contact = None if call.contact_id is None else uow.contacts.get(call.contact_id)
        if client is not None and client.archived:
            client = contact = None
        if contact is not None and contact.archived:
            contact = None
        incoming = call.direction is CallDirection.INCOMING
        number = spoken(
            self._stored_phone(call, incoming),
            call.caller_number if incoming else call.callee_number,
        )
        who = number if client is None else client.name
        event_type = uow.event_types.get(type_code)
        title = type_code if event_type is None else event_type.name
        fields: dict[str, Any] = {
            "type": type_code,
            "subject": f"{title}: {who}",
            "occurred_at": call.started_at,
            "employee": call.employee_id,
            "duration": call.talk_seconds,
            "details": _details(call, number),
            "outcome": "" if call.outcome is None else call.outcome.label,
        }
        events = EventService(self._context)
        if call.event_id is not None:
            stored = uow.events.get(call.event_id)
            if stored is None:
                return call, None
            changes = {
                name: value
                for name, value in fields.items()
                if name not in ("type", "employee") and getattr(stored, name) != value
            }
            if fields["type"] != stored.type_code:
                changes["type"] = fields["type"]
            if fields["employee"] != stored.employee_id:
                changes["employee"] = fields["employee"]
            if not changes:
                return call, stored
            updated = events.update(stored, **changes)
            if stored.type_code == settings.missed_type and type_code != settings.missed_type:
                self._publish(uow, MissedCallAnswered(updated))
            return call, updated
        logged = events.log(client, contact=contact, external_ref=f"call:{call.id}", **fields)
        call = self._update(uow, uow.calls, call, call, {"event_id": logged.id})
        if incoming and not answered:
            self._ask_callback(uow, call, logged, client, who, number)
        return call, logged

    @staticmethod
    def _stored_phone(call: Call, incoming: bool) -> Phone | None:
        e164 = call.caller_e164 if incoming else call.callee_e164
        extension = call.caller_extension if incoming else call.callee_extension
        return None if e164 is None and extension is None else Phone(e164, extension)

    def _ask_callback(
        self,
        uow: UnitOfWork,
        call: Call,
        logged: Event,
        client: Client | None,
        who: str,
        number: str,
    ) -> None:
        """Ask the client's responsible manager (else the employee it rang for) to call back."""
        owner = None
        if client is not None and client.responsible_id is not None:
            owner = uow.employees.get(client.responsible_id)
        if (owner is None or owner.archived) and call.employee_id is not None:
            owner = uow.employees.get(call.employee_id)
        if owner is None or owner.archived:
            log.warning("missed call %s from %s: nobody to call back", call.id, number)
            return
        callback = Callback(
            due=(call.ended_at or call.started_at) + self.settings.callback_within,
            type_code=self.settings.outgoing_type,
            title=f"Перезвонить: {who}",
        )
        self._publish(uow, CallMissed(logged, owner, who, number, callback=callback))


def _details(call: Call, number: str) -> str:
    """What the call's event says of it, one fact a line."""
    lines = [f"Номер: {number}"]
    if call.ring_seconds is not None:
        lines.append(f"Ожидание: {call.ring_seconds} с")
    if call.talk_seconds is not None:
        lines.append(f"Разговор: {call.talk_seconds} с")
    if call.outcome is not None:
        lines.append(f"Итог: {call.outcome.label} (SIP {call.sip_code or call.outcome.sip_code})")
    transfers = [leg.transferred_to for leg in call.legs if leg.transferred_to]
    if transfers:
        lines.append("Переведён на: " + ", ".join(transfers))
    if call.recording:
        lines.append(f"Запись: {call.recording}")
    return "\n".join(lines)
