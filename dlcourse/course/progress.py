"""Live training display: a progress bar per epoch (loss, accuracy, images/s, ETA), one
table row per finished epoch, and an honest time estimate after the first batches."""

from __future__ import annotations

import math
import time
from contextlib import contextmanager

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from dlcourse.course.runner import Diverged

REFRESH_SECONDS = 0.2  # how often the bar reads the loss (each read syncs a GPU)
COLUMNS = ("epoch", "train loss", "train acc", "test loss", "test acc", "seconds")


class Display:
    def __init__(self, lesson, n_train: int, epochs: int, batch_size: int):
        self.lesson, self.console = lesson, lesson.console
        self.n_train, self.epochs, self.batch_size = n_train, epochs, batch_size
        self.estimated = False
        self.console.print("  ".join(f"{c:>10}" for c in COLUMNS), style="bold")

    @contextmanager
    def epoch(self, epoch: int):
        """Yields on_batch(n, loss, correct, seen), which the training loop calls per batch."""
        bar = Progress(TextColumn(f"epoch {epoch}/{self.epochs}"), BarColumn(),
                       TextColumn("{task.fields[stats]}"), TimeRemainingColumn(),
                       console=self.console, transient=True,
                       disable=not self.console.is_terminal)
        task = bar.add_task("", total=self.n_train, stats="")
        start = last = time.perf_counter()
        batches = 0

        def on_batch(n, loss, correct, seen):
            nonlocal last, batches
            batches += 1
            now = time.perf_counter()
            if batches == 8 and epoch == 1 and not self.estimated:
                self.estimate((now - start) / batches)
            if now - last < REFRESH_SECONDS and seen < self.n_train:
                bar.advance(task, n)
                return
            last, value = now, loss.item()
            if not math.isfinite(value):
                raise Diverged(epoch, value)
            stats = (f"loss {value:.3f}  acc {correct.item() / seen:.1%}  "
                     f"{seen / (now - start):,.0f} img/s")
            bar.update(task, advance=n, stats=stats)

        with bar:
            yield on_batch

    def estimate(self, seconds_per_batch: float) -> None:
        """Say how long the whole run will take, and how to make it shorter."""
        self.estimated = True
        batches = math.ceil(self.n_train / self.batch_size) * self.epochs
        total = seconds_per_batch * batches
        if total < 20:
            return
        per_image = total / (self.n_train * self.epochs)
        hint = (f"; `--subset 5000` takes about {_duration(per_image * 5000 * self.epochs)}"
                if self.n_train > 5000 else "")
        self.console.print(f"[yellow]Estimated training time: about {_duration(total)} on "
                           f"this {self.lesson.device.type.upper()}{hint}.[/]")

    def row(self, r: dict) -> None:
        self.console.print(f"{r['epoch']:>10}  {r['train_loss']:>10.4f}  "
                           f"{r['train_accuracy']:>10.1%}  {r['test_loss']:>10.4f}  "
                           f"{r['test_accuracy']:>10.1%}  {r['seconds']:>10.1f}")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} min"
