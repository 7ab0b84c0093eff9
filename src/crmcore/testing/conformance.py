"""The conformance suite: behaviour every crmcore storage backend must show.

It drives crmcore only through its public API, so the same tests run on the
memory backend (the reference), SQLite, PostgreSQL and any backend a host
plugs in.  Subclass :class:`StorageConformance` and provide a ``crm_factory``
fixture: a callable taking :func:`crmcore.open`'s keyword arguments and
returning a CRM on a fresh, empty database (calls within one test must reach
the same database).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import pytest

import crmcore
from crmcore import CRM, Client, ClientKind, hookimpl
from crmcore.errors import (
    DuplicateError,
    NotFound,
    PermissionDenied,
    StaleObject,
    ValidationError,
)
from crmcore.testing import ManualClock
from crmcore.testing.conformance_notifications import NotificationConformance
from crmcore.testing.conformance_tasks import TaskConformance

__all__ = ["StorageConformance"]

CrmFactory = Callable[..., CRM]
KYIV = ZoneInfo("Europe/Kyiv")
START = datetime(2014, 11, 5, 9, 0, tzinfo=UTC)


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


def _identify(crm: CRM, number: str) -> crmcore.CallerMatch:
    match = crm.telephony.identify(number)
    assert match is not None, f"nobody found for {number}"
    return match


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


class StorageConformance(TaskConformance, NotificationConformance):
    """Subclass with a ``crm_factory`` fixture; every test here must pass."""

    @pytest.fixture
    def clock(self) -> ManualClock:
        return ManualClock(START)

    @pytest.fixture
    def crm(self, crm_factory: CrmFactory, clock: ManualClock) -> CRM:
        return crm_factory(clock=clock)

    @pytest.fixture
    def seed(self, crm: CRM) -> dict[str, Any]:
        return seed_brochure(crm)

    # --- clients ----------------------------------------------------------

    def test_client_is_stored_with_id_version_and_timestamps(
        self, crm: CRM, clock: ManualClock
    ) -> None:
        client = crm.clients.create(code=" 22910019 ", name=" ДЕЛІКАТЕС ТОВ ", tax_code="22910019")
        assert isinstance(client.id, UUID)
        assert (client.code, client.name, client.version) == ("22910019", "ДЕЛІКАТЕС ТОВ", 1)
        assert client.created_at == client.updated_at == clock()
        assert crm.clients.get(client.id) == client
        assert crm.clients.get("22910019") == client

    def test_client_lists_round_trip_in_order(self, crm: CRM) -> None:
        client = crm.clients.create(
            code="7",
            name="СОЛО ТОВ",
            phones=["+38 (044) 206-72-22", "067 123 45 67", "0442067222"],
            emails=["a@solo.ua", "b@solo.ua"],
            tags=["опт", "vip"],
            addresses=[
                "м. Київ, вул. Фрунзе, 102",
                {"text": "а/с 15", "kind": "postal", "postcode": "04080"},
            ],
            notes="Перший контакт на виставці",
        )
        stored = crm.clients.get(client.id)
        assert [p.e164 for p in stored.phones] == ["+380442067222", "+380671234567"]
        assert stored.emails == ("a@solo.ua", "b@solo.ua")
        assert stored.tags == ("опт", "vip")
        assert [a.kind.value for a in stored.addresses] == ["legal", "postal"]
        assert stored.addresses[1].postcode == "04080"
        assert stored == client

    def test_unknown_client_is_not_found(self, crm: CRM) -> None:
        with pytest.raises(NotFound):
            crm.clients.get("nope")

    def test_duplicate_client_code_is_refused_and_writes_nothing(self, crm: CRM) -> None:
        crm.clients.create(code="22910019", name="ДЕЛІКАТЕС ТОВ")
        with pytest.raises(DuplicateError) as caught:
            crm.clients.create(code="22910019", name="Інший")
        assert caught.value.field == "code"
        assert [c.name for c in crm.clients.search()] == ["ДЕЛІКАТЕС ТОВ"]

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"name": ""}, "name"),
            ({"name": "   "}, "name"),
            ({"name": 123}, "name"),
            ({"code": ""}, "code"),
            ({"phones": ["044 206 72 22", "не телефон"]}, "phones[1]"),
            ({"phones": ["1"]}, "phones[0]"),
            ({"emails": ["not-an-email"]}, "emails[0]"),
            ({"kind": "friend"}, "kind"),
            ({"responsible": "no-such-employee"}, "responsible"),
            ({"tags": [""]}, "tags[0]"),
            ({"addresses": [42]}, "addresses[0].text"),
        ],
    )
    def test_bad_client_input_names_the_field_and_writes_nothing(
        self, crm: CRM, fields: dict[str, Any], field: str
    ) -> None:
        arguments = {"code": "100", "name": "Клієнт", **fields}
        with pytest.raises(ValidationError) as caught:
            crm.clients.create(**arguments)
        assert caught.value.field == field
        assert crm.clients.search(include_archived=True) == []

    def test_update_changes_fields_bumps_version_and_records_history(
        self, crm: CRM, seed: dict[str, Any], clock: ManualClock
    ) -> None:
        client = seed["neptune"]
        clock.advance(hours=1)
        updated = crm.acting_as(seed["oleg"]).clients.update(
            client, kind="customer", phones=["044 123 45 67", "050 111 22 33"], responsible="3"
        )
        assert updated.version == client.version + 1
        assert updated.kind is ClientKind.CUSTOMER
        assert updated.responsible_id == seed["oleg"].id
        assert updated.updated_at == clock()
        assert crm.clients.get(client.id) == updated
        changes = crm.history.of(updated)
        assert changes[0].action.value == "create"
        fields = {c.field: c for c in changes[1:]}
        assert set(fields) == {"kind", "phones", "responsible_id"}
        assert fields["kind"].old_value() == "prospect"
        assert fields["kind"].new_value() == "customer"
        assert fields["kind"].actor_name == "Кононов Олег Васильович"
        assert fields["kind"].actor_id == seed["oleg"].id
        assert fields["kind"].at == clock()

    def test_update_from_a_stale_copy_raises_and_writes_nothing(self, crm: CRM) -> None:
        first = crm.clients.create(code="5", name="ОЛЕНКА ТОВ")
        crm.clients.update(first, name="ОЛЕНКА ТОВ (Київ)")
        with pytest.raises(StaleObject):
            crm.clients.update(first, name="Олена")
        assert crm.clients.get("5").name == "ОЛЕНКА ТОВ (Київ)"
        assert len(crm.history.of(first)) == 2

    def test_update_without_a_change_keeps_the_version(self, crm: CRM) -> None:
        client = crm.clients.create(code="5", name="ОЛЕНКА ТОВ")
        assert crm.clients.update(client, name="ОЛЕНКА ТОВ").version == 1
        assert len(crm.history.of(client)) == 1

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"colour": "green"}, "colour"),
            ({"version": 7}, "version"),
            ({"archived": True}, "archived"),
            ({"name": ""}, "name"),
            ({"phones": ["abc"]}, "phones[0]"),
            ({"code": "1"}, "code"),
        ],
    )
    def test_bad_update_names_the_field_and_writes_nothing(
        self, crm: CRM, seed: dict[str, Any], changes: dict[str, Any], field: str
    ) -> None:
        client = seed["neptune"]
        with pytest.raises(ValidationError) as caught:
            crm.clients.update(client, **changes)
        assert caught.value.field == field
        assert crm.clients.get(client.id) == client

    def test_archived_client_leaves_search_and_caller_id_until_restored(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        archived = crm.clients.archive(seed["delicatessen"])
        assert archived.archived
        assert crm.clients.search("делікатес") == []
        assert crm.clients.search("делікатес", include_archived=True) == [archived]
        assert crm.telephony.identify("044 490 12 34") is None
        crm.clients.restore(archived)
        assert _identify(crm, "044 490 12 34").client.code == "22910019"
        assert [c.action.value for c in crm.history.of(archived)] == [
            "create",
            "archive",
            "restore",
        ]

    # --- search -------------------------------------------------------------

    def test_search_matches_any_part_of_the_name_in_any_case_and_alphabet(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert [c.code for c in crm.clients.search("делікатес")] == ["22910019"]
        assert [c.code for c in crm.clients.search("ТОВ")] == ["22910019"]
        assert [c.code for c in crm.clients.search("нептун")] == ["06951937"]
        assert [c.code for c in crm.clients.search("06951937")] == ["06951937"]
        assert crm.clients.search("100%_") == []

    def test_search_orders_by_name_and_respects_limit(self, crm: CRM) -> None:
        names = ["Явір", "Альфа", "алмаз", "Бета", "Їжак", "Ґанок", "Гора", "Єва", "Ежик", "Apple"]
        for code, name in enumerate(names):
            crm.clients.create(code=str(code), name=name)
        assert [c.name for c in crm.clients.search()] == [
            "Apple",
            "алмаз",
            "Альфа",
            "Бета",
            "Гора",
            "Ґанок",
            "Ежик",
            "Єва",
            "Їжак",
            "Явір",
        ]
        assert [c.name for c in crm.clients.search(limit=2)] == ["Apple", "алмаз"]
        with pytest.raises(ValidationError) as caught:
            crm.clients.search(limit=0)
        assert caught.value.field == "limit"

    def test_search_by_phone_email_kind_tag_code_and_responsible(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        erp = crm.clients.create(code="90000014", name="ДИЛЕР ТОВ", external_id="erp:18")
        assert crm.clients.search(external_id="erp:18") == [erp]
        assert [c.code for c in crm.clients.search(phone="+380442067222")] == ["1"]
        assert [c.code for c in crm.clients.search(phone="(044) 490-12-34")] == ["22910019"]
        assert [c.code for c in crm.clients.search(phone="2007")] == ["1"]
        assert [c.code for c in crm.clients.search(email="office@delicates.UA")] == ["22910019"]
        assert [c.code for c in crm.clients.search(kind="customer")] == ["22910019"]
        assert [c.code for c in crm.clients.search(tag="опт")] == ["22910019"]
        assert [c.code for c in crm.clients.search(code="06951937")] == ["06951937"]
        assert [c.code for c in crm.clients.search(responsible="2")] == ["22910019"]
        assert crm.clients.search("делікатес", kind="prospect") == []

    # --- contacts -----------------------------------------------------------

    def test_contacts_of_a_client_are_listed_by_name_without_archived(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert [c.name for c in crm.contacts.list(seed["pdv"])] == ["Алена", "Петров Иван Иванович"]
        crm.contacts.archive(seed["alena"])
        assert [c.name for c in crm.contacts.list("1")] == ["Петров Иван Иванович"]
        assert len(crm.contacts.list("1", include_archived=True)) == 2

    def test_contact_update_replaces_phones_for_caller_id(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        contact = crm.contacts.update(seed["alena"], phones=["067 555 44 33"], position="Бухгалтер")
        assert contact.position == "Бухгалтер"
        assert crm.telephony.identify("2008") is None
        assert _identify(crm, "0675554433").contact == contact
        assert crm.contacts.get(contact.id) == contact

    def test_contact_of_unknown_client_is_refused(self, crm: CRM) -> None:
        with pytest.raises(ValidationError) as caught:
            crm.contacts.create("nope", name="Іван")
        assert caught.value.field == "client"

    # --- employees and actors -------------------------------------------------

    def test_employees_are_listed_by_code_and_archived_ones_hidden(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert [e.code for e in crm.employees.list()] == ["1", "2", "3"]
        crm.employees.archive("2")
        assert [e.code for e in crm.employees.list()] == ["1", "3"]
        assert crm.employees.get("2").archived

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"time_zone": "Europe/Atlantis"}, "time_zone"),
            ({"email": "nope"}, "email"),
            ({"extension": "20a"}, "extension"),
            ({"name": ""}, "name"),
            ({"phone": "1"}, "phone"),
        ],
    )
    def test_bad_employee_input_is_refused(
        self, crm: CRM, fields: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            crm.employees.create(**{"code": "9", "name": "Мельник Іван", **fields})
        assert caught.value.field == field
        assert crm.employees.list(include_archived=True) == []

    def test_duplicate_employee_code_is_refused(self, crm: CRM, seed: dict[str, Any]) -> None:
        with pytest.raises(DuplicateError):
            crm.employees.create(code="1", name="Двійник")

    def test_archived_employee_cannot_act(self, crm: CRM, seed: dict[str, Any]) -> None:
        crm.employees.archive(seed["iryna"])
        with pytest.raises(ValidationError):
            crm.acting_as("2")
        with pytest.raises(ValidationError):
            crm.acting_as("nobody")

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

    # --- event types --------------------------------------------------------

    def test_system_event_types_exist_and_are_fixed(self, crm: CRM) -> None:
        codes = {t.code for t in crm.event_types.list()}
        assert {
            "ВхЗ",
            "ИсхЗ",
            "ПрЗ",
            "Встр",
            "ВхП",
            "ИсхП",
            "ВхСМС",
            "ИсхСМС",
            "Письмо",
            "Зам",
        } <= codes
        incoming = crm.event_types.get("ВхЗ")
        assert (incoming.name, incoming.category.value, incoming.direction.value) == (
            "Входящий звонок",
            "call",
            "incoming",
        )
        with pytest.raises(PermissionDenied):
            crm.event_types.archive("ВхЗ")
        with pytest.raises(PermissionDenied):
            crm.event_types.update("ВхЗ", name="Дзвінок")

    def test_user_event_type_can_be_added_renamed_and_archived(self, crm: CRM) -> None:
        visit = crm.event_types.create(code="Выезд", name="Выезд к клиенту", category="meeting")
        assert not visit.system
        renamed = crm.event_types.update("Выезд", name="Виїзд до клієнта")
        assert crm.event_types.get("Выезд").name == "Виїзд до клієнта"
        crm.event_types.archive(renamed)
        assert "Выезд" not in {t.code for t in crm.event_types.list()}
        assert "Выезд" in {t.code for t in crm.event_types.list(include_archived=True)}

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"code": "ВхЗ"}, "code"),
            ({"category": "telepathy"}, "category"),
            ({"direction": "sideways"}, "direction"),
            ({"name": ""}, "name"),
        ],
    )
    def test_bad_event_type_is_refused(self, crm: CRM, fields: dict[str, Any], field: str) -> None:
        arguments = {"code": "Нове", "name": "Нове", **fields}
        before = crm.event_types.list(include_archived=True)
        with pytest.raises(ValidationError) as caught:
            crm.event_types.create(**arguments)
        assert caught.value.field == field
        assert crm.event_types.list(include_archived=True) == before

    def test_plugin_event_types_are_registered_on_open(self, crm_factory: CrmFactory) -> None:
        class Visits:
            @hookimpl
            def crmcore_event_types(self, register: Callable[[Any], None]) -> None:
                register(
                    crmcore.EventType(code="Выезд", name="Выезд к клиенту", category="meeting")
                )

        crm = crm_factory(plugins=[Visits()])
        assert crm.event_types.get("Выезд").name == "Выезд к клиенту"
        crm.events.log(crm.clients.create(code="1", name="ПДВ"), type="Выезд", occurred_at=START)

    # --- events ----------------------------------------------------------------

    def test_logged_event_has_defaults_and_shows_on_the_timeline(
        self, crm: CRM, seed: dict[str, Any], clock: ManualClock
    ) -> None:
        me = crm.acting_as(seed["iryna"])
        event = me.events.log(contact=seed["petrov"], type="ВхЗ", details="Запит ціни на ковбаси")
        assert event.client_id == seed["pdv"].id
        assert event.employee_id == seed["iryna"].id
        assert event.subject == "Входящий звонок"
        assert event.occurred_at == clock()
        assert crm.events.get(event.id) == event
        [entry] = crm.timeline(seed["pdv"]).items
        assert (entry.kind, entry.source_id, entry.type_code) == ("event", event.id, "ВхЗ")
        assert entry.summary == "Запит ціни на ковбаси"
        assert entry.contact_id == seed["petrov"].id

    def test_event_keeps_moment_in_utc_and_duration(self, crm: CRM, seed: dict[str, Any]) -> None:
        local = datetime(2014, 11, 5, 11, 30, tzinfo=KYIV)
        event = crm.events.log(seed["pdv"], type="ИсхЗ", occurred_at=local, duration=95.5)
        stored = crm.events.get(event.id)
        assert stored.occurred_at == local
        assert stored.occurred_at.utcoffset() == timedelta(0)
        assert stored.duration == timedelta(seconds=95.5)

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"type": "НЕМА"}, "type"),
            ({"occurred_at": datetime(2014, 11, 5, 9, 0)}, "occurred_at"),
            ({"occurred_at": "2014-11-05"}, "occurred_at"),
            ({"subject": ""}, "subject"),
            ({"employee": "nobody"}, "employee"),
            ({"client": "nope"}, "client"),
            ({"duration": -5}, "duration"),
            ({"contact": "not-an-id"}, "contact"),
        ],
    )
    def test_bad_event_is_refused_and_writes_nothing(
        self, crm: CRM, seed: dict[str, Any], fields: dict[str, Any], field: str
    ) -> None:
        arguments = {"client": seed["pdv"], "type": "ВхЗ", **fields}
        with pytest.raises(ValidationError) as caught:
            crm.events.log(**arguments)
        assert caught.value.field == field
        assert len(crm.timeline(seed["pdv"])) == 0

    @pytest.mark.parametrize("archived", ["client", "contact", "employee"])
    def test_events_of_archived_parties_are_refused(
        self, crm: CRM, seed: dict[str, Any], archived: str
    ) -> None:
        if archived == "client":
            crm.clients.archive(seed["pdv"])
        elif archived == "contact":
            crm.contacts.archive(seed["petrov"])
        else:
            crm.employees.archive(seed["oleg"])
        with pytest.raises(ValidationError) as caught:
            crm.events.log(seed["pdv"], type="ВхЗ", contact=seed["petrov"], employee=seed["oleg"])
        assert caught.value.field == archived

    @pytest.mark.parametrize(
        ("service", "changes"),
        [
            ("clients", {"responsible_id": UUID(int=1)}),
            ("contacts", {"client_id": UUID(int=1)}),
            ("events", {"client_id": UUID(int=1)}),
            ("events", {"type_code": "Зам"}),
        ],
    )
    def test_update_refuses_stored_ids_set_directly(
        self, crm: CRM, seed: dict[str, Any], service: str, changes: dict[str, Any]
    ) -> None:
        target = {
            "clients": seed["pdv"],
            "contacts": seed["petrov"],
            "events": crm.events.log(seed["pdv"], type="ВхЗ"),
        }[service]
        with pytest.raises(ValidationError) as caught:
            getattr(crm, service).update(target, **changes)
        assert caught.value.field == next(iter(changes))

    def test_wrong_kind_of_reference_is_a_validation_error(self, crm: CRM) -> None:
        with pytest.raises(ValidationError):
            crm.clients.get(42)  # type: ignore[arg-type]
        with pytest.raises(ValidationError):
            crm.events.get("not-an-id")  # type: ignore[arg-type]

    def test_contact_of_another_client_is_refused(self, crm: CRM, seed: dict[str, Any]) -> None:
        with pytest.raises(ValidationError) as caught:
            crm.events.log(seed["neptune"], type="ВхЗ", contact=seed["petrov"])
        assert caught.value.field == "contact"

    def test_archived_event_type_is_refused_for_new_events(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        crm.event_types.create(code="Старе", name="Старе")
        crm.event_types.archive("Старе")
        with pytest.raises(ValidationError) as caught:
            crm.events.log(seed["pdv"], type="Старе")
        assert caught.value.field == "type"

    def test_logging_the_same_external_ref_twice_stores_one_event(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        first = crm.events.log(seed["pdv"], type="ВхЗ", external_ref="pbx:1001")
        again = crm.events.log(seed["pdv"], type="ВхЗ", external_ref="pbx:1001", subject="інше")
        assert again == first
        assert len(crm.timeline(seed["pdv"])) == 1
        assert crm.events.find_by_external_ref("pbx:1001") == first

    def test_event_update_moves_its_timeline_entry(
        self, crm: CRM, seed: dict[str, Any], clock: ManualClock
    ) -> None:
        event = crm.events.log(seed["pdv"], type="ВхЗ", subject="Дзвінок")
        moved = crm.events.update(
            event,
            client=seed["neptune"],
            subject="Дзвінок Нептуну",
            type="ИсхЗ",
            occurred_at=START - timedelta(days=1),
        )
        assert moved.version == 2
        assert len(crm.timeline(seed["pdv"])) == 0
        [entry] = crm.timeline(seed["neptune"]).items
        assert (entry.title, entry.type_code, entry.occurred_at) == (
            "Дзвінок Нептуну",
            "ИсхЗ",
            START - timedelta(days=1),
        )
        assert {c.field for c in crm.history.of(moved) if c.field} == {
            "client_id",
            "subject",
            "type_code",
            "occurred_at",
        }
        with pytest.raises(StaleObject):
            crm.events.update(event, subject="зі старої копії")

    def test_archived_event_leaves_the_timeline_until_restored(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        event = crm.events.log(seed["pdv"], type="Зам", subject="Нотатка")
        crm.events.archive(event.id)
        assert len(crm.timeline(seed["pdv"])) == 0
        crm.events.restore(event.id)
        assert [e.title for e in crm.timeline(seed["pdv"])] == ["Нотатка"]

    def test_event_without_client_is_stored_but_not_on_a_timeline(self, crm: CRM) -> None:
        event = crm.events.log(type="ПрЗ", subject="Пропущений з 0671112233")
        assert event.client_id is None
        assert crm.events.get(event.id).subject == "Пропущений з 0671112233"

    # --- bulk import ----------------------------------------------------------------

    def test_import_stores_rows_and_skips_already_imported_refs(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        rows = [
            {
                "client": "1" if i % 2 else "22910019",
                "type": "ВхЗ",
                "occurred_at": START + timedelta(minutes=i),
                "subject": f"Дзвінок {i}",
                "employee": "2",
                "external_ref": f"pbx:{i}",
            }
            for i in range(25)
        ]
        rows[0]["client"] = seed["delicatessen"]
        report = crm.events.import_many(rows, batch_size=7)
        assert (report.created, report.skipped) == (25, 0)
        again = crm.events.import_many([*rows[:10], {**rows[0], "external_ref": "pbx:new"}])
        assert (again.created, again.skipped) == (1, 10)
        repeated = [{**rows[0], "external_ref": "pbx:twice"}] * 3
        assert crm.events.import_many(repeated, batch_size=1) == crmcore.ImportReport(1, 2)
        titles = [e.title for e in crm.timeline("1", limit=100)]
        assert titles[0] == "Дзвінок 23"
        assert len(titles) == 12
        imported = crm.events.find_by_external_ref("pbx:3")
        assert imported is not None
        assert imported.employee_id == seed["iryna"].id
        assert crm.history.of(imported)[0].action.value == "create"

    def test_import_with_a_bad_row_names_it_and_writes_nothing(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        rows: list[dict[str, Any]] = [
            {"client": "1", "type": "ВхЗ", "occurred_at": START + timedelta(minutes=i)}
            for i in range(10)
        ]
        rows[7]["occurred_at"] = datetime(2014, 11, 5, 9, 0)
        with pytest.raises(ValidationError) as caught:
            crm.events.import_many(rows, batch_size=3)
        assert caught.value.field == "rows[7].occurred_at"
        assert len(crm.timeline("1")) == 0
        with pytest.raises(ValidationError) as unknown:
            crm.events.import_many([{"client": "missing", "type": "ВхЗ", "occurred_at": START}])
        assert unknown.value.field == "rows[0].client"
        with pytest.raises(ValidationError) as extra:
            crm.events.import_many(
                [{"client": "1", "type": "ВхЗ", "occurred_at": START, "colour": 1}]
            )
        assert extra.value.field == "rows[0].colour"

    # --- timeline -----------------------------------------------------------------------

    def test_timeline_pages_newest_first_without_gaps_or_repeats(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        same_moment = START + timedelta(hours=1)
        for i in range(23):
            at = same_moment if i % 5 == 0 else START + timedelta(minutes=i)
            crm.events.log(seed["pdv"], type="ВхЗ", subject=f"#{i}", occurred_at=at)
        seen: list[str] = []
        page = crm.timeline(seed["pdv"], limit=4)
        pages = 1
        while True:
            seen.extend(e.title for e in page)
            if page.next_cursor is None:
                break
            crm.events.log(
                seed["pdv"], type="Зам", subject="пізніше", occurred_at=START + timedelta(days=1)
            )
            page = crm.timeline(seed["pdv"], limit=4, cursor=page.next_cursor)
            pages += 1
        assert sorted(seen) == sorted(f"#{i}" for i in range(23))
        assert pages == 6
        entries = crm.timeline(seed["pdv"], types="ВхЗ", limit=100).items
        keys = [(e.occurred_at, e.id) for e in entries]
        assert keys == sorted(keys, reverse=True)

    def test_timeline_filters_by_type_kind_and_period(self, crm: CRM, seed: dict[str, Any]) -> None:
        for i, code in enumerate(["ВхЗ", "ИсхЗ", "Встр", "ВхЗ"]):
            crm.events.log(
                seed["pdv"], type=code, subject=code, occurred_at=START + timedelta(days=i)
            )
        assert [e.title for e in crm.timeline("1", types="ВхЗ")] == ["ВхЗ", "ВхЗ"]
        assert [e.title for e in crm.timeline("1", types=["Встр", "ИсхЗ"])] == ["Встр", "ИсхЗ"]
        window = crm.timeline("1", since=START + timedelta(days=1), until=START + timedelta(days=3))
        assert [e.title for e in window] == ["Встр", "ИсхЗ"]
        assert len(crm.timeline("1", kinds="event")) == 4
        assert len(crm.timeline("1", kinds="task")) == 0

    @pytest.mark.parametrize(
        ("arguments", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 5000}, "limit"),
            ({"cursor": "garbage!"}, "cursor"),
            ({"since": datetime(2014, 1, 1)}, "since"),
        ],
    )
    def test_bad_timeline_arguments_are_refused(
        self, crm: CRM, seed: dict[str, Any], arguments: dict[str, Any], field: str
    ) -> None:
        with pytest.raises(ValidationError) as caught:
            crm.timeline(seed["pdv"], **arguments)
        assert caught.value.field == field

    def test_client_card_shows_contacts_responsible_and_latest_history(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        crm.events.log(seed["delicatessen"], type="ВхЗ", subject="Запит ціни")
        card = crm.card("22910019")
        assert card.client == seed["delicatessen"]
        assert card.responsible == seed["iryna"]
        assert [e.title for e in card.timeline] == ["Запит ціни"]
        assert [c.name for c in crm.card("1").contacts] == ["Алена", "Петров Иван Иванович"]

    # --- caller-ID ------------------------------------------------------------------------

    @pytest.mark.parametrize(
        "number",
        ["0442067222", "+38 044 206-72-22", "(044) 206 72 22", "+380442067222", "380442067222"],
    )
    def test_caller_id_finds_the_client_by_any_written_form(
        self, crm: CRM, seed: dict[str, Any], number: str
    ) -> None:
        match = crm.telephony.identify(number)
        assert match is not None
        assert (match.client.code, match.contact, match.exact) == ("1", None, True)

    def test_caller_id_finds_the_contact_person_by_extension(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert _identify(crm, "2007").contact == seed["petrov"]
        assert _identify(crm, "2008").contact == seed["alena"]
        exact = _identify(crm, "044 206 72 22 ext. 2007")
        assert (exact.client.code, exact.contact, exact.exact) == ("1", seed["petrov"], True)
        everyone = crm.telephony.lookup("0442067222")
        assert [(m.client.code, m.contact and m.contact.name) for m in everyone] == [
            ("1", None),
            ("1", "Петров Иван Иванович"),
        ]

    def test_caller_id_prefers_a_bare_extension_at_the_calling_client(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        match = _identify(crm, "0442067222 доб. 2008")
        assert (match.contact, match.exact) == (seed["alena"], True)
        other = crm.clients.create(code="2", name="Інша фірма", phones=["044 490 00 00"])
        crm.contacts.create(other, name="Чужий", phones=["2009"])
        assert _identify(crm, "0442067222 доб. 2009").contact is None

    def test_archived_contact_is_not_found_by_phone(self, crm: CRM, seed: dict[str, Any]) -> None:
        crm.contacts.archive(seed["alena"])
        assert crm.clients.search(phone="2008") == []
        assert crm.telephony.identify("2008") is None

    def test_caller_id_of_unknown_number_is_none_and_bad_number_is_refused(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        assert crm.telephony.identify("067 000 00 00") is None
        with pytest.raises(ValidationError) as caught:
            crm.telephony.identify("not a number")
        assert caught.value.field == "number"

    # --- merge ------------------------------------------------------------------------------

    def test_merge_moves_everything_to_the_kept_client_and_is_recorded(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        duplicate = crm.clients.create(
            code="22910019-2",
            name="Делікатес",
            phones=["050 123 45 67"],
            emails=["sale@delicates.ua"],
        )
        contact = crm.contacts.create(duplicate, name="Забайон Семен Семенович", phones=["4444"])
        event = crm.events.log(duplicate, type="ВхЗ", subject="Дзвінок дубля", contact=contact)
        result = crm.clients.merge(seed["delicatessen"], duplicate)
        assert result.moved == {
            "contacts": 1,
            "events": 1,
            "tasks": 0,
            "projects": 0,
            "timeline": 1,
        }
        kept = crm.clients.get("22910019")
        assert [p.e164 for p in kept.phones] == ["+380444901234", "+380501234567"]
        assert kept.emails == ("Office@Delicates.ua", "sale@delicates.ua")
        gone = crm.clients.get("22910019-2")
        assert gone.archived
        assert gone.merged_into == kept.id
        assert [e.title for e in crm.timeline(kept)] == ["Дзвінок дубля"]
        assert _identify(crm, "4444").client.code == "22910019"
        assert _identify(crm, "0501234567").client.code == "22910019"
        assert crm.events.get(event.id).client_id == kept.id
        with pytest.raises(StaleObject):
            crm.events.update(event, subject="зі старої копії")
        assert "merge" in {c.action.value for c in crm.history.of(kept)}
        [moved_record] = [c for c in crm.history.of(contact) if c.action.value == "merge"]
        assert (moved_record.field, moved_record.new_value()) == ("client_id", str(kept.id))
        assert "merge" in {c.action.value for c in crm.history.of("event", event.id)}
        with pytest.raises(ValidationError):
            crm.clients.merge(kept, kept)

    # --- transactions ---------------------------------------------------------------------------

    def test_transaction_is_all_or_nothing(self, crm: CRM, seed: dict[str, Any]) -> None:
        def half_done() -> None:
            with crm.transaction():
                crm.clients.create(code="new-1", name="Новий")
                crm.events.log(seed["pdv"], type="ВхЗ", subject="у транзакції")
                crm.clients.create(code="1", name="дубль коду")

        with pytest.raises(DuplicateError):
            half_done()
        assert crm.clients.search(code="new-1") == []
        assert len(crm.timeline(seed["pdv"])) == 0
        with crm.transaction():
            crm.clients.create(code="new-2", name="Новий 2")
            crm.events.log("new-2", type="ВхЗ")
        assert len(crm.timeline("new-2")) == 1

    def test_threads_sharing_one_crm_neither_fail_nor_lose_events(
        self, crm: CRM, seed: dict[str, Any]
    ) -> None:
        errors: list[BaseException] = []

        def work(thread: int) -> None:
            try:
                for i in range(15):
                    crm.events.log(seed["pdv"], type="ВхЗ", subject=f"{thread}-{i}")
                    crm.timeline(seed["pdv"], limit=5)
                    crm.telephony.identify("2007")
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(crm.timeline(seed["pdv"], limit=100)) == 60

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
