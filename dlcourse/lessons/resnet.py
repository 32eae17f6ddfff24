"""A small ResNet on CIFAR-10 (post 001): residual blocks make deep networks trainable."""

from dataclasses import dataclass

import torch.nn.functional as F
from torch import nn

from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.lessons.common import plan, train_and_report

# How a run fits the lesson's time. At the 34,000 image passes 2 minutes allow on a 2-core
# CPU, 2/3/4/6/8 epochs on 17,000/11,333/8,500/5,666/4,250 images reached 55.1/55.7/55.6/
# 55.4/54.1 % (benchmarks/sizing.py, seed 0): 3 to 4 epochs, so keep 3 and cut images.
SIZING = Sizing(min_epochs=3, max_epochs=30)

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
class Config(RecipeOptions):
    """ResNet needs only the shared training options (--recipe, --epochs, ...)."""


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


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea", train=len(data.train_y), test=len(data.test_y))
    model = ResNet(len(data.classes))
    ctx.show.model(model, (3, 32, 32))
    ctx.show.source(BasicBlock, ResNet)
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    planned = plan(ctx, model, data, recipe, SIZING, cfg, fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.section("recipe", subset=f"{planned.subset:,}" if planned.subset else "all",
                     epochs=planned.recipe["epochs"])
    train_and_report(ctx, model, data, planned, rebuild={"lesson": "resnet"})
