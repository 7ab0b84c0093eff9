"""The XML bodies of the WebDAV and CalDAV requests the collection sends.

Every value put into a body is escaped here, so nothing a server or a
caller supplies can change a request's structure.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

__all__ = ["calendar_query", "mkcalendar", "multiget", "propfind", "sync_collection"]

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


def propfind(props: str) -> str:
    """A PROPFIND asking for ``props``, elements written with the ``D:`` and ``C:`` prefixes."""
    return _PROPFIND.format(props=props)


def mkcalendar(display_name: str | None) -> str:
    """A MKCALENDAR for events and tasks, with this display name if one is given."""
    display = (
        "" if display_name is None else f"<D:displayname>{escape(display_name)}</D:displayname>"
    )
    return _MKCALENDAR.format(displayname=display)


def calendar_query(component: str | None = None, uid: str | None = None) -> str:
    """A calendar-query for the data and ETags of every item in the collection.

    With ``component`` and ``uid``, only of the items of that component whose
    UID contains ``uid``.
    """
    inner = ""
    if component is not None and uid is not None:
        inner = _UID_FILTER.format(component=component, uid=escape(uid))
    return _QUERY.format(inner=inner)


def multiget(hrefs: Iterable[str]) -> str:
    """A calendar-multiget for the data and ETags of the resources at ``hrefs``."""
    return _MULTIGET.format(
        hrefs="".join(f"<D:href>{escape(urlsplit(h).path)}</D:href>" for h in hrefs)
    )


def sync_collection(token: str) -> str:
    """A sync-collection report of what changed since ``token`` (everything for ``""``)."""
    return _SYNC.format(token=escape(token))
