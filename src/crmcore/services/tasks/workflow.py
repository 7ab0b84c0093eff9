"""The task's own workflow: the controller's and author's moves of the whole task."""

from __future__ import annotations

from typing import Any

from crmcore.domain.collaboration import Comment
from crmcore.domain.tasks import TASK_TRANSITIONS, Task, TaskStatus
from crmcore.errors import IllegalTransition
from crmcore.services.base import build
from crmcore.services.refs import TaskRef
from crmcore.services.tasks.common import TaskServiceBase

__all__ = ["WorkflowMixin"]


class WorkflowMixin(TaskServiceBase):
    """The task's own moves: submit, complete, send back, postpone, resume, cancel, reopen."""

    def _move(self, task: TaskRef, action: str, comment: str | None) -> Task:
        transition = TASK_TRANSITIONS[action]
        with self._unit_of_work() as uow:
            stored = self._find(uow, task)
            # Only an employee's move needs the rows, to know whether they hold one.
            people = self.actor.employee_id is not None
            rows = uow.executors.find(task_id=stored.id) if people else []
            self._check_role(transition, stored, rows)
            if stored.status.value not in transition.sources:
                raise IllegalTransition("task", action, stored.status.value, transition.sources)
            changes: dict[str, Any] = {}
            if action == "postpone":
                changes["resume_status"] = stored.status
            if action == "resume":
                target = stored.resume_status or TaskStatus.ASSIGNED
                changes["resume_status"] = None
            else:
                target = TaskStatus(str(transition.target))
            changes["status"] = target
            changed = self._set_task(uow, stored, changes, comment or "")
            if comment:
                note = build(
                    Comment,
                    entity_kind="task",
                    entity_id=changed.id,
                    author_id=self.actor.employee_id,
                    author_name=self.actor.name,
                    text=comment,
                )
                self._add(uow, uow.comments, note, kind="comment")
            return changed

    def submit(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """Send the task for review without waiting for every executor row."""
        return self._move(task, "submit", comment)

    def complete(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """The controller accepts the result (on review → completed)."""
        return self._move(task, "complete", comment)

    def send_back(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """The controller returns the result for rework (→ returned); executor
        rows keep their state, and executors restart with :meth:`start`."""
        return self._move(task, "return", comment)

    def postpone(self, task: TaskRef, *, comment: str | None = None) -> Task:
        return self._move(task, "postpone", comment)

    def resume(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """A postponed task returns to the status it had."""
        return self._move(task, "resume", comment)

    def cancel(self, task: TaskRef, *, comment: str | None = None) -> Task:
        return self._move(task, "cancel", comment)

    def reopen(self, task: TaskRef, *, comment: str | None = None) -> Task:
        """A completed or cancelled task is worked on again (→ returned)."""
        return self._move(task, "reopen", comment)
