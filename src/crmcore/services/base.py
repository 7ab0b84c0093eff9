"""What every service shares: authorising the actor, and writes that record their history.

History is not a side effect a capability subscribes to: every write made
through :meth:`Service._add`, :meth:`Service._update` and
:meth:`Service._delete` records its own history lines, in the same unit of
work, so no change can be stored without them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol, TypeVar
from uuid import UUID

import attrs
from attrs import AttrsInstance

from crmcore.domain import Actor, Change, ChangeAction
from crmcore.domain.history import diff, encode_value
from crmcore.errors import CRMError, PermissionDenied, StaleObject, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.context import Context

__all__ = ["Service", "Versioned", "build"]


class Versioned(AttrsInstance, Protocol):
    """An entity crmcore stores: attrs, with a storage id and a version."""

    id: UUID
    version: int


E = TypeVar("E", bound=Versioned)
T = TypeVar("T")

#: Fields no update may set directly: identity, bookkeeping, and states with their own calls.
_PROTECTED = frozenset({"id", "version", "created_at", "updated_at", "archived", "merged_into"})


class Service:
    """Base of the capability services: ``crm.clients``, ``crm.events``, ...

    Every public method authorises the actor, runs in one unit of work (joining
    the caller's ``crm.transaction()`` if one is open), and either completes
    or writes nothing.
    """

    kind: str = ""

    def __init__(self, context: Context) -> None:
        self._context = context

    @property
    def actor(self) -> Actor:
        """Who the calls of this service are made by."""
        return self._context.actor

    def _now(self) -> datetime:
        return self._context.now()

    def _now_or(self, now: datetime | None, field: str = "now") -> datetime:
        return self._context.now_or(now, field)

    def _unit_of_work(self, *, writes: bool = True) -> AbstractContextManager[UnitOfWork]:
        return self._context.unit_of_work(writes=writes)

    def _publish(self, uow: UnitOfWork, signal: object) -> None:
        """Tell the capabilities that follow this change what it did (see ``Context.publish``)."""
        self._context.publish(uow, signal)

    @property
    def _has_access_rules(self) -> bool:
        """Whether any plugin decides access (if none does, every call is allowed)."""
        return bool(self._context.runtime.plugins.hook.crmcore_authorize.get_hookimpls())

    def _authorize(self, action: str, entity: Any = None, *, kind: str | None = None) -> None:
        if not self._has_access_rules:
            return
        verdicts = self._context.runtime.plugins.hook.crmcore_authorize(
            actor=self.actor, action=action, entity_kind=kind or self.kind, entity=entity
        )
        if any(verdict is False for verdict in verdicts):
            raise PermissionDenied(f"{self.actor.name} may not {action} {kind or self.kind}")

    def _change(
        self,
        entity_id: UUID,
        action: ChangeAction,
        at: datetime,
        kind: str | None = None,
        **values: Any,
    ) -> Change:
        return self._context.change(kind or self.kind, entity_id, action, at, **values)

    def _record(
        self,
        uow: UnitOfWork,
        before: Any,
        after: Any,
        at: datetime,
        action: ChangeAction,
        kind: str | None = None,
    ) -> None:
        if before is None:
            changes = [self._change(after.id, ChangeAction.CREATE, at, kind)]
        else:
            changes = [
                self._change(after.id, action, at, kind, field=field, old=old, new=new)
                for field, old, new in diff(before, after)
            ]
        uow.history.add_many(changes)

    def _add(self, uow: UnitOfWork, repository: Any, entity: E, *, kind: str | None = None) -> E:
        """Authorise, stamp and store a new entity, recording its creation.

        ``kind`` names entities a service keeps besides its own (a task's
        executor rows), for access rules and history.
        """
        self._authorize("create", entity, kind=kind)
        at = self._now()
        created = attrs.evolve(entity, version=1, created_at=at, updated_at=at)  # type: ignore[misc]
        repository.add(created)
        self._record(uow, None, created, at, ChangeAction.CREATE, kind)
        return created

    def _update(
        self,
        uow: UnitOfWork,
        repository: Any,
        stored: E,
        given: object,
        changes: Mapping[str, Any],
        *,
        action: ChangeAction = ChangeAction.UPDATE,
        authorize_as: str = "update",
        kind: str | None = None,
    ) -> E:
        """Apply validated ``changes`` to ``stored`` one version further, or raise.

        ``given`` is what the caller passed: when it is an entity, its version
        must still be the stored one (an update from a stale copy is refused).
        """
        key = getattr(stored, "code", None) or getattr(stored, "id", None)
        stored_version = stored.version
        if isinstance(given, type(stored)) and given.version != stored_version:
            raise StaleObject(kind or self.kind, key, given.version, stored_version)
        if action is ChangeAction.UPDATE:
            names = {field.name for field in attrs.fields(type(stored))}
            for name in changes:
                if name not in names:
                    raise ValidationError(name, f"is not a field of {kind or self.kind}")
                if name in _PROTECTED:
                    raise ValidationError(name, "cannot be changed with update()")
        at = self._now()
        changed = attrs.evolve(stored, **changes, version=stored_version + 1, updated_at=at)  # type: ignore[misc]
        self._authorize(authorize_as, changed, kind=kind)
        if next(diff(stored, changed), None) is None:
            return stored  # nothing changed: write nothing, keep the version
        repository.update(changed, stored_version)
        self._record(uow, stored, changed, at, action, kind)
        return changed

    def _refuse_stored_references(
        self, changes: Mapping[str, Any], references: Mapping[str, str]
    ) -> None:
        """Refuse ids set directly: ``client_id=`` would skip the check that the client exists."""
        for argument, stored_field in references.items():
            if stored_field in changes:
                raise ValidationError(stored_field, f"set it with {argument}= instead")

    def _delete(
        self,
        uow: UnitOfWork,
        repository: Any,
        record: Versioned,
        *,
        kind: str | None = None,
        listed_on: Iterable[UUID] = (),
        listed_as: str = "",
    ) -> None:
        """Delete a record for good, keeping its removal in history.

        The record's own history gets a ``removed`` line; each of ``listed_on``
        (records of this service's kind that listed it, e.g. a task for its
        executor row) gets a change of ``listed_as`` whose old value is the
        removed record's id, so their history can still find the record's.
        """
        repository.delete(record.id)
        at = self._now()
        removal = encode_value(record.id)
        uow.history.add_many(
            [
                self._change(record.id, ChangeAction.ARCHIVE, at, kind, field="removed"),
                *(
                    self._change(owner, ChangeAction.UPDATE, at, field=listed_as, old=removal)
                    for owner in listed_on
                ),
            ]
        )

    def _archive(self, uow: UnitOfWork, repository: Any, stored: E, given: object) -> E:
        return self._update(
            uow,
            repository,
            stored,
            given,
            {"archived": True},
            action=ChangeAction.ARCHIVE,
            authorize_as="archive",
        )

    def _restore(self, uow: UnitOfWork, repository: Any, stored: E, given: object) -> E:
        return self._update(
            uow,
            repository,
            stored,
            given,
            {"archived": False},
            action=ChangeAction.RESTORE,
            authorize_as="restore",
        )


def build(entity_type: type[T], **fields: Any) -> T:
    """Construct a model object, turning a wrong argument into a ValidationError."""
    try:
        return entity_type(**fields)
    except CRMError:
        raise
    except TypeError as error:
        raise ValidationError(entity_type.__name__.lower(), str(error)) from None
