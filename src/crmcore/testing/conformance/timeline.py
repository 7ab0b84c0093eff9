"""The client timeline: paging newest first, its filters and the client card."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from crmcore import CRM
from crmcore.errors import ValidationError
from crmcore.testing.conformance.fixtures import START

__all__ = ["TimelineConformance"]


class TimelineConformance:
    """A client's timeline and card."""

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
