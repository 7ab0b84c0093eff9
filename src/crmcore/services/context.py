"""What every piece of a service works in: the runtime, the acting actor, units of work.

Side effects travel one way.  A change publishes a signal
(:mod:`crmcore.domain.signals`) with :meth:`Context.publish`; the
:attr:`Runtime.subscribers` of that signal act on it at once, in the unit of
work of the change, in the order they are wired.  What time brings (a
reminder due, an occurrence to make, a deadline passed) is a :data:`Job`:
the dispatcher runs :attr:`Runtime.jobs` on each pass, each in units of work
of its own.  Both lists are put together in :mod:`crmcore.services.wiring`.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

import attrs
import pluggy

from crmcore.domain import Actor, Change, ChangeAction, Employee
from crmcore.domain.telephony import TelephonySettings
from crmcore.errors import PluginError, ValidationError
from crmcore.ports import BlobStore, Channel, Storage, UnitOfWork

__all__ = ["Context", "Job", "Runtime", "Subscriber", "unit_of_work"]

#: Acts on one signal in the unit of work of the change that published it.
Subscriber = Callable[["Context", UnitOfWork, Any], None]
#: Does what time brought by ``now`` and says how many things it did.
Job = Callable[["Context", datetime], int]


@attrs.frozen
class Runtime:
    """Shared by every actor view of one opened CRM.

    ``subscribers`` maps a signal's type to what acts on it; ``jobs`` are
    the dispatcher's timed work, each named by the field of
    :class:`~crmcore.services.notifications.DispatchReport` that counts it;
    ``telephony`` says how calls are treated.
    """

    storage: Storage
    plugins: pluggy.PluginManager
    clock: Callable[[], datetime]
    phone_region: str
    blobs: BlobStore | None = None
    time_zone: str = "Europe/Kyiv"
    channels: Mapping[str, Channel] = attrs.field(factory=dict)
    subscribers: Mapping[type, tuple[Subscriber, ...]] = attrs.field(factory=dict)
    jobs: tuple[tuple[str, Job], ...] = ()
    telephony: TelephonySettings = attrs.field(factory=TelephonySettings)
    current: ContextVar[UnitOfWork | None] = attrs.field(
        factory=lambda: ContextVar("crmcore_unit_of_work", default=None)
    )


@contextmanager
def unit_of_work(runtime: Runtime, *, writes: bool = True) -> Iterator[UnitOfWork]:
    """Join the unit of work open in this context, or open one and commit it at the end.

    ``writes=False`` says the call only reads, so a backend need not take
    write locks for it (SQLite: readers then never wait for a long import).
    """
    current = runtime.current.get()
    if current is not None:
        yield current
        return
    with runtime.storage.unit_of_work(writes=writes) as uow:
        token = runtime.current.set(uow)
        try:
            yield uow
            uow.commit()
        finally:
            runtime.current.reset(token)


@attrs.frozen
class Context:
    """The runtime and the actor a call is made by."""

    runtime: Runtime
    actor: Actor

    def now(self) -> datetime:
        """The clock's time, in UTC."""
        now = self.runtime.clock()
        if now.tzinfo is None or now.utcoffset() is None:
            raise PluginError("the clock returned a naive datetime; it must be timezone-aware")
        return now.astimezone(UTC)

    def today(self) -> date:
        """Today's date in the company's time zone: what "overdue" and "as of today" mean."""
        return self.now().astimezone(zoneinfo.ZoneInfo(self.runtime.time_zone)).date()

    def now_or(self, now: datetime | None, field: str = "now") -> datetime:
        """``now`` as given by a caller (checked to be tz-aware), or the clock's time."""
        if now is None:
            return self.now()
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise ValidationError(field, "must be a timezone-aware datetime")
        return now

    def unit_of_work(self, *, writes: bool = True) -> AbstractContextManager[UnitOfWork]:
        """The unit of work of this call (see :func:`unit_of_work`)."""
        return unit_of_work(self.runtime, writes=writes)

    def acting_as(self, employee: Employee) -> Context:
        """The same runtime, with calls made (and recorded) as ``employee``."""
        return Context(self.runtime, Actor(employee.id, employee.name))

    def publish(self, uow: UnitOfWork, signal: object) -> None:
        """Tell the subscribers of ``signal``'s type what happened, in ``uow``."""
        for subscriber in self.runtime.subscribers.get(type(signal), ()):
            subscriber(self, uow, signal)

    def change(
        self, entity_kind: str, entity_id: UUID, action: ChangeAction, at: datetime, **values: Any
    ) -> Change:
        """A history line of this actor's change of one entity."""
        return Change(
            entity_kind=entity_kind,
            entity_id=entity_id,
            action=action,
            at=at,
            actor_id=self.actor.employee_id,
            actor_name=self.actor.name,
            **values,
        )
