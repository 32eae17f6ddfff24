"""fit(): train a model epoch by epoch, evaluate it, checkpoint it, and say what happened.

It takes everything it needs as arguments and returns a Result; what the user sees comes
from the `callbacks` object the caller passes (the runner passes a live display).
"""

import math
import signal
import threading
import time
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import torch
import torch.nn.functional as F

from dlcourse.engine import checkpoint as ckpt
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.loop import evaluate, train_one_epoch
from dlcourse.engine.speed import FP32, Variant
from dlcourse.errors import Diverged, Interrupted, UserError
from dlcourse.i18n import msg

DIVERGED_FACTOR = 100  # a loss this many times its first value has blown up (as in `sine`)
READ_EVERY = 0.2  # seconds between loss reads on a GPU (each read makes it wait)


@dataclass
class Result:
    """What fit() hands back."""

    history: list[dict] = field(default_factory=list)  # one row per epoch, resumed ones too
    test_accuracy: float = 0.0
    train_seconds: float = 0.0  # this run's training, evaluation excluded
    images_per_second: float = 0.0
    predictions: torch.Tensor | None = None  # (N_test,) predicted classes, on the CPU
    confidence: torch.Tensor | None = None  # (N_test,) their softmax probability, on the CPU
    test_labels: torch.Tensor | None = None  # (N_test,) the labels they are judged against
    test_index: torch.Tensor | None = None  # which test images those are (None: the first)
    epochs_done: int = 0
    epochs_trained: int = 0  # by this run: 0 when resuming a finished run
    train_images: int = 0  # per epoch
    test_images: int = 0
    first_loss: float | None = None  # what divergence is judged against

    def add(self, row: dict, predictions, confidence) -> None:
        """A finished epoch."""
        self.history.append(row)
        self.epochs_done, self.epochs_trained = row["epoch"], self.epochs_trained + 1
        self.train_seconds += row["seconds"]
        self.test_accuracy, self.predictions = row["test_accuracy"], predictions
        self.confidence = confidence


class Callbacks:
    """What fit() reports while it runs. These do nothing: subclass what you want to show."""

    def start(self, *, epochs: int, first_epoch: int, train_images: int, batch_size: int,
              device: torch.device) -> None: ...

    def epoch_start(self, epoch: int) -> None: ...

    def step(self, *, epoch: int, seen: int, loss: float, accuracy: float,
             steps: int, seconds: float) -> None:
        """About every READ_EVERY seconds: the latest loss, the epoch's running accuracy."""

    def epoch_end(self, row: dict) -> None: ...

    def close(self) -> None:
        """The run ended, finished or not."""


@dataclass
class StopRequest:
    signum: int | None = None  # the first Ctrl-C, SIGTERM or SIGHUP received


@contextmanager
def stop_requests():
    """While training, the first Ctrl-C (or SIGTERM, SIGHUP) asks the run to stop after the
    current step, so nothing is left half-done; a second one stops at once."""
    stop = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop  # signal handlers can only be set from the main thread
        return

    def handler(signum, frame):
        if stop.signum is not None:
            raise Interrupted(signum)
        stop.signum = signum

    wanted = [signal.SIGINT, signal.SIGTERM, getattr(signal, "SIGHUP", None)]
    previous = {s: signal.signal(s, handler) for s in wanted if s is not None}
    try:
        yield stop
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


class Watch:
    """Sees every training step: stops the run when the loss diverges or a stop was asked
    for, and passes progress to the callbacks. Steps are counted across epochs."""

    def __init__(self, callbacks: Callbacks, stop: StopRequest, device: torch.device,
                 first_loss: float | None = None):
        self.callbacks, self.stop = callbacks, stop
        self.every_step = device.type == "cpu"  # reading a CPU loss costs nothing
        self.steps = 0
        self.first_loss = first_loss  # the run's first loss: resumed runs keep their own
        self.worst = None  # between reads on a GPU: the largest loss, kept on the device

    def begin(self, epoch: int) -> None:
        self.epoch, self.seen, self.epoch_steps = epoch, 0, 0
        self.start = self.last = time.perf_counter()
        self.callbacks.epoch_start(epoch)

    def step(self, loss, correct, n: int) -> None:
        self.steps += 1
        self.epoch_steps += 1
        self.seen += n
        now = time.perf_counter()
        show = now - self.last >= READ_EVERY
        if self.every_step:
            self.check(loss.item())
        else:  # no sync: max() keeps nan, so a spike between reads is still seen
            loss = loss.detach()
            self.worst = loss if self.worst is None else torch.maximum(self.worst, loss)
            if show:
                self.check(self.worst.item())
                self.worst = None
        if show:
            self.last = now
            self.callbacks.step(epoch=self.epoch, seen=self.seen, loss=loss.item(),
                                accuracy=correct.item() / self.seen, steps=self.epoch_steps,
                                seconds=now - self.start)
        self.check_stop()

    def check(self, loss: float) -> None:
        """Diverged if the loss is nan or inf, or far above where this run started."""
        self.first_loss = self.first_loss or max(loss, 1e-3)
        if not math.isfinite(loss) or loss > DIVERGED_FACTOR * self.first_loss:
            raise Diverged(self.steps, loss)

    def check_stop(self) -> None:
        if self.stop.signum is not None:
            raise Interrupted(self.stop.signum)


def channel_stats(images):
    """Per-channel mean and std of uint8 images (N, C, H, W), in [0, 1] units."""
    x = images.float().div_(255)
    return x.mean(dim=(0, 2, 3)), x.std(dim=(0, 2, 3))


TEST_SAMPLE_SEED = 0  # every run tests on the same sample, whatever its --seed


def sample_index(total: int, n: int | None, seed: int):
    """The first n of a seeded shuffle of range(total), or None for all of them. Data sets
    are often stored class by class, so the first n images alone would miss classes."""
    if n is None or n >= total:
        return None
    return torch.randperm(total, generator=torch.Generator().manual_seed(seed))[:n]


def take_subset(X, y, n, seed):
    """The first n of a seeded shuffle: the same images for the same seed."""
    keep = sample_index(len(y), n, seed)
    return (X, y) if keep is None else (X[keep], y[keep])


def make_loaders(data, batch_size, *, device, seed=0, subset=None, test_images=None,
                 max_batches=None, normalize=None, augment=(), padding=4,
                 variant=FP32):
    """The training loader (a seeded subset, shuffled and augmented), the test loader (a
    fixed sample of `test_images`, or all) and which test images it holds (None: all), both
    normalized with `normalize` or the training images' own statistics."""
    X, y = take_subset(data.train_x, data.train_y, subset, seed)
    if max_batches:  # a dry run: a few batches, seconds long
        X, y = X[:max_batches * batch_size], y[:max_batches * batch_size]
        test_images = min(test_images or len(data.test_y), 4 * batch_size)
    test_index = sample_index(len(data.test_y), test_images, TEST_SAMPLE_SEED)
    X_test, y_test = ((data.test_x, data.test_y) if test_index is None
                      else (data.test_x[test_index], data.test_y[test_index]))
    mean, std = normalize if normalize is not None else channel_stats(X)
    layout = dict(bf16=variant.bf16, channels_last=variant.channels_last)
    train = DeviceLoader(X, y, batch_size, device=device, mean=mean, std=std, train=True,
                         augment=augment, padding=padding, seed=seed, **layout)
    # on a CPU, batches of 128 evaluate 1.5-2.5× faster than batches of 1024 (they stay in
    # cache); a GPU wants big ones
    test_batch = 1024 if device.type == "cuda" else batch_size
    test = DeviceLoader(X_test, y_test, test_batch, device=device, mean=mean, std=std,
                        **layout)
    return train, test, test_index


def train_sample(train_loader, n: int, batch_size: int) -> DeviceLoader:
    """A loader of a fixed sample of `n` of the training loader's images (the same on every
    run), prepared as test images are: normalized alike, never augmented or shuffled."""
    images, labels = train_loader.images, train_loader.labels  # on the training device
    keep = sample_index(len(labels), n, TEST_SAMPLE_SEED)
    if keep is not None:
        keep = keep.to(labels.device)
        images, labels = images[keep], labels[keep]
    return DeviceLoader(images, labels, batch_size, device=train_loader.device,
                        mean=train_loader.mean.flatten(), std=train_loader.std.flatten(),
                        bf16=train_loader.bf16, channels_last=train_loader.channels_last)


def fit(model, data, *, optimizer, epochs: int, batch_size: int, device: torch.device,
        seed: int = 0, loss_fn=F.cross_entropy, scheduler=None, augment=(), padding=4,
        normalize=None, subset: int | None = None, test_images: int | None = None,
        train_eval_images: int | None = None, variant: Variant = FP32,
        checkpoint: Path | None = None, rebuild: dict | None = None,
        resume: Path | None = None, max_batches: int | None = None,
        callbacks: Callbacks | None = None) -> Result:
    """Train `model` on `data` (an ImageSet: uint8 images, int64 labels) for `epochs`
    epochs, evaluating on its test images after each one.

    scheduler: a function (optimizer, total_steps) -> LR scheduler, stepped every batch.
    normalize: (mean, std) per channel; None computes them from the training images.
    subset, test_images: train on a seeded subset of this many images, test on the first
    `test_images` (None: all).
    train_eval_images: also evaluate a fixed sample of this many training images after
    each epoch, as the test images are (no augmentation, dropout off, batch norm in eval
    mode), into the history as `train_eval_acc`: the training accuracy to set against the
    test accuracy, unlike `train_accuracy`, the running mean over an epoch of augmented
    batches while the weights still moved. None: not measured.
    variant: bf16 or float32, channels-last or contiguous (engine/speed.py measures which).
    checkpoint: where model.pt goes after every finished epoch, with `rebuild` (what
    rebuilds the model); a diverged epoch never overwrites it.
    resume: a model.pt to continue from: the same weights as an uninterrupted run.
    max_batches: train on this many batches an epoch (and test on four): a dry run.
    Raises Diverged or Interrupted (Ctrl-C, SIGTERM, SIGHUP) with `.result` set to what the
    finished epochs achieved.
    """
    train_loader, test_loader, test_index = make_loaders(data, batch_size, device=device, seed=seed,
                                             subset=subset, test_images=test_images,
                                             max_batches=max_batches, normalize=normalize,
                                             augment=augment, padding=padding,
                                             variant=variant)
    train_eval = (train_sample(train_loader, train_eval_images, test_loader.batch_size)
                  if train_eval_images else None)
    model.to(device, memory_format=torch.channels_last if variant.channels_last
             else torch.contiguous_format)
    total_steps = epochs * len(train_loader)
    sched = scheduler(optimizer, total_steps) if scheduler else None
    result = Result(train_images=len(train_loader.labels), test_images=len(test_loader.labels),
                    test_labels=test_loader.labels.cpu(), test_index=test_index)
    if resume is not None:
        _resume(resume, model, optimizer, sched, train_loader.generator, result, rebuild,
                epochs, len(train_loader))
    callbacks = callbacks or Callbacks()
    callbacks.start(epochs=epochs, first_epoch=result.epochs_done + 1,
                    train_images=result.train_images, batch_size=batch_size, device=device)
    try:
        with stop_requests() as stop:
            watch = Watch(callbacks, stop, device, result.first_loss)
            for epoch in range(result.epochs_done + 1, epochs + 1):
                row, predictions, confidence = _epoch(epoch, model, train_loader, test_loader,
                                                      loss_fn, optimizer, sched, watch,
                                                      train_eval)
                result.add(row, predictions, confidence)
                result.first_loss = watch.first_loss
                if checkpoint is not None:
                    ckpt.save(checkpoint, model, optimizer, sched, train_loader.generator,
                              epoch=epoch, epochs=epochs, history=result.history,
                              rebuild=rebuild, steps_per_epoch=len(train_loader),
                              first_loss=result.first_loss)
                callbacks.epoch_end(row)
                watch.check_stop()  # a Ctrl-C during evaluation stops here, after saving
    except Diverged as end:
        end.result = result
        raise
    except KeyboardInterrupt as end:  # a plain one too: Ctrl-C outside our handler
        stopped = end if isinstance(end, Interrupted) else Interrupted()
        stopped.result = result
        raise stopped from None
    finally:
        callbacks.close()
    if result.predictions is None:  # resumed from a finished run: show what it reached
        _, result.test_accuracy, predictions, confidence = evaluate(model, test_loader,
                                                                    loss_fn)
        result.predictions, result.confidence = predictions.cpu(), confidence.cpu()
    trained = result.epochs_trained * result.train_images
    result.images_per_second = trained / result.train_seconds if trained else 0.0
    return result


def _epoch(epoch, model, train_loader, test_loader, loss_fn, optimizer, scheduler, watch,
           train_eval=None):
    """Train one epoch and evaluate (and on `train_eval`, a loader of training images, when
    given); returns its history row, the test predictions and their confidence."""
    watch.begin(epoch)
    start = time.perf_counter()
    train_loss, train_acc = train_one_epoch(model, train_loader, loss_fn, optimizer,
                                            scheduler, watch)
    seconds = time.perf_counter() - start
    watch.check(train_loss)
    test_loss, test_acc, predictions, confidence = evaluate(model, test_loader, loss_fn)
    row = {"epoch": epoch, "train_loss": train_loss, "train_accuracy": train_acc,
           "test_loss": test_loss, "test_accuracy": test_acc, "seconds": seconds,
           "lr": optimizer.param_groups[0]["lr"]}
    if train_eval is not None:
        row["train_eval_acc"] = evaluate(model, train_eval, loss_fn)[1]
    return row, predictions.cpu(), confidence.cpu()


def _resume(path, model, optimizer, scheduler, generator, result, rebuild, epochs,
            steps_per_epoch) -> None:
    """Continue from a checkpoint: weights, optimizer, schedule and random state restored."""
    state = ckpt.load(path)
    if rebuild and state.get("rebuild") != rebuild:
        raise UserError(msg("engine.fit.other_model", path=path, saved=state.get("rebuild"),
                            builds=rebuild))
    ckpt.restore(state, model, optimizer, generator, path)
    result.history = list(state["history"])
    result.epochs_done = state["epoch"]
    result.first_loss = state.get("first_loss")
    if scheduler is None or state.get("scheduler") is None:
        return
    same_plan = (state.get("epochs"), state.get("steps_per_epoch")) == (epochs, steps_per_epoch)
    if same_plan:
        scheduler.load_state_dict(state["scheduler"])
        return
    # another plan (more epochs, another batch size or subset): this run's schedule,
    # advanced to where the checkpoint's epochs bring it
    done = min(result.epochs_done, epochs) * steps_per_epoch
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "scheduler.step() before optimizer.step()"
        for _ in range(done):
            scheduler.step()
