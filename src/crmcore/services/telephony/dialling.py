"""Click-to-call: dialling a client or contact person through the PBX gateway.

The call is stored before the PBX is asked, with a reference the gateway
passes to the PBX, so the events that follow find it whatever order they
come in; the PBX is asked after that unit of work is committed, never
inside one.
"""

from __future__ import annotations

from crmcore.domain import Client, ContactPerson, Phone
from crmcore.domain.calls import (
    Call,
    CallDirection,
    CallEvent,
    CallEventKind,
    CallOutcome,
    GatewayCapability,
)
from crmcore.domain.ids import new_id
from crmcore.errors import GatewayError, NotFound, PluginError, ValidationError
from crmcore.ports import PhoneGateway, UnitOfWork
from crmcore.services.base import build
from crmcore.services.refs import (
    ClientRef,
    EmployeeRef,
    find_active_employee,
    find_by_id,
    find_client,
    find_contact,
)
from crmcore.services.telephony.common import log
from crmcore.services.telephony.handling import HandlingMixin

__all__ = ["DiallingMixin", "best_number"]


def best_number(client: Client, contact: ContactPerson | None) -> Phone | None:
    """The number to dial: the contact person's direct line, then the client's.

    A direct line is a full number without an extension; failing one, a
    number with an extension (its main line is dialled).  Bare extensions
    are another PBX's and cannot be dialled from here.
    """
    for phones in ((contact.phones if contact is not None else ()), client.phones):
        direct = [p for p in phones if p.e164 is not None and p.extension is None]
        behind = [p for p in phones if p.e164 is not None]
        if direct or behind:
            chosen = (direct or behind)[0]
            return Phone(chosen.e164)
    return None


class DiallingMixin(HandlingMixin):
    """``crm.telephony.call``, ``hang_up`` and ``transfer`` through the gateway."""

    @property
    def gateway(self) -> PhoneGateway | None:
        """The PBX gateway a plugin offers (``crmcore_phone_gateway``), or None."""
        found: PhoneGateway | None = self._context.runtime.plugins.hook.crmcore_phone_gateway()
        return found

    def can(self, capability: GatewayCapability | str) -> bool:
        """Whether the gateway can ``"dial"``, ``"hang_up"`` or ``"transfer"``.

        Example:
            >>> import crmcore
            >>> crmcore.open().telephony.can("dial")  # no PBX plugin: nothing
            False
        """
        gateway = self.gateway
        try:
            wanted = GatewayCapability(capability)
        except ValueError:
            allowed = ", ".join(c.value for c in GatewayCapability)
            raise ValidationError(
                "capability", f"{capability!r} is not one of: {allowed}"
            ) from None
        return gateway is not None and wanted in gateway.capabilities

    def _gateway_for(self, capability: GatewayCapability) -> PhoneGateway:
        gateway = self.gateway
        if gateway is None:
            raise PluginError(
                "no PBX gateway: install or pass a plugin implementing crmcore_phone_gateway"
            )
        if capability not in gateway.capabilities:
            raise PluginError(f"the PBX gateway {gateway.name!r} cannot {capability.value}")
        return gateway

    def call(self, whom: Client | ContactPerson | ClientRef, employee: EmployeeRef) -> Call:
        """Call a client or contact person from ``employee``'s extension.

        The best number is dialled (:func:`best_number`).  The call is stored
        first, with a reference the gateway hands to the PBX, so the events
        the PBX reports about it find this call and log it on the
        timeline when it ends.  Returns the call with the PBX's id.

        Raises:
            ValidationError: an unknown or archived client, contact person or
                employee; an employee without an extension; nobody to dial;
                a call from inside ``crm.transaction()`` (the PBX's events
                must find the call stored).  Nothing is dialled.
            PluginError: no gateway is installed.
            GatewayError: the PBX refused or could not be reached; the call is
                stored as failed, and logged.
        """
        gateway = self._gateway_for(GatewayCapability.DIAL)
        if self._context.runtime.current.get() is not None:
            raise ValidationError(
                "transaction", "a call is dialled outside crm.transaction(), once it is stored"
            )
        with self._unit_of_work() as uow:
            who = find_active_employee(uow, employee, "employee")
            if not who.extension:
                raise ValidationError("employee", f"{who.name!r} has no PBX extension to call from")
            client, contact = self._callee(uow, whom)
            number = best_number(client, contact)
            if number is None or number.e164 is None:
                field = "contact" if contact is not None else "client"
                raise ValidationError(field, f"{(contact or client).name!r} has no number to dial")
            call = self._add(
                uow,
                uow.calls,
                build(
                    Call,
                    source=gateway.name,
                    pbx_id=None,
                    call_ref=new_id().hex,
                    direction=CallDirection.OUTGOING,
                    started_at=self._now(),
                    caller_number=who.extension,
                    callee_number=number.e164,
                    callee_e164=number.e164,
                    extension=who.extension,
                    employee_id=who.id,
                    client_id=client.id,
                    contact_id=None if contact is None else contact.id,
                ),
            )
        assert call.call_ref is not None
        try:
            pbx_id = gateway.dial(who.extension, number.e164, call_ref=call.call_ref)
        except GatewayError as error:
            self._failed(call, error.problem)
            raise
        except Exception as error:
            self._failed(call, str(error))
            raise PluginError(
                f"the PBX gateway {gateway.name!r} failed to dial: {error}"
            ) from error
        return self._bind(call, pbx_id)

    def _callee(
        self, uow: UnitOfWork, whom: Client | ContactPerson | ClientRef
    ) -> tuple[Client, ContactPerson | None]:
        if isinstance(whom, ContactPerson):
            contact = find_contact(uow, whom, "contact")
            if contact.archived:
                raise ValidationError("contact", f"{contact.name!r} is archived")
            client = find_client(uow, contact.client_id, "contact")
        else:
            contact = None
            client = find_client(uow, whom, "client")
        if client.archived:
            raise ValidationError("client", f"{client.name!r} is archived")
        return client, contact

    def _bind(self, call: Call, pbx_id: object) -> Call:
        """The dialled call with the PBX's id, unless its events named it already."""
        if not isinstance(pbx_id, str) or not pbx_id.strip():
            log.warning("the PBX gateway gave no call id for call %s", call.id)
            return self.get(call.id)
        with self._unit_of_work() as uow:
            stored = find_by_id(uow.calls, call.id, "call", Call)
            if stored.pbx_id is not None:
                return stored
            return self._update(uow, uow.calls, stored, stored, {"pbx_id": pbx_id.strip()})

    def _failed(self, call: Call, problem: str) -> None:
        """Record a call the PBX would not place: ended, failed, and logged."""
        log.warning("call %s could not be placed: %s", call.id, problem)
        assert call.call_ref is not None
        self.handle(
            CallEvent(
                source=call.source,
                call_id=call.call_ref,
                kind=CallEventKind.ENDED,
                at=self._now(),
                direction=CallDirection.OUTGOING,
                caller=call.caller_number,
                callee=call.callee_number,
                extension=call.extension,
                outcome=CallOutcome.FAILED,
                call_ref=call.call_ref,
            )
        )

    def hang_up(self, call: Call) -> None:
        """Ask the PBX to end a call in progress.

        Raises:
            PluginError: no gateway, or one that cannot hang up.
            ValidationError: the call has ended, or the PBX has not named it yet.
            GatewayError: the PBX refused.
        """
        gateway = self._gateway_for(GatewayCapability.HANG_UP)
        stored = self._in_progress(call)
        gateway.hang_up(stored.pbx_id)  # type: ignore[attr-defined]

    def transfer(self, call: Call, to_extension: str) -> None:
        """Ask the PBX to move a call in progress to another extension.

        Raises:
            PluginError: no gateway, or one that cannot transfer.
            ValidationError: the call has ended or is not named yet; a bad extension.
            GatewayError: the PBX refused.
        """
        gateway = self._gateway_for(GatewayCapability.TRANSFER)
        if not isinstance(to_extension, str) or not to_extension.isdigit():
            raise ValidationError("to_extension", f"{to_extension!r} is not a PBX extension")
        stored = self._in_progress(call)
        gateway.transfer(stored.pbx_id, to_extension)  # type: ignore[attr-defined]

    def _in_progress(self, call: Call) -> Call:
        try:
            stored = self.get(call)
        except NotFound:
            raise ValidationError("call", f"no call {getattr(call, 'id', call)}") from None
        if stored.ended:
            raise ValidationError("call", "has ended")
        if stored.pbx_id is None:
            raise ValidationError("call", "is not known to the PBX yet")
        return stored
