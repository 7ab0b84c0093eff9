"""Event types: the system ones, plus those users and plugins add."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from crmcore.domain import Direction, EventCategory, EventType
from crmcore.errors import PermissionDenied, ValidationError
from crmcore.services.base import Service, build
from crmcore.services.refs import EventTypeRef, find_event_type

__all__ = ["EventTypeService"]


class EventTypeService(Service):
    """``crm.event_types``: list the types, add user-defined ones, rename, archive."""

    kind = "event_type"

    def _prepare(self, fields: dict[str, Any]) -> dict[str, Any]:
        if "system" in fields:
            raise ValidationError("system", "only crmcore defines system event types")
        return fields

    def create(
        self,
        *,
        code: str,
        name: str,
        category: EventCategory | str = EventCategory.OTHER,
        direction: Direction | str = Direction.NONE,
    ) -> EventType:
        """Add a user-defined event type.

        Example:
            >>> import crmcore
            >>> crm = crmcore.open()
            >>> crm.event_types.create(
            ...     code="Выезд", name="Выезд к клиенту", category="meeting"
            ... ).system
            False
        """
        with self._unit_of_work() as uow:
            event_type = build(
                EventType,
                code=code,
                name=name,
                **self._prepare({"category": category, "direction": direction}),
            )
            return self._add(uow, uow.event_types, event_type)

    def get(self, code: EventTypeRef) -> EventType:
        with self._unit_of_work(writes=False) as uow:
            found = find_event_type(uow, code)
            self._authorize("read", found)
            return found

    def update(self, code: EventTypeRef, **changes: Any) -> EventType:
        """Rename or recategorise a user-defined type (system types are fixed)."""
        with self._unit_of_work() as uow:
            stored = self._changeable(find_event_type(uow, code))
            if "code" in changes:
                raise ValidationError("code", "cannot be changed: events refer to it")
            return self._update(uow, uow.event_types, stored, code, self._prepare(changes))

    def archive(self, code: EventTypeRef) -> EventType:
        """Stop offering a user-defined type for new events; old events keep it."""
        with self._unit_of_work() as uow:
            stored = self._changeable(find_event_type(uow, code))
            return self._archive(uow, uow.event_types, stored, code)

    def restore(self, code: EventTypeRef) -> EventType:
        with self._unit_of_work() as uow:
            return self._restore(uow, uow.event_types, find_event_type(uow, code), code)

    def list(self, *, include_archived: bool = False) -> list[EventType]:
        """All event types by code."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            return uow.event_types.list(include_archived=include_archived)

    def _changeable(self, event_type: EventType) -> EventType:
        if event_type.system:
            raise PermissionDenied(f"event type {event_type.code!r} is a system type and is fixed")
        return event_type

    def ensure_registered(self, registered: Sequence[EventType]) -> None:
        """Store the types plugins registered that the database does not have yet."""
        with self._unit_of_work() as uow:
            stored = {t.code for t in uow.event_types.list(include_archived=True)}
            for event_type in registered:
                if event_type.code not in stored:
                    self._add(uow, uow.event_types, event_type)
