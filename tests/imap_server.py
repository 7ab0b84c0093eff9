"""A throwaway IMAP4rev1 server on loopback for the test suite, on a real socket.

It speaks what a client reading a mailbox needs: CAPABILITY, LOGIN,
STARTTLS, SELECT and EXAMINE (with ``UIDVALIDITY`` and ``UIDNEXT``),
``UID SEARCH UID n:*``, ``UID FETCH`` of ``UID``, ``RFC822.SIZE``,
``INTERNALDATE`` and ``BODY.PEEK[]`` (as literals), NOOP and LOGOUT.  One
mailbox, ``INBOX``; messages are added with :meth:`ImapServer.append`,
and :meth:`ImapServer.rebuild` renumbers them under a new ``UIDVALIDITY``
as a server does when a mailbox is recreated.  ``drop_after`` closes the
connection after that many message bodies were sent, the way a broken
link does mid-fetch.  Certificates come from the test authority of
``smtp_server``.

    with imap_server(security="tls") as server:
        server.append(raw_bytes)
        box = ImapMailbox(host=server.host, port=server.port, username="crm",
                          password="secret", ssl_context=server.ssl_context)
"""

from __future__ import annotations

import contextlib
import re
import socket
import socketserver
import ssl
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import attrs

from smtp_server import certificate_authority, client_ssl_context

__all__ = ["ImapServer", "imap_server"]

_LITERAL = re.compile(rb"\{(\d+)\}\r\n$")


def _server_context() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certificate_authority().issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return context


@attrs.define
class _Stored:
    uid: int
    data: bytes
    received_at: datetime


@attrs.define
class ImapServer:
    """The server's state; what tests read and change."""

    host: str
    port: int
    security: str
    credentials: tuple[str, str]
    ssl_context: ssl.SSLContext  # for clients: trusts the server's certificate
    uid_validity: int = 3_857_529_045
    messages: list[_Stored] = attrs.Factory(list)
    drop_after: int | None = None
    logins: int = 0
    fetched_bodies: int = 0
    lock: threading.Lock = attrs.Factory(threading.Lock)

    def append(self, data: bytes, received_at: datetime | None = None) -> int:
        """Add a message; returns its UID."""
        with self.lock:
            uid = (self.messages[-1].uid if self.messages else 0) + 1
            moment = received_at or datetime(2014, 11, 5, 8, 0, tzinfo=UTC)
            self.messages.append(_Stored(uid, data, moment))
            return uid

    def rebuild(self) -> None:
        """Recreate the mailbox: a new UIDVALIDITY, UIDs from 1 again."""
        with self.lock:
            self.uid_validity += 1
            for number, message in enumerate(self.messages, start=1):
                message.uid = number


def _uids(spec: str, highest: int) -> set[int]:
    """The UIDs of an IMAP sequence set (``1,3:5,7:*``)."""
    found: set[int] = set()
    for part in spec.split(","):
        low, _, high = part.partition(":")
        start = highest if low == "*" else int(low)
        end = start if not high else highest if high == "*" else int(high)
        found.update(range(min(start, end), max(start, end) + 1))
    return found


class _Session(socketserver.StreamRequestHandler):
    server: _Listener

    def setup(self) -> None:
        if self.server.state.security == "tls":
            self.request = self.server.tls.wrap_socket(self.request, server_side=True)
        super().setup()

    def _send(self, line: str | bytes) -> None:
        self.wfile.write(line if isinstance(line, bytes) else line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state = self.server.state
        self._send("* OK [CAPABILITY IMAP4rev1 STARTTLS] crmcore test IMAP ready")
        logged_in = False
        while line := self.rfile.readline(65536):
            tag, _, rest = line.rstrip(b"\r\n").decode("utf-8", "replace").partition(" ")
            command, _, arguments = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                secure = state.security == "tls" or isinstance(self.request, ssl.SSLSocket)
                login = "" if secure or state.security == "none" else " LOGINDISABLED"
                self._send(f"* CAPABILITY IMAP4rev1 STARTTLS{login}")
                self._send(f"{tag} OK CAPABILITY completed")
            elif command == "STARTTLS":
                self._send(f"{tag} OK begin TLS")
                self.request = self.server.tls.wrap_socket(self.request, server_side=True)
                self.rfile = self.request.makefile("rb")
                self.wfile = self.request.makefile("wb")
            elif command == "LOGIN":
                words = [w.strip('"') for w in arguments.split(" ", 1)]
                if tuple(words) != state.credentials:
                    self._send(f"{tag} NO [AUTHENTICATIONFAILED] invalid credentials")
                    continue
                logged_in, state.logins = True, state.logins + 1
                self._send(f"{tag} OK LOGIN completed")
            elif command in ("SELECT", "EXAMINE") and logged_in:
                if arguments.strip('"').upper() != "INBOX":
                    self._send(f"{tag} NO no such mailbox")
                    continue
                with state.lock:
                    highest = state.messages[-1].uid if state.messages else 0
                    self._send(f"* {len(state.messages)} EXISTS")
                    self._send(f"* OK [UIDVALIDITY {state.uid_validity}] UIDs valid")
                    self._send(f"* OK [UIDNEXT {highest + 1}] predicted next UID")
                self._send(f"{tag} OK [READ-ONLY] {command} completed")
            elif command == "UID" and logged_in:
                if not self._uid(tag, arguments):
                    return
            elif command == "NOOP":
                self._send(f"{tag} OK NOOP completed")
            elif command == "LOGOUT":
                self._send("* BYE logging out")
                self._send(f"{tag} OK LOGOUT completed")
                return
            else:
                self._send(f"{tag} BAD {command} not understood here")

    def _uid(self, tag: str, arguments: str) -> bool:
        """A UID command; False when the connection is to be dropped."""
        state = self.server.state
        verb, _, rest = arguments.partition(" ")
        with state.lock:
            messages = list(state.messages)
        highest = messages[-1].uid if messages else 0
        if verb.upper() == "SEARCH":
            spec = rest.split()[-1]
            wanted = _uids(spec, highest)
            found = " ".join(str(m.uid) for m in messages if m.uid in wanted)
            self._send(f"* SEARCH {found}".rstrip())
            self._send(f"{tag} OK SEARCH completed")
            return True
        if verb.upper() != "FETCH":
            self._send(f"{tag} BAD UID {verb} not understood here")
            return True
        spec, _, items = rest.partition(" ")
        wanted = _uids(spec, highest)
        for number, message in enumerate(messages, start=1):
            if message.uid not in wanted:
                continue
            if "BODY.PEEK[]" in items.upper():
                if state.drop_after is not None and state.fetched_bodies >= state.drop_after:
                    self.request.shutdown(socket.SHUT_RDWR)
                    return False
                state.fetched_bodies += 1
                head = f"* {number} FETCH (UID {message.uid} BODY[] {{{len(message.data)}}}\r\n"
                self._send(head.encode() + message.data + b")\r\n")
            else:
                date = message.received_at.strftime("%d-%b-%Y %H:%M:%S +0000")
                self._send(
                    f"* {number} FETCH (UID {message.uid} RFC822.SIZE {len(message.data)} "
                    f'INTERNALDATE "{date}")'
                )
        self._send(f"{tag} OK FETCH completed")
        return True


class _Listener(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: ImapServer) -> None:
        self.state = state
        self.tls = _server_context()
        super().__init__(("127.0.0.1", 0), _Session)


@contextlib.contextmanager
def imap_server(
    *, security: str = "tls", credentials: tuple[str, str] = ("crm", "secret"), **options: Any
) -> Iterator[ImapServer]:
    """A running server (``security``: ``"tls"``, ``"starttls"`` or ``"none"``)."""
    state = ImapServer("127.0.0.1", 0, security, credentials, client_ssl_context(), **options)
    listener = _Listener(state)
    state.port = listener.server_address[1]
    thread = threading.Thread(target=listener.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        listener.shutdown()
        listener.server_close()
        thread.join()
