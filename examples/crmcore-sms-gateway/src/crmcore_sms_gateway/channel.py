r"""The SMS-gateway channel: one JSON ``POST`` per message, safe to retry.

The gateway's contract, as this channel uses it:

* ``POST {url}/messages`` with a JSON body
  ``{"to": "+380501234567", "from": "crmcore", "text": "...", "reference": "<key>"}``
  and the headers ``Authorization: Bearer <token>`` (when a token is given)
  and ``Idempotency-Key: <key>``;
* a 2xx answer carries ``{"id": "<message id>"}``;
* any other answer may carry ``{"error": "<what is wrong>"}``.

The gateway must treat a repeated ``Idempotency-Key`` as the same message:
answer with the first message's id and send nothing.  crmcore gives every
retry of one notification the same key, so a retry after a timeout or a
crash never sends an SMS twice.

Example:
    >>> from crmcore.domain.notifications import Delivery
    >>> from crmcore_sms_gateway.testing import FakeGateway
    >>> with FakeGateway(token="s3cret") as gateway:
    ...     channel = SmsGatewayChannel(gateway.url, "s3cret")
    ...     delivery = Delivery(
    ...         key="task-42-assigned",
    ...         kind="task_assigned",
    ...         channel="sms",
    ...         address="+380501234567",
    ...         subject="Нове завдання",
    ...         body="Подзвонити клієнту",
    ...     )
    ...     message_id = channel.deliver(delivery)
    ...     [(m.id, m.to, m.text) for m in gateway.messages] == [
    ...         (message_id, "+380501234567", "Нове завдання\nПодзвонити клієнту")
    ...     ]
    True
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import IO

import crmcore
from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError, ValidationError
from crmcore.ports import Channel

__all__ = ["MAX_TEXT_LENGTH", "SmsGatewayChannel", "compose_text"]

#: The longest text sent, in characters.  Three concatenated SMS hold 459
#: GSM-7 or 201 UCS-2 (Cyrillic) characters; 480 keeps a notification within
#: what gateways accept in one request (most allow 6 to 10 parts) while
#: stopping a long task description from turning into a dozen paid parts.
MAX_TEXT_LENGTH = 480

# E.164: a plus, a country code that does not start with 0, at most 15 digits.
_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
# A gateway's reply is a small JSON object; anything larger is not one.
_REPLY_LIMIT = 64 * 1024
_ERROR_TEXT_LIMIT = 300
# The 4xx answers that mean "later", not "never": the gateway's request
# timeout (408) and its rate limit (429).
_TEMPORARY_CLIENT_ERRORS = frozenset({408, 429})
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def compose_text(subject: str, body: str, limit: int = MAX_TEXT_LENGTH) -> str:
    """The SMS text: the subject, a line break and the body, at most ``limit`` characters.

    Blank parts are left out; a text that is too long is cut and ends with
    ``…``, so the reader sees that something is missing.

    Example:
        >>> compose_text("Нове завдання", "Подзвонити клієнту")
        'Нове завдання\\nПодзвонити клієнту'
        >>> compose_text("Нагадування", "")
        'Нагадування'
        >>> compose_text("Звіт", "x" * 1000, limit=10)
        'Звіт\\nxxxx…'
    """
    text = "\n".join(part for part in (subject.strip(), body.strip()) if part)
    if len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"


def _check_text(field: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be str, not {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, "must not be empty")
    if _CONTROL.search(value):
        raise ValidationError(field, "must be one line without control characters")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """Refuse redirects: urllib would turn the POST into a GET without the message."""

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> None:
        return None


@dataclasses.dataclass(frozen=True, eq=False)
class SmsGatewayChannel:
    """A :class:`crmcore.ports.Channel` that sends SMS through a JSON-over-HTTP gateway.

    Pass it to ``crmcore.open(plugins=[channel])``: its ``crmcore_channels``
    hook registers it.  Installed, the package can instead build one from
    environment variables (see :func:`crmcore_sms_gateway.channel_from_environment`).

    Args:
        url: the gateway's base URL (``http://`` or ``https://``); messages
            are posted to ``{url}/messages``.
        token: sent as ``Authorization: Bearer <token>``; None sends no
            ``Authorization`` header.  It never appears in errors or ``repr``.
        sender: the ``from`` of every message (a sender name or number the
            gateway knows).
        timeout: seconds to wait for the gateway to connect and to answer.
        name: the channel's name, which employees' preferences choose.

    Raises:
        ValidationError: an argument is unusable; ``field`` names it.
    """

    url: str
    token: str | None = dataclasses.field(default=None, repr=False)
    _: dataclasses.KW_ONLY
    sender: str = "crmcore"
    timeout: float = 10.0
    name: str = "sms"

    def __post_init__(self) -> None:
        _check_text("url", self.url)
        parts = urllib.parse.urlsplit(self.url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValidationError(
                "url", f"{self.url!r} is not an http:// or https:// URL with a host"
            )
        if self.token is not None:
            _check_text("token", self.token)
            if any(c.isspace() for c in self.token):
                raise ValidationError("token", "must not contain spaces")
        _check_text("sender", self.sender)
        _check_text("name", self.name)
        timeout: object = self.timeout
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise ValidationError(
                "timeout", f"must be a positive number of seconds, not {timeout!r}"
            )

    @property
    def endpoint(self) -> str:
        """Where messages are posted: ``{url}/messages``."""
        return self.url.rstrip("/") + "/messages"

    @crmcore.hookimpl
    def crmcore_channels(self, register: Callable[[Channel], None]) -> None:
        """Register this channel with the CRM it is passed to as a plugin."""
        register(self)

    def deliver(self, delivery: Delivery) -> str:
        """Send one SMS; return the gateway's message id.

        The text is :func:`compose_text` of the delivery's subject and body.
        The delivery's key goes out as the ``Idempotency-Key`` header and the
        ``reference`` field, so a retry of the same delivery sends nothing twice.

        Raises:
            DeliveryError: ``permanent=True`` for a missing or non-E.164
                address, an empty message, a key that is not ASCII, or a 4xx
                answer other than 408 and 429 (the gateway's error text is
                included); ``permanent=False`` for 408, 429, 5xx and
                redirects, a connection that fails or times out, and a reply
                that is not JSON or has no message id.  Nothing is sent when
                the address, text or key is refused.
        """
        if not _E164.fullmatch(delivery.address):
            raise DeliveryError(
                f"{delivery.address!r} is not an E.164 phone number such as +380501234567",
                permanent=True,
            )
        text = compose_text(delivery.subject, delivery.body)
        if not text:
            raise DeliveryError("the notification has neither subject nor body", permanent=True)
        if not delivery.key.isascii():
            # HTTP headers carry Latin-1 at most; crmcore builds keys from kinds and ids.
            raise DeliveryError(
                f"the key {delivery.key!r} cannot be sent as an Idempotency-Key header",
                permanent=True,
            )
        payload = {
            "to": delivery.address,
            "from": self.sender,
            "text": text,
            "reference": delivery.key,
        }
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
            "Idempotency-Key": delivery.key,
        }
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        request = urllib.request.Request(
            self.endpoint,
            data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
            headers=headers,
            method="POST",
        )
        # A new opener per call reads the proxy settings of the moment.
        opener = urllib.request.build_opener(_NoRedirects())
        try:
            with opener.open(request, timeout=self.timeout) as response:
                reply = response.read(_REPLY_LIMIT)
        except urllib.error.HTTPError as error:
            raise self._refused(error) from None
        except (OSError, http.client.HTTPException) as error:
            raise DeliveryError(
                self._scrub(f"cannot reach the SMS gateway at {self.endpoint}: {self._why(error)}")
            ) from None
        return self._message_id(reply)

    def _refused(self, error: urllib.error.HTTPError) -> DeliveryError:
        status = error.code
        try:
            detail = _error_text(error.read(_REPLY_LIMIT)) or error.reason
        except (OSError, http.client.HTTPException):
            detail = error.reason
        finally:
            error.close()
        if 300 <= status < 400:
            detail = (
                f"redirect to {error.headers.get('Location', '?')} refused; "
                "set the channel's URL to the address that answers"
            )
        permanent = 400 <= status < 500 and status not in _TEMPORARY_CLIENT_ERRORS
        problem = f"the SMS gateway answered {status}: {detail}"
        return DeliveryError(self._scrub(problem), permanent=permanent)

    def _message_id(self, reply: bytes) -> str:
        try:
            answer = json.loads(reply)
        except ValueError:
            raise DeliveryError(
                self._scrub(f"the SMS gateway's reply is not JSON: {_shorten(reply)}")
            ) from None
        message_id = answer.get("id") if isinstance(answer, dict) else None
        if isinstance(message_id, int) and not isinstance(message_id, bool):
            return str(message_id)
        if not isinstance(message_id, str) or not message_id.strip():
            raise DeliveryError(
                self._scrub(f"the SMS gateway's reply has no message id: {_shorten(reply)}")
            )
        return message_id

    def _why(self, error: BaseException) -> str:
        reason = error.reason if isinstance(error, urllib.error.URLError) else error
        if isinstance(reason, TimeoutError):
            return f"no answer within {self.timeout} s"
        if isinstance(reason, ConnectionRefusedError):
            return "connection refused"
        return str(reason) or type(reason).__name__

    def _scrub(self, text: str) -> str:
        # A gateway may echo the credential it refused; errors end up in logs.
        return text.replace(self.token, "***") if self.token else text


def _error_text(reply: bytes) -> str:
    """The gateway's own words: ``error`` or ``message`` of a JSON reply, else the raw text."""
    try:
        answer = json.loads(reply)
    except ValueError:
        return _shorten(reply)
    if isinstance(answer, dict):
        for key in ("error", "message", "detail"):
            if isinstance(answer.get(key), str) and answer[key].strip():
                return _shorten(answer[key])
    return _shorten(reply)


def _shorten(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = " ".join(text.split())
    if len(text) <= _ERROR_TEXT_LIMIT:
        return text
    return text[: _ERROR_TEXT_LIMIT - 1] + "…"
