"""User fields: definitions and values of every type, defaults, history and filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

import pytest

from crmcore import CRM
from crmcore.domain.tasks import TaskStatus
from crmcore.errors import DuplicateError, NotFound, ValidationError
from crmcore.testing.conformance.fixtures import (
    KYIV,
    START,
    Office,
    day_2014,
    simple_task,
    task_names,
    utc_2014,
)

__all__ = ["UserFieldConformance"]


class UserFieldConformance:
    """User-field definitions and values on tasks, clients, contacts, events and projects."""

    def _define_every_type(self, crm: CRM) -> None:
        define = crm.fields.define
        define("task", "note", label="Примітка", type="text")
        define("task", "qty", label="Кількість", type="integer")
        define("task", "amount", label="Сума", type="decimal")
        define("task", "due", label="Дата акту", type="date")
        define("task", "signed", label="Підписано о", type="datetime")
        define("task", "paid", label="Оплачено", type="bool")
        define("task", "region", label="Регіон", type="choice", choices=["Київ", "Львів"])
        define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах", "стіни", "вікна"]
        )
        define("task", "owner", label="Відповідальний", type="employee")
        define("task", "buyer", label="Покупець", type="client")

    def test_tasks_user_fields_of_every_type_round_trip(self, office: Office) -> None:
        crm = office.crm
        self._define_every_type(crm)
        assert [d.name for d in crm.fields.definitions("task")] == [
            "note",
            "qty",
            "amount",
            "due",
            "signed",
            "paid",
            "region",
            "works",
            "owner",
            "buyer",
        ]
        values = {
            "note": 'O\'Brien "лапки"; DROP TABLE tasks; --',
            "qty": 5,
            "amount": "12.50",
            "due": day_2014(1, month=12),
            "signed": datetime(2014, 11, 5, 11, 30, tzinfo=KYIV),
            "paid": False,
            "region": "Львів",
            "works": ["вікна", "дах"],
            "owner": "22",
            "buyer": office.pdv,
        }
        task, _ = simple_task(office, fields=values)
        expected = {
            "note": 'O\'Brien "лапки"; DROP TABLE tasks; --',
            "qty": 5,
            "amount": Decimal("12.5"),
            "due": day_2014(1, month=12),
            "signed": utc_2014(5, 9, 30),
            "paid": False,
            "region": "Львів",
            "works": ("дах", "вікна"),
            "owner": office.ivanov.id,
            "buyer": office.pdv.id,
        }
        assert crm.fields.values(task) == expected
        assert crm.fields.values(("task", task.id)) == expected
        assert dict(crm.tasks.card(task).fields) == expected
        by_entity = crm.fields.set(task, {"owner": office.melnyk, "buyer": "06951937", "qty": "7"})
        assert (by_entity["owner"], by_entity["buyer"], by_entity["qty"]) == (
            office.melnyk.id,
            office.neptune.id,
            7,
        )
        cleared = crm.fields.set(task, {"note": None})
        assert "note" not in cleared
        assert crm.fields.values(task) == cleared

    def test_tasks_fields_set_returns_what_values_reads_after_clearing(
        self, office: Office
    ) -> None:
        crm = office.crm
        self._define_every_type(crm)
        task, _ = simple_task(office, fields={"works": ["дах"], "note": "текст", "qty": 3})
        cleared = crm.fields.set(task, {"works": [], "note": None})
        assert crm.fields.values(task) == {"qty": 3}
        assert cleared == {"qty": 3}  # an emptied multi-choice is no value, as values() says

    def test_tasks_required_multi_choice_field_refuses_an_empty_choice(
        self, office: Office
    ) -> None:
        crm = office.crm
        crm.fields.define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах"], required=True
        )
        with pytest.raises(ValidationError) as caught:
            simple_task(office, fields={"works": []})
        assert caught.value.field == "fields.works"
        assert task_names(crm.tasks.registry()) == []
        task, _ = simple_task(office, fields={"works": ["дах"]})
        with pytest.raises(ValidationError) as emptied:
            crm.fields.set(task, {"works": []})
        assert emptied.value.field == "fields.works"
        assert crm.fields.values(task) == {"works": ("дах",)}

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("note", 5),
            ("qty", "п'ять"),
            ("qty", True),
            ("qty", 1.5),
            ("amount", "дванадцять"),
            ("amount", "NaN"),
            ("due", "2014-13-01"),
            ("due", datetime(2014, 12, 1, tzinfo=UTC)),
            ("signed", datetime(2014, 11, 5, 11, 30)),
            ("signed", "вчора"),
            ("paid", "так"),
            ("paid", 1),
            ("region", "Одеса"),
            ("works", "дах"),
            ("works", ["дах", "підвал"]),
            ("owner", "nobody"),
            ("owner", UUID(int=5)),
            ("buyer", "nope"),
            ("buyer", 42),
            ("colour", "red"),
        ],
    )
    def test_tasks_user_field_of_the_wrong_type_is_refused_and_no_task_is_created(
        self, office: Office, name: str, value: object
    ) -> None:
        crm = office.crm
        self._define_every_type(crm)
        with pytest.raises(ValidationError) as caught:
            simple_task(office, fields={"note": "добре", name: value})
        assert caught.value.field == f"fields.{name}"
        assert task_names(crm.tasks.registry(include_archived=True)) == []
        assert len(crm.timeline(office.neptune)) == 0
        task, _ = simple_task(office, fields={"qty": 1})
        with pytest.raises(ValidationError) as again:
            crm.fields.set(task, {"qty": 2, name: value})
        assert again.value.field == f"fields.{name}"
        assert crm.fields.values(task) == {"qty": 1}
        assert crm.history.of(task)[-1].field != f"fields.{name}"

    def test_tasks_required_fields_and_defaults(self, office: Office) -> None:
        crm = office.crm
        crm.fields.define(
            "task",
            "region",
            label="Регіон",
            type="choice",
            choices=["Київ", "Львів"],
            default="Київ",
            required=True,
        )
        crm.fields.define(
            "task",
            "works",
            label="Роботи",
            type="multi_choice",
            choices=["дах", "стіни"],
            default=["стіни"],
        )
        crm.fields.define("task", "boss", label="Керівник", type="employee", default="3")
        crm.fields.define("task", "act", label="Номер акту", type="text", required=True)
        with pytest.raises(ValidationError) as caught:
            simple_task(office)
        assert caught.value.field == "fields.act"
        assert task_names(crm.tasks.registry(include_archived=True)) == []
        task, _ = simple_task(office, fields={"act": "А-17"})
        assert crm.fields.values(task) == {
            "region": "Київ",
            "works": ("стіни",),
            "boss": office.oleg.id,
            "act": "А-17",
        }
        other, _ = simple_task(
            office, "Інша", fields={"act": "А-18", "region": "Львів", "works": []}
        )
        assert crm.fields.values(other) == {
            "region": "Львів",
            "boss": office.oleg.id,
            "act": "А-18",
        }
        with pytest.raises(ValidationError) as cleared:
            crm.fields.set(task, {"act": None})
        assert cleared.value.field == "fields.act"
        assert crm.fields.values(task)["act"] == "А-17"
        with pytest.raises(ValidationError) as bad_default:
            crm.fields.define("task", "qty", label="К-сть", type="integer", default="багато")
        assert bad_default.value.field == "fields.qty"
        assert [d.name for d in crm.fields.definitions("task")] == [
            "region",
            "works",
            "boss",
            "act",
        ]

    def test_tasks_fields_set_records_history_and_archived_field_is_not_read(
        self, office: Office
    ) -> None:
        crm = office.crm
        qty = crm.fields.define("task", "qty", label="Кількість", type="integer")
        crm.fields.define(
            "task", "works", label="Роботи", type="multi_choice", choices=["дах", "стіни"]
        )
        task, _ = simple_task(office, fields={"qty": 5})
        office.clock.advance(minutes=3)
        office.as_(office.oleg).fields.set(task, {"qty": 7, "works": ["стіни", "дах"]})
        office.as_(office.oleg).fields.set(task, {"qty": 7})  # no change: no history
        changes = [c for c in crm.history.of(task) if c.field and c.field.startswith("fields.")]
        assert [(c.field, c.old_value(), c.new_value()) for c in changes] == [
            ("fields.qty", 5, 7),
            ("fields.works", None, ["дах", "стіни"]),
        ]
        assert changes[0].actor_id == office.oleg.id
        assert changes[0].at == START + timedelta(minutes=3)
        assert {c.field for c in crm.tasks.history(task)} >= {"fields.qty", "fields.works"}

        crm.fields.archive(qty)
        assert crm.fields.values(task) == {"works": ("дах", "стіни")}
        assert [d.name for d in crm.fields.definitions("task")] == ["works"]
        assert len(crm.fields.definitions("task", include_archived=True)) == 2
        for call in (
            lambda: crm.fields.set(task, {"qty": 8}),
            lambda: crm.tasks.registry(fields={"qty": 7}),
            lambda: simple_task(office, "Нова", fields={"qty": 1}),
        ):
            with pytest.raises(ValidationError) as caught:
                call()
            assert caught.value.field == "fields.qty"
        crm.fields.restore(qty.id)
        assert crm.fields.values(task)["qty"] == 7

    @pytest.mark.parametrize(
        "name",
        [
            "x; DROP TABLE crm_tasks",
            "x'--",
            'x" OR 1=1',
            "1qty",
            "кількість товару",
            "",
            "a" * 65,
        ],
    )
    def test_tasks_field_name_that_is_not_a_plain_name_is_refused(
        self, office: Office, name: str
    ) -> None:
        crm = office.crm
        with pytest.raises(ValidationError) as caught:
            crm.fields.define("task", name, label="Поле", type="text")
        assert caught.value.field == "name"
        assert crm.fields.definitions("task", include_archived=True) == []
        with pytest.raises(ValidationError) as filtered:
            crm.tasks.registry(fields={name: "x"})
        assert filtered.value.field == f"fields.{name}"

    def test_tasks_field_names_are_unique_per_kind_and_fixed(self, office: Office) -> None:
        crm = office.crm
        qty = crm.fields.define("task", "qty", label="Кількість", type="integer")
        with pytest.raises(DuplicateError):
            crm.fields.define("task", "qty", label="Ще раз", type="text")
        assert crm.fields.define("client", "qty", label="Кількість", type="integer").name == "qty"
        with pytest.raises(ValidationError) as caught:
            crm.fields.update(qty, type="text")
        assert caught.value.field == "type"
        assert crm.fields.update(qty, label="К-сть").label == "К-сть"
        assert crm.fields.get("task", "qty").label == "К-сть"
        with pytest.raises(NotFound):
            crm.fields.get("task", "nope")
        with pytest.raises(ValidationError) as kind:
            crm.fields.define("invoice", "qty", label="К-сть", type="integer")
        assert kind.value.field == "entity_kind"
        with pytest.raises(ValidationError) as choices:
            crm.fields.define("task", "region", label="Регіон", type="choice")
        assert choices.value.field == "choices"

    def test_tasks_registry_filters_by_user_field_values(self, office: Office) -> None:
        crm = office.crm
        self._define_every_type(crm)
        quoted = 'O\'Brien "лапки"; DROP TABLE crm_tasks; --'
        simple_task(
            office,
            "Перша",
            fields={
                "works": ["дах", "стіни"],
                "region": "Київ",
                "qty": 1,
                "note": quoted,
                "owner": "22",
                "paid": True,
            },
        )
        simple_task(
            office,
            "Друга",
            fields={
                "works": ["стіни"],
                "region": "Львів",
                "qty": 2,
                "note": "100%_",
                "owner": "23",
                "paid": False,
            },
        )
        simple_task(office, "Третя", fields={"works": ["вікна"], "qty": 10})
        simple_task(office, "Четверта")

        def found(**filters: Any) -> list[str]:
            return sorted(task_names(crm.tasks.registry(fields=filters)))

        assert found(works="стіни") == ["Друга", "Перша"]
        assert found(works="дах") == ["Перша"]
        assert found(works="вікна") == ["Третя"]
        assert found(region="Київ") == ["Перша"]
        assert found(qty=1) == ["Перша"]
        assert found(qty="10") == ["Третя"]
        assert found(note=quoted) == ["Перша"]
        assert found(note="100%_") == ["Друга"]
        assert found(note="100") == []
        assert found(note="%") == []
        assert found(owner=office.ivanov) == ["Перша"]
        assert found(owner="23") == ["Друга"]
        assert found(paid=False) == ["Друга"]
        assert found(works="стіни", region="Львів") == ["Друга"]
        assert found(works="стіни", qty=1, paid=True) == ["Перша"]
        assert found(works="дах", region="Львів") == []
        assert task_names(crm.tasks.registry(fields={"works": "стіни"}, text="друга")) == ["Друга"]
        assert len(crm.tasks.registry()) == 4  # quoted values were only data
        counts = crm.tasks.counts(fields={"works": "стіни"})
        assert counts[TaskStatus.ASSIGNED] == 2
        for bad, field in (
            ({"works": "підвал"}, "fields.works"),
            ({"qty": "багато"}, "fields.qty"),
            ({"region": None}, "fields.region"),
            ({"owner": "nobody"}, "fields.owner"),
            ({"nope": 1}, "fields.nope"),
        ):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.registry(fields=bad)
            assert caught.value.field == field

    def test_tasks_fields_of_clients_contacts_events_and_projects(self, office: Office) -> None:
        crm = office.crm
        crm.fields.define("client", "vip", label="VIP", type="bool", default=False)
        crm.fields.define("contact", "birthday", label="День народження", type="date")
        crm.fields.define("event", "minutes", label="Хвилин", type="integer", required=True)
        crm.fields.define("project", "budget", label="Бюджет", type="decimal")
        client = crm.clients.create(code="90000016", name="ТЕХНОСЕРВІС ТОВ", fields={"vip": True})
        assert crm.fields.values(client) == {"vip": True}
        assert crm.fields.values(office.pdv) == {}  # defaults apply to new entities only
        plain = crm.clients.create(code="90000017", name="Звичайний")
        assert crm.fields.values(plain) == {"vip": False}
        contact = crm.contacts.create(client, name="Оксана", fields={"birthday": day_2014(3, 3)})
        assert crm.fields.values(contact) == {"birthday": day_2014(3, 3)}
        event = crm.events.log(client, type="ВхЗ", fields={"minutes": 7})
        assert crm.fields.values(event) == {"minutes": 7}
        project = crm.projects.create(code="5", name="Проект №5", fields={"budget": "1000.50"})
        assert crm.fields.values(project) == {"budget": Decimal("1000.5")}
        for call, field in (
            (lambda: crm.clients.create(code="X", name="X", fields={"vip": "так"}), "fields.vip"),
            (
                lambda: crm.contacts.create(client, name="Y", fields={"birthday": 5}),
                "fields.birthday",
            ),
            (lambda: crm.events.log(client, type="ВхЗ"), "fields.minutes"),
            (
                lambda: crm.projects.create(code="6", name="P", fields={"budget": "x"}),
                "fields.budget",
            ),
            (lambda: crm.projects.create(code="7", name="P", fields={"vip": True}), "fields.vip"),
        ):
            with pytest.raises(ValidationError) as caught:
                call()
            assert caught.value.field == field
        assert crm.clients.search(code="X") == []
        assert [c.name for c in crm.contacts.list(client)] == ["Оксана"]
        assert len(crm.timeline(client)) == 1
        assert [p.code for p in crm.projects.list()] == ["4", "5"]
        crm.fields.set(client, {"vip": False})
        assert [c.field for c in crm.history.of(client)][-1] == "fields.vip"
