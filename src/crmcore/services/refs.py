"""Turning what callers pass (an entity, an id or a business code) into stored entities.

Arguments that name another entity raise ValidationError naming the argument
when it does not exist; ``get``-style lookups raise NotFound.
"""

from __future__ import annotations

from typing import Any, TypeVar
from uuid import UUID

from crmcore.domain import Client, ContactPerson, Employee, Event, EventType
from crmcore.domain.contracts import Contract
from crmcore.domain.documents import Document
from crmcore.domain.products import Product
from crmcore.domain.projects import Project
from crmcore.domain.tasks import Executor, Task
from crmcore.errors import NotFound, ValidationError
from crmcore.ports import UnitOfWork

__all__ = [
    "ENTITY_TYPES",
    "ClientRef",
    "ContactRef",
    "ContractRef",
    "DocumentRef",
    "EmployeeRef",
    "EntityRef",
    "EventTypeRef",
    "ExecutorRef",
    "ProductRef",
    "ProjectRef",
    "TaskRef",
    "find_active_employee",
    "find_by_id",
    "find_client",
    "find_contact",
    "find_contract",
    "find_document",
    "find_employee",
    "find_entity",
    "find_event_type",
    "find_executor",
    "find_parties",
    "find_product",
    "find_project",
    "find_task",
    "find_usable_event_type",
]

T = TypeVar("T")

ClientRef = Client | UUID | str
ContactRef = ContactPerson | UUID
EmployeeRef = Employee | UUID | str
EventTypeRef = EventType | str
ProjectRef = Project | UUID | str
TaskRef = Task | UUID
ProductRef = Product | UUID | str
#: A contract, its id or its number.
ContractRef = Contract | UUID | str
DocumentRef = Document | UUID
ExecutorRef = Executor | UUID
#: An entity that comments, links, attachments and user fields attach to: the
#: entity itself, or its kind and id (``("task", task_id)``).
EntityRef = Client | ContactPerson | Event | Task | Project | Document | tuple[str, UUID]

#: The kind name of each entity type that comments, links, attachments and user fields serve.
ENTITY_TYPES: dict[type, str] = {
    Client: "client",
    ContactPerson: "contact",
    Event: "event",
    Task: "task",
    Project: "project",
    Document: "document",
}


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
    return find_by_id(uow.contacts, ref, "contact person", ContactPerson, field)


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


def find_active_employee(uow: UnitOfWork, ref: EmployeeRef, field: str) -> Employee:
    """An employee an argument names, refused when archived."""
    found = find_employee(uow, ref, field)
    if found.archived:
        raise ValidationError(field, f"{found.name!r} is archived")
    return found


def find_usable_event_type(uow: UnitOfWork, ref: object, field: str = "type") -> EventType:
    """An event type an argument names, refused when archived."""
    found = find_event_type(uow, ref, field)
    if found.archived:
        raise ValidationError(field, f"event type {found.code!r} is archived")
    return found


def find_parties(
    uow: UnitOfWork, client: ClientRef | None, contact: ContactRef | None
) -> tuple[Client | None, ContactPerson | None]:
    """The client and contact person a record is about: a contact implies its
    client; given both, the contact must be the client's; neither may be archived."""
    person = None if contact is None else find_contact(uow, contact, "contact")
    owner = None if client is None else find_client(uow, client, "client")
    if owner is not None and owner.archived:
        raise ValidationError("client", f"{owner.name!r} is archived")
    if person is not None and person.archived:
        raise ValidationError("contact", f"{person.name!r} is archived")
    if person is not None:
        if owner is None:
            owner = find_client(uow, person.client_id, "contact")
        elif person.client_id != owner.id:
            raise ValidationError("contact", f"{person.name!r} is not a contact of {owner.name!r}")
    return owner, person


def find_project(uow: UnitOfWork, ref: ProjectRef, field: str | None = None) -> Project:
    return _resolve(uow.projects, ref, "project", Project, field)  # type: ignore[no-any-return]


def find_product(uow: UnitOfWork, ref: ProductRef, field: str | None = None) -> Product:
    return _resolve(uow.products, ref, "product", Product, field)  # type: ignore[no-any-return]


def find_contract(uow: UnitOfWork, ref: ContractRef, field: str | None = None) -> Contract:
    """The stored contract, named by itself, its id or its number."""
    return _resolve(uow.contracts, ref, "contract", Contract, field)  # type: ignore[no-any-return]


def find_document(uow: UnitOfWork, ref: DocumentRef, field: str | None = None) -> Document:
    return find_by_id(uow.documents, ref, "document", Document, field)


def find_by_id(
    repository: Any, ref: object, kind: str, entity_type: type[T], field: str | None = None
) -> T:
    """The stored record a caller names by the record itself or its id.

    NotFound when it does not exist, or ValidationError on ``field`` when the
    record is an argument naming another one.
    """
    key = ref.id if isinstance(ref, entity_type) else ref  # type: ignore[attr-defined]
    if not isinstance(key, UUID):
        article = "an" if kind[0] in "aeiou" else "a"
        problem = f"{article} {kind} is given as one or its id, not {type(ref).__name__}"
        raise ValidationError(field or kind, problem)
    found = repository.get(key)
    if found is None:
        if field is None:
            raise NotFound(kind, key)
        raise ValidationError(field, f"no {kind} {key}")
    return found  # type: ignore[no-any-return]


def find_task(uow: UnitOfWork, ref: object, field: str | None = None) -> Task:
    return find_by_id(uow.tasks, ref, "task", Task, field)


def find_executor(uow: UnitOfWork, ref: object, field: str | None = None) -> Executor:
    return find_by_id(uow.executors, ref, "executor", Executor, field)


def find_entity(uow: UnitOfWork, ref: object, field: str = "entity") -> tuple[str, Any]:
    """(kind, the stored entity) for an entity or a ``(kind, id)`` pair."""
    if isinstance(ref, tuple) and len(ref) == 2 and isinstance(ref[0], str):
        kind, key = ref
    else:
        kind = ENTITY_TYPES.get(type(ref), "")
        key = getattr(ref, "id", None)
    repositories: dict[str, Any] = {
        "client": uow.clients,
        "contact": uow.contacts,
        "event": uow.events,
        "task": uow.tasks,
        "project": uow.projects,
        "document": uow.documents,
    }
    if kind not in repositories:
        allowed = ", ".join(sorted(repositories))
        raise ValidationError(field, f"must be one of: {allowed} (or a kind and an id)")
    if not isinstance(key, UUID):
        raise ValidationError(field, f"a {kind} is named by its id, not {key!r}")
    found = repositories[kind].get(key)
    if found is None:
        raise ValidationError(field, f"no {kind} {key}")
    return kind, found
