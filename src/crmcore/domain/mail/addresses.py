"""E-mail addresses as they appear in real mail, and which domains are public.

Real headers are untidy: a trailing comma in ``Cc``, an address without a
name, a name without an address, an encoded word left in a name.  The parser
here never raises on them; it keeps what is an address and drops the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from email.utils import getaddresses

import attrs

__all__ = ["PUBLIC_MAIL_DOMAINS", "MailAddress", "is_public_domain", "parse_addresses"]

_SPECIALS = re.compile(r'[()<>\[\]:;@\\,."]')
_ADDRESS = re.compile(r"^[^@\s<>,;\"()\[\]]+@[^@\s<>,;\"()\[\]]+\.[^@\s<>,;\"()\[\]]+$")

#: Domains where anyone gets a mailbox: an address there says nothing about
#: the company a person works for, so it is never matched to a client by domain.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "aol.com",
        "bigmir.net",
        "bk.ru",
        "email.ua",
        "gmail.com",
        "gmx.com",
        "gmx.de",
        "gmx.net",
        "googlemail.com",
        "hotmail.com",
        "i.ua",
        "icloud.com",
        "inbox.ru",
        "list.ru",
        "live.com",
        "mac.com",
        "mail.com",
        "mail.ru",
        "mail.ua",
        "me.com",
        "meta.ua",
        "msn.com",
        "outlook.com",
        "pm.me",
        "proton.me",
        "protonmail.com",
        "rambler.ru",
        "t-online.de",
        "ukr.net",
        "web.de",
        "ya.ru",
        "yahoo.com",
        "yandex.com",
        "yandex.ru",
        "yandex.ua",
        "zoho.com",
    }
)


def is_public_domain(domain: str) -> bool:
    """Whether ``domain`` hands out mailboxes to anyone (``gmail.com``, ``ukr.net``, ...).

    Example:
        >>> is_public_domain("GMail.com"), is_public_domain("delicates.ua")
        (True, False)
    """
    return domain.casefold() in PUBLIC_MAIL_DOMAINS


@attrs.frozen
class MailAddress:
    """One mailbox: its address (domain in lower case) and the name shown with it."""

    address: str
    name: str = ""

    @property
    def key(self) -> str:
        """The form addresses are compared in: case-folded."""
        return self.address.casefold()

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def local_part(self) -> str:
        return self.address.rpartition("@")[0]

    def __str__(self) -> str:
        if not self.name:
            return self.address
        name = f'"{self.name}"' if _SPECIALS.search(self.name) else self.name
        return f"{name} <{self.address}>"


def _clean_name(name: str) -> str:
    return " ".join(name.replace('"', " ").split())


def _same(text: str) -> str:
    return text


def parse_addresses(
    values: Iterable[str], *, decode_name: Callable[[str], str] = _same
) -> tuple[MailAddress, ...]:
    """The mailboxes named in header values, each once, in order.

    Entries that are no address (an empty item after a trailing comma, a
    bare name, a group's name) are dropped, never raised on.  Names are
    passed through ``decode_name`` after the list is split, so an encoded
    word that decodes to a comma cannot split an entry.

    Example:
        >>> [str(a) for a in parse_addresses(['"Петров И." <Petrov@Neptun.UA>, ivan@x.ua,'])]
        ['"Петров И." <Petrov@neptun.ua>', 'ivan@x.ua']
    """
    found: dict[str, MailAddress] = {}
    for name, address in getaddresses([v for v in values if v]):
        address = address.strip().strip("<>").strip()
        if not _ADDRESS.match(address):
            continue
        local, _, domain = address.rpartition("@")
        mailbox = MailAddress(f"{local}@{domain.lower()}", _clean_name(decode_name(name)))
        found.setdefault(mailbox.key, mailbox)
    return tuple(found.values())
