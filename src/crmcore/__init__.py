"""crmcore: an embeddable CRM core for ERP and accounting systems.

Example:
    >>> import crmcore
    >>> crm = crmcore.open()  # in memory; or "sqlite:///crm.sqlite"
    >>> client = crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ", phones=["044 206 72 22"])
    >>> crm.telephony.identify("0442067222").client.name
    'ДЕЛІКАТЕС ТОВ'
"""

from crmcore import errors
from crmcore.crm import CRM, open
from crmcore.domain import (
    SYSTEM_EVENT_TYPES,
    Actor,
    Address,
    AddressKind,
    CallerMatch,
    Change,
    ChangeAction,
    Client,
    ClientKind,
    ContactPerson,
    Direction,
    Employee,
    Event,
    EventCategory,
    EventType,
    Page,
    Phone,
    TimelineEntry,
)
from crmcore.hookspecs import hookimpl
from crmcore.services.cards import ClientCard
from crmcore.services.clients import MergeResult
from crmcore.services.events import ImportReport

__version__ = "0.1.0"

__all__ = [
    "CRM",
    "SYSTEM_EVENT_TYPES",
    "Actor",
    "Address",
    "AddressKind",
    "CallerMatch",
    "Change",
    "ChangeAction",
    "Client",
    "ClientCard",
    "ClientKind",
    "ContactPerson",
    "Direction",
    "Employee",
    "Event",
    "EventCategory",
    "EventType",
    "ImportReport",
    "MergeResult",
    "Page",
    "Phone",
    "TimelineEntry",
    "__version__",
    "errors",
    "hookimpl",
    "open",
]
