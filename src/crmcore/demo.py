"""The demo: a small Ukrainian company's CRM, and one incoming call.

``crmcore demo`` builds it on the embedded SQLite default and tells the story:
a client calls, caller-ID finds the client and the contact person, the call
is logged, and the client's card and timeline show it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import crmcore
from crmcore.crm import CRM
from crmcore.domain import Client, ClientKind, Employee
from crmcore.domain.tasks import last_day
from crmcore.services.cards import ClientCard

__all__ = ["build", "print_card", "run"]

KYIV = ZoneInfo("Europe/Kyiv")

EMPLOYEES: list[dict[str, str]] = [
    {
        "code": "1",
        "name": "Бондарчук Василь Петрович",
        "position": "Керівник проєктів",
        "email": "bondarchuk@example.com",
        "extension": "201",
        "department": "Керівництво",
    },
    {
        "code": "2",
        "name": "Петрова Ірина",
        "position": "Менеджер з продажу",
        "email": "petrova@example.com",
        "extension": "202",
        "department": "Відділ продажу",
    },
    {
        "code": "3",
        "name": "Кононов Олег Васильович",
        "position": "Контролер",
        "email": "kononov@example.com",
        "extension": "203",
        "department": "Відділ якості",
    },
    {
        "code": "4",
        "name": "Мельник Іван",
        "position": "Інженер впровадження",
        "email": "melnyk@example.com",
        "extension": "204",
        "department": "Впровадження",
    },
]

CLIENTS: list[dict[str, Any]] = [
    {
        "code": "22910019",
        "name": "ДЕЛІКАТЕС ТОВ",
        "kind": "customer",
        "tax_code": "22910019",
        "responsible": "2",
        "phones": ["044 490 12 34"],
        "emails": ["darinna@delicates.example"],
        "addresses": ["м. Київ, вул. Хрещатик, 22"],
        "tags": ["опт", "ковбаси"],
        "contacts": [
            {
                "name": "Петров Юрій Миколайович",
                "position": "Директор",
                "phones": ["044 490 12 34 доб. 101"],
                "email": "petrov@delicates.example",
            },
            {
                "name": "Забайон Семен Семенович",
                "position": "Контролер",
                "phones": ["067 444 44 44"],
                "email": "zabayon@delicates.example",
            },
        ],
    },
    {
        "code": "06951937",
        "name": 'Кооператив "Нептун"',
        "kind": "customer",
        "responsible": "1",
        "phones": ["044-1234567", "044-1346798"],
        "emails": ["direktor@neptun.example"],
        "contacts": [
            {
                "name": "Іванов Петро",
                "position": "Голова кооперативу",
                "phones": ["050 123 45 67"],
                "email": "direktor@neptun.example",
            }
        ],
    },
    {
        "code": "1",
        "name": "ПДВ",
        "kind": "partner",
        "responsible": "2",
        "phones": ["0442067222"],
        "contacts": [
            {
                "name": "Петров Іван Іванович",
                "position": "Головний бухгалтер",
                "phones": ["0442067222 доб. 2007"],
            },
            {"name": "Альона", "position": "Бухгалтер", "phones": ["0442067222 доб. 2008"]},
        ],
    },
    {"code": "90000011", "name": "СОЛО ТОВ", "kind": "prospect", "phones": ["063 765 43 21"]},
    {"code": "22827226", "name": "ОЛЕНКА ТОВ", "kind": "customer", "phones": ["098 222 33 44"]},
    {
        "code": "90000016",
        "name": "ТЕХНОСЕРВІС ТОВ",
        "kind": "supplier",
        "phones": ["044 333 22 11"],
    },
]

# (client code, type, days ago, employee code, subject, details)
HISTORY: list[tuple[str, str, int, str, str, str]] = [
    ("1", "ИсхЗ", 30, "2", "Перший дзвінок", "Представили модуль CRM, домовились про зустріч."),
    ("1", "Встр", 21, "1", "Зустріч в офісі клієнта", "Показали реєстр задач і план-графік."),
    ("1", "ИсхП", 20, "2", "Комерційна пропозиція", "Надіслали КП на 10 робочих місць."),
    ("1", "ВхП", 14, "2", "Питання щодо ліцензій", "Скільки коштує додаткове місце?"),
    ("22910019", "ВхЗ", 9, "2", "Запит ціни", "Цікавить впровадження CRM для відділу збуту."),
    ("06951937", "Встр", 5, "4", "Обстеження", "Обстеження процесів кооперативу, проєкт №4."),
]


def build(crm: CRM, *, now: datetime) -> None:
    """Fill an empty CRM with the demo company (does nothing if it is there already)."""
    if crm.clients.search(code=CLIENTS[0]["code"], include_archived=True):
        return
    with crm.transaction():
        for employee in EMPLOYEES:
            crm.employees.create(**employee)
        for data in CLIENTS:
            fields = {k: v for k, v in data.items() if k != "contacts"}
            client = crm.clients.create(**fields)
            for contact in data.get("contacts", []):
                crm.contacts.create(client, **contact)
        office_morning = now.astimezone(KYIV).replace(hour=9, minute=15, second=0, microsecond=0)
        for code, event_type, days_ago, author, subject, details in HISTORY:
            crm.acting_as(author).events.log(
                code,
                type=event_type,
                subject=subject,
                details=details,
                occurred_at=office_morning - timedelta(days=days_ago, hours=-(days_ago % 7)),
            )


def _local(moment: datetime) -> str:
    return moment.astimezone(KYIV).strftime("%d.%m.%Y %H:%M")


_KIND = {
    ClientKind.PROSPECT: "потенційний клієнт",
    ClientKind.CUSTOMER: "клієнт",
    ClientKind.PARTNER: "партнер",
    ClientKind.SUPPLIER: "постачальник",
}


_ENTRY_KINDS = {"task": "Задача", "task_status": "Статус задачі", "comment": "Коментар"}


def print_card(crm: CRM, card: ClientCard, out: Callable[[str], None] = print) -> None:
    """Print a client card and its latest timeline the way a person reads it."""
    client: Client = card.client
    out(f"┌ {client.code} · {client.name} ({_KIND[client.kind]})")
    if card.responsible:
        out(f"│ Відповідальний: {card.responsible.name}")
    if client.phones:
        out("│ Телефони: " + ", ".join(str(p) for p in client.phones))
    if client.emails:
        out("│ E-mail: " + ", ".join(client.emails))
    for address in client.addresses:
        out(f"│ Адреса: {address.text}")
    if card.contacts:
        out("│ Контактні особи:")
        for contact in card.contacts:
            phones = ", ".join(str(p) for p in contact.phones)
            out(
                f"│   • {contact.name}"
                + (f", {contact.position}" if contact.position else "")
                + (f" — {phones}" if phones else "")
            )
    if card.open_tasks:
        out("│ Відкриті задачі:")
        for task in card.open_tasks:
            due = last_day(task.planned_end, KYIV).strftime("%d.%m.%Y")
            out(f"│   • {task.name} — до {due}, {task.status.label}, {task.percent_done}%")
    out("│ Історія (нові зверху):")
    types = {t.code: t.name for t in crm.event_types.list(include_archived=True)}
    employees: dict[object, Employee] = {e.id: e for e in crm.employees.list(include_archived=True)}
    for entry in card.timeline:
        who = employees.get(entry.employee_id)
        kind = _ENTRY_KINDS.get(entry.kind) or types.get(entry.type_code or "", entry.kind)
        line = f"│   {_local(entry.occurred_at)}  {kind}: {entry.title}"
        out(line + (f" ({who.name})" if who else ""))
        if entry.summary:
            out(f"│       {entry.summary}")
    if card.timeline.next_cursor:
        out("│   … далі — crm.timeline(client, cursor=page.next_cursor)")
    out("└")


def run(url: str, out: Callable[[str], None] = print) -> None:
    """Build the demo CRM at ``url`` and play the incoming-call story."""
    now = datetime.now(UTC)
    with crmcore.open(url) as crm:
        build(crm, now=now)
        out(f"База: {crm.storage.url}")
        out(
            f"Клієнтів: {len(crm.clients.search(limit=1000))}, "
            f"співробітників: {len(crm.employees.list())}, "
            f"типів подій: {len(crm.event_types.list())}"
        )
        out("")
        caller = "+38 (044) 206-72-22 доб. 2007"
        out(f"☎  Вхідний дзвінок з {caller} на внутрішній 202")
        match = crm.telephony.identify(caller)
        if match is None:
            out("   Невідомий номер.")
            return
        who = match.contact.name if match.contact else "основна лінія"
        out(f"   Визначено: {match.client.name} (код {match.client.code}) — {who}")
        iryna = crm.acting_as("2")
        before = len(crm.timeline(match.client, kinds=["event"], limit=1000))
        call = iryna.events.log(
            match.client,
            contact=match.contact,
            type="ВхЗ",
            subject="Дзвінок щодо рахунку на ліцензії",
            details="Просить виставити рахунок на 10 ліцензій і 40 годин впровадження.",
            outcome="Рахунок підготувати до п'ятниці",
            duration=timedelta(minutes=4, seconds=12),
            occurred_at=now,
            external_ref=f"pbx:{uuid.uuid4()}",
        )
        after = len(crm.timeline(match.client, kinds=["event"], limit=1000))
        out(
            f"   Петрова Ірина записала розмову ({call.duration}); подій в історії клієнта: "
            f"{before} → {after}"
        )
        friday = (
            now.astimezone(KYIV) + timedelta(days=(4 - now.astimezone(KYIV).weekday()) % 7)
        ).date()
        task = iryna.tasks.create_from_event(
            call,
            name="Виставити рахунок на 10 ліцензій і 40 годин впровадження",
            start=now,
            end=friday,
            controller="1",
            executors=["2", "3"],
            priority="high",
        )
        out(
            f"   Задача «{task.name}» до {friday:%d.%m.%Y}: "
            f"{len(crm.tasks.executors(task))} виконавці, статус «{task.status.label}»"
        )
        iryna.reminders.add(task, "1 day", anchor="end")
        sent = crm.notifications.dispatch()
        out(
            f"   Нагадування за день до терміну. Доставлено у застосунку повідомлень: "
            f"{sent.sent}; листи чекають на поштовий канал (crmcore worker --smtp)"
        )
        out("")
        print_card(crm, crm.card(match.client, timeline_limit=10), out)
