"""The client of one calendar collection: what a caller does with it, and synchronisation."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Self

from crmcore.adapters.caldav import bodies
from crmcore.adapters.caldav.calendar_data import crlf
from crmcore.adapters.caldav.checks import (
    check_ics,
    check_name,
    check_text,
    check_timeout,
    split_url,
)
from crmcore.adapters.caldav.discovery import calendar_home, named_calendar, open_calendar
from crmcore.adapters.caldav.items import RemoteItem, remote_items
from crmcore.adapters.caldav.multistatus import DAV, is_calendar, members, text_of
from crmcore.adapters.caldav.tokens import ETAG_TOKEN, decode_etags, encode_etags
from crmcore.adapters.caldav.transport import ICS_HEADERS, Connection, ExpiredToken, Reply
from crmcore.adapters.caldav.urls import absolute, default_href, member_href
from crmcore.errors import Conflict, StorageError, ValidationError

__all__ = ["CalDAVCollection"]

#: How many resources one calendar-multiget asks for.
_MULTIGET_BATCH = 200
#: A truncated sync (RFC 6578 section 3.6) is resumed at most this many times.
_MAX_SYNC_ROUNDS = 100


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
        base, url_username, url_password = split_url(url)
        seconds = check_timeout(timeout)
        if name is not None:
            name = check_name(name)
        for field, value in (("username", username), ("password", password)):
            if value is not None and not isinstance(value, str):
                raise ValidationError(field, f"must be str or None, not {type(value).__name__}")
        self._connection = Connection(
            base,
            username=username if username is not None else url_username,
            password=password if password is not None else url_password,
            timeout=seconds,
            ssl_verify=ssl_verify,
        )
        try:
            if name is not None:
                home = calendar_home(self._connection, base)
                base = named_calendar(self._connection, home, name, create=create)
            self._sync_supported = open_calendar(self._connection, base, create=create)
            self._url = base
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
        self._connection.close()

    # ------------------------------------------------------------ public operations

    def items(self) -> list[RemoteItem]:
        """Every event and task in the collection.

        Resources whose data cannot be read are included, named by their
        resource name (see :attr:`RemoteItem.uid`); resources holding neither
        a VEVENT nor a VTODO (a journal entry, say) are left out.
        """
        reply = self._connection.call("REPORT", self._url, bodies.calendar_query(), depth="1")
        self._connection.expect(reply, "REPORT", self._url, 207)
        return remote_items(reply.xml, self._url)

    def get(self, uid: str) -> RemoteItem | None:
        """The event or task with this UID, or None if the collection has none."""
        found, _ = self._locate(check_text("uid", uid))
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
        uid = check_text("uid", uid)
        text = check_ics(ics, uid)
        if etag is not None:
            etag = check_text("etag", etag)
        current, href = self._locate(uid)
        if current is not None:
            href = current.href
        elif etag is not None:
            raise Conflict(
                f"{uid!r} is no longer in {self._url} (deleted there since ETag {etag} "
                "was read); nothing was written"
            )
        headers = dict(ICS_HEADERS)
        if etag is not None:
            headers["If-Match"] = etag
        elif current is None:
            headers["If-None-Match"] = "*"
        reply = self._connection.call("PUT", href, text, headers=headers)
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
        self._connection.expect(reply, "PUT", href, 200, 201, 204)
        if reply.etag:
            return RemoteItem(href=href, uid=uid, etag=reply.etag, ics=crlf(text))
        # No ETag means the server may have changed the data (RFC 4791
        # section 5.3.4), so what is stored has to be read back.
        stored, _ = self._multiget([href])
        if stored:
            return stored[0]
        return RemoteItem(href=href, uid=uid, etag=None, ics=crlf(text))

    def delete(self, uid: str, *, etag: str | None = None) -> None:
        """Delete the resource holding ``uid``; an absent one is no error.

        Raises:
            Conflict: ``etag`` is given and the server holds another version.
        """
        uid = check_text("uid", uid)
        if etag is not None:
            etag = check_text("etag", etag)
        current, _ = self._locate(uid)
        if current is None:
            return
        headers = {"If-Match": etag} if etag is not None else {}
        reply = self._connection.call("DELETE", current.href, headers=headers)
        if reply.status == 412:
            raise Conflict(
                f"{uid!r} in {self._url} was changed on the server since ETag {etag} "
                "was read; it was not deleted"
            )
        if reply.status != 404:
            self._connection.expect(reply, "DELETE", current.href, 200, 202, 204)

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
        token = check_text("token", token, max_length=10_000_000)
        if token.startswith(ETAG_TOKEN):
            return self._compare_etags(decode_etags(token))
        return self._sync(token)

    # ------------------------------------------------------------ items

    def _locate(self, uid: str) -> tuple[RemoteItem | None, str]:
        """The item holding ``uid`` (or None), and where a new one for it would go."""
        default = default_href(self._url, uid)
        found, _ = self._multiget([default])
        occupant = found[0] if found else None
        if occupant is not None and occupant.uid == uid:
            return occupant, default
        for component in ("VTODO", "VEVENT"):
            body = bodies.calendar_query(component, uid)
            reply = self._connection.call("REPORT", self._url, body, depth="1")
            self._connection.expect(reply, "REPORT", self._url, 207)
            # text-match is a substring match, so the query only narrows the search.
            for item in remote_items(reply.xml, self._url):
                if item.uid == uid:
                    return item, default
        if occupant is not None:
            default = f"{self._url}{uuid.uuid4().hex}.ics"
        return None, default

    def _multiget(self, hrefs: Iterable[str]) -> tuple[list[RemoteItem], list[str]]:
        """The items at ``hrefs``, and those of the hrefs that are gone."""
        wanted = list(dict.fromkeys(hrefs))
        items: list[RemoteItem] = []
        gone: list[str] = []
        for start in range(0, len(wanted), _MULTIGET_BATCH):
            batch = wanted[start : start + _MULTIGET_BATCH]
            reply = self._connection.call("REPORT", self._url, bodies.multiget(batch), depth="1")
            self._connection.expect(reply, "REPORT", self._url, 207)
            items.extend(remote_items(reply.xml, self._url))
            # Only an explicit 404 means gone: a resource left out of the
            # answer (one the server cannot read, say) is merely not reported.
            for member in members(reply.xml):
                href = member_href(member.href, self._url)
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
            for member in members(reply.xml):
                href = member_href(member.href, self._url)
                if href is None:
                    truncated = truncated or (
                        member.status == 507 and absolute(member.href, base=self._url) == self._url
                    )
                elif member.status == 404:
                    changed.pop(href, None)
                    deleted[href] = None
                else:
                    deleted.pop(href, None)
                    changed[href] = None
            new_token = reply.xml.findtext(f"{DAV}sync-token") if reply.xml is not None else None
            if not new_token or not new_token.strip():
                raise StorageError(f"the CalDAV server sent no sync token for {self._url}")
            token = new_token.strip()
            if not truncated:
                break
        items, gone = self._multiget(changed)
        return items, [*deleted, *(href for href in gone if href not in deleted)], token

    def _sync_report(self, token: str) -> Reply:
        body = bodies.sync_collection(token)
        try:
            reply = self._connection.call(
                "REPORT", self._url, body, depth="0", sync_token=bool(token)
            )
        except ExpiredToken:
            reply = None
        if reply is None or (reply.status in (403, 409) and "valid-sync-token" in reply.text):
            raise Conflict(
                f"the sync token for {self._url} is no longer valid; "
                "call changed_since(None) and compare everything"
            )
        self._connection.expect(reply, "REPORT", self._url, 207)
        return reply

    def _compare_etags(
        self, previous: Mapping[str, str | None] | None
    ) -> tuple[list[RemoteItem], list[str], str]:
        """Changes found by comparing every ETag, for servers without RFC 6578."""
        if previous is None:
            items = self.items()
            return items, [], encode_etags({item.href: item.etag for item in items})
        body = bodies.propfind("<D:resourcetype/><D:getetag/>")
        reply = self._connection.call("PROPFIND", self._url, body, depth="1")
        self._connection.expect(reply, "PROPFIND", self._url, 207)
        current: dict[str, str | None] = {}
        for member in members(reply.xml):
            href = member_href(member.href, self._url)
            if href is not None and not is_calendar(member.props):
                current[href] = text_of(member.props.get(f"{DAV}getetag"))
        changed = [
            href for href, etag in current.items() if etag is None or previous.get(href) != etag
        ]
        items, gone = self._multiget(changed)
        deleted = [href for href in previous if href not in current]
        return items, [*deleted, *gone], encode_etags(current)
