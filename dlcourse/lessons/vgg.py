"""VGG on CIFAR-10: post 000's three-block CNN, or post 002's config-driven VGG A/B/D/E."""

from dataclasses import dataclass
from typing import Literal

from torch import nn

from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import msg
from dlcourse.lessons.common import plan, train_and_report

# How a run fits the lesson's time. At the 18,000 image passes 2 minutes allow on a 2-core
# CPU, 2/3/4/6 epochs on 9,000/6,000/4,500/3,000 images reached 45.7/43.6/43.7/43.9 %
# (benchmarks/sizing.py, seed 0): more images beat more epochs, so keep 2 and cut images.
SIZING = Sizing(min_epochs=2, max_epochs=20)

RECIPES = {
    "seed": dict(  # post 000: Adam at a constant lr, small batches, its own normalization
        optimizer="adam", lr=1e-3, batch_size=32, epochs=10, schedule="constant",
        augment=("crop", "flip"), padding=4, normalize="data",
    ),
    "default": dict(  # one-cycle AdamW on bigger batches, and He initialization (below)
        optimizer="adamw", lr=1e-3, weight_decay=5e-4, batch_size=128, epochs=6,
        schedule="onecycle", augment=("crop", "flip"), padding=4, normalize="data",
    ),
}

# post 002's VGG configurations: numbers are 3×3 conv widths, "M" a 2×2 max-pool
CONFIGS = {
    "A": [64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "B": [64, 64, "M", 128, 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M"],
    "D": [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M",
          512, 512, 512, "M"],
    "E": [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
          512, 512, 512, 512, "M"],
}


@dataclass(frozen=True)
class Config(RecipeOptions):
    config: Literal["small", "A", "B", "D", "E"] = "small"  # small: post 000's 3-block CNN


def block(c_in, c_mid, c_out):
    """conv-ReLU-conv-ReLU-pool: two 3×3 convolutions see a 5×5 patch, then halve the size."""
    return nn.Sequential(
        nn.Conv2d(c_in, c_mid, 3, padding=1), nn.ReLU(),
        nn.Conv2d(c_mid, c_out, 3, padding=1), nn.ReLU(),
        nn.MaxPool2d(2),
    )


class SmallVGG(nn.Module):
    """Post 000: three blocks (3-16-32, 32-64-128, 128-128-256), then 4096-2048-256-10."""

    def __init__(self, num_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            block(3, 16, 32),  # (B, 3, 32, 32) -> (B, 32, 16, 16)
            block(32, 64, 128),  # -> (B, 128, 8, 8)
            block(128, 128, 256),  # -> (B, 256, 4, 4)
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),  # (B, 4096)
            nn.Linear(256 * 4 * 4, 2048), nn.ReLU(),
            nn.Linear(2048, 256), nn.ReLU(),
            nn.Linear(256, num_classes),
        )

        init_weights(self)

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        return self.classifier(self.features(x))


def init_weights(model):
    """He (Kaiming) initialization in every layer (torchvision's VGG uses it for the
    convolutions, and N(0, 0.01) for the linear layers): keeps the signal's variance
    steady through many ReLU layers, so a deep plain network starts learning at once."""
    for m in model.modules():
        if isinstance(m, nn.Conv2d | nn.Linear):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            if m.bias is not None:
                nn.init.zeros_(m.bias)


def make_layers(config):
    """Build the convolutional part from a list like [64, "M", 128, "M", ...]."""
    layers, channels = [], 3
    for v in config:
        if v == "M":
            layers.append(nn.MaxPool2d(2))
        else:
            layers += [nn.Conv2d(channels, v, 3, padding=1), nn.BatchNorm2d(v), nn.ReLU()]
            channels = v
    return nn.Sequential(*layers)


class VGG(nn.Module):
    """Post 002's config-driven VGG, adapted to 32×32: five pools leave 512×1×1, so the
    classifier is 512 -> 512 -> 10 instead of ImageNet's 25088 -> 4096 -> 4096 -> 1000."""

    def __init__(self, config, num_classes=10):
        super().__init__()
        self.features = make_layers(config)  # (B, 3, 32, 32) -> (B, 512, 1, 1)
        self.classifier = nn.Sequential(
            nn.Flatten(), nn.Linear(512, 512), nn.ReLU(), nn.Dropout(0.5),
            nn.Linear(512, num_classes),
        )
        init_weights(self)

    def forward(self, x):
        return self.classifier(self.features(x))  # the post's version forgot this return


def build(config: str, num_classes: int = 10) -> nn.Module:
    return SmallVGG(num_classes) if config == "small" else VGG(CONFIGS[config], num_classes)


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea", train=len(data.train_y), test=len(data.test_y))
    model = build(cfg.config, len(data.classes))
    ctx.show.model(model, (3, 32, 32))
    ctx.show.source(*((block, SmallVGG) if cfg.config == "small" else (make_layers, VGG)))
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    planned = plan(ctx, model, data, recipe, SIZING, cfg, fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.section("recipe", subset=f"{planned.subset:,}" if planned.subset else msg("vgg.all"),
                     epochs=planned.recipe["epochs"])
    count_parameters(ctx, model)
    train_and_report(ctx, model, data, planned, rebuild={"lesson": "vgg", "config": cfg.config})


def count_parameters(ctx, model) -> None:
    """Where the parameters are: convolutions, the first and the last linear layer."""
    def size(modules):
        return sum(p.numel() for m in modules for p in m.parameters())

    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    parts = {1: size(m for m in model.modules() if isinstance(m, nn.Conv2d)),
             2: size(linears[:1]), 3: size(linears[-1:])}
    ctx.record.final.update(params_total=size([model]), params_conv=parts[1],
                            params_first_linear=parts[2], params_last_linear=parts[3],
                            params_choice=max(parts, key=parts.get))
