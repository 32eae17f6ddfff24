"""Handwritten digits: a small MLP (post 004) or CNN (post 002) on MNIST."""

from dataclasses import dataclass
from typing import Literal

from torch import nn

from dlcourse import plots
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.loop import evaluate, train_one_epoch
from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import msg
from dlcourse.lessons.common import plan, train_and_report

# Hyperparameters per (model, recipe). "seed" is the source post's own recipe, run
# faithfully; "default" is tuned for short CPU runs (measured in benchmarks/, README).
RECIPES = {
    ("mlp", "seed"): dict(
        optimizer="adam", lr=1e-3, batch_size=32, epochs=20, schedule="constant",
    ),  # post 004: 97.69 % after 20 epochs on all 60,000 images
    ("mlp", "default"): dict(
        optimizer="adamw", lr=3e-3, weight_decay=1e-4, batch_size=128, epochs=12,
        schedule="onecycle", augment=("crop",), padding=2,
    ),  # small shifts of ±2 px are the cheapest cure for this MLP's overfitting
    ("cnn", "seed"): dict(
        optimizer="adam", lr=2e-4, batch_size=256, epochs=10, schedule="constant",
    ),  # post 002
    ("cnn", "default"): dict(
        optimizer="adamw", lr=3e-3, weight_decay=5e-4, batch_size=128, epochs=5,
        schedule="onecycle", augment=("crop",), padding=2,
    ),  # a 10× larger peak lr is safe with warm-up and annealing
}
# How a run fits the lesson's time. The MLP trains on every image for its 12 epochs within
# the budget on a 2-core CPU. The CNN gets ~7,000 image passes there: 1/2/3/4 epochs reached
# 94.7/94.6/94.7/94.6 % (benchmarks/sizing.py, seed 0), so 2 epochs, fewer images.
SIZING = {"mlp": Sizing(min_epochs=4, max_epochs=12), "cnn": Sizing(min_epochs=2, max_epochs=8)}


@dataclass(frozen=True)
class Config(RecipeOptions):
    model: Literal["mlp", "cnn"] = "mlp"  # mlp: 784-64-64-10 (post 004); cnn: post 002's


class MLP(nn.Module):
    """784 pixels -> 64 -> 64 -> 10 class scores."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
            nn.Flatten(),  # (B, 1, 28, 28) -> (B, 784)
            nn.Linear(784, 64), nn.ReLU(),
            nn.Linear(64, 64), nn.ReLU(),
            nn.Linear(64, 10),
        )

    def forward(self, x):
        return self.layers(x)


class CNN(nn.Module):
    """Three 5×5 convolutions and two max-pools, then two linear layers."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5), nn.ReLU(),  # (B, 1, 28, 28) -> (B, 16, 24, 24)
            nn.Conv2d(16, 32, 5), nn.ReLU(),  # -> (B, 32, 20, 20)
            nn.MaxPool2d(2),  # -> (B, 32, 10, 10)
            nn.Conv2d(32, 64, 5), nn.ReLU(),  # -> (B, 64, 6, 6)
            nn.MaxPool2d(2),  # -> (B, 64, 3, 3)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 576): flatten keeps the batch size, whatever it is
            nn.Linear(64 * 3 * 3, 100), nn.ReLU(),
            nn.Linear(100, 10),
        )

    def forward(self, x):
        return self.classifier(self.features(x))


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea", train=len(data.train_y), test=len(data.test_y))
    samples = plots.labelled_grid(data.train_x, data.train_y, data.classes,
                                  title=msg("mnist.samples_title"))
    ctx.record.figure(samples, "samples.png")
    model = MLP() if cfg.model == "mlp" else CNN()
    ctx.show.section(cfg.model)
    ctx.show.model(model, (1, 28, 28))
    ctx.show.source(type(model))
    ctx.show.section("loop")
    ctx.show.source(train_one_epoch, evaluate, title="dlcourse/engine/loop.py")
    ctx.show.source(DeviceLoader.__iter__, DeviceLoader.prepare,
                    title=msg("mnist.loader_title", path="dlcourse/engine/loader.py"))
    recipe = with_overrides(RECIPES[cfg.model, cfg.recipe], cfg)
    planned = plan(ctx, model, data, recipe, SIZING[cfg.model], cfg,
                   fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES[cfg.model, "seed"], RECIPES[cfg.model, "default"],
                          planned.recipe)
    ctx.show.section("recipe")
    train_and_report(ctx, model, data, planned, rebuild={"lesson": "mnist", "model": cfg.model},
                     model=cfg.model.upper())
