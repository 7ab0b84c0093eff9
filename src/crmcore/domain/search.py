"""Queries over clients: the search form and caller-ID matching rules."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from uuid import UUID

import attrs

from crmcore.domain.clients import Client, ClientKind, ContactPerson, search_key
from crmcore.domain.phones import Phone
from crmcore.errors import ValidationError

__all__ = ["CallerMatch", "ClientSearch", "PhoneOwner", "order_callers", "rank_phone_owners"]

MAX_LIMIT = 1000


def _limit(_: object, attribute: attrs.Attribute[int], value: int) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LIMIT:
        raise ValidationError(attribute.name, f"must be an integer from 1 to {MAX_LIMIT}")


def _optional_key(value: str | None) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValidationError("text", f"must be str, not {type(value).__name__}")
    return search_key(value) or None


@attrs.frozen(kw_only=True)
class ClientSearch:
    """Criteria for finding clients; all given criteria must hold.

    ``text`` matches anywhere in the name or the whole code, case-insensitively
    in any alphabet.  ``client_ids`` limits the result to those clients (the
    services use it for phone search).  Results are ordered by name key, then id.
    """

    text: str | None = attrs.field(default=None, converter=_optional_key)
    code: str | None = None
    tax_code: str | None = None
    external_id: str | None = None
    client_ids: frozenset[UUID] | None = None
    email: str | None = attrs.field(default=None, converter=_optional_key)
    kind: ClientKind | None = None
    tag: str | None = None
    responsible_id: UUID | None = None
    #: User-field conditions ``(name, key)`` already checked against the
    #: definitions; the backend matches them against the stored values.
    field_values: tuple[tuple[str, object], ...] = ()
    include_archived: bool = False
    limit: int = attrs.field(default=50, validator=_limit)

    def admits(self, client: Client) -> bool:
        """The reference semantics every storage backend must reproduce (but for
        ``field_values``, which need the stored user-field values)."""
        if self.text is not None and not (
            self.text in client.name_key or self.text == client.code_key
        ):
            return False
        if self.code is not None and client.code != self.code:
            return False
        if self.tax_code is not None and client.tax_code != self.tax_code:
            return False
        if self.external_id is not None and client.external_id != self.external_id:
            return False
        if self.client_ids is not None and client.id not in self.client_ids:
            return False
        if self.email is not None and self.email not in {search_key(e) for e in client.emails}:
            return False
        return (
            (self.kind is None or client.kind == self.kind)
            and (self.tag is None or self.tag in client.tags)
            and (self.responsible_id is None or client.responsible_id == self.responsible_id)
            and (self.include_archived or not client.archived)
        )


@attrs.frozen
class PhoneOwner:
    """A stored phone and whom it belongs to (a client, or a contact person of one)."""

    client: Client
    contact: ContactPerson | None
    phone: Phone

    @property
    def client_id(self) -> UUID:
        return self.client.id


@attrs.frozen
class CallerMatch:
    """Who a phone number belongs to; ``contact`` is None for the client's own line.

    ``last_contacted`` is when the latest event with this client (or, for a
    contact person, with this person) happened, when the ranking needed it.
    """

    client: Client
    contact: ContactPerson | None
    phone: Phone
    exact: bool
    last_contacted: datetime | None = None


def rank_phone_owners(wanted: Phone, owners: Iterable[PhoneOwner]) -> list[tuple[int, PhoneOwner]]:
    """The stored phones that answer a caller-ID query, each with its rank (lower is better).

    0: exactly the number asked for (number and extension, or a bare extension);
    1: a bare extension of a contact person at the client whose number called,
       when the query has that extension;
    2: the same number stored without an extension (the client's main line);
    3: the same number with another extension;
    4: the extension asked for alone, stored with some number.
    A bare extension at another client than the calling number's is no match.
    """
    owners = list(owners)
    calling_clients = {o.client_id for o in owners if wanted.e164 and o.phone.e164 == wanted.e164}
    ranked: list[tuple[int, PhoneOwner]] = []
    for owner in owners:
        stored = owner.phone
        if stored == wanted:
            rank = 0
        elif wanted.e164 is not None and stored.e164 == wanted.e164:
            rank = 2 if stored.extension is None else 3
        elif wanted.extension is None or stored.extension != wanted.extension:
            continue
        elif stored.e164 is None:
            if owner.client_id not in calling_clients:
                continue
            rank = 1
        elif wanted.e164 is None:
            rank = 4
        else:
            continue
        ranked.append((rank, owner))
    return ranked


#: A caller-ID candidate: (rank of :func:`rank_phone_owners`, client, contact person, stored phone).
Candidate = tuple[int, Client, ContactPerson | None, Phone]


def order_callers(
    candidates: Iterable[Candidate],
    *,
    last_contacted: Mapping[tuple[UUID, UUID | None], datetime] | None = None,
    employee_id: UUID | None = None,
) -> list[CallerMatch]:
    """Everyone a number may belong to, best first, each client–contact pair once.

    The matching policy, when one number belongs to several clients or
    contact persons: all of them are returned, ordered by

    1. the caller-ID rank (:func:`rank_phone_owners`): the number and a
       contact person's extension exactly, before the client's main line,
       before others behind the same number;
    2. then the most recently contacted first (``last_contacted`` maps
       ``(client id, None)`` to the latest event with the client and
       ``(client id, contact id)`` to the latest with that person);
    3. then those whose responsible manager is ``employee_id`` (the
       employee taking the call);
    4. then client code, contact name and id, so the order is always the same.

    ``exact`` is true for the first rank.
    """
    seen: dict[tuple[UUID, UUID | None], tuple[tuple[object, ...], CallerMatch]] = {}
    known = last_contacted or {}
    for rank, client, contact, phone in candidates:
        who = (client.id, None if contact is None else contact.id)
        when = known.get(who)
        order = (
            rank,
            float("inf") if when is None else -when.timestamp(),
            employee_id is None or client.responsible_id != employee_id,
            client.code,
            "" if contact is None else contact.name_sort,
            "" if contact is None else str(contact.id),
        )
        if who not in seen or order < seen[who][0]:
            seen[who] = (
                order,
                CallerMatch(client, contact, phone, exact=rank <= 1, last_contacted=when),
            )
    return [match for _, match in sorted(seen.values(), key=lambda item: item[0])]
