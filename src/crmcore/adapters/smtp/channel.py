"""The ``email`` channel: its settings, and the SMTP conversation that delivers a message."""

from __future__ import annotations

import base64
import contextlib
import smtplib
import ssl
from collections.abc import Callable
from email.headerregistry import Address
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

import attrs

from crmcore.adapters.smtp.addresses import bad_character, configured_address
from crmcore.adapters.smtp.failures import describe, reply_text
from crmcore.adapters.smtp.message import compose, message_id_for
from crmcore.adapters.smtp.settings import (
    DEFAULT_PORTS,
    SCHEMES,
    check_context,
    check_host,
    check_name,
    check_optional_text,
    check_port,
    check_secret,
    check_security,
    check_timeout,
)
from crmcore.domain.notifications import Delivery
from crmcore.errors import DeliveryError, ValidationError
from crmcore.hookspecs import hookimpl
from crmcore.ports import Channel

__all__ = ["SmtpChannel"]

_URL_PARAMETERS = ("sender", "reply_to", "timeout", "local_hostname", "name")


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

    host: str = attrs.field(validator=check_host)
    port: int = attrs.field(validator=check_port)
    security: str = attrs.field(validator=check_security)
    sender: str = attrs.field(validator=check_name)
    username: str | None = attrs.field(validator=check_secret)
    password: str | None = attrs.field(repr=False, validator=check_secret)
    timeout: float = attrs.field(repr=False, validator=check_timeout)
    ssl_context: ssl.SSLContext | None = attrs.field(repr=False, validator=check_context)
    local_hostname: str | None = attrs.field(repr=False, validator=check_optional_text)
    reply_to: str | None = attrs.field(repr=False, validator=check_optional_text)
    name: str = attrs.field(validator=check_name)
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
        check_security(None, attrs.fields(SmtpChannel).security, security)
        if (username is None) != (password is None):
            missing = "password" if password is None else "username"
            raise ValidationError(missing, "is needed with the other: give both or neither")
        from_address = configured_address("sender", sender)
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
            reply_to_address=None if reply_to is None else configured_address("reply_to", reply_to),
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
        if bad_character(url) is not None:
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
        return message_id_for(key, self._id_domain)

    def message(self, delivery: Delivery) -> EmailMessage:
        """The message :meth:`deliver` sends for ``delivery``, e.g. for a preview.

        ``Date`` is the delivery's ``created_at`` (now, if it has none), so a
        retry sends the very same headers.

        Raises:
            DeliveryError: permanent; the subject, the recipient's name or the
                address holds a line break or control character, the address is
                empty or not one mailbox.  The message names the field.
        """
        return compose(
            delivery, sender=self._from, reply_to=self._reply_to, id_domain=self._id_domain
        )

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
                f"{reply_text(error.smtp_error)}; check the user name and password"
            ) from error
        except smtplib.SMTPNotSupportedError as error:
            raise self._error(
                f"{self._where} does not offer a login (AUTH); remove the user name and "
                "password, or use the server's submission port"
            ) from error

    def _failure(self, error: smtplib.SMTPException | OSError) -> DeliveryError:
        """``error``, raised while talking to the server, in words and classified."""
        problem, permanent = describe(
            error, where=self._where, host=self.host, timeout=self.timeout
        )
        return self._error(problem, permanent=permanent)
