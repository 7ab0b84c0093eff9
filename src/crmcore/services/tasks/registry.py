"""The task registry: tasks filtered, sorted and paged, and counted by status."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID

from crmcore.domain import Page, search_key
from crmcore.domain.search import MAX_LIMIT
from crmcore.domain.tasks import Priority, Task, TaskSearch, TaskSort, TaskStatus
from crmcore.errors import ValidationError
from crmcore.ports import UnitOfWork
from crmcore.services.fields import field_conditions
from crmcore.services.refs import (
    ClientRef,
    EmployeeRef,
    ProjectRef,
    find_client,
    find_employee,
    find_project,
)
from crmcore.services.tasks.common import (
    DEFAULT_TIME_ZONE,
    TaskServiceBase,
    moment_of,
    start_of_day,
    zone_named,
)

__all__ = ["RegistryMixin"]


def _statuses(values: object, enum_type: type[Any], field: str) -> frozenset[Any] | None:
    if values is None:
        return None
    items = [values] if isinstance(values, str) else values
    if not isinstance(items, Iterable):
        raise ValidationError(field, f"must be a {field} or a list of them")
    found = set()
    for item in items:
        try:
            found.add(enum_type(item))
        except ValueError:
            allowed = ", ".join(member.value for member in enum_type)
            raise ValidationError(field, f"{item!r} is not one of: {allowed}") from None
    return frozenset(found)


_POSITION_TYPES: dict[TaskSort, tuple[type, ...]] = {
    TaskSort.DUE: (datetime, UUID),
    TaskSort.START: (datetime, UUID),
    TaskSort.PRIORITY: (int, datetime, UUID),
    TaskSort.CREATED: (datetime, UUID),
    TaskSort.NAME: (str, UUID),
}


def _encode_position(sort: TaskSort, position: tuple[Any, ...]) -> str:
    items = [
        v.isoformat() if isinstance(v, datetime) else v.hex if isinstance(v, UUID) else v
        for v in position
    ]
    raw = json.dumps([sort.value, items], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_position(sort: TaskSort, cursor: str) -> tuple[Any, ...]:
    problem = ValidationError("cursor", "is not a cursor this registry gave out")
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        sort_value, items = json.loads(raw)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise problem from None
    types = _POSITION_TYPES[sort]
    if sort_value != sort.value or not isinstance(items, list) or len(items) != len(types):
        raise problem
    values: list[Any] = []
    try:
        for item, kind in zip(items, types, strict=True):
            if kind is datetime:
                moment = datetime.fromisoformat(item)
                if moment.tzinfo is None:
                    raise problem
                values.append(moment.astimezone(UTC))
            elif kind is UUID:
                values.append(UUID(hex=item))
            elif not isinstance(item, kind) or isinstance(item, bool):
                raise problem
            else:
                values.append(item)
    except (ValueError, TypeError, AttributeError):
        raise problem from None
    return tuple(values)


class RegistryMixin(TaskServiceBase):
    """The task registry: filters, sorting, keyset pages, and counts per status."""

    def _search(
        self,
        uow: UnitOfWork,
        *,
        executor: EmployeeRef | None,
        controller: EmployeeRef | None,
        author: EmployeeRef | None,
        client: ClientRef | None,
        project: ProjectRef | None,
        status: Any,
        priority: Any,
        overdue: bool,
        viewer: EmployeeRef | None,
        period: tuple[datetime | date, datetime | date] | None,
        text: str | None,
        fields: Mapping[str, Any] | None,
        include_archived: bool,
        now: datetime | None,
    ) -> TaskSearch:
        who = viewer if viewer is not None else self.actor.employee_id
        # The viewer's zone matters only for days: overdue and period dates.
        needs_zone = overdue or period is not None or viewer is not None
        viewing = None if who is None or not needs_zone else find_employee(uow, who, "viewer")
        zone = zone_named(viewing.time_zone if viewing else DEFAULT_TIME_ZONE, "viewer")
        moment = self._now() if now is None else moment_of(now, "now", zone)
        since = until = None
        if period is not None:
            if not isinstance(period, tuple) or len(period) != 2:
                raise ValidationError("period", "must be a pair (since, until)")
            since = moment_of(period[0], "period", zone)
            until = moment_of(period[1], "period", zone, end=True)
            if until < since:
                raise ValidationError("period", "ends before it starts")
        if text is not None and not isinstance(text, str):
            raise ValidationError("text", f"must be str, not {type(text).__name__}")
        return TaskSearch(
            executor_id=None if executor is None else find_employee(uow, executor, "executor").id,
            controller_id=None
            if controller is None
            else find_employee(uow, controller, "controller").id,
            author_id=None if author is None else find_employee(uow, author, "author").id,
            client_id=None if client is None else find_client(uow, client, "client").id,
            project_id=None if project is None else find_project(uow, project, "project").id,
            statuses=_statuses(status, TaskStatus, "status"),
            priorities=_statuses(priority, Priority, "priority"),
            # Overdue is judged by days in the viewer's zone: a task is overdue
            # once the day it was due on has ended where the viewer is.
            overdue_at=start_of_day(moment, zone) if overdue else None,
            since=since,
            until=until,
            text=search_key(text) if text and text.strip() else None,
            field_values=field_conditions(uow, "task", fields),
            include_archived=include_archived,
        )

    def registry(
        self,
        *,
        executor: EmployeeRef | None = None,
        controller: EmployeeRef | None = None,
        author: EmployeeRef | None = None,
        client: ClientRef | None = None,
        project: ProjectRef | None = None,
        status: TaskStatus | str | Iterable[TaskStatus | str] | None = None,
        priority: Priority | str | Iterable[Priority | str] | None = None,
        overdue: bool = False,
        viewer: EmployeeRef | None = None,
        period: tuple[datetime | date, datetime | date] | None = None,
        text: str | None = None,
        fields: Mapping[str, Any] | None = None,
        sort: TaskSort | str = TaskSort.DUE,
        limit: int = 50,
        cursor: str | None = None,
        include_archived: bool = False,
        now: datetime | None = None,
    ) -> Page[Task]:
        """The task registry: filter, sort, and page through tasks.

        Args:
            executor: tasks with an executor row of this employee.
            controller, author, client, project: tasks with this one.
            status, priority: one value or several.
            overdue: only open tasks whose planned end fell on a day that has
                ended in the viewer's time zone.
            viewer: whose time zone judges "overdue" and dates in ``period``;
                the acting employee when omitted.
            period: (since, until): tasks whose planned period meets it;
                dates are whole days in the viewer's zone.
            text: part of the name or description, in any case.
            fields: user-field values ``{name: value}``; a multi-choice field
                matches when it includes the value.
            sort: ``due``, ``start``, ``priority`` (urgent first), ``created``
                (newest first) or ``name``.
            limit: tasks per page (at most 1000).
            cursor: ``next_cursor`` of the previous page.
            now: the moment "overdue" is judged at; now when omitted.

        Example:
            >>> import crmcore
            >>> from datetime import date, datetime, UTC
            >>> crm = crmcore.open()
            >>> ivanov = crm.employees.create(code="22", name="Іванов")
            >>> late = crm.tasks.create(
            ...     "Звіт", start=date(2014, 11, 5), end=date(2014, 11, 6), executors=[ivanov]
            ... )
            >>> page = crm.tasks.registry(
            ...     executor=ivanov, overdue=True, now=datetime(2014, 11, 8, tzinfo=UTC)
            ... )
            >>> [task.name for task in page]
            ['Звіт']
        """
        try:
            order = TaskSort(sort)
        except ValueError:
            allowed = ", ".join(s.value for s in TaskSort)
            raise ValidationError("sort", f"{sort!r} is not one of: {allowed}") from None
        if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
            raise ValidationError("limit", f"must be an integer from 1 to {MAX_LIMIT}")
        after = None if cursor is None else _decode_position(order, cursor)
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._search(
                uow,
                executor=executor,
                controller=controller,
                author=author,
                client=client,
                project=project,
                status=status,
                priority=priority,
                overdue=overdue,
                viewer=viewer,
                period=period,
                text=text,
                fields=fields,
                include_archived=include_archived,
                now=now,
            )
            found = uow.tasks.search(query, order, after=after, limit=limit + 1)
        items = found[:limit]
        next_cursor = (
            _encode_position(order, order.position(items[-1])) if len(found) > limit else None
        )
        return Page(items, next_cursor)

    def counts(
        self,
        *,
        executor: EmployeeRef | None = None,
        controller: EmployeeRef | None = None,
        author: EmployeeRef | None = None,
        client: ClientRef | None = None,
        project: ProjectRef | None = None,
        priority: Priority | str | Iterable[Priority | str] | None = None,
        overdue: bool = False,
        viewer: EmployeeRef | None = None,
        period: tuple[datetime | date, datetime | date] | None = None,
        text: str | None = None,
        fields: Mapping[str, Any] | None = None,
        include_archived: bool = False,
        now: datetime | None = None,
    ) -> dict[TaskStatus, int]:
        """How many tasks each status has, under the same filters as
        :meth:`registry` (every status is present, with 0 when none)."""
        with self._unit_of_work(writes=False) as uow:
            self._authorize("read")
            query = self._search(
                uow,
                executor=executor,
                controller=controller,
                author=author,
                client=client,
                project=project,
                status=None,
                priority=priority,
                overdue=overdue,
                viewer=viewer,
                period=period,
                text=text,
                fields=fields,
                include_archived=include_archived,
                now=now,
            )
            counted = uow.tasks.count_by_status(query)
        return {status: counted.get(status.value, 0) for status in TaskStatus}
