"""The fixtures and helpers every room of the conformance suite shares.

:class:`ConformanceFixtures` holds the fixtures built on the host's
``crm_factory``: ``clock`` (the :class:`~crmcore.testing.ManualClock` every CRM
of a test reads), ``crm``, ``seed`` (the seed brochure's people and clients),
``office`` (the people, clients and project of the task tests) and ``team``
(people who set, control, do and watch tasks, on a CRM with the ``mail``
channel).  The helper functions build on those.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

from crmcore import CRM, Client, ContactPerson, Employee, hookimpl
from crmcore.domain.notifications import Delivery, Message
from crmcore.domain.projects import Project
from crmcore.domain.tasks import Executor, Task
from crmcore.errors import DeliveryError
from crmcore.ports import Channel
from crmcore.testing import ManualClock

__all__ = [
    "DAY",
    "END",
    "HOUR",
    "KYIV",
    "MINUTE",
    "MONDAY",
    "START",
    "ConformanceFixtures",
    "CrmFactory",
    "Office",
    "RecordingChannel",
    "Team",
    "assign_task",
    "day_2014",
    "footprint",
    "local_time",
    "one_message",
    "open_office",
    "open_team",
    "outbox_messages",
    "queued_to",
    "seed_brochure",
    "simple_task",
    "task_names",
    "team_task",
    "utc_2014",
]


CrmFactory = Callable[..., CRM]
START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)
END = date(2014, 11, 28)
KYIV = ZoneInfo("Europe/Kyiv")
#: Monday 10 November 2014, 09:00 in Kyiv; the suite's clock starts on the 5th.
MONDAY = datetime(2014, 11, 10, 7, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
MINUTE = timedelta(minutes=1)


def seed_brochure(crm: CRM) -> dict[str, Any]:
    """The seed brochure's people and clients."""
    boss = crm.employees.create(code="1", name="Бондарчук Василь Петрович", email="b@intelserv.com")
    iryna = crm.employees.create(code="2", name="Петрова Ірина", department="Продажі")
    oleg = crm.employees.create(code="3", name="Кононов Олег Васильович", extension="203")
    delicatessen = crm.clients.create(
        code="22910019",
        name="ДЕЛІКАТЕС ТОВ",
        kind="customer",
        phones=["044 490 12 34"],
        emails=["Office@Delicates.ua"],
        tags=["опт"],
        responsible=iryna,
    )
    neptune = crm.clients.create(
        code="06951937", name='Кооператив "Нептун"', phones=["044-1234567"]
    )
    pdv = crm.clients.create(code="1", name="ПДВ", phones=["0442067222"])
    petrov = crm.contacts.create(pdv, name="Петров Иван Иванович", phones=["0442067222 доб. 2007"])
    alena = crm.contacts.create(pdv, name="Алена", phones=["2008"])
    return {
        "boss": boss,
        "iryna": iryna,
        "oleg": oleg,
        "delicatessen": delicatessen,
        "neptune": neptune,
        "pdv": pdv,
        "petrov": petrov,
        "alena": alena,
    }


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


class RecordingChannel:
    """A notification channel plugin that keeps what it is given and fails on demand.

    Pass it as ``crmcore.open(plugins=[channel])``.  ``failures`` fails that
    many next attempts (a retry may help), ``permanent`` fails every attempt
    for good, ``crash`` raises a plain :class:`RuntimeError` as a careless
    plugin would.
    """

    def __init__(self, name: str = "email") -> None:
        self.name = name
        self.attempts: list[Delivery] = []
        self.failures = 0
        self.permanent = False
        self.crash = False

    @hookimpl
    def crmcore_channels(self, register: Callable[[Channel], None]) -> None:
        register(self)

    def deliver(self, delivery: Delivery) -> str | None:
        self.attempts.append(delivery)
        if self.crash:
            raise RuntimeError("the gateway fell over")
        if self.permanent:
            raise DeliveryError("no such mailbox", permanent=True)
        if self.failures:
            self.failures -= 1
            raise DeliveryError("the gateway is busy")
        return f"{self.name}-{len(self.attempts)}"


@dataclass(frozen=True)
class Team:
    """People who set, control, do and watch tasks, on a CRM with an e-mail channel."""

    crm: CRM
    clock: ManualClock
    mail: RecordingChannel  # the "email" channel
    boss: Employee  # 1: sets the tasks; has e-mail
    petrova: Employee  # 2: watches them; has e-mail
    oleg: Employee  # 3: controls them; has e-mail and a mobile phone
    ivanov: Employee  # 22: executor with e-mail
    melnyk: Employee  # 23: executor without e-mail or phone

    def as_(self, employee: Employee) -> CRM:
        return self.crm.acting_as(employee)

    def code(self, employee_id: UUID | None) -> str:
        people = (self.boss, self.petrova, self.oleg, self.ivanov, self.melnyk)
        return next(e.code for e in people if e.id == employee_id)

    def codes(self, employee_ids: Iterable[UUID | None]) -> list[str]:
        return sorted(self.code(employee_id) for employee_id in employee_ids)


def open_team(crm: CRM, clock: ManualClock, mail: RecordingChannel) -> Team:
    """The team's employees, created on ``crm`` whose e-mail channel is ``mail``."""
    return Team(
        crm=crm,
        clock=clock,
        mail=mail,
        boss=crm.employees.create(
            code="1", name="Бондарчук Василь Петрович", email="b@intelserv.com"
        ),
        petrova=crm.employees.create(code="2", name="Петрова Ірина", email="petrova@intelserv.com"),
        oleg=crm.employees.create(
            code="3",
            name="Кононов Олег Васильович",
            email="kononov@intelserv.com",
            phone="067 123 45 67",
        ),
        ivanov=crm.employees.create(
            code="22", name="Иванов Иван Иванович", email="ivanov@intelserv.com"
        ),
        melnyk=crm.employees.create(code="23", name="Мельник Петро"),
    )


def team_task(
    team: Team,
    name: str = "Кошторис",
    *,
    start: datetime | date = MONDAY,
    length: timedelta = 9 * HOUR,
    **options: Any,
) -> Task:
    """A task set by the boss, controlled by Кононов, done by Иванов and Мельник and
    watched by Петрова, from 09:00 to 18:00 in Kyiv unless told otherwise."""
    options.setdefault("controller", team.oleg)
    options.setdefault("executors", [team.ivanov, team.melnyk])
    options.setdefault("watchers", [team.petrova])
    crm = team.as_(team.boss)
    return crm.tasks.create(name, start=start, end=start + length, **options)


def local_time(moment: datetime | None, zone: ZoneInfo = KYIV) -> str:
    """``moment`` as ``dd.mm HH:MM`` on the wall clock of ``zone`` (Kyiv unless told)."""
    assert moment is not None
    return moment.astimezone(zone).strftime("%d.%m %H:%M")


def outbox_messages(team: Team, kind: str | None = None) -> list[Message]:
    """Every stored message (of ``kind``), in the outbox's order."""
    found = team.crm.notifications.outbox(limit=10_000)
    return [m for m in found if kind is None or m.kind == kind]


def queued_to(team: Team, kind: str | None = None) -> list[tuple[str, str]]:
    """(employee code, channel) of every stored message (of ``kind``), sorted."""
    return sorted((team.code(m.recipient_id), m.channel) for m in outbox_messages(team, kind))


def one_message(team: Team, employee: Employee, channel: str, kind: str | None = None) -> Message:
    """The one message to ``employee`` through ``channel`` (of ``kind``)."""
    [found] = [
        m
        for m in team.crm.notifications.outbox(recipient=employee)
        if m.channel == channel and kind in (None, m.kind)
    ]
    return found


def assign_task(team: Team, employee: Employee, name: str = "Кошторис") -> Task:
    """A task set by the boss for ``employee`` alone: one task_assigned notice, to them."""
    return team_task(team, name, executors=[employee], watchers=[])


class ConformanceFixtures:
    """Fixtures on the host's ``crm_factory``; mixed into StorageConformance."""

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def crm(self, crm_factory: CrmFactory, clock: ManualClock) -> CRM:
        return crm_factory(clock=clock)

    @pytest.fixture
    def seed(self, crm: CRM) -> dict[str, Any]:
        return seed_brochure(crm)

    @pytest.fixture
    def task_clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def office(self, crm_factory: CrmFactory, task_clock: ManualClock) -> Office:
        return open_office(crm_factory(clock=task_clock), task_clock)

    @pytest.fixture
    def mail(self) -> RecordingChannel:
        return RecordingChannel("email")

    @pytest.fixture
    def team(self, crm_factory: CrmFactory, clock: ManualClock, mail: RecordingChannel) -> Team:
        return open_team(crm_factory(clock=clock, plugins=[mail]), clock, mail)
