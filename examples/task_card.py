"""The seed's task card "задача Укрытие", built the way people would build it.

The controller, Кононов, sets the task for Кооператив "Нептун" with three
executor rows; Мельник and Иванов accept their rows, log their hours and
report their progress, each acting as themselves, through the task workflow.
The script then prints the card as the seed system shows it, the History tab
of the task, and the task registry as Иванов sees it.

A clock that moves only when told to keeps every date as in the seed.

Run: python examples/task_card.py
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import crmcore
from crmcore.domain.tasks import ExecutorStatus, TaskStatus
from crmcore.testing import ManualClock

KYIV = ZoneInfo("Europe/Kyiv")

#: How the History tab names what changed, in the seed's words.
KINDS = {
    "task": "Задача",
    "executor": "Исполнитель",
    "work_log": "Затраты времени",
    "dependency": "Зависимость",
}
FIELDS = {
    "status": "Статус",
    "percent_done": "% выполнения",
    "hours_spent": "Затрачено времени",
    "planned_start": "Начало",
    "planned_end": "Окончание",
    "comment": "Комментарий",
}
ACTIONS = {"create": "создание", "archive": "в архив", "restore": "из архива"}


def shown(change: crmcore.Change, value: object) -> object:
    """A recorded value as the card shows it: statuses by their labels."""
    if change.field == "status" and isinstance(value, str):
        status = TaskStatus(value) if change.entity_kind == "task" else ExecutorStatus(value)
        return status.label
    return value


def history_line(change: crmcore.Change) -> str:
    at = change.at.astimezone(KYIV)
    what = KINDS.get(change.entity_kind, change.entity_kind)
    if change.field is None:
        done = ACTIONS.get(change.action.value, change.action.value)
    else:
        old, new = shown(change, change.old_value()), shown(change, change.new_value())
        done = f"{FIELDS.get(change.field, change.field)}: {old} → {new}"
    return f"{at:%d/%m/%Y %H:%M}  {change.actor_name}  {what}  {done}"


def main() -> None:
    clock = ManualClock(datetime(2014, 11, 5, 0, 54, tzinfo=KYIV))
    crm = crmcore.open(clock=clock)  # in memory

    # In the seed both executors show the code 22; employee codes are unique here.
    kononov = crm.employees.create(code="3", name="Кононов Олег Васильевич")
    ivanov = crm.employees.create(code="22", name="Иванов")
    melnyk = crm.employees.create(code="23", name="Мельник Иван Иванович")
    neptune = crm.clients.create(code="06951937", name='Кооператив "Нептун"', kind="customer")
    director = crm.contacts.create(
        neptune,
        name="Иванов",
        phones=["044-1234567", "044-1346798"],
        email="direktor@gmail.com",
    )
    project = crm.projects.create(code="4", name="Проект №4", client=neptune, manager=kononov)

    # 05/11/2014 00:54: the controller sets the task.
    as_kononov = crm.acting_as(kononov)
    task = as_kononov.tasks.create(
        "задача Укрытие",
        controller=kononov,
        type="ВхЗ",
        client=neptune,
        contact=director,
        project=project,
        start=datetime(2014, 11, 5, 0, 54, tzinfo=KYIV),
        end=datetime(2014, 11, 28, 0, 54, tzinfo=KYIV),
        colour="Green",
        priority="normal",
        # The seed shows "Выполнена на: 5%", which is not what the rows give
        # (weighted by the rows, 0, 8 and 12 % make 7 %): it was set by hand.
        progress="manual",
        percent_done=5,
        executors=[
            ivanov,  # 05/11–28/11: the task's own dates
            {"employee": melnyk, "start": date(2014, 11, 5), "end": date(2014, 11, 6)},
            {"employee": ivanov, "start": date(2014, 11, 7), "end": date(2014, 11, 15)},
        ],
    )
    _, melnyk_row, ivanov_row = crm.tasks.executors(task)

    # 05/11 09:00: Мельник takes his day on, works 8 hours, reports 8 %.
    clock.now = datetime(2014, 11, 5, 9, 0, tzinfo=KYIV)
    as_melnyk = crm.acting_as(melnyk)
    melnyk_row = as_melnyk.tasks.accept(melnyk_row)
    clock.now = datetime(2014, 11, 5, 18, 0, tzinfo=KYIV)
    as_melnyk.tasks.log_work(melnyk_row, 8, on=date(2014, 11, 5), note="Обстеження об'єкта")
    melnyk_row = as_melnyk.tasks.report_progress(melnyk_row, 8)

    # A second task of Иванов's, due earlier, for the registry below.
    clock.now = datetime(2014, 11, 6, 10, 0, tzinfo=KYIV)
    as_kononov.tasks.create(
        "Кошторис для Нептуна",
        client=neptune,
        project=project,
        start=date(2014, 11, 6),
        end=datetime(2014, 11, 10, 18, 0, tzinfo=KYIV),
        priority="high",
        executors=[ivanov],
    )

    # 07/11 09:00: Иванов takes his week on; three working days of 8 hours, 12 %.
    clock.now = datetime(2014, 11, 7, 9, 0, tzinfo=KYIV)
    as_ivanov = crm.acting_as(ivanov)
    ivanov_row = as_ivanov.tasks.accept(ivanov_row)
    for day in (7, 10, 11):
        clock.now = datetime(2014, 11, day, 18, 0, tzinfo=KYIV)
        as_ivanov.tasks.log_work(ivanov_row, 8, on=date(2014, 11, day), note="Монтаж")
    ivanov_row = as_ivanov.tasks.report_progress(ivanov_row, 12)

    task = crm.tasks.get(task.id)
    assert (task.percent_done, task.hours_spent) == (5, Decimal("32.00"))
    # The seed still shows "Поставлена задача"; in crmcore the first executor
    # to accept moves the task to "Принято".
    assert task.status is TaskStatus.ACCEPTED
    statuses = [row.status for row in crm.tasks.executors(task)]
    assert statuses == [ExecutorStatus.ASSIGNED, ExecutorStatus.ACCEPTED, ExecutorStatus.ACCEPTED]

    print("Реквизиты | Исполнители")
    print(crm.tasks.card(task).render())

    print()
    print("История")
    for change in crm.tasks.history(task):
        print(history_line(change))

    # The registry as Иванов sees it on 20/11/2014: his open tasks, earliest
    # due first, and which of them are overdue by his calendar.
    now = datetime(2014, 11, 20, 9, 0, tzinfo=KYIV)
    open_statuses = [s for s in TaskStatus if s not in (TaskStatus.COMPLETED, TaskStatus.CANCELLED)]
    mine = crm.tasks.registry(executor=ivanov, status=open_statuses, sort="due", now=now)
    late = {t.id for t in crm.tasks.registry(executor=ivanov, overdue=True, viewer=ivanov, now=now)}
    print()
    print(f"Реестр задач: {ivanov.name}, {now:%d/%m/%Y}")
    for t in mine:
        due = t.planned_end.astimezone(KYIV)
        mark = "  просрочена" if t.id in late else ""
        print(f"  {due:%d/%m/%Y %H:%M}  {t.priority.label:<8} {t.status.label:<18} {t.name}{mark}")
    counts = crm.tasks.counts(executor=ivanov)
    print("  " + ", ".join(f"{s.label}: {n}" for s, n in counts.items() if n))
    assert [t.name for t in mine] == ["Кошторис для Нептуна", "задача Укрытие"]
    assert len(late) == 1

    # Иванов's November by weeks, with planned and spent hours per week.
    weeks = crm.tasks.calendar(
        ivanov, start=date(2014, 11, 1), end=date(2014, 11, 30), bucket="week"
    )
    print()
    print(f"Календарь: {ivanov.name}, ноябрь 2014")
    for cell in weeks.employees[0].cells:
        names = ", ".join(dict.fromkeys(item.name for item in cell.tasks))
        print(f"  {cell.label}  затрачено {cell.spent_hours:>5} ч.  {names}")

    # The plan-schedule of both tasks; drawn to a file when matplotlib is there.
    chart = crm.tasks.gantt([task, *mine])
    print()
    print(f"План-график: {len(chart.rows)} задачи, критический путь: {len(chart.critical_path)}")
    try:
        chart.save("task_card_gantt.svg")
    except crmcore.errors.PluginError as missing:
        print(f"  ({missing})")
    else:
        print("  task_card_gantt.svg")


if __name__ == "__main__":
    main()
