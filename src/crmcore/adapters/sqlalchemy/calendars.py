"""SQL repositories of calendar subscriptions and the items synced through them."""

from __future__ import annotations

from crmcore.adapters.sqlalchemy.repository import RecordRepository
from crmcore.domain.sync import CalendarSubscription, SyncedItem

__all__ = ["Subscriptions", "SyncedItems"]


class Subscriptions(RecordRepository[CalendarSubscription]):
    kind = "calendar subscription"
    table_name = "subscriptions"
    entity_type = CalendarSubscription
    unique = (("employee_id", "url"),)


class SyncedItems(RecordRepository[SyncedItem]):
    kind = "synced calendar item"
    table_name = "synced_items"
    entity_type = SyncedItem
    unique = (("subscription_id", "uid"),)
