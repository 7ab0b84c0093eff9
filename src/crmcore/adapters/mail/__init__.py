"""Reading e-mail: one RFC 822 message, an mbox file, an IMAP mailbox.

:func:`parse_message` turns raw bytes into a
:class:`~crmcore.domain.mail.ParsedMail`; :func:`read_eml` and
:func:`read_mbox` read files, :class:`ImapMailbox` a mailbox on a server
(standard ``imaplib``, TLS).  Storing what was read is ``crm.mail``'s work.
"""

from __future__ import annotations

from crmcore.adapters.mail.files import RawMail, looks_like_mbox, read_eml, read_mbox
from crmcore.adapters.mail.imap import IMAP_SCHEMES, ImapMailbox, ImapSession
from crmcore.adapters.mail.limits import DEFAULT_LIMITS, MailLimits
from crmcore.adapters.mail.parsing import parse_message

__all__ = [
    "DEFAULT_LIMITS",
    "IMAP_SCHEMES",
    "ImapMailbox",
    "ImapSession",
    "MailLimits",
    "RawMail",
    "looks_like_mbox",
    "parse_message",
    "read_eml",
    "read_mbox",
]
