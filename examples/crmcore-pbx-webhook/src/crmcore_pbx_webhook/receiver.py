"""An HTTP endpoint that takes PBX webhooks and hands their call events to crmcore.

``POST /calls``: crmcore's JSON shape, signed with the shared secret
(:mod:`crmcore_pbx_webhook.signing`).  ``POST /twilio`` (or the path
given): Twilio's status callbacks, signed with the account's auth token.  Answers: ``204`` handled
(or recognised as a delivery seen before), ``400`` a body that is not a
call event (the text names the field), ``401`` a missing, wrong or old
signature, ``404`` / ``405`` elsewhere.  Nothing is handled unless the
signature holds; a failure inside crmcore answers ``500`` so the PBX
delivers again later.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qsl

from crmcore.domain.calls import CallEvent
from crmcore.errors import ValidationError
from crmcore_pbx_webhook.shapes import from_json, from_twilio
from crmcore_pbx_webhook.signing import SignatureError, verify, verify_twilio

__all__ = ["WebhookReceiver"]

log = logging.getLogger("crmcore_pbx_webhook")

MAX_BODY = 64 * 1024


class WebhookReceiver:
    """A threaded HTTP server for PBX webhooks, started and stopped as a context manager.

    Args:
        handle: what takes each call event (``crm.telephony.handle``).
        secret: the shared secret of crmcore's JSON webhook, or None to refuse it.
        source: the PBX name the JSON webhook's events carry.
        twilio_auth_token: Twilio's auth token, or None to refuse Twilio.
        public_url: the URL base the PBX calls (``https://crm.example.com``),
            which Twilio signs; the server's own address by default.
        twilio_path: where Twilio's status callbacks are posted.
        lines: the employee's extension behind each of the host's numbers
            (E.164, as Twilio writes ``To`` and ``From``): Twilio has no
            extensions, so a call's employee is found by the line it is on.
        host, port: where to listen (an unused loopback port by default).
        clock: the time now, in Unix seconds.
    """

    def __init__(
        self,
        handle: Callable[[CallEvent], object],
        *,
        secret: str | None = None,
        source: str = "cloudpbx",
        twilio_auth_token: str | None = None,
        public_url: str | None = None,
        twilio_path: str = "/twilio",
        lines: Mapping[str, str] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if secret is None and twilio_auth_token is None:
            raise ValidationError("secret", "give a shared secret, a Twilio auth token, or both")
        self.handle, self.secret, self.source = handle, secret, source
        self.twilio_auth_token, self.clock = twilio_auth_token, clock
        self.twilio_path = twilio_path
        self.lines = dict(lines or {})
        self._server = ThreadingHTTPServer((host, port), self._handler())
        self._server.daemon_threads = True
        self.public_url = (public_url or self.url).rstrip("/")
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()

    def receive(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        """Answer one delivery: (HTTP status, text); what the server does per request."""
        route = path.partition("?")[0]
        try:
            if route == "/calls" and self.secret is not None:
                verify(
                    self.secret,
                    headers.get("x-crmcore-timestamp"),
                    headers.get("x-crmcore-signature"),
                    body,
                    now=self.clock(),
                )
                event: CallEvent | None = from_json(body, source=self.source)
            elif route == self.twilio_path and self.twilio_auth_token is not None:
                params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                verify_twilio(
                    self.twilio_auth_token,
                    headers.get("x-twilio-signature"),
                    self.public_url + path,
                    params,
                )
                now = datetime.fromtimestamp(self.clock(), UTC)
                ours = params.get("To" if params.get("Direction") == "inbound" else "From", "")
                event = from_twilio(params, extension=self.lines.get(ours), now=now)
            else:
                return 404, "no such webhook"
        except SignatureError as error:
            log.warning("webhook %s refused: %s", route, error.problem)
            return 401, error.problem
        except ValidationError as error:
            log.warning("webhook %s: not a call event: %s", route, error)
            return 400, str(error)
        if event is None:
            return 204, ""
        try:
            self.handle(event)
        except ValidationError as error:
            return 400, str(error)
        except Exception:
            log.exception("webhook %s: handling call %s failed", route, event.call_id)
            return 500, "the event could not be handled now; deliver it again"
        return 204, ""

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                try:
                    length = int(self.headers.get("Content-Length", "0"))
                except ValueError:
                    length = -1
                if not 0 <= length <= MAX_BODY:
                    self._answer(400, "Content-Length missing or over 64 KiB")
                    return
                body = self.rfile.read(length)
                if len(body) < length:
                    self._answer(400, "the body ended early")
                    return
                headers = {k.lower(): v for k, v in self.headers.items()}
                self._answer(*receiver.receive(self.path, headers, body))

            def do_GET(self) -> None:
                self._answer(405, "POST only")

            def _answer(self, status: int, text: str) -> None:
                data = text.encode()
                self.send_response(status)
                self.send_header("Content-Type", "text/plain; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if data:
                    self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                log.debug("webhook " + format, *args)

        return Handler
