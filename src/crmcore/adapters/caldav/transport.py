"""Requests to the CalDAV server through the ``caldav`` package, and what their failures mean.

Only the plain request method of ``caldav``'s ``DAVClient`` is used, so any
``caldav`` from 1.3 on works; every failure it reports, and every answer
that is not the one asked for, becomes a :mod:`crmcore.errors` exception
whose message never holds the password.
"""

from __future__ import annotations

import importlib
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from typing import Any

import attrs

from crmcore.errors import Conflict, PermissionDenied, PluginError, StorageError

__all__ = ["ICS_HEADERS", "Connection", "ExpiredToken", "Reply"]

_XML_HEADERS = {"Content-Type": 'application/xml; charset="utf-8"'}
#: The headers of a request that sends iCalendar data.
ICS_HEADERS = {"Content-Type": 'text/calendar; charset="utf-8"'}


@attrs.frozen
class Reply:
    """What the server answered, with a multistatus body already parsed."""

    status: int
    reason: str
    etag: str | None
    text: str
    xml: ET.Element | None


class ExpiredToken(Exception):
    """The server refused a sync token; the sync turns it into Conflict."""


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


class Connection:
    """The connections to one CalDAV server, with one login.

    Raises:
        PluginError: the ``caldav`` package is not installed.
    """

    def __init__(
        self,
        base: str,
        *,
        username: str | None,
        password: str | None,
        timeout: float,
        ssl_verify: bool | str,
    ) -> None:
        self._password = password
        self._client, self._errors = _connect(
            base, username=username, password=password, timeout=timeout, ssl_verify=ssl_verify
        )

    def close(self) -> None:
        """Close the connections to the server; closing twice is harmless."""
        client, self._client = self._client, None
        if client is not None:
            client.close()

    def call(
        self,
        method: str,
        url: str,
        body: str = "",
        *,
        headers: Mapping[str, str] | None = None,
        depth: str | None = None,
        sync_token: bool = False,
    ) -> Reply:
        """Send one request through the ``caldav`` client; errors become crmcore errors.

        Raises:
            ExpiredToken: ``sync_token`` is true and the server refused the token.
        """
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

    def expect(self, reply: Reply, method: str, url: str, *codes: int) -> None:
        """Return if ``reply`` has one of ``codes``; else raise the crmcore error for it."""
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

    def _reply(self, response: Any, method: str, url: str) -> Reply:
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
        return Reply(
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
            return ExpiredToken()
        code = f"HTTP {status}" if isinstance(status, int) else "HTTP 401/403"
        return PermissionDenied(
            f"the CalDAV server refused {method} {url} ({code}): "
            "check the username and password, and that this account may use the collection"
        )

    def _scrub(self, message: str) -> str:
        """``message`` with the password blanked out, should a server echo it."""
        if self._password:
            message = message.replace(self._password, "***")
        return message
