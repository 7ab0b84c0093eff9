"""Throwaway SMTP servers on loopback for the test suite (aiosmtpd in a thread).

A server listens on 127.0.0.1 on a free port and keeps every message it
accepts; it is stopped when its ``with`` block or its test ends.  Certificates
come from one test authority made per process with ``trustme``; clients trust
it through ``server.ssl_context``.

As a context manager::

    from smtp_server import smtp_server

    with smtp_server(security="starttls", credentials=("crm", "secret")) as server:
        channel = SmtpChannel(
            server.host,
            server.port,
            sender="crm@example.com",
            username="crm",
            password="secret",
            ssl_context=server.ssl_context,
        )
        channel.deliver(delivery)
        [message] = server.messages  # email.message.EmailMessage
        server.received[0].rcpt_tos  # the envelope

As pytest fixtures, assigned to the name the tests ask for (in a test module
or a conftest)::

    from smtp_server import server_fixture, servers_fixture

    tls_server = server_fixture(security="implicit")  # one server per test
    smtp_servers = servers_fixture()  # smtp_servers(**options) starts one

Options of :func:`smtp_server` (all keyword-only):

* ``security``: ``"none"``; ``"starttls"`` (offered); ``"starttls-required"``
  (nothing but EHLO, STARTTLS and QUIT before it); ``"implicit"`` (TLS from
  the first byte).
* ``credentials``: ``(username, password)``; the server then offers AUTH
  (``mechanisms``, LOGIN and PLAIN by default; after STARTTLS where it is
  offered) and takes no mail without a login.
* ``refuse``: recipient addresses answered ``550`` at RCPT.
* ``fail_with``: a reply given to every message's DATA instead of accepting
  it, e.g. :data:`TEMPORARY_FAILURE` (``451``).
* ``smtputf8``: offer SMTPUTF8 (default True).
"""

from __future__ import annotations

import contextlib
import errno
import socket
import ssl
from collections.abc import Callable, Collection, Iterator
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser, Parser
from functools import cache
from typing import Any, Literal

import attrs
import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

__all__ = [
    "HOST",
    "TEMPORARY_FAILURE",
    "Received",
    "Security",
    "SmtpServer",
    "certificate_authority",
    "client_ssl_context",
    "refusing_port",
    "server_fixture",
    "servers_fixture",
    "silent_port",
    "smtp_server",
]

#: Where every server listens.
HOST = "127.0.0.1"
#: A ``fail_with`` reply: the server cannot take the message now.
TEMPORARY_FAILURE = "451 4.3.0 Requested action aborted: local error in processing"

Security = Literal["none", "starttls", "starttls-required", "implicit"]

_MECHANISMS = ("LOGIN", "PLAIN")
_START_ATTEMPTS = 5


@cache
def certificate_authority() -> trustme.CA:
    """The test certificate authority; one per process, since making keys takes time."""
    return trustme.CA()


@cache
def _server_certificate() -> trustme.LeafCert:
    return certificate_authority().issue_cert("127.0.0.1", "localhost", "::1")


def client_ssl_context() -> ssl.SSLContext:
    """A new client context that trusts the test authority (and checks host names)."""
    context = ssl.create_default_context()
    certificate_authority().configure_trust(context)
    return context


def _server_ssl_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    _server_certificate().configure_cert(context)
    return context


@attrs.frozen
class Received:
    """One message a server accepted.

    Attributes:
        message: the message parsed with ``email.policy.default`` (as UTF-8
            text when the client asked for SMTPUTF8).
        mail_from: the envelope sender (MAIL FROM).
        rcpt_tos: the envelope recipients (RCPT TO) the server accepted.
        smtputf8: whether the client asked for SMTPUTF8.
        data: the message's bytes as they arrived.
    """

    message: EmailMessage
    mail_from: str
    rcpt_tos: tuple[str, ...]
    smtputf8: bool
    data: bytes


@attrs.frozen(eq=False)
class SmtpServer:
    """A running server.

    Attributes:
        host, port: where it listens.
        security: as given to :func:`smtp_server`.
        received: what it accepted, in order (appended by the server's thread
            before it answers the client, so it is complete once a send returns).
        logins: ``(username, mechanism)`` of every successful login.
        ssl_context: a client context that trusts the server's certificate.
    """

    host: str
    port: int
    security: Security
    received: list[Received]
    logins: list[tuple[str, str]]
    ssl_context: ssl.SSLContext

    @property
    def messages(self) -> list[EmailMessage]:
        """The accepted messages (a new list on each access)."""
        return [received.message for received in self.received]


@attrs.define
class _Handler:
    received: list[Received]
    refuse: frozenset[str]
    fail_with: str | None
    login_required: bool

    async def handle_MAIL(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        mail_options: list[str],
    ) -> str:
        # Checked here rather than with aiosmtpd's auth_required, which warns
        # whenever AUTH may come without STARTTLS, implicit TLS included.
        if self.login_required and not session.authenticated:
            return "530 5.7.0 Authentication required"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.casefold() in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.fail_with is not None:
            return self.fail_with
        data = envelope.original_content or b""
        # Headers of an SMTPUTF8 message are UTF-8; bytes are parsed as ASCII.
        if envelope.smtp_utf8:
            message = Parser(EmailMessage, policy=policy.default).parsestr(data.decode("utf-8"))
        else:
            message = BytesParser(EmailMessage, policy=policy.default).parsebytes(data)
        self.received.append(
            Received(
                message=message,
                mail_from=envelope.mail_from or "",
                rcpt_tos=tuple(envelope.rcpt_tos),
                smtputf8=envelope.smtp_utf8,
                data=data,
            )
        )
        return "250 2.0.0 OK: queued"


def _authenticator(
    username: str, password: str, logins: list[tuple[str, str]]
) -> Callable[[SMTP, Session, Envelope, str, Any], AuthResult]:
    expected = LoginPassword(username.encode(), password.encode())

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and auth_data == expected:
            logins.append((username, mechanism))
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)

    return authenticate


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _start(handler: _Handler, options: dict[str, Any]) -> Controller:
    for attempt in range(1, _START_ATTEMPTS + 1):
        controller = Controller(handler, hostname=HOST, port=_free_port(), **options)
        try:
            controller.start()
        except OSError as error:
            controller.loop.close()
            # Another process may take the port between the probe and the bind.
            if error.errno != errno.EADDRINUSE or attempt == _START_ATTEMPTS:
                raise
            continue
        return controller
    raise AssertionError("unreachable: the last attempt returns or raises")


@contextlib.contextmanager
def smtp_server(
    *,
    security: Security = "none",
    credentials: tuple[str, str] | None = None,
    mechanisms: Collection[str] = _MECHANISMS,
    refuse: Collection[str] = (),
    fail_with: str | None = None,
    smtputf8: bool = True,
) -> Iterator[SmtpServer]:
    """Run a server for the ``with`` block; see the module's description for the options."""
    received: list[Received] = []
    logins: list[tuple[str, str]] = []
    # A server_hostname spares aiosmtpd a getfqdn() lookup on every start.
    options: dict[str, Any] = {
        "server_hostname": "localhost",
        "enable_SMTPUTF8": smtputf8,
        "ready_timeout": 10.0,
    }
    if security == "implicit":
        options["ssl_context"] = _server_ssl_context()
    elif security in ("starttls", "starttls-required"):
        options["tls_context"] = _server_ssl_context()
        options["require_starttls"] = security == "starttls-required"
    elif security != "none":
        raise ValueError(f"unknown security {security!r}")
    if credentials is not None:
        username, password = credentials
        options["authenticator"] = _authenticator(username, password, logins)
        # Over implicit TLS or plain text AUTH is offered at once; where
        # STARTTLS is offered, only after it, as real servers do.
        options["auth_require_tls"] = "tls_context" in options
        options["auth_exclude_mechanism"] = [
            m for m in _MECHANISMS if m not in {name.upper() for name in mechanisms}
        ]
    handler = _Handler(
        received=received,
        refuse=frozenset(address.casefold() for address in refuse),
        fail_with=fail_with,
        login_required=credentials is not None,
    )
    controller = _start(handler, options)
    try:
        yield SmtpServer(
            host=HOST,
            port=controller.port,
            security=security,
            received=received,
            logins=logins,
            ssl_context=client_ssl_context(),
        )
    finally:
        controller.stop()


@contextlib.contextmanager
def refusing_port() -> Iterator[int]:
    """A loopback port that refuses connections while the block runs.

    The port stays bound (so nothing else can take it) but never listens.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as holder:
        holder.bind((HOST, 0))
        port: int = holder.getsockname()[1]
        yield port


@contextlib.contextmanager
def silent_port() -> Iterator[int]:
    """A loopback port that accepts connections and then never says a word."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((HOST, 0))
        listener.listen(8)
        port: int = listener.getsockname()[1]
        yield port


def server_fixture(**options: Any) -> Any:
    """A pytest fixture giving each test its own :func:`smtp_server` with ``options``.

    Assign it to the name the tests ask for: ``tls_server = server_fixture(security="implicit")``.
    """

    @pytest.fixture
    def server() -> Iterator[SmtpServer]:
        with smtp_server(**options) as running:
            yield running

    return server


def servers_fixture() -> Any:
    """A pytest fixture giving a test ``start(**options) -> SmtpServer``.

    Every server it starts is stopped after the test:
    ``smtp_servers = servers_fixture()``, then ``server = smtp_servers(security="implicit")``.
    """

    @pytest.fixture
    def servers() -> Iterator[Callable[..., SmtpServer]]:
        with contextlib.ExitStack() as stack:

            def start(**options: Any) -> SmtpServer:
                return stack.enter_context(smtp_server(**options))

            yield start

    return servers
