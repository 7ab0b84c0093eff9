"""The work log: hours logged on executor rows, corrected, removed and rolled up."""

from __future__ import annotations

from decimal import Decimal

import pytest

from crmcore.errors import PermissionDenied, ValidationError
from crmcore.testing.conformance.fixtures import Office, footprint, simple_task

__all__ = ["WorkLogConformance"]


class WorkLogConformance:
    """Logged work and its corrections."""

    def test_tasks_work_log_corrections_move_the_sums_and_stay_in_history(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        as_ivanov = office.as_(office.ivanov)
        first = as_ivanov.tasks.log_work(row, 3, note="замір")
        second = as_ivanov.tasks.log_work(row, 5)
        assert crm.tasks.get(task.id).hours_spent == Decimal("8.00")
        corrected = as_ivanov.tasks.correct_work(first, hours=4, note="замір і креслення")
        assert (corrected.hours, corrected.note) == (Decimal("4.00"), "замір і креслення")
        assert crm.tasks.executors(task)[0].hours_spent == Decimal("9.00")
        as_ivanov.tasks.remove_work(second)
        assert [e.id for e in crm.tasks.work_log(task)] == [first.id]
        assert crm.tasks.get(task.id).hours_spent == Decimal("4.00")
        tab = crm.tasks.history(task)
        assert any(c.entity_id == first.id and c.field == "hours" for c in tab)
        assert any(c.entity_id == second.id and c.field == "removed" for c in tab)
        before = footprint(crm, task)
        with pytest.raises(ValidationError) as caught:
            as_ivanov.tasks.correct_work(corrected, hours=0)
        assert caught.value.field == "hours"
        with pytest.raises(PermissionDenied):
            office.as_(office.melnyk).tasks.remove_work(first)
        assert footprint(crm, task) == before

    def test_tasks_executor_with_logged_work_cannot_be_removed(self, office: Office) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        crm.tasks.log_work(row, 1)
        before = footprint(crm, task)
        with pytest.raises(ValidationError) as caught:
            crm.tasks.remove_executor(row)
        assert caught.value.field == "executor"
        assert footprint(crm, task) == before
