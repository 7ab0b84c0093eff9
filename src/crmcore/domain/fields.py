"""User fields: fields a company defines for tasks, clients, contacts, events and projects.

A :class:`FieldDefinition` says what a field holds; values are checked and
brought to one canonical form by :meth:`FieldDefinition.coerce`, and stored
as text keys (:meth:`FieldDefinition.keys`), one per chosen item for
multi-choice fields, so the registry filters on them with bound parameters:
a field's name is data, never part of a statement.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.collaboration import ENTITY_KINDS
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["FieldDefinition", "FieldType", "FieldValue"]


class FieldType(enum.StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"
    CHOICE = "choice"
    MULTI_CHOICE = "multi_choice"
    EMPLOYEE = "employee"  # the value is an employee's id
    CLIENT = "client"  # the value is a client's id


def _entity_kind(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if value not in ENTITY_KINDS:
        allowed = ", ".join(sorted(ENTITY_KINDS))
        raise ValidationError(attribute.name, f"{value!r} is not one of: {allowed}")


def _to_fieldtype(value: object) -> object:
    return check.to_enum(FieldType, value)


@attrs.define(kw_only=True)
class FieldDefinition(Record):
    """One user field of one entity kind.

    ``default`` is kept as the field's storage keys (see :meth:`keys`); read it
    with :meth:`default_value`.
    """

    entity_kind: str = attrs.field(validator=_entity_kind)
    name: str = attrs.field(validator=check.identifier)
    label: str = attrs.field(converter=check.strip, validator=check.text(max_length=200))
    type: FieldType = attrs.field(converter=_to_fieldtype, validator=check.member_of(FieldType))
    required: bool = attrs.field(default=False, validator=check.of_type(bool))
    choices: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tags
    )
    default: tuple[str, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(str)
    )
    position: int = attrs.field(default=0, validator=check.of_type(int))
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))

    def __attrs_post_init__(self) -> None:
        chooses = self.type in (FieldType.CHOICE, FieldType.MULTI_CHOICE)
        if chooses and not self.choices:
            raise ValidationError("choices", f"a {self.type.value} field needs choices")
        if not chooses and self.choices:
            raise ValidationError("choices", f"a {self.type.value} field has no choices")
        if len(set(self.choices)) != len(self.choices):
            raise ValidationError("choices", "must not repeat a choice")

    @property
    def path(self) -> str:
        """How errors name this field: ``fields.<name>``."""
        return f"fields.{self.name}"

    def coerce(self, value: Any) -> Any:
        """The value in canonical form, or ValidationError naming ``fields.<name>``.

        Canonical forms: text ``str``, integer ``int``, decimal ``Decimal``,
        date ``date``, datetime aware ``datetime`` in UTC, bool ``bool``, choice
        ``str``, multi-choice ``tuple[str, ...]`` in the order of ``choices``,
        employee and client ``UUID``.  None (or no choice at all) clears the field.
        """
        if value is None:
            return None
        try:
            coerced = _COERCE[self.type](self, value)
        except ValidationError:
            raise
        except (TypeError, ValueError, InvalidOperation, ArithmeticError):
            raise ValidationError(self.path, self._wrong(value)) from None
        # No choice at all is no value: a required field refuses it.
        return None if coerced == () else coerced

    def _wrong(self, value: Any) -> str:
        name = self.type.value.replace("_", "-")
        return f"{value!r} is not {'an' if name[0] in 'aeiou' else 'a'} {name} value"

    def keys(self, value: Any) -> tuple[str, ...]:
        """The stored text keys of a canonical value (one per item of a multi-choice)."""
        if value is None:
            return ()
        if self.type is FieldType.MULTI_CHOICE:
            return tuple(value)
        if self.type is FieldType.BOOL:
            return ("true" if value else "false",)
        if isinstance(value, (date, datetime)):
            return (value.isoformat(),)
        if isinstance(value, UUID):
            return (str(value),)
        return (str(value),)

    def value_of(self, keys: Sequence[str]) -> Any:
        """The canonical value stored as ``keys`` (None when there are none)."""
        if not keys:
            return None
        if self.type is FieldType.MULTI_CHOICE:
            return tuple(c for c in self.choices if c in keys) + tuple(
                k for k in keys if k not in self.choices
            )
        key = keys[0]
        match self.type:
            case FieldType.INTEGER:
                return int(key)
            case FieldType.DECIMAL:
                return Decimal(key)
            case FieldType.DATE:
                return date.fromisoformat(key)
            case FieldType.DATETIME:
                return datetime.fromisoformat(key)
            case FieldType.BOOL:
                return key == "true"
            case FieldType.EMPLOYEE | FieldType.CLIENT:
                return UUID(key)
            case _:
                return key

    def default_value(self) -> Any:
        return self.value_of(self.default)


def _text(field: FieldDefinition, value: Any) -> str:
    if not isinstance(value, str):
        raise ValidationError(field.path, f"must be text, not {type(value).__name__}")
    if len(value) > 10_000:
        raise ValidationError(field.path, "is longer than 10000 characters")
    return value


def _integer(field: FieldDefinition, value: Any) -> int:
    if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(field.path, field._wrong(value))
    if abs(value) >= 2**63:
        raise ValidationError(field.path, "is too large")
    return value


def _decimal(field: FieldDefinition, value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValidationError(field.path, field._wrong(value))
    number = Decimal(str(value)) if not isinstance(value, Decimal) else value
    if not number.is_finite():
        raise ValidationError(field.path, "must be a finite number")
    if number == 0:
        return Decimal(0)
    normal = number.normalize()
    # 1300 normalises to 1.3E+3; keep whole numbers written out.
    exponent = normal.as_tuple().exponent
    return normal.quantize(Decimal(1)) if isinstance(exponent, int) and exponent > 0 else normal


def _date(field: FieldDefinition, value: Any) -> date:
    if isinstance(value, datetime):
        raise ValidationError(field.path, "must be a date without a time")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value)
    raise ValidationError(field.path, field._wrong(value))


def _datetime(field: FieldDefinition, value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise ValidationError(field.path, field._wrong(value))
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationError(field.path, "must be timezone-aware (got a naive datetime)")
    return value.astimezone(UTC)


def _bool(field: FieldDefinition, value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(field.path, field._wrong(value))
    return value


def _choice(field: FieldDefinition, value: Any) -> str:
    if value not in field.choices:
        raise ValidationError(field.path, f"{value!r} is not one of: {', '.join(field.choices)}")
    return str(value)


def _multi_choice(field: FieldDefinition, value: Any) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple, set, frozenset)):
        raise ValidationError(field.path, "must be a list of choices")
    chosen = {_choice(field, item) for item in value}
    return tuple(c for c in field.choices if c in chosen)


def _reference(field: FieldDefinition, value: Any) -> UUID:
    # The service turns entities and codes into ids before this runs.
    if isinstance(value, str):
        return UUID(value)
    if not isinstance(value, UUID):
        raise ValidationError(field.path, f"must be a {field.type.value}, not {value!r}")
    return value


_COERCE = {
    FieldType.TEXT: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.DATE: _date,
    FieldType.DATETIME: _datetime,
    FieldType.BOOL: _bool,
    FieldType.CHOICE: _choice,
    FieldType.MULTI_CHOICE: _multi_choice,
    FieldType.EMPLOYEE: _reference,
    FieldType.CLIENT: _reference,
}


@attrs.frozen(kw_only=True)
class FieldValue:
    """One stored key of one user field of one entity (several for a multi-choice)."""

    entity_kind: str
    entity_id: UUID
    name: str
    key: str
