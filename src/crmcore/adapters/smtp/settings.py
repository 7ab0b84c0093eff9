"""The settings of an SMTP channel: how a connection is protected, and the checks of each."""

from __future__ import annotations

import math
import ssl
from typing import Any

import attrs

from crmcore.adapters.smtp.addresses import bad_character
from crmcore.errors import ValidationError

__all__ = [
    "DEFAULT_PORTS",
    "SCHEMES",
    "SECURITIES",
    "check_context",
    "check_host",
    "check_name",
    "check_optional_text",
    "check_port",
    "check_secret",
    "check_security",
    "check_timeout",
]

#: How the connection is protected: ``"none"`` (plain text), ``"starttls"``
#: (plain connection upgraded before anything else is said) or ``"tls"``
#: (TLS from the first byte, "implicit TLS").
SECURITIES = ("none", "starttls", "tls")

#: The port used when none is given, per security.
DEFAULT_PORTS = {"none": 25, "starttls": 587, "tls": 465}

#: URL schemes :meth:`SmtpChannel.from_url` reads, and the security each means.
SCHEMES = {"smtp": "starttls", "smtps": "tls", "smtp+plain": "none"}


def check_host(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A host name or address: non-empty, without spaces or control characters."""
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value or bad_character(value) is not None or any(c.isspace() for c in value):
        raise ValidationError(attribute.name, "must be a host name or address without spaces")


def check_port(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A TCP port number, 1 to 65535."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value < 65536:
        raise ValidationError(attribute.name, "must be a number from 1 to 65535")


def check_security(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """One of :data:`SECURITIES`."""
    if value not in SECURITIES:
        raise ValidationError(
            attribute.name, f"must be one of {', '.join(map(repr, SECURITIES))}, not {value!r}"
        )


def check_timeout(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A positive, finite number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(attribute.name, f"must be a number, not {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValidationError(attribute.name, "must be a positive number of seconds")


def check_secret(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """A user name or password: None, or non-empty text without control characters.

    The value itself never goes into the message.
    """
    if value is None:
        return
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value:
        raise ValidationError(attribute.name, "must not be empty")
    if bad_character(value) is not None:
        raise ValidationError(attribute.name, "must not contain control characters")


def check_name(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """Non-empty text without control characters."""
    if not isinstance(value, str):
        raise ValidationError(attribute.name, f"must be str, not {type(value).__name__}")
    if not value.strip() or bad_character(value) is not None:
        raise ValidationError(attribute.name, "must be non-empty text without control characters")


def check_optional_text(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """None, or what :func:`check_name` takes."""
    if value is not None:
        check_name(_, attribute, value)


def check_context(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """None, or an :class:`ssl.SSLContext`."""
    if value is not None and not isinstance(value, ssl.SSLContext):
        raise ValidationError(
            attribute.name, f"must be an ssl.SSLContext, not {type(value).__name__}"
        )
