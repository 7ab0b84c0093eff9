"""crmcore's tables, built per table prefix and schema from each capability's module."""

from __future__ import annotations

import attrs
from sqlalchemy import MetaData, Table

from crmcore.adapters.sqlalchemy.tables import (
    allocations,
    calendars,
    calls,
    clients,
    collaboration,
    contracts,
    documents,
    employees,
    events,
    fields,
    history,
    mail,
    notifications,
    products,
    projects,
    reminders,
    series,
    tasks,
    timeline,
)
from crmcore.adapters.sqlalchemy.tables.columns import NAMING, Schema

__all__ = ["Tables", "build_tables"]

#: Each capability's tables, in the order they are defined.
_CAPABILITIES = (
    employees,
    clients,
    events,
    timeline,
    history,
    projects,
    tasks,
    collaboration,
    fields,
    reminders,
    series,
    notifications,
    calendars,
    calls,
    mail,
    products,
    contracts,
    documents,
    allocations,
)


@attrs.frozen
class Tables:
    """Every table of crmcore, by the name the repositories use."""

    metadata: MetaData
    clients: Table
    client_emails: Table
    client_tags: Table
    contacts: Table
    phones: Table
    employees: Table
    event_types: Table
    events: Table
    timeline: Table
    history: Table
    projects: Table
    tasks: Table
    executors: Table
    work_log: Table
    dependencies: Table
    comments: Table
    links: Table
    attachments: Table
    field_definitions: Table
    field_values: Table
    reminders: Table
    series: Table
    messages: Table
    inbox: Table
    preferences: Table
    subscriptions: Table
    synced_items: Table
    calls: Table
    call_events: Table
    mail_messages: Table
    mail_thread_ids: Table
    mail_aliases: Table
    mailbox_states: Table
    products: Table
    contracts: Table
    stages: Table
    documents: Table
    document_lines: Table
    allocations: Table


def build_tables(prefix: str = "crm_", schema: str | None = None) -> Tables:
    """The tables, named ``prefix + name`` in ``schema``."""
    where = Schema(MetaData(schema=schema, naming_convention=NAMING), prefix)
    made: dict[str, Table] = {}
    for capability in _CAPABILITIES:
        made.update(capability.define(where))
    return Tables(metadata=where.metadata, **made)
