"""Task dependencies: the four kinds with their lag, refused cycles, conflicts and rescheduling."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from crmcore.domain.tasks import DependencyKind
from crmcore.errors import DuplicateError, ValidationError
from crmcore.testing.conformance.fixtures import Office, footprint, simple_task, utc_2014

__all__ = ["DependencyConformance"]


class DependencyConformance:
    """Dependencies between tasks and the rescheduling they drive."""

    @pytest.mark.parametrize(
        ("kind", "lag", "field", "required", "moved"),
        [
            (
                "finish_to_start",
                timedelta(hours=6),
                "planned_start",
                utc_2014(5, 6),
                (utc_2014(5, 6), utc_2014(7, 6)),
            ),
            (
                "start_to_start",
                timedelta(hours=6),
                "planned_start",
                utc_2014(3, 6),
                (utc_2014(3, 6), utc_2014(5, 6)),
            ),
            (
                "finish_to_finish",
                timedelta(hours=6),
                "planned_end",
                utc_2014(5, 6),
                (utc_2014(3, 6), utc_2014(5, 6)),
            ),
            (
                "start_to_finish",
                timedelta(days=2),
                "planned_end",
                utc_2014(5),
                (utc_2014(3), utc_2014(5)),
            ),
        ],
    )
    def test_tasks_dependency_of_each_kind_binds_dates_with_its_lag(
        self,
        office: Office,
        kind: str,
        lag: timedelta,
        field: str,
        required: datetime,
        moved: tuple[datetime, datetime],
    ) -> None:
        crm = office.crm
        before, _ = simple_task(office, "Попередня", start=utc_2014(3), end=utc_2014(5))
        after, (row,) = simple_task(
            office, "Наступна", start=utc_2014(2), end=utc_2014(4), executors=[office.ivanov]
        )
        dependency = crm.tasks.add_dependency(before, after, kind=kind, lag=lag)
        assert (dependency.kind, dependency.lag) == (DependencyKind(kind), lag)
        assert crm.tasks.dependencies(after) == ([dependency], [])
        assert crm.tasks.dependencies(before) == ([], [dependency])
        [conflict] = crm.tasks.conflicts()
        assert (conflict.dependency, conflict.field, conflict.required) == (
            dependency,
            field,
            required,
        )
        assert conflict.planned == getattr(after, field)
        assert crm.tasks.conflicts([before]) == []
        [shifted] = crm.tasks.reschedule(before)
        assert (shifted.id, shifted.planned_start, shifted.planned_end) == (after.id, *moved)
        [moved_row] = crm.tasks.executors(after)
        assert (moved_row.planned_start, moved_row.planned_end) == moved
        assert moved_row.id == row.id
        assert crm.tasks.conflicts() == []
        assert crm.tasks.reschedule(before) == []

    def test_tasks_dependency_cycle_or_duplicate_is_refused_and_writes_nothing(
        self, office: Office
    ) -> None:
        crm = office.crm
        a, _ = simple_task(office, "A")
        b, _ = simple_task(office, "B")
        c, _ = simple_task(office, "C")
        first = crm.tasks.add_dependency(a, b)
        crm.tasks.add_dependency(b, c, kind="start_to_start")
        footprints = [footprint(crm, t) for t in (a, b, c)]
        for predecessor, successor in ((b, a), (c, a), (c, b), (a, a)):
            with pytest.raises(ValidationError) as caught:
                crm.tasks.add_dependency(predecessor, successor)
            assert caught.value.field == "successor"
            assert not isinstance(caught.value, DuplicateError)
        with pytest.raises(DuplicateError) as duplicate:
            crm.tasks.add_dependency(a, b, kind="finish_to_finish", lag=timedelta(days=1))
        assert duplicate.value.field == "successor"
        with pytest.raises(ValidationError) as unknown:
            crm.tasks.add_dependency(a, UUID(int=7))
        assert unknown.value.field == "successor"
        assert [footprint(crm, t) for t in (a, b, c)] == footprints
        crm.tasks.remove_dependency(first)
        assert crm.tasks.dependencies(b)[0] == []
        assert crm.tasks.add_dependency(b, a).predecessor_id == b.id  # no cycle any more

    def test_tasks_reschedule_moves_dependents_forward_transitively_never_backward(
        self, office: Office
    ) -> None:
        crm = office.crm
        dig, _ = simple_task(office, "Котлован", start=utc_2014(3), end=utc_2014(5))
        pour, (pour_row,) = simple_task(
            office, "Фундамент", start=utc_2014(5), end=utc_2014(8), executors=[office.ivanov]
        )
        walls, (walls_row,) = simple_task(
            office,
            "Стіни",
            start=utc_2014(8),
            end=utc_2014(12),
            executors=[{"employee": office.melnyk, "start": utc_2014(9), "end": utc_2014(10)}],
        )
        roof, _ = simple_task(office, "Дах", start=utc_2014(20), end=utc_2014(22))
        apart, _ = simple_task(office, "Окремо", start=utc_2014(5), end=utc_2014(6))
        crm.tasks.add_dependency(dig, pour)
        crm.tasks.add_dependency(pour, walls)
        crm.tasks.add_dependency(walls, roof)  # roof has slack: it does not move
        assert crm.tasks.conflicts() == []
        late = crm.tasks.update(dig, end=utc_2014(6, 12))
        assert len(crm.tasks.conflicts()) == 1
        moved = crm.tasks.reschedule(late)
        assert [(t.name, t.planned_start, t.planned_end) for t in moved] == [
            ("Фундамент", utc_2014(6, 12), utc_2014(9, 12)),
            ("Стіни", utc_2014(9, 12), utc_2014(13, 12)),
        ]
        [row] = crm.tasks.executors(pour)
        assert (row.id, row.planned_start, row.planned_end) == (
            pour_row.id,
            utc_2014(6, 12),
            utc_2014(9, 12),
        )
        [row] = crm.tasks.executors(walls)
        assert (row.id, row.planned_start, row.planned_end) == (
            walls_row.id,
            utc_2014(10, 12),
            utc_2014(11, 12),
        )
        assert crm.tasks.get(roof.id).planned_start == utc_2014(20)
        assert crm.tasks.get(apart.id) == apart
        crm.tasks.update(late, end=utc_2014(4))  # earlier: nothing ever moves back
        assert crm.tasks.reschedule(dig) == []
        assert crm.tasks.get(pour.id).planned_start == utc_2014(6, 12)
        assert crm.tasks.conflicts() == []

    def test_tasks_conflicts_of_a_long_chain_are_each_reported_once(self, office: Office) -> None:
        crm = office.crm
        # Thirty tasks, each planned to start a day after the one before ends:
        # every link of the chain is a conflict, whichever way they are asked for.
        chain = [
            crm.tasks.create(
                f"Етап {index:02}",
                project=office.project,
                start=datetime(2014, 11, 5, 9, tzinfo=UTC),
                end=datetime(2014, 11, 6, 9, tzinfo=UTC),
            )
            for index in range(30)
        ]
        for before, after in itertools.pairwise(chain):
            crm.tasks.add_dependency(before, after)
        expected = {(before.id, after.id) for before, after in itertools.pairwise(chain)}

        def pairs(found: list[Any]) -> set[tuple[UUID, UUID]]:
            return {(c.dependency.predecessor_id, c.dependency.successor_id) for c in found}

        assert pairs(crm.tasks.conflicts(project=office.project)) == expected
        assert pairs(crm.tasks.conflicts()) == expected
        assert pairs(crm.tasks.conflicts(chain[:3])) == {
            (chain[0].id, chain[1].id),
            (chain[1].id, chain[2].id),
        }
        assert len(crm.tasks.conflicts(project=office.project)) == len(expected)
        moved = crm.tasks.reschedule(chain[0])
        assert [t.id for t in moved] == [t.id for t in chain[1:]]
        assert crm.tasks.conflicts(project=office.project) == []
        assert crm.tasks.get(chain[-1].id).planned_start == datetime(2014, 12, 4, 9, tzinfo=UTC)
