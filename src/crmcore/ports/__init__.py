"""The interfaces storage backends implement (typing.Protocol, checked structurally).

A backend is chosen by the ``crmcore_storage`` hook and returns a
:class:`Storage`.  All writes happen inside a :class:`UnitOfWork`: leaving its
``with`` block without :meth:`UnitOfWork.commit` rolls everything back.
Repositories store exactly what they are given; versions, timestamps, history
and timeline entries are decided by the services above them, so every backend
behaves alike.  Read models (timeline pages, searches, phone lookups) are
repository methods so a SQL backend can answer them with indexes.

The repositories of each storage capability live in a module of that name
(``crmcore.ports.clients``, ``crmcore.ports.tasks``, ...), as they do in the
memory and SQL backends.

``crmcore.testing`` holds the conformance suite a backend must pass.
"""

from __future__ import annotations

from crmcore.ports.allocations import AllocationRepository
from crmcore.ports.balances import BalanceRepository
from crmcore.ports.blobs import BlobInfo, BlobStore
from crmcore.ports.calls import CallEventRepository, CallRepository
from crmcore.ports.channels import Channel
from crmcore.ports.clients import ClientRepository, ContactRepository
from crmcore.ports.contracts import ContractRepository, StageRepository
from crmcore.ports.documents import DocumentLineRepository, DocumentRepository
from crmcore.ports.employees import EmployeeRepository
from crmcore.ports.events import EventRepository, EventTypeRepository
from crmcore.ports.fields import FieldValueRepository
from crmcore.ports.gateways import PhoneGateway
from crmcore.ports.history import HistoryRepository
from crmcore.ports.mail import (
    MailAliasRepository,
    MailboxStateRepository,
    MailMessageRepository,
    MailThreadIdRepository,
)
from crmcore.ports.notifications import InboxRepository, MessageRepository, PreferenceRepository
from crmcore.ports.products import ProductRepository
from crmcore.ports.projects import ProjectRepository
from crmcore.ports.records import RecordRepository
from crmcore.ports.reminders import ReminderRepository
from crmcore.ports.series import SeriesRepository
from crmcore.ports.storage import Storage, StorageOptions, UnitOfWork
from crmcore.ports.tasks import ExecutorRepository, TaskRepository, WorkLogRepository
from crmcore.ports.timeline import TimelineRepository

__all__ = [
    "AllocationRepository",
    "BalanceRepository",
    "BlobInfo",
    "BlobStore",
    "CallEventRepository",
    "CallRepository",
    "Channel",
    "ClientRepository",
    "ContactRepository",
    "ContractRepository",
    "DocumentLineRepository",
    "DocumentRepository",
    "EmployeeRepository",
    "EventRepository",
    "EventTypeRepository",
    "ExecutorRepository",
    "FieldValueRepository",
    "HistoryRepository",
    "InboxRepository",
    "MailAliasRepository",
    "MailMessageRepository",
    "MailThreadIdRepository",
    "MailboxStateRepository",
    "MessageRepository",
    "PhoneGateway",
    "PreferenceRepository",
    "ProductRepository",
    "ProjectRepository",
    "RecordRepository",
    "ReminderRepository",
    "SeriesRepository",
    "StageRepository",
    "Storage",
    "StorageOptions",
    "TaskRepository",
    "TimelineRepository",
    "UnitOfWork",
    "WorkLogRepository",
]
