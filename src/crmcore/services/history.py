"""Reading the recorded history of any entity."""

from __future__ import annotations

from uuid import UUID

from crmcore.domain import Change, Client, ContactPerson, Employee, Event, EventType
from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.domain.fields import FieldDefinition
from crmcore.domain.projects import Project
from crmcore.domain.tasks import Dependency, Executor, Task, WorkLogEntry
from crmcore.errors import ValidationError
from crmcore.services.base import Service

__all__ = ["HistoryService"]

_KINDS: dict[type, str] = {
    Client: "client",
    ContactPerson: "contact",
    Employee: "employee",
    EventType: "event_type",
    Event: "event",
    Task: "task",
    Executor: "executor",
    WorkLogEntry: "work_log",
    Dependency: "dependency",
    Project: "project",
    FieldDefinition: "user_field",
    Comment: "comment",
    Link: "link",
    Attachment: "attachment",
}


class HistoryService(Service):
    """``crm.history``: who changed what and when."""

    kind = "history"

    def of(self, entity: object, entity_id: UUID | None = None) -> list[Change]:
        """The changes of one entity, oldest first.

        Pass the entity itself, or its kind (``"client"``) and id.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> client = crm.clients.create(code="7", name="СОЛО ТОВ")
            >>> client = crm.clients.update(client, kind="customer")
            >>> [(c.action.value, c.field, c.new_value()) for c in crm.history.of(client)]
            [('create', None, None), ('update', 'kind', 'customer')]
        """
        if isinstance(entity, str):
            kind, key, entity = entity, entity_id, None
        else:
            kind, key = _KINDS.get(type(entity), ""), getattr(entity, "id", None)
        if not kind or not isinstance(key, UUID):
            raise ValidationError("entity", "must be a crmcore entity, or a kind and an id")
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read", entity)
            return uow.history.for_entity(kind, key)
