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
from crmcore.domain.allocations import Allocation, OpenItem
from crmcore.domain.balances import AgeingRow, ReconciliationAct, StatementRow
from crmcore.domain.calendar import Bucket, Calendar
from crmcore.domain.collaboration import Attachment, Comment, Link
from crmcore.domain.contracts import Contract, PlanFact, Stage
from crmcore.domain.documents import Document, DocumentKind, DocumentLine
from crmcore.domain.fields import FieldDefinition, FieldType
from crmcore.domain.money import Money
from crmcore.domain.products import Product
from crmcore.domain.projects import Project
from crmcore.domain.tasks import (
    Dependency,
    DependencyKind,
    Executor,
    ExecutorKind,
    ExecutorStatus,
    Priority,
    ProgressMode,
    Task,
    TaskSort,
    TaskStatus,
    WorkLogEntry,
)
from crmcore.hookspecs import hookimpl
from crmcore.plotting import Gantt
from crmcore.services.balances import AgeingReport, MoneySummary, StatementTotal, statement_totals
from crmcore.services.cards import ClientCard
from crmcore.services.clients import MergeResult
from crmcore.services.contracts import ContractPlan
from crmcore.services.events import ImportReport
from crmcore.services.tasks import ScheduleConflict, TaskCard

__version__ = "0.1.0"

__all__ = [
    "CRM",
    "SYSTEM_EVENT_TYPES",
    "Actor",
    "Address",
    "AddressKind",
    "AgeingReport",
    "AgeingRow",
    "Allocation",
    "Attachment",
    "Bucket",
    "Calendar",
    "CallerMatch",
    "Change",
    "ChangeAction",
    "Client",
    "ClientCard",
    "ClientKind",
    "Comment",
    "ContactPerson",
    "Contract",
    "ContractPlan",
    "Dependency",
    "DependencyKind",
    "Direction",
    "Document",
    "DocumentKind",
    "DocumentLine",
    "Employee",
    "Event",
    "EventCategory",
    "EventType",
    "Executor",
    "ExecutorKind",
    "ExecutorStatus",
    "FieldDefinition",
    "FieldType",
    "Gantt",
    "ImportReport",
    "Link",
    "MergeResult",
    "Money",
    "MoneySummary",
    "OpenItem",
    "Page",
    "Phone",
    "PlanFact",
    "Priority",
    "Product",
    "ProgressMode",
    "Project",
    "ReconciliationAct",
    "ScheduleConflict",
    "Stage",
    "StatementRow",
    "StatementTotal",
    "Task",
    "TaskCard",
    "TaskSort",
    "TaskStatus",
    "TimelineEntry",
    "WorkLogEntry",
    "__version__",
    "errors",
    "hookimpl",
    "open",
    "statement_totals",
]
