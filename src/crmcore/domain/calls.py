"""Calls: one PBX-neutral model of a telephone call and the events a PBX reports about it.

A PBX plugin turns what its PBX says (Asterisk's AMI events, a cloud PBX's
webhooks) into :class:`CallEvent` values: this leg rings, that one answered,
the call ended busy.  Events arrive in any order and any number of times;
:func:`summarize` folds the distinct events of one call into what the call
was, and gives the same answer whatever the order, so a replayed or late
event changes nothing twice.

Outcomes use one vocabulary (:class:`CallOutcome`) with the SIP response
codes the large PBX APIs report beside it.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import attrs

from crmcore.domain import checks as check
from crmcore.domain.records import Record
from crmcore.errors import ValidationError

__all__ = [
    "Call",
    "CallDirection",
    "CallEvent",
    "CallEventKind",
    "CallLeg",
    "CallOutcome",
    "CallSummary",
    "GatewayCapability",
    "ReceivedCallEvent",
    "summarize",
]


class CallDirection(enum.StrEnum):
    """Who called whom: a caller outside, an employee calling out, or two extensions."""

    INCOMING = "incoming"
    OUTGOING = "outgoing"
    INTERNAL = "internal"


class CallOutcome(enum.StrEnum):
    """How a call (or one leg of it) ended.

    ``sip_code`` is the SIP response that stands for it; :meth:`from_sip`
    reads one.

    Example:
        >>> CallOutcome.from_sip(486), CallOutcome.BUSY.sip_code
        (<CallOutcome.BUSY: 'busy'>, 486)
    """

    ANSWERED = "answered"
    MISSED = "missed"
    BUSY = "busy"
    DECLINED = "declined"
    CANCELLED = "cancelled"
    FAILED = "failed"

    @property
    def sip_code(self) -> int:
        return _SIP_CODES[self]

    @property
    def label(self) -> str:
        """The word the seed system's call events use for it."""
        return _LABELS[self]

    @classmethod
    def from_sip(cls, code: int) -> CallOutcome:
        """The outcome a final SIP response code stands for.

        2xx is answered; 408 and 480 nobody answered; 486 and 600 busy; 603
        and 607 declined; 487 the caller gave up; any other 3xx–6xx failed.

        Raises:
            ValidationError: ``code`` is not a final SIP response (200–699).
        """
        if not isinstance(code, int) or isinstance(code, bool) or not 200 <= code <= 699:
            raise ValidationError("sip_code", f"{code!r} is not a final SIP response code")
        if code < 300:
            return cls.ANSWERED
        return _FROM_SIP.get(code, cls.FAILED)


_SIP_CODES = {
    CallOutcome.ANSWERED: 200,
    CallOutcome.MISSED: 480,
    CallOutcome.BUSY: 486,
    CallOutcome.DECLINED: 603,
    CallOutcome.CANCELLED: 487,
    CallOutcome.FAILED: 500,
}
_FROM_SIP = {
    408: CallOutcome.MISSED,
    480: CallOutcome.MISSED,
    486: CallOutcome.BUSY,
    600: CallOutcome.BUSY,
    603: CallOutcome.DECLINED,
    607: CallOutcome.DECLINED,
    487: CallOutcome.CANCELLED,
}
_LABELS = {
    CallOutcome.ANSWERED: "отвечен",
    CallOutcome.MISSED: "пропущен",
    CallOutcome.BUSY: "занято",
    CallOutcome.DECLINED: "отклонён",
    CallOutcome.CANCELLED: "отменён",
    CallOutcome.FAILED: "не состоялся",
}


class CallEventKind(enum.StrEnum):
    """What a PBX reports about one leg of a call, or about the call as a whole.

    A leg is one channel of the call: the caller's, each extension a hunt
    group rings, the far end of a call out.  ``ended`` without a leg ends the
    whole call; every other kind is about a leg (or the call's only one).
    """

    RINGING = "ringing"
    ANSWERED = "answered"
    TRANSFERRED = "transferred"
    RECORDED = "recorded"
    ENDED = "ended"


class GatewayCapability(enum.StrEnum):
    """What a PBX gateway can be asked to do besides dialling."""

    DIAL = "dial"
    HANG_UP = "hang_up"
    TRANSFER = "transfer"


# Ties of one moment are ordered as a call unfolds, so a summary never
# depends on which of two simultaneous events arrived first.
_KIND_ORDER = {kind: index for index, kind in enumerate(CallEventKind)}
_EXTENSION = re.compile(r"\d{1,15}")
_PHONE_TEXT = 64


def _to_direction(value: object) -> object:
    return check.to_enum(CallDirection, value)


def _to_kind(value: object) -> object:
    return check.to_enum(CallEventKind, value)


def _to_outcome(value: object) -> object:
    return None if value is None else check.to_enum(CallOutcome, value)


def _optional_outcome(instance: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        check.member_of(CallOutcome)(instance, attribute, value)


def _extension(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and (not isinstance(value, str) or not _EXTENSION.fullmatch(value)):
        raise ValidationError(attribute.name, f"{value!r} is not a PBX extension (1-15 digits)")


def _sip_code(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or not 100 <= value <= 699:
        raise ValidationError(attribute.name, f"{value!r} is not a SIP response code (100-699)")


def _seconds(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise ValidationError(attribute.name, f"must be a whole number of seconds, not {value!r}")


def _source(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str) or not re.fullmatch(r"[a-z][a-z0-9_.-]{0,31}", value):
        raise ValidationError(
            attribute.name,
            f"{value!r} is not a PBX name (lowercase letters, digits, _ . -; at most 32)",
        )


def _optional_strip(value: object) -> object:
    if isinstance(value, str):
        stripped = value.strip()
        return stripped or None
    return value


@attrs.frozen(kw_only=True)
class CallEvent:
    """One thing a PBX reports about a call, as a PBX plugin hands it to crmcore.

    Attributes:
        source: which PBX reports it (``"asterisk"``, ``"twilio"``); the PBX's
            call ids are unique per source.
        call_id: the PBX's own id of the call (Asterisk's Linkedid, a cloud
            PBX's call id): every event of one call carries the same one.
        kind: what happened (:class:`CallEventKind`).
        at: when it happened (tz-aware).
        direction: incoming, outgoing or internal.
        caller: the calling number as the PBX presents it; empty when the
            number is withheld.
        callee: the number dialled, as dialled.
        extension: the internal extension this leg is about: the one that
            rings or answers an incoming call, the one that calls out.
        leg: the PBX's id of the leg (an Asterisk channel's Uniqueid); a PBX
            without leg ids may leave it empty, the extension then stands
            for the leg.
        outcome: how the leg or call ended (``ended`` only).
        sip_code: the SIP response the PBX reports with the end.
        talk_seconds: the seconds talked, when the PBX counts them.
        recording: where the PBX keeps a recording of the call.
        call_ref: the reference crmcore gave a call it dialled, so the
            events of that call find it.
        event_id: the PBX's id of this event, if it has one; otherwise the
            event's content identifies it (see :attr:`key`).

    Raises:
        ValidationError: a field is invalid; ``field`` names it.
    """

    source: str = attrs.field(validator=_source)
    call_id: str = attrs.field(converter=check.strip, validator=check.text(max_length=200))
    kind: CallEventKind = attrs.field(converter=_to_kind, validator=check.member_of(CallEventKind))
    at: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    direction: CallDirection = attrs.field(
        converter=_to_direction, validator=check.member_of(CallDirection)
    )
    caller: str = attrs.field(
        default="", converter=check.strip, validator=check.text(required=False, max_length=64)
    )
    callee: str = attrs.field(
        default="", converter=check.strip, validator=check.text(required=False, max_length=64)
    )
    extension: str | None = attrs.field(
        default=None, converter=_optional_strip, validator=_extension
    )
    leg: str | None = attrs.field(
        default=None,
        converter=_optional_strip,
        validator=check.text(optional=True, max_length=200),
    )
    outcome: CallOutcome | None = attrs.field(
        default=None, converter=_to_outcome, validator=_optional_outcome
    )
    sip_code: int | None = attrs.field(default=None, validator=_sip_code)
    talk_seconds: int | None = attrs.field(default=None, validator=_seconds)
    recording: str | None = attrs.field(
        default=None,
        converter=_optional_strip,
        validator=check.text(optional=True, max_length=500),
    )
    call_ref: str | None = attrs.field(
        default=None, converter=_optional_strip, validator=check.text(optional=True, max_length=64)
    )
    event_id: str | None = attrs.field(
        default=None,
        converter=_optional_strip,
        validator=check.text(optional=True, max_length=200),
    )

    def __attrs_post_init__(self) -> None:
        if self.outcome is not None and self.kind is not CallEventKind.ENDED:
            raise ValidationError("outcome", "is given only with an 'ended' event")

    @property
    def leg_key(self) -> str | None:
        """The leg this event is about: its id, or ``ext:<extension>``; None for the call."""
        if self.leg is not None:
            return self.leg
        if self.extension is not None and self.kind is not CallEventKind.ENDED:
            return f"ext:{self.extension}"
        return None

    @property
    def key(self) -> str:
        """What tells this event from the call's others: the PBX's event id, or a
        digest of its content, so the same report delivered twice has one key."""
        if self.event_id is not None:
            return f"id:{self.event_id}"
        content = "\x1f".join(
            str(part)
            for part in (
                self.kind.value,
                self.leg or "",
                self.extension or "",
                self.at.isoformat(),
                self.outcome or "",
                self.sip_code or "",
                self.talk_seconds if self.talk_seconds is not None else "",
                self.recording or "",
                self.caller,
                self.callee,
            )
        )
        return f"{self.kind.value}:{hashlib.sha256(content.encode()).hexdigest()[:40]}"


@attrs.frozen(kw_only=True)
class CallLeg:
    """One leg of a call: a channel that rang, was answered, or was transferred."""

    leg: str
    extension: str | None = None
    employee_id: UUID | None = None
    rang_at: datetime | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    outcome: CallOutcome | None = None
    transferred_to: str | None = None


@attrs.frozen(kw_only=True)
class CallSummary:
    """What the distinct events of one call say it was (see :func:`summarize`)."""

    direction: CallDirection
    caller: str
    callee: str
    call_ref: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    legs: tuple[CallLeg, ...]
    #: The extension that answered first, else the one that rang (or, for a
    #: call out, called) first: whose call it is.
    extension: str | None
    outcome: CallOutcome | None
    sip_code: int | None
    ring_seconds: int | None
    talk_seconds: int | None
    recording: str | None

    @property
    def ended(self) -> bool:
        return self.ended_at is not None


def _seconds_between(start: datetime, end: datetime) -> int:
    return max(0, round((end - start).total_seconds()))


def _first(values: Iterable[Any]) -> Any:
    return next((value for value in values if value not in (None, "")), None)


def summarize(events: Iterable[CallEvent]) -> CallSummary:
    """Fold the events of one call into what the call was.

    The answer does not depend on the order of ``events``, and an event
    given twice (the same :attr:`CallEvent.key`) counts once:

    - direction, numbers and call reference: from the earliest event that has them;
    - started: the earliest event; answered: the earliest ``answered``;
      ended: the latest call-level ``ended`` (until one arrives the call is
      in progress, whatever its legs did);
    - outcome: what the latest call-level ``ended`` says; when it says
      nothing, answered if any leg answered, else missed;
    - talk seconds: as the PBX counted them, else from answer to end; ring
      seconds: from the start to the answer (or to the end);
    - recording: the latest one reported.

    Raises:
        ValidationError: no events.

    Example:
        >>> from datetime import UTC, datetime
        >>> at = datetime(2014, 11, 5, 9, 30, tzinfo=UTC)
        >>> ring = CallEvent(
        ...     source="asterisk",
        ...     call_id="1415179800.1",
        ...     kind="ringing",
        ...     at=at,
        ...     direction="incoming",
        ...     caller="0442067222",
        ...     extension="202",
        ... )
        >>> end = attrs.evolve(ring, kind="ended", extension=None, at=at + timedelta(seconds=20))
        >>> call = summarize([end, ring, ring])
        >>> call.outcome, call.ring_seconds, call.extension
        (<CallOutcome.MISSED: 'missed'>, 20, '202')
    """
    distinct = {event.key: event for event in events}
    if not distinct:
        raise ValidationError("events", "a call needs at least one event")
    ordered = sorted(distinct.values(), key=lambda e: (e.at, _KIND_ORDER[e.kind], e.key))
    legs = _legs(ordered)
    answers = [e for e in ordered if e.kind is CallEventKind.ANSWERED]
    endings = [e for e in ordered if e.kind is CallEventKind.ENDED and e.leg is None]
    final = endings[-1] if endings else None
    answered_at = answers[0].at if answers else None
    ended_at = None if final is None else final.at
    outcome = sip_code = None
    if final is not None:
        outcome = final.outcome
        if outcome is None and final.sip_code is not None and final.sip_code >= 200:
            outcome = CallOutcome.from_sip(final.sip_code)
        if outcome is None:
            outcome = CallOutcome.ANSWERED if answers else CallOutcome.MISSED
        sip_code = final.sip_code or outcome.sip_code
    talk = _first(e.talk_seconds for e in reversed(endings))
    if talk is None and answered_at is not None and ended_at is not None:
        talk = _seconds_between(answered_at, ended_at)
    started_at = ordered[0].at
    ring_end = answered_at or ended_at
    extension = _first(e.extension for e in answers) or _first(
        e.extension for e in ordered if e.kind is not CallEventKind.ENDED
    )
    return CallSummary(
        direction=ordered[0].direction,
        caller=_first(e.caller for e in ordered) or "",
        callee=_first(e.callee for e in ordered) or "",
        call_ref=_first(e.call_ref for e in ordered),
        started_at=started_at,
        answered_at=answered_at,
        ended_at=ended_at,
        legs=legs,
        extension=extension,
        outcome=outcome,
        sip_code=sip_code,
        ring_seconds=None if ring_end is None else _seconds_between(started_at, ring_end),
        talk_seconds=talk,
        recording=_first(e.recording for e in reversed(ordered)),
    )


def _legs(ordered: Sequence[CallEvent]) -> tuple[CallLeg, ...]:
    """One :class:`CallLeg` per leg the events name, in the order the legs appeared."""
    grouped: dict[str, list[CallEvent]] = {}
    for event in ordered:
        key = event.leg_key
        if key is not None:
            grouped.setdefault(key, []).append(event)
    legs = []
    for key, events in grouped.items():
        rang = [e.at for e in events if e.kind is CallEventKind.RINGING]
        answered = [e.at for e in events if e.kind is CallEventKind.ANSWERED]
        endings = [e for e in events if e.kind is CallEventKind.ENDED]
        outcome = CallOutcome.ANSWERED if answered else _first(e.outcome for e in endings[::-1])
        legs.append(
            CallLeg(
                leg=key,
                extension=_first(e.extension for e in events),
                rang_at=rang[0] if rang else None,
                answered_at=answered[0] if answered else None,
                ended_at=endings[-1].at if endings else None,
                outcome=outcome,
                transferred_to=_first(
                    e.callee for e in events[::-1] if e.kind is CallEventKind.TRANSFERRED
                ),
            )
        )
    return tuple(legs)


@attrs.define(kw_only=True)
class Call(Record):
    """A telephone call: who called whom, who took it, how long, how it ended.

    Keyed by the PBX's own id (``source`` and ``pbx_id``, the ``call_id`` of
    its events); a call crmcore dialled has its ``call_ref`` from the start,
    and its PBX id once the PBX names it.  Numbers
    are kept as dialled and normalised (E.164 and extension).  ``outcome``
    is None while the call is in progress; ``event_id`` is the event the
    call is logged as on the client's timeline once it ended.
    """

    source: str = attrs.field(validator=_source)
    pbx_id: str | None = attrs.field(validator=check.text(optional=True, max_length=200))
    direction: CallDirection = attrs.field(
        converter=_to_direction, validator=check.member_of(CallDirection)
    )
    started_at: datetime = attrs.field(converter=check.to_utc, validator=check.aware_datetime())
    call_ref: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=64)
    )
    caller_number: str = attrs.field(
        default="", validator=check.text(required=False, max_length=64)
    )
    caller_e164: str | None = None
    caller_extension: str | None = None
    callee_number: str = attrs.field(
        default="", validator=check.text(required=False, max_length=64)
    )
    callee_e164: str | None = None
    callee_extension: str | None = None
    extension: str | None = attrs.field(default=None, validator=_extension)
    employee_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    client_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    contact_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))
    answered_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    ended_at: datetime | None = attrs.field(
        default=None, converter=check.to_utc, validator=check.aware_datetime(optional=True)
    )
    ring_seconds: int | None = attrs.field(default=None, validator=_seconds)
    talk_seconds: int | None = attrs.field(default=None, validator=_seconds)
    outcome: CallOutcome | None = attrs.field(
        default=None, converter=_to_outcome, validator=_optional_outcome
    )
    sip_code: int | None = attrs.field(default=None, validator=_sip_code)
    recording: str | None = attrs.field(
        default=None, validator=check.text(optional=True, max_length=500)
    )
    legs: tuple[CallLeg, ...] = attrs.field(
        default=(), converter=check.as_tuple, validator=check.tuple_of(CallLeg)
    )
    event_id: UUID | None = attrs.field(default=None, validator=check.uuid(optional=True))

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

    @property
    def talk_time(self) -> timedelta | None:
        return None if self.talk_seconds is None else timedelta(seconds=self.talk_seconds)


@attrs.define(kw_only=True)
class ReceivedCallEvent(Record):
    """A :class:`CallEvent` as stored with its call (``call_id`` is the call's storage id).

    Every distinct event received is kept, so a call is always the
    :func:`summarize` of all it was told, whatever the order it was told in.
    """

    call_id: UUID = attrs.field(validator=check.uuid())
    key: str = attrs.field(validator=check.text(max_length=200))
    event: CallEvent = attrs.field(validator=check.of_type(CallEvent))
