"""Events: logging one, its defaults and moment, refused input, updates and bulk import."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

import crmcore
from crmcore import CRM
from crmcore.errors import StaleObject, ValidationError
from crmcore.testing import ManualClock
from crmcore.testing.conformance.fixtures import KYIV, START

__all__ = ["EventConformance"]


class EventConformance:
    """Logged events and their bulk import."""

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

    # --- bulk import ----------------------------------------------------------------------

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
