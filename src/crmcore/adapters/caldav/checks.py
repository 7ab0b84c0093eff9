"""Checks of what a caller hands the collection, before anything is sent."""

from __future__ import annotations

import math
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from crmcore.adapters.caldav.calendar_data import scan
from crmcore.adapters.caldav.urls import canonical_path
from crmcore.errors import ValidationError

__all__ = ["check_ics", "check_name", "check_text", "check_timeout", "split_url"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def split_url(url: object) -> tuple[str, str | None, str | None]:
    """``url`` without user information, and the user name and password it held."""
    if not isinstance(url, str):
        raise ValidationError("url", f"must be str, not {type(url).__name__}")
    if not url.strip():
        raise ValidationError("url", "must not be empty")
    if any(ch.isspace() for ch in url) or _CONTROL.search(url):
        raise ValidationError("url", "must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise ValidationError("url", "is not a valid URL") from None
    netloc = parts.netloc.rpartition("@")[2]
    shown = urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    if parts.scheme not in ("http", "https"):
        raise ValidationError("url", f"must be an http:// or https:// URL, not {shown!r}")
    if not host:
        raise ValidationError("url", f"has no host name: {shown!r}")
    if parts.fragment or parts.query:
        raise ValidationError("url", f"must not have a ?query or #fragment: {shown!r}")
    if port == 0:
        raise ValidationError("url", f"has port 0: {shown!r}")
    path = parts.path or "/"
    if not path.endswith("/"):
        path += "/"
    clean = urlunsplit((parts.scheme, netloc, canonical_path(path), "", ""))
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return clean, username, password


def check_text(field: str, value: object, *, max_length: int = 1000) -> str:
    """``value`` once it is known to be non-empty text without control characters."""
    if not isinstance(value, str):
        raise ValidationError(field, f"must be str, not {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationError(field, f"is longer than {max_length} characters")
    if _CONTROL.search(value):
        raise ValidationError(field, "must not contain control characters")
    return value


def check_name(name: object) -> str:
    """``name`` once it is known to be one path segment."""
    checked = check_text("name", name, max_length=200)
    if "/" in checked or checked in (".", ".."):
        raise ValidationError("name", f"must be one path segment, not {checked!r}")
    return checked


def check_timeout(timeout: object) -> float:
    """``timeout`` as seconds, once it is known to be a positive finite number."""
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValidationError("timeout", f"must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def check_ics(ics: object, uid: str) -> str:
    """The text of ``ics`` once it is known to be a VCALENDAR whose item has this UID."""
    if not isinstance(ics, bytes | bytearray):
        raise ValidationError("ics", f"must be bytes, not {type(ics).__name__}")
    try:
        text = bytes(ics).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("ics", "is not UTF-8 text") from None
    found, kinds = scan(text)
    if not kinds:
        raise ValidationError("ics", "is not a VCALENDAR")
    if found is None:
        raise ValidationError("ics", "has no VEVENT or VTODO with a UID")
    if found != uid:
        raise ValidationError("ics", f"holds UID {found!r}, not {uid!r}")
    return text
