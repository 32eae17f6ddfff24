"""Runs sized to the time a class has: how many epochs, training images and test images fit
a time budget on this machine, from its measured speed and a rule each lesson measured.

The rule is the same shape for every lesson: when time is plenty (a GPU), train on every
image for more epochs, up to `max_epochs`; when time is short (a laptop CPU), keep
`min_epochs` and train on fewer images. Which `min_epochs` gives the most accuracy for the
time was measured per lesson (benchmarks/sizing.py). Evaluation gets a share of the time
too: the whole test set when it fits, else a fixed first part of it.

A plan depends only on the measured speed (cached per machine) and the budget, never on the
clock, so a seeded run repeats exactly on the same machine.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dlcourse.i18n import msg

ROUND_TO = 500  # planned image counts are multiples of this: small speed noise changes nothing


@dataclass(frozen=True)
class Sizing:
    """How a lesson spends its time (see the module's docstring)."""

    min_epochs: int  # when time is short: keep this many epochs, train on fewer images
    max_epochs: int  # when time is plenty: every image, up to this many epochs
    min_images: int = 1_000  # never train on fewer images than this
    min_test: int = 2_000  # test on at least this many images (all when time allows)
    eval_share: float = 0.15  # at most this part of the time goes to evaluation


@dataclass(frozen=True)
class Plan:
    epochs: int
    images: int  # training images per epoch
    test_images: int  # evaluated after every epoch
    seconds: float  # the estimate: training plus evaluation, every run of the lesson
    budget: float  # the seconds there were for it
    why: str  # one line for the learner
    warning: str = ""  # set when the run will take far longer than its budget


def plan(sizing: Sizing, *, budget: float, train_speed: float, eval_speed: float,
         n_train: int, n_test: int, epochs: int | None = None, images: int | None = None,
         test_images: int | None = None, runs: int = 1, minutes=None) -> Plan:
    """Epochs, training and test images for `runs` trainings in `budget` seconds at the
    measured speeds (images per second); `epochs`, `images` and `test_images` given (by
    the user, or by the run being resumed) win. `minutes(seconds)` says how many minutes a
    lesson needs for that many seconds of training (for the warning)."""
    per_run = budget / runs

    def tested(e: int) -> int:
        if test_images is not None:
            return min(test_images, n_test)
        fits = sizing.eval_share * per_run * eval_speed / e
        # the whole test set if it fits; else at least min_test, unless even that would
        # take more than twice evaluation's share
        return n_test if fits >= n_test else min(n_test, _down(max(fits, min(
            sizing.min_test, 2 * fits))) or 1)

    def epoch_seconds(e: int, n: float) -> float:
        return n / train_speed + tested(e) / eval_speed

    def train_images(e: int) -> float:  # what the rest of the time trains on, per epoch
        return max(0.0, per_run / e - tested(e) / eval_speed) * train_speed

    if epochs is None:
        if images is not None:  # the most epochs over these images that fit
            epochs = next((e for e in range(sizing.max_epochs, 0, -1)
                           if e * epoch_seconds(e, min(images, n_train)) <= per_run), 1)
        else:  # the most epochs over every image that fit, else min_epochs on fewer
            epochs = next((e for e in range(sizing.max_epochs, sizing.min_epochs - 1, -1)
                           if train_images(e) >= n_train), sizing.min_epochs)
    if images is None:
        images = min(n_train, max(sizing.min_images, _down(train_images(epochs))))
    images, test = min(images, n_train), tested(epochs)
    seconds = runs * epochs * epoch_seconds(epochs, images)
    why = msg("engine.sizing.why_runs" if runs > 1 else "engine.sizing.why", runs=runs,
              epochs=msg("engine.sizing.epoch" if epochs == 1 else "engine.sizing.epochs",
                         n=epochs),
              train=_share(images, n_train), test=_share(test, n_test),
              time=duration(seconds), speed=f"{train_speed:,.0f}")
    warning = ""
    if seconds > 1.25 * budget:
        needed = minutes(seconds) if minutes else seconds / 60
        warning = msg("engine.sizing.too_long", time=duration(seconds),
                      ratio=f"{seconds / budget:.1f}", budget=duration(budget),
                      minutes=math.ceil(needed))
    return Plan(epochs, images, test, seconds, budget, why, warning)


def count_that_fits(wanted: int, seconds_each: float, budget: float, *, given: bool = False,
                    extra: int = 0, step: int = 10, minutes=None) -> tuple[int, str]:
    """For lessons that count steps or epochs rather than images: how many of `wanted` fit
    `budget` seconds at `seconds_each` (measured), with `extra` more that the lesson runs
    anyway, in multiples of `step`; `given` (the user's own number) is kept, with a
    warning when it runs far over."""
    if given:
        seconds = (wanted + extra) * seconds_each
        if seconds > 1.25 * budget:
            needed = minutes(seconds) if minutes else seconds / 60
            return wanted, msg("engine.sizing.too_many", time=duration(seconds),
                               ratio=f"{seconds / budget:.1f}", budget=duration(budget),
                               minutes=math.ceil(needed))
        return wanted, ""
    fits = int(budget / seconds_each) - extra
    return max(step, min(wanted, fits // step * step)), ""


def _down(n: float) -> int:
    return int(n // ROUND_TO * ROUND_TO) if n >= ROUND_TO else int(n)


def _share(n: int, total: int) -> str:
    if n >= total:
        return msg("engine.sizing.share_all", total=f"{total:,}")
    return msg("engine.sizing.share", n=f"{n:,}", total=f"{total:,}")


def duration(seconds: float) -> str:
    """'45 s', '2.5 min', '3 h 10 min'."""
    if seconds < 90:
        return msg("engine.sizing.seconds", n=f"{seconds:.0f}")
    if seconds < 3600:
        return msg("engine.sizing.minutes", n=f"{seconds / 60:.1f}".removesuffix(".0"))
    return msg("engine.sizing.hours", h=int(seconds // 3600), m=int(seconds % 3600 // 60))
