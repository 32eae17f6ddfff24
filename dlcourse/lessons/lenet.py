"""LeNet on CIFAR-10 (post 003): three small convolutions, then two linear layers."""

from dataclasses import dataclass
from typing import Literal

from torch import nn

from dlcourse.course.runner import Lesson
from dlcourse.engine import train

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


@dataclass(frozen=True)
class Config:
    recipe: Literal["default", "seed"] = "default"  # seed: the post's own optimizer and lr
    epochs: int = 0  # passes over the training images (0: the recipe's)
    batch_size: int = 0  # images per step (0: the recipe's)
    lr: float = 0.0  # peak learning rate (0: the recipe's)
    subset: str = "full"  # training images: a number, or full

    def __post_init__(self):
        train.check_options(self)


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


def run(cfg: Config, lesson: Lesson) -> None:
    data = lesson.load_data()
    lesson.section("idea", train=len(data.train_y), test=len(data.test_y))
    lesson.image_grid(data.train_x[:32], [data.classes[i] for i in data.train_y[:32]],
                      "samples.png", "training images and their classes")
    model = LeNet(len(data.classes))
    lesson.show_model(model, (3, 32, 32))
    lesson.show_source(LeNet)
    recipe = train.with_overrides(RECIPES[cfg.recipe], cfg)
    lesson.recipe_table(RECIPES["seed"], RECIPES["default"], recipe)
    lesson.section("recipe")
    lesson.predict()
    lesson.section("run")
    result = train.fit_recipe(model, data, lesson, recipe,
                              subset=train.resolve_subset(cfg.subset, lesson.device, None),
                              rebuild={"lesson": "lenet"})
    lesson.section("results", accuracy=result.test_accuracy, seconds=result.train_seconds,
                   speed=result.images_per_second)
    lesson.section("recap")
