"""Event types: the fixed system ones, the user's own and those plugins register."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import crmcore
from crmcore import CRM, hookimpl
from crmcore.errors import PermissionDenied, ValidationError
from crmcore.testing.conformance.fixtures import START, CrmFactory

__all__ = ["EventTypeConformance"]


class EventTypeConformance:
    """System, user and plugin event types."""

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
