"""When does augmentation pay? The augmentation lesson's LeNet, with and without crops and
flips, trained many epochs on few images and fewer epochs on more, at equal image passes.

    DLCOURSE_DATA=/tmp/kit-after .venv/bin/python benchmarks/augmentation_payoff.py \
        [--runs 2000x20,4000x10,8000x5] [--variants normalized,augmented] [--seed 0]

Each run is IMAGESxEPOCHS: a seeded subset of that many CIFAR-10 training images, trained
with the lesson's recipe (AdamW, one-cycle, batch 128) for that many epochs. After every
epoch the engine evaluates 1,000 fixed training images in eval mode (no augmentation,
dropout off: `train_eval_acc`) and 1,000 fixed test images; at the end every training
image of the run and the whole test set (10,000) are evaluated. The table gives that final
eval-mode training accuracy, the final test accuracy, their gap, the best per-epoch test
accuracy on the 1,000 (and its epoch: a peak before the last epoch means test accuracy
fell), and the training seconds (evaluation excluded) and wall seconds of the run.
`--threads` sets torch's CPU threads (on a loaded machine 1 can be faster than 2).
"""

from __future__ import annotations

import argparse
import os
import time

import torch

from dlcourse.data.loaders import load_images
from dlcourse.device import machine
from dlcourse.engine.fit import channel_stats, take_subset
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.loop import evaluate
from dlcourse.engine.recipes import fit_recipe
from dlcourse.lessons.augmentation import RECIPE, VARIANTS
from dlcourse.lessons.lenet import LeNet

CPU = torch.device("cpu")
SAMPLE = 1_000  # training and test images evaluated after every epoch


def one_run(data, variant: str, images: int, epochs: int, seed: int) -> dict:
    torch.manual_seed(seed)
    model = LeNet()
    recipe = {**RECIPE, **VARIANTS[variant], "epochs": epochs}
    start = time.perf_counter()
    result = fit_recipe(model, data, recipe, device=CPU, seed=seed, subset=images,
                        test_images=SAMPLE, train_eval_images=SAMPLE)
    X, y = take_subset(data.train_x, data.train_y, images, seed)
    mean, std = channel_stats(X) if recipe["normalize"] == "data" else ([0.0] * 3, [1.0] * 3)

    def accuracy(images, labels):  # in eval mode, never augmented
        loader = DeviceLoader(images, labels, 500, device=CPU, mean=mean, std=std)
        return evaluate(model, loader, torch.nn.functional.cross_entropy)[1]

    train_acc, test_acc = accuracy(X, y), accuracy(data.test_x, data.test_y)
    curve = [h["test_accuracy"] for h in result.history]
    peak = max(range(epochs), key=curve.__getitem__)
    return dict(variant=variant, images=images, epochs=epochs, train=train_acc, test=test_acc,
                gap=train_acc - test_acc, peak=curve[peak], peak_epoch=peak + 1,
                train_seconds=result.train_seconds, seconds=time.perf_counter() - start,
                curve=curve, train_curve=[h["train_eval_acc"] for h in result.history])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=os.environ.get("DLCOURSE_DATA"))
    parser.add_argument("--runs", default="2000x20,4000x10,8000x5")
    parser.add_argument("--variants", default="normalized,augmented")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--curves", action="store_true", help="print per-epoch accuracies")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: default)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    names = {"raw": "raw", "normalized": "normalized", "augmented": "normalized + augmented"}
    variants = [names[v] for v in args.variants.split(",")]
    runs = [tuple(map(int, r.split("x"))) for r in args.runs.split(",")]
    data = load_images("cifar10", data_dir=args.data_dir, offline=True)
    info = machine(CPU)
    print(f"Machine: {info['cpu']} · {info['threads']} threads · torch {info['torch']} · "
          f"CIFAR-10 {len(data.train_y):,}/{len(data.test_y):,} ({data.source}) · seed "
          f"{args.seed}", flush=True)
    print("\n| variant | images | epochs | train acc (eval mode) | test acc (10,000) | gap "
          "| best test (1,000), epoch | train s | wall s |\n|---|---|---|---|---|---|---|---|---|",
          flush=True)
    for images, epochs in runs:
        for variant in variants:
            r = one_run(data, variant, images, epochs, args.seed)
            print(f"| {variant} | {images:,} | {epochs} | {r['train']:.1%} | {r['test']:.1%} | "
                  f"{r['gap']:+.1%} | {r['peak']:.1%}, {r['peak_epoch']} | "
                  f"{r['train_seconds']:.0f} | {r['seconds']:.0f} |", flush=True)
            if args.curves:  # per epoch, on the 1,000 training and 1,000 test images
                print("|   per epoch | | | " + " ".join(f"{a:.0%}" for a in r["train_curve"])
                      + " | " + " ".join(f"{a:.0%}" for a in r["curve"]) + " | | | | |",
                      flush=True)

if __name__ == "__main__":
    main()
