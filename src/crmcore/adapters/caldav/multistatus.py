"""Reading the 207 Multi-Status answers of WebDAV (RFC 4918 section 13)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping

import attrs

__all__ = [
    "CAL",
    "DAV",
    "Member",
    "first_props",
    "href_in",
    "is_calendar",
    "members",
    "text_of",
]

#: The WebDAV namespace, as ElementTree spells it in tags.
DAV = "{DAV:}"
#: The CalDAV namespace, as ElementTree spells it in tags.
CAL = "{urn:ietf:params:xml:ns:caldav}"


@attrs.frozen
class Member:
    """One ``DAV:response`` of a multistatus."""

    href: str
    status: int | None
    props: Mapping[str, ET.Element]


def _status_code(line: str | None) -> int | None:
    """The code of a status line such as ``HTTP/1.1 404 Not Found``."""
    if line is None:
        return None
    words = line.split()
    if len(words) >= 2 and words[1].isdigit():
        return int(words[1])
    return None


def members(root: ET.Element | None) -> Iterator[Member]:
    """The ``DAV:response`` elements of a multistatus, with the properties found (2xx)."""
    if root is None:
        return
    for response in root.iter(f"{DAV}response"):
        href = response.findtext(f"{DAV}href")
        if not href or not href.strip():
            continue
        props: dict[str, ET.Element] = {}
        for propstat in response.findall(f"{DAV}propstat"):
            code = _status_code(propstat.findtext(f"{DAV}status"))
            prop = propstat.find(f"{DAV}prop")
            if code is not None and 200 <= code < 300 and prop is not None:
                props.update((child.tag, child) for child in prop)
        yield Member(
            href=href.strip(),
            status=_status_code(response.findtext(f"{DAV}status")),
            props=props,
        )


def first_props(root: ET.Element | None) -> Mapping[str, ET.Element]:
    """The properties of the first response: those of the one resource a Depth 0 asked for."""
    return next((member.props for member in members(root)), {})


def href_in(props: Mapping[str, ET.Element], tag: str) -> str | None:
    """The first ``DAV:href`` inside property ``tag`` (e.g. calendar-home-set)."""
    prop = props.get(tag)
    if prop is None:
        return None
    href = prop.findtext(f"{DAV}href")
    return href.strip() if href and href.strip() else None


def is_calendar(props: Mapping[str, ET.Element]) -> bool:
    """Whether the resourcetype in ``props`` names a calendar collection."""
    resourcetype = props.get(f"{DAV}resourcetype")
    return resourcetype is not None and resourcetype.find(f"{CAL}calendar") is not None


def text_of(element: ET.Element | None) -> str | None:
    """The stripped text of ``element``; None when it is missing or blank."""
    if element is None:
        return None
    return (element.text or "").strip() or None
