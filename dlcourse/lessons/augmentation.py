"""Normalization and augmentation on CIFAR-10: what they do to images, and to learning."""

from dataclasses import dataclass, replace

import torch

from dlcourse import plots
from dlcourse.engine import augment
from dlcourse.engine.fit import channel_stats
from dlcourse.engine.recipes import TrainingOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.lessons.common import plan, train
from dlcourse.lessons.lenet import LeNet

USUAL_MEAN = (0.4914, 0.4822, 0.4465)  # the constants most CIFAR-10 code copies
USUAL_STD = (0.247, 0.243, 0.261)

VARIANTS = {  # three LeNets that differ only in how the input is prepared
    "raw": dict(normalize="none", augment=()),
    "normalized": dict(normalize="data", augment=()),
    "normalized + augmented": dict(normalize="data", augment=("crop", "flip")),
}
RECIPE = dict(optimizer="adamw", lr=3e-3, weight_decay=5e-4, batch_size=128, epochs=10,
              schedule="onecycle", padding=4)
# How three runs fit the lesson's time. At the 45,000 image passes each gets on a 2-core CPU,
# 2/3/4/6/8 epochs reached 50.8/51.8/50.9/51.3/51.3 % (benchmarks/sizing.py, seed 0).
SIZING = Sizing(min_epochs=3, max_epochs=20)


@dataclass(frozen=True)
class Config(TrainingOptions):
    """The shared training options, applied to all three runs."""


def show_augmentations(ctx, images) -> None:
    """Eight training images, then the same eight through each augmentation."""
    g = torch.Generator().manual_seed(ctx.seed)
    x = images[:8].float() / 255  # (8, 3, 32, 32) in [0, 1]
    rows = {"original": x,
            "random crop (pad 4) + flip": augment.augment(x, ("crop", "flip"), g),
            "rotate, shear, scale": augment.random_affine(x, g),
            "colour jitter": augment.color_jitter(x, g)}
    grid = torch.cat([(r * 255).round().to(torch.uint8) for r in rows.values()])
    titles = [name if i == 0 else "" for name in rows for i in range(8)]
    ctx.record.figure(plots.image_grid(grid, titles, title="each row: the same 8 images"),
                      "augmentations.png")


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea")
    show_augmentations(ctx, data.train_x)
    ctx.show.source(augment.random_crop, augment.random_flip)
    mean, std = channel_stats(data.train_x)
    ctx.show.table("per-channel statistics of the training images (0-1 scale)",
                   ["", "red", "green", "blue"],
                   [["mean, computed", *mean.tolist()], ["mean, usual constants", *USUAL_MEAN],
                    ["std, computed", *std.tolist()], ["std, usual constants", *USUAL_STD]])
    ctx.show.section("normalize")
    # the slowest of the three (it augments) sets the pace for all of them
    slowest = with_overrides({**RECIPE, **VARIANTS["normalized + augmented"]}, cfg)
    planned = plan(ctx, LeNet(), data, slowest, SIZING, cfg, runs=len(VARIANTS))
    ctx.show.predict()
    results = {}
    for name, variant in VARIANTS.items():
        ctx.show.note(f"[bold]{name}[/]")
        torch.manual_seed(ctx.seed)  # the same initial weights for every variant
        recipe = {**planned.recipe, **variant}
        results[name] = train(ctx, LeNet(), data, replace(planned, recipe=recipe),
                              label=name.split()[-1], figures=False,
                              rebuild={"lesson": "augmentation", "variant": name})
    save_comparison(ctx, results)
    best = results["normalized + augmented"]
    ctx.record.final.update(test_accuracy=best.test_accuracy,
                            gap_normalized=gap(results["normalized"]), gap_augmented=gap(best))
    ctx.show.section("results", **{k.split()[-1]: r.test_accuracy for k, r in results.items()},
                     **ctx.record.final)
    ctx.show.section("recap")


def gap(result) -> float:
    """Train minus test accuracy at the end: how much was memorised rather than learned."""
    last = result.history[-1]
    return last["train_accuracy"] - last["test_accuracy"]


def save_comparison(ctx, results) -> None:
    epochs = {k: [h["epoch"] for h in r.history] for k, r in results.items()}
    accuracy = {k: [100 * h["test_accuracy"] for h in r.history] for k, r in results.items()}
    ctx.record.figure(plots.curves(epochs, accuracy, title="LeNet test accuracy per epoch",
                                   xlabel="epoch", ylabel="test accuracy (%)"), "variants.png")
