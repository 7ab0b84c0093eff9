"""Sync: one CalDAV sync of an employee's calendar: pull, apply, push, conflicts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Protocol
from uuid import UUID
from zoneinfo import ZoneInfo

import attrs

from crmcore.adapters.caldav import RemoteItem
from crmcore.adapters.ical import ParsedCalendar, Skipped, parse_calendar
from crmcore.domain import Employee
from crmcore.domain.sync import CalendarSubscription, SyncedItem
from crmcore.domain.tasks import Task
from crmcore.errors import Conflict, ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.calendars.common import component_of, external_ref, instant, own_entity
from crmcore.services.calendars.export import Group, employee_groups, event_groups, task_groups
from crmcore.services.calendars.importing import Importer
from crmcore.services.calendars.statuses import apply_todo_state
from crmcore.services.context import Context
from crmcore.services.refs import find_task
from crmcore.services.tasks import TaskService

__all__ = ["RemoteCalendar", "Sync", "SyncReport"]

_MAX_SYNCED_UID = 500
_MAX_TOKEN = 1000


@attrs.frozen(kw_only=True)
class SyncReport:
    """What one CalDAV sync did, by UID of the calendar items.

    Attributes:
        pushed: items written to the server.
        pulled: items changed on the server whose status and percent were
            applied in crmcore.
        created: tasks made from to-dos created on the server.
        removed_remotely: items deleted on the server; their tasks and
            events stay in crmcore.
        conflicts: items changed both on the server and in crmcore since
            the last sync, or changed on the server while this sync wrote;
            the server's version was left as it is this time.
        skipped: what could not be used, and why.
    """

    pushed: tuple[str, ...] = ()
    pulled: tuple[str, ...] = ()
    created: tuple[UUID, ...] = ()
    removed_remotely: tuple[str, ...] = ()
    conflicts: tuple[str, ...] = ()
    skipped: tuple[Skipped, ...] = ()

    def describe(self) -> str:
        """The report in a few lines, for a person."""
        lines = [
            f"{len(self.pushed)} pushed, {len(self.pulled)} pulled, "
            f"{len(self.created)} tasks created, {len(self.removed_remotely)} deleted "
            f"on the server, {len(self.conflicts)} conflicts, {len(self.skipped)} skipped"
        ]
        lines += [f"- conflict: {uid}" for uid in self.conflicts]
        lines += [f"- deleted on the server: {uid}" for uid in self.removed_remotely]
        lines += [f"- {s.component} {s.uid or '(no UID)'}: {s.reason}" for s in self.skipped]
        return "\n".join(lines)


class RemoteCalendar(Protocol):
    """What :meth:`CalendarService.sync` needs of a remote collection.

    :class:`crmcore.adapters.caldav.CalDAVCollection` is one; a host with its
    own HTTP stack may pass another.
    """

    @property
    def url(self) -> str:
        """The collection's URL, without credentials."""
        ...

    def put(self, uid: str, ics: bytes, *, etag: str | None = None) -> RemoteItem:
        """Write one item, guarded by ``etag``; Conflict when the server's version differs."""
        ...

    def changed_since(self, token: str | None) -> tuple[list[RemoteItem], list[str], str]:
        """(changed items, hrefs deleted, next token); Conflict when the token expired."""
        ...


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@attrs.define(kw_only=True)
class Sync:
    """One sync of one employee's calendar with one remote collection.

    It runs as the actor of ``context``, who may only push what ``readable``
    lets them read; the status and percent pulled are ``who``'s own moves,
    and to-dos made on the server become tasks made by ``who``.
    """

    context: Context
    who: Employee
    remote: RemoteCalendar
    since: datetime
    until: datetime
    readable: Callable[[object, str], bool]
    pushed: list[str] = attrs.Factory(list)
    pulled: list[str] = attrs.Factory(list)
    created: list[UUID] = attrs.Factory(list)
    removed: list[str] = attrs.Factory(list)
    conflicts: list[str] = attrs.Factory(list)
    skipped: list[Skipped] = attrs.Factory(list)

    def run(self) -> SyncReport:
        """Pull, then push; what was done, by UID."""
        subscription = self._pull()
        self._push(subscription)
        return SyncReport(
            pushed=tuple(self.pushed),
            pulled=tuple(self.pulled),
            created=tuple(self.created),
            removed_remotely=tuple(self.removed),
            conflicts=tuple(self.conflicts),
            skipped=tuple(self.skipped),
        )

    # --- pull

    def _pull(self) -> CalendarSubscription:
        url = self.remote.url
        with self.context.unit_of_work(writes=False) as uow:
            found = uow.subscriptions.find(employee_id=self.who.id, url=url)
        token = found[0].sync_token if found else None
        try:
            changed, deleted, new_token = self.remote.changed_since(token)
        except Conflict:
            # The server forgot the token: everything is compared once.
            changed, deleted, new_token = self.remote.changed_since(None)
        with self.context.unit_of_work() as uow:
            now = self.context.now()
            stored = uow.subscriptions.find(employee_id=self.who.id, url=url)
            subscription = stored[0] if stored else self._subscribe(uow, url, now)
            known = {i.uid: i for i in uow.synced_items.find(subscription_id=subscription.id)}
            for item in changed:
                self._pulled(uow, subscription, known, item)
            by_href = {i.href: i for i in known.values() if i.href}
            for href in deleted:
                mapped = by_href.get(href)
                if mapped is not None:
                    self._deleted(uow, mapped)
            # A token too long to store means comparing everything next time.
            subscription = attrs.evolve(
                subscription,
                sync_token=new_token if len(new_token) <= _MAX_TOKEN else None,
                synced_at=now,
                version=subscription.version + 1,
                updated_at=now,
            )
            uow.subscriptions.update(subscription, subscription.version - 1)
            return subscription

    def _subscribe(self, uow: UnitOfWork, url: str, now: datetime) -> CalendarSubscription:
        subscription = CalendarSubscription(
            employee_id=self.who.id, url=url, version=1, created_at=now, updated_at=now
        )
        uow.subscriptions.add(subscription)
        return subscription

    def _pulled(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        known: dict[str, SyncedItem],
        item: RemoteItem,
    ) -> None:
        mapped = known.get(item.uid)
        if mapped is not None and mapped.etag == item.etag:
            return  # what this sync's last push stored
        parsed = parse_calendar(item.ics, default_time_zone=self.who.time_zone)
        self.skipped += parsed.skipped
        if mapped is None:
            mapped = self._new(uow, subscription, item, parsed)
            if mapped is not None:
                known[item.uid] = mapped
            return
        if mapped.entity_kind == "task":
            task = uow.tasks.get(mapped.entity_id)
            if task is None:
                uow.synced_items.delete(mapped.id)
                known.pop(item.uid)
                return
            group = self._group(uow, "task", task.id)
            if group is not None and _digest(group.render()) != mapped.fingerprint:
                self.conflicts.append(item.uid)
            self._apply(uow, task, parsed)
            self.pulled.append(item.uid)
        # crmcore wins for requisites: its version is pushed again.
        known[item.uid] = self._remember(
            uow, mapped, href=item.href, etag=item.etag, fingerprint=""
        )

    def _new(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        item: RemoteItem,
        parsed: ParsedCalendar,
    ) -> SyncedItem | None:
        """An item the server has that this subscription does not know yet."""
        kind, entity_id = self._own(uow, item.uid)
        if kind is not None and entity_id is not None:
            if kind == "task":
                task = uow.tasks.get(entity_id)
                if task is not None:
                    self._apply(uow, task, parsed)
            return self._track(uow, subscription, item, kind, entity_id)
        todos = [i for i in parsed.items if i.kind == "todo"]
        if not todos:
            component = "VEVENT" if parsed.items else "item"
            self.skipped.append(
                Skipped(
                    component=component,
                    uid=item.uid,
                    reason="events made on the server are not imported into crmcore",
                )
            )
            return None
        if len(item.uid) > _MAX_SYNCED_UID:
            self.skipped.append(
                Skipped(
                    component="VTODO",
                    uid=item.uid[:80],
                    reason=f"its UID is longer than {_MAX_SYNCED_UID} characters",
                )
            )
            return None
        importer = Importer(
            context=self.context.acting_as(self.who),
            uow=uow,
            who=self.who,
            client=None,
            event_type=None,
            zone=self.who.time_zone,
            now=self.context.now(),
            horizon=self.until,
        )
        importer.run(attrs.evolve(parsed, items=tuple(todos), skipped=()))
        self.skipped += importer.skipped
        self.created += importer.tasks
        made = uow.tasks.find(external_ref=external_ref(item.uid))
        if not made:
            return None
        return self._track(uow, subscription, item, "task", made[0].id)

    def _own(self, uow: UnitOfWork, uid: str) -> tuple[str | None, UUID | None]:
        """What in crmcore a UID names, if anything: a task or event written or imported."""
        found = own_entity(uid)
        if found is not None:
            kind, entity_id = found
            exists = (uow.tasks if kind == "task" else uow.events).get(entity_id)
            return (kind, entity_id) if exists is not None else (None, None)
        tasks = uow.tasks.find(external_ref=external_ref(uid))
        if tasks:
            return "task", tasks[0].id
        event = uow.events.get_by_external_ref(external_ref(uid))
        return ("event", event.id) if event is not None else (None, None)

    def _apply(self, uow: UnitOfWork, task: Task, parsed: ParsedCalendar) -> None:
        """The server's status and percent, as the employee's own moves."""
        mine = TaskService(self.context.acting_as(self.who))
        series = None if task.series_id is None else uow.series.get(task.series_id)
        zone = ZoneInfo(task.time_zone)
        for todo in parsed.items:
            if todo.kind != "todo":
                continue
            target: Task | None = task
            if todo.recurrence_id is not None:
                try:
                    occurrence = instant(todo.recurrence_id, zone)
                except OverflowError:
                    continue
                made = (
                    []
                    if series is None
                    else uow.tasks.find(series_id=series.id, occurrence=occurrence)
                )
                target = made[0] if made else None
            if target is not None:
                apply_todo_state(mine, mine, find_task(uow, target.id), self.who, todo, close=False)

    def _deleted(self, uow: UnitOfWork, mapped: SyncedItem) -> None:
        self.removed.append(mapped.uid)
        group = self._group(uow, mapped.entity_kind, mapped.entity_id)
        if group is None:
            uow.synced_items.delete(mapped.id)
            return
        # Not pushed again until it changes in crmcore.
        self._remember(uow, mapped, href="", etag=None, fingerprint=_digest(group.render()))

    def _group(self, uow: UnitOfWork, kind: str, entity_id: UUID) -> Group | None:
        """How crmcore writes a task (with its series) or event now, for the employee."""
        if kind == "task":
            task = uow.tasks.get(entity_id)
            if task is None or task.archived:
                return None
            groups = task_groups(uow, [task], self.who)
        else:
            event = uow.events.get(entity_id)
            if event is None or event.archived:
                return None
            groups = event_groups(uow, [event])
        return next((g for g in groups if g.entity_id == entity_id), None)

    def _track(
        self,
        uow: UnitOfWork,
        subscription: CalendarSubscription,
        item: RemoteItem,
        kind: str,
        entity_id: UUID,
        fingerprint: str = "",
    ) -> SyncedItem:
        """Start tracking an item; an empty fingerprint has crmcore's version pushed."""
        now = self.context.now()
        tracked = SyncedItem(
            subscription_id=subscription.id,
            uid=item.uid,
            entity_kind=kind,
            entity_id=entity_id,
            href=item.href,
            etag=item.etag,
            fingerprint=fingerprint,
            version=1,
            created_at=now,
            updated_at=now,
        )
        uow.synced_items.add(tracked)
        return tracked

    def _remember(
        self, uow: UnitOfWork, mapped: SyncedItem, *, href: str, etag: str | None, fingerprint: str
    ) -> SyncedItem:
        changed = attrs.evolve(
            mapped,
            href=href,
            etag=etag,
            fingerprint=fingerprint,
            version=mapped.version + 1,
            updated_at=self.context.now(),
        )
        uow.synced_items.update(changed, mapped.version)
        return changed

    # --- push

    def _push(self, subscription: CalendarSubscription) -> None:
        with self.context.unit_of_work(writes=False) as uow:
            groups = employee_groups(uow, self.who, self.since, self.until, self.readable)
            known = {i.uid: i for i in uow.synced_items.find(subscription_id=subscription.id)}
        held = set(self.conflicts)
        for group in groups:
            if group.uid in held or len(group.uid) > _MAX_SYNCED_UID:
                continue
            text = group.render()
            digest = _digest(text)
            mapped = known.get(group.uid)
            if mapped is not None and mapped.fingerprint == digest:
                continue
            try:
                stored = self.remote.put(
                    group.uid, text, etag=None if mapped is None else mapped.etag
                )
            except Conflict:
                self.conflicts.append(group.uid)
                continue
            except ValidationError as error:
                self.skipped.append(
                    Skipped(
                        component=component_of(group.items[0]),
                        uid=group.uid,
                        reason=f"the server refused it: {error.problem}",
                    )
                )
                continue
            with self.context.unit_of_work() as uow:
                current = uow.synced_items.find(subscription_id=subscription.id, uid=group.uid)
                if current:
                    tracked = attrs.evolve(
                        current[0], entity_kind=group.kind, entity_id=group.entity_id
                    )
                    self._remember(
                        uow, tracked, href=stored.href, etag=stored.etag, fingerprint=digest
                    )
                else:
                    self._track(uow, subscription, stored, group.kind, group.entity_id, digest)
            self.pushed.append(group.uid)
