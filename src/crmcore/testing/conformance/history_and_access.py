"""History and access rules: who did what, the task's History tab, and who may act.

Every change is recorded with its actor; the History tab of a task gathers
the changes of its executor rows, work log and dependencies, removed ones
included.  A plugin may forbid an action, and only the right people (or the
system) may make each move of the task workflow.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from crmcore import CRM, Client, hookimpl
from crmcore.domain.tasks import TaskStatus
from crmcore.errors import PermissionDenied
from crmcore.testing.conformance.fixtures import (
    CrmFactory,
    Office,
    day_2014,
    footprint,
    seed_brochure,
    simple_task,
)

__all__ = ["HistoryAndAccessConformance"]


class _Deny:
    """A plugin that forbids one action to everyone but the system."""

    def __init__(self, action: str) -> None:
        self.action = action

    @hookimpl
    def crmcore_authorize(
        self, actor: Any, action: str, entity_kind: str, entity: Any
    ) -> bool | None:
        if action == self.action and not actor.is_system:
            return False
        return None


class HistoryAndAccessConformance:
    """Recorded changes and the rules of who may make them."""

    # --- history --------------------------------------------------------------------------

    def test_clients_created_by_an_actor_record_who_did_it(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        me = crm.acting_as(seed["boss"])
        client: Client = me.clients.create(code="90000016", name="ТЕХНОСЕРВІС ТОВ")
        [created] = crm.history.of(client)
        assert (created.actor_id, created.actor_name) == (
            seed["boss"].id,
            "Бондарчук Василь Петрович",
        )
        assert crm.history.of("client", client.id) == [created]

    def test_tasks_history_tab_has_executor_changes_work_log_and_dependencies(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        office.clock.advance(minutes=1)
        row = office.as_(office.boss).tasks.add_executor(task, office.ivanov, planned_hours=8)
        office.clock.advance(minutes=1)
        office.as_(office.ivanov).tasks.accept(row)
        office.clock.advance(minutes=1)
        entry = office.as_(office.ivanov).tasks.log_work(row, 2.5, on=day_2014(6), note="обмір")
        office.clock.advance(minutes=1)
        crm.tasks.update_executor(row.id, comment="з драбиною")
        other, _ = simple_task(office, "Наступна")
        office.clock.advance(minutes=1)
        crm.tasks.add_dependency(task, other)
        office.clock.advance(minutes=1)
        crm.tasks.update(task.id, name="Кошторис даху")
        history = crm.tasks.history(task)
        seen = [(c.entity_kind, c.action.value, c.field) for c in history]
        for expected in (
            ("task", "create", None),
            ("executor", "create", None),
            ("executor", "update", "status"),
            ("task", "update", "status"),
            ("work_log", "create", None),
            ("executor", "update", "hours_spent"),
            ("task", "update", "hours_spent"),
            ("executor", "update", "comment"),
            ("dependency", "create", None),
            ("task", "update", "name"),
        ):
            assert expected in seen
        keys = [(c.at, c.id) for c in history]
        assert keys == sorted(keys)
        assert history[0].action.value == "create"
        assert history[-1].field == "name"
        [logged] = [c for c in history if c.entity_kind == "work_log"]
        assert (logged.entity_id, logged.actor_id) == (entry.id, office.ivanov.id)
        [accepted] = [c for c in history if c.entity_kind == "executor" and c.field == "status"]
        assert (accepted.old_value(), accepted.new_value()) == ("assigned", "accepted")
        assert crm.tasks.work_log(task) == [entry]
        assert crm.history.of(row)[0].action.value == "create"
        assert crm.history.of(entry)[0].action.value == "create"

    def test_tasks_history_records_executor_rows_created_with_the_task(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, rows = simple_task(office, executors=[office.ivanov, office.melnyk])
        for row in rows:
            assert [c.action.value for c in crm.history.of(row)] == ["create"]
        created = [
            c.entity_id
            for c in crm.tasks.history(task)
            if (c.entity_kind, c.action.value) == ("executor", "create")
        ]
        assert sorted(created) == sorted(r.id for r in rows)
        for row in rows:
            assert crm.history.of("task", row.id) == []  # not filed under the task kind

    def test_tasks_history_tab_keeps_removed_executors_and_dependencies(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        row = crm.tasks.add_executor(task, office.melnyk)
        other, _ = simple_task(office, "Наступна")
        dependency = crm.tasks.add_dependency(task, other)
        office.clock.advance(minutes=1)
        crm.tasks.remove_executor(row)
        crm.tasks.remove_dependency(dependency)
        assert crm.tasks.executors(task) == []
        assert crm.tasks.dependencies(task) == ([], [])
        removed = {
            (c.entity_kind, c.entity_id) for c in crm.tasks.history(task) if c.field == "removed"
        }
        assert removed == {("executor", row.id), ("dependency", dependency.id)}

    # --- who may act ----------------------------------------------------------------------

    def test_authorization_hook_denies_and_nothing_is_written(
        self, crm_factory: CrmFactory
    ) -> None:
        crm = crm_factory(plugins=[_Deny("archive")])
        seed = seed_brochure(crm)
        me = crm.acting_as(seed["iryna"])
        with pytest.raises(PermissionDenied):
            me.clients.archive(seed["neptune"])
        assert not crm.clients.get(seed["neptune"].id).archived
        assert crm.clients.archive(seed["neptune"]).archived

    @pytest.mark.parametrize(
        ("who", "action", "on"),
        [
            ("melnyk", "accept", "ivanov's row"),
            ("oleg", "accept", "ivanov's row"),
            ("boss", "start", "ivanov's row"),
            ("melnyk", "finish", "ivanov's row"),
            ("melnyk", "decline", "ivanov's row"),
            ("melnyk", "report_progress", "ivanov's row"),
            ("melnyk", "log_work", "ivanov's row"),
            ("boss", "log_work", "ivanov's row"),
            ("ivanov", "complete", "task"),
            ("boss", "complete", "task"),
            ("ivanov", "send_back", "task"),
            ("ivanov", "postpone", "task"),
            ("melnyk", "cancel", "task"),
            ("ivanov", "reopen", "task"),
        ],
    )
    def test_tasks_move_by_the_wrong_person_is_denied_and_writes_nothing(
        self, office: Office, who: str, action: str, on: str
    ) -> None:
        crm = office.crm
        task, (row, other) = simple_task(office, executors=[office.ivanov, office.melnyk])
        crm.tasks.start(row)
        crm.tasks.start(other)
        if action in ("complete", "send_back", "reopen"):
            crm.tasks.finish(row)
            crm.tasks.finish(other)
        if action == "reopen":
            crm.tasks.complete(task)
        before = footprint(crm, task)
        tasks = office.as_(getattr(office, who)).tasks

        def attempt() -> object:
            if action == "report_progress":
                return tasks.report_progress(row, 50)
            if action == "log_work":
                return tasks.log_work(row, 2)
            return getattr(tasks, action)(task if on == "task" else row)

        with pytest.raises(PermissionDenied):
            attempt()
        assert footprint(crm, task) == before

    def test_tasks_controller_and_author_make_their_own_moves(self, office: Office) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        controller = office.as_(office.oleg).tasks
        assert controller.report_progress(row, 30).percent_done == 30
        assert controller.log_work(row, 1.5).hours == Decimal("1.50")
        assert controller.submit(task).status is TaskStatus.ON_REVIEW
        assert controller.send_back(task).status is TaskStatus.RETURNED
        author = office.as_(office.boss).tasks
        assert author.postpone(task).status is TaskStatus.POSTPONED
        assert author.resume(task).status is TaskStatus.RETURNED
        assert author.cancel(task).status is TaskStatus.CANCELLED
        assert author.reopen(task).status is TaskStatus.RETURNED
        uncontrolled, (own,) = simple_task(office, "Без контролера", executors=[office.melnyk])
        crm.tasks.update(uncontrolled.id, controller=None)
        office.as_(office.melnyk).tasks.start(own)
        office.as_(office.melnyk).tasks.finish(own)
        done = author.complete(uncontrolled)  # with no controller, the author reviews
        assert done.status is TaskStatus.COMPLETED

    def test_tasks_executor_may_submit_the_task(self, office: Office) -> None:
        # TASK_TRANSITIONS lets an executor of the task submit it for review.
        task, (row,) = simple_task(office, executors=[office.ivanov])
        ivanov = office.as_(office.ivanov).tasks
        ivanov.start(row)
        assert ivanov.submit(task, comment="можна дивитись").status is TaskStatus.ON_REVIEW

    def test_tasks_system_actor_may_make_every_move(self, office: Office) -> None:
        crm = office.crm
        task, (row, group) = simple_task(
            office,
            executors=[office.ivanov, {"kind": "department", "group": "Монтажний відділ"}],
        )
        system = crm.tasks
        system.accept(row)
        system.start(row)
        system.report_progress(row, 40)
        system.log_work(row, 2)
        system.start(group)
        system.finish(group)
        system.finish(row)
        assert system.get(task.id).status is TaskStatus.ON_REVIEW
        assert system.send_back(task).status is TaskStatus.RETURNED
        assert system.submit(task).status is TaskStatus.ON_REVIEW
        assert system.complete(task).status is TaskStatus.COMPLETED
        assert system.reopen(task).status is TaskStatus.RETURNED
        assert system.postpone(task).status is TaskStatus.POSTPONED
        assert system.resume(task).status is TaskStatus.RETURNED
        assert system.cancel(task).status is TaskStatus.CANCELLED
        assert crm.history.of(system.get(task.id))[-1].actor_name == "system"
