"""``crm.tasks``: the task service, put together from the parts of the task capability."""

from __future__ import annotations

from datetime import datetime

from crmcore.services.context import Context
from crmcore.services.tasks.card import TaskCardMixin
from crmcore.services.tasks.dependencies import DependencyMixin
from crmcore.services.tasks.executors import ExecutorMixin
from crmcore.services.tasks.registry import RegistryMixin
from crmcore.services.tasks.series import SeriesMixin
from crmcore.services.tasks.views import ViewMixin
from crmcore.services.tasks.work_log import WorkLogMixin
from crmcore.services.tasks.workflow import WorkflowMixin

__all__ = ["TaskService", "materialise_due"]


class TaskService(
    # Editing a series edits its tasks' cards, so SeriesMixin extends TaskCardMixin
    # and has to come before it.
    SeriesMixin,
    TaskCardMixin,
    ExecutorMixin,
    WorkLogMixin,
    WorkflowMixin,
    DependencyMixin,
    RegistryMixin,
    ViewMixin,
):
    """``crm.tasks``: the task card, its executors, workflow, dependencies, registry and views.

    Every change of a task or of one of its executor rows is one unit of
    work that also records history and rolls the rows up into the task
    (:func:`crmcore.domain.tasks.roll_up`); what the change did is published
    for the client's timeline, notifications and reminders to follow.
    """


def materialise_due(context: Context, now: datetime) -> int:
    """The dispatcher's job: make the tasks of the occurrences due by ``now``."""
    return len(TaskService(context).materialise(now))
