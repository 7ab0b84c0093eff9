"""Employees: the people who work with clients and make calls through crmcore."""

from __future__ import annotations

import attrs

from crmcore.domain import checks as check
from crmcore.domain.phones import Phone
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = ["Employee"]


def _extension(value: object) -> object:
    return value.strip() if isinstance(value, str) else value


@attrs.define(kw_only=True)
class Employee(Record):
    """An employee with a business code, contact data and an IANA time zone.

    "Today", overdue and reminders are judged in ``time_zone``.
    """

    code: str = attrs.field(converter=check.strip, validator=check.text(max_length=64))
    name: str = attrs.field(converter=check.strip, validator=check.text(max_length=300))
    email: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.email(optional=True)
    )
    phone: Phone | None = attrs.field(default=None, validator=check.of_type(Phone, optional=True))
    extension: str | None = attrs.field(
        default=None, converter=_extension, validator=check.text(optional=True, max_length=6)
    )
    department: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=200)
    )
    position: str | None = attrs.field(
        default=None, converter=check.strip, validator=check.text(optional=True, max_length=200)
    )
    time_zone: str = attrs.field(default="Europe/Kyiv", validator=check.time_zone)
    archived: bool = attrs.field(default=False, validator=check.of_type(bool))
    external_id: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=200)
    )

    @extension.validator
    def _digits(self, attribute: attrs.Attribute[str | None], value: str | None) -> None:
        if value is not None and not value.isdigit():
            raise ValidationError(attribute.name, f"{value!r} is not a PBX extension (digits only)")
