"""The task part of the conformance suite: tasks and everything hanging off them.

:class:`TaskConformance` is mixed into
:class:`crmcore.testing.conformance.StorageConformance`, so a backend that runs
the storage suite runs these tests too.  Like the rest of the suite they drive
crmcore only through its public API and need one fixture, ``crm_factory``: a
callable taking :func:`crmcore.open`'s keyword arguments and returning a CRM on
a fresh, empty database (calls within one test reach the same database).

Covered: the seed brochure's task "задача Укрытие", the roll-up of executor
rows, the workflow and who may move it, dependencies and rescheduling,
discussion, user fields, attachments, links, the registry and its counts, the
calendar, the Gantt chart, the History tab, refused input and client merge.
Every refused call is also checked to have written nothing.
"""

from __future__ import annotations

import base64
import io
import itertools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from crmcore import CRM, Client, ContactPerson, Employee
from crmcore.domain.collaboration import Comment
from crmcore.domain.projects import Project
from crmcore.domain.tasks import (
    DependencyKind,
    Executor,
    ExecutorStatus,
    Priority,
    Task,
    TaskSort,
    TaskStatus,
)
from crmcore.errors import (
    DuplicateError,
    IllegalTransition,
    NotFound,
    PermissionDenied,
    StaleObject,
    ValidationError,
)
from crmcore.testing import ManualClock

__all__ = ["TaskConformance"]

CrmFactory = Callable[..., CRM]
START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
END = date(2014, 11, 28)
KYIV = ZoneInfo("Europe/Kyiv")
#: A well-formed cursor of the "due" order that holds no position.
_EMPTY_CURSOR = base64.urlsafe_b64encode(json.dumps(["due", []]).encode()).decode().rstrip("=")


def day_2014(day: int, month: int = 11) -> date:
    """The ``day`` of ``month`` (November unless told) in 2014."""
    return date(2014, month, day)


def utc_2014(day: int, hour: int = 0, minute: int = 0, month: int = 11) -> datetime:
    """That moment of a day of 2014 (November unless told), in UTC."""
    return datetime(2014, month, day, hour, minute, tzinfo=UTC)


@dataclass(frozen=True)
class Office:
    """The people, clients and project of the seed brochure, on one CRM."""

    crm: CRM
    clock: ManualClock
    boss: Employee  # 1 Бондарчук: sets tasks
    oleg: Employee  # 3 Кононов: controls them
    ivanov: Employee  # 22 Иванов: executor
    melnyk: Employee  # 23 Мельник: executor
    neptune: Client
    contact: ContactPerson  # Иванов, at Нептун
    pdv: Client
    project: Project  # Проект №4 of Нептун

    def as_(self, employee: Employee) -> CRM:
        return self.crm.acting_as(employee)


def open_office(crm: CRM, clock: ManualClock) -> Office:
    """The seed brochure's people, clients and project, created on ``crm``."""
    boss = crm.employees.create(code="1", name="Бондарчук Василь Петрович")
    oleg = crm.employees.create(code="3", name="Кононов Олег Васильович", extension="203")
    ivanov = crm.employees.create(code="22", name="Иванов Иван Иванович")
    melnyk = crm.employees.create(code="23", name="Мельник Петро")
    neptune = crm.clients.create(
        code="06951937", name='Кооператив "Нептун"', phones=["044-1234567"]
    )
    contact = crm.contacts.create(
        neptune, name="Иванов Сергій Петрович", phones=["050 111 22 33"], email="ivanov@neptun.ua"
    )
    pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
    project = crm.projects.create(code="4", name="Проект №4", client=neptune, manager=oleg)
    return Office(
        crm=crm,
        clock=clock,
        boss=boss,
        oleg=oleg,
        ivanov=ivanov,
        melnyk=melnyk,
        neptune=neptune,
        contact=contact,
        pdv=pdv,
        project=project,
    )


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


def simple_task(
    office: Office,
    name: str = "Кошторис",
    *,
    executors: Iterable[Any] = (),
    by: Employee | None = None,
    **options: Any,
) -> tuple[Task, list[Executor]]:
    """A task set by the boss (or ``by``), controlled by Кононов, for Нептун."""
    crm = office.as_(by or office.boss)
    options.setdefault("controller", office.oleg)
    options.setdefault("client", office.neptune)
    options.setdefault("end", END)
    options.setdefault("start", day_2014(5))
    task = crm.tasks.create(name, executors=list(executors), **options)
    return task, office.crm.tasks.executors(task)


def footprint(crm: CRM, task: Task) -> tuple[object, ...]:
    """Everything a refused call about ``task`` must leave as it was."""
    stored = crm.tasks.get(task.id)
    timeline: tuple[UUID, ...] = ()
    if stored.client_id is not None:
        timeline = tuple(e.id for e in crm.timeline(stored.client_id, limit=1000))
    return (
        stored,
        tuple(crm.tasks.executors(task)),
        tuple(crm.tasks.history(task)),
        tuple(crm.tasks.work_log(task)),
        tuple(crm.discussion.of(task, include_archived=True)),
        crm.tasks.dependencies(task),
        timeline,
    )


def task_names(tasks: Iterable[Task]) -> list[str]:
    """The names of ``tasks``, in their order."""
    return [task.name for task in tasks]


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


def _attachable(crm_factory: CrmFactory, clock: ManualClock) -> CRM:
    """A CRM that can keep attachments: the default store of memory and SQLite
    files, or an explicit memory store for backends that have no default."""
    crm = crm_factory(clock=clock)
    if crm.storage.url.startswith(("memory:", "sqlite:")):
        return crm
    return crm_factory(clock=clock, attachments="memory://")


def _sqlite_blob_files(crm: CRM) -> list[Path] | None:
    """The blob files of a SQLite file's default store (None for other backends)."""
    url = crm.storage.url
    if not url.startswith("sqlite:///") or url.endswith(":memory:"):
        return None
    folder = Path(url.removeprefix("sqlite:///") + ".attachments")
    if not folder.exists():
        return []
    return sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))


class TaskConformance:
    """Tasks, their collaboration features and views; mixed into StorageConformance."""

    @pytest.fixture
    def task_clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def office(self, crm_factory: CrmFactory, task_clock: ManualClock) -> Office:
        return open_office(crm_factory(clock=task_clock), task_clock)

    # --- the seed task and the roll-up ------------------------------------------------

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

    # --- the workflow -------------------------------------------------------------------

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

    # --- dependencies ---------------------------------------------------------------------

    @pytest.mark.parametrize(
        ("kind", "lag", "field", "required", "moved"),
        [
            (
                "finish_to_start",
                timedelta(hours=6),
                "planned_start",
                utc_2014(5, 6),
                (utc_2014(5, 6), utc_2014(7, 6)),
            ),
            (
                "start_to_start",
                timedelta(hours=6),
                "planned_start",
                utc_2014(3, 6),
                (utc_2014(3, 6), utc_2014(5, 6)),
            ),
            (
                "finish_to_finish",
                timedelta(hours=6),
                "planned_end",
                utc_2014(5, 6),
                (utc_2014(3, 6), utc_2014(5, 6)),
            ),
            (
                "start_to_finish",
                timedelta(days=2),
                "planned_end",
                utc_2014(5),
                (utc_2014(3), utc_2014(5)),
            ),
        ],
    )
    def test_tasks_dependency_of_each_kind_binds_dates_with_its_lag(
        self,
        office: Office,
        kind: str,
        lag: timedelta,
        field: str,
        required: datetime,
        moved: tuple[datetime, datetime],
    ) -> None:
        crm = office.crm
        before, _ = simple_task(office, "Попередня", start=utc_2014(3), end=utc_2014(5))
        after, (row,) = simple_task(
            office, "Наступна", start=utc_2014(2), end=utc_2014(4), executors=[office.ivanov]
        )
        dependency = crm.tasks.add_dependency(before, after, kind=kind, lag=lag)
        assert (dependency.kind, dependency.lag) == (DependencyKind(kind), lag)
        assert crm.tasks.dependencies(after) == ([dependency], [])
        assert crm.tasks.dependencies(before) == ([], [dependency])
        [conflict] = crm.tasks.conflicts()
        assert (conflict.dependency, conflict.field, conflict.required) == (
            dependency,
            field,
            required,
        )
        assert conflict.planned == getattr(after, field)
        assert crm.tasks.conflicts([before]) == []
        [shifted] = crm.tasks.reschedule(before)
        assert (shifted.id, shifted.planned_start, shifted.planned_end) == (after.id, *moved)
        [moved_row] = crm.tasks.executors(after)
        assert (moved_row.planned_start, moved_row.planned_end) == moved
        assert moved_row.id == row.id
        assert crm.tasks.conflicts() == []
        assert crm.tasks.reschedule(before) == []

    def test_tasks_dependency_cycle_or_duplicate_is_refused_and_writes_nothing(
        self, office: Office
    ) -> None:
        crm = office.crm
        a, _ = simple_task(office, "A")
        b, _ = simple_task(office, "B")
        c, _ = simple_task(office, "C")
        first = crm.tasks.add_dependency(a, b)
        crm.tasks.add_dependency(b, c, kind="start_to_start")
        footprints = [footprint(crm, t) for t in (a, b, c)]
        for predecessor, successor in ((b, a), (c, a), (c, b), (a, a)):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.add_dependency(predecessor, successor)
            assert caught.value.field == "successor"
            assert not isinstance(caught.value, DuplicateError)
        with pytest.raises(DuplicateError) as duplicate:
            crm.tasks.add_dependency(a, b, kind="finish_to_finish", lag=timedelta(days=1))
        assert duplicate.value.field == "successor"
        with pytest.raises(ValidationError) as unknown:
            crm.tasks.add_dependency(a, UUID(int=7))
        assert unknown.value.field == "successor"
        assert [footprint(crm, t) for t in (a, b, c)] == footprints
        crm.tasks.remove_dependency(first)
        assert crm.tasks.dependencies(b)[0] == []
        assert crm.tasks.add_dependency(b, a).predecessor_id == b.id  # no cycle any more

    def test_tasks_reschedule_moves_dependents_forward_transitively_never_backward(
        self, office: Office
    ) -> None:
        crm = office.crm
        dig, _ = simple_task(office, "Котлован", start=utc_2014(3), end=utc_2014(5))
        pour, (pour_row,) = simple_task(
            office, "Фундамент", start=utc_2014(5), end=utc_2014(8), executors=[office.ivanov]
        )
        walls, (walls_row,) = simple_task(
            office,
            "Стіни",
            start=utc_2014(8),
            end=utc_2014(12),
            executors=[{"employee": office.melnyk, "start": utc_2014(9), "end": utc_2014(10)}],
        )
        roof, _ = simple_task(office, "Дах", start=utc_2014(20), end=utc_2014(22))
        apart, _ = simple_task(office, "Окремо", start=utc_2014(5), end=utc_2014(6))
        crm.tasks.add_dependency(dig, pour)
        crm.tasks.add_dependency(pour, walls)
        crm.tasks.add_dependency(walls, roof)  # roof has slack: it does not move
        assert crm.tasks.conflicts() == []
        late = crm.tasks.update(dig, end=utc_2014(6, 12))
        assert len(crm.tasks.conflicts()) == 1
        moved = crm.tasks.reschedule(late)
        assert [(t.name, t.planned_start, t.planned_end) for t in moved] == [
            ("Фундамент", utc_2014(6, 12), utc_2014(9, 12)),
            ("Стіни", utc_2014(9, 12), utc_2014(13, 12)),
        ]
        [row] = crm.tasks.executors(pour)
        assert (row.id, row.planned_start, row.planned_end) == (
            pour_row.id,
            utc_2014(6, 12),
            utc_2014(9, 12),
        )
        [row] = crm.tasks.executors(walls)
        assert (row.id, row.planned_start, row.planned_end) == (
            walls_row.id,
            utc_2014(10, 12),
            utc_2014(11, 12),
        )
        assert crm.tasks.get(roof.id).planned_start == utc_2014(20)
        assert crm.tasks.get(apart.id) == apart
        crm.tasks.update(late, end=utc_2014(4))  # earlier: nothing ever moves back
        assert crm.tasks.reschedule(dig) == []
        assert crm.tasks.get(pour.id).planned_start == utc_2014(6, 12)
        assert crm.tasks.conflicts() == []

    # --- Gantt -----------------------------------------------------------------------------

    def test_tasks_gantt_has_rows_lanes_links_and_the_critical_path(self, office: Office) -> None:
        crm = office.crm
        dig, _ = simple_task(
            office,
            "Викопати котлован",
            start=utc_2014(3),
            end=utc_2014(5),
            project=office.project,
            executors=[office.melnyk],
            colour="red",
        )
        order, _ = simple_task(
            office, "Замовити бетон", start=utc_2014(3), end=utc_2014(4), project=office.project
        )
        pour, _ = simple_task(
            office,
            "Залити фундамент",
            start=utc_2014(5),
            end=utc_2014(8),
            project=office.project,
            executors=[office.ivanov, {"kind": "department", "group": "Монтажний відділ"}],
        )
        simple_task(office, "Інший проєкт", start=utc_2014(1), end=utc_2014(30))
        crm.tasks.add_dependency(dig, pour)
        crm.tasks.add_dependency(order, pour, lag=timedelta(hours=12))
        gantt = crm.tasks.gantt(project=office.project)
        assert [row.name for row in gantt.rows] == [
            "Викопати котлован",
            "Замовити бетон",
            "Залити фундамент",
        ]
        assert [row.critical for row in gantt.rows] == [True, False, True]
        assert gantt.critical_path == (dig.id, pour.id)
        assert gantt.rows[0].colour == "red"
        assert [bar.label for bar in gantt.rows[0].lanes] == ["Мельник Петро"]
        assert [bar.label for bar in gantt.rows[2].lanes] == [
            "Иванов Иван Иванович",
            "Монтажний відділ",
        ]
        assert (gantt.rows[2].start, gantt.rows[2].end) == (utc_2014(5), utc_2014(8))
        assert [(link.predecessor_id, link.successor_id, link.lag) for link in gantt.links] == [
            (dig.id, pour.id, timedelta(0)),
            (order.id, pour.id, timedelta(hours=12)),
        ]
        chosen = crm.tasks.gantt([order, pour])
        assert [row.name for row in chosen.rows] == ["Замовити бетон", "Залити фундамент"]
        assert len(chosen.links) == 1
        crm.tasks.archive(order)
        assert len(crm.tasks.gantt(project=office.project).rows) == 2

    # --- discussion -----------------------------------------------------------------------

    def test_tasks_discussion_mentions_edits_and_client_timeline(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office, "Узгодити кошторис")
        ivanov = office.as_(office.ivanov)
        office.clock.advance(minutes=5)
        comment = ivanov.discussion.post(
            task,
            "@3, гляньте суми; @nobody не існує, a@b.c — адреса",
            mentions=[office.melnyk],
        )
        assert comment.mentions == (office.melnyk.id, office.oleg.id)
        assert (comment.author_id, comment.author_name) == (office.ivanov.id, office.ivanov.name)
        assert not comment.edited
        again = ivanov.discussion.post(task, "@22 @3 @3 і ще раз", mentions=["3"])
        assert again.mentions == (office.oleg.id, office.ivanov.id)
        with pytest.raises(ValidationError) as caught:
            ivanov.discussion.post(task, "хто це?", mentions=["nobody"])
        assert caught.value.field == "mentions[0]"
        assert [c.id for c in crm.discussion.of(task)] == [comment.id, again.id]

        stored: Comment = crm.discussion.of(task)[0]
        with pytest.raises(PermissionDenied):
            office.as_(office.oleg).discussion.edit(stored, "чужий текст")
        assert crm.discussion.of(task)[0] == stored
        assert len(crm.history.of("comment", comment.id)) == 1
        office.clock.advance(minutes=1)
        edited = ivanov.discussion.edit(comment, "@23, перевірте суми")
        assert (edited.text, edited.edited, edited.version) == ("@23, перевірте суми", True, 2)
        assert edited.mentions == (office.melnyk.id, office.oleg.id)  # earlier ones stay
        changes = {c.field: c for c in crm.history.of("comment", comment.id) if c.field}
        assert changes["text"].old_value() == "@3, гляньте суми; @nobody не існує, a@b.c — адреса"
        assert changes["text"].new_value() == "@23, перевірте суми"
        assert changes["text"].actor_id == office.ivanov.id
        with pytest.raises(StaleObject):
            ivanov.discussion.edit(comment, "зі старої копії")
        assert crm.tasks.card(task).comments[0] == edited

        timeline = crm.timeline(office.neptune, limit=100)
        assert {e.kind for e in timeline} == {"task", "comment"}
        [created] = [e for e in timeline if e.kind == "task"]
        assert (created.source_id, created.title) == (task.id, "Узгодити кошторис")
        posted = {e.source_id: e for e in timeline if e.kind == "comment"}
        assert set(posted) == {comment.id, again.id}
        assert posted[comment.id].summary == "@23, перевірте суми"  # the line follows the edit
        assert all(e.employee_id == office.ivanov.id for e in posted.values())
        ivanov.discussion.archive(again)
        assert [c.id for c in crm.discussion.of(task)] == [comment.id]
        shown = crm.timeline(office.neptune, kinds="comment", limit=100)
        assert [e.source_id for e in shown] == [comment.id]
        timeline = crm.timeline(office.neptune, limit=100)
        lonely = crm.tasks.create("Без клієнта", end=END)
        crm.discussion.post(lonely, "нікому не видно")
        assert len(crm.timeline(office.neptune, limit=100)) == len(timeline)

    # --- user fields -------------------------------------------------------------------------

    def _define_every_type(self, crm: CRM) -> None:
        define = crm.fields.define
        define("task", "note", label="Примітка", type="text")
        define("task", "qty", label="Кількість", type="integer")
        define("task", "amount", label="Сума", type="decimal")
        define("task", "due", label="Дата акту", type="date")
        define("task", "signed", label="Підписано о", type="datetime")
        define("task", "paid", label="Оплачено", type="bool")
        define("task", "region", label="Регіон", type="choice", choices=["Київ", "Львів"])
        define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах", "стіни", "вікна"]
        )
        define("task", "owner", label="Відповідальний", type="employee")
        define("task", "buyer", label="Покупець", type="client")

    def test_tasks_user_fields_of_every_type_round_trip(self, office: Office) -> None:
        crm = office.crm
        self._define_every_type(crm)
        assert [d.name for d in crm.fields.definitions("task")] == [
            "note",
            "qty",
            "amount",
            "due",
            "signed",
            "paid",
            "region",
            "works",
            "owner",
            "buyer",
        ]
        values = {
            "note": 'O\'Brien "лапки"; DROP TABLE tasks; --',
            "qty": 5,
            "amount": "12.50",
            "due": day_2014(1, month=12),
            "signed": datetime(2014, 11, 5, 11, 30, tzinfo=KYIV),
            "paid": False,
            "region": "Львів",
            "works": ["вікна", "дах"],
            "owner": "22",
            "buyer": office.pdv,
        }
        task, _ = simple_task(office, fields=values)
        expected = {
            "note": 'O\'Brien "лапки"; DROP TABLE tasks; --',
            "qty": 5,
            "amount": Decimal("12.5"),
            "due": day_2014(1, month=12),
            "signed": utc_2014(5, 9, 30),
            "paid": False,
            "region": "Львів",
            "works": ("дах", "вікна"),
            "owner": office.ivanov.id,
            "buyer": office.pdv.id,
        }
        assert crm.fields.values(task) == expected
        assert crm.fields.values(("task", task.id)) == expected
        assert dict(crm.tasks.card(task).fields) == expected
        by_entity = crm.fields.set(task, {"owner": office.melnyk, "buyer": "06951937", "qty": "7"})
        assert (by_entity["owner"], by_entity["buyer"], by_entity["qty"]) == (
            office.melnyk.id,
            office.neptune.id,
            7,
        )
        cleared = crm.fields.set(task, {"note": None})
        assert "note" not in cleared
        assert crm.fields.values(task) == cleared

    def test_tasks_fields_set_returns_what_values_reads_after_clearing(
        self, office: Office
    ) -> None:
        crm = office.crm
        self._define_every_type(crm)
        task, _ = simple_task(office, fields={"works": ["дах"], "note": "текст", "qty": 3})
        cleared = crm.fields.set(task, {"works": [], "note": None})
        assert crm.fields.values(task) == {"qty": 3}
        assert cleared == {"qty": 3}  # an emptied multi-choice is no value, as values() says

    def test_tasks_required_multi_choice_field_refuses_an_empty_choice(
        self, office: Office
    ) -> None:
        crm = office.crm
        crm.fields.define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах"], required=True
        )
        with pytest.raises(ValidationError) as caught:
            simple_task(office, fields={"works": []})
        assert caught.value.field == "fields.works"
        assert task_names(crm.tasks.registry()) == []
        task, _ = simple_task(office, fields={"works": ["дах"]})
        with pytest.raises(ValidationError) as emptied:
            crm.fields.set(task, {"works": []})
        assert emptied.value.field == "fields.works"
        assert crm.fields.values(task) == {"works": ("дах",)}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("note", 5),
            ("qty", "п'ять"),
            ("qty", True),
            ("qty", 1.5),
            ("amount", "дванадцять"),
            ("amount", "NaN"),
            ("due", "2014-13-01"),
            ("due", datetime(2014, 12, 1, tzinfo=UTC)),
            ("signed", datetime(2014, 11, 5, 11, 30)),
            ("signed", "вчора"),
            ("paid", "так"),
            ("paid", 1),
            ("region", "Одеса"),
            ("works", "дах"),
            ("works", ["дах", "підвал"]),
            ("owner", "nobody"),
            ("owner", UUID(int=5)),
            ("buyer", "nope"),
            ("buyer", 42),
            ("colour", "red"),
        ],
    )
    def test_tasks_user_field_of_the_wrong_type_is_refused_and_no_task_is_created(
        self, office: Office, name: str, value: object
    ) -> None:
        crm = office.crm
        self._define_every_type(crm)
        with pytest.raises(ValidationError) as caught:
            simple_task(office, fields={"note": "добре", name: value})
        assert caught.value.field == f"fields.{name}"
        assert task_names(crm.tasks.registry(include_archived=True)) == []
        assert len(crm.timeline(office.neptune)) == 0
        task, _ = simple_task(office, fields={"qty": 1})
        with pytest.raises(ValidationError) as again:
            crm.fields.set(task, {"qty": 2, name: value})
        assert again.value.field == f"fields.{name}"
        assert crm.fields.values(task) == {"qty": 1}
        assert crm.history.of(task)[-1].field != f"fields.{name}"

    def test_tasks_required_fields_and_defaults(self, office: Office) -> None:
        crm = office.crm
        crm.fields.define(
            "task",
            "region",
            label="Регіон",
            type="choice",
            choices=["Київ", "Львів"],
            default="Київ",
            required=True,
        )
        crm.fields.define(
            "task",
            "works",
            label="Роботи",
            type="multi_choice",
            choices=["дах", "стіни"],
            default=["стіни"],
        )
        crm.fields.define("task", "boss", label="Керівник", type="employee", default="3")
        crm.fields.define("task", "act", label="Номер акту", type="text", required=True)
        with pytest.raises(ValidationError) as caught:
            simple_task(office)
        assert caught.value.field == "fields.act"
        assert task_names(crm.tasks.registry(include_archived=True)) == []
        task, _ = simple_task(office, fields={"act": "А-17"})
        assert crm.fields.values(task) == {
            "region": "Київ",
            "works": ("стіни",),
            "boss": office.oleg.id,
            "act": "А-17",
        }
        other, _ = simple_task(
            office, "Інша", fields={"act": "А-18", "region": "Львів", "works": []}
        )
        assert crm.fields.values(other) == {
            "region": "Львів",
            "boss": office.oleg.id,
            "act": "А-18",
        }
        with pytest.raises(ValidationError) as cleared:
            crm.fields.set(task, {"act": None})
        assert cleared.value.field == "fields.act"
        assert crm.fields.values(task)["act"] == "А-17"
        with pytest.raises(ValidationError) as bad_default:
            crm.fields.define("task", "qty", label="К-сть", type="integer", default="багато")
        assert bad_default.value.field == "fields.qty"
        assert [d.name for d in crm.fields.definitions("task")] == [
            "region",
            "works",
            "boss",
            "act",
        ]

    def test_tasks_fields_set_records_history_and_archived_field_is_not_read(
        self, office: Office
    ) -> None:
        crm = office.crm
        qty = crm.fields.define("task", "qty", label="Кількість", type="integer")
        crm.fields.define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах", "стіни"]
        )
        task, _ = simple_task(office, fields={"qty": 5})
        office.clock.advance(minutes=3)
        office.as_(office.oleg).fields.set(task, {"qty": 7, "works": ["стіни", "дах"]})
        office.as_(office.oleg).fields.set(task, {"qty": 7})  # no change: no history
        changes = [c for c in crm.history.of(task) if c.field and c.field.startswith("fields.")]
        assert [(c.field, c.old_value(), c.new_value()) for c in changes] == [
            ("fields.qty", 5, 7),
            ("fields.works", None, ["дах", "стіни"]),
        ]
        assert changes[0].actor_id == office.oleg.id
        assert changes[0].at == START + timedelta(minutes=3)
        assert {c.field for c in crm.tasks.history(task)} >= {"fields.qty", "fields.works"}

        crm.fields.archive(qty)
        assert crm.fields.values(task) == {"works": ("дах", "стіни")}
        assert [d.name for d in crm.fields.definitions("task")] == ["works"]
        assert len(crm.fields.definitions("task", include_archived=True)) == 2
        for call in (
            lambda: crm.fields.set(task, {"qty": 8}),
            lambda: crm.tasks.registry(fields={"qty": 7}),
            lambda: simple_task(office, "Нова", fields={"qty": 1}),
        ):
            with pytest.raises(ValidationError) as caught:
                call()
            assert caught.value.field == "fields.qty"
        crm.fields.restore(qty.id)
        assert crm.fields.values(task)["qty"] == 7

    @pytest.mark.parametrize(
        "name",
        [
            "x; DROP TABLE crm_tasks",
            "x'--",
            'x" OR 1=1',
            "1qty",
            "кількість товару",
            "",
            "a" * 65,
        ],
    )
    def test_tasks_field_name_that_is_not_a_plain_name_is_refused(
        self, office: Office, name: str
    ) -> None:
        crm = office.crm
        with pytest.raises(ValidationError) as caught:
            crm.fields.define("task", name, label="Поле", type="text")
        assert caught.value.field == "name"
        assert crm.fields.definitions("task", include_archived=True) == []
        with pytest.raises(ValidationError) as filtered:
            crm.tasks.registry(fields={name: "x"})
        assert filtered.value.field == f"fields.{name}"

    def test_tasks_field_names_are_unique_per_kind_and_fixed(self, office: Office) -> None:
        crm = office.crm
        qty = crm.fields.define("task", "qty", label="Кількість", type="integer")
        with pytest.raises(DuplicateError):
            crm.fields.define("task", "qty", label="Ще раз", type="text")
        assert crm.fields.define("client", "qty", label="Кількість", type="integer").name == "qty"
        with pytest.raises(ValidationError) as caught:
            crm.fields.update(qty, type="text")
        assert caught.value.field == "type"
        assert crm.fields.update(qty, label="К-сть").label == "К-сть"
        assert crm.fields.get("task", "qty").label == "К-сть"
        with pytest.raises(NotFound):
            crm.fields.get("task", "nope")
        with pytest.raises(ValidationError) as kind:
            crm.fields.define("invoice", "qty", label="К-сть", type="integer")
        assert kind.value.field == "entity_kind"
        with pytest.raises(ValidationError) as choices:
            crm.fields.define("task", "region", label="Регіон", type="choice")
        assert choices.value.field == "choices"

    def test_tasks_registry_filters_by_user_field_values(self, office: Office) -> None:
        crm = office.crm
        self._define_every_type(crm)
        quoted = 'O\'Brien "лапки"; DROP TABLE crm_tasks; --'
        simple_task(
            office,
            "Перша",
            fields={
                "works": ["дах", "стіни"],
                "region": "Київ",
                "qty": 1,
                "note": quoted,
                "owner": "22",
                "paid": True,
            },
        )
        simple_task(
            office,
            "Друга",
            fields={
                "works": ["стіни"],
                "region": "Львів",
                "qty": 2,
                "note": "100%_",
                "owner": "23",
                "paid": False,
            },
        )
        simple_task(office, "Третя", fields={"works": ["вікна"], "qty": 10})
        simple_task(office, "Четверта")

        def found(**filters: Any) -> list[str]:
            return sorted(task_names(crm.tasks.registry(fields=filters)))

        assert found(works="стіни") == ["Друга", "Перша"]
        assert found(works="дах") == ["Перша"]
        assert found(works="вікна") == ["Третя"]
        assert found(region="Київ") == ["Перша"]
        assert found(qty=1) == ["Перша"]
        assert found(qty="10") == ["Третя"]
        assert found(note=quoted) == ["Перша"]
        assert found(note="100%_") == ["Друга"]
        assert found(note="100") == []
        assert found(note="%") == []
        assert found(owner=office.ivanov) == ["Перша"]
        assert found(owner="23") == ["Друга"]
        assert found(paid=False) == ["Друга"]
        assert found(works="стіни", region="Львів") == ["Друга"]
        assert found(works="стіни", qty=1, paid=True) == ["Перша"]
        assert found(works="дах", region="Львів") == []
        assert task_names(crm.tasks.registry(fields={"works": "стіни"}, text="друга")) == ["Друга"]
        assert len(crm.tasks.registry()) == 4  # quoted values were only data
        counts = crm.tasks.counts(fields={"works": "стіни"})
        assert counts[TaskStatus.ASSIGNED] == 2
        for bad, field in (
            ({"works": "підвал"}, "fields.works"),
            ({"qty": "багато"}, "fields.qty"),
            ({"region": None}, "fields.region"),
            ({"owner": "nobody"}, "fields.owner"),
            ({"nope": 1}, "fields.nope"),
        ):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.registry(fields=bad)
            assert caught.value.field == field

    def test_tasks_fields_of_clients_contacts_events_and_projects(self, office: Office) -> None:
        crm = office.crm
        crm.fields.define("client", "vip", label="VIP", type="bool", default=False)
        crm.fields.define("contact", "birthday", label="День народження", type="date")
        crm.fields.define("event", "minutes", label="Хвилин", type="integer", required=True)
        crm.fields.define("project", "budget", label="Бюджет", type="decimal")
        client = crm.clients.create(code="90000016", name="ТЕХНОСЕРВІС ТОВ", fields={"vip": True})
        assert crm.fields.values(client) == {"vip": True}
        assert crm.fields.values(office.pdv) == {}  # defaults apply to new entities only
        plain = crm.clients.create(code="90000017", name="Звичайний")
        assert crm.fields.values(plain) == {"vip": False}
        contact = crm.contacts.create(client, name="Оксана", fields={"birthday": day_2014(3, 3)})
        assert crm.fields.values(contact) == {"birthday": day_2014(3, 3)}
        event = crm.events.log(client, type="ВхЗ", fields={"minutes": 7})
        assert crm.fields.values(event) == {"minutes": 7}
        project = crm.projects.create(code="5", name="Проект №5", fields={"budget": "1000.50"})
        assert crm.fields.values(project) == {"budget": Decimal("1000.5")}
        for call, field in (
            (lambda: crm.clients.create(code="X", name="X", fields={"vip": "так"}), "fields.vip"),
            (
                lambda: crm.contacts.create(client, name="Y", fields={"birthday": 5}),
                "fields.birthday",
            ),
            (lambda: crm.events.log(client, type="ВхЗ"), "fields.minutes"),
            (
                lambda: crm.projects.create(code="6", name="P", fields={"budget": "x"}),
                "fields.budget",
            ),
            (lambda: crm.projects.create(code="7", name="P", fields={"vip": True}), "fields.vip"),
        ):
            with pytest.raises(ValidationError) as caught:
                call()
            assert caught.value.field == field
        assert crm.clients.search(code="X") == []
        assert [c.name for c in crm.contacts.list(client)] == ["Оксана"]
        assert len(crm.timeline(client)) == 1
        assert [p.code for p in crm.projects.list()] == ["4", "5"]
        crm.fields.set(client, {"vip": False})
        assert [c.field for c in crm.history.of(client)][-1] == "fields.vip"

    # --- attachments --------------------------------------------------------------------

    def test_tasks_attachments_from_bytes_stream_and_path(
        self, crm_factory: CrmFactory, task_clock: ManualClock, tmp_path: Path
    ) -> None:
        crm = _attachable(crm_factory, task_clock)
        task = crm.tasks.create("Кошторис", end=END)
        content = "сума: 100 грн".encode()
        first = crm.attachments.add(task, content, name="кошторис.txt")
        assert (first.name, first.media_type, first.size) == (
            "кошторис.txt",
            "text/plain",
            len(content),
        )
        assert first.entity_kind == "task"
        assert first.entity_id == task.id
        assert crm.attachments.read(first) == content
        with crm.attachments.open(first.id) as stream:
            assert stream.read() == content

        big = bytes(range(256)) * 5000  # 1.2 MB: more than one chunk of the blob store
        streamed = crm.attachments.add(task, io.BytesIO(big), name="скан.PDF")
        assert (streamed.size, streamed.media_type) == (len(big), "application/pdf")
        assert crm.attachments.read(streamed) == big
        path = tmp_path / "план.png"
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 10)
        from_path = crm.attachments.add(task, path)
        assert (from_path.name, from_path.media_type, from_path.size) == (
            "план.png",
            "image/png",
            18,
        )
        odd = crm.attachments.add(task, str(path), name="без-розширення", media_type="image/x-plan")
        assert odd.media_type == "image/x-plan"
        unknown = crm.attachments.add(task, b"?", name="дані.невідоме")
        assert unknown.media_type == "application/octet-stream"

        again = crm.attachments.add(task, content, name="копія.txt")
        assert again.sha256 == first.sha256
        assert again.id != first.id
        files = _sqlite_blob_files(crm)
        if files is not None:
            assert len(files) == 4  # six attachments of four distinct contents
        assert [a.name for a in crm.attachments.of(task)] == [
            "кошторис.txt",
            "скан.PDF",
            "план.png",
            "без-розширення",
            "дані.невідоме",
            "копія.txt",
        ]
        assert len(crm.tasks.card(task).attachments) == 6
        crm.attachments.archive(first)
        assert first.id not in {a.id for a in crm.attachments.of(task)}
        assert len(crm.attachments.of(task, include_archived=True)) == 6
        assert len(crm.tasks.card(task).attachments) == 5
        assert crm.attachments.read(again) == content  # the shared content stays
        client_file = crm.attachments.add(
            ("client", crm.clients.create(code="1", name="ПДВ").id), b"x", name="x.txt"
        )
        assert client_file.entity_kind == "client"

    @pytest.mark.parametrize("name", ["../../etc/passwd", "папка/файл.txt", "a\\b.txt", "..", ""])
    def test_tasks_attachment_named_like_a_path_stores_nothing(
        self, crm_factory: CrmFactory, task_clock: ManualClock, name: str
    ) -> None:
        crm = _attachable(crm_factory, task_clock)
        task = crm.tasks.create("Кошторис", end=END)
        files_before = _sqlite_blob_files(crm)
        with pytest.raises(ValidationError) as caught:
            crm.attachments.add(task, b"secret", name=name)
        assert caught.value.field == "name"
        assert crm.attachments.of(task, include_archived=True) == []
        assert _sqlite_blob_files(crm) == files_before
        with pytest.raises(ValidationError) as missing:
            crm.attachments.add(task, b"secret")
        assert missing.value.field == "name"
        with pytest.raises(ValidationError) as nowhere:
            crm.attachments.add(("task", UUID(int=3)), b"secret", name="ok.txt")
        assert nowhere.value.field == "entity"
        assert _sqlite_blob_files(crm) == files_before

    # --- links ------------------------------------------------------------------------------

    def test_tasks_links_to_documents_and_events(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        other, _ = simple_task(office, "Інша")
        invoice = crm.links.add(task, ("invoice", "INV-1"), note="рахунок")
        assert (invoice.source_kind, invoice.source_id) == ("task", task.id)
        assert (invoice.target_kind, invoice.target_id, invoice.note) == (
            "invoice",
            "INV-1",
            "рахунок",
        )
        assert crm.links.add(task, ("invoice", "INV-1")) == invoice  # idempotent
        crm.links.add(other, ("invoice", "INV-1"))
        event = crm.events.log(office.neptune, type="ВхЗ", subject="Дзвінок")
        to_event = crm.links.add(task, event)
        assert (to_event.target_kind, to_event.target_id) == ("event", str(event.id))
        assert crm.links.add(task, ("event", event.id)) == to_event
        assert [(link.target_kind, link.target_id) for link in crm.links.of(task)] == [
            ("invoice", "INV-1"),
            ("event", str(event.id)),
        ]
        assert {link.source_id for link in crm.links.to(("invoice", "INV-1"))} == {
            task.id,
            other.id,
        }
        assert [link.source_id for link in crm.links.to(event)] == [task.id]
        assert len(crm.tasks.card(task).links) == 2
        crm.links.remove(invoice)
        assert [link.source_id for link in crm.links.to(("invoice", "INV-1"))] == [other.id]
        assert [link.target_kind for link in crm.links.of(task)] == ["event"]
        with pytest.raises(NotFound):
            crm.links.remove(invoice)
        for target in (("invoice", ""), ("Invoice!", "1"), ("event", "not-an-id"), 42):
            with pytest.raises(ValidationError):
                crm.links.add(task, target)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            crm.links.add(task, ("event", UUID(int=9)))
        assert len(crm.links.of(task)) == 1

    def test_tasks_created_from_an_event_carry_its_client_contact_and_type(
        self, office: Office
    ) -> None:
        crm = office.crm
        event = office.as_(office.oleg).events.log(
            office.neptune, type="ВхЗ", subject="Протікає дах", contact=office.contact
        )
        task = office.as_(office.oleg).tasks.create_from_event(
            event, end=END, executors=[office.ivanov]
        )
        assert task.name == "Протікає дах"
        assert (task.client_id, task.contact_id, task.type_code) == (
            office.neptune.id,
            office.contact.id,
            "ВхЗ",
        )
        assert task.event_id == event.id
        assert task.author_id == office.oleg.id
        assert crm.tasks.get(task.id) == task
        [link] = crm.links.of(event)
        assert (link.target_kind, link.target_id) == ("task", str(task.id))
        assert crm.links.to(task) == [link]
        named = crm.tasks.create_from_event(event.id, name="Інша назва", end=END, type="Встр")
        assert (named.name, named.type_code) == ("Інша назва", "Встр")
        assert len(crm.links.of(event)) == 2
        with pytest.raises(ValidationError) as caught:
            crm.tasks.create_from_event(UUID(int=1), end=END)
        assert caught.value.field == "event"
        with pytest.raises(ValidationError):
            crm.tasks.create_from_event(event, end=END, executors=["nobody"])
        assert len(crm.links.of(event)) == 2
        assert len(crm.tasks.registry()) == 2

    # --- the registry ---------------------------------------------------------------------

    def _registry_set(self, office: Office) -> dict[str, Task]:
        crm = office.crm
        boss = office.as_(office.boss)
        report = boss.tasks.create(
            "Звіт",
            end=day_2014(6),
            executors=[office.ivanov],
            controller=office.oleg,
            client=office.neptune,
            project=office.project,
            priority="high",
        )
        crm.tasks.start(crm.tasks.executors(report)[0])
        estimate = boss.tasks.create(
            "Кошторис даху",
            end=day_2014(20),
            executors=[office.melnyk],
            controller=office.oleg,
            client=office.pdv,
            description="Ремонт покрівлі",
        )
        crm.tasks.accept(crm.tasks.executors(estimate)[0])
        mount = boss.tasks.create(
            "Монтаж",
            end=day_2014(7),
            executors=[office.ivanov, office.melnyk],
            client=office.neptune,
            priority="urgent",
        )
        for row in crm.tasks.executors(mount):
            crm.tasks.start(row)
            crm.tasks.finish(row)
        crm.tasks.complete(mount)
        old = boss.tasks.create("Архівна", end=day_2014(6), executors=[office.ivanov])
        crm.tasks.archive(old)
        later = crm.tasks.create(
            "Грудень", start=day_2014(1, 12), end=day_2014(5, 12), priority="low"
        )
        return {
            "report": crm.tasks.get(report.id),
            "estimate": crm.tasks.get(estimate.id),
            "mount": crm.tasks.get(mount.id),
            "old": crm.tasks.get(old.id),
            "later": later,
        }

    def test_tasks_registry_filters_alone_and_combined(self, office: Office) -> None:
        crm = office.crm
        made = self._registry_set(office)
        now = utc_2014(10, 12)

        def found(**filters: Any) -> list[str]:
            return sorted(task_names(crm.tasks.registry(**filters, limit=100)))

        assert found() == ["Грудень", "Звіт", "Кошторис даху", "Монтаж"]
        assert found(include_archived=True) == [
            "Архівна",
            "Грудень",
            "Звіт",
            "Кошторис даху",
            "Монтаж",
        ]
        assert found(executor=office.ivanov) == ["Звіт", "Монтаж"]
        assert found(executor="23") == ["Кошторис даху", "Монтаж"]
        assert found(executor="22", include_archived=True) == ["Архівна", "Звіт", "Монтаж"]
        assert found(executor=office.oleg) == []
        assert found(controller="3") == ["Звіт", "Кошторис даху"]
        assert found(author=office.boss) == ["Звіт", "Кошторис даху", "Монтаж"]
        assert found(client=office.neptune) == ["Звіт", "Монтаж"]
        assert found(client="1") == ["Кошторис даху"]
        assert found(project="4") == ["Звіт"]
        assert found(status="in_progress") == ["Звіт"]
        assert found(status=[TaskStatus.ACCEPTED, "completed"]) == ["Кошторис даху", "Монтаж"]
        assert found(priority="urgent") == ["Монтаж"]
        assert found(priority=["high", Priority.LOW]) == ["Грудень", "Звіт"]
        assert found(overdue=True, now=now) == ["Звіт"]
        assert found(overdue=True, now=utc_2014(25)) == ["Звіт", "Кошторис даху"]
        assert found(overdue=True, now=now, include_archived=True) == ["Архівна", "Звіт"]
        assert found(period=(day_2014(1, 12), day_2014(31, 12))) == ["Грудень"]
        assert found(period=(day_2014(6), day_2014(6))) == ["Звіт", "Кошторис даху", "Монтаж"]
        assert found(period=(utc_2014(21, 12), utc_2014(30))) == []
        assert found(text="КОШТОРИС") == ["Кошторис даху"]
        assert found(text="покрівлі") == ["Кошторис даху"]
        assert found(text="   ") == found()
        assert found(
            executor=office.ivanov, status=["in_progress", "accepted"], overdue=True, now=now
        ) == ["Звіт"]
        assert found(executor=office.melnyk, status="accepted", overdue=True, now=now) == []
        assert found(executor=office.melnyk, status="accepted", overdue=True, now=utc_2014(25)) == [
            "Кошторис даху"
        ]
        assert found(client=office.neptune, priority="urgent", status="completed") == ["Монтаж"]
        crm.tasks.restore(made["old"])
        assert "Архівна" in found(executor="22")

    @pytest.mark.parametrize(
        ("viewer", "now", "overdue"),
        [
            ("kyiv", datetime(2014, 11, 11, 21, 59, 59, tzinfo=UTC), False),  # Kyiv 11th 23:59:59
            ("kyiv", datetime(2014, 11, 11, 22, 0, tzinfo=UTC), True),  # Kyiv 12th 00:00
            ("utc", datetime(2014, 11, 10, 23, 59, 59, tzinfo=UTC), False),
            ("utc", datetime(2014, 11, 11, 0, 0, tzinfo=UTC), True),
            ("new_york", datetime(2014, 11, 11, 4, 59, 59, tzinfo=UTC), False),  # NY 10th 23:59
            ("new_york", datetime(2014, 11, 11, 5, 0, tzinfo=UTC), True),  # NY 11th 00:00
            ("system", datetime(2014, 11, 11, 21, 59, 59, tzinfo=UTC), False),  # Kyiv by default
            ("system", datetime(2014, 11, 11, 22, 0, tzinfo=UTC), True),
        ],
    )
    def test_tasks_overdue_is_judged_by_days_in_the_viewers_zone(
        self, office: Office, viewer: str, now: datetime, overdue: bool
    ) -> None:
        # Due 23:30 UTC on the 10th: that is 01:30 on the 11th in Kyiv (UTC+2 in
        # November), so in Kyiv it is overdue once the 11th has ended; in UTC
        # once the 10th has; in New York (UTC-5) the 10th ends at 05:00 UTC.
        crm = office.crm
        zones = {"kyiv": "Europe/Kyiv", "utc": "UTC", "new_york": "America/New_York"}
        people = {
            name: crm.employees.create(code=f"z-{name}", name=name, time_zone=zone)
            for name, zone in zones.items()
        }
        task, _ = simple_task(
            office, "Звіт", start=utc_2014(3), end=utc_2014(10, 23, 30), executors=[office.ivanov]
        )
        expected = [task.id] if overdue else []
        if viewer == "system":
            page = crm.tasks.registry(overdue=True, now=now)
        else:
            page = crm.tasks.registry(overdue=True, now=now, viewer=people[viewer])
            acting = crm.acting_as(people[viewer]).tasks.registry(overdue=True, now=now)
            assert [t.id for t in acting] == expected  # the actor is the default viewer
        assert [t.id for t in page] == expected
        counts = crm.tasks.counts(
            overdue=True, now=now, viewer=None if viewer == "system" else people[viewer]
        )
        assert counts[TaskStatus.ASSIGNED] == len(expected)

    def test_tasks_task_due_by_a_date_is_overdue_from_the_next_day(self, office: Office) -> None:
        # end=date(2014, 11, 10) means "by the end of the 10th" (the card shows
        # 10/11/2014); on the 11th, in the task's and viewer's zone, it is late.
        crm = office.crm
        task, _ = simple_task(
            office, "Звіт", start=day_2014(3), end=day_2014(10), executors=[office.ivanov]
        )
        assert crm.tasks.card(task).render().splitlines()[-2].split("\t")[4] == "10/11/2014"
        evening = datetime(2014, 11, 10, 23, 59, tzinfo=KYIV)
        next_morning = datetime(2014, 11, 11, 9, 0, tzinfo=KYIV)
        assert [t.id for t in crm.tasks.registry(overdue=True, now=evening)] == []
        assert [t.id for t in crm.tasks.registry(overdue=True, now=next_morning)] == [task.id]

    def test_tasks_registry_text_is_case_insensitive_and_literal(self, office: Office) -> None:
        crm = office.crm
        for name in (
            "Монтаж ДАХУ",
            "100% готово",
            "1000 готово",
            "знак_підкреслення",
            "знакXпідкреслення",
            "Ёлка ЇЖАК",
        ):
            simple_task(office, name)
        simple_task(office, "Ремонт", description="Заміна ПОКРІВЛІ та\nводостоків")

        def found(text: str) -> list[str]:
            return sorted(task_names(crm.tasks.registry(text=text)))

        assert found("даху") == ["Монтаж ДАХУ"]
        assert found("МОНТАЖ дах") == ["Монтаж ДАХУ"]
        assert found("монтаж   дах") == ["Монтаж ДАХУ"]
        assert found("0%") == ["100% готово"]
        assert found("%") == ["100% готово"]
        assert found("к_п") == ["знак_підкреслення"]
        assert found("_") == ["знак_підкреслення"]
        assert found("ёлка їжак") == ["Ёлка ЇЖАК"]
        assert found("покрівлі") == ["Ремонт"]
        assert found("водостоків") == ["Ремонт"]
        assert found("немає такого") == []

    def _sort_set(self, office: Office) -> dict[str, Task]:
        rows = [
            ("Явір", 3, 10, "low", 0),
            ("Їжак", 1, 12, "urgent", 0),
            ("Ґанок", 2, 10, "high", 1),
            ("Гора", 2, 8, "urgent", 1),
            ("альфа", 5, 9, "normal", 0),
            ("Бета", 4, 11, "high", 1),
        ]
        made = {}
        for name, start, end, priority, minutes in rows:
            office.clock.advance(minutes=minutes)
            task, _ = simple_task(
                office, name, start=utc_2014(start), end=utc_2014(end), priority=priority
            )
            made[name] = task
        return made

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("due", ["Гора", "альфа", "Явір", "Ґанок", "Бета", "Їжак"]),
            ("start", ["Їжак", "Ґанок", "Гора", "Явір", "Бета", "альфа"]),
            ("priority", ["Гора", "Їжак", "Ґанок", "Бета", "альфа", "Явір"]),
            ("created", ["Бета", "альфа", "Гора", "Ґанок", "Їжак", "Явір"]),
            ("name", ["альфа", "Бета", "Гора", "Ґанок", "Їжак", "Явір"]),
        ],
    )
    def test_tasks_registry_sort_orders_and_pages(
        self, office: Office, sort: str, expected: list[str]
    ) -> None:
        crm = office.crm
        made = self._sort_set(office)
        assert task_names(crm.tasks.registry(sort=sort)) == expected
        assert task_names(crm.tasks.registry(sort=TaskSort(sort))) == expected
        for limit in (1, 2, 4):
            seen: list[str] = []
            page = crm.tasks.registry(sort=sort, limit=limit)
            while True:
                assert len(page) <= limit
                seen += task_names(page)
                if page.next_cursor is None:
                    break
                page = crm.tasks.registry(sort=sort, limit=limit, cursor=page.next_cursor)
            assert seen == expected
        exact = crm.tasks.registry(sort=sort, limit=6)
        assert exact.next_cursor is None
        filtered = crm.tasks.registry(sort=sort, priority=["urgent", "high"], limit=1)
        names = []
        while True:
            names += task_names(filtered)
            if filtered.next_cursor is None:
                break
            filtered = crm.tasks.registry(
                sort=sort, priority=["urgent", "high"], limit=1, cursor=filtered.next_cursor
            )
        assert names == [
            n for n in expected if made[n].priority in (Priority.URGENT, Priority.HIGH)
        ]

    @pytest.mark.parametrize("sort", [s.value for s in TaskSort])
    def test_tasks_registry_pages_without_skips_or_repeats_while_tasks_arrive(
        self, office: Office, sort: str
    ) -> None:
        crm = office.crm
        original = self._sort_set(office)
        for index in range(7):
            simple_task(
                office,
                f"Задача {index % 3}",
                start=utc_2014(index % 4 + 1),
                end=utc_2014(index % 3 + 9),
                priority=list(Priority)[index % 4],
            )
        before = {t.id for t in crm.tasks.registry(limit=100)}
        seen: list[UUID] = []
        page = crm.tasks.registry(sort=sort, limit=3)
        arrivals = 0
        while True:
            seen += [t.id for t in page]
            if page.next_cursor is None:
                break
            office.clock.advance(minutes=1)
            arrivals += 1
            simple_task(
                office,
                f"Нова {arrivals}",
                start=utc_2014(arrivals % 5 + 1),
                end=utc_2014(arrivals % 4 + 9),
                priority=list(Priority)[arrivals % 4],
            )
            page = crm.tasks.registry(sort=sort, limit=3, cursor=page.next_cursor)
        assert len(seen) == len(set(seen))
        assert before <= set(seen)
        assert len(before) == 13
        assert {t.id for t in original.values()} <= set(seen)

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"cursor": "garbage!"}, "cursor"),
            ({"cursor": ""}, "cursor"),
            ({"cursor": _EMPTY_CURSOR}, "cursor"),
            ({"limit": 0}, "limit"),
            ({"limit": 1001}, "limit"),
            ({"limit": True}, "limit"),
            ({"limit": "10"}, "limit"),
            ({"sort": "random"}, "sort"),
            ({"status": "done"}, "status"),
            ({"status": ["assigned", "nope"]}, "status"),
            ({"priority": "asap"}, "priority"),
            ({"period": (date(2014, 11, 10), date(2014, 11, 1))}, "period"),
            ({"period": (date(2014, 11, 10),)}, "period"),
            ({"period": (datetime(2014, 11, 10), date(2014, 11, 11))}, "period"),
            ({"viewer": "nobody"}, "viewer"),
            ({"executor": "nobody"}, "executor"),
            ({"controller": "nobody"}, "controller"),
            ({"client": "nope"}, "client"),
            ({"project": "nope"}, "project"),
            ({"fields": {"nope": 1}}, "fields.nope"),
            ({"fields": ["qty"]}, "fields"),
            ({"now": datetime(2014, 11, 10)}, "now"),
            ({"text": 5}, "text"),
        ],
    )
    def test_tasks_bad_registry_arguments_are_refused(
        self, office: Office, arguments: dict[str, Any], field: str
    ) -> None:
        crm = office.crm
        simple_task(office)
        with pytest.raises(ValidationError) as caught:
            crm.tasks.registry(**arguments)
        assert caught.value.field == field

    def test_tasks_cursor_of_one_sort_is_refused_by_another(self, office: Office) -> None:
        crm = office.crm
        self._sort_set(office)
        cursor = crm.tasks.registry(sort="due", limit=2).next_cursor
        assert cursor is not None
        for other in ("start", "priority", "created", "name"):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.registry(sort=other, cursor=cursor)
            assert caught.value.field == "cursor"

    def test_tasks_counts_per_status_ignore_the_status_filter(self, office: Office) -> None:
        crm = office.crm
        self._registry_set(office)
        counts = crm.tasks.counts()
        assert set(counts) == set(TaskStatus)
        assert counts == {
            TaskStatus.ASSIGNED: 1,
            TaskStatus.ACCEPTED: 1,
            TaskStatus.IN_PROGRESS: 1,
            TaskStatus.ON_REVIEW: 0,
            TaskStatus.COMPLETED: 1,
            TaskStatus.RETURNED: 0,
            TaskStatus.POSTPONED: 0,
            TaskStatus.CANCELLED: 0,
        }
        for status in TaskStatus:
            assert len(crm.tasks.registry(status=status, limit=100)) == counts[status]
        mine = crm.tasks.counts(executor=office.ivanov)
        assert (mine[TaskStatus.IN_PROGRESS], mine[TaskStatus.COMPLETED]) == (1, 1)
        assert sum(mine.values()) == len(crm.tasks.registry(executor=office.ivanov))
        assert (
            crm.tasks.counts(executor=office.ivanov, include_archived=True)[TaskStatus.ASSIGNED]
            == 1
        )
        late = crm.tasks.counts(overdue=True, now=utc_2014(25))
        assert sum(late.values()) == 2
        assert crm.tasks.counts(text="кошторис", client="1")[TaskStatus.ACCEPTED] == 1
        with pytest.raises(TypeError):
            crm.tasks.counts(status="assigned")  # type: ignore[call-arg]

    def test_tasks_archived_task_leaves_the_registry_until_restored(self, office: Office) -> None:
        crm = office.crm
        task, _ = simple_task(office)
        archived = crm.tasks.archive(task)
        assert archived.archived
        assert task_names(crm.tasks.registry()) == []
        assert [t.id for t in crm.tasks.registry(include_archived=True)] == [task.id]
        with pytest.raises(StaleObject):
            crm.tasks.update(task, name="зі старої копії")
        restored = crm.tasks.restore(task.id)
        assert [t.id for t in crm.tasks.registry()] == [task.id]
        assert [c.action.value for c in crm.history.of(restored)] == [
            "create",
            "archive",
            "restore",
        ]

    # --- the calendar -------------------------------------------------------------------

    def test_tasks_calendar_of_one_employee_by_week_and_month(self, office: Office) -> None:
        crm = office.crm
        task, (mine, _) = simple_task(
            office,
            "Монтаж",
            start=day_2014(3),
            end=day_2014(16),
            executors=[
                {
                    "employee": office.ivanov,
                    "planned_hours": 20,
                    "start": day_2014(3),
                    "end": day_2014(12),
                },
                {"employee": office.melnyk, "planned_hours": 50},
            ],
        )
        crm.tasks.log_work(mine, 3, on=day_2014(4))
        crm.tasks.log_work(mine, 5, on=day_2014(11))
        shared, _ = simple_task(
            office,
            "Кошторис",
            start=day_2014(10),
            end=day_2014(10),
            planned_hours=6,
            executors=[office.ivanov, office.melnyk],
        )
        declined, (no,) = simple_task(
            office,
            "Відмова",
            start=day_2014(4),
            end=day_2014(5),
            planned_hours=9,
            executors=[office.ivanov],
        )
        crm.tasks.decline(no)
        crm.events.log(
            office.neptune, type="ВхЗ", employee=office.ivanov, occurred_at=utc_2014(4, 10)
        )
        weeks = crm.tasks.calendar(
            office.ivanov, start=day_2014(3), end=day_2014(16), bucket="week"
        )
        [me] = weeks.employees
        assert (me.employee_id, me.time_zone) == (office.ivanov.id, "Europe/Kyiv")
        assert [c.label for c in me.cells] == ["2014-W45", "2014-W46"]
        # 20 hours over the ten days 3rd..12th: 14 in the first week, 6 in the second.
        assert [(c.planned_hours, c.spent_hours) for c in me.cells] == [
            (Decimal(14), Decimal(3)),
            (Decimal(9), Decimal(5)),
        ]
        assert [t.name for t in me.cells[0].tasks] == ["Монтаж"]
        assert [(t.name, t.planned_hours) for t in me.cells[1].tasks] == [
            ("Монтаж", Decimal(6)),
            ("Кошторис", Decimal(3)),
        ]
        assert [len(c.events) for c in me.cells] == [1, 0]
        assert (me.planned_hours, me.spent_hours) == (Decimal(23), Decimal(8))
        assert me.cells[0].start == datetime(2014, 11, 3, tzinfo=KYIV)
        months = crm.tasks.calendar("22", start=day_2014(1), end=day_2014(30), bucket="month")
        [month] = months.employees[0].cells
        assert (month.label, month.planned_hours, month.spent_hours) == (
            "2014-11",
            Decimal(23),
            Decimal(8),
        )
        assert {t.task_id for t in month.tasks} == {task.id, shared.id}
        assert declined.id not in {t.task_id for t in month.tasks}
        with pytest.raises(ValidationError) as caught:
            crm.tasks.calendar(office.ivanov, start=day_2014(3), end=day_2014(1))
        assert caught.value.field == "end"
        with pytest.raises(ValidationError):
            crm.tasks.calendar([], start=day_2014(3))

    def test_tasks_calendar_of_two_employees_in_different_zones(self, office: Office) -> None:
        crm = office.crm
        smith = crm.employees.create(code="30", name="Smith John", time_zone="America/New_York")
        task, rows = simple_task(
            office,
            "Нарада",
            start=utc_2014(10, 23),
            end=utc_2014(11, 1),
            executors=[
                {"employee": office.ivanov, "planned_hours": 4},
                {"employee": smith, "planned_hours": 2},
            ],
        )
        for row in rows:
            crm.tasks.log_work(row, 1.5, on=utc_2014(11, 0, 30))
        # 23:00-01:00 UTC is 01:00-03:00 on the 11th in Kyiv but 18:00-20:00 on the 10th in
        # New York: each employee's day buckets are their own.
        calendar = crm.tasks.calendar([smith, office.ivanov], start=day_2014(10), end=day_2014(11))
        us, kyiv = calendar.employees
        assert [e.employee_id for e in calendar.employees] == [smith.id, office.ivanov.id]
        assert [c.label for c in us.cells] == ["2014-11-10", "2014-11-11"]
        assert [(c.planned_hours, c.spent_hours) for c in us.cells] == [
            (Decimal(2), Decimal("1.5")),
            (Decimal(0), Decimal(0)),
        ]
        assert [(c.planned_hours, c.spent_hours) for c in kyiv.cells] == [
            (Decimal(0), Decimal(0)),
            (Decimal(4), Decimal("1.5")),
        ]
        assert us.cells[0].start.utcoffset() == timedelta(hours=-5)
        assert kyiv.cells[0].start.utcoffset() == timedelta(hours=2)
        [shown] = us.cells[0].tasks
        assert (shown.task_id, shown.executor_id) == (task.id, rows[1].id)
        assert shown.start.hour == 18

    # --- the History tab -------------------------------------------------------------------

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

    def test_tasks_executor_with_logged_work_cannot_be_removed(self, office: Office) -> None:
        crm = office.crm
        task, (row,) = simple_task(office, executors=[office.ivanov])
        crm.tasks.log_work(row, 1)
        before = footprint(crm, task)
        with pytest.raises(ValidationError) as caught:
            crm.tasks.remove_executor(row)
        assert caught.value.field == "executor"
        assert footprint(crm, task) == before

    def test_tasks_client_search_filters_by_user_fields(self, office: Office) -> None:
        crm = office.crm
        crm.fields.define("client", "segment", label="Сегмент", type="choice", choices=["A", "B"])
        crm.fields.define(
            "client", "lines", label="Напрями", type="multi_choice", choices=["опт", "роздріб"]
        )
        crm.fields.define("client", "manager", label="Менеджер", type="employee")
        omega = crm.clients.create(
            code="800",
            name="ОМЕГА ТОВ",
            fields={"segment": "A", "lines": ["опт", "роздріб"], "manager": office.ivanov},
        )
        crm.clients.create(
            code="801", name="ОМЕГА-2 ТОВ", fields={"segment": "B", "lines": ["опт"]}
        )
        crm.fields.set(office.neptune, {"segment": "A"})

        def names(text: str | None = None, **filters: Any) -> list[str]:
            return [c.name for c in crm.clients.search(text, fields=filters)]

        assert names(segment="A") == ['Кооператив "Нептун"', "ОМЕГА ТОВ"]
        assert names("омега", segment="A") == ["ОМЕГА ТОВ"]
        assert names(lines="опт") == ["ОМЕГА ТОВ", "ОМЕГА-2 ТОВ"]
        assert names(lines="роздріб", segment="A") == ["ОМЕГА ТОВ"]
        assert names(manager="22") == ["ОМЕГА ТОВ"]
        hostile = "A'; DROP TABLE crm_clients; --"
        crm.fields.define("client", "remark", label="Примітка", type="text")
        crm.fields.set(omega, {"remark": hostile})
        assert names(remark=hostile) == ["ОМЕГА ТОВ"]  # a value is only ever data
        with pytest.raises(ValidationError) as refused:
            crm.clients.search(fields={"segment": hostile})
        assert refused.value.field == "fields.segment"
        crm.fields.set(omega, {"segment": "B"})
        assert names(segment="B") == ["ОМЕГА ТОВ", "ОМЕГА-2 ТОВ"]
        with pytest.raises(ValidationError) as caught:
            crm.clients.search(fields={"nonexistent": 1})
        assert caught.value.field == "fields.nonexistent"

    def test_tasks_conflicts_of_a_long_chain_are_each_reported_once(self, office: Office) -> None:
        crm = office.crm
        # Thirty tasks, each planned to start a day after the one before ends:
        # every link of the chain is a conflict, whichever way they are asked for.
        chain = [
            crm.tasks.create(
                f"Етап {index:02}",
                project=office.project,
                start=datetime(2014, 11, 5, 9, tzinfo=UTC),
                end=datetime(2014, 11, 6, 9, tzinfo=UTC),
            )
            for index in range(30)
        ]
        for before, after in itertools.pairwise(chain):
            crm.tasks.add_dependency(before, after)
        expected = {(before.id, after.id) for before, after in itertools.pairwise(chain)}

        def pairs(found: list[Any]) -> set[tuple[UUID, UUID]]:
            return {(c.dependency.predecessor_id, c.dependency.successor_id) for c in found}

        assert pairs(crm.tasks.conflicts(project=office.project)) == expected
        assert pairs(crm.tasks.conflicts()) == expected
        assert pairs(crm.tasks.conflicts(chain[:3])) == {
            (chain[0].id, chain[1].id),
            (chain[1].id, chain[2].id),
        }
        assert len(crm.tasks.conflicts(project=office.project)) == len(expected)
        moved = crm.tasks.reschedule(chain[0])
        assert [t.id for t in moved] == [t.id for t in chain[1:]]
        assert crm.tasks.conflicts(project=office.project) == []
        assert crm.tasks.get(chain[-1].id).planned_start == datetime(2014, 12, 4, 9, tzinfo=UTC)

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

    # --- bad input --------------------------------------------------------------------------

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

    # --- client merge ------------------------------------------------------------------------

    def test_tasks_client_merge_moves_tasks_and_projects(self, office: Office) -> None:
        crm = office.crm
        duplicate = crm.clients.create(code="06951937-2", name="Нептун", phones=["050 999 88 77"])
        contact = crm.contacts.create(duplicate, name="Бухгалтер")
        project = crm.projects.create(code="9", name="Проект №9", client=duplicate)
        first, _ = simple_task(office, "Перша", client=duplicate, contact=contact, project=project)
        second, _ = simple_task(office, "Друга", client=duplicate)
        kept_task, _ = simple_task(office, "Своя")
        result = crm.clients.merge(office.neptune, duplicate)
        assert (result.moved["tasks"], result.moved["projects"], result.moved["contacts"]) == (
            2,
            1,
            1,
        )
        for task in (first, second):
            moved = crm.tasks.get(task.id)
            assert moved.client_id == office.neptune.id
            assert moved.version > task.version
            assert "merge" in {c.action.value for c in crm.history.of(moved)}
            with pytest.raises(StaleObject):
                crm.tasks.update(task, name="зі старої копії")
        assert crm.tasks.get(first.id).contact_id == contact.id
        assert crm.projects.get("9").client_id == office.neptune.id
        assert sorted(task_names(crm.tasks.registry(client=office.neptune))) == [
            "Друга",
            "Перша",
            "Своя",
        ]
        assert task_names(crm.tasks.registry(client=duplicate)) == []
        assert crm.tasks.get(kept_task.id) == kept_task
        assert [p.code for p in crm.projects.list(client=office.neptune)] == ["4", "9"]
        titles = {e.title for e in crm.timeline(office.neptune, kinds="task", limit=100)}
        assert {"Перша", "Друга", "Своя"} <= titles
