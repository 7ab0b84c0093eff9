"""What a delivery's body says: crmcore's JSON call event, or a Twilio status callback.

crmcore's JSON shape, one call event per delivery (``POST`` with
``Content-Type: application/json``)::

    {
        "id": "evt-1",  # the sender's id of this event (optional)
        "call_id": "c-42",  # the PBX's id of the call (required)
        "kind": "ringing",  # ringing | answered | transferred | recorded | ended
        "at": "2026-03-02T09:30:00Z",  # ISO 8601 with a zone (required)
        "direction": "incoming",  # incoming | outgoing | internal (required)
        "from": "+380442067222",
        "to": "+380445551000",
        "extension": "202",
        "leg": "c-42-1",
        "outcome": "missed",  # "ended" only: answered missed busy declined cancelled failed
        "sip_code": 480,
        "talk_seconds": 0,
        "recording": "https://pbx.example.com/rec/c-42.mp3",
        "call_ref": "...",
    }  # crmcore's reference of a call it dialled

Twilio's status callbacks (https://www.twilio.com/docs/voice/api/call-resource,
"StatusCallback"): form parameters ``CallSid``, ``CallStatus``
(``queued``, ``initiated``, ``ringing``, ``in-progress``, ``completed``,
``busy``, ``no-answer``, ``canceled``, ``failed``), ``Direction``
(``inbound``, ``outbound-api``, ``outbound-dial``), ``From``, ``To``,
``Timestamp`` (RFC 2822), ``SequenceNumber``, and at the end
``CallDuration``, ``SipResponseCode``, ``RecordingUrl``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

from crmcore.domain.calls import CallEvent, CallEventKind, CallOutcome
from crmcore.errors import ValidationError

__all__ = ["from_json", "from_twilio"]

_FIELDS = {
    "id": "event_id",
    "call_id": "call_id",
    "kind": "kind",
    "at": "at",
    "direction": "direction",
    "from": "caller",
    "to": "callee",
    "extension": "extension",
    "leg": "leg",
    "outcome": "outcome",
    "sip_code": "sip_code",
    "talk_seconds": "talk_seconds",
    "recording": "recording",
    "call_ref": "call_ref",
}
_REQUIRED = ("call_id", "kind", "at", "direction")


def from_json(body: bytes, *, source: str) -> CallEvent:
    """The call event of one delivery of crmcore's JSON shape.

    Raises:
        ValidationError: not JSON, not an object, an unknown or missing
            field, or a bad value; ``field`` names it.

    Example:
        >>> event = from_json(
        ...     b'{"call_id": "c-1", "kind": "ended", "at": "2026-03-02T09:30:00Z",'
        ...     b' "direction": "incoming", "from": "+380442067222", "outcome": "busy"}',
        ...     source="cloudpbx",
        ... )
        >>> event.outcome, event.caller
        (<CallOutcome.BUSY: 'busy'>, '+380442067222')
    """
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ValidationError("body", f"is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "must be a JSON object")
    unknown = sorted(set(data) - set(_FIELDS))
    if unknown:
        raise ValidationError(unknown[0], "is not a field of a call event")
    for name in _REQUIRED:
        if data.get(name) in (None, ""):
            raise ValidationError(name, "is required")
    values: dict[str, Any] = {_FIELDS[k]: v for k, v in data.items() if v is not None}
    for name in ("call_id", "kind", "direction", "at"):
        if not isinstance(data[name], str):
            raise ValidationError(name, "must be a string")
    values["at"] = _iso(data["at"])
    return CallEvent(source=source, **values)


def _iso(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError("at", f"{text!r} is not an ISO 8601 time") from None
    if at.tzinfo is None:
        raise ValidationError("at", "needs a time zone (Z or +hh:mm)")
    return at


_TWILIO_KINDS = {
    "ringing": CallEventKind.RINGING,
    "in-progress": CallEventKind.ANSWERED,
}
_TWILIO_ENDINGS = {
    "completed": None,
    "busy": CallOutcome.BUSY,
    "no-answer": CallOutcome.MISSED,
    "canceled": CallOutcome.CANCELLED,
    "failed": CallOutcome.FAILED,
}
_TWILIO_DIRECTIONS = {
    "inbound": "incoming",
    "outbound-api": "outgoing",
    "outbound-dial": "outgoing",
}


def from_twilio(
    params: Mapping[str, str], *, extension: str | None = None, now: datetime
) -> CallEvent | None:
    """The call event of a Twilio status callback, or None for a status that says nothing new.

    ``queued`` and ``initiated`` are None: a call's events begin when it rings.
    ``extension`` is the employee's line the number Twilio called belongs
    to, when the host knows it (Twilio has no extensions).  ``now`` stands
    in for a missing ``Timestamp``.

    Raises:
        ValidationError: ``CallSid``, ``CallStatus`` or ``Direction`` missing
            or unknown, or an unreadable number; ``field`` names it.
    """
    sid = params.get("CallSid", "")
    if not sid:
        raise ValidationError("CallSid", "is required")
    status = params.get("CallStatus", "")
    if not status:
        raise ValidationError("CallStatus", "is required")
    if status in ("queued", "initiated"):
        return None
    direction = _TWILIO_DIRECTIONS.get(params.get("Direction", ""))
    if direction is None:
        raise ValidationError("Direction", f"{params.get('Direction')!r} is not a Twilio direction")
    at = now.astimezone(UTC)
    if params.get("Timestamp"):
        try:
            at = parsedate_to_datetime(params["Timestamp"])
        except (TypeError, ValueError):
            raise ValidationError(
                "Timestamp", f"{params['Timestamp']!r} is not an RFC 2822 date"
            ) from None
    values: dict[str, Any] = {}
    if status in _TWILIO_KINDS:
        kind = _TWILIO_KINDS[status]
        values["extension"] = extension
    elif status in _TWILIO_ENDINGS:
        kind = CallEventKind.ENDED
        talk = _whole(params, "CallDuration")
        answered = status == "completed" and bool(talk)
        values["outcome"] = CallOutcome.ANSWERED if answered else _TWILIO_ENDINGS[status]
        values["talk_seconds"] = talk
        values["sip_code"] = _whole(params, "SipResponseCode")
        values["recording"] = params.get("RecordingUrl") or None
    else:
        raise ValidationError("CallStatus", f"{status!r} is not a Twilio call status")
    sequence = params.get("SequenceNumber")
    parent = params.get("ParentCallSid") or None
    # A child call (a <Dial> leg) is a leg of its parent; the parent's end ends the call.
    leg = sid if parent is not None or kind is not CallEventKind.ENDED else None
    return CallEvent(
        source="twilio",
        call_id=parent or sid,
        kind=kind,
        at=at,
        direction=direction,
        caller=params.get("From", ""),
        callee=params.get("To", ""),
        leg=leg,
        call_ref=params.get("call_ref") or None,
        event_id=None if sequence is None else f"{sid}:{sequence}",
        **values,
    )


def _whole(params: Mapping[str, str], name: str) -> int | None:
    text = params.get(name)
    if not text:
        return None
    if not text.isdigit():
        raise ValidationError(name, f"{text!r} is not a whole number")
    return int(text)
