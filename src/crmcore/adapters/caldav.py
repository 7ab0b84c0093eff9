"""One CalDAV calendar collection: list, read, write and sync its events and tasks.

:class:`CalDAVCollection` speaks WebDAV and CalDAV (RFC 4918, RFC 4791) and,
where the server offers it, collection synchronisation (RFC 6578) to one
calendar collection, such as a list of tasks shared with a phone.  What to
push and how remote items map to crmcore tasks is the caller's business;
this module only moves whole iCalendar resources and their ETags.

The HTTP side (sessions, Basic/Digest authentication, TLS) is the ``caldav``
package's ``DAVClient``, installed with ``pip install 'crmcore[caldav]'``.
Only its plain request method is used and the DAV XML is written and read
here, so any ``caldav`` from 1.3 on works.

Every failure is a :mod:`crmcore.errors` exception: a malformed URL is a
:class:`~crmcore.errors.ValidationError` naming ``"url"``; a refused login is
:class:`~crmcore.errors.PermissionDenied`; a changed or stale ETag is
:class:`~crmcore.errors.Conflict`; an unreachable or failing server is
:class:`~crmcore.errors.StorageError`.  Messages name the URL, never the
password.

Example:
    >>> from crmcore.adapters.caldav import CalDAVCollection
    >>> CalDAVCollection("ftp://example.org/calendars/")
    Traceback (most recent call last):
    ...
    crmcore.errors.ValidationError: url: must be an http:// or https:// URL, not 'ftp://example.org/calendars/'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import importlib
import json
import math
import re
import uuid
import xml.etree.ElementTree as ET
import zlib
from collections.abc import Iterable, Iterator, Mapping
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, unquote, unquote_to_bytes, urljoin, urlsplit, urlunsplit
from xml.sax.saxutils import escape

import attrs

from crmcore.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PluginError,
    StorageError,
    ValidationError,
)

__all__ = ["CalDAVCollection", "RemoteItem"]

_DAV = "{DAV:}"
_CAL = "{urn:ietf:params:xml:ns:caldav}"
_XML_HEADERS = {"Content-Type": 'application/xml; charset="utf-8"'}
_ICS_HEADERS = {"Content-Type": 'text/calendar; charset="utf-8"'}
#: Components a collection item must hold (one of) to be returned at all.
_WANTED = frozenset({"VEVENT", "VTODO"})
#: How many resources one calendar-multiget asks for.
_MULTIGET_BATCH = 200
#: A truncated sync (RFC 6578 section 3.6) is resumed at most this many times.
_MAX_SYNC_ROUNDS = 100
#: Prefix of the tokens issued when the server cannot sync collections.
_ETAG_TOKEN = "crmcore-etags:"
# pchar of RFC 3986 besides the unreserved characters quote() always keeps.
_SEGMENT_SAFE = "!$&'()*+,;=:@"
# UIDs that can name their own resource as they are; others are hashed.
_PLAIN_UID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,199}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

_PROPFIND = """<?xml version="1.0" encoding="utf-8"?>
<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>{props}</D:prop>
</D:propfind>"""
_MKCALENDAR = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
{displayname}<C:supported-calendar-component-set>
<C:comp name="VEVENT"/><C:comp name="VTODO"/>
</C:supported-calendar-component-set></D:prop></D:set></C:mkcalendar>"""
_QUERY = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>
<C:filter><C:comp-filter name="VCALENDAR">{inner}</C:comp-filter></C:filter>
</C:calendar-query>"""
_UID_FILTER = """<C:comp-filter name="{component}"><C:prop-filter name="UID">
<C:text-match collation="i;octet">{uid}</C:text-match></C:prop-filter></C:comp-filter>"""
_MULTIGET = """<?xml version="1.0" encoding="utf-8"?>
<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
<D:prop><D:getetag/><C:calendar-data/></D:prop>{hrefs}</C:calendar-multiget>"""
_SYNC = """<?xml version="1.0" encoding="utf-8"?>
<D:sync-collection xmlns:D="DAV:"><D:sync-token>{token}</D:sync-token>
<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>"""


@attrs.frozen(kw_only=True)
class RemoteItem:
    """One calendar object resource as the server holds it.

    Attributes:
        href: the resource's absolute URL; the same resource always gets the
            same spelling, so it can be stored and compared.
        uid: the UID of its first VEVENT or VTODO, or, when its data has none
            that can be read, the resource name without ``.ics``.
        etag: the server's ETag for this version (quotes included), or None
            if the server sent none.
        ics: the whole VCALENDAR text, UTF-8 with CRLF line ends.
    """

    href: str
    uid: str
    etag: str | None
    ics: bytes


@attrs.frozen
class _Reply:
    """What the server answered, with a multistatus body already parsed."""

    status: int
    reason: str
    etag: str | None
    text: str
    xml: ET.Element | None


@attrs.frozen
class _Member:
    """One ``DAV:response`` of a multistatus."""

    href: str
    status: int | None
    props: Mapping[str, ET.Element]


class _ExpiredToken(Exception):
    """The server refused a sync token; the sync turns it into Conflict."""


# ---------------------------------------------------------------- input checks


def _split_url(url: object) -> tuple[str, str | None, str | None]:
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
    clean = urlunsplit((parts.scheme, netloc, _canonical_path(path), "", ""))
    username = unquote(parts.username) if parts.username is not None else None
    password = unquote(parts.password) if parts.password is not None else None
    return clean, username, password


def _check_text(field: str, value: object, *, max_length: int = 1000) -> str:
    if not isinstance(value, str):
        raise ValidationError(field, f"must be str, not {type(value).__name__}")
    if not value.strip():
        raise ValidationError(field, "must not be empty")
    if len(value) > max_length:
        raise ValidationError(field, f"is longer than {max_length} characters")
    if _CONTROL.search(value):
        raise ValidationError(field, "must not contain control characters")
    return value


def _check_name(name: object) -> str:
    checked = _check_text("name", name, max_length=200)
    if "/" in checked or checked in (".", ".."):
        raise ValidationError("name", f"must be one path segment, not {checked!r}")
    return checked


def _check_timeout(timeout: object) -> float:
    if (
        isinstance(timeout, bool)
        or not isinstance(timeout, int | float)
        or not math.isfinite(timeout)
        or timeout <= 0
    ):
        raise ValidationError("timeout", f"must be a positive number of seconds, not {timeout!r}")
    return float(timeout)


def _check_ics(ics: object, uid: str) -> str:
    """The text of ``ics`` once it is known to be a VCALENDAR whose item has this UID."""
    if not isinstance(ics, bytes | bytearray):
        raise ValidationError("ics", f"must be bytes, not {type(ics).__name__}")
    try:
        text = bytes(ics).decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("ics", "is not UTF-8 text") from None
    found, kinds = _scan(text)
    if not kinds:
        raise ValidationError("ics", "is not a VCALENDAR")
    if found is None:
        raise ValidationError("ics", "has no VEVENT or VTODO with a UID")
    if found != uid:
        raise ValidationError("ics", f"holds UID {found!r}, not {uid!r}")
    return text


# ---------------------------------------------------------------- iCalendar text


def _unfolded(text: str) -> Iterator[str]:
    """The content lines of ``text``, continuation lines joined (RFC 5545 section 3.1)."""
    current: str | None = None
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if line[:1] in (" ", "\t") and current is not None:
            current += line[1:]
            continue
        if current is not None:
            yield current
        current = line
    if current is not None:
        yield current


def _name_and_value(line: str) -> tuple[str, str]:
    """A content line's property name (upper case) and its value.

    A ``:`` inside a quoted parameter value does not end the name part.
    """
    quoted = False
    name_end: int | None = None
    for index, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in ";:" and name_end is None:
            name_end = index
        if not quoted and ch == ":":
            return line[: name_end if name_end is not None else index].upper(), line[index + 1 :]
    return line.upper(), ""


def _scan(text: str) -> tuple[str | None, frozenset[str]]:
    """The UID of the first VEVENT or VTODO in a VCALENDAR, and the component kinds in it.

    Tolerant of anything: what cannot be read is skipped, and text that is no
    VCALENDAR at all gives ``(None, frozenset())``.

    Example:
        >>> lines = ["BEGIN:VCALENDAR", "BEGIN:VTODO", "UID:a-1", "END:VTODO", "END:VCALENDAR"]
        >>> _scan("\\r\\n".join(lines))
        ('a-1', frozenset({'VTODO'}))
        >>> _scan("<html>not a calendar</html>")
        (None, frozenset())
    """
    stack: list[str] = []
    kinds: set[str] = set()
    uid: str | None = None
    for line in _unfolded(text):
        name, value = _name_and_value(line)
        if name == "BEGIN":
            stack.append(value.strip().upper())
            if len(stack) == 2 and stack[0] == "VCALENDAR":
                kinds.add(stack[1])
        elif name == "END":
            if stack:
                stack.pop()
        elif (
            name == "UID"
            and uid is None
            and len(stack) == 2
            and stack[0] == "VCALENDAR"
            and stack[1] in _WANTED
            and value.strip()
        ):
            uid = value.strip()
    return uid, frozenset(kinds)


def _crlf(text: str) -> bytes:
    """``text`` with CRLF line ends, as iCalendar wants them; XML parsing turned them into LF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return lines.replace("\n", "\r\n").encode("utf-8")


# ---------------------------------------------------------------- hrefs and XML


def _status_code(line: str | None) -> int | None:
    """The code of a status line such as ``HTTP/1.1 404 Not Found``."""
    if line is None:
        return None
    words = line.split()
    if len(words) >= 2 and words[1].isdigit():
        return int(words[1])
    return None


def _members(root: ET.Element | None) -> Iterator[_Member]:
    """The ``DAV:response`` elements of a multistatus, with the properties found (2xx)."""
    if root is None:
        return
    for response in root.iter(f"{_DAV}response"):
        href = response.findtext(f"{_DAV}href")
        if not href or not href.strip():
            continue
        props: dict[str, ET.Element] = {}
        for propstat in response.findall(f"{_DAV}propstat"):
            code = _status_code(propstat.findtext(f"{_DAV}status"))
            prop = propstat.find(f"{_DAV}prop")
            if code is not None and 200 <= code < 300 and prop is not None:
                props.update((child.tag, child) for child in prop)
        yield _Member(
            href=href.strip(),
            status=_status_code(response.findtext(f"{_DAV}status")),
            props=props,
        )


def _href_in(props: Mapping[str, ET.Element], tag: str) -> str | None:
    """The first ``DAV:href`` inside property ``tag`` (e.g. calendar-home-set)."""
    prop = props.get(tag)
    if prop is None:
        return None
    href = prop.findtext(f"{_DAV}href")
    return href.strip() if href and href.strip() else None


def _is_calendar(props: Mapping[str, ET.Element]) -> bool:
    resourcetype = props.get(f"{_DAV}resourcetype")
    return resourcetype is not None and resourcetype.find(f"{_CAL}calendar") is not None


def _canonical_path(path: str) -> str:
    """``path`` percent-encoded one way, whatever spelling the server used."""
    return "/".join(
        quote(unquote_to_bytes(segment), safe=_SEGMENT_SAFE) for segment in path.split("/")
    )


def _last_segment(href: str) -> str:
    return unquote(urlsplit(href).path.rstrip("/").rpartition("/")[2])


def _basename(href: str) -> str:
    """A resource's name without ``.ics``: the UID of an item whose data has none."""
    name = _last_segment(href)
    return name.removesuffix(".ics") or name


def _text_of(element: ET.Element | None) -> str | None:
    """The stripped text of ``element``; None when it is missing or blank."""
    if element is None:
        return None
    return (element.text or "").strip() or None


def _encode_etags(etags: Mapping[str, str | None]) -> str:
    packed = json.dumps(etags, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _ETAG_TOKEN + base64.urlsafe_b64encode(zlib.compress(packed)).decode("ascii")


def _decode_etags(token: str) -> dict[str, str | None]:
    try:
        packed = zlib.decompress(base64.urlsafe_b64decode(token.removeprefix(_ETAG_TOKEN)))
        etags = json.loads(packed)
    except (binascii.Error, zlib.error, ValueError):
        etags = None
    if not isinstance(etags, dict) or not all(
        isinstance(href, str) and (etag is None or isinstance(etag, str))
        for href, etag in etags.items()
    ):
        raise ValidationError("token", "is not a sync token issued by this collection")
    return etags


def _connect(
    base: str, *, username: str | None, password: str | None, timeout: float, ssl_verify: bool | str
) -> tuple[Any, Any]:
    """A ``caldav`` client for ``base``, and the module of the errors it raises."""
    try:
        caldav = importlib.import_module("caldav")
        errors = importlib.import_module("caldav.lib.error")
    except ImportError:
        raise PluginError(
            "CalDAV support needs the caldav package: pip install 'crmcore[caldav]'"
        ) from None
    client = caldav.DAVClient(
        url=base,
        username=username,
        password=password,
        timeout=timeout,
        ssl_verify_cert=ssl_verify,
    )
    return client, errors


# ---------------------------------------------------------------- the collection


class CalDAVCollection:
    """A client for one calendar collection on a CalDAV server.

    Args:
        url: the calendar collection's URL, e.g.
            ``https://dav.example.org/iryna/crm/``; or, with ``name``, the
            server's, the user's principal or her calendar home URL.  User
            information in the URL (``https://user:pass@host/``) is used when
            ``username``/``password`` are not given.
        username: the login name.
        password: the password (any Unicode; sent as UTF-8).
        timeout: seconds to wait for each answer of the server.
        ssl_verify: False to accept any TLS certificate, or the path of a CA
            bundle to check it against.
        create: create the collection, for events and tasks, if it is missing.
        name: the collection to use in the user's calendar home, matched on
            its URL segment first and its display name second; created under
            that segment (and display name) if missing and ``create``.

    Raises:
        ValidationError: ``"url"``, ``"name"`` or ``"timeout"`` is malformed,
            or ``url`` is a collection that is no calendar.
        PluginError: the ``caldav`` package is not installed.
        PermissionDenied: the server refused the login or the collection.
        NotFound: the collection is missing and ``create`` is false.
        StorageError: the server cannot be reached or failed.

    Use it as a context manager, or call :meth:`close`::

        with CalDAVCollection(url, username="iryna", password=secret) as tasks:
            for item in tasks.items():
                ...
    """

    def __init__(
        self,
        url: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        ssl_verify: bool | str = True,
        create: bool = True,
        name: str | None = None,
    ) -> None:
        base, url_username, url_password = _split_url(url)
        seconds = _check_timeout(timeout)
        if name is not None:
            name = _check_name(name)
        for field, value in (("username", username), ("password", password)):
            if value is not None and not isinstance(value, str):
                raise ValidationError(field, f"must be str or None, not {type(value).__name__}")
        self._password = password if password is not None else url_password
        self._client, self._errors = _connect(
            base,
            username=username if username is not None else url_username,
            password=self._password,
            timeout=seconds,
            ssl_verify=ssl_verify,
        )
        try:
            if name is not None:
                base = self._named(self._home(base), name, create=create)
            self._url, self._sync_supported = self._open(base, create=create)
        except BaseException:
            self.close()
            raise

    @property
    def url(self) -> str:
        """The collection's absolute URL (without user information)."""
        return self._url

    def __repr__(self) -> str:
        return f"CalDAVCollection({self._url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Close the connections to the server; closing twice is harmless."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    # ------------------------------------------------------------ public operations

    def items(self) -> list[RemoteItem]:
        """Every event and task in the collection.

        Resources whose data cannot be read are included, named by their
        resource name (see :attr:`RemoteItem.uid`); resources holding neither
        a VEVENT nor a VTODO (a journal entry, say) are left out.
        """
        reply = self._call("REPORT", self._url, _QUERY.format(inner=""), depth="1")
        self._expect(reply, "REPORT", self._url, 207)
        return self._items(reply)

    def get(self, uid: str) -> RemoteItem | None:
        """The event or task with this UID, or None if the collection has none."""
        found, _ = self._locate(_check_text("uid", uid))
        return found

    def put(self, uid: str, ics: bytes, *, etag: str | None = None) -> RemoteItem:
        """Create or replace the resource holding ``uid``.

        Args:
            uid: the UID of the VEVENT or VTODO in ``ics``.
            ics: a whole VCALENDAR, UTF-8.
            etag: the ETag of the version this one replaces; the write happens
                only if the server still holds that version.  Without it the
                resource is replaced whatever it holds.

        Returns:
            The stored item with its new ETag.  Its ``ics`` is the data sent
            when the server answers with an ETag, as it may only do when it
            stored the data unchanged; otherwise it is read back.

        Raises:
            ValidationError: ``"uid"`` or ``"ics"`` is malformed, ``ics``
                holds another UID, or the server refused the data.
            Conflict: ``etag`` is not the server's any more (changed or
                deleted there), or the item was created there meanwhile.
        """
        uid = _check_text("uid", uid)
        text = _check_ics(ics, uid)
        if etag is not None:
            etag = _check_text("etag", etag)
        current, href = self._locate(uid)
        if current is not None:
            href = current.href
        elif etag is not None:
            raise Conflict(
                f"{uid!r} is no longer in {self._url} (deleted there since ETag {etag} "
                "was read); nothing was written"
            )
        headers = dict(_ICS_HEADERS)
        if etag is not None:
            headers["If-Match"] = etag
        elif current is None:
            headers["If-None-Match"] = "*"
        reply = self._call("PUT", href, text, headers=headers)
        if reply.status == 412:
            if etag is not None:
                raise Conflict(
                    f"{uid!r} in {self._url} was changed on the server since ETag {etag} "
                    "was read; nothing was written: read it again and reapply the change"
                )
            raise Conflict(f"{uid!r} was created in {self._url} meanwhile; nothing was written")
        if reply.status in (400, 415, 422):
            raise ValidationError(
                "ics", f"the server refused it: {reply.status} {reply.reason}".rstrip()
            )
        self._expect(reply, "PUT", href, 200, 201, 204)
        if reply.etag:
            return RemoteItem(href=href, uid=uid, etag=reply.etag, ics=_crlf(text))
        # No ETag means the server may have changed the data (RFC 4791
        # section 5.3.4), so what is stored has to be read back.
        stored, _ = self._multiget([href])
        if stored:
            return stored[0]
        return RemoteItem(href=href, uid=uid, etag=None, ics=_crlf(text))

    def delete(self, uid: str, *, etag: str | None = None) -> None:
        """Delete the resource holding ``uid``; an absent one is no error.

        Raises:
            Conflict: ``etag`` is given and the server holds another version.
        """
        uid = _check_text("uid", uid)
        if etag is not None:
            etag = _check_text("etag", etag)
        current, _ = self._locate(uid)
        if current is None:
            return
        headers = {"If-Match": etag} if etag is not None else {}
        reply = self._call("DELETE", current.href, headers=headers)
        if reply.status == 412:
            raise Conflict(
                f"{uid!r} in {self._url} was changed on the server since ETag {etag} "
                "was read; it was not deleted"
            )
        if reply.status != 404:
            self._expect(reply, "DELETE", current.href, 200, 202, 204)

    def changed_since(self, token: str | None) -> tuple[list[RemoteItem], list[str], str]:
        """What changed in the collection since ``token`` was issued.

        Uses the server's collection synchronisation (RFC 6578) when it has
        it; otherwise the ETags of all resources are compared with those
        recorded in the token.

        Args:
            token: a token an earlier call returned, or None for everything.

        Returns:
            The changed and new items, the hrefs (as in :attr:`RemoteItem.href`)
            of the resources deleted since (their UIDs are gone with their
            data), and the token to pass next time.
            With ``token`` None every item is returned and nothing is deleted.

        Raises:
            Conflict: the server no longer accepts ``token`` (it expired, or
                the collection was replaced); start again with None and
                compare the result with what you hold.
            ValidationError: ``"token"`` is malformed.
        """
        if token is None:
            return self._sync("") if self._sync_supported else self._compare_etags(None)
        token = _check_text("token", token, max_length=10_000_000)
        if token.startswith(_ETAG_TOKEN):
            return self._compare_etags(_decode_etags(token))
        return self._sync(token)

    # ------------------------------------------------------------ discovery

    def _home(self, base: str) -> str:
        """The calendar home of the user ``base`` names, or of whoever logged in."""
        props = self._props_of(base, "<D:current-user-principal/><C:calendar-home-set/>")
        home = _href_in(props, f"{_CAL}calendar-home-set")
        if home is not None:
            return self._absolute(home, base=base, foreign_ok=True)
        principal = _href_in(props, f"{_DAV}current-user-principal")
        if principal is None:
            return base
        principal = self._absolute(principal, base=base, foreign_ok=True)
        if principal == self._absolute(base, base=base, foreign_ok=True):
            return base
        home = _href_in(
            self._props_of(principal, "<C:calendar-home-set/>"), f"{_CAL}calendar-home-set"
        )
        return principal if home is None else self._absolute(home, base=principal, foreign_ok=True)

    def _named(self, home: str, name: str, *, create: bool) -> str:
        """The URL of the calendar called ``name`` in ``home``, made if missing and ``create``."""
        body = _PROPFIND.format(props="<D:resourcetype/><D:displayname/>")
        reply = self._call("PROPFIND", home, body, depth="1")
        self._expect(reply, "PROPFIND", home, 207)
        by_display: str | None = None
        for member in _members(reply.xml):
            href = self._absolute(member.href, base=home, foreign_ok=True)
            if href == home or not _is_calendar(member.props):
                continue
            if _last_segment(href) == name:
                return href
            display = member.props.get(f"{_DAV}displayname")
            if by_display is None and display is not None and display.text == name:
                by_display = href
        if by_display is not None:
            return by_display
        if not create:
            raise NotFound("CalDAV collection", name)
        target = self._absolute(quote(name, safe="") + "/", base=home, foreign_ok=True)
        self._make_calendar(target, display_name=name)
        return target

    def _open(self, url: str, *, create: bool) -> tuple[str, bool]:
        """Check that ``url`` is a calendar, making it if missing; whether it can sync."""
        props_xml = "<D:resourcetype/><D:sync-token/>"
        reply = self._propfind(url, props_xml)
        if reply.status == 404:
            if not create:
                raise NotFound("CalDAV collection", url)
            self._make_calendar(url, display_name=None)
            reply = self._propfind(url, props_xml)
        self._expect(reply, "PROPFIND", url, 207)
        props = next(_members(reply.xml), _Member(href=url, status=None, props={})).props
        if not _is_calendar(props):
            raise ValidationError(
                "url",
                f"{url} is not a calendar collection: give the calendar's own URL, "
                "or this URL together with name=",
            )
        return url, _text_of(props.get(f"{_DAV}sync-token")) is not None

    def _make_calendar(self, url: str, *, display_name: str | None) -> None:
        display = (
            "" if display_name is None else f"<D:displayname>{escape(display_name)}</D:displayname>"
        )
        reply = self._call("MKCALENDAR", url, _MKCALENDAR.format(displayname=display))
        if reply.status == 409:
            raise ValidationError(
                "url", f"cannot create {url}: the collection it would be in does not exist"
            )
        # 405: it exists already (made meanwhile); opening it checks what it is.
        if reply.status != 405:
            self._expect(reply, "MKCALENDAR", url, 200, 201)

    def _propfind(self, url: str, props: str) -> _Reply:
        return self._call("PROPFIND", url, _PROPFIND.format(props=props), depth="0")

    def _props_of(self, url: str, props: str) -> Mapping[str, ET.Element]:
        reply = self._propfind(url, props)
        if reply.status == 404:
            raise NotFound("CalDAV URL", url)
        self._expect(reply, "PROPFIND", url, 207)
        return next(_members(reply.xml), _Member(href=url, status=None, props={})).props

    # ------------------------------------------------------------ items

    def _default_href(self, uid: str) -> str:
        name = quote(uid, safe=_SEGMENT_SAFE) if _PLAIN_UID.fullmatch(uid) else None
        if name is None:
            name = hashlib.sha256(uid.encode("utf-8")).hexdigest()[:40]
        return self._url + name + ".ics"

    def _locate(self, uid: str) -> tuple[RemoteItem | None, str]:
        """The item holding ``uid`` (or None), and where a new one for it would go."""
        default = self._default_href(uid)
        found, _ = self._multiget([default])
        occupant = found[0] if found else None
        if occupant is not None and occupant.uid == uid:
            return occupant, default
        for component in ("VTODO", "VEVENT"):
            inner = _UID_FILTER.format(component=component, uid=escape(uid))
            reply = self._call("REPORT", self._url, _QUERY.format(inner=inner), depth="1")
            self._expect(reply, "REPORT", self._url, 207)
            # text-match is a substring match, so the query only narrows the search.
            for item in self._items(reply):
                if item.uid == uid:
                    return item, default
        if occupant is not None:
            default = f"{self._url}{uuid.uuid4().hex}.ics"
        return None, default

    def _items(self, reply: _Reply) -> list[RemoteItem]:
        items: list[RemoteItem] = []
        for member in _members(reply.xml):
            href = self._member_href(member.href)
            data = member.props.get(f"{_CAL}calendar-data")
            if href is None or data is None:
                continue
            text = data.text or ""
            uid, kinds = _scan(text)
            if kinds and not kinds & _WANTED:
                continue
            items.append(
                RemoteItem(
                    href=href,
                    uid=uid if uid is not None else _basename(href),
                    etag=_text_of(member.props.get(f"{_DAV}getetag")),
                    ics=_crlf(text),
                )
            )
        return items

    def _multiget(self, hrefs: Iterable[str]) -> tuple[list[RemoteItem], list[str]]:
        """The items at ``hrefs``, and those of the hrefs that are gone."""
        wanted = list(dict.fromkeys(hrefs))
        items: list[RemoteItem] = []
        gone: list[str] = []
        for start in range(0, len(wanted), _MULTIGET_BATCH):
            batch = wanted[start : start + _MULTIGET_BATCH]
            body = _MULTIGET.format(
                hrefs="".join(f"<D:href>{escape(urlsplit(h).path)}</D:href>" for h in batch)
            )
            reply = self._call("REPORT", self._url, body, depth="1")
            self._expect(reply, "REPORT", self._url, 207)
            items.extend(self._items(reply))
            # Only an explicit 404 means gone: a resource left out of the
            # answer (one the server cannot read, say) is merely not reported.
            for member in _members(reply.xml):
                href = self._member_href(member.href)
                if member.status == 404 and href in batch:
                    gone.append(href)
        return items, gone

    # ------------------------------------------------------------ synchronisation

    def _sync(self, token: str) -> tuple[list[RemoteItem], list[str], str]:
        changed: dict[str, None] = {}
        deleted: dict[str, None] = {}
        for _ in range(_MAX_SYNC_ROUNDS):
            reply = self._sync_report(token)
            truncated = False
            for member in _members(reply.xml):
                href = self._member_href(member.href)
                if href is None:
                    truncated = truncated or (
                        member.status == 507
                        and self._absolute(member.href, base=self._url) == self._url
                    )
                elif member.status == 404:
                    changed.pop(href, None)
                    deleted[href] = None
                else:
                    deleted.pop(href, None)
                    changed[href] = None
            new_token = reply.xml.findtext(f"{_DAV}sync-token") if reply.xml is not None else None
            if not new_token or not new_token.strip():
                raise StorageError(f"the CalDAV server sent no sync token for {self._url}")
            token = new_token.strip()
            if not truncated:
                break
        items, gone = self._multiget(changed)
        return items, [*deleted, *(href for href in gone if href not in deleted)], token

    def _sync_report(self, token: str) -> _Reply:
        body = _SYNC.format(token=escape(token))
        try:
            reply = self._call("REPORT", self._url, body, depth="0", sync_token=bool(token))
        except _ExpiredToken:
            reply = None
        if reply is None or (reply.status in (403, 409) and "valid-sync-token" in reply.text):
            raise Conflict(
                f"the sync token for {self._url} is no longer valid; "
                "call changed_since(None) and compare everything"
            )
        self._expect(reply, "REPORT", self._url, 207)
        return reply

    def _compare_etags(
        self, previous: Mapping[str, str | None] | None
    ) -> tuple[list[RemoteItem], list[str], str]:
        """Changes found by comparing every ETag, for servers without RFC 6578."""
        if previous is None:
            items = self.items()
            return items, [], _encode_etags({item.href: item.etag for item in items})
        body = _PROPFIND.format(props="<D:resourcetype/><D:getetag/>")
        reply = self._call("PROPFIND", self._url, body, depth="1")
        self._expect(reply, "PROPFIND", self._url, 207)
        current: dict[str, str | None] = {}
        for member in _members(reply.xml):
            href = self._member_href(member.href)
            if href is not None and not _is_calendar(member.props):
                current[href] = _text_of(member.props.get(f"{_DAV}getetag"))
        changed = [
            href for href, etag in current.items() if etag is None or previous.get(href) != etag
        ]
        items, gone = self._multiget(changed)
        deleted = [href for href in previous if href not in current]
        return items, [*deleted, *gone], _encode_etags(current)

    # ------------------------------------------------------------ HTTP

    def _absolute(self, href: str, *, base: str, foreign_ok: bool = False) -> str:
        """``href`` as an absolute, canonically spelled URL.

        Unless ``foreign_ok``, the result stays on ``base``'s scheme, host and
        port whatever the server wrote, so a hostile answer cannot send the
        credentials elsewhere.  Discovery may move to another host (some
        providers keep calendars apart from principals), but never from
        https to http.
        """
        joined = urlsplit(urljoin(base, href))
        origin = urlsplit(base)
        path = _canonical_path(joined.path or "/")
        keep_origin = not foreign_ok or (origin.scheme == "https" and joined.scheme != "https")
        if keep_origin or joined.scheme not in ("http", "https") or not joined.netloc:
            return urlunsplit((origin.scheme, origin.netloc, path, "", ""))
        return urlunsplit((joined.scheme, joined.netloc.rpartition("@")[2], path, "", ""))

    def _member_href(self, href: str) -> str | None:
        """``href`` if it names a resource directly inside the collection, else None."""
        url = self._absolute(href, base=self._url)
        rest = url[len(self._url) :] if url.startswith(self._url) else ""
        return url if rest and "/" not in rest else None

    def _call(
        self,
        method: str,
        url: str,
        body: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        depth: str | None = None,
        sync_token: bool = False,
    ) -> _Reply:
        """Send one request through the ``caldav`` client; errors become crmcore errors."""
        if self._client is None:
            raise StorageError(f"the connection to {url} is closed")
        sent = dict(headers if headers is not None else _XML_HEADERS)
        if depth is not None:
            sent["Depth"] = depth
        try:
            response = self._client.request(url, method, body, sent)
        except self._errors.AuthorizationError as exc:
            raise self._refused(exc, method, url, sync_token=sync_token) from None
        except self._errors.DAVError as exc:
            raise StorageError(
                self._scrub(f"the CalDAV server failed {method} {url}: {exc}")
            ) from exc
        except (OSError, SyntaxError) as exc:
            # requests/niquests errors are OSErrors; SyntaxError is lxml
            # refusing a body that claimed to be XML.
            raise StorageError(
                self._scrub(f"cannot talk to the CalDAV server at {url}: {exc}")
            ) from exc
        return self._reply(response, method, url)

    def _reply(self, response: Any, method: str, url: str) -> _Reply:
        status = int(response.status)
        raw = response.raw
        text = raw if isinstance(raw, str) else bytes(raw or b"").decode("utf-8", "replace")
        root: ET.Element | None = None
        if status == 207:
            try:
                root = ET.fromstring(text)
            except ET.ParseError as exc:
                raise StorageError(
                    f"the CalDAV server answered {method} {url} with malformed XML: {exc}"
                ) from None
        headers = response.headers
        etag = headers.get("ETag") if headers is not None else None
        return _Reply(
            status=status,
            reason=str(response.reason or ""),
            etag=str(etag).strip() if etag else None,
            text=text,
            xml=root,
        )

    def _refused(self, exc: Any, method: str, url: str, *, sync_token: bool) -> Exception:
        """The crmcore error for a 401/403 the ``caldav`` client raised."""
        status = getattr(exc, "status", None)
        body = getattr(exc, "body", None)
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        # A 403 to a sync request may mean "token expired" (RFC 6578 section
        # 3.2); caldav before 3 does not keep the body that would tell.
        if sync_token and status != 401 and (body is None or "valid-sync-token" in str(body)):
            return _ExpiredToken()
        code = f"HTTP {status}" if isinstance(status, int) else "HTTP 401/403"
        return PermissionDenied(
            f"the CalDAV server refused {method} {url} ({code}): "
            "check the username and password, and that this account may use the collection"
        )

    def _expect(self, reply: _Reply, method: str, url: str, *codes: int) -> None:
        if reply.status in codes:
            return
        if reply.status in (401, 403):
            raise PermissionDenied(
                f"the CalDAV server refused {method} {url} (HTTP {reply.status}): "
                "check the username and password, and that this account may use the collection"
            )
        if reply.status in (409, 412):
            raise Conflict(
                self._scrub(f"{method} {url} conflicts: {reply.status} {reply.reason}".rstrip())
            )
        raise StorageError(
            self._scrub(
                f"the CalDAV server answered {method} {url} with {reply.status} {reply.reason}"
            ).rstrip()
        )

    def _scrub(self, message: str) -> str:
        """``message`` with the password blanked out, should a server echo it."""
        if self._password:
            message = message.replace(self._password, "***")
        return message
