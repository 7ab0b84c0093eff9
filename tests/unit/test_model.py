"""The attrs model: validation names the field; values convert; rules hold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crmcore import Client, ClientKind, ContactPerson, Employee, Event, EventType
from crmcore.domain import TimelineEntry, TimelineFilter, new_id, search_key
from crmcore.domain.history import diff, encode_value
from crmcore.domain.search import ClientSearch
from crmcore.domain.timeline import decode_cursor, encode_cursor
from crmcore.errors import DuplicateError, StaleObject, ValidationError

NOW = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)


def test_client_strips_and_converts_its_fields() -> None:
    client = Client(code=" 22910019 ", name=" ДЕЛІКАТЕС  ТОВ ", kind="customer", tags=["опт"])
    assert (client.code, client.name, client.kind) == (
        "22910019",
        "ДЕЛІКАТЕС  ТОВ",
        ClientKind.CUSTOMER,
    )
    assert client.tags == ("опт",)
    assert client.name_key == "делікатес тов"


@pytest.mark.parametrize(
    ("fields", "field", "problem"),
    [
        ({"name": ""}, "name", "must not be empty"),
        ({"name": 5}, "name", "must be str, not int"),
        ({"name": "a\x00b"}, "name", "control characters"),
        ({"name": "x" * 501}, "name", "longer than 500"),
        ({"kind": "friend"}, "kind", "is not one of"),
        ({"archived": 1}, "archived", "must be bool"),
        ({"emails": ("a@b",)}, "emails[0]", "is not an e-mail"),
        ({"created_at": datetime(2014, 1, 1)}, "created_at", "timezone-aware"),
        ({"responsible_id": "123"}, "responsible_id", "must be UUID"),
        ({"version": -1}, "version", "non-negative"),
        ({"tags": ("x" * 101,)}, "tags[0]", "longer than 100"),
    ],
)
def test_bad_client_fields_are_refused_by_name(
    fields: dict[str, object], field: str, problem: str
) -> None:
    with pytest.raises(ValidationError) as caught:
        Client(**{"code": "1", "name": "ПДВ", **fields})  # type: ignore[arg-type]
    assert caught.value.field == field
    assert problem in caught.value.problem


def test_evolve_validates_too() -> None:
    client = Client(code="1", name="ПДВ")
    with pytest.raises(ValidationError):
        attrs.evolve(client, name="")


def test_employee_time_zone_must_be_iana() -> None:
    assert Employee(code="1", name="Мельник Іван", time_zone="America/New_York").time_zone
    with pytest.raises(ValidationError) as caught:
        Employee(code="1", name="Мельник Іван", time_zone="EET+2")
    assert caught.value.field == "time_zone"


def test_event_moment_is_kept_in_utc_and_must_be_aware() -> None:
    kyiv_morning = datetime(2014, 11, 5, 11, 0, tzinfo=timezone(timedelta(hours=2)))
    event = Event(type_code="ВхЗ", occurred_at=kyiv_morning, subject="Дзвінок")
    assert event.occurred_at == kyiv_morning
    assert event.occurred_at.tzinfo is UTC
    with pytest.raises(ValidationError) as caught:
        Event(type_code="ВхЗ", occurred_at=datetime(2014, 11, 5), subject="Дзвінок")
    assert caught.value.field == "occurred_at"
    with pytest.raises(ValidationError) as negative:
        Event(type_code="ВхЗ", occurred_at=NOW, subject="x", duration=timedelta(seconds=-1))
    assert negative.value.field == "duration"


def test_event_type_converts_category_and_direction() -> None:
    visit = EventType(code="Выезд", name="Выезд", category="meeting", direction="outgoing")
    assert (visit.category.value, visit.direction.value) == ("meeting", "outgoing")
    with pytest.raises(ValidationError) as caught:
        EventType(code="X", name="X", category="telepathy")
    assert caught.value.field == "category"


def test_contact_needs_a_client_id() -> None:
    with pytest.raises(ValidationError) as caught:
        ContactPerson(client_id="1", name="Іван")  # type: ignore[arg-type]
    assert caught.value.field == "client_id"


def test_diff_lists_changed_fields_as_json_and_ignores_bookkeeping() -> None:
    before = Client(code="1", name="ПДВ", version=1, updated_at=NOW)
    after = attrs.evolve(
        before, name="ПДВ ТОВ", kind="customer", version=2, updated_at=NOW + timedelta(1)
    )
    assert list(diff(before, after)) == [
        ("name", '"ПДВ"', '"ПДВ ТОВ"'),
        ("kind", '"prospect"', '"customer"'),
    ]
    assert encode_value((NOW, timedelta(seconds=90), UUID(int=1))) == (
        '["2014-11-05T09:00:00+00:00", 90.0, "00000000-0000-0000-0000-000000000001"]'
    )


def test_search_key_folds_case_in_any_alphabet() -> None:
    assert search_key("  ДЕЛІКАТЕС   ТОВ ") == "делікатес тов"
    assert search_key("Straße") == "strasse"
    assert ClientSearch(text="ДЕЛІКАТЕС").text == "делікатес"
    assert ClientSearch(text="   ").text is None


def test_client_search_reference_semantics() -> None:
    client = Client(code="22910019", name="ДЕЛІКАТЕС ТОВ", emails=("Office@Delicates.ua",))
    assert ClientSearch(text="лікат").admits(client)
    assert ClientSearch(text="22910019").admits(client)
    assert not ClientSearch(text="2291").admits(client)
    assert ClientSearch(email="OFFICE@delicates.ua").admits(client)
    assert not ClientSearch(kind=ClientKind.CUSTOMER).admits(client)
    assert not ClientSearch().admits(attrs.evolve(client, archived=True))
    with pytest.raises(ValidationError):
        ClientSearch(limit=1001)


@given(st.datetimes(timezones=st.just(UTC)), st.uuids())
def test_cursor_round_trips_any_position(at: datetime, key: UUID) -> None:
    assert decode_cursor(encode_cursor(at, key)) == (at, key)


@pytest.mark.parametrize(
    "cursor", ["", "!!!", "bm90LWEtY3Vyc29y", encode_cursor(NOW, new_id())[:-3]]
)
def test_garbage_cursor_is_refused(cursor: str) -> None:
    with pytest.raises(ValidationError) as caught:
        decode_cursor(cursor)
    assert caught.value.field == "cursor"


def test_ids_are_version_7_and_sort_in_creation_order() -> None:
    ids = [new_id() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == 2000
    assert {i.version for i in ids} == {7}


def test_timeline_filter_since_is_inclusive_and_until_exclusive() -> None:
    entry = TimelineEntry(
        client_id=new_id(),
        occurred_at=NOW,
        kind="event",
        source_id=new_id(),
        title="x",
        type_code="ВхЗ",
    )
    assert TimelineFilter(since=NOW).admits(entry)
    assert not TimelineFilter(until=NOW).admits(entry)
    assert TimelineFilter(type_codes=frozenset({"ВхЗ"}), kinds=frozenset({"event"})).admits(entry)
    assert not TimelineFilter(kinds=frozenset({"task"})).admits(entry)


def test_errors_form_one_hierarchy() -> None:
    duplicate = DuplicateError("code", "1")
    assert isinstance(duplicate, ValidationError)
    assert duplicate.field == "code"
    stale = StaleObject("client", "1", 1, 2)
    assert "version 1" in str(stale)
    assert ValidationError("name", "x").at("rows[3]").field == "rows[3].name"
