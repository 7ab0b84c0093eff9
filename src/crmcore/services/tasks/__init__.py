"""Tasks: the task card, executors and their work, the workflow, dependencies, views
and repeating tasks (``crm.tasks``).

One module per part of the capability, each a mixin of
:class:`~crmcore.services.tasks.service.TaskService`:

- :mod:`~crmcore.services.tasks.common`: references, time, roles, the roll-up;
- :mod:`~crmcore.services.tasks.card`: setting a task, its requisites, the card, history;
- :mod:`~crmcore.services.tasks.executors`: executor rows and their workflow;
- :mod:`~crmcore.services.tasks.work_log`: hours worked;
- :mod:`~crmcore.services.tasks.workflow`: the task's own moves;
- :mod:`~crmcore.services.tasks.dependencies`: dependencies, conflicts, rescheduling;
- :mod:`~crmcore.services.tasks.registry`: the registry and counts;
- :mod:`~crmcore.services.tasks.views`: the calendar and the Gantt chart;
- :mod:`~crmcore.services.tasks.occurrences`, :mod:`~crmcore.services.tasks.materialising`
  and :mod:`~crmcore.services.tasks.series`: repeating tasks.
"""

from crmcore.services.tasks.card import TaskCard
from crmcore.services.tasks.common import DEFAULT_TIME_ZONE
from crmcore.services.tasks.dependencies import ScheduleConflict
from crmcore.services.tasks.occurrences import EditScope, Occurrence
from crmcore.services.tasks.service import TaskService

__all__ = [
    "DEFAULT_TIME_ZONE",
    "EditScope",
    "Occurrence",
    "ScheduleConflict",
    "TaskCard",
    "TaskService",
]
