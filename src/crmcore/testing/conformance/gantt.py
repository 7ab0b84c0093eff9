"""The Gantt chart: a row per task, a lane per executor, the links and the critical path."""

from __future__ import annotations

from datetime import timedelta

from crmcore.testing.conformance.fixtures import Office, simple_task, utc_2014

__all__ = ["GanttConformance"]


class GanttConformance:
    """The Gantt chart of a project or of chosen tasks."""

    def test_tasks_gantt_has_rows_lanes_links_and_the_critical_path(self, office: Office) -> None:
        crm = office.crm
        dig, _ = simple_task(
            office,
            "Викопати котлован",
            start=utc_2014(3),
            end=utc_2014(5),
            project=office.project,
            executors=[office.melnyk],
            colour="red",
        )
        order, _ = simple_task(
            office, "Замовити бетон", start=utc_2014(3), end=utc_2014(4), project=office.project
        )
        pour, _ = simple_task(
            office,
            "Залити фундамент",
            start=utc_2014(5),
            end=utc_2014(8),
            project=office.project,
            executors=[office.ivanov, {"kind": "department", "group": "Монтажний відділ"}],
        )
        simple_task(office, "Інший проєкт", start=utc_2014(1), end=utc_2014(30))
        crm.tasks.add_dependency(dig, pour)
        crm.tasks.add_dependency(order, pour, lag=timedelta(hours=12))
        gantt = crm.tasks.gantt(project=office.project)
        assert [row.name for row in gantt.rows] == [
            "Викопати котлован",
            "Замовити бетон",
            "Залити фундамент",
        ]
        assert [row.critical for row in gantt.rows] == [True, False, True]
        assert gantt.critical_path == (dig.id, pour.id)
        assert gantt.rows[0].colour == "red"
        assert [bar.label for bar in gantt.rows[0].lanes] == ["Мельник Петро"]
        assert [bar.label for bar in gantt.rows[2].lanes] == [
            "Иванов Иван Иванович",
            "Монтажний відділ",
        ]
        assert (gantt.rows[2].start, gantt.rows[2].end) == (utc_2014(5), utc_2014(8))
        assert [(link.predecessor_id, link.successor_id, link.lag) for link in gantt.links] == [
            (dig.id, pour.id, timedelta(0)),
            (order.id, pour.id, timedelta(hours=12)),
        ]
        chosen = crm.tasks.gantt([order, pour])
        assert [row.name for row in chosen.rows] == ["Замовити бетон", "Залити фундамент"]
        assert len(chosen.links) == 1
        crm.tasks.archive(order)
        assert len(crm.tasks.gantt(project=office.project).rows) == 2
