"""Gantt data, the critical path and the matplotlib rendering."""

from __future__ import annotations

import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crmcore.domain.gantt import GanttBar, GanttLink, critical_path
from crmcore.domain.ids import new_id
from crmcore.domain.tasks import (
    Dependency,
    DependencyKind,
    Executor,
    ExecutorKind,
    ExecutorStatus,
    Task,
    TaskStatus,
)
from crmcore.errors import PluginError, ValidationError
from crmcore.plotting import Gantt, build_gantt

T0 = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
FS = DependencyKind.FINISH_TO_START
SS = DependencyKind.START_TO_START
FF = DependencyKind.FINISH_TO_FINISH
SF = DependencyKind.START_TO_FINISH


def day(n: float) -> datetime:
    return T0 + timedelta(days=n)


def task(name: str, start: float, days: float, **fields: object) -> Task:
    return Task(name=name, planned_start=day(start), planned_end=day(start + days), **fields)  # type: ignore[arg-type]


def link(a: Task, b: Task, kind: DependencyKind = FS, lag_days: float = 0) -> Dependency:
    return Dependency(
        predecessor_id=a.id, successor_id=b.id, kind=kind, lag=timedelta(days=lag_days)
    )


def named(path: tuple[UUID, ...], *tasks: Task) -> list[str]:
    names = {t.id: t.name for t in tasks}
    return [names[i] for i in path]


# ---------------------------------------------------------------- critical path


def textbook() -> tuple[list[Task], list[Dependency]]:
    """A network using all four kinds with lags; C and F have six days of float.

    Earliest starts: A 0, B 4 (A+3, lag 1), C 2 (SS lag 2), D 6 (finish >= B's 8 + 1),
    E 7 (finish >= D's start 6 + 5), F 4; the set ends on day 11 with E.
    """
    a = task("A", 0, 3)
    b = task("B", 0, 4)
    c = task("C", 0, 2)
    d = task("D", 0, 3)
    e = task("E", 0, 4)
    f = task("F", 0, 1)
    deps = [
        link(a, b, FS, 1),
        link(a, c, SS, 2),
        link(b, d, FF, 1),
        link(d, e, SF, 5),
        link(c, f, FS),
    ]
    return [a, b, c, d, e, f], deps


def test_critical_path_honours_every_kind_and_lag() -> None:
    tasks, deps = textbook()
    path = critical_path(tasks, deps)
    assert named(path, *tasks) == ["A", "B", "D", "E"]


def test_critical_path_does_not_depend_on_input_order() -> None:
    tasks, deps = textbook()
    assert critical_path(reversed(tasks), reversed(deps)) == critical_path(tasks, deps)


def test_using_up_the_float_makes_a_task_critical() -> None:
    # C..F has six days of float: stretching F by six days makes C and F critical too.
    tasks, deps = textbook()
    stretched = [task("F", 0, 7, id=t.id) if t.name == "F" else t for t in tasks]
    path = critical_path(stretched, deps)
    assert named(path, *stretched) == ["A", "C", "B", "F", "D", "E"]
    shorter = [task("F", 0, 6.5, id=t.id) if t.name == "F" else t for t in tasks]
    assert named(critical_path(shorter, deps), *shorter) == ["A", "B", "D", "E"]


def test_a_task_never_starts_earlier_than_planned() -> None:
    a = task("A", 0, 3)
    b = task("B", 10, 2)  # could start on day 3, but is planned for day 10
    assert critical_path([a, b], [link(a, b)]) == (b.id,)


def test_an_unlinked_task_that_ends_the_set_is_critical() -> None:
    tasks, deps = textbook()
    alone = task("Alone", 0, 11)  # ends on day 11, like E
    path = critical_path([*tasks, alone], deps)
    assert set(named(path, *tasks, alone)) == {"A", "B", "D", "E", "Alone"}
    assert path[:2] == tuple(sorted((tasks[0].id, alone.id)))  # both start on day 0: by id


def test_negative_lag_lets_a_successor_overlap() -> None:
    a = task("A", 0, 4)
    b = task("B", 0, 2)
    c = task("C", 0, 1)
    # B may start two days before A finishes: it ends on day 4 with A.
    path = critical_path([a, b, c], [link(a, b, FS, -2)])
    assert named(path, a, b, c) == ["A", "B"]


def test_dependencies_outside_the_set_are_ignored() -> None:
    a = task("A", 0, 1)
    b = task("B", 0, 2)
    outside = task("Outside", 0, 50)
    assert critical_path([a, b], [link(outside, a), link(a, outside)]) == (b.id,)


def test_no_tasks_no_path() -> None:
    assert critical_path([], []) == ()


def test_a_cycle_is_refused_naming_its_tasks() -> None:
    a, b, c, d = task("A", 0, 1), task("B", 0, 1), task("C", 0, 1), task("D", 0, 1)
    deps = [link(d, a), link(a, b), link(b, c, SS), link(c, a, FF)]
    with pytest.raises(ValidationError) as caught:
        critical_path([a, b, c, d], deps)
    assert caught.value.field == "dependencies"
    assert caught.value.problem.startswith("form a cycle")
    for name in ("'A'", "'B'", "'C'"):
        assert name in caught.value.problem
    assert "'D'" not in caught.value.problem
    with pytest.raises(ValidationError):
        build_gantt([a, b, c, d], [], deps, {})


@st.composite
def networks(draw: st.DrawFn) -> tuple[list[Task], list[Dependency]]:
    size = draw(st.integers(1, 7))
    tasks = [
        task(f"T{i}", draw(st.integers(0, 10)), draw(st.integers(0, 6)) / 2) for i in range(size)
    ]
    # Edges only from a lower to a higher index: never a cycle.
    pairs = [(i, j) for i in range(size) for j in range(i + 1, size)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True) if pairs else st.just([]))
    deps = [
        link(
            tasks[i],
            tasks[j],
            draw(st.sampled_from(list(DependencyKind))),
            draw(st.integers(-2, 3)),
        )
        for i, j in chosen
    ]
    return tasks, deps


@settings(max_examples=150, deadline=None)
@given(networks(), st.integers(-1000, 1000), st.randoms())
def test_critical_path_properties(
    network: tuple[list[Task], list[Dependency]], shift_hours: int, rnd: random.Random
) -> None:
    tasks, deps = network
    path = critical_path(tasks, deps)
    assert path, "some task always ends the set"
    assert len(set(path)) == len(path)
    # Independent of input order, and of moving the whole plan in time.
    shuffled = list(tasks)
    rnd.shuffle(shuffled)
    assert critical_path(shuffled, deps) == path
    shift = timedelta(hours=shift_hours)
    moved = [
        Task(
            id=t.id,
            name=t.name,
            planned_start=t.planned_start + shift,
            planned_end=t.planned_end + shift,
        )
        for t in tasks
    ]
    assert critical_path(moved, deps) == path
    if not deps:
        end = max(t.planned_end for t in tasks)
        assert set(path) == {t.id for t in tasks if t.planned_end == end}


# ---------------------------------------------------------------- build_gantt


def test_rows_lanes_and_links() -> None:
    anna, boris, gone = new_id(), new_id(), new_id()
    design = task("Design", 0, 3, percent_done=100, status="completed", colour="#3366cc")
    build = task("build", 3, 5, percent_done=40, status=TaskStatus.IN_PROGRESS)
    docs = task("Docs", 3, 2)
    other = task("Not charted", 0, 1)
    lanes = [
        Executor(
            task_id=build.id,
            employee_id=boris,
            planned_start=day(4),
            planned_end=day(8),
            position=1,
        ),
        Executor(
            task_id=build.id,
            employee_id=anna,
            planned_start=day(3),
            planned_end=day(6),
            percent_done=80,
            status=ExecutorStatus.IN_PROGRESS,
        ),
        Executor(
            task_id=build.id, employee_id=gone, planned_start=day(3), planned_end=day(4), position=2
        ),
        Executor(
            task_id=build.id,
            kind=ExecutorKind.DEPARTMENT,
            group="QA",
            planned_start=day(7),
            planned_end=day(8),
            position=2,
        ),
        Executor(task_id=other.id, employee_id=anna, planned_start=day(0), planned_end=day(1)),
    ]
    deps = [
        link(design, docs, SS, 1),
        link(design, build),
        link(other, build),  # leaves the set: dropped
    ]
    gantt = build_gantt([docs, build, design], lanes, deps, {anna: "Anna", boris: "Boris"})

    assert [row.name for row in gantt.rows] == ["Design", "build", "Docs"]  # same start: by name
    first = gantt.rows[0]
    assert (first.task_id, first.start, first.end) == (design.id, day(0), day(3))
    assert (first.percent, first.status, first.colour, first.critical) == (
        100,
        "completed",
        "#3366cc",
        True,
    )
    assert first.lanes == ()
    middle = gantt.rows[1]
    assert (middle.percent, middle.status, middle.critical) == (40, "in_progress", True)
    assert gantt.rows[2].critical is False
    assert middle.lanes == (
        GanttBar(
            executor_id=lanes[1].id,
            label="Anna",
            start=day(3),
            end=day(6),
            percent=80,
            status="in_progress",
        ),
        GanttBar(
            executor_id=lanes[0].id,
            label="Boris",
            start=day(4),
            end=day(8),
            percent=0,
            status="assigned",
        ),
        GanttBar(
            executor_id=lanes[2].id,
            label="?",
            start=day(3),
            end=day(4),
            percent=0,
            status="assigned",
        ),
        GanttBar(
            executor_id=lanes[3].id,
            label="QA",
            start=day(7),
            end=day(8),
            percent=0,
            status="assigned",
        ),
    )
    assert gantt.links == (
        GanttLink(predecessor_id=design.id, successor_id=build.id, kind=FS, lag=timedelta(0)),
        GanttLink(predecessor_id=design.id, successor_id=docs.id, kind=SS, lag=timedelta(days=1)),
    )
    assert gantt.critical_path == (design.id, build.id)


def test_an_empty_gantt() -> None:
    assert build_gantt([], [], [], {}) == Gantt(rows=(), links=(), critical_path=())


def test_rows_with_the_same_start_and_name_are_ordered_by_id() -> None:
    one, two = task("Same", 0, 1), task("Same", 0, 1)
    gantt = build_gantt([one, two], [], [], {})
    assert [row.task_id for row in gantt.rows] == sorted([one.id, two.id])


# ---------------------------------------------------------------- rendering


def sample() -> Gantt:
    anna = new_id()
    design = task("Проектирование", 0, 3, percent_done=100, colour="not a colour")
    build = task("Build", 3, 5, percent_done=40, colour="tab:green")
    review = task("Review", 8, 0)  # a milestone
    lanes = [
        Executor(
            task_id=build.id,
            employee_id=anna,
            planned_start=day(3),
            planned_end=day(6),
            percent_done=50,
        ),
        Executor(
            task_id=build.id, kind="group", group="QA", planned_start=day(6), planned_end=day(6)
        ),
    ]
    deps = [link(design, build), link(build, review, FF), link(design, review, SF, 2)]
    return build_gantt([design, build, review], lanes, deps, {anna: "Anna"})


@pytest.mark.filterwarnings("error")
def test_plot_draws_onto_a_new_figure_or_given_axes() -> None:
    from matplotlib.figure import Figure

    ax = sample().plot()
    assert isinstance(ax.figure, Figure)
    assert [label.get_text() for label in ax.get_yticklabels()] == [
        "Проектирование",
        "Build",
        "Review",
    ]
    assert [label.get_text() for label in ax.get_yticklabels(minor=True)] == ["Anna", "QA"]
    assert any(
        patch.get_edgecolor()[:3] == pytest.approx((0.839, 0.153, 0.157), abs=0.01)
        for patch in ax.patches
    )

    own = Figure().add_subplot()
    assert sample().plot(own) is own


@pytest.mark.filterwarnings("error")
def test_to_svg_is_an_svg_document() -> None:
    svg = sample().to_svg()
    assert "<svg" in svg
    assert svg.rstrip().endswith("</svg>")
    assert sample()._repr_svg_() == svg  # no date or random ids: the same chart, the same text


def test_to_png_is_a_png_image() -> None:
    png = sample().to_png(dpi=50)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")


def test_an_empty_chart_renders() -> None:
    assert "<svg" in build_gantt([], [], [], {}).to_svg()


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".png", b"\x89PNG"), (".svg", b"<?xml"), (".PDF", b"%PDF")]
)
def test_save_picks_the_format_from_the_suffix(tmp_path: Path, suffix: str, magic: bytes) -> None:
    target = tmp_path / f"plan{suffix}"
    sample().save(target)
    assert target.read_bytes().startswith(magic)


def test_save_refuses_an_unknown_suffix(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as caught:
        sample().save(tmp_path / "plan.jpeg")
    assert caught.value.field == "path"
    assert ".png, .svg or .pdf" in caught.value.problem
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValidationError):
        sample().save(str(tmp_path / "plan"))


def test_the_data_needs_no_matplotlib() -> None:
    code = (
        "import sys, crmcore.domain.gantt, crmcore.plotting; "
        "assert 'matplotlib' not in sys.modules, 'imported matplotlib'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_without_matplotlib_drawing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    gantt = sample()
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(PluginError, match=r"pip install 'crmcore\[plot\]'"):
        gantt.to_svg()
    with pytest.raises(PluginError):
        gantt.plot()
