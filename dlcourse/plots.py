"""Every figure the course draws: matplotlib on the Agg backend, saved atomically as PNG."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only: works on servers, in CI and over SSH

import matplotlib.pyplot as plt  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from dlcourse.data.formats import CIFAR_CLASSES  # noqa: E402
from dlcourse.fileio import atomic_write  # noqa: E402
from dlcourse.i18n import language, messages, msg  # noqa: E402

Series = Mapping[str, Sequence[float]]  # label -> y values
DEFAULT_FONTS = list(plt.rcParams["font.family"])


@functools.cache
def _korean_font() -> str:
    """Register NanumGothic and return its family name. The font file comes from the
    koreanize-matplotlib package, read without importing it (its import restyles every
    figure of the process)."""
    from importlib.metadata import distribution

    from matplotlib import font_manager

    font = str(distribution("koreanize-matplotlib").locate_file(
        "koreanize_matplotlib/fonts/NanumGothic.ttf"))
    font_manager.fontManager.addfont(font)
    return font_manager.FontProperties(fname=font).get_name()


def _match_language() -> None:
    """Hangul needs a font that DejaVu Sans is not: in Korean, NanumGothic comes first (it
    has Latin letters and digits too) and DejaVu Sans stays behind it for the symbols it
    lacks, such as the minus sign. Loaded only when the course speaks Korean."""
    korean = language() == "ko"
    plt.rcParams["font.family"] = [_korean_font(), "DejaVu Sans"] if korean else DEFAULT_FONTS


def _localized(draw):
    """Draw a figure in the fonts of the active language."""

    @functools.wraps(draw)
    def drawn(*args, **kwargs):
        _match_language()
        return draw(*args, **kwargs)

    return drawn


def class_names(classes: Sequence[str]) -> list[str]:
    """Class names as figures show them: CIFAR-10's in the active language (the data keeps
    its English names), any other (MNIST's digits, a folder's own) as it is."""
    shown = dict(zip(CIFAR_CLASSES, messages("plots.cifar10_classes"), strict=True))
    return [shown.get(name, name) for name in classes]


def save(fig: Figure, path: Path) -> Path:
    """Write the figure as PNG (never half-written) and free its memory."""
    try:
        return atomic_write(Path(path), lambda tmp: fig.savefig(tmp, format="png", dpi=110))
    finally:
        plt.close(fig)


@_localized
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


@_localized
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


@_localized
def training_curves(history: Sequence[Mapping[str, float]]) -> Figure:
    """Loss and accuracy per epoch, training beside test."""
    epochs = [h["epoch"] for h in history]
    fig, (loss_ax, acc_ax) = plt.subplots(1, 2, figsize=(10, 3.8))
    for split, style in (("train", "-o"), ("test", "-s")):
        label = msg(f"plots.curves.{split}")
        loss_ax.plot(epochs, [h[f"{split}_loss"] for h in history], style, label=label)
        acc_ax.plot(epochs, [100 * h[f"{split}_accuracy"] for h in history], style, label=label)
    loss_ax.set(title=msg("plots.curves.loss"), xlabel=msg("plots.epoch"))
    acc_ax.set(title=msg("plots.curves.accuracy"), xlabel=msg("plots.epoch"))
    for ax in (loss_ax, acc_ax):
        ax.grid(alpha=0.3)
        ax.legend()
        ax.xaxis.get_major_locator().set_params(integer=True)
    fig.tight_layout()
    return fig


@_localized
def confusion(matrix, classes: Sequence[str]) -> Figure:
    """Rows: the true class; columns: the prediction; each cell a count of test images."""
    m = matrix.numpy() if hasattr(matrix, "numpy") else matrix
    classes = class_names(classes)
    fig, ax = plt.subplots(figsize=(6.5, 5.5))
    image = ax.imshow(m, cmap="Blues")
    ax.set_xticks(range(len(classes)), classes, rotation=45, ha="right", fontsize=8)
    ax.set_yticks(range(len(classes)), classes, fontsize=8)
    ax.set(xlabel=msg("plots.confusion.predicted"), ylabel=msg("plots.confusion.true"),
           title=msg("plots.confusion.title"))
    for i in range(len(classes)):
        for j in range(len(classes)):
            ax.text(j, i, int(m[i, j]), ha="center", va="center", fontsize=7,
                    color="white" if m[i, j] > m.max() / 2 else "black")
    fig.colorbar(image, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


@_localized
def image_grid(images, titles: Sequence[str], *, colors: Sequence[str] | None = None,
               columns: int = 8, title: str = "") -> Figure:
    """uint8 images (N, C, H, W) in a grid, each with a small title."""
    n = len(images)
    rows = (n + columns - 1) // columns
    fig, axes = plt.subplots(rows, columns, figsize=(1.4 * columns, 1.6 * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, img, text, color in zip(axes.flat, images, titles, colors or ["black"] * n,
                                    strict=False):
        pixels = img.permute(1, 2, 0).numpy()
        ax.imshow(pixels[..., 0] if pixels.shape[2] == 1 else pixels, cmap="gray",
                  interpolation="nearest")
        ax.set_title(text, fontsize=7, color=color)
    if title:
        fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    return fig


@_localized
def labelled_grid(images, labels, classes: Sequence[str], title: str = "", n: int = 32) -> Figure:
    """The first n images, each captioned with its class."""
    names = class_names(classes)
    return image_grid(images[:n], [names[i] for i in labels[:n].tolist()], title=title)


def most_confident(labels, predictions, confidence, mistakes: int = 24, right: int = 8):
    """Indices of the `mistakes` most confident wrong predictions, then of the most
    confident right ones (more of them when there are fewer mistakes), and the mistake count."""
    wrong = (predictions != labels).nonzero().flatten()
    correct = (predictions == labels).nonzero().flatten()
    shown = min(mistakes, len(wrong))
    pick = [group[confidence[group].argsort(descending=True)[:k]]
            for group, k in ((wrong, shown), (correct, right + mistakes - shown))]
    return torch.cat(pick), shown


@_localized
def prediction_grid(images, labels, predictions, confidence, classes: Sequence[str],
                    mistakes: int = 24, right: int = 8) -> Figure:
    """What the model gets wrong: its most confident mistakes (red, with the true class),
    then a few of its most confident right answers (green), each with its probability."""
    chosen, shown = most_confident(labels, predictions, confidence, mistakes, right)
    wrong = int((predictions != labels).sum())
    classes = class_names(classes)
    titles, colors = [], []
    for i in chosen.tolist():
        p, t, c = predictions[i].item(), labels[i].item(), confidence[i].item()
        titles.append(f"{classes[p]} {c:.0%}" + (
            "" if p == t else "\n" + msg("plots.predictions.true", name=classes[t])))
        colors.append("green" if p == t else "red")
    return image_grid(images[chosen], titles, colors=colors,
                      title=msg("plots.predictions.title", shown=shown, wrong=f"{wrong:,}"))


@_localized
def histograms(columns: Mapping[str, Sequence[float]], bins: int = 50) -> Figure:
    """One histogram per column, in a grid of up to three per row."""
    n = len(columns)
    cols = min(3, n)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.8 * rows), squeeze=False)
    for ax in axes.flat[n:]:
        ax.axis("off")
    for ax, (name, values) in zip(axes.flat, columns.items(), strict=False):
        ax.hist(list(map(float, values)), bins=bins, color="tab:blue", alpha=0.8)
        ax.set_title(name, fontsize=9)
        ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@_localized
def predicted_vs_actual(actual, predicted, cap: float | None = None) -> Figure:
    """Each test row as a point; perfect predictions lie on the dashed y = x line."""
    fig, ax = plt.subplots(figsize=(5.5, 5.5))
    ax.scatter(list(map(float, actual)), list(map(float, predicted)), s=4, alpha=0.3)
    top = max(max(map(float, actual)), max(map(float, predicted)))
    ax.plot([0, top], [0, top], "--", color="black", label="y = x")
    if cap is not None:
        ax.axvline(cap, color="red", linestyle=":",
                   label=msg("plots.predicted.cap", cap=f"{cap:g}"))
    ax.set(xlabel=msg("plots.predicted.actual"), ylabel=msg("plots.predicted.predicted"),
           title=msg("plots.predicted.title"))
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@_localized
def error_map(lon, lat, errors) -> Figure:
    """Prediction errors placed at each block's longitude and latitude."""
    fig, ax = plt.subplots(figsize=(6, 6.5))
    limit = float(max(abs(float(min(errors))), abs(float(max(errors))))) or 1.0
    points = ax.scatter(list(map(float, lon)), list(map(float, lat)),
                        c=list(map(float, errors)), cmap="coolwarm", s=5,
                        vmin=-min(limit, 2), vmax=min(limit, 2))
    fig.colorbar(points, ax=ax, label=msg("plots.error_map.error"), fraction=0.046)
    ax.set(xlabel=msg("plots.error_map.longitude"), ylabel=msg("plots.error_map.latitude"),
           title=msg("plots.error_map.title"))
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    return fig


@_localized
def train_test_curves(runs: Mapping[str, tuple[Sequence[float], Sequence[float],
                                               Sequence[float]]], *, title: str) -> Figure:
    """Per run (label -> epochs, training accuracy, test accuracy, in %): training dashed,
    test solid, one colour per run; the space between a run's two lines is its gap."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for i, (label, (epochs, train, test)) in enumerate(runs.items()):
        color = plt.cm.tab10.colors[i % 10]
        ax.plot(epochs, train, "--", color=color, label=msg("plots.runs.training", run=label))
        ax.plot(epochs, test, "-o", color=color, markersize=3,
                label=msg("plots.runs.test", run=label))
    ax.set(title=title, xlabel=msg("plots.epoch"), ylabel=msg("plots.runs.accuracy"))
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig




@_localized
def contour_paths(surface, paths: Mapping[str, Sequence[Sequence[float]]], *,
                  start: Sequence[float], optimum: Sequence[float], title: str, xlabel: str,
                  ylabel: str, levels: int = 16) -> Figure:
    """Optimizer paths in a 2-D parameter plane, one panel each, over log-spaced contours
    of the loss; `surface(A, C)` gives the loss on two numpy meshgrids. Each panel frames
    its own path, so a path that jumps far does not shrink the others."""
    import numpy as np

    cols = min(2, len(paths))
    rows = (len(paths) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(5.2 * cols, 4.4 * rows), squeeze=False)
    for ax in axes.flat[len(paths):]:
        ax.axis("off")
    for ax, (label, path), color in zip(axes.flat, paths.items(), plt.cm.tab10.colors,
                                        strict=False):
        xy = np.array(path)
        points = np.vstack([xy, [start, optimum]])
        low, high = points.min(axis=0), points.max(axis=0)
        low, high = low - 0.08 * (high - low), high + 0.08 * (high - low)
        A, C = np.meshgrid(np.linspace(low[0], high[0], 200),
                           np.linspace(low[1], high[1], 200))
        Z = surface(A, C)
        ax.contour(A, C, Z, levels=np.geomspace(Z.min() * 1.02, Z.max(), levels),
                   colors="gray", linewidths=0.5, alpha=0.6)
        ax.plot(xy[:, 0], xy[:, 1], "-o", color=color, markersize=2, linewidth=1)
        ax.plot(*start, "s", color="black", markersize=6, label=msg("plots.paths.start"))
        ax.plot(*optimum, "*", color="red", markersize=13, label=msg("plots.paths.optimum"))
        ax.set(title=label, xlim=(low[0], high[0]), ylim=(low[1], high[1]),
               xlabel=xlabel, ylabel=ylabel)
        ax.title.set_fontsize(10)
        ax.grid(alpha=0.2)
    axes.flat[0].legend(fontsize=8, loc="best")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig


@_localized
def cell_matrix(values, *, title: str, xlabel: str, ylabel: str,
                labels: Sequence[float] = ()) -> Figure:
    """A small matrix with each cell's value written in it and the diagonal outlined:
    what an (N, 1) − (N,) subtraction computes, where only the diagonal was meant."""
    m = values.numpy() if hasattr(values, "numpy") else values
    n_rows, n_cols = m.shape
    fig, ax = plt.subplots(figsize=(1.0 * n_cols + 2.4, 0.9 * n_rows + 1.6))
    limit = abs(m).max() or 1.0
    ax.imshow(m, cmap="coolwarm", vmin=-limit, vmax=limit)
    for i in range(n_rows):
        for j in range(n_cols):
            ax.text(j, i, f"{m[i, j]:g}", ha="center", va="center", fontsize=9,
                    color="white" if abs(m[i, j]) > 0.6 * limit else "black")
    for k in range(min(n_rows, n_cols)):
        ax.add_patch(plt.Rectangle((k - 0.5, k - 0.5), 1, 1, fill=False, edgecolor="black",
                                   linewidth=2))
    if len(labels):
        ax.set_xticks(range(n_cols), [f"{v:g}" for v in labels[:n_cols]])
        ax.set_yticks(range(n_rows), [f"{v:g}" for v in labels[:n_rows]])
    ax.set(xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title + "\n" + msg("plots.cells.outlined"), fontsize=9)
    fig.tight_layout()
    return fig


@_localized
def accuracy_vs_labels(labels: Sequence[int], series: Series, *, chance: float) -> Figure:
    """Test accuracy (0-1) against labelled images per class, one line per model, on a log
    axis; each point is marked with its value, and chance level is drawn dashed."""
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for label, accuracy in series.items():
        percent = [100 * a for a in accuracy]
        ax.plot(labels, percent, "-o", label=label)
        for x, y in zip(labels, percent, strict=True):
            ax.annotate(f"{y:.1f}", (x, y), textcoords="offset points", xytext=(0, 7),
                        ha="center", fontsize=8)
    ax.axhline(100 * chance, linestyle="--", color="gray", label=msg("plots.labels.chance"))
    ax.set_xscale("log")
    ax.set_xticks(list(labels), [str(k) for k in labels])
    ax.minorticks_off()
    ax.set(title=msg("plots.labels.title"), xlabel=msg("plots.labels.per_class"),
           ylabel=msg("plots.labels.accuracy"))
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
