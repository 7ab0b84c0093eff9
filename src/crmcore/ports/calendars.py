"""Where calendar subscriptions and the items synced through them are stored."""

from __future__ import annotations

from typing import TypeAlias

from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.ports.records import RecordRepository

__all__ = ["SubscriptionRepository", "SyncedItemRepository"]

#: Calendar subscriptions are plain records.
SubscriptionRepository: TypeAlias = RecordRepository[CalendarSubscription]
#: The tasks and events as last synced with a subscription's collection are plain records.
SyncedItemRepository: TypeAlias = RecordRepository[SyncedItem]
