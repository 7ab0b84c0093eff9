"""An example crmcore plugin: extra event types and a ``crm-folder://`` storage scheme."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import crmcore
from crmcore.adapters.sqlalchemy import SQLAlchemyStorage
from crmcore.errors import StorageError
from crmcore.ports import StorageOptions

SCHEME = "crm-folder://"

EVENT_TYPES = (
    crmcore.EventType(code="Выезд", name="Выезд к клиенту", category="meeting"),
    crmcore.EventType(code="Мессенджер", name="Переписка в мессенджере", category="other"),
)


@crmcore.hookimpl
def crmcore_event_types(register: Callable[[crmcore.EventType], None]) -> None:
    for event_type in EVENT_TYPES:
        register(event_type)


@crmcore.hookimpl
def crmcore_storage(url: str, options: StorageOptions) -> SQLAlchemyStorage | None:
    """``crm-folder:///path`` keeps the CRM in ``/path/crm.sqlite``."""
    if not url.startswith(SCHEME):
        return None
    folder = Path(url.removeprefix(SCHEME))
    if not folder.is_absolute():
        raise StorageError(
            f"{url!r}: the folder must be an absolute path, e.g. crm-folder:///srv/crm"
        )
    folder.mkdir(parents=True, exist_ok=True)
    return SQLAlchemyStorage.from_url(f"sqlite:///{folder / 'crm.sqlite'}", options)
