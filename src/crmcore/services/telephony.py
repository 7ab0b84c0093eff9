"""Telephony: who is calling (caller-ID), and calls nobody answered."""

from __future__ import annotations

from datetime import datetime

from crmcore.domain import CallerMatch, Event, Phone
from crmcore.domain.signals import CallMissed
from crmcore.services.base import Service
from crmcore.services.clients import phone_candidates
from crmcore.services.events import EventService
from crmcore.services.refs import EmployeeRef, find_active_employee

__all__ = ["TelephonyService"]


class TelephonyService(Service):
    """``crm.telephony``: find the client and contact person behind a phone number."""

    kind = "client"

    def lookup(self, number: str | Phone) -> list[CallerMatch]:
        """Everyone a number may belong to, best match first.

        Any written form works: ``"0442067222"``, ``"+38 044 206-72-22"``,
        ``"044 206 72 22 доб. 2007"`` or a bare PBX extension ``"2007"``.
        Archived clients and contact persons are left out.

        Order: exactly this number (and extension); a contact person whose
        bare extension was dialled at the calling client; the client's main
        line; the same number with another extension; the extension alone;
        ties by client code, then contact name.  ``exact`` is true for the
        first two.

        Raises:
            ValidationError: the text is not a phone number.
        """
        phone = Phone.parse(number, region=self._context.runtime.phone_region, field="number")
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            candidates = phone_candidates(uow, phone)
        candidates.sort(
            key=lambda c: (
                c[0],
                c[1].code,
                "" if c[2] is None else c[2].name_sort,
                str(c[2] and c[2].id),
            )
        )
        matches: list[CallerMatch] = []
        seen: set[tuple[object, object]] = set()
        for rank, client, contact, stored in candidates:
            who = (client.id, None if contact is None else contact.id)
            if who not in seen:
                seen.add(who)
                matches.append(CallerMatch(client, contact, stored, exact=rank <= 1))
        return matches

    def identify(self, number: str | Phone) -> CallerMatch | None:
        """The best match for a caller's number, or None for an unknown caller.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> _ = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
            >>> crm.telephony.identify("+38 (044) 206-72-22").client.name
            'ПДВ'
            >>> crm.telephony.identify("0670000000") is None
            True
        """
        matches = self.lookup(number)
        return matches[0] if matches else None

    def missed_call(
        self,
        number: str | Phone,
        *,
        employee: EmployeeRef,
        at: datetime | None = None,
        call_id: str | None = None,
        type: str = "ПрЗ",
    ) -> Event:
        """Record a call nobody answered and tell ``employee`` to call back.

        The call is logged as an event (outcome "пропущен") of the caller's
        client when the number is known, and a ``missed_call`` notification
        is queued for ``employee`` in the same unit of work.  A PBX that
        reports one call twice passes the same ``call_id``: the second report
        returns the stored event and queues nothing.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> olena = crm.employees.create(code="5", name="Олена", email="olena@example.com")
            >>> _ = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
            >>> call = crm.telephony.missed_call("0442067222", employee=olena, call_id="pbx-1")
            >>> call.outcome, sorted(m.channel for m in crm.notifications.outbox(recipient=olena))
            ('пропущен', ['email', 'in_app'])
        """
        phone = Phone.parse(number, region=self._context.runtime.phone_region, field="number")
        with self._unit_of_work() as uow:
            who = find_active_employee(uow, employee, "employee")
            match = self.identify(phone)
            number_text = phone.e164 or f"доб. {phone.extension}"
            caller = number_text if match is None else match.client.name
            event = EventService(self._context).log(
                None if match is None else match.client,
                contact=None if match is None or match.contact is None else match.contact,
                type=type,
                subject=f"Пропущенный звонок: {caller}",
                occurred_at=at,
                employee=who,
                outcome="пропущен",
                details=number_text,
                external_ref=None if call_id is None else f"missed-call:{call_id}",
            )
            self._publish(uow, CallMissed(event, who, caller, number_text))
            return event
