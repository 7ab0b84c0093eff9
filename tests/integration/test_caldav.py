"""The CalDAV transport against a real Radicale server.

A second client, the ``caldav`` library's own objects, plays the phone that
edits the same collection.  The few answers Radicale never gives (unreadable
items, server errors, broken XML) come from a small canned server on
loopback.
"""

from __future__ import annotations

import http.server
import socket
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

pytest.importorskip("caldav", reason="the CalDAV tests need the caldav package")

from caldav.davclient import DAVClient

from caldav_server import RadicaleServer, radicale_server
from crmcore.adapters.caldav import CalDAVCollection, RemoteItem
from crmcore.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PluginError,
    StorageError,
    ValidationError,
)


def vtodo(
    uid: str, *, summary: str = "Позвонить в бухгалтерию «Ромашки»", done: bool = False
) -> bytes:
    status = ["STATUS:COMPLETED", "PERCENT-COMPLETE:100"] if done else ["STATUS:NEEDS-ACTION"]
    return _calendar(
        [
            "BEGIN:VTODO",
            f"UID:{uid}",
            "DTSTAMP:20250301T090000Z",
            f"SUMMARY:{summary}",
            *status,
            "END:VTODO",
        ]
    )


def vevent(uid: str, *, summary: str = "Встреча с клиентом в офисе") -> bytes:
    return _calendar(
        [
            "BEGIN:VEVENT",
            f"UID:{uid}",
            "DTSTAMP:20250301T090000Z",
            "DTSTART:20250305T100000Z",
            "DTEND:20250305T110000Z",
            f"SUMMARY:{summary}",
            "END:VEVENT",
        ]
    )


def _calendar(lines: list[str]) -> bytes:
    whole = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//crmcore tests//RU", *lines]
    return ("\r\n".join([*whole, "END:VCALENDAR"]) + "\r\n").encode("utf-8")


def summary_of(item: RemoteItem) -> str:
    for line in item.ics.decode("utf-8").split("\r\n"):
        if line.startswith("SUMMARY:"):
            return line.removeprefix("SUMMARY:")
    raise AssertionError(f"no SUMMARY in {item.ics!r}")


@pytest.fixture(scope="module")
def server() -> Iterator[RadicaleServer]:
    with radicale_server() as running:
        yield running


@pytest.fixture
def open_collection(server: RadicaleServer) -> Iterator[Callable[..., CalDAVCollection]]:
    """``open_collection(**options)``: a collection under Iryna's home, closed after the test."""
    opened: list[CalDAVCollection] = []

    def open_(url: str | None = None, **options: Any) -> CalDAVCollection:
        options.setdefault("username", server.username)
        options.setdefault("password", server.password)
        collection = CalDAVCollection(url or server.url, **options)
        opened.append(collection)
        return collection

    yield open_
    for collection in opened:
        collection.close()


@pytest.fixture
def tasks(open_collection: Callable[..., CalDAVCollection]) -> CalDAVCollection:
    """A fresh collection of its own for each test."""
    return open_collection(name=f"crm-{uuid.uuid4().hex[:8]}")


class Phone:
    """Another CalDAV client on the same collection, as a phone's task list would be."""

    def __init__(self, server: RadicaleServer, url: str) -> None:
        self.client: Any = DAVClient(url=url, username=server.username, password=server.password)
        self.calendar: Any = self.client.calendar(url=url)

    def todo(self, uid: str) -> Any:
        # caldav 3 renamed the lookups; 1.x has only the old names.
        find = getattr(self.calendar, "get_todo_by_uid", None) or self.calendar.todo_by_uid
        return find(uid)

    def create(self, ics: bytes) -> Any:
        add = getattr(self.calendar, "add_todo", None) or self.calendar.save_todo
        return add(ics.decode("utf-8"))

    def rewrite(self, uid: str, ics: bytes) -> None:
        todo = self.todo(uid)
        todo.data = ics.decode("utf-8")
        todo.save()

    def delete(self, uid: str) -> None:
        self.todo(uid).delete()

    def __enter__(self) -> Phone:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.client.close()


@pytest.fixture
def phone(server: RadicaleServer, tasks: CalDAVCollection) -> Iterator[Phone]:
    with Phone(server, tasks.url) as device:
        yield device


# ---------------------------------------------------------------- opening


def test_a_named_collection_is_created_in_the_users_home_for_events_and_tasks(
    server: RadicaleServer, open_collection: Callable[..., CalDAVCollection]
) -> None:
    created = open_collection(name="crm")
    assert created.url == f"{server.home}crm/"

    with Phone(server, created.url) as phone:
        components = phone.calendar.get_supported_components()
    assert sorted(components) == ["VEVENT", "VTODO"]

    # Opening it again, by the home's URL this time, finds it rather than making another.
    again = open_collection(server.home, name="crm", create=False)
    assert again.url == created.url


def test_a_collection_url_is_created_when_missing_unless_create_is_false(
    server: RadicaleServer, open_collection: Callable[..., CalDAVCollection]
) -> None:
    url = f"{server.home}direct-{uuid.uuid4().hex[:6]}/"
    with pytest.raises(NotFound):
        open_collection(url, create=False)
    with pytest.raises(NotFound):
        open_collection(name="nowhere", create=False)

    assert open_collection(url).url == url
    assert open_collection(url, create=False).items() == []


def test_a_url_that_is_no_calendar_is_refused_naming_the_url(
    server: RadicaleServer, open_collection: Callable[..., CalDAVCollection]
) -> None:
    with pytest.raises(ValidationError) as raised:
        open_collection(server.home)
    assert raised.value.field == "url"
    assert "name=" in raised.value.problem


# ---------------------------------------------------------------- items


def test_items_returns_the_task_and_the_event_with_their_etags(tasks: CalDAVCollection) -> None:
    tasks.put("todo-1@crmcore", vtodo("todo-1@crmcore"))
    tasks.put("event-1@crmcore", vevent("event-1@crmcore"))

    items = {item.uid: item for item in tasks.items()}

    assert sorted(items) == ["event-1@crmcore", "todo-1@crmcore"]
    assert all(item.etag for item in items.values())
    assert all(item.href.startswith(tasks.url) for item in items.values())
    assert summary_of(items["todo-1@crmcore"]) == "Позвонить в бухгалтерию «Ромашки»"
    assert summary_of(items["event-1@crmcore"]) == "Встреча с клиентом в офисе"
    assert b"BEGIN:VEVENT" in items["event-1@crmcore"].ics


def test_get_finds_an_item_by_uid_and_gives_none_for_an_unknown_one(
    tasks: CalDAVCollection,
) -> None:
    stored = tasks.put("todo-2@crmcore", vtodo("todo-2@crmcore"))
    # A UID that only contains the one asked for must not be taken for it.
    tasks.put("todo-2@crmcore-copy", vtodo("todo-2@crmcore-copy"))

    found = tasks.get("todo-2@crmcore")

    assert found is not None
    assert (found.uid, found.href, found.etag) == (stored.uid, stored.href, stored.etag)
    assert tasks.get("todo-2") is None
    assert tasks.get("no-such-uid") is None


def test_put_with_the_current_etag_replaces_and_with_a_stale_one_raises_conflict(
    tasks: CalDAVCollection,
) -> None:
    first = tasks.put("todo-3@crmcore", vtodo("todo-3@crmcore", summary="Первая версия"))
    second = tasks.put(
        "todo-3@crmcore", vtodo("todo-3@crmcore", summary="Вторая версия"), etag=first.etag
    )
    assert second.href == first.href
    assert second.etag
    assert second.etag != first.etag

    with pytest.raises(Conflict) as raised:
        tasks.put("todo-3@crmcore", vtodo("todo-3@crmcore", summary="Третья"), etag=first.etag)
    assert "todo-3@crmcore" in str(raised.value)
    assert "changed on the server" in str(raised.value)

    current = tasks.get("todo-3@crmcore")
    assert current is not None
    assert current.etag == second.etag
    assert summary_of(current) == "Вторая версия"
    assert len(tasks.items()) == 1


def test_put_with_an_etag_of_an_item_deleted_meanwhile_raises_conflict(
    tasks: CalDAVCollection,
) -> None:
    stored = tasks.put("todo-4@crmcore", vtodo("todo-4@crmcore"))
    tasks.delete("todo-4@crmcore")

    with pytest.raises(Conflict):
        tasks.put("todo-4@crmcore", vtodo("todo-4@crmcore"), etag=stored.etag)
    assert tasks.items() == []


def test_put_refuses_ics_that_holds_another_uid_or_no_calendar(tasks: CalDAVCollection) -> None:
    with pytest.raises(ValidationError) as raised:
        tasks.put("todo-5@crmcore", vtodo("something-else"))
    assert raised.value.field == "ics"
    with pytest.raises(ValidationError) as raised:
        tasks.put("todo-5@crmcore", b"<html>no calendar</html>")
    assert raised.value.field == "ics"
    with pytest.raises(ValidationError) as raised:
        tasks.put("", vtodo(""))
    assert raised.value.field == "uid"
    assert tasks.items() == []


def test_delete_removes_the_item_and_a_missing_one_is_no_error(tasks: CalDAVCollection) -> None:
    stored = tasks.put("todo-6@crmcore", vtodo("todo-6@crmcore"))
    tasks.put("event-6@crmcore", vevent("event-6@crmcore"))

    tasks.delete("todo-6@crmcore", etag=stored.etag)

    assert tasks.get("todo-6@crmcore") is None
    assert [item.uid for item in tasks.items()] == ["event-6@crmcore"]
    tasks.delete("todo-6@crmcore")
    tasks.delete("never-existed", etag='"whatever"')


def test_delete_with_a_stale_etag_raises_conflict_and_keeps_the_item(
    tasks: CalDAVCollection,
) -> None:
    first = tasks.put("todo-7@crmcore", vtodo("todo-7@crmcore"))
    tasks.put("todo-7@crmcore", vtodo("todo-7@crmcore", done=True))

    with pytest.raises(Conflict):
        tasks.delete("todo-7@crmcore", etag=first.etag)
    assert tasks.get("todo-7@crmcore") is not None


def test_an_item_another_client_made_is_found_and_replaced_where_it_lives(
    tasks: CalDAVCollection, phone: Phone
) -> None:
    uid = "телефон/42 задача"
    phone.create(vtodo(uid, summary="С телефона"))
    [made] = tasks.items()
    assert made.uid == uid

    replaced = tasks.put(uid, vtodo(uid, summary="Из CRM"), etag=made.etag)

    assert replaced.href == made.href
    [current] = tasks.items()
    assert (current.href, current.etag, summary_of(current)) == (
        made.href,
        replaced.etag,
        "Из CRM",
    )


# ---------------------------------------------------------------- changes


def test_changed_since_reports_exactly_the_task_a_phone_completed(
    tasks: CalDAVCollection, phone: Phone
) -> None:
    tasks.put("call@crmcore", vtodo("call@crmcore"))
    tasks.put("letter@crmcore", vtodo("letter@crmcore", summary="Отправить письмо"))
    tasks.put("meeting@crmcore", vevent("meeting@crmcore"))
    everything, deleted, token = tasks.changed_since(None)
    assert sorted(item.uid for item in everything) == [
        "call@crmcore",
        "letter@crmcore",
        "meeting@crmcore",
    ]
    assert deleted == []

    phone.rewrite("call@crmcore", vtodo("call@crmcore", done=True))
    changed, deleted, next_token = tasks.changed_since(token)

    assert [item.uid for item in changed] == ["call@crmcore"]
    assert b"STATUS:COMPLETED" in changed[0].ics
    assert b"PERCENT-COMPLETE:100" in changed[0].ics
    current = tasks.get("call@crmcore")
    assert current is not None
    assert changed[0].etag == current.etag
    assert deleted == []
    assert next_token != token
    assert tasks.changed_since(next_token)[:2] == ([], [])


def test_changed_since_lists_a_deletion_by_the_items_href(
    tasks: CalDAVCollection, phone: Phone
) -> None:
    kept = tasks.put("kept@crmcore", vtodo("kept@crmcore"))
    gone = tasks.put("gone@crmcore", vtodo("gone@crmcore"))
    _, _, token = tasks.changed_since(None)

    phone.delete("gone@crmcore")
    changed, deleted, _ = tasks.changed_since(token)

    assert changed == []
    assert deleted == [gone.href]
    assert kept.href not in deleted


def test_changed_since_sees_items_created_after_the_token(tasks: CalDAVCollection) -> None:
    _, _, token = tasks.changed_since(None)
    new = tasks.put("new@crmcore", vevent("new@crmcore"))

    changed, deleted, _ = tasks.changed_since(token)

    assert [(item.href, item.etag) for item in changed] == [(new.href, new.etag)]
    assert deleted == []


def test_changed_since_with_a_token_the_server_does_not_know_raises_conflict(
    tasks: CalDAVCollection,
) -> None:
    with pytest.raises(Conflict) as raised:
        tasks.changed_since("http://radicale.org/ns/sync/0000")
    assert "changed_since(None)" in str(raised.value)


def test_without_server_sync_changes_are_found_by_comparing_etags(
    tasks: CalDAVCollection, phone: Phone
) -> None:
    # As if the server lacked RFC 6578: no public switch exists, as every
    # server that has it should use it.
    tasks._sync_supported = False
    tasks.put("a@crmcore", vtodo("a@crmcore"))
    tasks.put("b@crmcore", vtodo("b@crmcore"))
    gone = tasks.put("c@crmcore", vtodo("c@crmcore"))
    everything, _, token = tasks.changed_since(None)
    assert len(everything) == 3
    assert not token.startswith("http://radicale.org/")

    phone.rewrite("a@crmcore", vtodo("a@crmcore", done=True))
    phone.delete("c@crmcore")
    changed, deleted, next_token = tasks.changed_since(token)

    assert [item.uid for item in changed] == ["a@crmcore"]
    assert deleted == [gone.href]
    assert tasks.changed_since(next_token)[:2] == ([], [])
    with pytest.raises(ValidationError) as raised:
        tasks.changed_since(token[:-8])
    assert raised.value.field == "token"


# ---------------------------------------------------------------- failures


def test_a_wrong_password_raises_permission_denied_without_the_password(
    server: RadicaleServer, open_collection: Callable[..., CalDAVCollection]
) -> None:
    wrong = "неверный-пароль-7"
    with pytest.raises(PermissionDenied) as raised:
        open_collection(name="crm", password=wrong)
    message = str(raised.value)
    assert "username and password" in message
    assert wrong not in message
    assert server.password not in message


def test_another_users_collection_is_refused(
    server: RadicaleServer, open_collection: Callable[..., CalDAVCollection]
) -> None:
    with pytest.raises(PermissionDenied):
        open_collection(f"{server.url}olga/crm/")


def test_credentials_in_the_url_are_used_and_never_shown(
    server: RadicaleServer,
) -> None:
    user = server.username
    secret = server.password
    netloc = server.url.removeprefix("http://")
    with CalDAVCollection(f"http://{user}:{secret}@{netloc}", name="crm") as tasks:
        assert tasks.url == f"{server.home}crm/"
        assert secret not in repr(tasks)
    with pytest.raises(PermissionDenied) as raised:
        CalDAVCollection(f"http://{user}:not-{secret}@{netloc}", name="crm")
    assert secret not in str(raised.value)


def _closed_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_a_server_that_is_down_raises_storage_error_naming_the_url() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/iryna/crm/"
    with pytest.raises(StorageError) as raised:
        CalDAVCollection(url, username="iryna", password="секрет-42", timeout=5)
    assert url in str(raised.value)
    assert "секрет-42" not in str(raised.value)


def test_a_server_that_never_answers_raises_storage_error_after_the_timeout() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/iryna/crm/"
        with pytest.raises(StorageError) as raised:
            CalDAVCollection(url, username="iryna", password="x", timeout=0.5)
    assert url in str(raised.value)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "not a url",
        "ftp://example.org/calendars/",
        "http://",
        "http://example.org:99999/crm/",
        "http://[::1/crm/",
        "https://example.org/crm/?x=1",
        "https://example.org/c rm/",
    ],
)
def test_a_malformed_url_raises_validation_error(url: str) -> None:
    with pytest.raises(ValidationError) as raised:
        CalDAVCollection(url)
    assert raised.value.field == "url"


def test_a_malformed_url_is_reported_without_its_password() -> None:
    with pytest.raises(ValidationError) as raised:
        CalDAVCollection("ftp://iryna:tajna-99@example.org/crm/")
    assert "tajna-99" not in str(raised.value)


def test_without_the_caldav_package_a_plugin_error_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "caldav", None)
    with pytest.raises(PluginError) as raised:
        CalDAVCollection("https://example.org/iryna/crm/")
    assert "pip install 'crmcore[caldav]'" in str(raised.value)


# ---------------------------------------------------------------- odd servers

_CALENDAR_PROPS = """<?xml version="1.0" encoding="utf-8"?>
<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><response>
<href>/cal/</href><propstat><prop><resourcetype><collection/><C:calendar/></resourcetype>
</prop><status>HTTP/1.1 200 OK</status></propstat></response></multistatus>"""


def _response(href: str, data: str, etag: str = '"1"') -> str:
    return (
        f"<response><href>{href}</href><propstat><prop><getetag>{etag}</getetag>"
        f"<C:calendar-data>{data}</C:calendar-data></prop>"
        "<status>HTTP/1.1 200 OK</status></propstat></response>"
    )


_ODD_ITEMS = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<multistatus xmlns="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    + _response("/cal/broken%20one.ics", "this is no calendar &amp; never was")
    + _response(
        "/cal/alarm.ics",
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nBEGIN:VALARM\nUID:alarm-uid\nEND:VALARM\n"
        "UID:the-event\nEND:VEVENT\nEND:VCALENDAR\n",
    )
    + _response(
        "/cal/diary.ics", "BEGIN:VCALENDAR\nBEGIN:VJOURNAL\nUID:j\nEND:VJOURNAL\nEND:VCALENDAR"
    )
    + _response("/elsewhere/x.ics", "BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:x\nEND:VTODO\nEND:VCALENDAR")
    + _response(
        "http://far.away.invalid/cal/moved.ics",
        "BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:moved\nEND:VTODO\nEND:VCALENDAR",
    )
    + "<response><href>/cal/gone.ics</href><status>HTTP/1.1 404 Not Found</status></response>"
    + "</multistatus>"
)


class _CannedHandler(http.server.BaseHTTPRequestHandler):
    """Answers PROPFIND as a calendar at /cal/ and REPORT with the server's canned reply."""

    server: _CannedServer

    def _answer(self, status: int, body: str, content_type: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        payload = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def do_PROPFIND(self) -> None:
        self._answer(207, _CALENDAR_PROPS, "application/xml; charset=utf-8")

    def do_REPORT(self) -> None:
        self._answer(*self.server.report)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _CannedServer(http.server.ThreadingHTTPServer):
    def __init__(self, report: tuple[int, str, str]) -> None:
        super().__init__(("127.0.0.1", 0), _CannedHandler)
        self.report = report


@pytest.fixture
def canned() -> Iterator[Callable[[int, str, str], str]]:
    """``canned(status, body, content_type)``: the URL of /cal/ on a server answering REPORT so."""
    servers: list[_CannedServer] = []

    def start(status: int, body: str, content_type: str) -> str:
        server = _CannedServer((status, body, content_type))
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/cal/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def test_odd_items_are_returned_by_resource_name_and_foreign_ones_left_out(
    canned: Callable[[int, str, str], str],
) -> None:
    url = canned(207, _ODD_ITEMS, "application/xml; charset=utf-8")
    with CalDAVCollection(url) as collection:
        items = {item.uid: item for item in collection.items()}

    assert sorted(items) == ["broken one", "moved", "the-event"]
    assert items["broken one"].href == f"{url}broken%20one.ics"
    assert items["broken one"].ics == b"this is no calendar & never was"
    assert items["broken one"].etag == '"1"'
    # An absolute href to another host is taken as a path on this server.
    assert items["moved"].href == f"{url}moved.ics"


@pytest.mark.parametrize(
    ("status", "body", "content_type"),
    [
        (500, "Internal Server Error", "text/plain"),
        (503, "down for maintenance", "text/plain"),
        (207, "<multistatus><response>", "text/plain"),
        (207, "<multistatus><response>", "application/xml"),
    ],
    ids=["500", "503", "broken-xml-as-text", "broken-xml"],
)
def test_server_errors_and_broken_xml_raise_storage_error(
    canned: Callable[[int, str, str], str], status: int, body: str, content_type: str
) -> None:
    url = canned(status, body, content_type)
    with CalDAVCollection(url) as collection, pytest.raises(StorageError) as raised:
        collection.items()
    assert url in str(raised.value)
