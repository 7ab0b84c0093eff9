"""The pure domain model: attrs classes and their rules, no I/O, no clock."""

from crmcore.domain.clients import (
    Address,
    AddressKind,
    Client,
    ClientKind,
    ContactPerson,
    search_key,
    sort_key,
)
from crmcore.domain.employees import Employee
from crmcore.domain.events import SYSTEM_EVENT_TYPES, Direction, Event, EventCategory, EventType
from crmcore.domain.history import SYSTEM_ACTOR, Actor, Change, ChangeAction
from crmcore.domain.ids import new_id
from crmcore.domain.phones import DEFAULT_REGION, Phone
from crmcore.domain.search import CallerMatch, ClientSearch, PhoneOwner
from crmcore.domain.timeline import Page, TimelineEntry, TimelineFilter

__all__ = [
    "DEFAULT_REGION",
    "SYSTEM_ACTOR",
    "SYSTEM_EVENT_TYPES",
    "Actor",
    "Address",
    "AddressKind",
    "CallerMatch",
    "Change",
    "ChangeAction",
    "Client",
    "ClientKind",
    "ClientSearch",
    "ContactPerson",
    "Direction",
    "Employee",
    "Event",
    "EventCategory",
    "EventType",
    "Page",
    "Phone",
    "PhoneOwner",
    "TimelineEntry",
    "TimelineFilter",
    "new_id",
    "search_key",
    "sort_key",
]
