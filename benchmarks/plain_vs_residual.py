"""Does a plain stack train worse than the same stack with shortcuts, within a short run?

    .venv/bin/python benchmarks/plain_vs_residual.py --data-dir DIR
        [--runs 3:13000,5:7500,7:5500] [--epochs 3] [--lr 0.1] [--seeds 0] [--test 2000]

Each run is BLOCKS:PASSES: the resnet lesson's network with BLOCKS blocks per stage
(6 × BLOCKS + 2 layers), trained with and without its shortcuts (the same initial weights
where both have them) for PASSES training-image passes (epochs × images), the lesson's
default recipe. Deeper networks are slower, so a fixed time buys fewer passes: about
39,000 / BLOCKS image passes fit the 47 s each of two networks gets in the lesson's 2
minutes on a 2-core CPU. For each it prints the last epoch's training loss and accuracy
(running averages over the epoch, augmented images), test accuracy on the first --test
test images, and seconds (inflated when other work shares the machine). DIR is a data
cache holding the kit's CIFAR-10 (`dlcourse data import`). The README quotes a run.
"""

from __future__ import annotations

import argparse
import time

import torch

from dlcourse.data.loaders import load_images
from dlcourse.device import machine
from dlcourse.engine.recipes import fit_recipe
from dlcourse.engine.speed import Variant
from dlcourse.lessons.resnet import RECIPES, ResNet


def train(data, blocks: int, residual: bool, *, images: int, epochs: int, lr: float,
          seed: int, test: int) -> dict:
    """One network trained as the lesson trains it; its last epoch's figures."""
    torch.manual_seed(seed)  # the same draw of initial weights for both networks
    model = ResNet(len(data.classes), blocks=blocks, residual=residual)
    recipe = {**RECIPES["default"], "epochs": epochs, "lr": lr}
    start = time.perf_counter()
    result = fit_recipe(model, data, recipe, device=torch.device("cpu"), seed=seed,
                        subset=images, test_images=test, variant=Variant(channels_last=True))
    last = result.history[-1]
    return dict(loss=last["train_loss"], train=last["train_accuracy"],
                test=last["test_accuracy"], seconds=time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--runs", default="3:13000,5:7500,7:5500",
                        help="BLOCKS:PASSES,... blocks per stage and training-image passes")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--lr", type=float, default=RECIPES["default"]["lr"])
    parser.add_argument("--seeds", default="0")
    parser.add_argument("--test", type=int, default=2000, help="test images evaluated")
    args = parser.parse_args()
    data = load_images("cifar10", data_dir=args.data_dir, offline=True)
    print(f"machine: {machine(torch.device('cpu'))}")
    print(f"{len(data.train_y):,} training images available; {args.epochs} epochs, "
          f"peak lr {args.lr}, one-cycle SGD; test accuracy on {args.test:,} test images")
    print(f"{'layers':>6} {'blocks':>6} {'images':>7} {'seed':>4} | "
          f"{'train loss':>17} {'train acc':>15} {'test acc':>15} {'seconds':>11} | "
          f"{'loss gap':>8}")
    print(f"{'':>26} | {'plain  residual':>17} {'plain  resid.':>15} {'plain  resid.':>15} "
          f"{'plain resid.':>11} |")
    for run in args.runs.split(","):
        blocks, passes = map(int, run.split(":"))
        images = min(len(data.train_y), passes // args.epochs)
        for seed in map(int, args.seeds.split(",")):
            plain, res = (train(data, blocks, residual, images=images, epochs=args.epochs,
                                lr=args.lr, seed=seed, test=args.test)
                          for residual in (False, True))
            print(f"{6 * blocks + 2:>6} {blocks:>6} {images:>7,} {seed:>4} | "
                  f"{plain['loss']:>8.3f} {res['loss']:>8.3f} "
                  f"{plain['train']:>7.1%} {res['train']:>7.1%} "
                  f"{plain['test']:>7.1%} {res['test']:>7.1%} "
                  f"{plain['seconds']:>5.0f} {res['seconds']:>5.0f} | "
                  f"{plain['loss'] - res['loss']:>+8.3f}", flush=True)


if __name__ == "__main__":
    main()
