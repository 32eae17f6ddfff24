"""A small ResNet on CIFAR-10 (post 001), trained beside the same network without its
shortcuts: residual blocks make deep networks trainable."""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from dlcourse import plots
from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import msg
from dlcourse.lessons.common import plan, train

# How a run fits the lesson's time. At the 34,000 image passes 2 minutes allowed the post's
# 14-layer network alone on a 2-core CPU, 2/3/4/6/8 epochs on 17,000/11,333/8,500/5,666/
# 4,250 images reached 55.1/55.7/55.6/55.4/54.1 % (benchmarks/sizing.py, seed 0): 3 to 4
# epochs, so keep 3 and cut images.
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


# How deep. Both networks have 6 × blocks + 2 layers with weights (stem, 3 stages of
# `blocks` two-conv blocks, linear); each block costs time, so deeper ones train on fewer
# images in the same minutes. With 3 blocks (20 layers) and the 13,000 image passes each
# network gets in 2 minutes on a 2-core CPU, the plain one ended at training loss 1.714
# against 1.569 (34.2 % against 42.7 % of its training images right) with seed 0, and
# 1.792 against 1.698 (32.4 % against 35.1 %) with seed 1 (benchmarks/plain_vs_residual.py).
POST_BLOCKS = 2  # post 001's ResNet: 14 layers (--recipe seed builds it)
CPU_BLOCKS = 3  # He et al.'s shallowest CIFAR-10 network: 20 layers
GPU_BLOCKS = 9  # 56 layers: He et al.'s deepest plain CIFAR-10 network, the clearest case
SAME_LOSS = 0.05  # training losses closer than this: the two networks fit the data alike


WINNERS = ("residual", "neither", "plain")


class Outcomes(Mapping):
    """Which network ended with the lower training loss, numbered as the quiz's choices
    (1: the residual one, 2: neither, 3: the plain one), in the active language."""

    def __getitem__(self, choice: int) -> str:
        if choice not in (1, 2, 3):
            raise KeyError(choice)
        return msg(f"resnet.winner.{WINNERS[choice - 1]}", same_loss=SAME_LOSS)

    def __iter__(self) -> Iterator[int]:
        return iter((1, 2, 3))

    def __len__(self) -> int:
        return 3


OUTCOMES = Outcomes()


@dataclass(frozen=True)
class Config(RecipeOptions):
    blocks: int = 0  # blocks per stage: 6 × blocks + 2 layers (0: 3 on CPU, 9 on GPU, 2 for seed)

    def __post_init__(self):
        super().__post_init__()
        if self.blocks < 0:
            raise ValueError(msg("resnet.bad_blocks"))


class BasicBlock(nn.Module):
    """Two 3×3 conv + batch-norm layers, plus a shortcut that adds the input back
    (residual=False removes it: the same block in a plain network)."""

    def __init__(self, in_planes, planes, stride=1, residual=True):
        super().__init__()
        self.conv1 = nn.Conv2d(in_planes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.residual = residual
        self.shortcut = nn.Sequential()  # identity when the shape is unchanged
        if residual and (stride != 1 or in_planes != planes):
            self.shortcut = nn.Sequential(  # else a 1×1 conv matches channels and size
                nn.Conv2d(in_planes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        if self.residual:
            out = out + self.shortcut(x)  # the block learns a correction to its input
        return F.relu(out)


class ResNet(nn.Module):
    """Stem, three stages of `blocks` blocks (16, 32, 64 channels), average pool, linear:
    6 × blocks + 2 layers with weights. residual=False builds the plain network."""

    def __init__(self, num_classes=10, blocks=2, residual=True):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False),
                                  nn.BatchNorm2d(16), nn.ReLU())  # -> (B, 16, 32, 32)
        stage = dict(blocks=blocks, residual=residual)
        self.layer1 = self._stage(16, 16, stride=1, **stage)  # -> (B, 16, 32, 32)
        self.layer2 = self._stage(16, 32, stride=2, **stage)  # -> (B, 32, 16, 16)
        self.layer3 = self._stage(32, 64, stride=2, **stage)  # -> (B, 64, 8, 8)
        self.pool = nn.AdaptiveAvgPool2d(1)  # -> (B, 64, 1, 1)
        self.linear = nn.Linear(64, num_classes)

    @staticmethod
    def _stage(in_planes, planes, stride, blocks, residual):
        return nn.Sequential(BasicBlock(in_planes, planes, stride, residual),
                             *(BasicBlock(planes, planes, 1, residual) for _ in range(blocks - 1)))

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        x = self.layer3(self.layer2(self.layer1(self.stem(x))))
        return self.linear(self.pool(x).flatten(1))


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    blocks = cfg.blocks or default_blocks(cfg.recipe, ctx.device)
    ctx.show.section("idea", train=len(data.train_y), test=len(data.test_y), blocks=blocks,
                     layers=6 * blocks + 2, post_blocks=POST_BLOCKS, cpu_blocks=CPU_BLOCKS,
                     gpu_blocks=GPU_BLOCKS)
    torch.manual_seed(ctx.seed)
    residual = ResNet(len(data.classes), blocks=blocks)
    plain = ResNet(len(data.classes), blocks=blocks, residual=False)
    plain.load_state_dict(residual.state_dict(), strict=False)  # the same start, minus shortcuts
    ctx.show.model(residual, (3, 32, 32))
    ctx.show.source(BasicBlock, ResNet)
    ctx.show.section("plain")
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    planned = plan(ctx, residual, data, recipe, SIZING, cfg, runs=2,
                   fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.section("recipe",
                     subset=f"{planned.subset:,}" if planned.subset else msg("resnet.all"),
                     epochs=planned.recipe["epochs"])
    ctx.show.predict()
    results = {}
    for label, model in (("plain", plain), ("residual", residual)):
        ctx.show.section(f"run-{label}")  # the same images, in the same order, for both
        results[label] = train(ctx, model, data, planned, label=label,
                               figures=label == "residual",
                               rebuild={"lesson": "resnet", "blocks": blocks, "residual":
                                        label == "residual"})
    save_comparison(ctx, results)
    ctx.record.final.update(compare(results), test_accuracy=results["residual"].test_accuracy)
    ctx.show.section("results", **ctx.record.final, layers=6 * blocks + 2,
                     winner=OUTCOMES[ctx.record.final["lower_loss"]], same_loss=SAME_LOSS,
                     accuracy=results["residual"].test_accuracy,
                     seconds=results["residual"].train_seconds,
                     speed=results["residual"].images_per_second)
    ctx.show.section("recap")


def default_blocks(recipe: str, device) -> int:
    """Blocks per stage when --blocks is not given: the post's 2 for its own recipe, else
    deeper on a GPU, where the extra time costs little."""
    if recipe == "seed":
        return POST_BLOCKS
    return GPU_BLOCKS if device.type == "cuda" else CPU_BLOCKS


def compare(results) -> dict:
    """Both networks' last epoch, and which one fit its training images better."""
    plain, residual = (results[k].history[-1] for k in ("plain", "residual"))
    gap = plain["train_loss"] - residual["train_loss"]
    # 1: the residual network ended lower, 2: within noise, 3: the plain one ended lower
    lower = 2 if abs(gap) < SAME_LOSS else 1 if gap > 0 else 3
    return {"train_loss_plain": plain["train_loss"],
            "train_loss_residual": residual["train_loss"], "loss_gap": gap,
            "train_accuracy_plain": plain["train_accuracy"],
            "train_accuracy_residual": residual["train_accuracy"], "lower_loss": lower}


def save_comparison(ctx, results) -> None:
    """Training loss, training accuracy and test accuracy per epoch, both networks."""
    epochs = [h["epoch"] for h in results["residual"].history]

    def per_epoch(key, scale, fmt):  # {"plain (1.714)": [per epoch], "residual (...)": ...}
        return {msg(f"resnet.plot.{k}", last=f"{r.history[-1][key] * scale:{fmt}}"):
                [h[key] * scale for h in r.history] for k, r in results.items()}

    fig = plots.panels(epochs, {
        msg("resnet.plot.train_loss"): per_epoch("train_loss", 1, ".3f"),
        msg("resnet.plot.train_accuracy"): per_epoch("train_accuracy", 100, ".1f"),
        msg("resnet.plot.test_accuracy"): per_epoch("test_accuracy", 100, ".1f"),
    }, sharey=False)
    fig.axes[-1].set_xlabel(msg("resnet.plot.epoch"))
    fig.axes[-1].xaxis.get_major_locator().set_params(integer=True)  # whole epochs only
    fig.tight_layout()  # again: room for the label
    ctx.record.figure(fig, "plain-vs-residual.png")
