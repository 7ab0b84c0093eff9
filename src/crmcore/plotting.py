"""The plan-schedule chart (:class:`Gantt`) and its drawing with matplotlib.

:func:`build_gantt` turns tasks, their executor rows and the dependencies
between them into a :class:`Gantt`: plain, immutable data a host can lay out
in its own UI (the rules are :func:`crmcore.domain.gantt.plan_rows`), or draw
through :meth:`Gantt.plot`, :meth:`Gantt.to_svg`, :meth:`Gantt.to_png` and
:meth:`Gantt.save`, which need the ``crmcore[plot]`` extra; building the data
does not.

matplotlib is imported only when a chart is drawn, so crmcore imports and
runs without it; a call that needs it and cannot find it raises
:class:`~crmcore.errors.PluginError` saying how to install it.  Figures are
bare :class:`matplotlib.figure.Figure` objects, never pyplot ones, so no GUI
backend is needed and nothing is left open in pyplot's figure registry.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from uuid import UUID

import attrs

from crmcore.domain.gantt import GanttLink, GanttRow, plan_rows
from crmcore.domain.tasks import Dependency, DependencyKind, Executor, Task
from crmcore.errors import PluginError, ValidationError

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["Gantt", "ImageFormat", "build_gantt", "gantt_image", "render_gantt", "save_gantt"]

#: The file formats :func:`gantt_image` and :func:`save_gantt` write.
ImageFormat = Literal["png", "svg", "pdf"]
_FORMATS: dict[str, ImageFormat] = {".png": "png", ".svg": "svg", ".pdf": "pdf"}

_DEFAULT_COLOUR = "tab:blue"
_LANE_COLOUR = "tab:gray"
_CRITICAL_COLOUR = "tab:red"
_LINK_COLOUR = "0.35"

# Vertical layout in row units: a task bar, then its lanes, then a gap.
_TASK_HEIGHT = 0.6
_LANE_STEP = 0.45
_LANE_HEIGHT = 0.28
_ROW_GAP = 0.55


@attrs.frozen(kw_only=True)
class Gantt:
    """A plan schedule: the rows to draw, the links between them and the critical path.

    The data needs nothing beyond crmcore; the drawing methods need matplotlib
    (``pip install 'crmcore[plot]'``) and raise
    :class:`~crmcore.errors.PluginError` without it.  In Jupyter a ``Gantt``
    shows itself as a chart.

    Attributes:
        rows: one per task, by planned start, then name, then id.
        links: the dependencies whose both tasks are in ``rows``.
        critical_path: the critical tasks' ids, by earliest start.
    """

    rows: tuple[GanttRow, ...]
    links: tuple[GanttLink, ...]
    critical_path: tuple[UUID, ...]

    def plot(self, ax: Axes | None = None) -> Axes:
        """Draw the chart onto ``ax``, or onto a new figure when it is ``None``.

        No GUI backend is needed: a new figure is a bare
        :class:`matplotlib.figure.Figure`, not one made through pyplot.

        Returns:
            The axes drawn on; ``ax.figure`` is the figure to show or save.
        """
        return render_gantt(self, ax)

    def to_svg(self) -> str:
        """The chart as an SVG document."""
        return gantt_image(self, "svg").decode("utf-8")

    def to_png(self, dpi: int = 100) -> bytes:
        """The chart as a PNG image at ``dpi`` dots per inch."""
        return gantt_image(self, "png", dpi=dpi)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the chart to ``path``, in the format its suffix names (png, svg or pdf).

        Raises:
            ValidationError: (field ``path``) for any other suffix; nothing is written.
        """
        save_gantt(self, path)

    def _repr_svg_(self) -> str:
        return self.to_svg()


def build_gantt(
    tasks: Iterable[Task],
    executors: Iterable[Executor],
    dependencies: Iterable[Dependency],
    names: Mapping[UUID, str],
) -> Gantt:
    """The plan schedule of ``tasks``: rows, executor lanes, links and critical path.

    Executor rows and dependencies may cover more than ``tasks``: those that
    belong to other tasks are left out, so a host can pass everything it
    loaded for a project and a filtered list of tasks.

    Args:
        tasks: the tasks to chart.
        executors: executor rows; each becomes a lane under its task.
        dependencies: links between tasks; they also decide the critical path.
        names: employee names by employee id, for the lane labels.  A lane
            whose employee is not in it is labelled with its department or
            group name, or ``"?"``.

    Raises:
        ValidationError: (field ``dependencies``) when the dependencies between
            ``tasks`` form a cycle.

    Example:
        >>> from datetime import UTC, datetime
        >>> from crmcore.domain.tasks import Dependency, Executor, Task
        >>> from crmcore.domain.ids import new_id
        >>> day = lambda d: datetime(2024, 3, d, tzinfo=UTC)
        >>> design = Task(name="Design", planned_start=day(1), planned_end=day(4))
        >>> build = Task(name="Build", planned_start=day(4), planned_end=day(9))
        >>> docs = Task(name="Docs", planned_start=day(4), planned_end=day(6))
        >>> anna = new_id()
        >>> lane = Executor(
        ...     task_id=build.id, employee_id=anna, planned_start=day(4), planned_end=day(9)
        ... )
        >>> links = [
        ...     Dependency(predecessor_id=design.id, successor_id=build.id),
        ...     Dependency(predecessor_id=design.id, successor_id=docs.id),
        ... ]
        >>> gantt = build_gantt([build, docs, design], [lane], links, {anna: "Anna"})
        >>> [(row.name, row.critical) for row in gantt.rows]
        [('Design', True), ('Build', True), ('Docs', False)]
        >>> [bar.label for bar in gantt.rows[1].lanes]
        ['Anna']
    """
    rows, links, critical = plan_rows(tasks, executors, dependencies, names)
    return Gantt(rows=rows, links=links, critical_path=critical)


def render_gantt(gantt: Gantt, ax: Axes | None = None) -> Axes:
    """Draw ``gantt`` as horizontal bars onto ``ax``, or onto a new figure.

    Each task is a light bar with its percent done filled darker and, under
    it, a thinner bar per executor lane; critical tasks are outlined in red;
    dependencies are arrows from the predecessor's finish (or start) to the
    successor's start (or finish), as their kind says.  A task without
    duration is drawn as a diamond.  Dates run along the x axis (UTC), task
    names down the y axis, executor labels smaller beside their lanes.

    Args:
        gantt: the chart data, from :func:`build_gantt`.
        ax: the axes to draw on; ``None`` makes a new
            :class:`~matplotlib.figure.Figure` sized to the chart.

    Returns:
        The axes drawn on.

    Raises:
        PluginError: matplotlib is not installed.
    """
    _require_matplotlib()
    import matplotlib.dates as mdates
    from matplotlib.colors import is_color_like, to_rgba

    if ax is None:
        ax = _new_figure(gantt).add_subplot()

    task_y: dict[Any, float] = {}
    ticks: list[float] = []
    labels: list[str] = []
    lane_ticks: list[float] = []
    lane_labels: list[str] = []
    y = 0.0
    for row in gantt.rows:
        colour = row.colour if row.colour and is_color_like(row.colour) else _DEFAULT_COLOUR
        start, end = _day_number(row.start), _day_number(row.end)
        edge = _CRITICAL_COLOUR if row.critical else to_rgba(colour, 0.8)
        width = 2.0 if row.critical else 0.8
        if end > start:
            ax.barh(
                y,
                end - start,
                left=start,
                height=_TASK_HEIGHT,
                color=to_rgba(colour, 0.3),
                linewidth=0,
                zorder=2,
            )
            if row.percent:
                ax.barh(
                    y,
                    (end - start) * row.percent / 100,
                    left=start,
                    height=_TASK_HEIGHT,
                    color=to_rgba(colour, 0.85),
                    linewidth=0,
                    zorder=3,
                )
            # The outline goes on top, so the percent-done fill never hides it.
            ax.barh(
                y,
                end - start,
                left=start,
                height=_TASK_HEIGHT,
                fill=False,
                edgecolor=edge,
                linewidth=width,
                zorder=4,
            )
        else:
            ax.plot(
                [start],
                [y],
                marker="D",
                markersize=9,
                color=to_rgba(colour, 0.85 if row.percent else 0.3),
                markeredgecolor=edge,
                markeredgewidth=width,
                zorder=4,
            )
        task_y[row.task_id] = y
        ticks.append(y)
        labels.append(row.name)
        lane_y = y
        for lane in row.lanes:
            lane_y += _LANE_STEP
            _draw_lane(ax, lane_y, lane.start, lane.end, lane.percent)
            lane_ticks.append(lane_y)
            lane_labels.append(lane.label)
        y = lane_y + _LANE_STEP + _ROW_GAP

    spans = {row.task_id: (row.start, row.end) for row in gantt.rows}
    for link in gantt.links:
        if link.predecessor_id not in task_y or link.successor_id not in task_y:
            continue
        from_finish = link.kind in (DependencyKind.FINISH_TO_START, DependencyKind.FINISH_TO_FINISH)
        to_start = link.kind in (DependencyKind.FINISH_TO_START, DependencyKind.START_TO_START)
        source = spans[link.predecessor_id][1 if from_finish else 0]
        target = spans[link.successor_id][0 if to_start else 1]
        source_y, target_y = task_y[link.predecessor_id], task_y[link.successor_id]
        # An elbow, as project planners draw it: out of the predecessor's end
        # sideways, then into the successor bar's near edge, not through the bar.
        edge_y = target_y - _TASK_HEIGHT / 2 if target_y > source_y else target_y + _TASK_HEIGHT / 2
        source_x, target_x = _day_number(source), _day_number(target)
        # A link with nothing to go sideways (say, finish-to-start on the same
        # day) is a plain vertical arrow; the elbow style would divide by zero.
        elbow = "angle,angleA=0,angleB=90,rad=4" if source_x != target_x else "arc3,rad=0"
        ax.annotate(
            "",
            xy=(target_x, edge_y),
            xytext=(source_x, source_y),
            arrowprops={
                "arrowstyle": "-|>",
                "color": _LINK_COLOUR,
                "linewidth": 0.9,
                "shrinkA": 0,
                "shrinkB": 0,
                "connectionstyle": elbow,
            },
            zorder=5,
        )

    ax.set_yticks(ticks, labels)
    ax.set_yticks(lane_ticks, lane_labels, minor=True)
    ax.tick_params(axis="y", which="minor", labelsize="x-small", labelcolor="0.4", length=0)
    ax.tick_params(axis="y", which="major", length=0)
    if gantt.rows:
        locator = mdates.AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(
            mdates.ConciseDateFormatter(locator)  # type: ignore[no-untyped-call]
        )
        ax.set_ylim(y - _ROW_GAP, -_ROW_GAP - _TASK_HEIGHT / 2)
        # Arrows do not count towards the data limits, and bars would pin the
        # limits to their ends: a margin keeps arrow heads and outlines visible.
        ax.use_sticky_edges = False
        ax.margins(x=0.03)
    else:
        ax.text(0.5, 0.5, "no tasks", ha="center", va="center", transform=ax.transAxes)
        ax.set_xticks([])
    ax.grid(axis="x", color="0.9", zorder=0)
    ax.set_axisbelow(True)
    return ax


def gantt_image(gantt: Gantt, format: ImageFormat, *, dpi: int = 100) -> bytes:
    """The chart rendered to an image file's bytes.

    The output carries no creation date, so the same chart gives the same
    SVG or PDF each time (handy for tests and version control).

    Args:
        gantt: the chart data.
        format: ``"png"``, ``"svg"`` or ``"pdf"``.
        dpi: dots per inch (PNG).

    Raises:
        PluginError: matplotlib is not installed.
    """
    _require_matplotlib()
    import matplotlib

    figure = _new_figure(gantt)
    render_gantt(gantt, figure.add_subplot())
    metadata: dict[str, Any] = {
        "png": {"Software": None},
        "svg": {"Date": None},
        "pdf": {"CreationDate": None},
    }[format]
    buffer = io.BytesIO()
    # SVG element ids are random unless salted.
    with matplotlib.rc_context({"svg.hashsalt": "crmcore"}):
        figure.savefig(buffer, format=format, dpi=dpi, metadata=metadata)
    return buffer.getvalue()


def save_gantt(gantt: Gantt, path: str | os.PathLike[str], *, dpi: int = 100) -> None:
    """Write the chart to ``path``, in the format its suffix names.

    Raises:
        ValidationError: (field ``path``) when the suffix is not ``.png``,
            ``.svg`` or ``.pdf``; nothing is written.
        PluginError: matplotlib is not installed.
    """
    target = Path(path)
    format = _FORMATS.get(target.suffix.lower())
    if format is None:
        raise ValidationError(
            "path",
            f"cannot tell the image format from {target.name!r}: "
            "use a .png, .svg or .pdf file name",
        )
    target.write_bytes(gantt_image(gantt, format, dpi=dpi))


def _draw_lane(ax: Axes, y: float, start: datetime, end: datetime, percent: int) -> None:
    from matplotlib.colors import to_rgba

    left, right = _day_number(start), _day_number(end)
    if right <= left:
        ax.plot([left], [y], marker="D", markersize=5, color=to_rgba(_LANE_COLOUR, 0.6), zorder=3)
        return
    ax.barh(
        y, right - left, left=left, height=_LANE_HEIGHT, color=to_rgba(_LANE_COLOUR, 0.25), zorder=2
    )
    if percent:
        ax.barh(
            y,
            (right - left) * percent / 100,
            left=left,
            height=_LANE_HEIGHT,
            color=to_rgba(_LANE_COLOUR, 0.7),
            zorder=3,
        )


def _day_number(moment: datetime) -> float:
    """``moment`` on matplotlib's date axis (days since its epoch)."""
    import matplotlib.dates as mdates

    # matplotlib.dates ships without type annotations.
    return float(mdates.date2num(moment))  # type: ignore[no-untyped-call]


def _new_figure(gantt: Gantt) -> Figure:
    from matplotlib.figure import Figure

    units = sum(1 + _LANE_STEP * len(row.lanes) for row in gantt.rows)
    return Figure(figsize=(10.0, max(2.5, 0.9 + 0.45 * units)), layout="constrained")


def _require_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PluginError("Gantt charts need matplotlib: pip install 'crmcore[plot]'") from None
