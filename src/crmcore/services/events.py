"""Events: logging every contact with a client, one by one or in bulk."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from itertools import islice
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import ChangeAction, Client, ContactPerson, Employee, Event
from crmcore.domain.history import Change
from crmcore.domain.signals import EventChanged, EventsLogged
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.context import Context
from crmcore.services.fields import write_fields
from crmcore.services.refs import (
    ClientRef,
    ContactRef,
    EmployeeRef,
    EventTypeRef,
    find_active_employee,
    find_by_id,
    find_employee,
    find_parties,
    find_usable_event_type,
)

__all__ = ["EventService", "ImportReport", "store_events"]

_IMPORT_FIELDS = frozenset(
    {
        "client",
        "type",
        "occurred_at",
        "subject",
        "contact",
        "employee",
        "project_ref",
        "duration",
        "details",
        "outcome",
        "external_ref",
    }
)


#: Arguments of update() that name other entities, and the fields they are stored in.
_EVENT_REFERENCES = {
    "type": "type_code",
    "client": "client_id",
    "contact": "contact_id",
    "employee": "employee_id",
}


@attrs.frozen
class ImportReport:
    """What a bulk import did: rows stored, and rows skipped as already imported."""

    created: int
    skipped: int


def _duration(value: object) -> timedelta | None:
    if value is None or isinstance(value, timedelta):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value < 0:
            raise ValidationError("duration", "must not be negative")
        return timedelta(seconds=value)
    raise ValidationError("duration", f"must be timedelta or seconds, not {type(value).__name__}")


def store_events(context: Context, uow: UnitOfWork, stamped: Sequence[Event], at: datetime) -> None:
    """Store new events built as version 1 at ``at`` in one go, with their history,
    and tell the timeline (bulk imports of any kind of contact write through here)."""
    actor = context.actor
    uow.events.add_many(stamped)
    context.publish(uow, EventsLogged(tuple(stamped)))
    uow.history.add_many(
        [
            Change(
                entity_kind="event",
                entity_id=e.id,
                action=ChangeAction.CREATE,
                at=at,
                actor_id=actor.employee_id,
                actor_name=actor.name,
            )
            for e in stamped
        ]
    )


class EventService(Service):
    """``crm.events``: log contacts with clients, read, correct and archive them."""

    kind = "event"

    def _employee(self, uow: UnitOfWork, employee: EmployeeRef | None) -> Employee | None:
        if employee is not None:
            return find_active_employee(uow, employee, "employee")
        if self.actor.employee_id is not None:
            return uow.employees.get(self.actor.employee_id)
        return None

    def log(
        self,
        client: ClientRef | None = None,
        *,
        type: EventTypeRef,
        subject: str | None = None,
        occurred_at: datetime | None = None,
        contact: ContactRef | None = None,
        employee: EmployeeRef | None = None,
        project_ref: str | None = None,
        duration: timedelta | float | None = None,
        details: str = "",
        outcome: str = "",
        external_ref: str | None = None,
        fields: Mapping[str, Any] | None = None,
    ) -> Event:
        """Record a contact with a client.

        Args:
            client: the client (entity, id or code); may be omitted when
                ``contact`` is given, or for a caller nobody knows yet.
            type: event type code, e.g. ``"ВхЗ"`` (incoming call).
            subject: a short title; the type's name when omitted.
            occurred_at: when it happened (tz-aware); now when omitted.
            contact: the client's contact person.
            employee: who had the contact; the acting employee when omitted.
            project_ref: the project it belongs to.
            duration: how long (timedelta or seconds).
            details: what was said.
            outcome: the result in a few words.
            external_ref: an id from the source system (PBX call id, mail
                Message-ID); logging the same reference again returns the
                stored event and writes nothing.
            fields: user-field values (see ``crm.fields``).

        Returns:
            The stored event; it also appears on the client's timeline.

        Raises:
            ValidationError: unknown type, client, contact or employee; a
                naive datetime; an empty subject; a negative duration.

        Example:
            >>> import crmcore
            >>> from datetime import datetime, UTC
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="06951937", name='Кооператив "Нептун"')
            >>> event = crm.events.log(
            ...     client,
            ...     type="ВхЗ",
            ...     subject="Запит ціни",
            ...     occurred_at=datetime(2014, 11, 5, 9, 30, tzinfo=UTC),
            ... )
            >>> [entry.title for entry in crm.timeline(client)]
            ['Запит ціни']
        """
        with self._unit_of_work() as uow:
            if external_ref is not None:
                existing = uow.events.get_by_external_ref(external_ref)
                if existing is not None:
                    self._authorize("read", existing)
                    return existing
            event_type = find_usable_event_type(uow, type)
            owner, person = find_parties(uow, client, contact)
            who = self._employee(uow, employee)
            event = build(
                Event,
                type_code=event_type.code,
                occurred_at=self._now() if occurred_at is None else occurred_at,
                subject=event_type.name if subject is None else subject,
                client_id=None if owner is None else owner.id,
                contact_id=None if person is None else person.id,
                employee_id=None if who is None else who.id,
                project_ref=project_ref,
                duration=_duration(duration),
                details=details,
                outcome=outcome,
                external_ref=external_ref,
            )
            stored = self._add(uow, uow.events, event)
            write_fields(self._context, uow, "event", stored.id, fields, creating=True)
            self._publish(uow, EventsLogged((stored,)))
            return stored

    def get(self, event: Event | UUID) -> Event:
        """The stored event.  Raises NotFound."""
        with self._unit_of_work(writes=False) as uow:
            found = self._find(uow, event)
            self._authorize("read", found)
            return found

    def find_by_external_ref(self, external_ref: str) -> Event | None:
        """The event logged with this external reference, if any."""
        with self._unit_of_work(writes=False) as uow:
            found = uow.events.get_by_external_ref(external_ref)
            if found is not None:
                self._authorize("read", found)
            return found

    def update(self, event: Event | UUID, **changes: Any) -> Event:
        """Correct an event: ``type``, ``client``, ``contact``, ``employee`` take
        references like :meth:`log`; other fields take values."""
        self._refuse_stored_references(
            changes,
            {
                "type": "type_code",
                "client": "client_id",
                "contact": "contact_id",
                "employee": "employee_id",
            },
        )
        with self._unit_of_work() as uow:
            stored = self._find(uow, event)
            prepared = dict(changes)
            if "type" in prepared:
                prepared["type_code"] = find_usable_event_type(uow, prepared.pop("type")).code
            if "client" in prepared or "contact" in prepared:
                owner, person = find_parties(
                    uow,
                    prepared.pop("client", stored.client_id),
                    prepared.pop("contact", stored.contact_id),
                )
                prepared["client_id"] = None if owner is None else owner.id
                prepared["contact_id"] = None if person is None else person.id
            if "employee" in prepared:
                who = prepared.pop("employee")
                prepared["employee_id"] = (
                    None if who is None else find_employee(uow, who, "employee").id
                )
            if "duration" in prepared:
                prepared["duration"] = _duration(prepared["duration"])
            changed = self._update(uow, uow.events, stored, event, prepared)
            if changed is not stored:
                self._show(uow, changed)
            return changed

    def archive(self, event: Event | UUID) -> Event:
        """Hide an event from the timeline; it stays stored and in history."""
        with self._unit_of_work() as uow:
            changed = self._archive(uow, uow.events, self._find(uow, event), event)
            self._show(uow, changed)
            return changed

    def restore(self, event: Event | UUID) -> Event:
        with self._unit_of_work() as uow:
            changed = self._restore(uow, uow.events, self._find(uow, event), event)
            self._show(uow, changed)
            return changed

    def import_many(
        self, rows: Iterable[Mapping[str, Any]], *, batch_size: int = 5000
    ) -> ImportReport:
        """Import many events in one transaction, streaming: memory stays bounded.

        Each row is a mapping with the arguments of :meth:`log` (``client`` and
        ``employee`` as entities, ids or codes, ``contact`` as an entity or id,
        ``type`` by code); ``occurred_at`` is required.  Rows whose
        ``external_ref`` was imported before are skipped, so an import can be
        re-run after a failure.  Unlike :meth:`log`, archived clients and
        employees are accepted: an import brings in history.

        Raises:
            ValidationError: a bad row, named as ``rows[N].field``; nothing
                of the import is stored then.
        """
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValidationError("batch_size", "must be a positive integer")
        with self._unit_of_work() as uow:
            self._authorize("import")
            at = self._now()
            resolver = _ImportResolver(self, uow, at)
            created = skipped = 0
            numbered = enumerate(rows)
            while batch := list(islice(numbered, batch_size)):
                events = resolver.events(batch)
                refs = {e.external_ref for e in events if e.external_ref is not None}
                # Earlier batches are stored in this same transaction, so the
                # query sees them: memory stays bounded by one batch.
                taken = uow.events.existing_external_refs(refs)
                fresh = []
                for event in events:
                    ref = event.external_ref
                    if ref is not None and ref in taken:
                        skipped += 1
                        continue
                    if ref is not None:
                        taken.add(ref)
                    fresh.append(event)
                self._store_many(uow, fresh, at)
                created += len(fresh)
            return ImportReport(created=created, skipped=skipped)

    def _store_many(self, uow: UnitOfWork, stamped: list[Event], at: datetime) -> None:
        store_events(self._context, uow, stamped, at)

    def _find(self, uow: UnitOfWork, event: Event | UUID) -> Event:
        return find_by_id(uow.events, event, "event", Event)

    def _show(self, uow: UnitOfWork, event: Event) -> None:
        self._publish(uow, EventChanged(event))


class _ImportResolver:
    """Resolves the references of import rows with one query per batch, caching."""

    def __init__(self, service: EventService, uow: UnitOfWork, at: datetime) -> None:
        self._service = service
        self._uow = uow
        self._types = {t.code: t for t in uow.event_types.list(include_archived=False)}
        self._clients: dict[str, UUID] = {}
        self._known_client_ids: set[UUID] = set()
        self._employees: dict[object, UUID] = {}
        self._contacts: dict[UUID, UUID] = {}
        self._default_employee = service.actor.employee_id
        self._at = at

    def events(self, batch: list[tuple[int, Mapping[str, Any]]]) -> list[Event]:
        self._prefetch(row for _, row in batch)
        return [self._event(index, row) for index, row in batch]

    def _prefetch(self, rows: Iterator[object]) -> None:
        codes: set[str] = set()
        ids: set[UUID] = set()
        contacts: set[UUID] = set()
        for row in rows:
            if not isinstance(row, Mapping):
                continue
            client = row.get("client")
            if isinstance(client, Client):
                client = client.id
            if isinstance(client, str) and client not in self._clients:
                codes.add(client)
            elif isinstance(client, UUID) and client not in self._known_client_ids:
                ids.add(client)
            contact = row.get("contact")
            if isinstance(contact, ContactPerson):
                contact = contact.id
            if isinstance(contact, UUID) and contact not in self._contacts:
                contacts.add(contact)
        if codes:
            self._clients.update(self._uow.clients.ids_by_code(codes))
        if ids:
            self._known_client_ids.update(self._uow.clients.get_many(ids))
        if contacts:
            found = self._uow.contacts.get_many(contacts)
            self._contacts.update({id: c.client_id for id, c in found.items()})

    def _event(self, index: int, row: Mapping[str, Any]) -> Event:
        where = f"rows[{index}]"
        if not isinstance(row, Mapping):
            raise ValidationError(where, f"must be a mapping, not {type(row).__name__}")
        unknown = set(row) - _IMPORT_FIELDS
        if unknown:
            raise ValidationError(f"{where}.{sorted(unknown)[0]}", "is not a field of an event")
        try:
            event_type = self._types.get(row.get("type"))  # type: ignore[arg-type]
            if event_type is None:
                raise ValidationError("type", f"no event type {row.get('type')!r}")
            if "occurred_at" not in row:
                raise ValidationError("occurred_at", "is required in an import")
            client_id = self._client(row.get("client"))
            contact_id = row.get("contact")
            if isinstance(contact_id, ContactPerson):
                contact_id = contact_id.id
            if contact_id is not None:
                if not isinstance(contact_id, UUID):
                    raise ValidationError("contact", "must be a contact person or its id")
                owner = self._contacts.get(contact_id)
                if owner is None:
                    raise ValidationError("contact", f"no contact person {contact_id!r}")
                if client_id is not None and owner != client_id:
                    raise ValidationError("contact", "is not a contact of this client")
                client_id = owner
            return build(
                Event,
                type_code=event_type.code,
                occurred_at=row["occurred_at"],
                subject=event_type.name if row.get("subject") is None else row["subject"],
                client_id=client_id,
                contact_id=contact_id,
                employee_id=self._employee(row.get("employee")),
                project_ref=row.get("project_ref"),
                duration=_duration(row.get("duration")),
                details=row.get("details", ""),
                outcome=row.get("outcome", ""),
                external_ref=row.get("external_ref"),
                version=1,
                created_at=self._at,
                updated_at=self._at,
            )
        except ValidationError as error:
            raise error.at(where) from None

    def _client(self, ref: object) -> UUID | None:
        if ref is None:
            return None
        if isinstance(ref, Client):
            ref = ref.id
        if isinstance(ref, UUID):
            if ref not in self._known_client_ids:
                raise ValidationError("client", f"no client {ref}")
            return ref
        if isinstance(ref, str):
            found = self._clients.get(ref)
            if found is None:
                raise ValidationError("client", f"no client {ref!r}")
            return found
        raise ValidationError("client", f"must be a client code or id, not {type(ref).__name__}")

    def _employee(self, ref: object) -> UUID | None:
        if ref is None:
            return self._default_employee
        if isinstance(ref, Employee):
            ref = ref.id
        if ref not in self._employees:
            if not isinstance(ref, (str, UUID)):
                raise ValidationError("employee", f"must be a code or id, not {type(ref).__name__}")
            self._employees[ref] = find_employee(self._uow, ref, "employee").id
        return self._employees[ref]
