"""LeNet on CIFAR-10 (post 003): three small convolutions, then two linear layers."""

from dataclasses import dataclass

from torch import nn

from dlcourse import plots
from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import msg
from dlcourse.lessons.common import plan, train_and_report

RECIPES = {
    "seed": dict(  # post 003, run faithfully (accuracy counted per image, not per batch)
        optimizer="adam", lr=1e-3, batch_size=100, epochs=20, schedule="constant",
        augment=("flip", "affine", "jitter"), normalize="half",
    ),
    "default": dict(  # tuned for a short CPU run: see benchmarks/ and the README
        optimizer="adamw", lr=3e-3, weight_decay=5e-4, batch_size=128, epochs=8,
        schedule="onecycle", augment=("crop", "flip"), padding=4, normalize="data",
    ),
}
# How a run fits the lesson's time. At the 160,000 image passes a minute allows on a 2-core
# CPU, 3/4/6/8/12 epochs reached 65.3/65.9/65.8/65.7/66.2 % (benchmarks/sizing.py, seed 0):
# no epoch count wins by more than noise, so keep 4 and cut images, close to all of them.
SIZING = Sizing(min_epochs=4, max_epochs=30)


@dataclass(frozen=True)
class Config(RecipeOptions):
    """LeNet needs only the shared training options (--recipe, --epochs, ...)."""


class LeNet(nn.Module):
    """Conv-ReLU-pool three times, then 1024 -> 500 -> 10 with dropout."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 16, 16, 16)
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 32, 8, 8)
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 64, 4, 4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 1024)
            nn.Linear(64 * 4 * 4, 500), nn.ReLU(),
            nn.Dropout(0.5),  # drops half the units while training, none when evaluating
            nn.Linear(500, num_classes),
        )

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        return self.classifier(self.features(x))


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea", train=len(data.train_y), test=len(data.test_y))
    samples = plots.labelled_grid(data.train_x, data.train_y, data.classes,
                                  title=msg("lenet.samples_title"))
    ctx.record.figure(samples, "samples.png")
    model = LeNet(len(data.classes))
    ctx.show.model(model, (3, 32, 32))
    ctx.show.source(LeNet)
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    planned = plan(ctx, model, data, recipe, SIZING, cfg, fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.section("recipe")
    train_and_report(ctx, model, data, planned, rebuild={"lesson": "lenet"})
