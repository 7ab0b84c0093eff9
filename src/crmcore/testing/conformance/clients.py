"""Clients and their contact persons: storing, updating, search, caller-ID and merge.

Clients are stored with their phones, e-mails, tags and addresses in order,
refused field by field, searched by any part of the name and by phone,
e-mail, kind, tag, code, responsible employee and user field; caller-ID
finds a client or contact person by any written form of a number; a merge
moves everything, tasks and projects included, to the client kept.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import pytest

import crmcore
from crmcore import CRM, ClientKind
from crmcore.errors import DuplicateError, NotFound, StaleObject, ValidationError
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import Office, simple_task, task_names

__all__ = ["ClientConformance"]


def _identify(crm: CRM, number: str) -> crmcore.CallerMatch:
    match = crm.telephony.identify(number)
    assert match is not None, f"nobody found for {number}"
    return match


class ClientConformance:
    """Clients, contact persons, phone lookup and merge."""

    # --- clients --------------------------------------------------------------------------

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

    # --- search ---------------------------------------------------------------------------

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

    # --- contacts -------------------------------------------------------------------------

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

    # --- merge ----------------------------------------------------------------------------

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
