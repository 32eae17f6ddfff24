"""Every figure the course draws: matplotlib on the Agg backend, saved atomically as PNG."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: works on servers, in CI and over SSH

import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlcourse.fileio import atomic_write  # noqa: E402

Series = Mapping[str, Sequence[float]]  # label -> y values


def save(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG (never half-written) and free its memory."""
    try:
        return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    finally:
        plt.close(fig)


def panels(x: Sequence[float], rows: Mapping[str, Series], *, sharey: bool = True) -> Figure:
    """One subplot per row, stacked, each with its own title and legend."""
    fig, axes = plt.subplots(len(rows), 1, figsize=(7, 2.4 * len(rows)), sharex=True,
                             sharey=sharey, squeeze=False)
    for ax, (title, series) in zip(axes[:, 0], rows.items(), strict=True):
        for label, y in series.items():
            ax.plot(x, y, label=label)
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)
    fig.tight_layout()
    return fig


def curves(x: Series | Sequence[float], series: Series, *, title: str, xlabel: str,
           ylabel: str, logy: bool = False, marks: Mapping[str, tuple[float, float]] = {},
           hlines: Mapping[str, float] = {}) -> Figure:
    """Several lines on one axes; `x` is shared or given per label; `marks` labels points;
    `hlines` draws dashed reference levels."""
    fig, ax = plt.subplots(figsize=(7, 4))
    for label, y in series.items():
        xs = x[label] if isinstance(x, Mapping) else x
        ax.plot(xs, y, label=label)
    for label, level in hlines.items():
        ax.axhline(level, linestyle="--", color="gray", label=label)
    for text, (mx, my) in marks.items():
        ax.plot([mx], [my], "o", color="black")
        ax.annotate(text, (mx, my), textcoords="offset points", xytext=(6, 6), fontsize=8)
    if logy:
        ax.set_yscale("log")
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    ax.grid(alpha=0.3, which="both")
    ax.legend()
    fig.tight_layout()
    return fig
