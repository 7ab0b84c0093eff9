"""SQL repository of the series of repeating tasks."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

from sqlalchemy import bindparam, select

from crmcore.adapters.sqlalchemy.repository import RecordRepository, in_list, in_params
from crmcore.adapters.sqlalchemy.statements import padded
from crmcore.domain.series import Series

__all__ = ["SeriesRecords"]


class SeriesRecords(RecordRepository[Series]):
    kind = "series"
    table_name = "series"
    entity_type = Series

    def due(self, now: datetime, limit: int) -> list[Series]:
        """Series whose next occurrence is to become a task by ``now``."""
        c = self.table.c

        def build() -> object:
            return (
                select(*self.mapper.columns)
                .where(c.materialise_at <= bindparam("now"), c.archived.is_(False))
                .order_by(c.materialise_at, c.id)
                .limit(bindparam("limit"))
            )

        rows = self._rows(("series", "due"), build, now=self.codec.moment_in(now), limit=limit)
        return [self.mapper.decode(row) for row in rows]

    def for_employees(self, employee_ids: Sequence[UUID], until: datetime) -> list[Series]:
        """Unarchived series with an occurrence to come before ``until`` whose
        template has an executor row of one of ``employee_ids``."""
        c = self.table.c
        x = self.t.executors.c
        wanted = padded(sorted({self.codec.uuid_in(i) for i in employee_ids}))

        def build() -> object:
            # EXISTS, probed per series through the executors' task index:
            # there are few series, and often none, but many executor rows.
            staffed = (
                select(x.id)
                .where(x.task_id == c.template_id, in_list(x.employee_id, "e", len(wanted)))
                .exists()
            )
            return (
                select(*self.mapper.columns)
                .where(c.archived.is_(False), c.next_at < bindparam("until"), staffed)
                .order_by(c.id)
            )

        rows = self._rows(
            ("series", "for employees", len(wanted)),
            build,
            until=self.codec.moment_in(until),
            **in_params("e", wanted),
        )
        return [self.mapper.decode(row) for row in rows]
