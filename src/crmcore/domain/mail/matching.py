"""Matching rules: whose message it is, which way it went, and why.

A message is ours (outgoing) when its sender is one of our addresses (an
employee's, or one of the own domains given); otherwise it came in.  Its
counterparts — the sender of an incoming message, the recipients of an
outgoing one, then everyone else on it who is not us — are looked up in
order: a contact person's address first, then a client's own address, then,
unless it is a public mail domain, the domain of exactly one client's
addresses.  A message that matches nobody stays unmatched: crmcore never
makes a client of an address.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from uuid import UUID

import attrs

from crmcore.domain.events import Direction
from crmcore.domain.mail.addresses import MailAddress, is_public_domain
from crmcore.domain.mail.classification import MailKind
from crmcore.domain.mail.messages import MatchReason, ParsedMail

__all__ = ["EmailOwner", "Match", "counterparts", "direction_of", "email_owner_order", "match"]


@attrs.frozen
class EmailOwner:
    """A stored address and whom it belongs to: a client, or a contact person of one."""

    address_key: str
    client_id: UUID
    contact_id: UUID | None = None

    @property
    def domain(self) -> str:
        return self.address_key.rpartition("@")[2]


def email_owner_order(owner: EmailOwner) -> tuple[str, UUID, bool, int]:
    """The order backends list owners in: by address, client, the client's own address first."""
    contact = owner.contact_id
    return (
        owner.address_key,
        owner.client_id,
        contact is not None,
        0 if contact is None else contact.int,
    )


@attrs.frozen
class Match:
    """Whose message it is and why; ``client_id`` is None when nobody's."""

    client_id: UUID | None
    contact_id: UUID | None
    reason: MatchReason
    address: str | None = None


_NOBODY = Match(None, None, MatchReason.UNMATCHED)


def _ours(
    address: MailAddress, own_addresses: Collection[str], own_domains: Collection[str]
) -> bool:
    return address.key in own_addresses or address.domain.casefold() in own_domains


def direction_of(
    mail: ParsedMail, own_addresses: Collection[str], own_domains: Collection[str]
) -> Direction:
    """Outgoing when one of our addresses sent it, else incoming (a bounce always
    comes in, even from our own mail server)."""
    if mail.kind is MailKind.BOUNCE:
        return Direction.INCOMING
    sender = mail.sender
    if sender is not None and _ours(sender, own_addresses, own_domains):
        return Direction.OUTGOING
    return Direction.INCOMING


def counterparts(
    mail: ParsedMail,
    direction: Direction,
    own_addresses: Collection[str],
    own_domains: Collection[str],
) -> list[MailAddress]:
    """The addresses that are not ours, in the order they are matched: whom a
    bounce could not reach first, then the other side, then everyone else."""
    first = mail.to if direction is Direction.OUTGOING else (mail.sender,) if mail.sender else ()
    ordered: dict[str, MailAddress] = {}
    for address in (*mail.failed_recipients, *first, *mail.participants):
        if not _ours(address, own_addresses, own_domains):
            ordered.setdefault(address.key, address)
    return list(ordered.values())


def match(
    candidates: Sequence[MailAddress],
    by_address: Mapping[str, Sequence[EmailOwner]],
    by_domain: Mapping[str, Iterable[EmailOwner]],
) -> Match:
    """The client (and contact person) a message belongs to, by the rules above.

    ``by_address`` holds the owners of each candidate's address key,
    ``by_domain`` the owners of addresses at each candidate's domain.
    """
    for address in candidates:
        owners = by_address.get(address.key, ())
        contact = next((o for o in owners if o.contact_id is not None), None)
        if contact is not None:
            return Match(contact.client_id, contact.contact_id, MatchReason.CONTACT, address.key)
        client = next((o for o in owners if o.contact_id is None), None)
        if client is not None:
            return Match(client.client_id, None, MatchReason.CLIENT, address.key)
    for address in candidates:
        domain = address.domain.casefold()
        if is_public_domain(domain):
            continue
        clients = {owner.client_id for owner in by_domain.get(domain, ())}
        if len(clients) == 1:
            return Match(clients.pop(), None, MatchReason.DOMAIN, address.key)
    return _NOBODY
