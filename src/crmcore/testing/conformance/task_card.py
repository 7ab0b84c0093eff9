"""The task card: a task with its executor rows rolled up, and refused input.

The seed brochure's task "задача Укрытие" and its card; the roll-up of
progress weighed by planned hours, without declined rows, or set by hand.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from crmcore.domain.tasks import Executor, ExecutorStatus, Task, TaskStatus
from crmcore.errors import NotFound, ValidationError
from crmcore.testing.conformance.fixtures import (
    END,
    Office,
    day_2014,
    footprint,
    simple_task,
    task_names,
    utc_2014,
)

__all__ = ["TaskCardConformance"]


def _shelter(office: Office) -> tuple[Task, list[Executor]]:
    """The seed's "задача Укрытие": three executor rows with their own dates and work."""
    crm = office.crm
    task = office.as_(office.boss).tasks.create(
        "задача Укрытие",
        start=day_2014(5),
        end=END,
        controller=office.oleg,
        type="ВхЗ",
        client=office.neptune,
        contact=office.contact,
        project=office.project,
        executors=[
            {"employee": "22", "start": day_2014(5), "end": day_2014(6)},
            {"employee": office.melnyk, "start": day_2014(6), "end": day_2014(14)},
            {"employee": office.ivanov, "start": day_2014(10), "end": END, "comment": "монтаж"},
        ],
    )
    _, second, third = crm.tasks.executors(task)
    melnyk = office.as_(office.melnyk).tasks
    ivanov = office.as_(office.ivanov).tasks
    melnyk.accept(second)
    ivanov.accept(third)
    melnyk.report_progress(second, 8)
    ivanov.report_progress(third, 12)
    melnyk.log_work(second, 8, on=day_2014(6), note="розмітка")
    ivanov.log_work(third, 24, on=day_2014(10), note="каркас")
    return crm.tasks.get(task.id), crm.tasks.executors(task)


class TaskCardConformance:
    """A task, its card and the roll-up of its executor rows."""

    # --- the seed task and the roll-up ----------------------------------------------------

    def test_tasks_seed_shelter_rolls_up_and_shows_its_rows_on_the_card(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, rows = _shelter(office)
        assert [r.employee_id for r in rows] == [
            office.ivanov.id,
            office.melnyk.id,
            office.ivanov.id,
        ]
        assert [r.status.label for r in rows] == ["Поставлена задача", "Принято", "Принято"]
        assert [r.percent_done for r in rows] == [0, 8, 12]
        assert [r.hours_spent for r in rows] == [Decimal(0), Decimal(8), Decimal(24)]
        assert task.hours_spent == Decimal("32.00")
        assert float(task.hours_spent) == 32.0
        assert task.percent_done == 7  # (0 + 8 + 12) / 3: no planned hours, equal weights
        assert (task.status, task.status.label) == (TaskStatus.ACCEPTED, "Принято")
        assert (task.author_id, task.controller_id) == (office.boss.id, office.oleg.id)
        assert (task.client_id, task.contact_id) == (office.neptune.id, office.contact.id)
        assert (task.project_id, task.type_code) == (office.project.id, "ВхЗ")

        card = crm.tasks.card(task)
        assert card.task == task
        assert list(card.executors) == rows
        assert (card.client, card.contact, card.project) == (
            office.neptune,
            office.contact,
            office.project,
        )
        assert (card.author, card.controller) == (office.boss, office.oleg)
        assert card.event_type is not None
        assert card.event_type.code == "ВхЗ"
        assert [(e.hours, e.note) for e in card.work_log] == [
            (Decimal(8), "розмітка"),
            (Decimal(24), "каркас"),
        ]
        lines = card.render().splitlines()
        assert lines[0].startswith("Начало выполнения: 05/11/2014 00:00 |")
        assert "Выполнена на: 7%" in lines[0]
        assert "Затрачено времени: 32.0 ч." in lines[0]
        assert lines[0].endswith("Статус: Принято")
        assert lines[1].startswith("Окончание выполнения: 28/11/2014 |")
        for expected in (
            "Наименование: задача Укрытие",
            "Контролер: 3 Кононов Олег Васильович",
            "Тип события: ВхЗ Входящий звонок",
            'Клиент: 06951937 Кооператив "Нептун"',
            "Контактное лицо клиента: Иванов Сергій Петрович",
            "Проект: Проект №4",
        ):
            assert expected in lines
        assert lines[-4:] == [
            "Сотрудник\t22\tИванов Иван Иванович\t05/11/2014\t06/11/2014\t"
            "Поставлена задача\t0\t0.0\t",
            "Сотрудник\t23\tМельник Петро\t06/11/2014\t14/11/2014\tПринято\t8\t8.0\t",
            "Сотрудник\t22\tИванов Иван Иванович\t10/11/2014\t28/11/2014\tПринято\t12\t24.0\t"
            "монтаж",
            "Строк: 3",
        ]

    def test_tasks_roll_up_weighs_rows_by_planned_hours_without_declined_ones(
        self, office: Office
    ) -> None:
        crm = office.crm
        task, (small, large, third) = simple_task(
            office,
            executors=[
                {"employee": office.ivanov, "planned_hours": 10},
                {"employee": office.melnyk, "planned_hours": "30"},
                {"employee": office.oleg, "planned_hours": 60.0},
            ],
        )
        crm.tasks.report_progress(small, 50)
        crm.tasks.report_progress(large, 10)
        assert crm.tasks.get(task.id).percent_done == 8  # (10*50 + 30*10 + 60*0) / 100
        crm.tasks.log_work(third, 2)
        crm.tasks.decline(third)
        rolled = crm.tasks.get(task.id)
        assert rolled.percent_done == 20  # (10*50 + 30*10) / 40: the declined row is out
        assert rolled.hours_spent == Decimal(2)  # but its logged hours still count

    def test_tasks_roll_up_uses_equal_weights_without_planned_hours(self, office: Office) -> None:
        crm = office.crm
        task, rows = simple_task(office, executors=[office.ivanov, office.melnyk, office.oleg])
        crm.tasks.report_progress(rows[0], 50)
        crm.tasks.report_progress(rows[1], 10)
        assert crm.tasks.get(task.id).percent_done == 20
        crm.tasks.decline(rows[2])
        assert crm.tasks.get(task.id).percent_done == 30
        crm.tasks.decline(rows[0])
        crm.tasks.decline(rows[1])
        assert crm.tasks.get(task.id).percent_done == 0  # no counting rows left
        other, (weighted, unweighted) = simple_task(
            office,
            "Частково",
            executors=[{"employee": office.ivanov, "planned_hours": 10}, office.melnyk],
        )
        crm.tasks.report_progress(weighted, 50)
        crm.tasks.report_progress(unweighted, 90)
        assert crm.tasks.get(other.id).percent_done == 50  # a row without hours weighs nothing

    def test_tasks_manual_progress_is_set_by_hand(self, office: Office) -> None:
        crm = office.crm
        task, rows = simple_task(
            office, executors=[office.ivanov], progress="manual", percent_done=40
        )
        assert task.percent_done == 40
        crm.tasks.report_progress(rows[0], 90)
        crm.tasks.log_work(rows[0], 3)
        stored = crm.tasks.get(task.id)
        assert (stored.percent_done, stored.hours_spent) == (40, Decimal(3))
        assert crm.tasks.update(stored, percent_done=60).percent_done == 60
        weighted = crm.tasks.update(task.id, progress="weighted")
        assert weighted.percent_done == 90
        with pytest.raises(ValidationError) as caught:
            crm.tasks.update(task.id, percent_done=10)
        assert caught.value.field == "percent_done"
        assert crm.tasks.get(task.id) == weighted

    # --- bad input ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"executors": ["nobody"]}, "executors[0].employee"),
            ({"executors": ["22", {"employee": "nobody"}]}, "executors[1].employee"),
            ({"executors": [{"employee": "9"}]}, "executors[0].employee"),
            ({"executors": [{"kind": "department"}]}, "executors[0].group"),
            ({"executors": [{"employee": "22", "colour": "red"}]}, "executors[0].colour"),
            ({"start": datetime(2014, 11, 29, tzinfo=UTC)}, "end"),
            (
                {
                    "executors": [
                        {"employee": "22", "start": date(2014, 11, 20), "end": date(2014, 11, 10)}
                    ]
                },
                "executors[0].end",
            ),
            ({"planned_hours": -1}, "planned_hours"),
            ({"planned_hours": "багато"}, "planned_hours"),
            (
                {"executors": [{"employee": "22", "planned_hours": "-2"}]},
                "executors[0].planned_hours",
            ),
            ({"progress": "manual", "percent_done": 101}, "percent_done"),
            ({"progress": "manual", "percent_done": -1}, "percent_done"),
            ({"percent_done": 5}, "percent_done"),
            ({"controller": "9"}, "controller"),
            ({"controller": "nobody"}, "controller"),
            ({"client": "nope"}, "client"),
            ({"project": "nope"}, "project"),
            ({"type": "НЕМА"}, "type"),
            ({"priority": "asap"}, "priority"),
            ({"progress": "magic"}, "progress"),
            ({"time_zone": "Mars/Base"}, "time_zone"),
            ({"start": datetime(2014, 11, 5, 9, 0)}, "start"),
            ({"end": "2014-11-28"}, "end"),
            ({"name": ""}, "name"),
            ({"name": "x" * 501}, "name"),
            ({"tags": [""]}, "tags[0]"),
            ({"fields": {"nope": 1}}, "fields.nope"),
        ],
    )
    def test_tasks_bad_input_names_the_field_and_writes_nothing(
        self, office: Office, arguments: dict[str, Any], field: str
    ) -> None:
        crm = office.crm
        retired = crm.employees.create(code="9", name="Пенсіонер Петро")
        crm.employees.archive(retired)
        options: dict[str, Any] = {"name": "Нова", "end": END, "client": office.neptune}
        options.update(arguments)
        name = options.pop("name")
        with pytest.raises(ValidationError) as caught:
            office.as_(office.boss).tasks.create(name, **options)
        assert caught.value.field == field
        assert task_names(crm.tasks.registry(include_archived=True)) == []
        assert len(crm.timeline(office.neptune)) == 0
        assert crm.tasks.counts(include_archived=True) == dict.fromkeys(TaskStatus, 0)

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            ("report_progress 101", "percent_done"),
            ("report_progress -1", "percent_done"),
            ("report_progress 1.5", "percent_done"),
            ("log_work -1", "hours"),
            ("log_work 0", "hours"),
            ("log_work abc", "hours"),
            ("log_work naive", "on"),
            ("update_executor planned_hours", "planned_hours"),
            ("update_executor end", "end"),
            ("update_executor status", "status"),
            ("add_executor nobody", "employee"),
            ("add_executor retired", "employee"),
            ("update controller", "controller"),
            ("update end", "end"),
            ("update status", "status"),
            ("update controller_id", "controller_id"),
            ("update planned_end", "planned_end"),
        ],
    )
    def test_tasks_bad_change_names_the_field_and_writes_nothing(
        self, office: Office, call: str, field: str
    ) -> None:
        crm = office.crm
        retired = crm.employees.create(code="9", name="Пенсіонер Петро")
        crm.employees.archive(retired)
        task, (row,) = simple_task(office, executors=[office.ivanov])
        before = footprint(crm, task)
        action, argument = call.split(" ")
        tasks = crm.tasks

        def attempt() -> object:
            if action == "report_progress":
                percent: Any = float(argument) if "." in argument else int(argument)
                return tasks.report_progress(row, percent)
            if action == "log_work" and argument == "naive":
                return tasks.log_work(row, 1, on=datetime(2014, 11, 6, 10))
            if action == "log_work":
                return tasks.log_work(row, argument)
            if action == "update_executor":
                change = {"planned_hours": -3, "end": day_2014(1), "status": "done"}[argument]
                return tasks.update_executor(row, **{argument: change})
            if action == "add_executor":
                return tasks.add_executor(task, retired if argument == "retired" else argument)
            value = {
                "controller": retired,
                "end": day_2014(1),
                "status": "completed",
                "controller_id": office.oleg.id,
                "planned_end": utc_2014(30),
            }[argument]
            return tasks.update(task, **{argument: value})

        with pytest.raises(ValidationError) as caught:
            attempt()
        assert caught.value.field == field
        assert footprint(crm, task) == before

    def test_tasks_refer_to_tasks_and_rows_by_id_only(self, office: Office) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        with pytest.raises(NotFound):
            crm.tasks.get(UUID(int=1))
        with pytest.raises(ValidationError):
            crm.tasks.get("Кошторис")  # type: ignore[arg-type]
        with pytest.raises(NotFound):
            crm.tasks.accept(UUID(int=1))
        assert crm.tasks.get(task.id) == crm.tasks.get(task)
        assert crm.tasks.accept(row.id).status is ExecutorStatus.ACCEPTED
