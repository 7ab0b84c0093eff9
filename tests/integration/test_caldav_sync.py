"""``crm.calendar.sync`` against a real Radicale server.

A second client on the same collection (``CalDAVCollection`` used directly)
plays the employee's phone: it ticks to-dos off, creates and deletes them.
Every test runs on the memory backend and on SQLite.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

pytest.importorskip("caldav", reason="the CalDAV sync tests need the caldav package")

import crmcore
from caldav_server import RadicaleServer, radicale_server
from crmcore.adapters.caldav import CalDAVCollection, RemoteItem
from crmcore.adapters.ical import parse_calendar
from crmcore.domain.tasks import ExecutorStatus, TaskStatus
from crmcore.errors import PermissionDenied, ValidationError

NOW = datetime(2025, 3, 3, 8, tzinfo=UTC)


@pytest.fixture(scope="module")
def server() -> Iterator[RadicaleServer]:
    with radicale_server() as running:
        yield running


@pytest.fixture
def url(server: RadicaleServer) -> str:
    """A collection of its own for each test (made by the first sync)."""
    return f"{server.home}crm-{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def phone(server: RadicaleServer, url: str) -> Iterator[CalDAVCollection]:
    collection = CalDAVCollection(url, username=server.username, password=server.password)
    yield collection
    collection.close()


@pytest.fixture
def crm(crm_factory: Callable[..., crmcore.CRM]) -> crmcore.CRM:
    return crm_factory(clock=lambda: NOW)


@pytest.fixture
def iryna(crm: crmcore.CRM) -> Any:
    return crm.employees.create(
        code="7", name="Петрова Ірина", email="iryna@example.com", time_zone="Europe/Kyiv"
    )


@pytest.fixture
def sync(crm: crmcore.CRM, iryna: Any, server: RadicaleServer, url: str) -> Callable[[], Any]:
    def run() -> Any:
        return crm.calendar.sync(iryna, url, username=server.username, password=server.password)

    return run


def task_for(crm: crmcore.CRM, employee: Any, name: str = "Звіт з ПДВ", hours: int = 9) -> Any:
    start = NOW + timedelta(days=1, hours=hours - 8)
    return crm.tasks.create(name, start=start, end=start + timedelta(hours=2), executors=[employee])


def uid_of(task: Any) -> str:
    return f"task-{task.id}@crmcore"


def edited(item: RemoteItem, **values: str) -> bytes:
    """The item's data with properties of its VTODO set, as a phone would save it."""
    lines = item.ics.decode("utf-8").split("\r\n")
    names = {name.replace("_", "-").upper(): value for name, value in values.items()}
    kept = [line for line in lines if line.split(":", 1)[0].split(";", 1)[0] not in names]
    end = kept.index("END:VTODO")
    return "\r\n".join(
        [*kept[:end], *(f"{name}:{value}" for name, value in names.items()), *kept[end:]]
    ).encode("utf-8")


def todo(item: RemoteItem) -> Any:
    (found,) = [i for i in parse_calendar(item.ics).items if i.kind == "todo"]
    return found


def test_push_creates_the_items_and_a_second_sync_pushes_nothing(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    first = task_for(crm, iryna)
    second = task_for(crm, iryna, "Зустріч з «Нептуном»", hours=14)
    meeting = crm.events.log(
        type="Встр", subject="Нарада", occurred_at=NOW - timedelta(days=1), employee=iryna
    )

    report = sync()

    assert sorted(report.pushed) == sorted(
        [uid_of(first), uid_of(second), f"event-{meeting.id}@crmcore"]
    )
    assert report.conflicts == report.pulled == report.removed_remotely == ()
    on_server = {item.uid: item for item in phone.items()}
    assert set(on_server) == set(report.pushed)
    assert todo(on_server[uid_of(second)]).summary == "Зустріч з «Нептуном»"
    assert todo(on_server[uid_of(first)]).attendees[0].email == "iryna@example.com"

    again = sync()

    assert again.pushed == again.pulled == again.conflicts == ()

    crm.tasks.update(first, name="Звіт з ПДВ за лютий")
    changed = sync()

    assert changed.pushed == (uid_of(first),)
    assert todo(phone.get(uid_of(first))).summary == "Звіт з ПДВ за лютий"  # type: ignore[arg-type]


def test_the_phones_percent_and_completion_become_the_employees_moves(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    other = crm.employees.create(code="8", name="Мельник Іван", email="melnyk@example.com")
    task = task_for(crm, iryna)
    crm.tasks.add_executor(task, other)
    sync()
    uid = uid_of(task)
    item = phone.get(uid)
    assert item is not None
    phone.put(uid, edited(item, percent_complete="60"), etag=item.etag)

    report = sync()

    assert report.pulled == (uid,)
    assert report.conflicts == ()
    mine = next(r for r in crm.tasks.executors(task) if r.employee_id == iryna.id)
    assert (mine.percent_done, mine.status) == (60, ExecutorStatus.ASSIGNED)
    assert crm.tasks.get(task).percent_done == 30  # rolled up over both rows
    # crmcore's version goes back, with Iryna's own row in it.
    assert uid in report.pushed
    item = phone.get(uid)
    assert item is not None
    assert todo(item).percent_complete == 60

    phone.put(uid, edited(item, status="COMPLETED", percent_complete="100"), etag=item.etag)
    sync()

    mine = next(r for r in crm.tasks.executors(task) if r.employee_id == iryna.id)
    assert (mine.percent_done, mine.status) == (100, ExecutorStatus.DONE)
    assert crm.tasks.get(task).status is TaskStatus.IN_PROGRESS  # Мельник has not finished

    crm.acting_as(other).tasks.finish(
        crm.acting_as(other).tasks.start(
            next(r for r in crm.tasks.executors(task) if r.employee_id == other.id)
        )
    )
    assert crm.tasks.get(task).status is TaskStatus.ON_REVIEW
    assert sync().pulled == ()


def test_a_finished_todo_sends_a_single_executors_task_on_review(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    task = task_for(crm, iryna)
    sync()
    item = phone.get(uid_of(task))
    assert item is not None
    phone.put(
        uid_of(task), edited(item, status="COMPLETED", percent_complete="100"), etag=item.etag
    )

    sync()

    (row,) = crm.tasks.executors(task)
    assert (row.status, row.percent_done) == (ExecutorStatus.DONE, 100)
    assert crm.tasks.get(task).status is TaskStatus.ON_REVIEW
    history = crm.tasks.history(task)
    assert {
        c.actor_name for c in history if c.entity_kind == "executor" and c.field == "status"
    } == {"Петрова Ірина"}


def test_a_move_the_workflow_refuses_is_ignored(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    task = task_for(crm, iryna)
    sync()
    crm.tasks.cancel(task)
    item = phone.get(uid_of(task))
    assert item is not None
    phone.put(uid_of(task), edited(item, status="COMPLETED"), etag=item.etag)

    report = sync()

    (row,) = crm.tasks.executors(task)
    assert row.status is ExecutorStatus.ASSIGNED
    assert crm.tasks.get(task).status is TaskStatus.CANCELLED
    assert report.conflicts == (uid_of(task),)  # cancelled in crmcore, completed on the phone


def test_a_todo_created_on_the_server_becomes_a_task_of_the_employee(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    sync()
    ics = (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Apple Inc.//iOS 17//EN\r\n"
        "BEGIN:VTODO\r\nUID:phone-1\r\nDTSTAMP:20250303T070000Z\r\n"
        "SUMMARY:Купити папір для принтера\r\nDUE;TZID=Europe/Kyiv:20250305T120000\r\n"
        "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT30M\r\nEND:VALARM\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    ).encode()
    phone.put("phone-1", ics)
    phone.put(
        "phone-event",
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:phone-event\r\n"
        b"DTSTART:20250304T070000Z\r\nSUMMARY:Lunch\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )

    report = sync()

    (made,) = report.created
    task = crm.tasks.get(made)
    assert task.name == "Купити папір для принтера"
    assert task.author_id == iryna.id
    assert [r.employee_id for r in crm.tasks.executors(task)] == [iryna.id]
    assert [r.before for r in crm.reminders.of(task)] == [timedelta(minutes=30)]
    assert ("VEVENT", "phone-event") in {(s.component, s.uid) for s in report.skipped}
    assert "phone-1" in report.pushed  # crmcore's version of it, under the phone's UID
    assert sync().created == ()


def test_an_item_deleted_on_the_server_is_reported_and_not_pushed_again(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    task = task_for(crm, iryna)
    sync()
    phone.delete(uid_of(task))

    report = sync()

    assert report.removed_remotely == (uid_of(task),)
    assert report.pushed == ()
    assert crm.tasks.get(task).status is TaskStatus.ASSIGNED
    assert phone.get(uid_of(task)) is None
    assert sync().pushed == ()

    crm.tasks.update(task, name="Звіт з ПДВ, нова редакція")
    assert sync().pushed == (uid_of(task),)
    assert phone.get(uid_of(task)) is not None


def test_an_edit_on_both_sides_is_a_conflict_and_the_server_keeps_its_version(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    task = task_for(crm, iryna)
    sync()
    uid = uid_of(task)
    item = phone.get(uid)
    assert item is not None
    phone.put(uid, edited(item, summary="Звіт (з телефона)", percent_complete="20"), etag=item.etag)
    crm.tasks.update(task, name="Звіт (з crmcore)")

    report = sync()

    assert report.conflicts == (uid,)
    assert uid not in report.pushed
    remote = phone.get(uid)
    assert remote is not None
    assert todo(remote).summary == "Звіт (з телефона)"
    assert crm.tasks.get(task).name == "Звіт (з crmcore)"
    (row,) = crm.tasks.executors(task)
    assert row.percent_done == 20  # the status and percent are the employee's all the same

    # From the next sync on crmcore wins for the requisites.
    after = sync()
    assert after.conflicts == ()
    assert after.pushed == (uid,)
    remote = phone.get(uid)
    assert remote is not None
    assert (todo(remote).summary, todo(remote).percent_complete) == ("Звіт (з crmcore)", 20)


def test_a_wrong_password_is_refused_and_nothing_is_written(
    crm: crmcore.CRM, iryna: Any, server: RadicaleServer, url: str
) -> None:
    task_for(crm, iryna)
    with pytest.raises(PermissionDenied):
        crm.calendar.sync(iryna, url, username=server.username, password="не той")
    with crm.transaction() as uow:
        assert uow.subscriptions.find() == []
        assert uow.synced_items.find() == []


def test_an_unknown_employee_is_refused_before_the_server_is_asked(
    crm: crmcore.CRM, iryna: Any, url: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        crm.calendar.sync("no-such-code", url, username="x", password="y")
    assert refused.value.field == "employee"
    with pytest.raises(ValidationError) as refused:
        crm.calendar.sync(iryna, "ftp://example.org/", username="x", password="y")
    assert refused.value.field == "url"


def test_a_repeating_task_is_pushed_as_one_series_and_its_occurrences_pulled(
    crm: crmcore.CRM, iryna: Any, sync: Callable[[], Any], phone: CalDAVCollection
) -> None:
    first = task_for(crm, iryna, "Планёрка")
    crm.tasks.repeat(first, "FREQ=DAILY;COUNT=5")
    (second,) = crm.tasks.materialise(now=first.planned_start + timedelta(hours=1))

    report = sync()

    assert report.pushed == (uid_of(first),)
    item = phone.get(uid_of(first))
    assert item is not None
    items = parse_calendar(item.ics).items
    assert [(i.rrule, i.recurrence_id is None) for i in items] == [
        ("FREQ=DAILY;COUNT=5", True),
        (None, False),
    ]
    # The phone ticks off the second occurrence: the override, written last.
    master, begin, override = item.ics.decode().rpartition("BEGIN:VTODO")
    done = override.replace("STATUS:NEEDS-ACTION", "STATUS:COMPLETED", 1)
    phone.put(uid_of(first), (master + begin + done).encode(), etag=item.etag)

    sync()

    (row,) = crm.tasks.executors(second)
    assert row.status is ExecutorStatus.DONE
    assert crm.tasks.get(second).status is TaskStatus.ON_REVIEW
