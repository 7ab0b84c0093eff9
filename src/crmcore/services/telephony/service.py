"""``crm.telephony``: caller-ID, call events, the screen pop and click-to-call, put together."""

from __future__ import annotations

from datetime import datetime

from crmcore.domain import CallerMatch, Event, Phone
from crmcore.domain.calls import Call
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.signals import CallMissed
from crmcore.errors import ValidationError
from crmcore.services.events import EventService
from crmcore.services.refs import ClientRef, EmployeeRef, find_active_employee, find_client
from crmcore.services.telephony.common import caller_matches
from crmcore.services.telephony.dialling import DiallingMixin

__all__ = ["TelephonyService"]


class TelephonyService(DiallingMixin):
    """``crm.telephony``: who is calling, what became of each call, and calling out.

    PBX plugins hand in :class:`~crmcore.domain.calls.CallEvent` values
    through :meth:`handle`; :meth:`call` dials through the gateway a plugin
    offers; :meth:`lookup` and :meth:`identify` answer caller-ID.
    """

    def lookup(
        self, number: str | Phone, *, employee: EmployeeRef | None = None
    ) -> list[CallerMatch]:
        """Everyone a number may belong to, best match first.

        Any written form works: ``"0442067222"``, ``"+38 044 206-72-22"``,
        ``"044 206 72 22 доб. 2007"`` or a bare PBX extension ``"2007"``.
        Archived clients and contact persons are left out.

        Order: exactly this number (and extension); a contact person whose
        bare extension was dialled at the calling client; the client's main
        line; the same number with another extension; the extension alone.
        Within each of those the most recently contacted come first, then the
        clients whose responsible manager is ``employee`` (who takes the
        call), then by client code and contact name.  ``exact`` is true for
        the first two.

        Raises:
            ValidationError: the text is not a phone number; an unknown employee.
        """
        phone = self._phone(number)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read", kind="client")
            employee_id = None
            if employee is not None:
                employee_id = find_active_employee(uow, employee, "employee").id
            return caller_matches(uow, phone, employee_id)

    def identify(
        self, number: str | Phone, *, employee: EmployeeRef | None = None
    ) -> CallerMatch | None:
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
        matches = self.lookup(number, employee=employee)
        return matches[0] if matches else None

    def calls(self, client: ClientRef, *, limit: int = 50) -> list[Call]:
        """A client's calls, newest first.

        Raises:
            NotFound: no such client.
            ValidationError: a bad limit.
        """
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be an integer from 1 to {MAX_LIMIT}")
        with self._unit_of_work(writes=False) as uow:
            owner = find_client(uow, client)
            self._authorize("read", owner, kind="client")
            return uow.calls.for_client(owner.id, limit)

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

        The simple way for a PBX that reports only missed calls; a PBX plugin
        that reports call events uses :meth:`handle`, which also keeps the
        call itself.  The call is logged as an event (outcome "пропущен") of
        the caller's client when the number is known, and a ``missed_call``
        notification is queued for ``employee`` in the same unit of work.  A
        PBX that reports one call twice passes the same ``call_id``: the
        second report returns the stored event and queues nothing.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> olena = crm.employees.create(code="5", name="Олена", email="olena@example.com")
            >>> _ = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
            >>> call = crm.telephony.missed_call("0442067222", employee=olena, call_id="pbx-1")
            >>> call.outcome, sorted(m.channel for m in crm.notifications.outbox(recipient=olena))
            ('пропущен', ['email', 'in_app'])
        """
        phone = self._phone(number)
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
