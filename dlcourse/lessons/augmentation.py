"""Normalization and augmentation on CIFAR-10: what they do to images, two ways to feed them
to a network, and what augmentation is worth once a network sees its images many times."""

from dataclasses import dataclass, replace

import torch
from PIL import Image
from torch import nn
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from dlcourse import plots
from dlcourse.engine import augment
from dlcourse.engine.fit import channel_stats
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.recipes import TrainingOptions, with_overrides
from dlcourse.engine.sizing import Sizing
from dlcourse.engine.throughput import images_per_second
from dlcourse.i18n import messages, msg
from dlcourse.lessons.common import plan, train
from dlcourse.lessons.lenet import LeNet

USUAL_MEAN = (0.4914, 0.4822, 0.4465)  # the constants most CIFAR-10 code copies
USUAL_STD = (0.247, 0.243, 0.261)

VARIANTS = {  # three LeNets that differ only in how the input is prepared (names: data keys)
    "raw": dict(normalize="none", augment=()),
    "normalized": dict(normalize="data", augment=()),
    "normalized + augmented": dict(normalize="data", augment=("crop", "flip")),
}
RECIPE = dict(optimizer="adamw", lr=3e-3, weight_decay=5e-4, batch_size=128, epochs=12,
              schedule="onecycle", padding=4)
# Augmentation pays once a network has seen its images many times, so a longer lesson
# spends its time on more epochs over about as many images, not on more images: 12 epochs
# a minute (on a 2-core CPU, 12 on 2,500 images in 1 minute, 36 on 3,000 in 3). What
# other splits reached: benchmarks/augmentation_payoff.py.
EPOCHS_PER_MINUTE = 12
PIPELINE_IMAGES = 2_000  # timed through each input pipeline
WORKERS = 2  # DataLoader worker processes: one per core of a small laptop


def shown(variant: str) -> str:
    """A variant's name as the learner reads it: "normalized + augmented" in the active
    language (the English name stays the key of checkpoints and metrics)."""
    return msg(f"augmentation.variants.{variant.split()[-1]}")


@dataclass(frozen=True)
class Config(TrainingOptions):
    """The shared training options, applied to all three runs."""


def show_augmentations(ctx, images) -> None:
    """Eight training images, then the same eight through each augmentation."""
    g = torch.Generator().manual_seed(ctx.seed)
    x = images[:8].float() / 255  # (8, 3, 32, 32) in [0, 1]
    rows = dict(zip(messages("augmentation.rows"), (
        x, augment.augment(x, ("crop", "flip"), g), augment.random_affine(x, g),
        augment.color_jitter(x, g)), strict=True))  # original, crop + flip, affine, jitter
    grid = torch.cat([(r * 255).round().to(torch.uint8) for r in rows.values()])
    titles = [name if i == 0 else "" for name in rows for i in range(8)]
    ctx.record.figure(plots.image_grid(grid, titles, title=msg("augmentation.rows_title")),
                      "augmentations.png")


class CifarImages(Dataset):
    """The standard way: one image at a time, as a PIL image, through `transform`."""

    def __init__(self, images, labels, transform):
        self.images = images.permute(0, 2, 3, 1).numpy()  # (N, H, W, C) uint8, as PIL wants
        self.labels = labels
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        image = Image.fromarray(self.images[i])  # what torchvision's CIFAR10 hands out
        return self.transform(image), self.labels[i]


def standard_loader(images, labels, mean, std, seed=0):
    """torchvision's pipeline: per-image transforms, batched by a DataLoader's workers."""
    transform = transforms.Compose([
        transforms.RandomCrop(images.shape[-1], padding=4),  # pad 4 zeros, cut back
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),  # PIL (H, W, C) uint8 -> (C, H, W) float in [0, 1]
        transforms.Normalize(mean, std),
    ])
    return DataLoader(CifarImages(images, labels, transform), batch_size=128, shuffle=True,
                      num_workers=WORKERS, generator=torch.Generator().manual_seed(seed))


def compare_pipelines(ctx, data, mean, std) -> dict:
    """The same images, crops, flips and normalization through both pipelines, timed."""
    X, y = data.train_x[:PIPELINE_IMAGES], data.train_y[:PIPELINE_IMAGES]
    engine = DeviceLoader(X, y, 128, device=ctx.device, mean=mean, std=std, train=True,
                          augment=("crop", "flip"), padding=4, seed=ctx.seed)
    speeds = {"torchvision": images_per_second(standard_loader(X, y, mean, std, ctx.seed)),
              "engine": images_per_second(engine)}
    ctx.show.table(msg("augmentation.pipelines.title", images=f"{len(y):,}"),
                   messages("augmentation.pipelines.columns"),
                   [[msg("augmentation.pipelines.torchvision", workers=WORKERS),
                     f"{speeds['torchvision']:,.0f}"],
                    [msg("augmentation.pipelines.engine", device=ctx.device.type),
                     f"{speeds['engine']:,.0f}"]])
    return speeds


def lenet_sequential(num_classes=10) -> nn.Sequential:
    """LeNet again, as one nn.Sequential: each layer feeds the next, no forward() to write."""
    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 16, 16, 16)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 32, 8, 8)
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # -> (B, 64, 4, 4)
        nn.Flatten(),  # (B, 1024)
        nn.Linear(64 * 4 * 4, 500), nn.ReLU(), nn.Dropout(0.5),
        nn.Linear(500, num_classes),
    )


@torch.no_grad()
def compare_models(ctx, x) -> dict:
    """LeNet as a Module subclass and as a Sequential: the same parameters, the same
    outputs once the Sequential is given the Module's weights?"""
    module, sequential = LeNet().eval(), lenet_sequential().eval()  # eval: no dropout
    # the same tensors in the same order, under other names (features.0.weight -> 0.weight)
    sequential.load_state_dict(dict(zip(sequential.state_dict(),
                                        module.state_dict().values(), strict=True)))
    params = [sum(p.numel() for p in m.parameters()) for m in (module, sequential)]
    difference = (module(x) - sequential(x)).abs().max().item()  # (B, 10) scores compared
    ctx.show.table(msg("augmentation.models.title", images=len(x)),
                   ["", msg("augmentation.models.subclass"), "nn.Sequential"],
                   [[msg("augmentation.models.parameters"), f"{params[0]:,}", f"{params[1]:,}"],
                    [msg("augmentation.models.difference"), f"{difference:.2g}", ""]])
    return dict(params_module=params[0], params_sequential=params[1], max_difference=difference)


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    ctx.show.section("idea")
    show_augmentations(ctx, data.train_x)
    ctx.show.source(augment.random_crop, augment.random_flip)
    mean, std = channel_stats(data.train_x)
    ctx.show.table(msg("augmentation.stats.title"), ["", *messages("augmentation.stats.channels")],
                   [[name, *values] for name, values in zip(messages("augmentation.stats.rows"), (
                       mean.tolist(), USUAL_MEAN, std.tolist(), USUAL_STD), strict=True)])
    ctx.show.section("normalize")
    ctx.show.source(CifarImages, standard_loader)
    speeds = compare_pipelines(ctx, data, mean.tolist(), std.tolist())
    ctx.show.section("pipelines", **speeds, ratio=speeds["engine"] / speeds["torchvision"])
    ctx.show.source(lenet_sequential, LeNet)
    x = (data.test_x[:256].float() / 255 - mean[:, None, None]) / std[:, None, None]
    same = compare_models(ctx, x)
    ctx.show.section("models", **same)
    results = train_variants(ctx, cfg, data)
    save_comparison(ctx, results)
    summarize(ctx, results, speeds, same)
    # a lesson three times as long trains three times the epochs (EPOCHS_PER_MINUTE)
    ctx.show.section("results", **ctx.record.final, longer_minutes=3 * ctx.minutes)
    ctx.show.section("recap")


def train_variants(ctx, cfg, data) -> dict:
    """Three LeNets, same seed and recipe, sized together to the lesson's time."""
    # the slowest of the three (it augments) sets the pace for all of them
    slowest = with_overrides({**RECIPE, **VARIANTS["normalized + augmented"]}, cfg)
    epochs = max(1, round(EPOCHS_PER_MINUTE * ctx.minutes))
    # each epoch also tests training images in eval mode (evaluations=2); timing the two
    # input pipelines and the model comparison took 10-15 s on a 2-core CPU (reserve)
    planned = plan(ctx, LeNet(), data, slowest, Sizing(min_epochs=epochs, max_epochs=epochs),
                   cfg, runs=len(VARIANTS), reserve=12, evaluations=2)
    ctx.show.section("variants", images=planned.subset or len(data.train_y),
                     epochs=planned.recipe["epochs"])
    ctx.show.predict()
    results = {}
    for name, variant in VARIANTS.items():
        ctx.show.note(shown(name), style="bold")
        torch.manual_seed(ctx.seed)  # the same initial weights for every variant
        recipe = {**planned.recipe, **variant}
        results[name] = train(ctx, LeNet(), data, replace(planned, recipe=recipe),
                              label=name.split()[-1], figures=False,
                              rebuild={"lesson": "augmentation", "variant": name},
                              train_eval_images=planned.test_images or len(data.test_y))
    return results


def summarize(ctx, results, speeds, same) -> None:
    """The run's figures, for the results text and the quiz (its answers are 1-based)."""
    last = {name.split()[-1]: r.history[-1] for name, r in results.items()}
    final = ctx.record.final
    for key, row in last.items():
        final.update({f"test_{key}": row["test_accuracy"], f"train_{key}": row["train_eval_acc"],
                      f"gap_{key}": row["train_eval_acc"] - row["test_accuracy"]})
    plain = results["normalized"].history
    final.update(
        test_accuracy=last["augmented"]["test_accuracy"], epochs=len(plain),
        tested=results["normalized"].test_images,  # test images evaluated after every epoch
        gain=last["augmented"]["test_accuracy"] - last["normalized"]["test_accuracy"],
        # the epoch where the network without augmentation tested best
        peak_epoch=max(plain, key=lambda h: h["test_accuracy"])["epoch"],
        peak_normalized=max(h["test_accuracy"] for h in plain),
        smallest_gap=1 + min(range(3), key=lambda i: final[f"gap_{list(last)[i]}"]),
        best_variant=1 + max(range(3), key=lambda i: final[f"test_{list(last)[i]}"]),
        pipeline_ratio=speeds["engine"] / speeds["torchvision"], **same)


def save_comparison(ctx, results) -> None:
    """Training (eval mode) and test accuracy per epoch, one colour per variant."""
    runs = {shown(k): ([h["epoch"] for h in r.history],
                       [100 * h["train_eval_acc"] for h in r.history],
                       [100 * h["test_accuracy"] for h in r.history]) for k, r in results.items()}
    ctx.record.figure(plots.train_test_curves(runs, title=msg("augmentation.curves_title")),
                      "variants.png")
