"""Turning what callers pass (an entity, an id or a business code) into stored entities.

Arguments that name another entity raise ValidationError naming the argument
when it does not exist; ``get``-style lookups raise NotFound.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from crmcore.domain import Client, ContactPerson, Employee, EventType
from crmcore.errors import NotFound, ValidationError
from crmcore.ports import UnitOfWork

__all__ = [
    "ClientRef",
    "ContactRef",
    "EmployeeRef",
    "EventTypeRef",
    "find_client",
    "find_contact",
    "find_employee",
    "find_event_type",
]

ClientRef = Client | UUID | str
ContactRef = ContactPerson | UUID
EmployeeRef = Employee | UUID | str
EventTypeRef = EventType | str


def _by_id_or_code(repository: Any, ref: object, kind: str, entity_type: type) -> Any:
    if isinstance(ref, entity_type):
        return repository.get(ref.id)  # type: ignore[attr-defined]
    if isinstance(ref, UUID):
        return repository.get(ref)
    if isinstance(ref, str) and ref.strip():
        return repository.get_by_code(ref.strip())
    raise TypeError(f"a {kind} is given as a {kind}, its id or its code, not {type(ref).__name__}")


def _resolve(repository: Any, ref: object, kind: str, entity_type: type, field: str | None) -> Any:
    try:
        found = _by_id_or_code(repository, ref, kind, entity_type)
    except TypeError as error:
        raise ValidationError(field or kind, str(error)) from None
    if found is None:
        if field is None:
            raise NotFound(kind, getattr(ref, "code", ref))
        raise ValidationError(field, f"no {kind} {getattr(ref, 'code', ref)!r}")
    return found


def find_client(uow: UnitOfWork, ref: ClientRef, field: str | None = None) -> Client:
    """The stored client; NotFound (or ValidationError on ``field``) if there is none."""
    return _resolve(uow.clients, ref, "client", Client, field)  # type: ignore[no-any-return]


def find_employee(uow: UnitOfWork, ref: EmployeeRef, field: str | None = None) -> Employee:
    return _resolve(uow.employees, ref, "employee", Employee, field)  # type: ignore[no-any-return]


def find_contact(uow: UnitOfWork, ref: object, field: str | None = None) -> ContactPerson:
    # ``ref`` is checked at run time: callers pass whatever their users typed.
    if isinstance(ref, ContactPerson):
        ref = ref.id
    if not isinstance(ref, UUID):
        problem = f"a contact person is given as one or its id, not {type(ref).__name__}"
        raise ValidationError(field or "contact", problem)
    found = uow.contacts.get(ref)
    if found is None:
        if field is None:
            raise NotFound("contact person", ref)
        raise ValidationError(field, f"no contact person {ref}")
    return found


def find_event_type(uow: UnitOfWork, ref: object, field: str | None = None) -> EventType:
    code = ref.code if isinstance(ref, EventType) else ref
    if not isinstance(code, str):
        problem = f"an event type is given as one or its code, not {type(ref).__name__}"
        raise ValidationError(field or "type", problem)
    found = uow.event_types.get(code.strip())
    if found is None:
        if field is None:
            raise NotFound("event type", code)
        raise ValidationError(field, f"no event type {code!r}")
    return found
