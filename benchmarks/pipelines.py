"""Throughput of the engine against the posts' own pipeline style, side by side.

    .venv/bin/python benchmarks/pipelines.py --data-dir DIR [--rounds 5] [--images 10000]
        [--models lenet,resnet[,vgg]]

DIR is a data cache holding the kit's CIFAR-10 tree (`dlcourse data import
../shared/data/cifar10/cifar10-jpg.tar.gz`). The output starts with the machine (CPU model,
its vector flags, threads, torch version): these figures move from one CPU to another.

Post style, as the posts run on that data: torchvision's ImageFolder opening and decoding
each JPEG, per-image PIL transforms, a DataLoader at the post's batch size with
shuffle=True (no workers, as in the posts), PyTorch's default (per-tensor) optimizer,
float32 and contiguous memory (LeNet: flip, rotation, affine, colour jitter, batch 100,
Adam; ResNet: crop with padding 1, flip, batch 128, SGD; VGG: crop with padding 4, flip,
batch 32, Adam). Engine: the same model, batch size, optimizer (in PyTorch's fused
implementation, as the engine builds it), normalization and kinds of augmentation, through
dlcourse.engine, in the variant (float32 or bf16 autocast, contiguous or channels-last)
that the engine's own probe, `dlcourse.engine.speed.measure`, picks for that model and
batch on this machine: measured once per model before the rounds, without the speed cache,
and shown in the table's "engine variant" column. The two pipelines run in alternation,
`rounds` times each on the same images, and the table shows medians.
"""

import argparse
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch.utils.data import DataLoader, Dataset
from torchvision import transforms

from dlcourse.data.loaders import load_images
from dlcourse.device import machine
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.loop import train_one_epoch
from dlcourse.engine.recipes import optimizer_for
from dlcourse.engine.speed import Variant, measure
from dlcourse.lessons.lenet import LeNet
from dlcourse.lessons.resnet import ResNet
from dlcourse.lessons.vgg import SmallVGG

HALF = ((0.5,) * 3, (0.5,) * 3)  # the LeNet and ResNet posts' Normalize(mean, std)
CIFAR = ((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))  # the VGG post's

POSTS = {
    "lenet": dict(model=LeNet, batch=100, engine_aug=("flip", "affine", "jitter"), padding=4,
                  optimizer=dict(optimizer="adam", lr=1e-3), normalize=HALF,
                  transform=transforms.Compose([
                      transforms.Resize((32, 32)), transforms.RandomHorizontalFlip(),
                      transforms.RandomRotation(10),
                      transforms.RandomAffine(0, shear=10, scale=(0.8, 1.2)),
                      transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
                      transforms.ToTensor(), transforms.Normalize(*HALF)])),
    "resnet": dict(model=ResNet, batch=128, engine_aug=("crop", "flip"), padding=1,
                   optimizer=dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4),
                   normalize=HALF,
                   transform=transforms.Compose([
                       transforms.RandomCrop(32, padding=1), transforms.RandomHorizontalFlip(),
                       transforms.ToTensor(), transforms.Normalize(*HALF)])),
    "vgg": dict(model=SmallVGG, batch=32, engine_aug=("crop", "flip"), padding=4,
                optimizer=dict(optimizer="adam", lr=1e-3), normalize=CIFAR,
                transform=transforms.Compose([
                    transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                    transforms.ToTensor(), transforms.Normalize(*CIFAR)])),
}
WARM_BATCHES = 2  # the first batches of a timing warm up allocators and kernels


def machine_line() -> str:
    """'Machine: AMD EPYC 7B13 · flags avx2, fma · 2 threads · torch 2.5.1'."""
    info = machine(torch.device("cpu"))
    flags = ", ".join(info["flags"]) or "none of avx2/avx512/amx"
    return (f"Machine: {info['cpu']} · flags {flags} · {info['threads']} threads · "
            f"torch {info['torch']}")


def post_optimizer(model, recipe):
    """The optimizer as the posts build it (PyTorch's default, per-tensor implementation)."""
    if recipe["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=recipe["lr"],
                               momentum=recipe["momentum"], weight_decay=recipe["weight_decay"])
    return torch.optim.Adam(model.parameters(), lr=recipe["lr"])


def post_dataset(data_dir, transform, n=None, split="train", seed=0):
    """ImageFolder over the kit's JPEG tree: `split` (train or test), all of it or a seeded
    sample of n images."""
    from torchvision.datasets import ImageFolder

    from dlcourse.data.cache import CIFAR_TREE, cache_dir

    tree = ImageFolder(cache_dir(data_dir) / CIFAR_TREE / split, transform=transform)
    if n is None or n >= len(tree):
        return tree
    pick = torch.randperm(len(tree), generator=torch.Generator().manual_seed(seed))[:n]
    return torch.utils.data.Subset(tree, pick.tolist())


class PILImages(Dataset):
    """What torchvision's CIFAR10 does per item: array -> PIL image -> transforms."""

    def __init__(self, images, labels, transform):
        self.images = images.permute(0, 2, 3, 1).numpy()  # (N, H, W, C) uint8
        self.labels, self.transform = labels.tolist(), transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.transform(Image.fromarray(self.images[i])), self.labels[i]


def post_style(post, X, y, data_dir=None) -> float:
    """Images/s of the post's pipeline: from the kit's JPEG files when data_dir has them,
    else from the in-memory images (which flatters it: no decoding)."""
    torch.manual_seed(0)
    model = post["model"]()
    optimizer = post_optimizer(model, post["optimizer"])
    dataset = (post_dataset(data_dir, post["transform"], len(y)) if data_dir
               else PILImages(X, y, post["transform"]))
    loader = DataLoader(dataset, batch_size=post["batch"], shuffle=True)
    model.train()
    seen, start = 0, None
    for i, (images, labels) in enumerate(loader):
        if i == WARM_BATCHES:
            seen, start = 0, time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        seen += len(labels)
    return seen / (time.perf_counter() - start)


def probe(post, X, y) -> tuple[Variant, str]:
    """The variant the engine's probe picks for this model and batch here (no cache), and
    its summary ('fp32, channels-last: 1.3× faster here than fp32 (...)')."""
    cpu = torch.device("cpu")
    torch.manual_seed(0)
    speed = measure(post["model"](), X, y, device=cpu, batch_size=post["batch"],
                    mean=post["normalize"][0], std=post["normalize"][1],
                    augment=post["engine_aug"], padding=post["padding"], cache=None)
    return speed.variant, speed.summary()


def engine(post, X, y, variant: Variant | None = None) -> float:
    """Images/s of the engine; `variant` None: probed here first (as engine_ab.py calls it)."""
    if variant is None:
        variant, _ = probe(post, X, y)
    torch.manual_seed(0)
    cpu = torch.device("cpu")
    layout = torch.channels_last if variant.channels_last else torch.contiguous_format
    model = post["model"]().to(memory_format=layout)
    optimizer = optimizer_for(model, post["optimizer"], cpu)

    def loader(images, labels):
        return DeviceLoader(images, labels, post["batch"], device=cpu,
                            mean=post["normalize"][0], std=post["normalize"][1], train=True,
                            augment=post["engine_aug"], padding=post["padding"],
                            bf16=variant.bf16, channels_last=variant.channels_last)

    warm = WARM_BATCHES * post["batch"]
    train_one_epoch(model, loader(X[:warm], y[:warm]), F.cross_entropy, optimizer)
    start = time.perf_counter()
    train_one_epoch(model, loader(X[warm:], y[warm:]), F.cross_entropy, optimizer)
    return (len(y) - warm) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--models", default="lenet,resnet", help="any of lenet,resnet,vgg")
    args = parser.parse_args()
    names = args.models.split(",")
    unknown = [n for n in names if n not in POSTS]
    if unknown:
        parser.error(f"--models: unknown {', '.join(unknown)} (known: {', '.join(POSTS)})")
    data = load_images("cifar10", data_dir=args.data_dir, offline=True)
    X, y = data.train_x[:args.images], data.train_y[:args.images]
    for name in names:
        if len(y) < (WARM_BATCHES + 1) * POSTS[name]["batch"]:
            parser.error(f"--images {len(y)} is too few for {name}: at least "
                         f"{(WARM_BATCHES + 1) * POSTS[name]['batch']} are needed")
    print(machine_line())
    print(f"{len(y):,} CIFAR-10 training images; medians of {args.rounds} alternating "
          f"rounds", flush=True)
    print("\n| model | post-style img/s | engine img/s | engine variant | speed-up |\n"
          "|---|---|---|---|---|", flush=True)
    notes = []
    for name in names:
        post = POSTS[name]
        variant, summary = probe(post, X, y)
        notes.append(f"{name}: {summary}")
        speeds = {"post": [], "engine": []}
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            speeds["post"].append(post_style(post, X, y, args.data_dir))
            speeds["engine"].append(engine(post, X, y, variant))
        p, e = statistics.median(speeds["post"]), statistics.median(speeds["engine"])
        print(f"| {name} (batch {post['batch']}) | {p:,.0f} | {e:,.0f} | {variant.name} | "
              f"{e / p:.1f}× |", flush=True)
    print("\nThe engine's probe (no cache), per model:\n"
          + "\n".join(f"- {n}" for n in notes))


if __name__ == "__main__":
    np.random.seed(0)
    main()
