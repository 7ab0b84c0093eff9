"""The calendar object resources of a collection, as the server holds them."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import attrs

from crmcore.adapters.caldav.calendar_data import WANTED, crlf, scan
from crmcore.adapters.caldav.multistatus import CAL, DAV, members, text_of
from crmcore.adapters.caldav.urls import basename, member_href

__all__ = ["RemoteItem", "remote_items"]


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


def remote_items(root: ET.Element | None, collection: str) -> list[RemoteItem]:
    """The events and tasks with their data in a multistatus about ``collection``."""
    items: list[RemoteItem] = []
    for member in members(root):
        href = member_href(member.href, collection)
        data = member.props.get(f"{CAL}calendar-data")
        if href is None or data is None:
            continue
        text = data.text or ""
        uid, kinds = scan(text)
        if kinds and not kinds & WANTED:
            continue
        items.append(
            RemoteItem(
                href=href,
                uid=uid if uid is not None else basename(href),
                etag=text_of(member.props.get(f"{DAV}getetag")),
                ics=crlf(text),
            )
        )
    return items
