"""Transfer learning: ImageNet-trained VGG16 features, a new classifier for CIFAR-10."""

from dataclasses import dataclass

from torch import nn

from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.lessons.common import plan, train_and_report

# How a run fits the lesson's time: a frozen VGG16 with a small head, the default recipe's 3
# epochs, cut to 2 on a CPU (not measured with benchmarks/sizing.py: it needs the ImageNet
# weights). VGG16 costs ~1 GFLOP per 64×64 image, so a CPU tests on fewer images too.
SIZING = Sizing(min_epochs=2, max_epochs=6, min_test=1_000)

RECIPES = {
    "seed": dict(  # post 000: 224×224 inputs, the full 25088-4096-4096-10 head, Adam 1e-4
        optimizer="adam", lr=1e-4, batch_size=32, epochs=5, schedule="constant", size=224,
        head="post", normalize="imagenet",
    ),
    "default": dict(  # 64×64 inputs and a small head on pooled features: fits a CPU budget
        optimizer="adamw", lr=1e-3, weight_decay=1e-4, batch_size=64, epochs=3,
        schedule="onecycle", size=64, head="small", normalize="imagenet",
    ),
}


@dataclass(frozen=True)
class Config(RecipeOptions):
    pretrained: bool = True  # ImageNet weights (a 528 MB download once); --no-pretrained: random
    fine_tune: bool = False  # also train the convolutional features (slow on a CPU)


def new_head(kind: str, num_classes: int) -> nn.Module:
    """The classifier we train: the post's big one, or a small one on pooled features."""
    if kind == "post":  # (B, 512, 7, 7) -> (B, 25088) -> 4096 -> 4096 -> 10
        return nn.Sequential(nn.Flatten(), nn.Linear(25088, 4096), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(0.5),
                             nn.Linear(4096, num_classes))
    return nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(),  # (B, 512, h, w) -> (B, 512)
                         nn.Linear(512, 256), nn.ReLU(), nn.Dropout(0.5),
                         nn.Linear(256, num_classes))


class Transfer(nn.Module):
    """Upsample CIFAR's 32×32 images, run VGG16's convolutions, classify with a new head."""

    def __init__(self, vgg16, size: int, head: nn.Module):
        super().__init__()
        self.resize = nn.Upsample(size=(size, size), mode="bilinear", align_corners=False)
        self.features = vgg16.features  # 13 conv layers trained on ImageNet
        self.pool = vgg16.avgpool if isinstance(head[0], nn.Flatten) else nn.Identity()
        self.head = head

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        return self.head(self.pool(self.features(self.resize(x))))


def load_vgg16(ctx, pretrained: bool):
    """torchvision's VGG16: ImageNet weights through the data layer, or random ones."""
    from torchvision.models import VGG16_Weights, vgg16

    model = vgg16(weights=None)
    if pretrained:
        model.load_state_dict(ctx.load_pretrained(
            VGG16_Weights.IMAGENET1K_V1,
            fallback="run with --no-pretrained to go on with random features (a baseline "
                     "that shows what pretraining buys)"))
    return model


def run(cfg: Config, ctx) -> None:
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    vgg = load_vgg16(ctx, cfg.pretrained and ctx.resume is None)  # --resume has its own
    data = ctx.load_data()
    ctx.show.section("idea", pretrained=cfg.pretrained)
    model = Transfer(vgg, recipe["size"], new_head(recipe["head"], len(data.classes)))
    for p in model.features.parameters():
        p.requires_grad_(cfg.fine_tune)  # frozen: ImageNet's filters stay as they are
    ctx.show.source(new_head, Transfer)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = sum(p.numel() for p in model.parameters() if not p.requires_grad)
    planned = plan(ctx, model, data, recipe, SIZING, cfg, fixed_epochs=cfg.recipe == "seed")
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.section("frozen", trainable=trainable, frozen=frozen,
                     subset=f"{planned.subset:,}" if planned.subset else "all",
                     test=planned.test_images or len(data.test_y))
    train_and_report(ctx, model, data, planned, pretrained=cfg.pretrained,
                     rebuild={"lesson": "transfer", "head": recipe["head"]})
