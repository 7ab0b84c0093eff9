"""The content lines of an iCalendar text and the tree of components they make.

This is the grammar of RFC 5545, section 3.1, read leniently: folded lines
are joined, a line that is not ``NAME;PARAMS:VALUE`` is reported and stepped
over, and a component the file never closes is kept, marked incomplete.
Only the limits of :mod:`~crmcore.adapters.ical.limits` refuse a file here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final, NamedTuple

import attrs

from crmcore.adapters.ical.items import Skipped
from crmcore.adapters.ical.limits import MAX_NESTING, shorten
from crmcore.errors import InvalidCalendar

__all__ = [
    "NAME",
    "Component",
    "Property",
    "components",
    "is_calendar_begin",
    "logical_lines",
    "split",
]

_PHYSICAL_LINE_END = re.compile(r"\r\n|\r|\n")
#: A component, property or parameter name.
NAME = re.compile(r"[A-Za-z0-9-]+")
# A parameter: its name, then optionally "=" and a comma-separated list of
# values, each quoted or free of the characters that end it.
_PARAMETER = re.compile(r';([A-Za-z0-9-]+)(?:=((?:"[^"]*"|[^";:,]*)(?:,(?:"[^"]*"|[^";:,]*))*))?')
_CARET_ESCAPE = re.compile(r"\^([n^'])")
_CARET_ESCAPED: Final = {"n": "\n", "^": "^", "'": '"'}


class Property(NamedTuple):
    """One content line inside a component."""

    name: str  # upper case
    params: dict[str, str]  # upper-case names; the values unquoted and decoded
    value: str  # as written, escapes and all
    line: int


@attrs.define
class Component:
    """A BEGIN ... END block: its own content lines and the components inside it."""

    name: str
    line: int  # physical line of its BEGIN
    first: int  # index of its BEGIN among the logical lines
    last: int = -1  # index of its END
    complete: bool = True  # False when the file ended before its END
    properties: list[Property] = attrs.Factory(list)
    children: list[Component] = attrs.Factory(list)

    def get(self, name: str) -> Property | None:
        """The first property called ``name``, or None."""
        return next((p for p in self.properties if p.name == name), None)

    def every(self, name: str) -> list[Property]:
        """Every property called ``name``, in the order of the file."""
        return [p for p in self.properties if p.name == name]


def logical_lines(text: str) -> list[tuple[int, str]]:
    """The unfolded content lines, each with the number of the physical line it starts on.

    Blank lines are dropped.
    """
    lines: list[tuple[int, str]] = []
    pieces: list[str] = []
    first = 0
    for number, physical in enumerate(_PHYSICAL_LINE_END.split(text), start=1):
        if pieces and physical[:1] in (" ", "\t"):
            pieces.append(physical[1:])
            continue
        if pieces:
            lines.append((first, "".join(pieces)))
            pieces = []
        if physical.strip():
            first = number
            pieces = [physical]
    if pieces:
        lines.append((first, "".join(pieces)))
    return lines


def split(line: str) -> tuple[str, dict[str, str], str] | None:
    """A content line as (NAME, {PARAM: value}, value), or None when it is not one."""
    name = NAME.match(line)
    if name is None:
        return None
    params: dict[str, str] = {}
    position = name.end()
    while position < len(line) and line[position] == ";":
        parameter = _PARAMETER.match(line, position)
        if parameter is None:
            return None
        # Quotes only protect ";:," inside a value; RFC 6868 escapes the rest.
        value = (parameter.group(2) or "").replace('"', "")
        value = _CARET_ESCAPE.sub(lambda m: _CARET_ESCAPED[m.group(1)], value)
        params.setdefault(parameter.group(1).upper(), value)
        position = parameter.end()
    if position >= len(line) or line[position] != ":":
        return None
    return name.group().upper(), params, line[position + 1 :]


def is_calendar_begin(line: str) -> bool:
    """Whether ``line`` is ``BEGIN:VCALENDAR``, however it is spelled."""
    parts = split(line)
    return parts is not None and parts[0] == "BEGIN" and parts[2].strip().upper() == "VCALENDAR"


def components(
    lines: Sequence[tuple[int, str]], max_components: int
) -> tuple[list[Component], list[Skipped]]:
    """The component tree of the lines, and the lines that did not fit in it."""
    roots: list[Component] = []
    skipped: list[Skipped] = []
    stack: list[Component] = []
    count = 0

    def skip_line(number: int, reason: str) -> None:
        skipped.append(Skipped(component=f"line {number}", uid="", reason=reason))

    for index, (number, text) in enumerate(lines):
        parts = split(text)
        if parts is None:
            skip_line(number, f"{shorten(text)} is not a content line (NAME:VALUE); it was ignored")
            continue
        name, params, value = parts
        if name == "BEGIN":
            kind = value.strip().upper()
            if not NAME.fullmatch(kind):
                skip_line(number, f"{shorten(text)} names no component; it was ignored")
                continue
            count += 1
            if count > max_components:
                raise InvalidCalendar("ics", f"holds more than {max_components} components")
            if len(stack) >= MAX_NESTING:
                raise InvalidCalendar(
                    f"line {number}", f"nests components more than {MAX_NESTING} deep"
                )
            stack.append(Component(name=kind, line=number, first=index))
        elif name == "END":
            kind = value.strip().upper()
            if not stack or stack[-1].name != kind:
                open_one = f"the open {stack[-1].name}" if stack else "any open component"
                skip_line(number, f"END:{kind} does not close {open_one}; it was ignored")
                continue
            done = stack.pop()
            done.last = index
            (stack[-1].children if stack else roots).append(done)
        elif stack:
            stack[-1].properties.append(Property(name, params, value, number))
        else:
            skip_line(number, f"{shorten(text)} is outside of any component; it was ignored")
    while stack:
        cut = stack.pop()
        cut.last = len(lines) - 1
        cut.complete = False
        (stack[-1].children if stack else roots).append(cut)
    return roots, skipped
