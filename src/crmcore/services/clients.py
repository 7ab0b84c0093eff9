"""Clients and contact persons: the single client base."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from crmcore.domain import (
    Address,
    ChangeAction,
    Client,
    ClientKind,
    ClientSearch,
    ContactPerson,
    Phone,
)
from crmcore.domain.history import encode_value
from crmcore.domain.phones import parse_phones
from crmcore.domain.search import rank_phone_owners
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.fields import field_conditions, write_fields
from crmcore.services.refs import (
    ClientRef,
    ContactRef,
    EmployeeRef,
    find_client,
    find_contact,
    find_employee,
)

__all__ = ["ClientService", "ContactService", "MergeResult", "phone_candidates"]


def _kind(value: object) -> ClientKind:
    try:
        return ClientKind(str(value))
    except ValueError:
        allowed = ", ".join(k.value for k in ClientKind)
        raise ValidationError("kind", f"{value!r} is not one of: {allowed}") from None


def _addresses(values: object) -> tuple[Address, ...]:
    if values is None:
        return ()
    if isinstance(values, (str, Address, Mapping)):
        values = [values]
    if not isinstance(values, (list, tuple)):
        raise ValidationError("addresses", f"must be a list, not {type(values).__name__}")
    parsed: list[Address] = []
    for index, value in enumerate(values):
        try:
            if isinstance(value, Address):
                parsed.append(value)
            elif isinstance(value, str):
                parsed.append(Address(value))
            elif isinstance(value, Mapping):
                parsed.append(Address(**value))
            else:
                raise ValidationError("text", f"must be str or Address, not {type(value).__name__}")
        except ValidationError as error:
            raise error.at(f"addresses[{index}]") from None
        except (TypeError, ValueError) as error:
            raise ValidationError(f"addresses[{index}]", str(error)) from None
    return tuple(parsed)


def _strings(values: object, field: str) -> tuple[str, ...]:
    if values is None:
        return ()
    if isinstance(values, str):
        values = [values]
    if not isinstance(values, (list, tuple, set, frozenset)):
        raise ValidationError(field, f"must be a list of strings, not {type(values).__name__}")
    cleaned: list[str] = []
    for index, value in enumerate(values):
        if not isinstance(value, str):
            raise ValidationError(f"{field}[{index}]", f"must be str, not {type(value).__name__}")
        if not value.strip():
            raise ValidationError(f"{field}[{index}]", "must not be empty")
        if value.strip() not in cleaned:
            cleaned.append(value.strip())
    return tuple(cleaned)


@attrs.frozen
class MergeResult:
    """What a merge of two clients did."""

    client: Client
    duplicate: Client
    moved: Mapping[str, int]


def phone_candidates(
    uow: UnitOfWork, phone: Phone
) -> list[tuple[int, Client, ContactPerson | None, Phone]]:
    """Who a phone may belong to, by caller-ID rank, archived clients and contacts left out."""
    owners = uow.clients.find_phone_owners(phone.e164, phone.extension)
    return [
        (rank, owner.client, owner.contact, owner.phone)
        for rank, owner in rank_phone_owners(phone, owners)
        if not owner.client.archived and not (owner.contact and owner.contact.archived)
    ]


class ClientService(Service):
    """``crm.clients``: create, read, update, archive, search and merge clients."""

    kind = "client"

    def _prepare(self, uow: Any, fields: dict[str, Any]) -> dict[str, Any]:
        """Turn what people pass (texts, codes) into the model's values."""
        region = self._context.runtime.phone_region
        prepared = dict(fields)
        if "phones" in prepared:
            prepared["phones"] = parse_phones(prepared["phones"], region=region)
        if "emails" in prepared:
            prepared["emails"] = _strings(prepared["emails"], "emails")
        if "tags" in prepared:
            prepared["tags"] = _strings(prepared["tags"], "tags")
        if "addresses" in prepared:
            prepared["addresses"] = _addresses(prepared["addresses"])
        if prepared.get("responsible") is not None:
            prepared["responsible_id"] = find_employee(
                uow, prepared.pop("responsible"), "responsible"
            ).id
        else:
            prepared.pop("responsible", None)
        return prepared

    def create(
        self,
        *,
        code: str,
        name: str,
        kind: ClientKind | str = ClientKind.PROSPECT,
        tax_code: str | None = None,
        responsible: EmployeeRef | None = None,
        addresses: Iterable[str | Address | Mapping[str, Any]] = (),
        phones: Iterable[str | Phone] = (),
        emails: Iterable[str] = (),
        notes: str = "",
        tags: Iterable[str] = (),
        external_id: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Client:
        """Create a client.

        Args:
            code: the business code people see; unique.
            name: the client's name.
            kind: prospect (default), customer, partner or supplier.
            tax_code: tax / registry code (ЄДРПОУ, ИНН, ...).
            responsible: the responsible employee (entity, id or code).
            addresses: texts, :class:`Address` objects or mappings of its fields.
            phones: numbers as people write them; parsed with the CRM's default region.
            emails: e-mail addresses.
            notes: free text.
            tags: labels.
            external_id: the host system's id for this client.
            fields: user-field values (see ``crm.fields``).

        Returns:
            The stored client (version 1).

        Raises:
            ValidationError: a field is invalid (named in the error).
            DuplicateError: the code is taken.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(
            ...     code="22910019", name="ДЕЛІКАТЕС ТОВ", phones=["044 206 72 22"]
            ... )
            >>> client.phones[0].e164
            '+380442067222'
        """
        with self._unit_of_work() as uow:
            prepared = self._prepare(
                uow,
                {
                    "kind": kind,
                    "phones": phones,
                    "emails": emails,
                    "tags": tags,
                    "addresses": addresses,
                    "responsible": responsible,
                },
            )
            client = build(
                Client,
                code=code,
                name=name,
                tax_code=tax_code,
                notes=notes,
                external_id=external_id,
                **prepared,
            )
            stored = self._add(uow, uow.clients, client)
            write_fields(self._context, uow, "client", stored.id, fields, creating=True)
            return stored

    def get(self, ref: ClientRef) -> Client:
        """The client with this id or code (or the stored state of this client).

        Raises:
            NotFound: there is no such client.
        """
        with self._unit_of_work(writes=False) as uow:
            client = find_client(uow, ref)
            self._authorize("read", client)
            return client

    def update(self, client: ClientRef, **changes: Any) -> Client:
        """Change fields of a client; returns the new state (one version further).

        Pass the client object you read to have crmcore refuse the change if
        someone else changed the client since (``StaleObject``).  ``phones``,
        ``emails``, ``tags`` and ``addresses`` replace the whole list;
        ``responsible`` takes an employee.

        Raises:
            ValidationError: an unknown field or an invalid value.
            StaleObject: ``client`` is an out-of-date copy.
            NotFound: no such client.
        """
        self._refuse_stored_references(changes, {"responsible": "responsible_id"})
        with self._unit_of_work() as uow:
            stored = find_client(uow, client)
            prepared = self._prepare(uow, changes)
            if "responsible" in changes and changes["responsible"] is None:
                prepared["responsible_id"] = None
            return self._update(uow, uow.clients, stored, client, prepared)

    def archive(self, client: ClientRef) -> Client:
        """Hide a client from searches and caller-ID; nothing is deleted."""
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.clients, find_client(uow, client), client)

    def restore(self, client: ClientRef) -> Client:
        """Bring an archived client back."""
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.clients, find_client(uow, client), client)

    def search(
        self,
        text: str | None = None,
        *,
        code: str | None = None,
        tax_code: str | None = None,
        external_id: str | None = None,
        phone: str | Phone | None = None,
        email: str | None = None,
        kind: ClientKind | str | None = None,
        tag: str | None = None,
        responsible: EmployeeRef | None = None,
        fields: Mapping[str, Any] | None = None,
        include_archived: bool = False,
        limit: int = 50,
    ) -> list[Client]:
        """Find clients; every given criterion must hold; ordered by name.

        ``text`` matches any part of the name, case-insensitively in any
        alphabet (``"делікатес"`` finds ``"ДЕЛІКАТЕС ТОВ"``), or the whole code.
        ``external_id`` finds the client a host system knows by that id.
        ``phone`` matches the client's phones and its contact persons' phones
        in any written form, as caller-ID does.  ``fields`` matches user-field
        values ``{name: value}`` (a multi-choice field: includes the value).

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> _ = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
            >>> [c.name for c in crm.clients.search("делікатес")]
            ['ДЕЛІКАТЕС ТОВ']
        """
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            responsible_id = None
            if responsible is not None:
                responsible_id = find_employee(uow, responsible, "responsible").id
            client_ids = None
            if phone is not None:
                parsed = Phone.parse(
                    phone, region=self._context.runtime.phone_region, field="phone"
                )
                client_ids = frozenset(c.id for _, c, _, _ in phone_candidates(uow, parsed))
            try:
                query = ClientSearch(
                    text=text,
                    code=code.strip() if isinstance(code, str) else code,
                    tax_code=tax_code.strip() if isinstance(tax_code, str) else tax_code,
                    external_id=external_id,
                    client_ids=client_ids,
                    email=email,
                    kind=None if kind is None else _kind(kind),
                    tag=tag,
                    responsible_id=responsible_id,
                    field_values=field_conditions(uow, "client", fields),
                    include_archived=include_archived,
                    limit=limit,
                )
            except TypeError as error:
                raise ValidationError("search", str(error)) from None
            return uow.clients.search(query)

    def merge(self, keep: ClientRef, duplicate: ClientRef) -> MergeResult:
        """Merge a duplicate client into the one to keep.

        Contact persons, events and timeline entries move to ``keep`` (moved
        contacts and events are one version further, so stale copies of them
        cannot undo the move); phones, e-mails, addresses and tags the kept
        client lacks are added to it; the duplicate is archived with
        ``merged_into`` pointing at ``keep``.  Every change, the moved
        records' included, is recorded in history, in one transaction.

        Raises:
            ValidationError: both arguments are the same client.
        """
        with self._unit_of_work() as uow:
            kept = find_client(uow, keep, "keep")
            dropped = find_client(uow, duplicate, "duplicate")
            if kept.id == dropped.id:
                raise ValidationError("duplicate", "is the same client as keep")
            if dropped.merged_into is not None:
                raise ValidationError("duplicate", f"was merged already into {dropped.merged_into}")
            self._authorize("merge", kept)
            self._authorize("merge", dropped)
            moved = uow.clients.reassign(dropped.id, kept.id)
            at = self._now()
            old, new = encode_value(dropped.id), encode_value(kept.id)
            uow.history.add_many(
                [
                    self._change(
                        id, ChangeAction.MERGE, at, kind, field="client_id", old=old, new=new
                    )
                    for kind, ids in (
                        ("contact", moved["contacts"]),
                        ("event", moved["events"]),
                        ("task", moved["tasks"]),
                        ("project", moved["projects"]),
                    )
                    for id in ids
                ]
            )
            union = {
                name: tuple(dict.fromkeys(getattr(kept, name) + getattr(dropped, name)))
                for name in ("phones", "emails", "addresses", "tags")
            }
            kept = self._update(
                uow, uow.clients, kept, keep, union, action=ChangeAction.MERGE, authorize_as="merge"
            )
            dropped = self._update(
                uow,
                uow.clients,
                dropped,
                duplicate,
                {"archived": True, "merged_into": kept.id},
                action=ChangeAction.MERGE,
                authorize_as="merge",
            )
            counts = {name: len(ids) for name, ids in moved.items()}
            return MergeResult(client=kept, duplicate=dropped, moved=counts)


class ContactService(Service):
    """``crm.contacts``: the contact persons of clients."""

    kind = "contact"

    def _prepare(self, fields: dict[str, Any]) -> dict[str, Any]:
        prepared = dict(fields)
        if "phones" in prepared:
            prepared["phones"] = parse_phones(
                prepared["phones"], region=self._context.runtime.phone_region
            )
        if prepared.get("fax") is not None:
            prepared["fax"] = Phone.parse(
                prepared["fax"], region=self._context.runtime.phone_region, field="fax"
            )
        return prepared

    def create(
        self,
        client: ClientRef,
        *,
        name: str,
        position: str | None = None,
        phones: Iterable[str | Phone] = (),
        fax: str | Phone | None = None,
        email: str | None = None,
        notes: str = "",
        external_id: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> ContactPerson:
        """Add a contact person to a client.

        ``phones`` may carry PBX extensions (``"0442067222 ext. 2007"``) or be a
        bare extension (``"2007"``), so caller-ID finds the person.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
            >>> petrov = crm.contacts.create(
            ...     pdv, name="Петров Иван Иванович", phones=["0442067222 доб. 2007"]
            ... )
            >>> crm.telephony.identify("2007").contact.name
            'Петров Иван Иванович'
        """
        with self._unit_of_work() as uow:
            owner = find_client(uow, client, "client")
            contact = build(
                ContactPerson,
                client_id=owner.id,
                name=name,
                position=position,
                email=email,
                notes=notes,
                external_id=external_id,
                **self._prepare({"phones": phones, "fax": fax}),
            )
            stored = self._add(uow, uow.contacts, contact)
            write_fields(self._context, uow, "contact", stored.id, fields, creating=True)
            return stored

    def get(self, contact: ContactRef) -> ContactPerson:
        with self._unit_of_work(writes=False) as uow:
            found = find_contact(uow, contact)
            self._authorize("read", found)
            return found

    def update(self, contact: ContactRef, **changes: Any) -> ContactPerson:
        """Change fields of a contact person (``client`` moves it to another client)."""
        self._refuse_stored_references(changes, {"client": "client_id"})
        with self._unit_of_work() as uow:
            stored = find_contact(uow, contact)
            prepared = self._prepare(changes)
            if "client" in prepared:
                prepared["client_id"] = find_client(uow, prepared.pop("client"), "client").id
            return self._update(uow, uow.contacts, stored, contact, prepared)

    def archive(self, contact: ContactRef) -> ContactPerson:
        with self._unit_of_work() as uow:
            return self._archive(uow, uow.contacts, find_contact(uow, contact), contact)

    def restore(self, contact: ContactRef) -> ContactPerson:
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.contacts, find_contact(uow, contact), contact)

    def list(self, client: ClientRef, *, include_archived: bool = False) -> list[ContactPerson]:
        """The contact persons of a client, by name."""
        with self._unit_of_work(writes=False) as uow:
            owner = find_client(uow, client, "client")
            self._authorize("read", owner, kind="client")
            return uow.contacts.for_client(owner.id, include_archived=include_archived)
