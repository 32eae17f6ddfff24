"""How far the post's ResNet gets in a fixed budget of epochs, across training recipes.

    .venv/bin/python benchmarks/resnet_budget.py --data-dir DIR [--epochs 5] [--only NAME,...]

DIR is a data cache holding the kit's CIFAR-10 tree. Every variant trains the lesson's
16-32-64 ResNet (dlcourse.lessons.resnet.ResNet, unchanged) on all 50,000 training images
for the same number of epochs with the engine's fit(), then reports test accuracy on
the kit's 10,000 test images, plain and with flip test-time augmentation (the mean of
the softmax of each image and its mirror).
Each variant changes one to three things from the lesson's default recipe. About two
minutes a variant on a 2-core CPU; the README quotes a run.
"""

import argparse

import torch
import torch.nn.functional as F

from dlcourse.data.loaders import load_images
from dlcourse.engine.fit import channel_stats
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.recipes import fit_recipe
from dlcourse.engine.speed import Variant
from dlcourse.lessons.resnet import RECIPES, ResNet

BASE = dict(RECIPES["default"], label_smoothing=0.0)
VARIANTS = {  # name: changes to the lesson's default recipe
    "default (crop pad 2, flip)": {},
    "previous default: + label smoothing 0.1, pad 4": dict(label_smoothing=0.1, padding=4),
    "flip only": dict(augment=("flip",)),
    "batch 64": dict(batch_size=64),
    "lr 0.2": dict(lr=0.2),
    "zero-init last BN of each block": dict(zero_init=True),
    "flip only, batch 64, lr 0.2": dict(augment=("flip",), batch_size=64, lr=0.2),
    "flip only, batch 32": dict(augment=("flip",), batch_size=32),
    "no augmentation, batch 64, lr 0.2": dict(augment=(), batch_size=64, lr=0.2),
    "flip only, AdamW 3e-3, decay 0.05": dict(augment=("flip",), optimizer="adamw", lr=3e-3,
                                              weight_decay=0.05),
}


@torch.no_grad()
def flip_tta_accuracy(model, loader):
    """Accuracy of the mean softmax of each test image and its mirror."""
    model.eval()
    correct = 0
    for inputs, targets in loader:
        with loader.autocast():
            p = model(inputs).float().softmax(1) + model(inputs.flip(3)).float().softmax(1)
        correct += (p.argmax(1) == targets).sum().item()
    return correct / len(loader.labels)


def run(data, recipe: dict, epochs: int, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    device = torch.device("cpu")
    model = ResNet(len(data.classes))
    if recipe.get("zero_init"):  # each block starts as the identity: last BN scale 0
        for block in model.modules():
            if hasattr(block, "bn2"):
                torch.nn.init.zeros_(block.bn2.weight)

    def loss_fn(logits, targets):
        return F.cross_entropy(logits, targets, label_smoothing=recipe["label_smoothing"])

    result = fit_recipe(model, data, dict(recipe, epochs=epochs), device=device, seed=seed,
                        loss_fn=loss_fn, variant=Variant(channels_last=True))
    mean, std = channel_stats(data.train_x)
    test = DeviceLoader(data.test_x, data.test_y, 1000, device=device, mean=mean, std=std,
                        channels_last=True)
    return dict(train=result.history[-1]["train_accuracy"], test=result.test_accuracy,
                tta=flip_tta_accuracy(model, test), seconds=result.train_seconds)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--only", default="", help="comma-separated variant names")
    args = parser.parse_args()
    data = load_images("cifar10", data_dir=args.data_dir, offline=True)
    names = [n for n in VARIANTS if not args.only or n in args.only.split(",")]
    print(f"ResNet, {args.epochs} epochs on {len(data.train_y):,} images, "
          f"{torch.get_num_threads()} threads")
    print("| recipe | train acc (last epoch) | test acc | + flip TTA | seconds |")
    print("|---|---|---|---|---|")
    for name in names:
        r = run(data, BASE | VARIANTS[name], args.epochs)
        print(f"| {name} | {r['train']:.1%} | {r['test']:.1%} | {r['tta']:.1%} | "
              f"{r['seconds']:.0f} |", flush=True)


if __name__ == "__main__":
    main()
