"""User fields: define them per entity kind, set and read their values, filter by them.

One mechanism serves tasks, clients, contact persons, events and projects:
each service's ``create`` takes ``fields={...}`` and writes them with
:func:`write_fields` in its own unit of work, and ``crm.fields.set`` changes
them later.  Values are checked against the definitions on every write.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Mapping
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import ChangeAction, Client, Employee
from crmcore.domain.collaboration import ENTITY_KINDS
from crmcore.domain.fields import FieldDefinition, FieldType
from crmcore.domain.history import encode_value
from crmcore.errors import NotFound, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.base import Service, build
from crmcore.services.context import Context
from crmcore.services.refs import (
    EntityRef,
    find_by_id,
    find_client,
    find_employee,
    find_entity,
)

__all__ = ["FieldService", "field_conditions", "read_fields", "write_fields"]

#: What ``update`` may change; a field's kind, name and type are fixed once values exist.
_CHANGEABLE = frozenset({"label", "required", "default", "choices", "position"})


def _definitions(uow: UnitOfWork, entity_kind: str) -> dict[str, FieldDefinition]:
    return {
        d.name: d for d in uow.field_definitions.find(entity_kind=entity_kind) if not d.archived
    }


def _resolve(uow: UnitOfWork, definition: FieldDefinition, value: Any) -> Any:
    """Employee and client values may be given as entities or codes; store their ids."""
    if value is None:
        return None
    if isinstance(value, str) and definition.type in (FieldType.EMPLOYEE, FieldType.CLIENT):
        with contextlib.suppress(ValueError):  # an id written out; anything else is a code
            value = UUID(value)
    if definition.type is FieldType.EMPLOYEE and isinstance(value, (Employee, str)):
        return find_employee(uow, value, definition.path).id
    if definition.type is FieldType.CLIENT and isinstance(value, (Client, str)):
        return find_client(uow, value, definition.path).id
    coerced = definition.coerce(value)
    if definition.type is FieldType.EMPLOYEE:
        find_employee(uow, coerced, definition.path)
    if definition.type is FieldType.CLIENT:
        find_client(uow, coerced, definition.path)
    return coerced


def write_fields(
    context: Context,
    uow: UnitOfWork,
    entity_kind: str,
    entity_id: UUID,
    values: Mapping[str, Any] | None,
    *,
    creating: bool,
) -> dict[str, Any]:
    """Check and store user-field values of one entity, recording each change in history.

    On creation, fields not given take their defaults and a required field
    without a value or default is refused.  Returns the entity's values after
    the write.  Raises ValidationError naming ``fields.<name>``.
    """
    if not isinstance(values, Mapping) and values is not None:
        raise ValidationError("fields", "must be a mapping of field names to values")
    given = dict(values or {})
    definitions = _definitions(uow, entity_kind)
    if not definitions and not given:
        return {}  # the common case of a kind without user fields: nothing more to read
    for name in given:
        if name not in definitions:
            raise ValidationError(f"fields.{name}", f"is not a user field of {entity_kind}")
    wanted = {name: _resolve(uow, definitions[name], value) for name, value in given.items()}
    # A new entity has no stored values yet.
    stored = (
        {}
        if creating
        else uow.field_values.for_entities(entity_kind, [entity_id]).get(entity_id, {})
    )
    current = {
        name: definitions[name].value_of(keys)
        for name, keys in stored.items()
        if name in definitions
    }
    if creating:
        for name, definition in definitions.items():
            if name not in wanted and definition.default:
                wanted[name] = definition.default_value()
    after = {**current, **wanted}
    for name, definition in definitions.items():
        if definition.required and after.get(name) is None and (creating or name in wanted):
            raise ValidationError(definition.path, "is required")
    at = context.now()
    changes = []
    for name, value in wanted.items():
        if value == current.get(name):
            continue
        definition = definitions[name]
        uow.field_values.replace(entity_kind, entity_id, name, definition.keys(value))
        if not creating:
            changes.append(
                context.change(
                    entity_kind,
                    entity_id,
                    ChangeAction.UPDATE,
                    at,
                    field=definition.path,
                    old=encode_value(current.get(name)),
                    new=encode_value(value),
                )
            )
    uow.history.add_many(changes)
    return {name: value for name, value in after.items() if value is not None}


def read_fields(
    uow: UnitOfWork, entity_kind: str, entity_ids: Iterable[UUID]
) -> dict[UUID, dict[str, Any]]:
    """The user-field values of several entities (defined, not archived fields only)."""
    definitions = _definitions(uow, entity_kind)
    stored = uow.field_values.for_entities(entity_kind, entity_ids)
    return {
        entity: {
            name: definitions[name].value_of(keys)
            for name, keys in fields.items()
            if name in definitions
        }
        for entity, fields in stored.items()
    }


def field_conditions(
    uow: UnitOfWork, entity_kind: str, filters: Mapping[str, Any] | None
) -> tuple[tuple[str, object], ...]:
    """Registry conditions ``(name, key)`` for user-field filters ``{name: value}``.

    A multi-choice filter value is one choice (the entity's value must include it).
    """
    if not filters:
        return ()
    if not isinstance(filters, Mapping):
        raise ValidationError("fields", "must be a mapping of field names to values")
    definitions = _definitions(uow, entity_kind)
    conditions: list[tuple[str, object]] = []
    for name, value in sorted(filters.items()):
        definition = definitions.get(name)
        if definition is None:
            raise ValidationError(f"fields.{name}", f"is not a user field of {entity_kind}")
        if value is None:
            raise ValidationError(definition.path, "a filter needs a value")
        if definition.type is FieldType.MULTI_CHOICE:
            (key,) = definition.keys((definition.coerce([value])[0],))
        else:
            (key,) = definition.keys(_resolve(uow, definition, value))
        conditions.append((name, key))
    return tuple(conditions)


class FieldService(Service):
    """``crm.fields``: user fields of tasks, clients, contact persons, events and projects."""

    kind = "user_field"

    def define(
        self,
        entity_kind: str,
        name: str,
        *,
        label: str,
        type: FieldType | str,
        required: bool = False,
        default: Any = None,
        choices: Iterable[str] = (),
        position: int | None = None,
    ) -> FieldDefinition:
        """Add a user field to an entity kind.

        Args:
            entity_kind: ``"task"``, ``"client"``, ``"contact"``, ``"event"`` or ``"project"``.
            name: how code refers to it: a letter, then letters, digits or ``_``.
            label: what people see.
            type: text, integer, decimal, date, datetime, bool, choice,
                multi_choice, employee or client.
            required: a new entity must have a value (or the default).
            default: the value a new entity gets when none is given.
            choices: the allowed values of a choice or multi-choice field.
            position: where the field stands among the kind's fields.

        Raises:
            ValidationError: a bad name, type or default; no choices for a choice field.
            DuplicateError: the kind has a field of this name already.

        Example:
            >>> import crmcore
            >>> from datetime import date
            >>> crm = crmcore.open()
            >>> region = crm.fields.define(
            ...     "task", "region", label="Регіон", type="choice", choices=["Київ", "Львів"]
            ... )
            >>> task = crm.tasks.create(
            ...     "Монтаж",
            ...     start=date(2014, 11, 5),
            ...     end=date(2014, 11, 28),
            ...     fields={"region": "Львів"},
            ... )
            >>> crm.fields.values(task)
            {'region': 'Львів'}
        """
        with self._unit_of_work() as uow:
            existing = uow.field_definitions.find(entity_kind=entity_kind)
            definition = build(
                FieldDefinition,
                entity_kind=entity_kind,
                name=name,
                label=label,
                type=type,
                required=required,
                choices=choices,
                position=len(existing) if position is None else position,
            )
            if default is not None:
                definition.default = definition.keys(_resolve(uow, definition, default))
            return self._add(uow, uow.field_definitions, definition)

    def _find(self, uow: UnitOfWork, definition: FieldDefinition | UUID) -> FieldDefinition:
        return find_by_id(uow.field_definitions, definition, "user field", FieldDefinition)

    def get(self, entity_kind: str, name: str) -> FieldDefinition:
        """The definition of one field.  Raises NotFound."""
        with self._unit_of_work(writes=False) as uow:
            found = uow.field_definitions.find(entity_kind=entity_kind, name=name)
            if not found:
                raise NotFound("user field", f"{entity_kind}.{name}")
            self._authorize("read", found[0])
            return found[0]

    def update(self, definition: FieldDefinition | UUID, **changes: Any) -> FieldDefinition:
        """Change a field's label, required flag, default, choices or position."""
        for name in changes:
            if name not in _CHANGEABLE:
                raise ValidationError(name, "cannot be changed; define a new field instead")
        with self._unit_of_work() as uow:
            stored = self._find(uow, definition)
            prepared = dict(changes)
            if "default" in prepared:
                # The default is checked against the field as it will be (new choices).
                default = prepared.pop("default")
                probe = attrs.evolve(stored, **prepared)
                prepared["default"] = (
                    () if default is None else probe.keys(_resolve(uow, probe, default))
                )
            return self._update(uow, uow.field_definitions, stored, definition, prepared)

    def archive(self, definition: FieldDefinition | UUID) -> FieldDefinition:
        """Hide a field: its values stay stored but are no longer read, set or filtered on."""
        with self._unit_of_work() as uow:
            return self._archive(
                uow, uow.field_definitions, self._find(uow, definition), definition
            )

    def restore(self, definition: FieldDefinition | UUID) -> FieldDefinition:
        with self._unit_of_work() as uow:
            return self._restore(
                uow, uow.field_definitions, self._find(uow, definition), definition
            )

    def definitions(
        self, entity_kind: str, *, include_archived: bool = False
    ) -> list[FieldDefinition]:
        """The fields of one entity kind, in their order."""
        if entity_kind not in ENTITY_KINDS:
            raise ValidationError(
                "entity_kind", f"must be one of: {', '.join(sorted(ENTITY_KINDS))}"
            )
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            found = uow.field_definitions.find(entity_kind=entity_kind)
            return [d for d in found if include_archived or not d.archived]

    def set(self, entity: EntityRef, values: Mapping[str, Any]) -> dict[str, Any]:
        """Set user-field values of an entity (None clears one); returns all its values.

        Raises:
            ValidationError: an unknown field, a value of the wrong type, a
                required field cleared; nothing is written.
        """
        with self._unit_of_work() as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("update", found, kind=kind)
            return write_fields(self._context, uow, kind, found.id, values, creating=False)

    def values(self, entity: EntityRef) -> dict[str, Any]:
        """The user-field values of an entity, by field name."""
        with self._unit_of_work(writes=False) as uow:
            kind, found = find_entity(uow, entity)
            self._authorize("read", found, kind=kind)
            return read_fields(uow, kind, [found.id]).get(found.id, {})
