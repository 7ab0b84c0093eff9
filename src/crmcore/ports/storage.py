"""The storage a backend returns, its units of work and the options it is opened with."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Protocol

import attrs

from crmcore.ports.allocations import AllocationRepository
from crmcore.ports.balances import BalanceRepository
from crmcore.ports.calendars import SubscriptionRepository, SyncedItemRepository
from crmcore.ports.calls import CallEventRepository, CallRepository
from crmcore.ports.clients import ClientRepository, ContactRepository
from crmcore.ports.collaboration import AttachmentRepository, CommentRepository, LinkRepository
from crmcore.ports.contracts import ContractRepository, StageRepository
from crmcore.ports.documents import DocumentLineRepository, DocumentRepository
from crmcore.ports.employees import EmployeeRepository
from crmcore.ports.events import EventRepository, EventTypeRepository
from crmcore.ports.fields import FieldDefinitionRepository, FieldValueRepository
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
from crmcore.ports.reminders import ReminderRepository
from crmcore.ports.series import SeriesRepository
from crmcore.ports.tasks import (
    DependencyRepository,
    ExecutorRepository,
    TaskRepository,
    WorkLogRepository,
)
from crmcore.ports.timeline import TimelineRepository

__all__ = ["Storage", "StorageOptions", "UnitOfWork"]


class UnitOfWork(Protocol):
    """One transaction.  Use as ``with storage.unit_of_work() as uow: ...; uow.commit()``."""

    clients: ClientRepository
    contacts: ContactRepository
    employees: EmployeeRepository
    event_types: EventTypeRepository
    events: EventRepository
    timeline: TimelineRepository
    history: HistoryRepository
    projects: ProjectRepository
    tasks: TaskRepository
    executors: ExecutorRepository
    work_log: WorkLogRepository
    dependencies: DependencyRepository
    comments: CommentRepository
    links: LinkRepository
    attachments: AttachmentRepository
    field_definitions: FieldDefinitionRepository
    field_values: FieldValueRepository
    reminders: ReminderRepository
    series: SeriesRepository
    messages: MessageRepository
    inbox: InboxRepository
    preferences: PreferenceRepository
    subscriptions: SubscriptionRepository
    synced_items: SyncedItemRepository
    calls: CallRepository
    call_events: CallEventRepository
    mail_messages: MailMessageRepository
    mail_thread_ids: MailThreadIdRepository
    mail_aliases: MailAliasRepository
    mailbox_states: MailboxStateRepository
    products: ProductRepository
    contracts: ContractRepository
    stages: StageRepository
    documents: DocumentRepository
    document_lines: DocumentLineRepository
    allocations: AllocationRepository
    balances: BalanceRepository

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Roll back whatever was not committed."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...


@attrs.frozen(kw_only=True)
class StorageOptions:
    """What ``crmcore.open`` passes to the ``crmcore_storage`` hook besides the URL.

    Attributes:
        table_prefix: put before every table name, so crmcore's tables sit
            beside a host's own without clashing.
        schema: the database schema (PostgreSQL) for crmcore's tables.
        upgrade: bring the schema to the current revision on open.
        engine: a host's SQLAlchemy ``Engine`` to use instead of a URL.
    """

    table_prefix: str = "crm_"
    schema: str | None = None
    upgrade: bool = True
    engine: Any = None


class Storage(Protocol):
    @property
    def url(self) -> str:
        """Where the data lives, for people (passwords hidden)."""

    def unit_of_work(self, *, writes: bool = True) -> UnitOfWork:
        """A new unit of work; ``writes=False`` promises it only reads, so the
        backend may skip write locks (and must still see committed data)."""

    def upgrade(self) -> None:
        """Bring the schema to the current revision (create it in a new database)."""

    def check_schema(self) -> None:
        """Raise ``StorageError`` unless the schema is at the current revision."""

    def revisions(self) -> tuple[str | None, str]:
        """(the stored schema revision or None, the revision this crmcore needs).

        A backend without a schema answers its own name for both.
        """

    def close(self) -> None: ...
