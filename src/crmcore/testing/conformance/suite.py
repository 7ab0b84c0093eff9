"""The one class a storage backend's tests subclass: every room of the suite together."""

from __future__ import annotations

from crmcore.testing.conformance.balances import BalanceConformance, HostDocumentConformance
from crmcore.testing.conformance.click_to_call import ClickToCallConformance
from crmcore.testing.conformance.clients import ClientConformance
from crmcore.testing.conformance.collaboration import CollaborationConformance
from crmcore.testing.conformance.contracts import ContractConformance
from crmcore.testing.conformance.dependencies import DependencyConformance
from crmcore.testing.conformance.dispatcher import DispatcherConformance
from crmcore.testing.conformance.documents import DocumentConformance
from crmcore.testing.conformance.employees import EmployeeConformance
from crmcore.testing.conformance.event_types import EventTypeConformance
from crmcore.testing.conformance.events import EventConformance
from crmcore.testing.conformance.fixtures import ConformanceFixtures
from crmcore.testing.conformance.gantt import GanttConformance
from crmcore.testing.conformance.history_and_access import HistoryAndAccessConformance
from crmcore.testing.conformance.inbox import InboxConformance
from crmcore.testing.conformance.mail import MailConformance
from crmcore.testing.conformance.outbox import OutboxConformance
from crmcore.testing.conformance.reminders import ReminderConformance
from crmcore.testing.conformance.screen_pop import ScreenPopConformance
from crmcore.testing.conformance.series import SeriesConformance
from crmcore.testing.conformance.task_calendar import TaskCalendarConformance
from crmcore.testing.conformance.task_card import TaskCardConformance
from crmcore.testing.conformance.task_registry import TaskRegistryConformance
from crmcore.testing.conformance.task_workflow import TaskWorkflowConformance
from crmcore.testing.conformance.telephony import TelephonyConformance
from crmcore.testing.conformance.timeline import TimelineConformance
from crmcore.testing.conformance.transactions import TransactionConformance
from crmcore.testing.conformance.user_fields import UserFieldConformance
from crmcore.testing.conformance.work_log import WorkLogConformance

__all__ = ["StorageConformance"]


class StorageConformance(
    ClientConformance,
    EmployeeConformance,
    EventTypeConformance,
    EventConformance,
    TimelineConformance,
    HistoryAndAccessConformance,
    UserFieldConformance,
    CollaborationConformance,
    TaskCardConformance,
    TaskWorkflowConformance,
    WorkLogConformance,
    DependencyConformance,
    TaskRegistryConformance,
    TaskCalendarConformance,
    GanttConformance,
    ReminderConformance,
    SeriesConformance,
    OutboxConformance,
    InboxConformance,
    DispatcherConformance,
    TelephonyConformance,
    ScreenPopConformance,
    ClickToCallConformance,
    MailConformance,
    TransactionConformance,
    DocumentConformance,
    BalanceConformance,
    HostDocumentConformance,
    ContractConformance,
    ConformanceFixtures,
):
    """Subclass with a ``crm_factory`` fixture; every test here must pass."""
