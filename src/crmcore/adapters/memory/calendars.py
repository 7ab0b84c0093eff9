"""Calendar subscriptions and the items synced through them in memory."""

from __future__ import annotations

from crmcore.adapters.memory.repository import RecordRepository

__all__ = ["Subscriptions", "SyncedItems"]


class Subscriptions(RecordRepository):
    """Calendar subscriptions, one per employee and collection URL."""

    name = "subscriptions"
    kind = "calendar subscription"
    unique = (("employee_id", "url"),)


class SyncedItems(RecordRepository):
    """Tasks and events as last synced, one per subscription and iCalendar UID."""

    name = "synced_items"
    kind = "synced calendar item"
    unique = (("subscription_id", "uid"),)
