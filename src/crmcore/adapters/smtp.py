"""E-mail notifications over SMTP, with the standard library only.

:class:`SmtpChannel` implements :class:`crmcore.ports.Channel` under the name
``"email"``: each delivery becomes one plain-text message, sent over a
connection opened for it and closed afterwards.  The channel is also a
crmcore plugin (it registers itself through ``crmcore_channels``), so a host
turns e-mail on with ``crmcore.open(url, plugins=[SmtpChannel.from_url(...)])``.

What the recipient gets:

* UTF-8 throughout: names and subjects travel as encoded words and the body
  as base64 or quoted-printable, so every server takes them; SMTPUTF8 is asked
  for only when an address itself is not ASCII (and fails clearly when the
  server does not offer it).
* A ``Message-ID`` derived from the delivery's key: every retry of one message
  carries the same id, so a receiving system can drop the duplicate that a
  crash between sending and recording the delivery causes.
* ``Auto-Submitted: auto-generated`` (RFC 3834), which keeps vacation
  responders from answering.

How failures are reported, always as :class:`crmcore.errors.DeliveryError`:

* permanent (a retry cannot help): the subject, name or address holds a line
  break or control character, the address is empty or not a mailbox (these
  are found before connecting, so nothing is sent); the server refuses the
  recipient, the sender or the message with a 5xx reply; an address needs
  SMTPUTF8 that the server lacks.
* temporary: the server cannot be found or reached, does not answer in
  time, answers 4xx, TLS fails, the server lacks STARTTLS where it is
  required, or the login is refused or required (530, 534, 535, 538: the
  settings can be fixed and the message sent later).

The password never appears in an error message or a ``repr``.

Example:
    >>> from crmcore.adapters.smtp import SmtpChannel
    >>> from crmcore.domain.notifications import Delivery
    >>> channel = SmtpChannel.from_url(
    ...     "smtp://crm:secret@mail.example.com?sender=CRM%20%3Ccrm@example.com%3E"
    ... )
    >>> channel.host, channel.port, channel.security, channel.username
    ('mail.example.com', 587, 'starttls', 'crm')
    >>> message = channel.message(
    ...     Delivery(
    ...         key="m-1",
    ...         kind="reminder",
    ...         channel="email",
    ...         recipient_name="Петрова Ірина",
    ...         address="iryna@example.com",
    ...         subject="Нагадування",
    ...         body="Дзвінок о 15:00",
    ...     )
    ... )
    >>> message["To"], message["Subject"]
    ('Петрова Ірина <iryna@example.com>', 'Нагадування')
    >>> message["Message-ID"]
    '<a461b472cb41a9ec3dee5c90cf8e4a78.crmcore@example.com>'
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import math
import re
import smtplib
import socket
import ssl
import string
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import attrs

from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError, ValidationError
from crmcore.hookspecs import hookimpl
from crmcore.ports import Channel

__all__ = ["DEFAULT_PORTS", "SCHEMES", "SECURITIES", "SmtpChannel"]

#: How the connection is protected: ``"none"`` (plain text), ``"starttls"``
#: (plain connection upgraded before anything else is said) or ``"tls"``
#: (TLS from the first byte, "implicit TLS").
SECURITIES = ("none", "starttls", "tls")

#: The port used when none is given, per security.
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

#: URL schemes :meth:`SmtpChannel.from_url` reads, and the security each means.
SCHEMES = {"smtp": "starttls", "smtps": "tls", "smtp+plain": "none"}

_URL_PARAMETERS = ("sender", "reply_to", "timeout", "local_hostname", "name")

# Quoting only the 7-bit "7bit" transfer encoding keeps the body safe for
# servers without 8BITMIME: the email package then picks base64 or
# quoted-printable, whichever is shorter, for any non-ASCII text.
_POLICY = SMTP.clone(cte_type="7bit")

# These replies are about the login or the connection's protection, not about
# this message: the host's settings are wrong, and once they are fixed the
# same message goes through, so they never make a failure permanent.
_LOGIN_REPLIES = frozenset({530, 534, 535, 538})

# The key goes into X-Crmcore-Key readable where it is plain ASCII; "%" (the
# escape) and anything a header cannot carry as is are percent-encoded.
_KEY_SAFE = "".join(c for c in string.punctuation if c != "%")

# RFC 5321 atext, and any non-ASCII character (RFC 6531); whitespace and
# control characters are refused before these patterns are tried.
_ATEXT = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])"
_LABEL_CHAR = r"(?:[A-Za-z0-9]|[^\x00-\x7f])"
_LOCAL_PART = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_DOMAIN = re.compile(
    rf"{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-){{0,61}}{_LABEL_CHAR})?"
    rf"(?:\.{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-){{0,61}}{_LABEL_CHAR})?)*"
)


def _bad_character(value: str) -> str | None:
    """The first character of ``value`` that must not reach a header: a control
    character (CR and LF among them) or a Unicode line or paragraph separator."""
    for character in value:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            return character
    return None


def _mailbox(text: str) -> Address | None:
    """``text`` as an address if it is one mailbox (``local@domain``), else None.

    Quoted local parts and address literals are not taken: mail systems that
    accept them are rare, and refusing them leaves no room for tricks.  A
    non-ASCII domain of an ASCII local part is written as IDNA, so the
    message needs no SMTPUTF8.
    """
    if _bad_character(text) is not None or any(c.isspace() for c in text):
        return None
    local, at, domain = text.rpartition("@")
    if not at or len(local) > 64 or len(domain) > 255:
        return None
    if not _LOCAL_PART.fullmatch(local) or not _DOMAIN.fullmatch(domain):
        return None
    if local.isascii() and not domain.isascii():
        with contextlib.suppress(UnicodeError):
            domain = domain.encode("idna").decode("ascii")
    return Address(username=local, domain=domain)


def _configured_address(field: str, value: object) -> Address:
    """A configured ``"address"`` or ``"Name <address>"``; ValidationError if not one."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be str, not {type(value).__name__}")
    text = value.strip()
    name = ""
    if text.endswith(">") and "<" in text:
        name, _, text = text[:-1].rpartition("<")
        name = name.strip()
        if len(name) >= 2 and name[0] == name[-1] == '"':
            name = name[1:-1]
    found = _mailbox(text)
    if found is None or _bad_character(name) is not None:
        raise ValidationError(
            field,
            f"{value!r} is not an e-mail address (write 'crm@example.com' or 'CRM <crm@...>')",
        )
    return Address(display_name=name, username=found.username, domain=found.domain)


def _header_text(field: str, value: str) -> str:
    """``value`` unchanged, or a permanent DeliveryError if it would break a header."""
    character = _bad_character(value)
    if character is not None:
        raise DeliveryError(
            f"{field}: contains a line break or control character (U+{ord(character):04X}); "
            "refusing to put it into a mail header",
            permanent=True,
        )
    return value


def _reply_text(reply: bytes | str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(text.split())


def _permanent(code: int) -> bool:
    return 500 <= code < 600 and code not in _LOGIN_REPLIES


def _check_host(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value or _bad_character(value) is not None or any(c.isspace() for c in value):
        raise ValidationError(attribute.name, "must be a host name or address without spaces")


def _check_port(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValidationError(attribute.name, "must be a number from 1 to 65535")


def _check_security(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value not in SECURITIES:
        raise ValidationError(
            attribute.name, f"must be one of {', '.join(map(repr, SECURITIES))}, not {value!r}"
        )


def _check_timeout(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(attribute.name, f"must be a number, not {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValidationError(attribute.name, "must be a positive number of seconds")


def _check_secret(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A user name or password: None, or non-empty text without control characters.

    The value itself never goes into the message.
    """
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value:
        raise ValidationError(attribute.name, "must not be empty")
    if _bad_character(value) is not None:
        raise ValidationError(attribute.name, "must not contain control characters")


def _check_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value.strip() or _bad_character(value) is not None:
        raise ValidationError(attribute.name, "must be non-empty text without control characters")


def _check_optional_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None:
        _check_name(_, attribute, value)


def _check_context(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is not None and not isinstance(value, ssl.SSLContext):
        raise ValidationError(
            attribute.name, f"must be an ssl.SSLContext, not {type(value).__name__}"
        )


@attrs.frozen(init=False, eq=False)
class SmtpChannel:
    """The ``email`` channel: sends each delivery as one message through an SMTP server.

    Args:
        host: the SMTP server (a relay or the provider's submission server).
        port: its port; by default 587 for ``"starttls"``, 465 for ``"tls"``,
            25 for ``"none"``.
        sender: the ``From`` address, ``"crm@example.com"`` or
            ``"CRM <crm@example.com>"``; also the envelope sender, and its
            domain ends every ``Message-ID``.
        security: ``"starttls"`` (default: refuses to go on in plain text if the
            server does not offer STARTTLS), ``"tls"`` (implicit TLS) or
            ``"none"`` (plain text, for a relay on a trusted network).
        username, password: log in with these (both or neither).
        timeout: seconds to wait for the server at each step.
        ssl_context: verifies the server's certificate; by default
            ``ssl.create_default_context()``, the system's trusted authorities.
        local_hostname: the name given in EHLO; by default this machine's
            fully qualified name.
        reply_to: a ``Reply-To`` address, e.g. the team's shared mailbox.
        name: the channel's name, for hosts that run two e-mail channels.

    Raises:
        ValidationError: a setting is not usable; it names the setting.
    """

    host: str = attrs.field(validator=_check_host)
    port: int = attrs.field(validator=_check_port)
    security: str = attrs.field(validator=_check_security)
    sender: str = attrs.field(validator=_check_name)
    username: str | None = attrs.field(validator=_check_secret)
    password: str | None = attrs.field(repr=False, validator=_check_secret)
    timeout: float = attrs.field(repr=False, validator=_check_timeout)
    ssl_context: ssl.SSLContext | None = attrs.field(repr=False, validator=_check_context)
    local_hostname: str | None = attrs.field(repr=False, validator=_check_optional_text)
    reply_to: str | None = attrs.field(repr=False, validator=_check_optional_text)
    name: str = attrs.field(validator=_check_name)
    _from: Address = attrs.field(repr=False, alias="from_address")
    _reply_to: Address | None = attrs.field(repr=False, alias="reply_to_address")
    _id_domain: str = attrs.field(repr=False, alias="id_domain")
    _context: ssl.SSLContext | None = attrs.field(repr=False, alias="context")

    def __init__(
        self,
        host: str,
        port: int | None = None,
        *,
        sender: str,
        security: str = "starttls",
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_context: ssl.SSLContext | None = None,
        local_hostname: str | None = None,
        reply_to: str | None = None,
        name: str = "email",
    ) -> None:
        # The security chooses the default port, so it is checked first.
        _check_security(None, attrs.fields(SmtpChannel).security, security)
        if (username is None) != (password is None):
            missing = "password" if password is None else "username"
            raise ValidationError(missing, "is needed with the other: give both or neither")
        from_address = _configured_address("sender", sender)
        try:
            id_domain = from_address.domain.encode("idna").decode("ascii")
        except UnicodeError:
            raise ValidationError(
                "sender", "its domain cannot be written in ASCII (IDNA) for a Message-ID"
            ) from None
        context = None
        if security != "none":
            context = ssl_context if ssl_context is not None else ssl.create_default_context()
        self.__attrs_init__(
            host=host,
            security=security,
            port=DEFAULT_PORTS[security] if port is None else port,
            sender=sender,
            username=username,
            password=password,
            timeout=timeout,
            ssl_context=ssl_context,
            local_hostname=local_hostname,
            reply_to=reply_to,
            name=name,
            from_address=from_address,
            reply_to_address=None
            if reply_to is None
            else _configured_address("reply_to", reply_to),
            id_domain=id_domain,
            context=context,
        )

    @classmethod
    def from_url(cls, url: str, *, ssl_context: ssl.SSLContext | None = None) -> SmtpChannel:
        """A channel configured by one URL, e.g. from a host's settings file.

        ``smtp://`` means STARTTLS (port 587), ``smtps://`` implicit TLS (465),
        ``smtp+plain://`` no protection (25).  A user name and password in the
        URL are percent-decoded (write ``@`` as ``%40``, ``:`` as ``%3A``).
        Query parameters: ``sender`` (required), ``reply_to``, ``timeout``,
        ``local_hostname`` and ``name``, percent-decoded too ("+" stays a plus).

        Args:
            url: ``smtp://user:password@host:587?sender=crm@example.com``.
            ssl_context: as for the constructor.

        Raises:
            ValidationError: ``"url"``, for anything malformed or missing; the
                message never repeats the URL, which may hold the password.

        Example:
            >>> channel = SmtpChannel.from_url(
            ...     "smtps://crm%40example.com:p%40ss@mail.example.com?sender=crm@example.com"
            ... )
            >>> channel.security, channel.port, channel.username
            ('tls', 465, 'crm@example.com')
        """
        if not isinstance(url, str):
            raise ValidationError("url", f"must be str, not {type(url).__name__}")
        if _bad_character(url) is not None:
            raise ValidationError("url", "must not contain control characters or line breaks")
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValidationError(
                "url", "is not a valid URL (the port must be a number from 1 to 65535)"
            ) from None
        security = SCHEMES.get(parts.scheme.lower())
        if security is None:
            raise ValidationError("url", f"must start with {', '.join(s + '://' for s in SCHEMES)}")
        if not parts.hostname:
            raise ValidationError("url", "names no host")
        if parts.path not in ("", "/") or parts.fragment:
            raise ValidationError("url", "must have no path or fragment after the host")
        settings: dict[str, str] = {}
        for piece in parts.query.split("&") if parts.query else ():
            key, equals, value = piece.partition("=")
            if not equals:
                raise ValidationError("url", f"parameter {unquote(key)!r} has no value")
            key = unquote(key)
            if key not in _URL_PARAMETERS:
                raise ValidationError(
                    "url", f"unknown parameter {key!r}; known: {', '.join(_URL_PARAMETERS)}"
                )
            if key in settings:
                raise ValidationError("url", f"parameter {key!r} is given twice")
            settings[key] = unquote(value)
        if not settings.get("sender"):
            raise ValidationError("url", "needs the sender address: add ?sender=crm@example.com")
        timeout = 30.0
        if "timeout" in settings:
            try:
                timeout = float(settings["timeout"])
            except ValueError:
                raise ValidationError("url", "timeout must be a number of seconds") from None
        username = None if parts.username is None else unquote(parts.username)
        password = None if parts.password is None else unquote(parts.password)
        try:
            return cls(
                parts.hostname,
                port,
                sender=settings["sender"],
                security=security,
                username=username,
                password=password,
                timeout=timeout,
                ssl_context=ssl_context,
                local_hostname=settings.get("local_hostname"),
                reply_to=settings.get("reply_to"),
                name=settings.get("name", "email"),
            )
        except ValidationError as error:
            raise ValidationError("url", f"{error.field}: {error.problem}") from None

    # --- the message --------------------------------------------------------

    def message_id(self, key: str) -> str:
        """The ``Message-ID`` of the message with this idempotency key.

        Equal keys give equal ids, on any machine and after any restart.

        Example:
            >>> channel = SmtpChannel("localhost", sender="crm@example.com", security="none")
            >>> channel.message_id("m-1") == channel.message_id("m-1")
            True
            >>> channel.message_id("m-1") == channel.message_id("m-2")
            False
        """
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
        return f"<{digest}.crmcore@{self._id_domain}>"

    def message(self, delivery: Delivery) -> EmailMessage:
        """The message :meth:`deliver` sends for ``delivery``, e.g. for a preview.

        ``Date`` is the delivery's ``created_at`` (now, if it has none), so a
        retry sends the very same headers.

        Raises:
            DeliveryError: permanent; the subject, the recipient's name or the
                address holds a line break or control character, the address is
                empty or not one mailbox.  The message names the field.
        """
        subject = _header_text("subject", delivery.subject)
        display_name = _header_text("recipient_name", delivery.recipient_name)
        if not delivery.address.strip():
            raise DeliveryError("address: the employee has no e-mail address", permanent=True)
        mailbox = _mailbox(_header_text("address", delivery.address).strip())
        if mailbox is None:
            raise DeliveryError(
                f"address: {delivery.address!r} is not a valid e-mail address", permanent=True
            )
        created = delivery.created_at or datetime.now(UTC)
        message = EmailMessage(policy=_POLICY)
        message["Message-ID"] = self.message_id(delivery.key)
        message["Date"] = format_datetime(created)
        message["From"] = self._from
        message["To"] = Address(
            display_name=display_name, username=mailbox.username, domain=mailbox.domain
        )
        if self._reply_to is not None:
            message["Reply-To"] = self._reply_to
        message["Subject"] = subject
        message["Auto-Submitted"] = "auto-generated"
        message["X-Crmcore-Key"] = quote(delivery.key, safe=_KEY_SAFE)
        message.set_content(delivery.body)
        return message

    # --- sending ------------------------------------------------------------

    def deliver(self, delivery: Delivery) -> str | None:
        """Send ``delivery``; return the ``Message-ID`` it carries.

        Raises:
            DeliveryError: see the module's description for which failures are
                permanent; a permanent one about the message itself is raised
                before connecting.
        """
        message = self.message(delivery)
        try:
            self._send(message)
        except DeliveryError:
            raise
        except (smtplib.SMTPException, OSError) as error:
            raise self._failure(error) from error
        return str(message["Message-ID"])

    @hookimpl
    def crmcore_channels(self, register: Callable[[Channel], None]) -> None:
        """Register this channel, so the object can be passed as a plugin."""
        register(self)

    @property
    def _where(self) -> str:
        return f"the SMTP server {self.host}:{self.port}"

    def _error(self, problem: str, *, permanent: bool = False) -> DeliveryError:
        # A server may echo what it was sent; the password stays out of errors
        # whatever the server said.
        if self.password:
            problem = problem.replace(self.password, "***")
        return DeliveryError(problem, permanent=permanent)

    def _send(self, message: EmailMessage) -> None:
        # Connecting in the constructor is what gives smtplib the host name
        # that TLS checks the certificate against; a constructor that fails
        # has closed what it opened.
        client: smtplib.SMTP
        if self.security == "tls":
            client = smtplib.SMTP_SSL(
                self.host,
                self.port,
                local_hostname=self.local_hostname,
                timeout=self.timeout,
                context=self._context,
            )
        else:
            client = smtplib.SMTP(
                self.host, self.port, local_hostname=self.local_hostname, timeout=self.timeout
            )
        # closing() and not the client's own context manager: that one raises
        # when QUIT is answered oddly, which would fail a message already sent.
        with contextlib.closing(client):
            client.ehlo_or_helo_if_needed()
            if self.security == "starttls":
                if not client.has_extn("starttls"):
                    raise self._error(
                        f"{self._where} does not offer STARTTLS; refusing to send in plain "
                        "text (use security 'none' only for a relay on a trusted network)"
                    )
                client.starttls(context=self._context)
                client.ehlo()
            if self.username is not None and self.password is not None:
                self._login(client, self.username, self.password)
            client.send_message(message)
            with contextlib.suppress(smtplib.SMTPException, OSError):
                client.quit()

    def _login(self, client: smtplib.SMTP, username: str, password: str) -> None:
        try:
            if (username + password).isascii():
                client.login(username, password)
                return
            # smtplib sends credentials as ASCII only; AUTH PLAIN carries UTF-8
            # (RFC 4616), so non-ASCII ones go that way by hand.
            methods = client.esmtp_features.get("auth", "").upper().split()
            if "PLAIN" not in methods:
                raise self._error(
                    f"{self._where} does not offer AUTH PLAIN, the only way to log in "
                    "with a non-ASCII user name or password"
                )
            secret = f"\0{username}\0{password}".encode()
            code, reply = client.docmd("AUTH", "PLAIN " + base64.b64encode(secret).decode("ascii"))
            if code != 235:
                raise smtplib.SMTPAuthenticationError(code, reply)
        except smtplib.SMTPAuthenticationError as error:
            raise self._error(
                f"{self._where} refused the login of {username!r}: {error.smtp_code} "
                f"{_reply_text(error.smtp_error)}; check the user name and password"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise self._error(
                f"{self._where} does not offer a login (AUTH); remove the user name and "
                "password, or use the server's submission port"
            ) from error

    def _failure(self, error: smtplib.SMTPException | OSError) -> DeliveryError:
        """``error``, raised while talking to the server, in words and classified."""
        where = self._where
        if isinstance(error, smtplib.SMTPRecipientsRefused):
            refusals = [
                f"{address}: {code} {_reply_text(reply)}"
                for address, (code, reply) in error.recipients.items()
            ]
            permanent = all(_permanent(code) for code, _ in error.recipients.values())
            return self._error(
                f"{where} refused the recipient {'; '.join(refusals)}", permanent=permanent
            )
        if isinstance(error, smtplib.SMTPSenderRefused):
            return self._error(
                f"{where} refused the sender {error.sender}: {error.smtp_code} "
                f"{_reply_text(error.smtp_error)}",
                permanent=_permanent(error.smtp_code),
            )
        if isinstance(error, smtplib.SMTPDataError):
            return self._error(
                f"{where} refused the message: {error.smtp_code} {_reply_text(error.smtp_error)}",
                permanent=_permanent(error.smtp_code),
            )
        if isinstance(error, smtplib.SMTPResponseException):
            return self._error(
                f"{where} answered {error.smtp_code} {_reply_text(error.smtp_error)}"
            )
        if isinstance(error, smtplib.SMTPNotSupportedError):
            # send_message raises it when an address is not ASCII and the
            # server cannot take such addresses: it never will for this one.
            return self._error(
                f"{where} does not offer SMTPUTF8, which a non-ASCII address needs", permanent=True
            )
        if isinstance(error, smtplib.SMTPServerDisconnected):
            # smtplib reports a reply that never came as a lost connection.
            if isinstance(error.__context__, TimeoutError):
                return self._error(f"{where} did not answer within {self.timeout:g} seconds")
            return self._error(f"{where} closed the connection unexpectedly: {error}")
        if isinstance(error, smtplib.SMTPException):
            return self._error(f"{where} failed: {error}")
        if isinstance(error, ssl.SSLCertVerificationError):
            return self._error(
                f"the TLS certificate of {where} could not be verified "
                f"({error.verify_message}); give an ssl_context that trusts it"
            )
        if isinstance(error, ssl.SSLError):
            return self._error(f"TLS with {where} failed: {error.reason or error}")
        if isinstance(error, TimeoutError):
            return self._error(f"{where} did not answer within {self.timeout:g} seconds")
        if isinstance(error, ConnectionRefusedError):
            return self._error(f"{where} refused the connection (is it running on that port?)")
        if isinstance(error, socket.gaierror):
            return self._error(f"cannot find the SMTP server {self.host!r}: {error.strerror}")
        return self._error(f"cannot talk to {where}: {error.strerror or error}")
