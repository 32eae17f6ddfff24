"""Which rule spends a short run best: more epochs on fewer images, or fewer epochs on more?

    .venv/bin/python benchmarks/sizing.py --data-dir DIR --lesson resnet [--passes N]
        [--epochs 2,3,4,6,8] [--seeds 0]

For a fixed budget of training-image passes (epochs × images: the time a CPU has), train the
lesson's model and default recipe for each epoch count E on passes / E images, and report
test accuracy on the full test set. A lesson's `Sizing(min_epochs=...)` is the E that
wins at the budget its default run gets on a 2-core CPU (the README quotes the runs).
Accuracy, not time, is compared, so other load on the machine does not bias the answer.
DIR is a data cache holding the kit's data (`dlcourse data import`).
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from dlcourse.data.loaders import load_images
from dlcourse.device import machine
from dlcourse.engine.fit import make_loaders
from dlcourse.engine.loop import evaluate
from dlcourse.engine.recipes import fit_recipe, normalization
from dlcourse.engine.speed import Variant


def lesson(name: str):
    """(data set, model factory, default recipe) of a lesson."""
    if name == "resnet":
        from dlcourse.lessons.resnet import RECIPES, ResNet
        return "cifar10", ResNet, RECIPES["default"]
    if name == "vgg":
        from dlcourse.lessons.vgg import RECIPES, SmallVGG
        return "cifar10", SmallVGG, RECIPES["default"]
    if name == "lenet":
        from dlcourse.lessons.lenet import RECIPES, LeNet
        return "cifar10", LeNet, RECIPES["default"]
    if name == "augmentation":
        from dlcourse.lessons.augmentation import RECIPE, VARIANTS
        from dlcourse.lessons.lenet import LeNet
        return "cifar10", LeNet, {**RECIPE, **VARIANTS["normalized + augmented"]}
    if name in ("mnist-mlp", "mnist-cnn", "cross-entropy"):
        from dlcourse.lessons import mnist
        if name == "cross-entropy":
            from dlcourse.lessons.cross_entropy import RECIPE
            return "mnist", mnist.MLP, RECIPE
        model = name.split("-")[1]
        return "mnist", mnist.MLP if model == "mlp" else mnist.CNN, mnist.RECIPES[model, "default"]
    raise SystemExit(f"unknown lesson {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--lesson", required=True)
    parser.add_argument("--passes", type=int, required=True,
                        help="training-image passes (epochs × images) for every candidate")
    parser.add_argument("--epochs", default="2,3,4,6,8")
    parser.add_argument("--seeds", default="0")
    args = parser.parse_args()
    dataset, build, recipe = lesson(args.lesson)
    data = load_images(dataset, data_dir=args.data_dir, offline=True)
    device = torch.device("cpu")
    print(f"machine: {machine(device)}")
    print(f"{args.lesson}: {args.passes:,} image passes, {len(data.train_y):,} training images "
          f"available; test accuracy on all {len(data.test_y):,} test images")
    print(f"{'epochs':>6} {'images':>8} {'accuracy (per seed)':>28} {'median':>7} {'seconds':>8}")
    for epochs in map(int, args.epochs.split(",")):
        images = min(len(data.train_y), args.passes // epochs)
        accuracies, seconds = [], []
        for seed in map(int, args.seeds.split(",")):
            torch.manual_seed(seed)
            model = build()
            start = time.perf_counter()
            fit_recipe(model, data, {**recipe, "epochs": epochs}, device=device, seed=seed,
                       subset=images, test_images=256,
                       variant=Variant(channels_last=True))
            seconds.append(time.perf_counter() - start)
            # the full test set once at the end, normalized as training was
            _, test, _ = make_loaders(data, 256, device=device, seed=seed, subset=images,
                                   normalize=normalization(recipe, data.train_x.shape[1]),
                                   variant=Variant(channels_last=True))
            accuracies.append(evaluate(model, test, torch.nn.functional.cross_entropy)[1])
        print(f"{epochs:>6} {images:>8,} {' '.join(f'{a:.2%}' for a in accuracies):>28} "
              f"{statistics.median(accuracies):>7.2%} {statistics.median(seconds):>8.1f}",
              flush=True)


if __name__ == "__main__":
    main()
