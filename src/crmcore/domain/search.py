"""Queries over clients: the search form and caller-ID matching rules."""

from __future__ import annotations

from uuid import UUID

import attrs

from crmcore.domain.clients import Client, ClientKind, ContactPerson, search_key
from crmcore.domain.phones import Phone
from crmcore.errors import ValidationError

__all__ = ["CallerMatch", "ClientSearch", "PhoneOwner", "rank_phone_owner"]

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
    client_ids: frozenset[UUID] | None = None
    email: str | None = attrs.field(default=None, converter=_optional_key)
    kind: ClientKind | None = None
    tag: str | None = None
    responsible_id: UUID | None = None
    include_archived: bool = False
    limit: int = attrs.field(default=50, validator=_limit)

    def admits(self, client: Client) -> bool:
        """The reference semantics every storage backend must reproduce."""
        if self.text is not None and not (
            self.text in client.name_key or self.text == client.code_key
        ):
            return False
        if self.code is not None and client.code != self.code:
            return False
        if self.tax_code is not None and client.tax_code != self.tax_code:
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

    client_id: UUID
    contact_id: UUID | None
    phone: Phone


@attrs.frozen
class CallerMatch:
    """Who a phone number belongs to; ``contact`` is None for the client's own line."""

    client: Client
    contact: ContactPerson | None
    phone: Phone
    exact: bool


def rank_phone_owner(wanted: Phone, owner: PhoneOwner) -> int | None:
    """How well a stored phone answers a caller-ID query; lower is better, None is no match.

    0: the same number and extension;  1: the same number, stored without an
    extension (the client's main line);  2: the same number, another extension;
    3: an extension alone matching an extension alone.
    """
    stored = owner.phone
    if wanted.e164 is not None and stored.e164 == wanted.e164:
        if stored.extension == wanted.extension:
            return 0
        if stored.extension is None:
            return 1
        return 2
    extension_only = wanted.e164 is None or stored.e164 is None
    if wanted.extension is not None and stored.extension == wanted.extension and extension_only:
        return 3
    return None
