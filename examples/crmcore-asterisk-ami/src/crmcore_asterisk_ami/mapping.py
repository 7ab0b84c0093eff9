"""From Asterisk's events (12 and later) to crmcore's call events, grouped by Linkedid.

Asterisk reports each channel of a call: ``Newchannel`` when it is made,
``DialBegin`` / ``DialState`` / ``DialEnd`` while one channel dials
another, ``BridgeEnter`` / ``BridgeLeave`` when channels talk,
``BlindTransfer`` / ``AttendedTransfer`` when a call is moved, ``Hangup``
when a channel goes.  Every channel of one call carries the ``Linkedid`` of
the channel that began it: that is the call's id here.  With
``timestampevents = yes`` in ``manager.conf`` each event carries its
``Timestamp``; without it the moment the event is read stands in (and a
replay of the same event could not be told from a new one).

:class:`CallTracker` keeps what it needs of each live call (its first
channel, the extensions' channels) and turns each AMI event into zero or
more :class:`crmcore.domain.calls.CallEvent` values.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

import attrs

from crmcore.domain.calls import CallDirection, CallEvent, CallEventKind, CallOutcome

__all__ = ["DIAL_STATUS_OUTCOMES", "HANGUP_CAUSE_OUTCOMES", "CallTracker"]

log = logging.getLogger("crmcore_asterisk_ami")

#: What a ``DialEnd``'s DialStatus says of the dialled leg.
DIAL_STATUS_OUTCOMES = {
    "BUSY": CallOutcome.BUSY,
    "NOANSWER": CallOutcome.MISSED,
    "CANCEL": CallOutcome.CANCELLED,
    "CONGESTION": CallOutcome.FAILED,
    "CHANUNAVAIL": CallOutcome.FAILED,
}

#: Q.850 causes of a ``Hangup`` that say why an unanswered call ended.
HANGUP_CAUSE_OUTCOMES = {
    17: CallOutcome.BUSY,
    18: CallOutcome.MISSED,
    19: CallOutcome.MISSED,
    21: CallOutcome.DECLINED,
    1: CallOutcome.FAILED,
    34: CallOutcome.FAILED,
    38: CallOutcome.FAILED,
}

#: OriginateResponse's Reason (Asterisk's control frame) when the originate failed.
ORIGINATE_REASON_OUTCOMES = {
    1: CallOutcome.FAILED,
    3: CallOutcome.MISSED,
    5: CallOutcome.BUSY,
    8: CallOutcome.FAILED,
}

_CHANNEL = re.compile(r"^[A-Za-z0-9]+/(?P<resource>[^-;@]+)")


@attrs.define
class _Channel:
    uniqueid: str
    linkedid: str
    name: str
    number: str
    exten: str


@attrs.define
class _Call:
    direction: CallDirection
    caller: str
    callee: str
    extension: str | None
    answered: bool = False
    outcomes: list[CallOutcome] = attrs.Factory(list)


class CallTracker:
    """Turns AMI events into call events, keeping the state of calls in progress.

    ``is_extension`` tells an internal extension from an outside number
    (by default: at most six digits).  ``source`` is the ``source`` of the
    events made (the gateway's name).  The tracker outlives a connection,
    so a reconnect in the middle of a call goes on with that call.

    Example:
        >>> tracker = CallTracker()
        >>> [
        ...     e.kind
        ...     for e in tracker.feed(
        ...         {
        ...             "Event": "Newchannel",
        ...             "Channel": "PJSIP/trunk-00000001",
        ...             "CallerIDNum": "0442067222",
        ...             "Exten": "0445551000",
        ...             "Uniqueid": "1415179800.1",
        ...             "Linkedid": "1415179800.1",
        ...             "Timestamp": "1415179800.000000",
        ...         }
        ...     )
        ... ]
        []
        >>> [
        ...     (e.kind.value, e.extension)
        ...     for e in tracker.feed(
        ...         {
        ...             "Event": "DialBegin",
        ...             "Channel": "PJSIP/trunk-00000001",
        ...             "Uniqueid": "1415179800.1",
        ...             "Linkedid": "1415179800.1",
        ...             "DestChannel": "PJSIP/202-00000002",
        ...             "DestUniqueid": "1415179800.2",
        ...             "Timestamp": "1415179801.000000",
        ...         }
        ...     )
        ... ]
        [('ringing', '202')]
    """

    def __init__(
        self,
        *,
        source: str = "asterisk",
        is_extension: Callable[[str], bool] | None = None,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.source = source
        self._is_extension = is_extension or (lambda n: n.isdigit() and len(n) <= 6)
        self._clock = clock or (lambda: datetime.now(UTC))
        self._channels: dict[str, _Channel] = {}
        self._calls: dict[str, _Call] = {}

    @property
    def calls_in_progress(self) -> int:
        return len(self._calls)

    def channel_of(self, linkedid: str) -> str | None:
        """The first channel of a call in progress (the caller's), or None."""
        if linkedid not in self._calls:
            return None
        channel = self._channels.get(linkedid)
        return None if channel is None else channel.name

    def feed(self, message: Mapping[str, str]) -> list[CallEvent]:
        """The call events one AMI message stands for (none for most)."""
        handler = getattr(self, "_on_" + message.get("Event", "").lower(), None)
        if handler is None:
            return []
        found: list[CallEvent] = handler(message, self._at(message))
        return found

    def _at(self, message: Mapping[str, str]) -> datetime:
        stamp = message.get("Timestamp")
        if stamp:
            try:
                return datetime.fromtimestamp(float(stamp), UTC)
            except ValueError:
                log.warning("AMI Timestamp %r unreadable; using the time it was read", stamp)
        return self._clock()

    def _extension_of(self, channel_name: str) -> str | None:
        found = _CHANNEL.match(channel_name)
        if found is None:
            return None
        resource = found.group("resource")
        return resource if self._is_extension(resource) else None

    def _event(
        self, linkedid: str, kind: CallEventKind, at: datetime, **fields: object
    ) -> CallEvent:
        call = self._calls[linkedid]
        values: dict[str, object] = {"caller": call.caller, "callee": call.callee, **fields}
        return CallEvent(
            source=self.source,
            call_id=linkedid,
            kind=kind,
            at=at,
            direction=call.direction,
            **values,  # type: ignore[arg-type]
        )

    def _on_newchannel(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        uniqueid, linkedid = m.get("Uniqueid", ""), m.get("Linkedid", "")
        if not uniqueid or not linkedid:
            log.warning("Newchannel without Uniqueid or Linkedid skipped")
            return []
        exten = m.get("Exten", "")
        channel = _Channel(
            uniqueid, linkedid, m.get("Channel", ""), m.get("CallerIDNum", ""), _dialled(exten)
        )
        self._channels[uniqueid] = channel
        if uniqueid != linkedid or linkedid in self._calls:
            return []
        own = self._extension_of(channel.name)
        if own is None:
            caller = "" if channel.number in ("", "<unknown>") else channel.number
            self._calls[linkedid] = _Call(CallDirection.INCOMING, caller, channel.exten, None)
            return []
        internal = bool(channel.exten) and self._is_extension(channel.exten)
        direction = CallDirection.INTERNAL if internal else CallDirection.OUTGOING
        self._calls[linkedid] = _Call(direction, own, channel.exten, own)
        # The employee's own phone: for a click-to-call it rings first.
        return [
            self._event(
                linkedid,
                CallEventKind.RINGING,
                at,
                leg=uniqueid,
                extension=own,
                call_ref=linkedid if _originated(channel) else None,
            )
        ]

    def _on_dialbegin(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        linkedid = m.get("Linkedid", "") or m.get("DestLinkedid", "")
        if linkedid not in self._calls:
            return []
        call = self._calls[linkedid]
        if not call.callee:
            # A click-to-call's first channel has no number until it dials.
            call.callee = _dialled(m.get("Exten", "")) or m.get("DialString", "").rpartition("/")[2]
        extension = self._extension_of(m.get("DestChannel", ""))
        if call.direction is CallDirection.OUTGOING:
            extension = None
        return [
            self._event(
                linkedid,
                CallEventKind.RINGING,
                at,
                leg=m.get("DestUniqueid") or None,
                extension=extension,
            )
        ]

    def _on_dialend(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        linkedid = m.get("Linkedid", "") or m.get("DestLinkedid", "")
        if linkedid not in self._calls:
            return []
        call = self._calls[linkedid]
        status = m.get("DialStatus", "").upper()
        extension = self._extension_of(m.get("DestChannel", ""))
        if call.direction is CallDirection.OUTGOING:
            extension = None
        leg = m.get("DestUniqueid") or None
        if status == "ANSWER":
            call.answered = True
            return [self._event(linkedid, CallEventKind.ANSWERED, at, leg=leg, extension=extension)]
        outcome = DIAL_STATUS_OUTCOMES.get(status)
        if outcome is None:
            return []
        call.outcomes.append(outcome)
        return [
            self._event(
                linkedid, CallEventKind.ENDED, at, leg=leg, extension=extension, outcome=outcome
            )
        ]

    def _on_blindtransfer(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        linkedid = m.get("TransfererLinkedid", "")
        if linkedid not in self._calls:
            return []
        return [
            self._event(
                linkedid,
                CallEventKind.TRANSFERRED,
                at,
                leg=m.get("TransfererUniqueid") or None,
                extension=self._extension_of(m.get("TransfererChannel", "")),
                callee=m.get("Extension", ""),
            )
        ]

    def _on_hangup(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        uniqueid = m.get("Uniqueid", "")
        channel = self._channels.pop(uniqueid, None)
        linkedid = m.get("Linkedid", "") or (channel.linkedid if channel else "")
        if uniqueid != linkedid or linkedid not in self._calls:
            return []
        call = self._calls[linkedid]
        outcome = None
        if not call.answered:
            outcome = _unanswered(call, m.get("Cause", ""))
        event = self._event(linkedid, CallEventKind.ENDED, at, outcome=outcome)
        del self._calls[linkedid]
        for other in [u for u, c in self._channels.items() if c.linkedid == linkedid]:
            del self._channels[other]
        return [event]

    def _on_originateresponse(self, m: Mapping[str, str], at: datetime) -> list[CallEvent]:
        if m.get("Response", "").lower() != "failure":
            return []
        reference = m.get("ActionID", "")
        if not reference:
            return []
        try:
            reason = int(m.get("Reason", "0"))
        except ValueError:
            reason = 0
        self._calls.pop(reference, None)
        return [
            CallEvent(
                source=self.source,
                call_id=reference,
                kind=CallEventKind.ENDED,
                at=at,
                direction=CallDirection.OUTGOING,
                callee=m.get("Exten", ""),
                outcome=ORIGINATE_REASON_OUTCOMES.get(reason, CallOutcome.FAILED),
                call_ref=reference,
            )
        ]


def _dialled(exten: str) -> str:
    # "s" is the dialplan's start extension, no number anybody dialled.
    return "" if exten in ("s", "") else exten


def _originated(channel: _Channel) -> bool:
    # An Originate with a ChannelId names the first channel by crmcore's
    # reference (32 hex digits), not by Asterisk's "epoch.sequence".
    return bool(re.fullmatch(r"[0-9a-f]{32}", channel.uniqueid))


def _unanswered(call: _Call, cause: str) -> CallOutcome:
    """How an unanswered call ended: by its legs' dial statuses, else the hangup cause."""
    if call.outcomes:
        if all(o is CallOutcome.CANCELLED for o in call.outcomes):
            return CallOutcome.CANCELLED
        for wanted in (CallOutcome.BUSY, CallOutcome.DECLINED, CallOutcome.MISSED):
            if wanted in call.outcomes:
                return wanted
        return call.outcomes[-1]
    try:
        code = int(cause)
    except ValueError:
        code = 0
    return HANGUP_CAUSE_OUTCOMES.get(code, CallOutcome.MISSED)
