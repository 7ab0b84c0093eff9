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

from crmcore.adapters.smtp import settings
from crmcore.adapters.smtp.channel import SmtpChannel

__all__ = ["DEFAULT_PORTS", "SCHEMES", "SECURITIES", "SmtpChannel"]

# The constants are bound here, not only imported: the API reference reads
# their descriptions from the comments of this module.

#: How the connection is protected: ``"none"`` (plain text), ``"starttls"``
#: (plain connection upgraded before anything else is said) or ``"tls"``
#: (TLS from the first byte, "implicit TLS").
SECURITIES = settings.SECURITIES

#: The port used when none is given, per security.
DEFAULT_PORTS = settings.DEFAULT_PORTS

#: URL schemes :meth:`SmtpChannel.from_url` reads, and the security each means.
SCHEMES = settings.SCHEMES
