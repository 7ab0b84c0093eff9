"""What the parts of the telephony service share: settings, numbers as PBXs send them, matching."""

from __future__ import annotations

import logging
from uuid import UUID

from crmcore.domain import CallerMatch, Employee, Phone
from crmcore.domain.calls import Call
from crmcore.domain.search import order_callers
from crmcore.domain.telephony import TelephonySettings
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service
from crmcore.services.clients import phone_candidates
from crmcore.services.refs import find_by_id

__all__ = ["TelephonyBase", "caller_matches", "log", "spoken"]

log = logging.getLogger("crmcore.telephony")

#: What PBXs put where a withheld caller's number would be.
_WITHHELD = frozenset(
    {"", "anonymous", "restricted", "private", "unknown", "<unknown>", "unavailable"}
)


def caller_matches(
    uow: UnitOfWork, phone: Phone | None, employee_id: UUID | None = None
) -> list[CallerMatch]:
    """Everyone ``phone`` may belong to, best first, by the matching policy
    (:func:`crmcore.domain.search.order_callers`); nobody for no number."""
    if phone is None:
        return []
    candidates = phone_candidates(uow, phone)
    last_contacted = {}
    if len({(c[1].id, None if c[2] is None else c[2].id) for c in candidates}) > 1:
        last_contacted = uow.calls.last_contacted({c[1].id for c in candidates})
    return order_callers(candidates, last_contacted=last_contacted, employee_id=employee_id)


def spoken(phone: Phone | None, as_dialled: str) -> str:
    """A number as people read it: the normalised form, else as dialled, else "номер скрыт"."""
    if phone is not None:
        return str(phone)
    return as_dialled or "номер скрыт"


class TelephonyBase(Service):
    """The base of the telephony service's parts."""

    kind = "call"

    @property
    def settings(self) -> TelephonySettings:
        """How this CRM treats calls (``crmcore.open(telephony=...)``)."""
        return self._context.runtime.telephony

    def _phone(self, number: str | Phone) -> Phone:
        return Phone.parse(number, region=self._context.runtime.phone_region, field="number")

    def _pbx_phone(self, number: str, field: str) -> Phone | None:
        """A number as a PBX reported it, or None when it is withheld or unreadable.

        A PBX's number is not a person's input: one that cannot be read is
        logged and the call goes on without it, matched to nobody.
        """
        if number.strip().lower() in _WITHHELD:
            return None
        try:
            return Phone.parse(number, region=self._context.runtime.phone_region, field=field)
        except ValidationError as error:
            log.warning("call %s %r cannot be read (%s); matched to nobody", field, number, error)
            return None

    def _employees_on(self, uow: UnitOfWork, extensions: set[str]) -> dict[str, Employee]:
        """The active employee on each extension (the first by code when two share one)."""
        found: dict[str, Employee] = {}
        for employee in uow.employees.with_extensions(extensions - {""}):
            if not employee.archived and employee.extension is not None:
                found.setdefault(employee.extension, employee)
        for extension in sorted(extensions - set(found)):
            log.info("no active employee has extension %s; the call goes on without one", extension)
        return found

    def get(self, call: Call | UUID) -> Call:
        """The stored call (with its legs).

        Raises:
            NotFound: there is no such call.
        """
        with self._unit_of_work(writes=False) as uow:
            found = find_by_id(uow.calls, call, "call", Call)
            self._authorize("read", found)
            return found

    def find(self, source: str, pbx_id: str) -> Call | None:
        """The call a PBX knows by ``pbx_id`` (the ``call_id`` of its events), if any."""
        with self._unit_of_work(writes=False) as uow:
            found = uow.calls.get_by_pbx_id(source, pbx_id)
            if found is not None:
                self._authorize("read", found)
            return found
