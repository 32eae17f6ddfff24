"""`dlcourse data status`: what each data set would load from, with counts and checks."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dlcourse.course.catalog import assets_dir
from dlcourse.data import cache as layout
from dlcourse.data.formats import MNIST_FILES, find_mnist_file, idx_header


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _mnist_row(cache: Path) -> list[str]:
    raw = cache / layout.MNIST_RAW
    if raw.is_dir():
        counts = [idx_header(find_mnist_file(raw, MNIST_FILES[k]))[1]
                  for k in ("train_images", "test_images")]
        checked = layout.read_manifest(cache / "MNIST").get("verified", "not checked")
        return ["mnist", str(raw), f"{counts[0]:,}", f"{counts[1]:,}",
                _mb(layout.folder_size(cache / "MNIST")), checked]
    sample = assets_dir() / "mnist"
    counts = [idx_header(find_mnist_file(sample, MNIST_FILES[k]))[1]
              for k in ("train_images", "test_images")]
    return ["mnist", "bundled sample", f"{counts[0]:,}", f"{counts[1]:,}",
            _mb(layout.folder_size(sample)), "sample"]


def _cifar_row(cache: Path) -> list[str]:
    for sub in (layout.CIFAR_BATCHES, layout.CIFAR_TREE):
        where = cache / sub
        if where.is_dir():
            m = layout.read_manifest(where)
            if not m and sub == layout.CIFAR_BATCHES:  # e.g. a torchvision download
                m = {"train": 50_000, "test": 10_000, "verified": "not checked"}
            return ["cifar10", str(where), f"{m.get('train', '?'):,}", f"{m.get('test', '?'):,}",
                    _mb(layout.folder_size(where)), m.get("verified", "not checked")]
    sample = assets_dir() / "cifar10-sample.npz"
    npz = np.load(sample)
    return ["cifar10", "bundled sample", f"{len(npz['train_labels']):,}",
            f"{len(npz['test_labels']):,}", _mb(sample.stat().st_size), "sample"]


def _housing_row(cache: Path) -> list[str]:
    table = cache / layout.HOUSING_TABLE
    if table.is_file():
        m = layout.read_manifest(table.parent)
        rows = sum(1 for line in table.read_bytes().splitlines() if line.strip())
        return ["housing", str(table), f"{rows:,} rows", "", _mb(table.stat().st_size),
                m.get("verified", "not checked")]
    home = cache / layout.HOUSING_SKLEARN
    if any(home.glob("cal_housing*.pkz")):
        return ["housing", str(home), "20,640 rows", "", _mb(layout.folder_size(home)),
                layout.read_manifest(home).get("verified", "scikit-learn's download")]
    sample = assets_dir() / "california_housing" / "cal_housing.data.gz"
    return ["housing", "bundled", "20,640 rows", "", _mb(sample.stat().st_size),
            "complete table"]


def rows(cache: Path) -> list[list[str]]:
    """[data set, where found, train, test, size on disk, verified] for each data set."""
    out = [_mnist_row(cache), _cifar_row(cache), _housing_row(cache)]
    folders = cache / layout.FOLDERS
    if folders.is_dir():
        for tree in sorted(p for p in folders.iterdir() if p.is_dir()):
            m = layout.read_manifest(tree)
            out.append([f"{tree.name} (--data)", str(tree), f"{m.get('train', '?'):,}",
                        f"{m.get('test', '?'):,}", _mb(layout.folder_size(tree)),
                        m.get("verified", "not checked")])
    return out
