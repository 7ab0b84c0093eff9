"""Clients (counterparties) and their contact persons."""

from __future__ import annotations

import enum
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.phones import Phone
from crmcore.domain.records import Record

__all__ = [
    "Address",
    "AddressKind",
    "Client",
    "ClientKind",
    "ContactPerson",
    "search_key",
    "sort_key",
]


class ClientKind(enum.StrEnum):
    """Where a client stands with us."""

    PROSPECT = "prospect"
    CUSTOMER = "customer"
    PARTNER = "partner"
    SUPPLIER = "supplier"


class AddressKind(enum.StrEnum):
    LEGAL = "legal"
    ACTUAL = "actual"
    POSTAL = "postal"
    DELIVERY = "delivery"


def _to_clientkind(value: object) -> object:
    return check.to_enum(ClientKind, value)


def _to_addresskind(value: object) -> object:
    return check.to_enum(AddressKind, value)


def search_key(value: str) -> str:
    """The form names and e-mails are compared in: case-folded, spaces collapsed.

    ``str.casefold`` handles Cyrillic (``"ДЕЛІКАТЕС"`` → ``"делікатес"``), which
    SQL ``LOWER`` does not on every database, so the key is computed here and
    stored beside the name.
    """
    return " ".join(value.casefold().split())


# Ukrainian and Russian letters in dictionary order.  Unicode puts ґ, є, ё, і, ї
# after я, so a plain code point sort would file "Їжак" after "Явір".
_CYRILLIC_ORDER = "абвгґдеєёжзиіїйклмнопрстуфхцчшщъыьэюя"
_COLLATION = str.maketrans(
    {letter: chr(0xE000 + index) for index, letter in enumerate(_CYRILLIC_ORDER)}
)


def sort_key(value: str) -> str:
    """The key names are ordered by: the search key with Cyrillic letters in
    alphabet order, so every database sorts it alike with a binary comparison.

    Example:
        >>> sorted(["Явір", "Їжак", "Ґанок", "Гора"], key=sort_key)
        ['Гора', 'Ґанок', 'Їжак', 'Явір']
    """
    return search_key(value).translate(_COLLATION)


@attrs.frozen
class Address:
    """A postal address; ``text`` is the full line as it is printed."""

    text: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    kind: AddressKind = attrs.field(
        default=AddressKind.LEGAL,
        converter=_to_addresskind,
        validator=check.member_of(AddressKind),
    )
    postcode: str | None = attrs.field(default=None, validator=check.text(optional=True))
    city: str | None = attrs.field(default=None, validator=check.text(optional=True))
    country: str | None = attrs.field(default=None, validator=check.text(optional=True))


@attrs.define(kw_only=True)
class Client(Record):
    """A client: an existing customer, a prospect, a partner or a supplier.

    ``code`` is the business code people see (unique); ``id`` is the storage id.
    """

    code: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=500))
    kind: ClientKind = attrs.field(
        default=ClientKind.PROSPECT,
        converter=_to_clientkind,
        validator=check.member_of(ClientKind),
    )
    tax_code: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=32)
    )
    responsible_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    addresses: tuple[Address, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Address)
    )
    phones: tuple[Phone, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Phone)
    )
    emails: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.emails
    )
    notes: str = attrs.field(default="", validator=check.long_text)
    tags: tuple[str, ...] = attrs.field(default=(), converter=check.as_tuple, validator=check.tags)
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))
    merged_into: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    external_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )

    @property
    def name_key(self) -> str:
        return search_key(self.name)

    @property
    def name_sort(self) -> str:
        return sort_key(self.name)

    @property
    def code_key(self) -> str:
        return search_key(self.code)


@attrs.define(kw_only=True)
class ContactPerson(Record):
    """A person at a client: name, position, phones (with PBX extensions), e-mail."""

    client_id: UUID = attrs.field(validator=check.uuid())
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=300))
    position: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=200)
    )
    phones: tuple[Phone, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(Phone)
    )
    email: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.email(optional=True)
    )
    notes: str = attrs.field(default="", validator=check.long_text)
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))
    external_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )
    fax: Phone | None = attrs.field(default=None, validator=check.of_type(Phone, optional=True))

    @property
    def name_sort(self) -> str:
        return sort_key(self.name)
