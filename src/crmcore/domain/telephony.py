"""How a CRM treats calls (its telephony settings), and the callback a missed call asks for."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import attrs

from crmcore.domain import checks as check
from crmcore.errors import ValidationError

__all__ = ["Callback", "TelephonySettings"]


@attrs.frozen(kw_only=True)
class Callback:
    """The callback a missed call asks for: a task ``title`` of ``type_code``, due by ``due``."""

    due: datetime
    type_code: str
    title: str


def _positive_duration(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, timedelta) or value <= timedelta(0):
        raise ValidationError(attribute.name, f"must be a positive timedelta, not {value!r}")


def _small_count(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100:
        raise ValidationError(attribute.name, f"must be an integer from 0 to 100, not {value!r}")


@attrs.frozen(kw_only=True)
class TelephonySettings:
    """How a CRM treats calls; give one as ``crmcore.open(telephony=...)``.

    Attributes:
        prospects: an incoming call from a valid number nobody has makes a
            prospect of the caller (code ``<prospect_code_prefix><E.164>``),
            so the screen pop and the call's event have a client.
        prospect_code_prefix: put before the caller's E.164 number in the
            new prospect's code.
        callback_within: how long the callback task of a missed call gives
            its employee.
        incoming_type, outgoing_type, missed_type: the event types calls
            are logged as (answered incoming, any outgoing, unanswered
            incoming).
        last_contacts: how many of the client's latest events a screen pop shows.
        open_tasks: how many of the client's open tasks a screen pop shows.

    Raises:
        ValidationError: a setting is invalid; ``field`` names it.
    """

    prospects: bool = attrs.field(default=False, validator=check.of_type(bool))
    prospect_code_prefix: str = attrs.field(
        default="tel", validator=check.text(required=False, max_length=16)
    )
    callback_within: timedelta = attrs.field(
        default=timedelta(hours=4), validator=_positive_duration
    )
    incoming_type: str = attrs.field(default="ВхЗ", validator=check.text(max_length=32))
    outgoing_type: str = attrs.field(default="ИсхЗ", validator=check.text(max_length=32))
    missed_type: str = attrs.field(default="ПрЗ", validator=check.text(max_length=32))
    last_contacts: int = attrs.field(default=5, validator=_small_count)
    open_tasks: int = attrs.field(default=10, validator=_small_count)
