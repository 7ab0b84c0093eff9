"""The iCalendar text of a calendar object resource, read only as far as CalDAV needs.

The collection never parses a whole calendar: it needs the UID that names a
resource and the kinds of component in it, and it hands the text on as is.
"""

from __future__ import annotations

from collections.abc import Iterator

__all__ = ["WANTED", "crlf", "scan"]

#: Components a collection item must hold (one of) to be returned at all.
WANTED = frozenset({"VEVENT", "VTODO"})


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


def scan(text: str) -> tuple[str | None, frozenset[str]]:
    """The UID of the first VEVENT or VTODO in a VCALENDAR, and the component kinds in it.

    Tolerant of anything: what cannot be read is skipped, and text that is no
    VCALENDAR at all gives ``(None, frozenset())``.

    Example:
        >>> lines = ["BEGIN:VCALENDAR", "BEGIN:VTODO", "UID:a-1", "END:VTODO", "END:VCALENDAR"]
        >>> scan("\\r\\n".join(lines))
        ('a-1', frozenset({'VTODO'}))
        >>> scan("<html>not a calendar</html>")
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
            and stack[1] in WANTED
            and value.strip()
        ):
            uid = value.strip()
    return uid, frozenset(kinds)


def crlf(text: str) -> bytes:
    """``text`` with CRLF line ends, as iCalendar wants them; XML parsing turned them into LF."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n")
    return lines.replace("\n", "\r\n").encode("utf-8")
