"""Throughput of the engine against the posts' own pipeline style, side by side.

    .venv/bin/python benchmarks/pipelines.py --data-dir DIR [--rounds 5] [--images 10000]

DIR is a data cache holding the kit's CIFAR-10 tree (`dlcourse data import
../shared/data/cifar10/cifar10-jpg.tar.gz`). Post style, as the posts run on that data:
torchvision's ImageFolder opening and decoding each JPEG, per-image PIL transforms, and a
DataLoader at the post's batch size (LeNet: flip, rotation, affine, colour jitter, batch
100, Adam; ResNet: crop with padding 1, flip, batch 128, SGD). Engine: the same model,
batch size, optimizer (in PyTorch's fused implementation, as the engine builds it) and
kinds of augmentation, through dlcourse.engine. The two run in
alternation, `rounds` times each on the same images; the table shows medians.
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
from dlcourse.device import uses_bf16
from dlcourse.engine.loader import DeviceLoader
from dlcourse.engine.loop import train_one_epoch
from dlcourse.engine.recipes import optimizer_for
from dlcourse.lessons.lenet import LeNet
from dlcourse.lessons.resnet import ResNet
from dlcourse.lessons.vgg import SmallVGG

POSTS = {
    "lenet": dict(model=LeNet, batch=100, engine_aug=("flip", "affine", "jitter"), padding=4,
                  optimizer=dict(optimizer="adam", lr=1e-3),
                  transform=transforms.Compose([
                      transforms.Resize((32, 32)), transforms.RandomHorizontalFlip(),
                      transforms.RandomRotation(10),
                      transforms.RandomAffine(0, shear=10, scale=(0.8, 1.2)),
                      transforms.ColorJitter(brightness=0.2, contrast=0.2, saturation=0.2),
                      transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])),
    "resnet": dict(model=ResNet, batch=128, engine_aug=("crop", "flip"), padding=1,
                   optimizer=dict(optimizer="sgd", lr=0.1, momentum=0.9, weight_decay=5e-4),
                   transform=transforms.Compose([
                       transforms.RandomCrop(32, padding=1), transforms.RandomHorizontalFlip(),
                       transforms.ToTensor(), transforms.Normalize((0.5,) * 3, (0.5,) * 3)])),
    "vgg": dict(model=SmallVGG, batch=32, engine_aug=("crop", "flip"), padding=4,
                optimizer=dict(optimizer="adam", lr=1e-3),
                transform=transforms.Compose([
                    transforms.RandomCrop(32, padding=4), transforms.RandomHorizontalFlip(),
                    transforms.ToTensor(),
                    transforms.Normalize((0.4914, 0.4822, 0.4465), (0.247, 0.243, 0.261))])),
}


def post_optimizer(model, recipe):
    """The optimizer as the posts build it (PyTorch's default, per-tensor implementation)."""
    if recipe["optimizer"] == "sgd":
        return torch.optim.SGD(model.parameters(), lr=recipe["lr"],
                               momentum=recipe["momentum"], weight_decay=recipe["weight_decay"])
    return torch.optim.Adam(model.parameters(), lr=recipe["lr"])


def post_dataset(data_dir, transform, n):
    """ImageFolder over the kit's JPEG tree (a seeded sample of n images)."""
    from torchvision.datasets import ImageFolder

    from dlcourse.data.cache import CIFAR_TREE, cache_dir

    tree = ImageFolder(cache_dir(data_dir) / CIFAR_TREE / "train", transform=transform)
    pick = torch.randperm(len(tree), generator=torch.Generator().manual_seed(0))[:n]
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
        if i == 2:  # the first batches warm up allocators and kernels
            seen, start = 0, time.perf_counter()
        optimizer.zero_grad()
        loss = F.cross_entropy(model(images), labels)
        loss.backward()
        optimizer.step()
        seen += len(labels)
    return seen / (time.perf_counter() - start)


def engine(post, X, y) -> float:
    torch.manual_seed(0)
    cpu = torch.device("cpu")
    model = post["model"]().to(memory_format=torch.channels_last)
    optimizer = optimizer_for(model, post["optimizer"], cpu)

    def loader(images, labels):
        return DeviceLoader(images, labels, post["batch"], device=cpu, mean=[0.5] * 3,
                            std=[0.5] * 3, train=True, augment=post["engine_aug"],
                            padding=post["padding"], bf16=uses_bf16(cpu))

    warm = 2 * post["batch"]
    train_one_epoch(model, loader(X[:warm], y[:warm]), F.cross_entropy, optimizer)
    start = time.perf_counter()
    train_one_epoch(model, loader(X[warm:], y[warm:]), F.cross_entropy, optimizer)
    return (len(y) - warm) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--images", type=int, default=10000)
    parser.add_argument("--models", default="lenet,resnet")
    args = parser.parse_args()
    data = load_images("cifar10", data_dir=args.data_dir, offline=True)
    X, y = data.train_x[:args.images], data.train_y[:args.images]
    print(f"{len(y):,} CIFAR-10 training images, {torch.get_num_threads()} threads")
    print("| model | post-style img/s | engine img/s | speed-up |\n|---|---|---|---|")
    for name in args.models.split(","):
        post = POSTS[name]
        speeds = {"post": [], "engine": []}
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            speeds["post"].append(post_style(post, X, y, args.data_dir))
            speeds["engine"].append(engine(post, X, y))
        p, e = statistics.median(speeds["post"]), statistics.median(speeds["engine"])
        print(f"| {name} (batch {post['batch']}) | {p:,.0f} | {e:,.0f} | {e / p:.1f}× |",
              flush=True)


if __name__ == "__main__":
    np.random.seed(0)
    main()
