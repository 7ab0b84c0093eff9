"""SQL repositories of clients, their contact persons and their phones.

Lists of a client (phones, e-mails, tags) are columns of its row, so a client
is read from its row alone; the phones, e-mails and tags are also kept in
tables of their own, for lookups: caller-ID and search by e-mail or tag.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any
from uuid import UUID

import attrs
from sqlalchemy import (
    Connection,
    bindparam,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError

from crmcore.adapters.sqlalchemy.fields import field_value_conditions, field_value_params
from crmcore.adapters.sqlalchemy.repository import Repository, chunks, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import Codec, padded, restore
from crmcore.adapters.sqlalchemy.tables import Tables
from crmcore.domain import (
    Address,
    Client,
    ClientKind,
    ClientSearch,
    ContactPerson,
    Phone,
    PhoneOwner,
)
from crmcore.domain.clients import search_key
from crmcore.domain.mail import EmailOwner, email_owner_order
from crmcore.errors import DuplicateError

__all__ = ["Clients", "Contacts"]


_make_client = restore(Client)
_CLIENT_WIDTH = len(attrs.fields(Client))  # the columns Clients.columns selects
_make_contact = restore(ContactPerson)
_make_phone = restore(Phone)


def _phones_json(phones: Sequence[Phone]) -> list[list[str | None]]:
    return [[p.e164, p.extension] for p in phones]


def _phones(value: list[list[str | None]]) -> tuple[Phone, ...]:
    return tuple(_make_phone(e164=e164, extension=extension) for e164, extension in value)


def _client_values(client: Client) -> dict[str, Any]:
    return {
        "id": client.id,
        "code": client.code,
        "code_key": client.code_key,
        "name": client.name,
        "name_key": client.name_key,
        "name_sort": client.name_sort,
        "kind": client.kind.value,
        "tax_code": client.tax_code,
        "responsible_id": client.responsible_id,
        "addresses": [
            {key: value for key, value in attrs.asdict(a).items() if value is not None}
            for a in client.addresses
        ],
        "phones": _phones_json(client.phones),
        "emails": list(client.emails),
        "tags": list(client.tags),
        "notes": client.notes,
        "archived": client.archived,
        "merged_into": client.merged_into,
        "external_id": client.external_id,
        "version": client.version,
        "created_at": client.created_at,
        "updated_at": client.updated_at,
    }


class Clients(Repository):
    """Clients; their e-mails, tags and phones are kept in their row and in lookup tables."""

    def columns(self) -> list[Any]:
        """The columns a client is read from, in the order :meth:`decode` reads them."""
        c = self.t.clients.c
        return [
            c.code, c.name, c.kind, c.tax_code, c.responsible_id, c.addresses, c.phones,
            c.emails, c.notes, c.tags, c.archived, c.merged_into, c.external_id, c.id,
            c.version, c.created_at, c.updated_at,
        ]  # fmt: skip

    def decode(self, row: Sequence[Any]) -> Client:
        """A client from a row of :meth:`columns`."""
        codec = self.codec
        json_out = codec.json_out
        return _make_client(
            code=row[0],
            name=row[1],
            kind=ClientKind(row[2]),
            tax_code=row[3],
            responsible_id=codec.uuid_or_none_out(row[4]),
            addresses=tuple(Address(**a) for a in json_out(row[5])),
            phones=_phones(json_out(row[6])),
            emails=tuple(json_out(row[7])),
            notes=row[8],
            tags=tuple(json_out(row[9])),
            archived=bool(row[10]),
            merged_into=codec.uuid_or_none_out(row[11]),
            external_id=row[12],
            id=codec.uuid_out(row[13]),
            version=row[14],
            created_at=codec.moment_out(row[15]),
            updated_at=codec.moment_out(row[16]),
        )

    def add(self, client: Client) -> None:
        if self.get_by_code(client.code) is not None:
            raise DuplicateError("code", client.code)
        try:
            self.db.execute(insert(self.t.clients).values(**_client_values(client)))
        except IntegrityError:
            raise DuplicateError("code", client.code) from None
        self._write_lists(client)

    def _write_lists(self, client: Client) -> None:
        t = self.t
        self.db.execute(delete(t.client_emails).where(t.client_emails.c.client_id == client.id))
        self.db.execute(delete(t.client_tags).where(t.client_tags.c.client_id == client.id))
        self.db.execute(
            delete(t.phones).where(
                t.phones.c.client_id == client.id, t.phones.c.contact_id.is_(None)
            )
        )
        if client.emails:
            self.db.execute(
                insert(t.client_emails),
                [
                    {
                        "client_id": client.id,
                        "position": i,
                        "address": e,
                        "address_key": search_key(e),
                    }
                    for i, e in enumerate(client.emails)
                ],
            )
        if client.tags:
            self.db.execute(
                insert(t.client_tags),
                [
                    {"client_id": client.id, "position": i, "tag": tag}
                    for i, tag in enumerate(client.tags)
                ],
            )
        _write_phones(self.db, t, client.id, None, client.phones)

    def _where(self, key: str, condition: Callable[[], Any], **params: Any) -> list[Client]:
        rows = self._rows(
            ("clients", key),
            lambda: select(*self.columns()).where(condition()),
            **params,
        )
        return [self.decode(row) for row in rows]

    def get(self, id: UUID) -> Client | None:
        found = self._where(
            "id", lambda: self.t.clients.c.id == bindparam("id"), id=self.codec.uuid_in(id)
        )
        return found[0] if found else None

    def get_by_code(self, code: str) -> Client | None:
        found = self._where("code", lambda: self.t.clients.c.code == bindparam("code"), code=code)
        return found[0] if found else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, Client]:
        rows = self._rows_in(
            "clients by ids", self.columns, self.t.clients.c.id, map(self.codec.uuid_in, ids)
        )
        return {client.id: client for client in map(self.decode, rows)}

    def ids_by_code(self, codes: Iterable[str]) -> dict[str, UUID]:
        c = self.t.clients.c
        rows = self._rows_in("client ids by code", lambda: [c.code, c.id], c.code, codes)
        return {code: self.codec.uuid_out(id) for code, id in rows}

    def update(self, client: Client, expected_version: int) -> None:
        other = self.db.scalar(
            select(self.t.clients.c.id).where(
                self.t.clients.c.code == client.code, self.t.clients.c.id != client.id
            )
        )
        if other is not None:
            raise DuplicateError("code", client.code)
        self._replace(
            self.t.clients, "client", client.code, _client_values(client), expected_version
        )
        self._write_lists(client)

    def search(self, query: ClientSearch) -> list[Client]:
        t = self.t
        c = t.clients.c
        ids = sorted(query.client_ids) if query.client_ids else []
        wanted_ids = padded([self.codec.uuid_in(i) for i in ids])
        shape = (
            query.text is not None,
            query.code is not None,
            query.tax_code is not None,
            query.external_id is not None,
            None if query.client_ids is None else len(wanted_ids),
            query.email is not None,
            query.kind is not None,
            query.tag is not None,
            query.responsible_id is not None,
            len(query.field_values),
            query.include_archived,
        )

        def build() -> Any:
            conditions: list[Any] = field_value_conditions(
                t.field_values, c.id, "client", len(query.field_values)
            )
            if query.text is not None:
                conditions.append(
                    or_(
                        c.name_key.like(bindparam("pattern"), escape="/"),
                        c.code_key == bindparam("text_whole"),
                    )
                )
            if query.code is not None:
                conditions.append(c.code == bindparam("code"))
            if query.tax_code is not None:
                conditions.append(c.tax_code == bindparam("tax_code"))
            if query.external_id is not None:
                conditions.append(c.external_id == bindparam("external_id"))
            if query.client_ids is not None:
                conditions.append(in_list(c.id, "id", len(wanted_ids)) if wanted_ids else false())
            if query.email is not None:
                emails = t.client_emails.c
                conditions.append(
                    c.id.in_(
                        select(emails.client_id).where(emails.address_key == bindparam("email"))
                    )
                )
            if query.kind is not None:
                conditions.append(c.kind == bindparam("kind"))
            if query.tag is not None:
                tags = t.client_tags.c
                conditions.append(
                    c.id.in_(select(tags.client_id).where(tags.tag == bindparam("tag")))
                )
            if query.responsible_id is not None:
                conditions.append(c.responsible_id == bindparam("responsible_id"))
            if not query.include_archived:
                conditions.append(c.archived.is_(False))
            return (
                select(*self.columns())
                .where(*conditions)
                .order_by(c.name_sort, c.id)
                .limit(bindparam("limit"))
            )

        params: dict[str, Any] = {
            "text_whole": query.text,
            "code": query.code,
            "tax_code": query.tax_code,
            "external_id": query.external_id,
            "email": query.email,
            "kind": None if query.kind is None else query.kind.value,
            "tag": query.tag,
            "responsible_id": self.codec.uuid_or_none_in(query.responsible_id),
            "limit": query.limit,
            **in_params("id", wanted_ids),
            **field_value_params(query.field_values),
        }
        if query.text is not None:
            # Typed %, _ and / match themselves, not as LIKE wildcards.
            escaped = query.text.replace("/", "//").replace("%", "/%").replace("_", "/_")
            params["pattern"] = f"%{escaped}%"
        rows = self._rows(("client search", shape), build, **params)
        return [self.decode(row) for row in rows]

    def find_phone_owners(self, e164: str | None, extension: str | None) -> list[PhoneOwner]:
        if e164 is None and extension is None:
            return []
        t = self.t
        p = t.phones.c
        contacts = Contacts(self._uow, t)
        client_width = _CLIENT_WIDTH

        def owners(condition: Any) -> Any:
            joined = t.phones.join(t.clients, t.clients.c.id == p.client_id).outerjoin(
                t.contacts, t.contacts.c.id == p.contact_id
            )
            return (
                select(*self.columns(), *contacts.columns(), p.e164, p.extension)
                .select_from(joined)
                .where(condition)
            )

        def build() -> Any:
            # One indexed lookup per part asked for: with statistics, planners
            # scan the table for "e164 = ? OR extension = ?", since most
            # phones have no extension.
            if extension is None:
                return owners(p.e164 == bindparam("e164"))
            by_extension = owners(p.extension == bindparam("extension"))
            if e164 is None:
                return by_extension
            return union_all(
                owners(p.e164 == bindparam("e164")),
                by_extension.where(or_(p.e164.is_(None), p.e164 != bindparam("e164_again"))),
            )

        params = {"e164": e164, "e164_again": e164, "extension": extension}
        rows = self._rows(("phone owners", e164 is None, extension is None), build, **params)
        found = []
        for row in rows:
            contact_row = row[client_width:-2]
            found.append(
                PhoneOwner(
                    self.decode(row[:client_width]),
                    None if contact_row[0] is None else contacts.decode(contact_row),
                    _make_phone(e164=row[-2], extension=row[-1]),
                )
            )
        return found

    def find_email_owners(
        self, address_keys: Iterable[str], domains: Iterable[str]
    ) -> list[EmailOwner]:
        found: set[EmailOwner] = set()
        for chunk in chunks(sorted(set(address_keys))):
            found.update(self._email_owners("keys", padded(chunk)))
        for chunk in chunks(sorted(set(domains))):
            patterns = ["%@" + d.replace("\\", "\\\\").replace("_", "\\_") for d in chunk]
            found.update(self._email_owners("domains", padded(patterns)))
        return sorted(found, key=email_owner_order)

    def _email_owners(self, how: str, values: list[str]) -> set[EmailOwner]:
        t = self.t
        emails, clients, contacts = t.client_emails.c, t.clients.c, t.contacts.c
        contact_key = func.lower(contacts.email)

        def wanted(column: Any) -> Any:
            if how == "keys":
                return in_list(column, "v", len(values))
            return or_(*(column.like(bindparam(f"v{i}"), escape="\\") for i in range(len(values))))

        def own() -> Any:
            return (
                select(emails.address_key, emails.client_id)
                .join(t.clients, clients.id == emails.client_id)
                .where(wanted(emails.address_key), clients.archived.is_(False))
            )

        def of_contacts() -> Any:
            return (
                select(contact_key, contacts.client_id, contacts.id)
                .join(t.clients, clients.id == contacts.client_id)
                .where(
                    wanted(contact_key),
                    contacts.archived.is_(False),
                    clients.archived.is_(False),
                )
            )

        params = in_params("v", values)
        uuid_out = self.codec.uuid_out
        found = {
            EmailOwner(row[0], uuid_out(row[1]))
            for row in self._rows(("email owners", how, len(values)), own, **params)
        }
        found.update(
            EmailOwner(row[0], uuid_out(row[1]), uuid_out(row[2]))
            for row in self._rows(("contact email owners", how, len(values)), of_contacts, **params)
        )
        return found

    def reassign(self, source_id: UUID, target_id: UUID) -> dict[str, list[UUID]]:
        t = self.t
        moved: dict[str, list[UUID]] = {}
        for name, table in (
            ("contacts", t.contacts),
            ("events", t.events),
            ("tasks", t.tasks),
            ("projects", t.projects),
            ("timeline", t.timeline),
        ):
            where = table.c.client_id == source_id
            moved[name] = list(self.db.scalars(select(table.c.id).where(where)))
            values: dict[str, Any] = {"client_id": target_id}
            if "version" in table.c:
                values["version"] = table.c.version + 1
            self.db.execute(update(table).where(where).values(**values))
        self.db.execute(
            update(t.phones)
            .where(t.phones.c.client_id == source_id, t.phones.c.contact_id.is_not(None))
            .values(client_id=target_id)
        )
        return moved


def _write_phones(
    db: Connection, t: Tables, client_id: UUID, contact_id: UUID | None, phones: Sequence[Phone]
) -> None:
    if phones:
        db.execute(
            insert(t.phones),
            [
                {
                    "client_id": client_id,
                    "contact_id": contact_id,
                    "position": i,
                    "e164": p.e164,
                    "extension": p.extension,
                }
                for i, p in enumerate(phones)
            ],
        )


# --- contacts ------------------------------------------------------------------


def _contact_values(contact: ContactPerson) -> dict[str, Any]:
    return {
        "id": contact.id,
        "client_id": contact.client_id,
        "name": contact.name,
        "name_sort": contact.name_sort,
        "position": contact.position,
        "phones": _phones_json(contact.phones),
        "fax": None if contact.fax is None else [contact.fax.e164, contact.fax.extension],
        "email": contact.email,
        "notes": contact.notes,
        "archived": contact.archived,
        "external_id": contact.external_id,
        "version": contact.version,
        "created_at": contact.created_at,
        "updated_at": contact.updated_at,
    }


def _fax(codec: Codec, value: Any) -> Phone | None:
    # SQLAlchemy's JSON type writes None as JSON null, not SQL NULL.
    pair = None if value is None else codec.json_out(value)
    return None if pair is None else _make_phone(e164=pair[0], extension=pair[1])


class Contacts(Repository):
    """Contact persons of clients, with their phones."""

    def columns(self) -> list[Any]:
        """The columns a contact person is read from, in the order :meth:`decode` reads them."""
        c = self.t.contacts.c
        return [
            c.client_id, c.name, c.position, c.phones, c.email, c.notes, c.archived,
            c.external_id, c.id, c.version, c.created_at, c.updated_at, c.fax,
        ]  # fmt: skip

    def decode(self, row: Sequence[Any]) -> ContactPerson:
        """A contact person from a row of :meth:`columns`."""
        codec = self.codec
        return _make_contact(
            client_id=codec.uuid_out(row[0]),
            name=row[1],
            position=row[2],
            phones=_phones(codec.json_out(row[3])),
            email=row[4],
            notes=row[5],
            archived=bool(row[6]),
            external_id=row[7],
            id=codec.uuid_out(row[8]),
            version=row[9],
            created_at=codec.moment_out(row[10]),
            updated_at=codec.moment_out(row[11]),
            fax=_fax(codec, row[12]),
        )

    def add(self, contact: ContactPerson) -> None:
        self.db.execute(insert(self.t.contacts).values(**_contact_values(contact)))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def get(self, id: UUID) -> ContactPerson | None:
        rows = self._rows(
            ("contacts", "id"),
            lambda: select(*self.columns()).where(self.t.contacts.c.id == bindparam("id")),
            id=self.codec.uuid_in(id),
        )
        return self.decode(rows[0]) if rows else None

    def get_many(self, ids: Iterable[UUID]) -> dict[UUID, ContactPerson]:
        rows = self._rows_in(
            "contacts by ids", self.columns, self.t.contacts.c.id, map(self.codec.uuid_in, ids)
        )
        return {contact.id: contact for contact in map(self.decode, rows)}

    def update(self, contact: ContactPerson, expected_version: int) -> None:
        self._replace(
            self.t.contacts, "contact", contact.id, _contact_values(contact), expected_version
        )
        p = self.t.phones
        self.db.execute(delete(p).where(p.c.contact_id == contact.id))
        _write_phones(self.db, self.t, contact.client_id, contact.id, contact.phones)

    def for_client(self, client_id: UUID, *, include_archived: bool) -> list[ContactPerson]:
        c = self.t.contacts.c

        def build() -> Any:
            conditions = [c.client_id == bindparam("client_id")]
            if not include_archived:
                conditions.append(c.archived.is_(False))
            return select(*self.columns()).where(*conditions).order_by(c.name_sort, c.id)

        rows = self._rows(
            ("contacts of", include_archived), build, client_id=self.codec.uuid_in(client_id)
        )
        return [self.decode(row) for row in rows]
