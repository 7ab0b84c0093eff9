"""crmcore's own extensions: the system event types."""

from __future__ import annotations

from collections.abc import Callable

from crmcore.domain import SYSTEM_EVENT_TYPES, EventType
from crmcore.hookspecs import hookimpl


@hookimpl(trylast=True)
def crmcore_event_types(register: Callable[[EventType], None]) -> None:
    for event_type in SYSTEM_EVENT_TYPES:
        register(event_type)
