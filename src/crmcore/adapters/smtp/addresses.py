"""E-mail addresses, and the text that may go into a mail header.

A subject, a name or an address that holds a line break could add headers
of its own (header injection), so every value is checked here before it
reaches a message.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from email.headerregistry import Address

from crmcore.errors import DeliveryError, ValidationError

__all__ = ["bad_character", "configured_address", "header_text", "mailbox"]

# RFC 5321 atext, and any non-ASCII character (RFC 6531); whitespace and
# control characters are refused before these patterns are tried.
_ATEXT = r"(?:[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]|[^\x00-\x7f])"
_LABEL_CHAR = r"(?:[A-Za-z0-9]|[^\x00-\x7f])"
_LOCAL_PART = re.compile(rf"{_ATEXT}+(?:\.{_ATEXT}+)*")
_DOMAIN = re.compile(
    rf"{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-){{0,61}}{_LABEL_CHAR})?"
    rf"(?:\.{_LABEL_CHAR}(?:(?:{_LABEL_CHAR}|-){{0,61}}{_LABEL_CHAR})?)*"
)


def bad_character(value: str) -> str | None:
    """The first character of ``value`` that must not reach a header: a control
    character (CR and LF among them) or a Unicode line or paragraph separator."""
    for character in value:
        if unicodedata.category(character) in ("Cc", "Zl", "Zp"):
            return character
    return None


def mailbox(text: str) -> Address | None:
    """``text`` as an address if it is one mailbox (``local@domain``), else None.

    Quoted local parts and address literals are not taken: mail systems that
    accept them are rare, and refusing them leaves no room for tricks.  A
    non-ASCII domain of an ASCII local part is written as IDNA, so the
    message needs no SMTPUTF8.
    """
    if bad_character(text) is not None or any(c.isspace() for c in text):
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


def configured_address(field: str, value: object) -> Address:
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
    found = mailbox(text)
    if found is None or bad_character(name) is not None:
        raise ValidationError(
            field,
            f"{value!r} is not an e-mail address (write 'crm@example.com' or 'CRM <crm@...>')",
        )
    return Address(display_name=name, username=found.username, domain=found.domain)


def header_text(field: str, value: str) -> str:
    """``value`` unchanged, or a permanent DeliveryError if it would break a header."""
    character = bad_character(value)
    if character is not None:
        raise DeliveryError(
            f"{field}: contains a line break or control character (U+{ord(character):04X}); "
            "refusing to put it into a mail header",
            permanent=True,
        )
    return value
