"""Executors and the task workflow: accepting, working, review, postponing and cancelling."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmcore import CRM
from crmcore.domain.tasks import Executor, ExecutorStatus, Task, TaskStatus
from crmcore.errors import IllegalTransition, ValidationError
from crmcore.testing.conformance.fixtures import Office, footprint, simple_task, utc_2014

__all__ = ["TaskWorkflowConformance"]


def _bring(crm: CRM, task: Task, row: Executor, status: str) -> None:
    """Move a task with one executor row to ``status`` (as the system)."""
    tasks = crm.tasks
    if status == "accepted":
        tasks.accept(row)
    elif status == "in_progress":
        tasks.start(row)
    elif status in ("on_review", "completed", "returned"):
        tasks.start(row)
        tasks.finish(row)
        if status == "completed":
            tasks.complete(task)
        elif status == "returned":
            tasks.send_back(task)
    elif status == "postponed":
        tasks.postpone(task)
    elif status == "cancelled":
        tasks.cancel(task)
    elif status == "declined":
        tasks.decline(row)
    else:
        assert status == "assigned"


class TaskWorkflowConformance:
    """The moves of executor rows and of the task they roll up into."""

    def test_tasks_workflow_happy_path_to_completion(self, office: Office) -> None:
        crm = office.crm
        task, (mine, his) = simple_task(office, executors=[office.ivanov, office.melnyk])
        ivanov, melnyk = office.as_(office.ivanov).tasks, office.as_(office.melnyk).tasks

        def status() -> TaskStatus:
            return crm.tasks.get(task.id).status

        assert status() is TaskStatus.ASSIGNED
        assert ivanov.accept(mine).status is ExecutorStatus.ACCEPTED
        assert status() is TaskStatus.ACCEPTED
        melnyk.accept(his)
        assert ivanov.start(mine).status is ExecutorStatus.IN_PROGRESS
        assert status() is TaskStatus.IN_PROGRESS
        melnyk.start(his)
        ivanov.log_work(mine, 4)
        done = ivanov.finish(mine, comment="готово")
        assert (done.status, done.percent_done, done.comment) == (
            ExecutorStatus.DONE,
            100,
            "готово",
        )
        assert status() is TaskStatus.IN_PROGRESS
        melnyk.finish(his)
        on_review = crm.tasks.get(task.id)
        assert (on_review.status, on_review.percent_done) == (TaskStatus.ON_REVIEW, 100)
        completed = office.as_(office.oleg).tasks.complete(task, comment="прийнято")
        assert completed.status is TaskStatus.COMPLETED
        assert not completed.is_open
        assert [c.text for c in crm.discussion.of(task)] == ["прийнято"]
        statuses = [c.new_value() for c in crm.history.of(completed) if c.field == "status"]
        assert statuses == ["accepted", "in_progress", "on_review", "completed"]
        shown = crm.timeline(office.neptune, kinds="task_status", limit=100)
        assert {e.summary for e in shown} >= {
            "Поставлена задача → Принято",
            "Принято → В работе",
            "В работе → На проверке",
            "На проверке → Выполнена: прийнято",
        }
        assert {e.source_id for e in shown} == {task.id}

    def test_tasks_send_back_keeps_the_rows_and_executors_restart(self, office: Office) -> None:
        crm = office.crm
        task, (mine, his) = simple_task(office, executors=[office.ivanov, office.melnyk])
        ivanov, melnyk = office.as_(office.ivanov).tasks, office.as_(office.melnyk).tasks
        ivanov.start(mine)
        ivanov.log_work(mine, 5)
        ivanov.finish(mine)
        melnyk.start(his)
        melnyk.log_work(his, 3)
        melnyk.finish(his)
        returned = office.as_(office.oleg).tasks.send_back(task, comment="переробити")
        assert returned.status is TaskStatus.RETURNED
        rows = crm.tasks.executors(task)
        assert [(r.status, r.percent_done, r.hours_spent) for r in rows] == [
            (ExecutorStatus.DONE, 100, Decimal(5)),
            (ExecutorStatus.DONE, 100, Decimal(3)),
        ]
        assert crm.tasks.get(task.id).hours_spent == Decimal(8)
        assert ivanov.start(mine).status is ExecutorStatus.IN_PROGRESS
        assert crm.tasks.get(task.id).status is TaskStatus.IN_PROGRESS
        ivanov.finish(mine)
        assert crm.tasks.get(task.id).status is TaskStatus.ON_REVIEW
        assert office.as_(office.oleg).tasks.complete(task).status is TaskStatus.COMPLETED
        reopened = office.as_(office.oleg).tasks.send_back(task)
        assert reopened.status is TaskStatus.RETURNED

    @pytest.mark.parametrize("before", ["assigned", "accepted", "in_progress", "returned"])
    def test_tasks_postpone_and_resume_return_to_the_earlier_status(
        self, office: Office, before: str
    ) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        _bring(crm, task, row, before)
        postponed = office.as_(office.boss).tasks.postpone(task, comment="чекаємо")
        assert postponed.status is TaskStatus.POSTPONED
        assert postponed.resume_status == TaskStatus(before)
        with pytest.raises(IllegalTransition):
            office.as_(office.ivanov).tasks.start(row)
        resumed = office.as_(office.oleg).tasks.resume(task)
        assert (resumed.status, resumed.resume_status) == (TaskStatus(before), None)

    def test_tasks_cancel_and_reopen(self, office: Office) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        crm.tasks.start(row)
        cancelled = office.as_(office.boss).tasks.cancel(task, comment="не актуально")
        assert cancelled.status is TaskStatus.CANCELLED
        assert not crm.tasks.registry(overdue=True, now=utc_2014(1, month=12)).items
        with pytest.raises(ValidationError) as caught:
            crm.tasks.add_executor(task, office.melnyk)
        assert caught.value.field == "task"
        reopened = office.as_(office.oleg).tasks.reopen(task)
        assert reopened.status is TaskStatus.RETURNED
        assert crm.tasks.add_executor(task, office.melnyk).employee_id == office.melnyk.id
        on_review_cancel, (other,) = simple_task(office, "Другий", executors=[office.melnyk])
        crm.tasks.start(other)
        crm.tasks.finish(other)
        assert crm.tasks.cancel(on_review_cancel).status is TaskStatus.CANCELLED

    @pytest.mark.parametrize(
        ("status", "action", "kind"),
        [
            ("assigned", "complete", "task"),
            ("in_progress", "complete", "task"),
            ("assigned", "send_back", "task"),
            ("accepted", "resume", "task"),
            ("in_progress", "reopen", "task"),
            ("returned", "reopen", "task"),
            ("on_review", "postpone", "task"),
            ("on_review", "submit", "task"),
            ("completed", "submit", "task"),
            ("completed", "cancel", "task"),
            ("cancelled", "cancel", "task"),
            ("cancelled", "resume", "task"),
            ("postponed", "postpone", "task"),
            ("postponed", "complete", "task"),
            ("assigned", "finish", "executor"),
            ("accepted", "accept", "executor"),
            ("on_review", "decline", "executor"),
            ("on_review", "finish", "executor"),
            ("declined", "start", "executor"),
            ("declined", "finish", "executor"),
            ("completed", "start", "executor"),
            ("postponed", "accept", "executor"),
            ("cancelled", "finish", "executor"),
        ],
    )
    def test_tasks_illegal_transition_is_refused_and_writes_nothing(
        self, office: Office, status: str, action: str, kind: str
    ) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        _bring(crm, task, row, status)
        before = footprint(crm, task)
        target: Task | Executor = (
            row if action in ("accept", "decline", "start", "finish") else task
        )
        with pytest.raises(IllegalTransition) as caught:
            getattr(crm.tasks, action)(target, comment="спроба")
        assert caught.value.action == {"send_back": "return"}.get(action, action)
        if kind == "executor" and status in ("completed", "postponed", "cancelled"):
            assert (caught.value.kind, caught.value.status) == ("task", status)
        elif kind == "executor":
            assert caught.value.kind == "executor"
        else:
            assert (caught.value.kind, caught.value.status) == ("task", status)
        assert footprint(crm, task) == before
