"""The conformance suite: behaviour every crmcore storage backend must show.

It drives crmcore only through its public API, so the same tests run on the
memory backend (the reference), SQLite, PostgreSQL and any backend a host
plugs in.  Subclass :class:`StorageConformance` and provide a ``crm_factory``
fixture: a callable taking :func:`crmcore.open`'s keyword arguments and
returning a CRM on a fresh, empty database (calls within one test must reach
the same database).

Each module of this package holds the tests of one capability as a mixin
class (clients, employees, event types, events, the timeline, history and
access rules, user fields, collaboration, the task card, its workflow, work
log and dependencies, the registry, calendar and Gantt chart, reminders,
series, the outbox, inbox and dispatcher, transactions);
:mod:`~crmcore.testing.conformance.fixtures` holds the fixtures and helpers
they share, and :class:`StorageConformance` mixes them all together.  Every
refused call is also checked to have written nothing.
"""

from crmcore.testing.conformance.fixtures import RecordingChannel
from crmcore.testing.conformance.suite import StorageConformance

__all__ = ["RecordingChannel", "StorageConformance"]
