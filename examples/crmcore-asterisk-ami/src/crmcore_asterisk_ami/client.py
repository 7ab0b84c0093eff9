"""Talking to Asterisk: one AMI session to originate a call, one long session for the events.

:class:`AsteriskAmi` is the crmcore gateway (``crmcore_phone_gateway``):
:meth:`~AsteriskAmi.dial` logs in, sends ``Originate`` with ``Async`` and
``ChannelId`` set to crmcore's call reference, and logs off, so the call's
Linkedid *is* that reference and every event of the call finds it.
:meth:`~AsteriskAmi.listen` keeps an event session open, hands each call
event to crmcore, and reconnects with back-off when the PBX drops it.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

import crmcore
from crmcore.domain.calls import CallEvent, GatewayCapability
from crmcore.errors import CRMError, GatewayError, ValidationError
from crmcore_asterisk_ami.mapping import CallTracker
from crmcore_asterisk_ami.protocol import FrameReader, encode

__all__ = ["AmiError", "AsteriskAmi"]

log = logging.getLogger("crmcore_asterisk_ami")

_READ_SIZE = 4096


class AmiError(ConnectionError):
    """The AMI session could not be used: refused login, closed connection, no answer."""


class _Session:
    """One logged-in AMI connection."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.reader = FrameReader()
        self._pending: list[dict[str, str]] = []
        self._ids = itertools.count(1)

    def send(self, fields: Mapping[str, str]) -> None:
        self.sock.sendall(encode(fields))

    def messages(self, stop: threading.Event | None = None) -> Iterator[dict[str, str]]:
        """Messages as they arrive, until the connection ends (then :class:`AmiError`)."""
        while True:
            while self._pending:
                yield self._pending.pop(0)
            if stop is not None and stop.is_set():
                return
            try:
                data = self.sock.recv(_READ_SIZE)
            except TimeoutError:
                if stop is None:
                    raise AmiError("the PBX did not answer in time") from None
                continue
            if not data:
                if self.reader.pending:
                    log.warning(
                        "AMI connection closed inside a message; the part received is dropped"
                    )
                raise AmiError("the PBX closed the connection")
            self._pending.extend(self.reader.feed(data))

    def action(self, fields: Mapping[str, str]) -> dict[str, str]:
        """Send an action and return its response (events read meanwhile are kept)."""
        action_id = fields.get("ActionID") or f"crmcore-{next(self._ids)}"
        self.send({**fields, "ActionID": action_id})
        kept: list[dict[str, str]] = []
        for message in self.messages():
            if "Response" in message and message.get("ActionID") == action_id:
                self._pending[:0] = kept
                return message
            kept.append(message)
        raise AmiError("the PBX closed the connection")  # pragma: no cover


class AsteriskAmi:
    """An Asterisk PBX reached over AMI: a crmcore gateway and the source of call events.

    Args:
        host, port: where the AMI listens (``manager.conf``; 5038 by default).
        username, secret: the AMI user; it needs the ``call`` and
            ``originate`` permissions, and ``timestampevents = yes`` set.
        context: the dialplan context an originated call dials out from.
        channel: how an employee's extension becomes the channel that rings
            first (``"PJSIP/{extension}"``).
        timeout: seconds to wait for the PBX's answers.
        backoff: the first and the longest wait between reconnects, seconds.

    Raises:
        ValidationError: a setting is unusable; ``field`` names it.
    """

    name = "asterisk"
    capabilities = frozenset(
        {GatewayCapability.DIAL, GatewayCapability.HANG_UP, GatewayCapability.TRANSFER}
    )

    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        context: str = "from-internal",
        channel: str = "PJSIP/{extension}",
        timeout: float = 5.0,
        backoff: tuple[float, float] = (0.5, 30.0),
        tracker: CallTracker | None = None,
    ) -> None:
        if not isinstance(port, int) or not 0 < port < 65536:
            raise ValidationError("port", f"{port!r} is not a TCP port")
        if not username or not secret:
            raise ValidationError("username", "the AMI user and secret are both needed")
        if "{extension}" not in channel:
            raise ValidationError("channel", "must contain {extension}")
        if not 0 < backoff[0] <= backoff[1]:
            raise ValidationError("backoff", "must be (first, longest) with 0 < first <= longest")
        self.host, self.port = host, port
        self.username, self.secret = username, secret
        self.context, self.channel, self.timeout = context, channel, timeout
        self.backoff = backoff
        self.tracker = tracker or CallTracker(source=self.name)
        self.connections = 0

    @crmcore.hookimpl
    def crmcore_phone_gateway(self) -> AsteriskAmi:
        return self

    @contextmanager
    def _session(self, *, events: bool) -> Iterator[_Session]:
        sock = socket.create_connection((self.host, self.port), timeout=self.timeout)
        try:
            session = _Session(sock)
            reply = session.action(
                {
                    "Action": "Login",
                    "Username": self.username,
                    "Secret": self.secret,
                    "Events": "call" if events else "off",
                }
            )
            if reply.get("Response", "").lower() != "success":
                raise AmiError(f"AMI login refused: {reply.get('Message', 'no reason given')}")
            self.connections += 1
            yield session
            if not events:
                session.send({"Action": "Logoff"})
        finally:
            sock.close()

    def dial(self, from_extension: str, to_number: str, *, call_ref: str) -> str:
        """Originate: ring ``from_extension``, then dial ``to_number`` from :attr:`context`.

        Returns ``call_ref``: it is the first channel's id, so Asterisk's
        Linkedid of the call.

        Raises:
            GatewayError: the PBX cannot be reached or refuses the originate.
        """
        action = {
            "Action": "Originate",
            "Channel": self.channel.format(extension=from_extension),
            "Context": self.context,
            "Exten": to_number,
            "Priority": "1",
            "CallerID": from_extension,
            "Async": "true",
            "ChannelId": call_ref,
            "ActionID": call_ref,
        }
        try:
            with self._session(events=False) as session:
                reply = session.action(action)
        except OSError as error:
            raise GatewayError(f"Asterisk at {self.host}:{self.port}: {error}") from error
        if reply.get("Response", "").lower() != "success":
            raise GatewayError(f"Asterisk refused the call: {reply.get('Message', 'no reason')}")
        return call_ref

    def hang_up(self, pbx_id: str) -> None:
        """End a call in progress: ``Hangup`` of its first channel (the bridge follows).

        Raises:
            GatewayError: the call is not in progress as this gateway's
                listener sees it, or the PBX refuses.
        """
        self._act_on(pbx_id, {"Action": "Hangup", "Cause": "16"})

    def transfer(self, pbx_id: str, to_extension: str) -> None:
        """Move a call in progress to ``to_extension``: ``Redirect`` of the caller's channel.

        Raises:
            GatewayError: the call is not in progress here, or the PBX refuses.
        """
        self._act_on(
            pbx_id,
            {"Action": "Redirect", "Context": self.context, "Exten": to_extension, "Priority": "1"},
        )

    def _act_on(self, pbx_id: str, action: Mapping[str, str]) -> None:
        channel = self.tracker.channel_of(pbx_id)
        if channel is None:
            raise GatewayError(f"call {pbx_id} is not in progress on this PBX")
        try:
            with self._session(events=False) as session:
                reply = session.action({**action, "Channel": channel})
        except OSError as error:
            raise GatewayError(f"Asterisk at {self.host}:{self.port}: {error}") from error
        if reply.get("Response", "").lower() != "success":
            raise GatewayError(f"Asterisk refused {action['Action']}: {reply.get('Message')}")

    def listen(self, handle: Callable[[CallEvent], object], *, stop: threading.Event) -> None:
        """Hand every call event to ``handle`` (``crm.telephony.handle``) until ``stop`` is set.

        A dropped or refused connection is logged and tried again after a
        wait that doubles up to the longest back-off; an event ``handle``
        rejects is logged and skipped.  The calls in progress are kept
        across reconnects, and events seen twice are told apart by crmcore,
        so a reconnect duplicates no call.
        """
        first, longest = self.backoff
        delay = first
        while not stop.is_set():
            try:
                with self._session(events=True) as session:
                    session.sock.settimeout(0.2)
                    delay = first
                    for message in session.messages(stop):
                        self._feed(handle, message)
            except (OSError, AmiError) as error:
                log.warning(
                    "AMI %s:%s: %s; reconnecting in %.1fs", self.host, self.port, error, delay
                )
            if stop.wait(delay):
                return
            delay = min(delay * 2, longest)

    def _feed(self, handle: Callable[[CallEvent], object], message: Mapping[str, str]) -> None:
        try:
            events = self.tracker.feed(message)
        except CRMError as error:
            log.warning("AMI %s event skipped: %s", message.get("Event"), error)
            return
        for event in events:
            try:
                handle(event)
            except CRMError as error:
                log.warning("call %s: event %s skipped: %s", event.call_id, event.kind, error)
            except Exception:
                # The loop outlives a failing handler: the PBX keeps talking.
                log.exception("call %s: handling event %s failed", event.call_id, event.kind)
