"""The screen pop: what a PBX client shows an employee while their phone rings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import attrs

from crmcore.domain import CallerMatch, Client, ContactPerson, Employee, Phone, TimelineEntry
from crmcore.domain.allocations import AsOf
from crmcore.domain.calls import Call
from crmcore.domain.documents import DocumentKind
from crmcore.domain.tasks import CLOSED_STATUSES, Task, TaskSearch, TaskSort, TaskStatus
from crmcore.domain.telephony import TelephonySettings
from crmcore.domain.timeline import TimelineFilter
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context
from crmcore.services.host_documents import open_items_with_hosts

__all__ = ["ScreenPop", "screen_pop"]

_OPEN = frozenset(TaskStatus) - CLOSED_STATUSES
_EVENTS = TimelineFilter(kinds=frozenset({"event"}))


@attrs.frozen(kw_only=True)
class ScreenPop:
    """Who is calling, for the employee whose phone rings.

    ``number`` is the calling number as the PBX gave it and ``phone`` the
    same normalised (None when withheld or unreadable), so the pop always
    shows who calls even when nobody knows the number.  ``candidates`` are
    everyone the number belongs to, best first (the matching policy of
    :func:`crmcore.domain.search.order_callers`); ``client`` and ``contact``
    are the call's match.  ``open_tasks`` are the client's open tasks,
    earliest due first, and ``last_contacts`` its latest events, newest
    first.  ``overdue`` is what the client owes past its invoices' due
    dates today (in the company's time zone), per currency, the host ERP's
    own documents included; it is empty when nothing is overdue and None
    when the caller is no known client.
    """

    call: Call
    number: str
    phone: Phone | None
    employee: Employee | None
    candidates: tuple[CallerMatch, ...]
    client: Client | None
    contact: ContactPerson | None
    responsible: Employee | None
    open_tasks: tuple[Task, ...]
    last_contacts: tuple[TimelineEntry, ...]
    overdue: dict[str, Decimal] | None = None

    def as_dict(self) -> dict[str, Any]:
        """The pop as JSON-ready data for a PBX client (times as ISO 8601 text)."""

        def person(employee: Employee | None) -> dict[str, Any] | None:
            if employee is None:
                return None
            return {"code": employee.code, "name": employee.name, "extension": employee.extension}

        client, contact = self.client, self.contact
        return {
            "call": {
                "id": str(self.call.id),
                "source": self.call.source,
                "pbx_id": self.call.pbx_id,
                "direction": self.call.direction.value,
            },
            "number": self.number,
            "e164": None if self.phone is None else self.phone.e164,
            "extension": None if self.phone is None else self.phone.extension,
            "employee": person(self.employee),
            "client": None if client is None else {"code": client.code, "name": client.name},
            "contact": None
            if contact is None
            else {"name": contact.name, "position": contact.position},
            "responsible": person(self.responsible),
            "overdue": None
            if self.overdue is None
            else {currency: str(amount) for currency, amount in self.overdue.items()},
            "candidates": [
                {
                    "client_code": match.client.code,
                    "client_name": match.client.name,
                    "contact_name": None if match.contact is None else match.contact.name,
                    "exact": match.exact,
                }
                for match in self.candidates
            ],
            "open_tasks": [
                {
                    "name": task.name,
                    "status": task.status.value,
                    "due": task.planned_end.isoformat(),
                }
                for task in self.open_tasks
            ],
            "last_contacts": [
                {
                    "at": entry.occurred_at.isoformat(),
                    "type": entry.type_code,
                    "title": entry.title,
                    "summary": entry.summary,
                }
                for entry in self.last_contacts
            ],
        }


def screen_pop(
    context: Context,
    uow: UnitOfWork,
    settings: TelephonySettings,
    call: Call,
    *,
    employee: Employee | None,
    candidates: list[CallerMatch],
) -> ScreenPop:
    """The pop of ``call`` for ``employee``, read in ``uow``."""
    incoming = call.direction.value == "incoming"
    number = call.caller_number if incoming else call.callee_number
    e164 = call.caller_e164 if incoming else call.callee_e164
    extension = call.caller_extension if incoming else call.callee_extension
    phone = None if e164 is None and extension is None else Phone(e164, extension)
    chosen = next(
        (
            m
            for m in candidates
            if m.client.id == call.client_id and _same(m.contact, call.contact_id)
        ),
        None,
    )
    client = None if chosen is None else chosen.client
    if client is None and call.client_id is not None:
        client = uow.clients.get(call.client_id)
    contact = None if chosen is None else chosen.contact
    if contact is None and call.contact_id is not None:
        contact = uow.contacts.get(call.contact_id)
    responsible = None
    overdue: dict[str, Decimal] | None = None
    tasks: list[Task] = []
    entries: list[TimelineEntry] = []
    if client is not None:
        if client.responsible_id is not None:
            responsible = uow.employees.get(client.responsible_id)
        overdue = _overdue(context, uow, client)
        if settings.open_tasks:
            tasks = uow.tasks.search(
                TaskSearch(client_id=client.id, statuses=_OPEN),
                TaskSort.DUE,
                after=None,
                limit=settings.open_tasks,
            )
        if settings.last_contacts:
            entries = uow.timeline.page(
                client.id, _EVENTS, before=None, limit=settings.last_contacts
            )
    return ScreenPop(
        call=call,
        number=number,
        phone=phone,
        employee=employee,
        candidates=tuple(candidates),
        client=client,
        contact=contact,
        responsible=responsible,
        open_tasks=tuple(tasks),
        last_contacts=tuple(entries),
        overdue=overdue,
    )


def _overdue(context: Context, uow: UnitOfWork, client: Client) -> dict[str, Decimal]:
    today = context.today()
    found: dict[str, Decimal] = {}
    for item in open_items_with_hosts(context, uow, AsOf(on=today), client.id, overdue_only=True):
        if item.kind == DocumentKind.INVOICE.value and item.days_overdue(today) > 0:
            found[item.currency] = found.get(item.currency, Decimal(0)) + item.open
    return found


def _same(contact: ContactPerson | None, contact_id: object) -> bool:
    return (None if contact is None else contact.id) == contact_id
