"""Telephony: who is calling (caller-ID)."""

from __future__ import annotations

from crmcore.domain import CallerMatch, Phone
from crmcore.domain.search import rank_phone_owner
from crmcore.services.base import Service

__all__ = ["TelephonyService"]


class TelephonyService(Service):
    """``crm.telephony``: find the client and contact person behind a phone number."""

    kind = "client"

    def lookup(self, number: str | Phone) -> list[CallerMatch]:
        """Everyone a number may belong to, best match first.

        Any written form works: ``"0442067222"``, ``"+38 044 206-72-22"``,
        ``"044 206 72 22 доб. 2007"`` or a bare PBX extension ``"2007"``.
        Archived clients and contact persons are left out.

        Order: the same number and extension; the client's main line; the same
        number with another extension; a matching extension; ties by client
        code, then contact name.

        Raises:
            ValidationError: the text is not a phone number.
        """
        phone = Phone.parse(number, region=self._context.runtime.phone_region, field="number")
        with self._unit_of_work() as uow:
            self._authorize("read")
            owners = uow.clients.find_phone_owners(phone.e164, phone.extension)
            ranked = [
                (rank, owner)
                for owner in owners
                if (rank := rank_phone_owner(phone, owner)) is not None
            ]
            clients = uow.clients.get_many({owner.client_id for _, owner in ranked})
            contacts = uow.contacts.get_many(
                {owner.contact_id for _, owner in ranked if owner.contact_id is not None}
            )
        matches: list[tuple[tuple[int, str, str, str], CallerMatch]] = []
        for rank, owner in ranked:
            client = clients.get(owner.client_id)
            contact = None if owner.contact_id is None else contacts.get(owner.contact_id)
            if client is None or client.archived or (contact is not None and contact.archived):
                continue
            if owner.contact_id is not None and contact is None:
                continue
            key = (
                rank,
                client.code,
                contact.name if contact else "",
                str(contact.id if contact else ""),
            )
            matches.append(
                (key, CallerMatch(client, contact, owner.phone, exact=owner.phone == phone))
            )
        matches.sort(key=lambda pair: pair[0])
        unique: list[CallerMatch] = []
        seen: set[tuple[object, object]] = set()
        for _, match in matches:
            who = (match.client.id, None if match.contact is None else match.contact.id)
            if who not in seen:
                seen.add(who)
                unique.append(match)
        return unique

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
