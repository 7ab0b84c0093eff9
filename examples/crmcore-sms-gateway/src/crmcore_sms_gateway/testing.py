"""A small, real SMS gateway for tests and demos: an HTTP server on 127.0.0.1.

:class:`FakeGateway` speaks the contract :class:`SmsGatewayChannel` expects,
records what it is sent instead of sending it, and can be told to misbehave.

Example:
    >>> import json, urllib.request
    >>> with FakeGateway() as gateway:
    ...     request = urllib.request.Request(
    ...         gateway.url + "/messages",
    ...         data=json.dumps({"to": "+380501234567", "from": "crm", "text": "Привіт"}).encode(),
    ...         headers={"Content-Type": "application/json", "Idempotency-Key": "k-1"},
    ...     )
    ...     with urllib.request.urlopen(request) as response:
    ...         reply = json.load(response)
    ...     [(m.id == reply["id"], m.to, m.text) for m in gateway.messages]
    [(True, '+380501234567', 'Привіт')]
"""

from __future__ import annotations

import collections
import dataclasses
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

from crmcore.errors import ValidationError

__all__ = ["FakeGateway", "ReceivedMessage"]

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_REASONS = {
    400: "the request is malformed",
    401: "not authenticated",
    403: "forbidden",
    404: "not found",
    408: "request timeout",
    422: "the message was refused",
    429: "too many requests",
    500: "internal error",
    502: "bad gateway",
    503: "service unavailable",
}


@dataclasses.dataclass(frozen=True)
class ReceivedMessage:
    """One message the gateway accepted (a replayed ``Idempotency-Key`` adds none).

    Attributes:
        id: the message id the gateway answered with.
        to, sender, text, reference: the request's ``to``, ``from``, ``text``
            and ``reference`` fields.
        idempotency_key: the ``Idempotency-Key`` header, if one was sent.
    """

    id: str
    to: str
    sender: str
    text: str
    reference: str | None
    idempotency_key: str | None


@dataclasses.dataclass(frozen=True)
class _Answer:
    status: int
    body: bytes
    headers: dict[str, str] = dataclasses.field(default_factory=dict)


def _json(status: int, value: dict[str, Any], **headers: str) -> _Answer:
    body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return _Answer(status, body, {"Content-Type": "application/json; charset=utf-8", **headers})


def _error(status: int, text: str, **headers: str) -> _Answer:
    return _json(status, {"error": text}, **headers)


class FakeGateway:
    """An SMS gateway on ``127.0.0.1`` and a free port, for as long as its ``with`` block runs.

    It answers ``POST /messages`` as a real gateway would and records each
    accepted message in :attr:`messages`:

    * a request whose ``Idempotency-Key`` was seen before gets the first
      message's id (status 200) and records nothing, as a retry must;
    * with a ``token``, a request without ``Authorization: Bearer <token>``
      gets 401, whose error text repeats the credential it was given (as
      careless gateways do), so tests can check that channels hide it;
    * a body that is not a JSON object with ``to`` (E.164), ``from`` and
      ``text`` gets 400.

    :meth:`fail_next`, :meth:`delay_next` and :meth:`garble_next` make the
    next requests misbehave; each is used up by one request.

    Args:
        token: the bearer token to require; None requires none.
    """

    def __init__(self, token: str | None = None) -> None:
        self.token = token
        self._lock = threading.Lock()
        self._messages: list[ReceivedMessage] = []
        self._ids_by_key: dict[str, str] = {}
        self._requests = 0
        self._failures: collections.deque[tuple[int, str]] = collections.deque()
        self._delays: collections.deque[float] = collections.deque()
        self._garbled = 0
        self._closing = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> FakeGateway:
        if self._server is not None:
            raise RuntimeError("this FakeGateway is running already")
        self._closing.clear()
        self._server = _Server(self)
        # A short poll interval makes leaving the with block quick.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name="fake-sms-gateway",
            daemon=True,
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        # Wake delayed requests first: closing the server waits for them.
        self._closing.set()
        server.shutdown()
        server.server_close()
        thread.join()
        self._server = self._thread = None

    @property
    def url(self) -> str:
        """The base URL to give a channel, ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the FakeGateway is not running: use it in a with block")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def messages(self) -> list[ReceivedMessage]:
        """The accepted messages, oldest first."""
        with self._lock:
            return list(self._messages)

    @property
    def request_count(self) -> int:
        """How many HTTP requests arrived, whatever the answer was."""
        with self._lock:
            return self._requests

    def fail_next(self, status: int, *, times: int = 1, error: str | None = None) -> None:
        """Answer the next ``times`` requests with ``status`` and ``{"error": error}``,
        recording nothing (429 and 503 also say ``Retry-After: 1``)."""
        if not 400 <= status <= 599:
            raise ValidationError("status", f"must be an HTTP error status (400-599), not {status}")
        text = error or _REASONS.get(status, "failure")
        with self._lock:
            self._failures.extend([(status, text)] * times)

    def delay_next(self, seconds: float, *, times: int = 1) -> None:
        """Hold the answer to the next ``times`` requests for ``seconds``.

        The request is processed (and its message recorded) first: the
        client sees a gateway that took the message and answered late.
        Leaving the ``with`` block cuts the delay short.
        """
        with self._lock:
            self._delays.extend([seconds] * times)

    def garble_next(self, *, times: int = 1) -> None:
        """Process the next ``times`` requests, then answer 200 with a body that is not JSON."""
        with self._lock:
            self._garbled += times

    def _answer(self, method: str, path: str, headers: dict[str, str], body: bytes) -> _Answer:
        with self._lock:
            self._requests += 1
            failure = self._failures.popleft() if self._failures else None
            delay = self._delays.popleft() if self._delays else 0.0
            garble = self._garbled > 0
            if garble:
                self._garbled -= 1
        answer = self._process(method, path, headers, body, failure)
        if delay:
            self._closing.wait(delay)
        if garble:
            return _Answer(200, b"<html>upstream hiccup</html>", {"Content-Type": "text/html"})
        return answer

    def _process(
        self,
        method: str,
        path: str,
        headers: dict[str, str],
        body: bytes,
        failure: tuple[int, str] | None,
    ) -> _Answer:
        if path.rstrip("/") != "/messages":
            return _error(404, f"no such resource: {path}")
        if method != "POST":
            return _error(405, f"{method} is not allowed here; POST a message", Allow="POST")
        if failure is not None:
            status, text = failure
            retry = {"Retry-After": "1"} if status in (429, 503) else {}
            return _error(status, text, **retry)
        if self.token is not None:
            presented = headers.get("authorization", "")
            if presented != f"Bearer {self.token}":
                problem = f"{presented!r} is not accepted" if presented else "is missing"
                return _error(401, f"the bearer token {problem}")
        try:
            request = json.loads(body)
        except ValueError:
            return _error(400, "the body is not JSON")
        if not isinstance(request, dict):
            return _error(400, "the body must be a JSON object")
        for field in ("to", "from", "text"):
            if not isinstance(request.get(field), str) or not request[field]:
                return _error(400, f"{field!r} must be a non-empty string")
        if not _E164.fullmatch(request["to"]):
            return _error(400, f"'to' must be an E.164 number, not {request['to']!r}")
        reference = request.get("reference")
        key = headers.get("idempotency-key")
        with self._lock:
            if key is not None and key in self._ids_by_key:
                return _json(200, {"id": self._ids_by_key[key], "status": "queued"})
            message = ReceivedMessage(
                id=f"msg-{len(self._messages) + 1}",
                to=request["to"],
                sender=request["from"],
                text=request["text"],
                reference=reference if isinstance(reference, str) else None,
                idempotency_key=key,
            )
            self._messages.append(message)
            if key is not None:
                self._ids_by_key[key] = message.id
        return _json(201, {"id": message.id, "status": "queued"})


class _Server(ThreadingHTTPServer):
    def __init__(self, gateway: FakeGateway) -> None:
        self.gateway = gateway
        super().__init__(("127.0.0.1", 0), _Handler)


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        self._serve()

    def do_GET(self) -> None:
        self._serve()

    def do_PUT(self) -> None:
        self._serve()

    def do_DELETE(self) -> None:
        self._serve()

    def _serve(self) -> None:
        headers = {name.lower(): value for name, value in self.headers.items()}
        length = headers.get("content-length", "0")
        if length.isdigit():
            body = self.rfile.read(int(length))
            answer = self.server.gateway._answer(self.command, self.path, headers, body)
        else:
            answer = _error(400, f"Content-Length {length!r} is not a number")
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up waiting (a timeout test); the message stays recorded.
            return

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output clean: no access log on stderr."""
