"""The PBX gateway: how crmcore asks a PBX to place a call."""

from __future__ import annotations

from typing import Protocol

from crmcore.domain.calls import GatewayCapability

__all__ = ["PhoneGateway"]


class PhoneGateway(Protocol):
    """A PBX that places calls for crmcore, returned by the ``crmcore_phone_gateway`` hook.

    Besides :meth:`dial`, a gateway may offer ``hang_up(pbx_id)`` and
    ``transfer(pbx_id, to_extension)``; :attr:`capabilities` says which it
    has, so a caller can ask before offering the button.
    """

    @property
    def name(self) -> str:
        """Which PBX this is: the ``source`` its call events carry (``"asterisk"``)."""
        ...

    @property
    def capabilities(self) -> frozenset[GatewayCapability]:
        """What the gateway can do: always ``dial``, maybe ``hang_up`` and ``transfer``."""
        ...

    def dial(self, from_extension: str, to_number: str, *, call_ref: str) -> str:
        """Ring ``from_extension`` and, once it answers, call ``to_number`` (E.164).

        ``call_ref`` is crmcore's reference of the call, set before dialling:
        the PBX must carry it on the call's events (Asterisk: as the
        channel id; a cloud PBX: as its custom parameter) so they find the
        call.  Return the PBX's id of the call.  Raise
        :class:`crmcore.errors.GatewayError` when the PBX refuses or cannot
        be reached; crmcore records the call as failed.
        """
        ...
