"""The live training display: a progress bar per epoch (loss, accuracy, images/s, ETA), a
row per finished epoch, and an honest time estimate after the first batches.

It is the engine's Callbacks: fit() calls it, and it only shows what it is told.
"""

from __future__ import annotations

import math

from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

from dlcourse.course.render import epoch_header, epoch_line
from dlcourse.engine.fit import Callbacks
from dlcourse.i18n import msg

ESTIMATE_AFTER = 8  # batches: enough for a steady per-batch time


class TrainingDisplay(Callbacks):
    def __init__(self, console, rows: list | None = None):
        self.console = console
        self.rows = rows if rows is not None else []  # each finished epoch's row, kept
        self.bar = None
        self.estimated = False

    def start(self, *, epochs, first_epoch, train_images, batch_size, device) -> None:
        self.epochs, self.first_epoch, self.device = epochs, first_epoch, device
        self.train_images, self.batch_size = train_images, batch_size
        if first_epoch > epochs:
            return
        self.console.print(epoch_header(), style="bold")

    def epoch_start(self, epoch: int) -> None:
        self.bar = Progress(TextColumn(msg("progress.epoch", epoch=epoch, epochs=self.epochs)),
                            BarColumn(),
                            TextColumn("{task.fields[stats]}"), TimeRemainingColumn(),
                            console=self.console, transient=True,
                            disable=not self.console.is_terminal)
        self.task = self.bar.add_task("", total=self.train_images, stats="")
        self.bar.start()

    def step(self, *, epoch, seen, loss, accuracy, steps, seconds) -> None:
        if not self.estimated and epoch == self.first_epoch and steps >= ESTIMATE_AFTER:
            self.estimate(seconds / steps)
        stats = msg("progress.stats", loss=loss, accuracy=accuracy, rate=f"{seen / seconds:,.0f}")
        self.bar.update(self.task, completed=seen, stats=stats)

    def epoch_end(self, row: dict) -> None:
        self._stop_bar()
        self.rows.append(dict(row))
        self.console.print(epoch_line(row))

    def close(self) -> None:
        self._stop_bar()

    def _stop_bar(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar = None

    def estimate(self, seconds_per_batch: float) -> None:
        """Say how long the whole run will take, and how to make it shorter."""
        self.estimated = True
        batches = math.ceil(self.train_images / self.batch_size)
        epochs = self.epochs - self.first_epoch + 1
        total = seconds_per_batch * batches * epochs
        if total < 20:
            return
        per_image = total / (self.train_images * epochs)
        device = self.device.type.upper()
        if self.train_images > 5000:
            line = msg("progress.estimate_subset", total=_duration(total), device=device,
                       subset=_duration(per_image * 5000 * epochs))
        else:
            line = msg("progress.estimate", total=_duration(total), device=device)
        self.console.print(f"[yellow]{line}[/]")


def _duration(seconds: float) -> str:
    if seconds < 90:
        return msg("progress.seconds", n=f"{seconds:.0f}")
    return msg("progress.minutes", n=f"{seconds / 60:.0f}")
