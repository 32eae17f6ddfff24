"""A small ResNet on CIFAR-10 (post 001): residual blocks make deep networks trainable."""

from dataclasses import dataclass
from typing import Literal

import torch.nn.functional as F
from torch import nn

from dlcourse.course.runner import Lesson
from dlcourse.engine import train

CPU_SUBSET = 25_000  # training images on a CPU unless --subset says otherwise: about 2 min

RECIPES = {
    "seed": dict(  # post 001 (its scheduler stepped before the optimizer; ours does not)
        optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4, batch_size=128, epochs=300,
        schedule="step", step_epochs=50, gamma=0.1, augment=("crop", "flip"), padding=1,
        normalize="half",
    ),
    "default": dict(  # one-cycle SGD: reaches the post's 1-epoch accuracy in a third of the time
        optimizer="sgd", lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4,
        batch_size=128, epochs=8, schedule="onecycle", warmup=0.2,
        augment=("crop", "flip"), padding=2, normalize="data",  # light: short runs underfit
    ),
}


@dataclass(frozen=True)
class Config:
    recipe: Literal["default", "seed"] = "default"  # seed: the post's SGD with a step schedule
    epochs: int = 0  # passes over the training images (0: the recipe's)
    batch_size: int = 0  # images per step (0: the recipe's)
    lr: float = 0.0  # peak learning rate (0: the recipe's)
    subset: str = "auto"  # training images: a number, full, or auto (25,000 on a CPU)

    def __post_init__(self):
        train.check_options(self)


class BasicBlock(nn.Module):
    """Two 3×3 conv + batch-norm layers, plus a shortcut that adds the input back."""

    def __init__(self, in_planes, planes, stride=1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.shortcut = nn.Sequential()  # identity when the shape is unchanged
        if stride != 1 or in_planes != planes:  # else a 1×1 conv matches channels and size
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + self.shortcut(x))  # the block learns a correction to its input


class ResNet(nn.Module):
    """Stem, three stages of two blocks (16, 32, 64 channels), average pool, linear."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU())  # -> (B, 16, 32, 32)
        self.layer1 = self._stage(16, 16, stride=1)  # -> (B, 16, 32, 32)
        self.layer2 = self._stage(16, 32, stride=2)  # -> (B, 32, 16, 16)
        self.layer3 = self._stage(32, 64, stride=2)  # -> (B, 64, 8, 8)
        self.pool = nn.AdaptiveAvgPool2d(1)  # -> (B, 64, 1, 1)
        self.linear = nn.Linear(64, num_classes)

    @staticmethod
    def _stage(in_planes, planes, stride, blocks=2):
        return nn.Sequential(BasicBlock(in_planes, planes, stride),
                             *(BasicBlock(planes, planes) for _ in range(blocks - 1)))

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.linear(self.pool(x).flatten(1))


def run(cfg: Config, lesson: Lesson) -> None:
    data = lesson.load_data()
    subset = train.resolve_subset(cfg.subset, lesson.device, CPU_SUBSET)
    lesson.section("idea", train=len(data.train_y), test=len(data.test_y))
    model = ResNet(len(data.classes))
    lesson.show_model(model, (3, 32, 32))
    lesson.show_source(BasicBlock, ResNet)
    recipe = train.with_overrides(RECIPES[cfg.recipe], cfg)
    lesson.recipe_table(RECIPES["seed"], RECIPES["default"], recipe)
    lesson.section("recipe", subset=f"{subset:,}" if subset else "all")
    lesson.predict()
    lesson.section("run")
    result = train.fit_recipe(model, data, lesson, recipe, subset=subset,
                              rebuild={"lesson": "resnet"})
    lesson.section("results", accuracy=result.test_accuracy, seconds=result.train_seconds,
                   speed=result.images_per_second)
    lesson.section("recap")
