"""How fast a model trains here, measured: float32 or bf16 autocast, contiguous or
channels-last memory. The fastest variant is chosen, and the decision is cached per machine,
model and batch size, so the probe runs once.

Whether bf16 pays depends on the model as much as on the machine: on one 2-core CPU with
AVX-512 BF16 it made LeNet 2.7× faster and ResNet 18 % slower. Channels-last made ResNet
1.25× faster on a 2-core EPYC and VGG no faster. So the engine measures instead of guessing.

The probe times a few real training steps (the loader's preparation, forward, backward) of
the actual model on the actual device. It leaves the weights, batch-norm statistics and
mode as it found them (no optimizer step; gradients cleared; the model stays on the device,
in the chosen memory layout) and every random generator untouched, so a seeded run repeats
exactly whether or not it probed. Only the variant it picks can change the last digits of
a result: bf16 rounds, and another memory layout runs other convolution kernels. Since the
choice is cached, runs on one machine keep repeating.
"""

from __future__ import annotations

import contextlib
import functools
import json
import math
import statistics
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse.data.notices import in_english, relocalize
from dlcourse.device import bf16_native, machine
from dlcourse.engine.loader import DeviceLoader
from dlcourse.fileio import write_json
from dlcourse.i18n import join, msg

PRECISIONS = ("auto", "fp32", "bf16")
TIMED_STEPS = 2  # after one warm-up step; their mean is kept
TOO_SLOW = 3.0  # a variant whose first step takes this many times the best one's first is dropped
# Why a variant was not timed: kept in the speed cache in English, shown in the active language
SKIPPED = ["engine.speed.no_bf16_cpu", "engine.speed.no_bf16_other", "engine.speed.dropped"]


@dataclass(frozen=True)
class Variant:
    """How the model computes: bf16 autocast or float32; channels-last or contiguous."""

    bf16: bool = False
    channels_last: bool = False

    @property
    def name(self) -> str:
        return (f"{'bf16' if self.bf16 else 'fp32'}, "
                f"{'channels-last' if self.channels_last else 'contiguous'}")


FP32 = Variant()  # what fit() computes in unless told otherwise

@dataclass
class Speed:
    """What the probe found: the chosen variant and what every variant measured."""

    variant: Variant
    images_per_second: float  # training, with the chosen variant
    eval_images_per_second: float  # evaluation (no gradients), with the chosen variant
    timings: dict[str, float] = field(default_factory=dict)  # variant name -> training img/s
    skipped: list[str] = field(default_factory=list)  # variants not measured, and why
    cached: bool = False  # read from the cache: measured by an earlier run
    note: str = ""  # what happened to the cache, when it matters
    key: str = ""  # its place in the cache

    def summary(self) -> str:
        """'fp32, channels-last: 1.3× faster here than fp32, contiguous (468 vs 373
        images/s)'."""
        best = self.variant.name
        # the probe's own figure, so variants compare like with like: a run that corrected
        # images_per_second (see `correct`) trained under other conditions than the probe
        ips = self.timings.get(best, self.images_per_second)
        others = sorted(((n, v) for n, v in self.timings.items() if n != best),
                        key=lambda item: -item[1])
        if not others:
            parts = [msg("engine.speed.alone", variant=best, speed=f"{ips:,.0f}")]
        else:
            name, other = others[0]  # the runner-up: the closest call
            ratio = ips / other
            how = (msg("engine.speed.faster", ratio=f"{ratio:.1f}", other=name) if ratio >= 1.1
                   else msg("engine.speed.faster_percent", percent=f"{(ratio - 1):.0%}",
                            other=name))
            parts = [msg("engine.speed.summary", variant=best, how=how, speed=f"{ips:,.0f}",
                         other_speed=f"{other:,.0f}")]
            parts += [msg("engine.speed.slower", other=name, ratio=f"{ips / other:.1f}")
                      for name, other in others[1:]]
        parts += [relocalize(why, SKIPPED) for why in self.skipped]
        text = join(parts)
        return join([text, msg("engine.speed.measured_earlier")], "") if self.cached else text


def candidates(model: nn.Module, device: torch.device, precision: str = "auto"):
    """The variants worth timing, and a reason for each one left out."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}")
    skipped = []
    if precision == "auto":
        native = bf16_native(device)
        precisions = [False, True] if native else [False]
        if not native:  # in English: see SKIPPED
            skipped.append(in_english("engine.speed.no_bf16_cpu" if device.type == "cpu"
                                      else "engine.speed.no_bf16_other"))
    else:
        precisions = [precision == "bf16"]
    convolutional = any(isinstance(m, nn.Conv2d) for m in model.modules())
    layouts = [False, True] if convolutional and device.type in ("cpu", "cuda") else [False]
    return [Variant(p, c) for p in precisions for c in layouts], skipped


def measure(model: nn.Module, images, labels, *, device: torch.device, batch_size: int,
            mean, std, augment=(), padding: int = 4, loss_fn=F.cross_entropy,
            precision: str = "auto", cache: Path | None = None,
            timer=time.perf_counter) -> Speed:
    """Time training steps of `model` on the first batch of `images` (uint8, N×C×H×W) in
    each candidate variant and return the fastest; `cache` (a JSON file) keeps the answer
    per machine, model and batch size. `timer` is injectable for tests."""
    key = cache_key(model, images, device, batch_size, augment, precision)
    stored, note = _read_cache(cache, key)
    if stored is not None:
        return stored
    variants, skipped = candidates(model, device, precision)
    # GPUs run asynchronously: wait for the work before reading the clock
    sync = {"cuda": torch.cuda.synchronize, "mps": torch.mps.synchronize}.get(
        device.type, lambda: None)
    x, y = images[:batch_size], labels[:batch_size]
    model.to(device)
    timings, first_steps, best = {}, {}, None
    with _untouched(model, device):
        for variant in variants:
            loader = DeviceLoader(x, y, batch_size, device=device, mean=mean, std=std,
                                  train=True, augment=augment, padding=padding,
                                  bf16=variant.bf16, channels_last=variant.channels_last)
            model.to(memory_format=torch.channels_last if variant.channels_last
                     else torch.contiguous_format)
            step = functools.partial(_train_step, model, loader, loss_fn)
            first_steps[variant.name] = _time(step, timer, sync)  # includes kernel set-up
            if best is not None and first_steps[variant.name] > TOO_SLOW * first_steps[best.name]:
                ratio = first_steps[variant.name] / first_steps[best.name]
                skipped.append(in_english("engine.speed.dropped", variant=variant.name,
                                          ratio=f"{ratio:.0f}", best=best.name))
                continue
            seconds = statistics.mean(_time(step, timer, sync) for _ in range(TIMED_STEPS))
            timings[variant.name] = len(y) / max(seconds, 1e-9)
            if best is None or timings[variant.name] > timings[best.name]:
                best = variant
        model.to(memory_format=torch.channels_last if best.channels_last
                 else torch.contiguous_format)
        loader = DeviceLoader(x, y, batch_size, device=device, mean=mean, std=std,
                              bf16=best.bf16, channels_last=best.channels_last)
        step = functools.partial(_eval_step, model, loader)
        _time(step, timer, sync)  # warm-up
        eval_seconds = _time(step, timer, sync)
    speed = Speed(best, timings[best.name], len(y) / max(eval_seconds, 1e-9), timings,
                  skipped, note=note, key=key)
    speed.note = _write_cache(cache, key, speed) or note
    return speed


OFF_BY = 1.5  # a whole run this many times faster or slower than measured corrects the cache


def correct(speed: Speed, images_per_second: float, cache: Path | None) -> str:
    """After a run: if it trained far faster or slower than `speed` said (a probe taken
    while the machine was busy, say), keep the run's own speed for the next plans; the
    variant stays. Returns what was done, for the learner, or ""."""
    ratio = images_per_second / speed.images_per_second
    if cache is None or not speed.key or 1 / OFF_BY < ratio < OFF_BY:
        return ""
    corrected = Speed(speed.variant, images_per_second, speed.eval_images_per_second * ratio,
                      speed.timings, speed.skipped)
    if _write_cache(cache, speed.key, corrected):
        return ""
    return msg("engine.speed.corrected", speed=f"{images_per_second:,.0f}", ratio=f"{ratio:.1f}",
               measured=f"{speed.images_per_second:,.0f}")


def _train_step(model, loader, loss_fn) -> None:
    inputs, targets = next(iter(loader))
    with loader.autocast():
        loss = loss_fn(model(inputs), targets)
    loss.backward()
    model.zero_grad(set_to_none=True)


@torch.no_grad()
def _eval_step(model, loader) -> None:
    model.eval()
    inputs, _ = next(iter(loader))
    with loader.autocast():
        model(inputs)
    model.train()


def _time(step, timer, sync) -> float:
    sync()
    start = timer()
    step()
    sync()
    return timer() - start


@contextlib.contextmanager
def _untouched(model: nn.Module, device: torch.device):
    """Run the probe without a trace: random state, batch-norm statistics, mode, grads."""
    buffers = {name: b.clone() for name, b in model.named_buffers()}
    training = model.training
    model.train()
    with torch.random.fork_rng(devices=[] if device.type == "cpu" else [device],
                               device_type=device.type):
        try:
            yield
        finally:
            model.zero_grad(set_to_none=True)
            with torch.no_grad():
                for name, b in model.named_buffers():
                    b.copy_(buffers[name])
            model.train(training)


def cache_key(model, images, device, batch_size, augment, precision) -> str:
    """What a measured speed depends on: the machine, the model, its input and batch."""
    info = machine(device)
    params = sum(p.numel() for p in model.parameters())
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    shape = "×".join(map(str, images.shape[1:]))
    where = info.get("gpu", f"{info['cpu']}, {info['threads']} threads")
    return (f"{device.type} {where} | torch {info['torch']} | {type(model).__qualname__} "
            f"{params}/{trainable} | {shape} | batch {batch_size} | "
            f"{'+'.join(augment) or 'no augmentation'} | {precision}")


def _read_cache(path: Path | None, key: str) -> tuple[Speed | None, str]:
    """The cached Speed for `key`, or None; a note when the file could not be used."""
    if path is None or not path.exists():
        return None, ""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))["speeds"].get(key)
        if entry is None:
            return None, ""
        entry["variant"] = Variant(**entry["variant"])
        found = Speed(**entry, cached=True, key=key)
        if not all(math.isfinite(v) and v > 0 for v in (found.images_per_second,
                                                        found.eval_images_per_second)):
            raise ValueError("a speed that is not a positive number")
        return found, ""
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as err:
        return None, msg("engine.speed.unreadable", path=path, error=type(err).__name__)


def _write_cache(path: Path | None, key: str, speed: Speed) -> str:
    """Add this measurement to the cache file; a note if it cannot be written."""
    if path is None:
        return ""
    try:
        speeds = json.loads(path.read_text(encoding="utf-8"))["speeds"]
        if not isinstance(speeds, dict):
            raise TypeError
    except (OSError, ValueError, TypeError, KeyError):
        speeds = {}  # missing or unreadable: start a new file
    entry = asdict(speed)
    del entry["cached"], entry["note"], entry["key"]
    speeds[key] = entry
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_json(path, {"version": 1, "speeds": speeds})
    except OSError as err:
        return msg("engine.speed.unwritable", path=path, error=err.strerror or err)
    return ""
