"""Transfer learning: a network trained on one task starts the next one ahead.

Two experiments, each measuring pretrained weights against random ones in the same run:
ImageNet's VGG16 on CIFAR-10 when its weights are on this machine, else (no download) a
LeNet pretrained on CIFAR-10's six animal classes, fine-tuned on its four vehicle classes
from a few labels each.
"""

from dataclasses import dataclass, replace
from typing import Literal

import torch
from torch import nn

from dlcourse import plots
from dlcourse.engine.recipes import RecipeOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.i18n import messages, msg
from dlcourse.lessons.common import plan, train
from dlcourse.lessons.lenet import LeNet

ANIMALS = ("bird", "cat", "deer", "dog", "frog", "horse")  # what the bundled LeNet learned
VEHICLES = ("airplane", "automobile", "ship", "truck")  # the new task
CHECKPOINT = "pretrained/animals-lenet.pt"  # in assets/: made by scripts/pretrain_animals.py
LABELS = (25, 100, 400)  # labels per vehicle class: how the gap shrinks as labels grow
EPOCH_IMAGES = 1_600  # an epoch shows this many images, drawn again and again from the
# labelled ones (4 × 400 = 1,600), so every label count gets the same training steps

FEW_LABELS = dict(  # fine-tuning LeNet on the vehicles: LeNet's tuned recipe, smaller steps
    optimizer="adamw", lr=3e-3, weight_decay=5e-4, batch_size=32, epochs=10,
    schedule="onecycle", augment=("crop", "flip"), padding=4,
    normalize="data",  # each set by its own mean and std, as the animals in pretraining
)
SIZING_FEW = Sizing(min_epochs=1, max_epochs=10, min_images=EPOCH_IMAGES, min_test=800)

# VGG16 on CIFAR-10: a frozen VGG16 with a small head, 3 epochs, cut to 2 on a CPU (not
# measured with benchmarks/sizing.py: it needs the ImageNet weights). VGG16 costs ~1 GFLOP
# per 64×64 image, so a CPU tests on fewer images too.
SIZING = Sizing(min_epochs=2, max_epochs=6, min_test=1_000)
RECIPES = {
    "seed": dict(  # post 000: every layer fine-tuned at 224×224, the 25088-4096-4096-10 head
        optimizer="adam", lr=1e-4, batch_size=32, epochs=30, schedule="constant", size=224,
        head="post", train="all", augment=("crop", "flip"),
        padding=1,  # at 32×32, before upsampling: 7 pixels of 224 (the post's: 4 of 224)
        normalize="data",  # the post's: CIFAR-10's own mean and std, not ImageNet's
    ),
    "default": dict(  # 64×64 inputs and a small head on pooled features: fits a CPU budget
        optimizer="adamw", lr=1e-3, weight_decay=1e-4, batch_size=64, epochs=3,
        schedule="onecycle", size=64, head="small", train="head", normalize="imagenet",
    ),
}
SHARES = ("under 10 %", "10 to 50 %", "over 50 %, but not all", "all of them")  # the quiz's


@dataclass(frozen=True)
class Config(RecipeOptions):
    source: Literal["auto", "animals", "imagenet"] = "auto"  # auto: imagenet if cached, or animals
    fine_tune: bool = False  # imagenet: also train VGG16's features, not only the new head


def select(data, classes, k: int | None = None, seed: int = 0):
    """The images of `classes` only, relabelled 0..len(classes)-1: k training images of
    each (drawn with `seed`; None: all of them) and every test image of those classes."""
    wanted = torch.tensor([data.classes.index(c) for c in classes])
    relabel = torch.full((len(data.classes),), -1).index_put_((wanted,), torch.arange(len(wanted)))
    g = torch.Generator().manual_seed(seed)
    train = torch.cat([(idx := torch.nonzero(data.train_y == c).flatten())[
        torch.randperm(len(idx), generator=g)[:k]] for c in wanted])
    train = train[torch.randperm(len(train), generator=g)]  # classes mixed, not in blocks
    test = torch.nonzero(torch.isin(data.test_y, wanted)).flatten()
    return replace(data, train_x=data.train_x[train], train_y=relabel[data.train_y[train]],
                   test_x=data.test_x[test], test_y=relabel[data.test_y[test]],
                   classes=list(classes), notices=[])


def repeated(data, n: int):
    """The labelled images shown again and again, n in all (each epoch augments them anew)."""
    idx = torch.arange(n) % len(data.train_y)  # (n,): 0, 1, ..., k-1, 0, 1, ...
    return replace(data, train_x=data.train_x[idx], train_y=data.train_y[idx])


def animal_lenet() -> LeNet:
    """LeNet with the animal weights bundled in assets/ (scripts/pretrain_animals.py)."""
    from dlcourse.data.assets import assets_dir

    model = LeNet(len(ANIMALS))  # weights_only: tensors only, never pickled code that runs
    model.load_state_dict(torch.load(assets_dir() / CHECKPOINT, weights_only=True))
    return model


def for_vehicles(model: LeNet) -> LeNet:
    """The same LeNet with a new output layer: 500 features -> 4 vehicle scores. Every
    layer trains (LeNet is small): only where its weights start differs."""
    model.classifier[-1] = nn.Linear(500, len(VEHICLES))
    return model


def freeze_features(model, fine_tune: bool) -> None:
    for p in model.features.parameters():
        p.requires_grad_(fine_tune)  # frozen: the pretrained filters stay as they are


def trainable_share(model) -> float:
    """The part of the model's parameters that training updates."""
    return (sum(p.numel() for p in model.parameters() if p.requires_grad)
            / sum(p.numel() for p in model.parameters()))


def share_choice(share: float) -> int:
    """The quiz's right choice (1-based in SHARES) for a trainable share."""
    return 1 if share < 0.1 else 2 if share < 0.5 else 3 if share < 1 else 4


def record_share(ctx, model) -> dict:
    share = trainable_share(model)
    ctx.record.final.update(trainable_share=share, trainable_choice=share_choice(share))
    total = sum(p.numel() for p in model.parameters())
    return dict(trainable=round(share * total), frozen=total - round(share * total), share=share)


def animals_experiment(cfg: Config, ctx, data) -> None:
    """The bundled animal LeNet and a random one, fine-tuned on the vehicles, per label count."""
    accuracy, tested = animal_accuracy(data, animal_lenet())
    ctx.show.section("animals", animal_accuracy=accuracy, animal_test=tested)
    model = for_vehicles(animal_lenet())
    ctx.show.source(select, animal_lenet, for_vehicles)
    recipe = with_overrides(FEW_LABELS, cfg)
    largest = repeated(select(data, VEHICLES, max(LABELS), ctx.seed), EPOCH_IMAGES)
    planned = plan(ctx, model, largest, recipe, SIZING_FEW, replace(cfg, subset="full"),
                   fixed_epochs=True, runs=2 * len(LABELS))
    ctx.show.predict()  # before the next section says how many parameters train
    ctx.show.section("few", labels=", ".join(map(str, LABELS)), images=EPOCH_IMAGES,
                     epochs=planned.recipe["epochs"], test=planned.test_images or
                     len(largest.test_y), **record_share(ctx, model))
    ctx.show.section("run")
    # the two starts, as tables and figures name them: pretrained on animals, random init
    accuracy = {name: [] for name in messages("transfer.starts")}
    for k in LABELS:
        few = repeated(select(data, VEHICLES, k, ctx.seed), EPOCH_IMAGES)
        for (name, scores), pretrained in zip(accuracy.items(), (True, False), strict=True):
            model = for_vehicles(animal_lenet() if pretrained else LeNet(len(ANIMALS)))
            ctx.show.note(msg("transfer.run_note", labels=k, start=name), style="bold")
            label = f"{'pretrained' if pretrained else 'random'}_{k}"
            scores.append(train(ctx, model, few, planned, label=label, figures=False,
                                rebuild={"lesson": "transfer", "source": "animals"}).test_accuracy)
    report_gap(ctx, accuracy)


def animal_accuracy(data, model) -> tuple[float, int]:
    """How well the bundled LeNet tells the six animals apart on this run's animal test
    images, and how many there are."""
    from dlcourse.engine.fit import make_loaders
    from dlcourse.engine.loop import evaluate

    animals = select(data, ANIMALS)  # normalized by their training images
    _, test, _ = make_loaders(animals, 256, device=torch.device("cpu"))
    return evaluate(model, test, nn.functional.cross_entropy)[1], len(animals.test_y)


def report_gap(ctx, accuracy: dict) -> None:
    """The table, the figure and the results section: the gap at each label count."""
    pre, rand = accuracy.values()
    ctx.show.table(msg("transfer.table_title"),
                   [msg("transfer.per_class"), *accuracy, msg("transfer.gap")],
                   [[k, f"{p:.1%}", f"{r:.1%}", f"{p - r:+.1%}"]
                    for k, p, r in zip(LABELS, pre, rand, strict=True)])
    ctx.record.figure(plots.accuracy_vs_labels(LABELS, accuracy, chance=1 / len(VEHICLES)),
                      "labels.png")
    middle = len(LABELS) // 2  # the quiz and the summary speak of the middle label count
    gap_few, gap_many = pre[0] - rand[0], pre[-1] - rand[-1]
    ctx.record.final.update(test_accuracy=pre[middle], gap=pre[middle] - rand[middle],
                            gap_fewest=gap_few, gap_most=gap_many)
    ctx.show.section("animal-results", few=LABELS[0], many=LABELS[-1], pre_few=pre[0],
                     rand_few=rand[0], pre_many=pre[-1], rand_many=rand[-1], gap_few=gap_few,
                     gap_many=gap_many,
                     trend=msg("transfer.grows" if gap_many > gap_few else "transfer.shrinks"),
                     mid=LABELS[middle], pre_mid=pre[middle])
    ctx.show.section("recap")


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
        self.features = vgg16.features  # 13 conv layers (trained on ImageNet, or random)
        self.pool = vgg16.avgpool if isinstance(head[0], nn.Flatten) else nn.Identity()
        self.head = head

    def forward(self, x):  # (B, 3, 32, 32) -> (B, 10)
        return self.head(self.pool(self.features(self.resize(x))))


def imagenet_experiment(cfg: Config, ctx, data) -> None:
    """VGG16 with ImageNet's weights and with random ones, each with a new head."""
    from torchvision.models import VGG16_Weights, vgg16

    weights = ctx.load_pretrained(VGG16_Weights.IMAGENET1K_V1,
                                  fallback=msg("transfer.fallback"))
    recipe = with_overrides(RECIPES[cfg.recipe], cfg)
    fine_tune = cfg.fine_tune or recipe["train"] == "all"
    models = {}
    for label, state in (("", weights), ("random", None)):  # "": the pretrained one
        vgg = vgg16(weights=None)
        if state is not None and ctx.resume is None:  # --resume brings its own weights
            vgg.load_state_dict(state)
        models[label] = Transfer(vgg, recipe["size"], new_head(recipe["head"], len(data.classes)))
        freeze_features(models[label], fine_tune)
    ctx.show.section("imagenet")
    ctx.show.source(new_head, Transfer)
    planned = plan(ctx, models[""], data, recipe, SIZING, cfg,
                   fixed_epochs=cfg.recipe == "seed", runs=2)
    ctx.show.recipe_table(RECIPES["seed"], RECIPES["default"], planned.recipe)
    ctx.show.predict()  # before the next section says how many parameters train
    ctx.show.section("frozen",
                     subset=f"{planned.subset:,}" if planned.subset else msg("transfer.all"),
                     test=planned.test_images or len(data.test_y),
                     **record_share(ctx, models[""]))
    ctx.show.section("run")
    results = {label: train(ctx, model, data, planned, label=label, figures=label == "",
                            rebuild={"lesson": "transfer", "head": recipe["head"]})
               for label, model in models.items()}
    pre, rand = (results[k].test_accuracy for k in ("", "random"))
    ctx.record.final["gap"] = pre - rand
    ctx.show.section("imagenet-results", accuracy=pre, random=rand, gap=pre - rand,
                     seconds=sum(r.train_seconds for r in results.values()))
    ctx.show.section("recap")


def run(cfg: Config, ctx) -> None:
    from torchvision.models import VGG16_Weights

    from dlcourse.data.pretrained import is_cached

    data = ctx.load_data()
    ctx.show.section("idea")
    imagenet = cfg.source == "imagenet" or (  # the post's recipe is an ImageNet one
        cfg.source == "auto" and (cfg.recipe == "seed" or is_cached(VGG16_Weights.IMAGENET1K_V1)))
    if imagenet:
        imagenet_experiment(cfg, ctx, data)
    else:
        animals_experiment(cfg, ctx, data)
