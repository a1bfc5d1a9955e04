"""The report's plots, as PNG bytes (matplotlib's object API with the Agg canvas: no display, no global state)."""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence

from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def png(draw: Callable[[Figure], None], size: tuple[float, float] = (6.4, 3.2)) -> bytes:
    """Render `draw(figure)` to PNG."""
    figure = Figure(figsize=size, dpi=100, layout="constrained")
    FigureCanvasAgg(figure)
    draw(figure)
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def bars(ax: Axes, names: Sequence[str], series: dict[str, Sequence[float]], *, ylabel: str, ylim: tuple | None = None) -> None:
    """Grouped bars: one group per name, one bar per series (missing values as gaps)."""
    width = 0.8 / max(len(series), 1)
    for i, (label, values) in enumerate(series.items()):
        xs = [x + (i - (len(series) - 1) / 2) * width for x in range(len(names))]
        ax.bar(xs, [0 if v is None else v for v in values], width, label=label)
    ax.set_xticks(range(len(names)), names)
    ax.set_ylabel(ylabel)
    if ylim:
        ax.set_ylim(*ylim)
    if len(series) > 1:
        ax.legend(fontsize="small")


def progress(days: Sequence[str], cumulative: dict[str, Sequence[int]]) -> bytes:
    def draw(figure: Figure) -> None:
        ax = figure.subplots()
        for label, values in cumulative.items():
            ax.plot(days, values, marker="o", label=label)
        ax.set_ylabel("cumulative")
        ax.legend(fontsize="small")
        ax.tick_params(axis="x", labelrotation=30)
    return png(draw)


def grouped(names: Sequence[str], series: dict[str, Sequence[float]], ylabel: str, ylim: tuple | None = None) -> bytes:
    return png(lambda figure: bars(figure.subplots(), names, series, ylabel=ylabel, ylim=ylim))


def annotators(names: Sequence[str], submitted: Sequence[int], f1: Sequence[float | None]) -> bytes:
    """Throughput and F1 against the final annotations, side by side."""
    def draw(figure: Figure) -> None:
        left, right = figure.subplots(1, 2)
        bars(left, names, {"annotations": submitted}, ylabel="annotations submitted")
        bars(right, names, {"F1": f1}, ylabel="span F1 vs final (exact)", ylim=(0, 1))
    return png(draw, size=(8, 3.2))
