"""Recipes: the optimizer, schedule, augmentation and normalization a lesson trains with,
and the training options every image lesson shares.

A recipe is a plain dict, written at the top of each lesson with the evidence for its
numbers; `fit_recipe()` turns one into a fit() call.
"""

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from dlcourse.engine.fit import channel_stats, fit
from dlcourse.engine.speed import measure
from dlcourse.i18n import msg


@dataclass(frozen=True)
class TrainingOptions:
    """The training knobs every image lesson shares; 0 keeps the recipe's value."""

    epochs: int = 0  # passes over the training images (0: the recipe's)
    batch_size: int = 0  # images per step (0: the recipe's)
    lr: float = 0.0  # peak learning rate (0: the recipe's)
    subset: str = "auto"  # training images: a number, full, or auto (what fits the time)
    precision: Literal["auto", "fp32", "bf16"] = "auto"  # auto: the faster, measured here

    def __post_init__(self):
        if self.epochs < 0 or self.batch_size < 0 or self.lr < 0:
            raise ValueError(msg("engine.recipes.negative"))
        if self.subset not in ("full", "auto") and not (
                self.subset.isdigit() and int(self.subset) > 0):
            raise ValueError(msg("engine.recipes.bad_subset"))


@dataclass(frozen=True)
class RecipeOptions(TrainingOptions):
    """...and for lessons that offer the source post's own recipe beside the tuned one."""

    recipe: Literal["default", "seed"] = "default"  # seed: the source post's own recipe


def with_overrides(recipe: dict, options: TrainingOptions) -> dict:
    """The recipe, with the --epochs / --batch-size / --lr the user gave (0 keeps it)."""
    recipe = dict(recipe)
    for key in ("epochs", "batch_size", "lr"):
        recipe[key] = getattr(options, key) or recipe[key]
    return recipe


def explicit_subset(value: str, n_train: int) -> int | None:
    """`--subset` as a number of images: None for "auto" (the plan decides)."""
    if value == "auto":
        return None
    return n_train if value == "full" else min(int(value), n_train)


def optimizer_for(model, recipe: dict, device=None):
    """The recipe's optimizer: "adam", "adamw" or "sgd" (momentum, optional Nesterov).

    On CPU and CUDA it uses PyTorch's fused implementation: the same update, computed for
    all parameters in one kernel instead of a dozen small ops per tensor (LeNet's step is
    about 8 % faster on a 2-core CPU)."""
    decay = recipe.get("weight_decay", 0.0)
    fused = device is not None and device.type in ("cpu", "cuda")
    if recipe["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=recipe["lr"], weight_decay=decay,
                               momentum=recipe.get("momentum", 0.9),
                               nesterov=recipe.get("nesterov", False), fused=fused or None)
    adam = torch.optim.AdamW if recipe["optimizer"] == "adamw" else torch.optim.Adam
    return adam(model.parameters(), lr=recipe["lr"], weight_decay=decay, fused=fused or None)


def schedule_for(recipe: dict):
    """A scheduler factory (optimizer, total_steps) -> scheduler, stepped every batch."""
    kind = recipe.get("schedule", "constant")
    if kind == "constant":
        return None
    if kind == "onecycle":  # warm up, then anneal: large steps early, small at the end
        def onecycle(opt, total):
            total = max(total, 4)  # a few-batch run still needs two steps in each phase
            return torch.optim.lr_scheduler.OneCycleLR(
                opt, max_lr=recipe["lr"], total_steps=total,
                pct_start=max(recipe.get("warmup", 0.25), 2 / total))
        return onecycle
    if kind == "step":  # multiply the lr by gamma every step_epochs epochs
        return lambda opt, total: torch.optim.lr_scheduler.StepLR(
            opt, step_size=recipe["step_epochs"] * (total // recipe["epochs"]),
            gamma=recipe["gamma"])
    raise ValueError(f"unknown schedule {kind!r}")


def normalization(recipe: dict, channels: int):
    """(mean, std) the recipe asks for: "data" computes them from the training images
    (None), "half" is 0.5 / 0.5, "none" keeps [0, 1], "imagenet" is what pretrained
    torchvision models expect."""
    kind = recipe.get("normalize", "data")
    if kind == "imagenet":
        return torch.tensor([0.485, 0.456, 0.406]), torch.tensor([0.229, 0.224, 0.225])
    if kind == "half":
        return torch.full((channels,), 0.5), torch.full((channels,), 0.5)
    if kind == "none":
        return torch.zeros(channels), torch.ones(channels)
    return None


def fit_recipe(model, data, recipe: dict, *, device, loss_fn=F.cross_entropy, **run):
    """fit() with the optimizer, schedule, augmentation and normalization a recipe names;
    `run` passes the rest (seed, subset, checkpoint, resume, callbacks, ...) through."""
    return fit(model, data, optimizer=optimizer_for(model, recipe, device),
               scheduler=schedule_for(recipe), epochs=recipe["epochs"],
               batch_size=recipe["batch_size"], device=device, loss_fn=loss_fn,
               augment=recipe.get("augment", ()), padding=recipe.get("padding", 4),
               normalize=normalization(recipe, data.train_x.shape[1]), **run)


def measure_recipe(model, data, recipe: dict, *, device, loss_fn=F.cross_entropy, **probe):
    """engine.speed.measure() with the recipe's batch size, augmentation and normalization;
    `probe` passes precision, cache and timer through."""
    mean, std = normalization(recipe, data.train_x.shape[1]) or channel_stats(data.train_x[:1024])
    return measure(model, data.train_x, data.train_y, device=device,
                   batch_size=recipe["batch_size"], mean=mean, std=std,
                   augment=recipe.get("augment", ()), padding=recipe.get("padding", 4),
                   loss_fn=loss_fn, **probe)
