"""Finding a user's calendars (RFC 4791 section 6.2, RFC 5397) and making one."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from urllib.parse import quote

from crmcore.adapters.caldav import bodies
from crmcore.adapters.caldav.multistatus import (
    CAL,
    DAV,
    first_props,
    href_in,
    is_calendar,
    members,
    text_of,
)
from crmcore.adapters.caldav.transport import Connection, Reply
from crmcore.adapters.caldav.urls import absolute, last_segment
from crmcore.errors import NotFound, ValidationError

__all__ = ["calendar_home", "make_calendar", "named_calendar", "open_calendar"]


def calendar_home(connection: Connection, base: str) -> str:
    """The calendar home of the user ``base`` names, or of whoever logged in."""
    props = _props_of(connection, base, "<D:current-user-principal/><C:calendar-home-set/>")
    home = href_in(props, f"{CAL}calendar-home-set")
    if home is not None:
        return absolute(home, base=base, foreign_ok=True)
    principal = href_in(props, f"{DAV}current-user-principal")
    if principal is None:
        return base
    principal = absolute(principal, base=base, foreign_ok=True)
    if principal == absolute(base, base=base, foreign_ok=True):
        return base
    home = href_in(
        _props_of(connection, principal, "<C:calendar-home-set/>"), f"{CAL}calendar-home-set"
    )
    return principal if home is None else absolute(home, base=principal, foreign_ok=True)


def named_calendar(connection: Connection, home: str, name: str, *, create: bool) -> str:
    """The URL of the calendar called ``name`` in ``home``, made if missing and ``create``."""
    body = bodies.propfind("<D:resourcetype/><D:displayname/>")
    reply = connection.call("PROPFIND", home, body, depth="1")
    connection.expect(reply, "PROPFIND", home, 207)
    by_display: str | None = None
    for member in members(reply.xml):
        href = absolute(member.href, base=home, foreign_ok=True)
        if href == home or not is_calendar(member.props):
            continue
        if last_segment(href) == name:
            return href
        display = member.props.get(f"{DAV}displayname")
        if by_display is None and display is not None and display.text == name:
            by_display = href
    if by_display is not None:
        return by_display
    if not create:
        raise NotFound("CalDAV collection", name)
    target = absolute(quote(name, safe="") + "/", base=home, foreign_ok=True)
    make_calendar(connection, target, display_name=name)
    return target


def open_calendar(connection: Connection, url: str, *, create: bool) -> bool:
    """Check that ``url`` is a calendar, making it if missing; whether it can sync."""
    props_xml = "<D:resourcetype/><D:sync-token/>"
    reply = _propfind(connection, url, props_xml)
    if reply.status == 404:
        if not create:
            raise NotFound("CalDAV collection", url)
        make_calendar(connection, url, display_name=None)
        reply = _propfind(connection, url, props_xml)
    connection.expect(reply, "PROPFIND", url, 207)
    props = first_props(reply.xml)
    if not is_calendar(props):
        raise ValidationError(
            "url",
            f"{url} is not a calendar collection: give the calendar's own URL, "
            "or this URL together with name=",
        )
    return text_of(props.get(f"{DAV}sync-token")) is not None


def make_calendar(connection: Connection, url: str, *, display_name: str | None) -> None:
    """Create the calendar collection ``url``, for events and tasks."""
    reply = connection.call("MKCALENDAR", url, bodies.mkcalendar(display_name))
    if reply.status == 409:
        raise ValidationError(
            "url", f"cannot create {url}: the collection it would be in does not exist"
        )
    # 405: it exists already (made meanwhile); opening it checks what it is.
    if reply.status != 405:
        connection.expect(reply, "MKCALENDAR", url, 200, 201)


def _propfind(connection: Connection, url: str, props: str) -> Reply:
    return connection.call("PROPFIND", url, bodies.propfind(props), depth="0")


def _props_of(connection: Connection, url: str, props: str) -> Mapping[str, ET.Element]:
    reply = _propfind(connection, url, props)
    if reply.status == 404:
        raise NotFound("CalDAV URL", url)
    connection.expect(reply, "PROPFIND", url, 207)
    return first_props(reply.xml)
