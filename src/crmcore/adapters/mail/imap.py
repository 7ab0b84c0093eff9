"""An IMAP mailbox as a source of messages: standard ``imaplib``, TLS, incremental by UID.

A mailbox is read in UID order.  Its ``UIDVALIDITY`` and the last UID
imported are kept by crmcore (``crm.mail.import_imap``), so the next import
fetches only what is new; when the server changes ``UIDVALIDITY`` (the
mailbox was rebuilt), the whole mailbox is read again, and idempotency keeps
the messages already imported from being stored twice.  Sizes are asked for
first, so a message over the limit is never downloaded.
"""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from types import TracebackType
from urllib.parse import unquote, urlsplit

import attrs

from crmcore.adapters.mail.files import RawMail
from crmcore.adapters.mail.limits import DEFAULT_LIMITS, MailLimits
from crmcore.errors import MailboxError, ValidationError

__all__ = ["IMAP_SCHEMES", "ImapMailbox", "ImapSession"]

#: URL schemes of :meth:`ImapMailbox.from_url` and the protection each means.
IMAP_SCHEMES = {"imap": "starttls", "imaps": "tls", "imap+plain": "none"}
_DEFAULT_PORTS = {"starttls": 143, "tls": 993, "none": 143}
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")
_FETCH_ITEM = re.compile(rb"UID (\d+)|RFC822\.SIZE (\d+)|INTERNALDATE \"([^\"]+)\"")
_BATCH = 50

_Failures = (imaplib.IMAP4.error, OSError, EOFError)


@attrs.frozen(kw_only=True)
class ImapMailbox:
    """Where to read: server, protection, login and mailbox (folder).

    ``security`` is ``"tls"`` (implicit TLS, port 993), ``"starttls"``
    (refuses to go on without it, port 143) or ``"none"`` (plain text, for a
    server on a trusted network).  ``ssl_context`` verifies the server's
    certificate (by default the system's trusted authorities).
    """

    host: str
    username: str
    password: str = attrs.field(repr=False)
    mailbox: str = "INBOX"
    port: int | None = None
    security: str = "tls"
    timeout: float = 60.0
    ssl_context: ssl.SSLContext | None = attrs.field(default=None, repr=False)

    @classmethod
    def from_url(
        cls, url: str, *, password: str | None = None, ssl_context: ssl.SSLContext | None = None
    ) -> ImapMailbox:
        """A mailbox named by ``imaps://user@host:993/INBOX`` (``imap://`` is STARTTLS,
        ``imap+plain://`` unprotected); a password in the URL is percent-decoded.

        Raises:
            ValidationError: ``"url"`` for anything malformed; the password is
                never repeated.

        Example:
            >>> box = ImapMailbox.from_url(
            ...     "imaps://office%40intelserv.com@mail.intelserv.com/Sent", password="x"
            ... )
            >>> box.username, box.host, box.mailbox, box.security, box.source
            ('office@intelserv.com', 'mail.intelserv.com', 'Sent', 'tls', 'imaps://office@intelserv.com@mail.intelserv.com:993/Sent')
        """
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValidationError("url", "is not an IMAP URL (the port must be a number)") from None
        security = IMAP_SCHEMES.get(parts.scheme.lower())
        if security is None:
            raise ValidationError(
                "url", f"must start with {', '.join(s + '://' for s in IMAP_SCHEMES)}"
            )
        if not parts.hostname or not parts.username:
            raise ValidationError("url", "needs a user and a host: imaps://user@host/INBOX")
        secret = password if password is not None else parts.password
        if secret is None:
            raise ValidationError("password", "is needed to log in to the mailbox")
        return cls(
            host=parts.hostname,
            port=port,
            username=unquote(parts.username),
            password=unquote(secret) if password is None else secret,
            mailbox=unquote(parts.path.strip("/")) or "INBOX",
            security=security,
            ssl_context=ssl_context,
        )

    @property
    def source(self) -> str:
        """The mailbox as crmcore remembers its progress: no password."""
        scheme = {v: k for k, v in IMAP_SCHEMES.items()}[self.security]
        port = self.port or _DEFAULT_PORTS[self.security]
        return f"{scheme}://{self.username}@{self.host}:{port}/{self.mailbox}"

    def open(self) -> ImapSession:
        """Connect, log in and select the mailbox read-only.

        Raises:
            MailboxError: the server cannot be reached, refuses TLS or the login,
                or has no such mailbox.
        """
        port = self.port or _DEFAULT_PORTS[self.security]
        context = self.ssl_context or ssl.create_default_context()
        where = f"the IMAP server {self.host}:{port}"
        try:
            client: imaplib.IMAP4
            if self.security == "tls":
                client = imaplib.IMAP4_SSL(
                    self.host, port, ssl_context=context, timeout=self.timeout
                )
            else:
                client = imaplib.IMAP4(self.host, port, timeout=self.timeout)
                if self.security == "starttls":
                    client.starttls(ssl_context=context)
        except (*_Failures, ssl.SSLError) as error:
            raise MailboxError(f"cannot connect to {where}: {error}") from None
        try:
            client.login(self.username, self.password)
        except UnicodeEncodeError:
            _close(client)
            raise MailboxError(
                f"{where}: IMAP LOGIN takes a user name and password in ASCII only"
            ) from None
        except _Failures as error:
            _close(client)
            message = str(error).replace(self.password, "***") if self.password else str(error)
            raise MailboxError(
                f"{where} refused the login of {self.username!r}: {message}"
            ) from None
        try:
            status, _ = client.select(_quoted(self.mailbox), readonly=True)
            if status != "OK":
                raise MailboxError(f"{where} has no mailbox {self.mailbox!r}")
            found = _UIDVALIDITY.search(b" ".join(_untagged(client, "UIDVALIDITY")))
        except _Failures as error:
            _close(client)
            raise MailboxError(f"{where}: cannot open {self.mailbox!r}: {error}") from None
        if found is None:
            _close(client)
            raise MailboxError(f"{where} gave no UIDVALIDITY for {self.mailbox!r}")
        return ImapSession(client, int(found.group(1)), where)


def _quoted(mailbox: str) -> str:
    return '"' + mailbox.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _untagged(client: imaplib.IMAP4, name: str) -> list[bytes]:
    values = client.untagged_responses.get("OK", []) + client.untagged_responses.get(name, [])
    return [v if isinstance(v, bytes) else str(v).encode() for v in values if v is not None]


def _close(client: imaplib.IMAP4) -> None:
    try:
        client.logout()
    except (*_Failures, ssl.SSLError):
        client.shutdown()


class ImapSession:
    """An open, selected mailbox; close it (or use it in ``with``)."""

    def __init__(self, client: imaplib.IMAP4, uid_validity: int, where: str) -> None:
        self._client = client
        self.uid_validity = uid_validity
        self._where = where

    def __enter__(self) -> ImapSession:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        _close(self._client)

    def _lost(self, error: BaseException) -> MailboxError:
        return MailboxError(f"lost {self._where}: {error}; run the import again to go on")

    def uids_after(self, last_uid: int) -> list[int]:
        """The UIDs above ``last_uid``, ascending."""
        try:
            status, data = self._client.uid("SEARCH", f"UID {last_uid + 1}:*")
        except _Failures as error:
            raise self._lost(error) from None
        if status != "OK":
            raise MailboxError(f"{self._where} refused UID SEARCH: {data!r}")
        found = sorted({int(n) for chunk in data if chunk for n in chunk.split()})
        # "n:*" always includes the highest UID, even when it is below n.
        return [uid for uid in found if uid > last_uid]

    def _items(self, data: Sequence[object]) -> Iterator[tuple[dict[str, bytes], bytes | None]]:
        for item in data:
            if isinstance(item, tuple) and len(item) >= 2:
                yield _fields(item[0]), bytes(item[1])
            elif isinstance(item, bytes) and b"UID" in item:
                yield _fields(item), None

    def _fetch(self, uids: Sequence[int], what: str) -> Sequence[object]:
        try:
            status, data = self._client.uid("FETCH", ",".join(map(str, uids)), what)
        except _Failures as error:
            raise self._lost(error) from None
        if status != "OK":
            raise MailboxError(f"{self._where} refused UID FETCH: {data!r}")
        return data

    def fetch(
        self, uids: Sequence[int], limits: MailLimits = DEFAULT_LIMITS, batch_size: int = _BATCH
    ) -> Iterator[tuple[int, RawMail]]:
        """The messages with these UIDs, in UID order, fetched ``batch_size`` at a
        time (at most 50, so memory holds few); one over the size limit comes
        without its data."""
        step = max(1, min(batch_size, _BATCH))
        for start in range(0, len(uids), step):
            batch = list(uids[start : start + step])
            sizes: dict[int, tuple[int, datetime | None]] = {}
            for fields, _ in self._items(self._fetch(batch, "(UID RFC822.SIZE INTERNALDATE)")):
                if "uid" in fields:
                    sizes[int(fields["uid"])] = (
                        int(fields.get("size", b"0")),
                        _internal_date(fields.get("date")),
                    )
            wanted = [
                uid for uid in batch if uid in sizes and sizes[uid][0] <= limits.message_bytes
            ]
            bodies: dict[int, bytes] = {}
            if wanted:
                for fields, body in self._items(self._fetch(wanted, "(UID BODY.PEEK[])")):
                    if "uid" in fields and body is not None:
                        bodies[int(fields["uid"])] = body
            for uid in batch:
                if uid not in sizes:
                    continue  # expunged meanwhile
                size, received = sizes[uid]
                source = f"{self._where};UID={uid}"
                if size > limits.message_bytes:
                    yield (
                        uid,
                        RawMail(
                            source, None, received, f"{size} bytes, over {limits.message_bytes}"
                        ),
                    )
                elif uid in bodies:
                    yield uid, RawMail(source, bodies[uid], received)
                else:
                    raise MailboxError(f"{self._where} sent no content for UID {uid}")


def _fields(head: object) -> dict[str, bytes]:
    text = head if isinstance(head, bytes) else str(head).encode()
    found: dict[str, bytes] = {}
    for match in _FETCH_ITEM.finditer(text):
        if match.group(1):
            found["uid"] = match.group(1)
        elif match.group(2):
            found["size"] = match.group(2)
        elif match.group(3):
            found["date"] = match.group(3)
    return found


def _internal_date(value: bytes | None) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.strptime(value.decode("ascii"), "%d-%b-%Y %H:%M:%S %z").astimezone(UTC)
    except ValueError:
        return None
