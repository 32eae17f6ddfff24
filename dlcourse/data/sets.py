"""The data sets as in-memory tensors, from the cache, a download, or the bundled sample."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from dlcourse.data import cache as layout
from dlcourse.data import folder
from dlcourse.data.assets import assets_dir
from dlcourse.data.formats import (
    CIFAR_CLASSES,
    DataError,
    housing_features,
    read_cifar,
    read_housing_rows,
    read_mnist,
)
from dlcourse.data.notices import Notice, Progress
from dlcourse.i18n import msg

MNIST_CLASSES = [str(d) for d in range(10)]


@dataclass
class ImageSet:
    """Images as uint8 (N, C, H, W) with int64 labels, and where they came from."""

    name: str
    train_x: torch.Tensor
    train_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    classes: list[str]
    source: str  # "cache", "download", "sample" or "folder"
    location: str  # a path, or a description of the sample
    notices: list[Notice] = field(default_factory=list)  # what loading did, for the caller

    def provenance(self) -> dict:
        return {"dataset": self.name, "source": self.source, "location": self.location,
                "train": len(self.train_y), "test": len(self.test_y), "classes": self.classes}


@dataclass
class TableSet:
    """A table: float32 (N, F) features, float32 (N,) target, and where it came from."""

    name: str
    X: torch.Tensor
    y: torch.Tensor
    feature_names: list[str]
    source: str
    location: str
    notices: list[Notice] = field(default_factory=list)

    def provenance(self) -> dict:
        return {"dataset": self.name, "source": self.source, "location": self.location,
                "rows": len(self.y), "features": self.feature_names}


def _images(name, arrays, classes, source, location) -> ImageSet:
    def t(key, dtype):
        return torch.from_numpy(np.array(arrays[key])).to(dtype)  # a writable copy

    train_x, test_x = t("train_images", torch.uint8), t("test_images", torch.uint8)
    if train_x.ndim == 3:  # MNIST: (N, 28, 28) -> (N, 1, 28, 28)
        train_x, test_x = train_x.unsqueeze(1), test_x.unsqueeze(1)
    return ImageSet(name, train_x, t("train_labels", torch.int64), test_x,
                    t("test_labels", torch.int64), classes, source, location)


# --- what is in the cache -------------------------------------------------------------------
def _damaged(err: DataError, name: str, title: str) -> DataError:
    """A reader's complaint about a cached file, with what to do about it, in one sentence."""
    return DataError(msg("data.sets.damaged", title=title, error=str(err).rstrip("."),
                         name=name))


def cached_mnist(cache: Path) -> ImageSet | None:
    raw = cache / layout.MNIST_RAW
    if not raw.is_dir():
        return None
    try:
        arrays = read_mnist(raw)
    except DataError as err:
        raise _damaged(err, "mnist", "MNIST") from None
    return _images("mnist", arrays, MNIST_CLASSES, "cache", str(raw))


def cached_cifar10(cache: Path, progress: Progress | None = None) -> ImageSet | None:
    batches, tree = cache / layout.CIFAR_BATCHES, cache / layout.CIFAR_TREE
    try:
        if batches.is_dir():
            return _images("cifar10", read_cifar(batches), CIFAR_CLASSES, "cache", str(batches))
        if tree.is_dir():
            return from_folder(tree, cache, name="cifar10", source="cache", progress=progress)
    except DataError as err:
        raise _damaged(err, "cifar10", "CIFAR-10") from None
    return None


def housing_table(cache: Path) -> tuple[np.ndarray, np.ndarray, str] | None:
    table = cache / layout.HOUSING_TABLE
    if table.is_file():
        try:
            X, y = housing_features(read_housing_rows(table.read_bytes(), str(table)))
        except DataError as err:
            raise _damaged(err, "housing", msg("data.sets.housing_table")) from None
        return X, y, str(table)
    pkz = cache / layout.HOUSING_SKLEARN
    if any(pkz.glob("cal_housing*.pkz")):
        from sklearn.datasets import fetch_california_housing

        try:
            bunch = fetch_california_housing(data_home=pkz, download_if_missing=False)
        except Exception as err:  # joblib raises whatever the damaged bytes trip on
            raise _damaged(DataError(f"{pkz}: {type(err).__name__}"), "housing",
                           msg("data.sets.housing_download")) from None
        return bunch.data.astype(np.float32), bunch.target.astype(np.float32), str(pkz)
    return None


# --- the bundled sample ---------------------------------------------------------------------
def sample_mnist() -> ImageSet:
    folder_ = assets_dir() / "mnist"
    return _images("mnist", read_mnist(folder_), MNIST_CLASSES, "sample",
                   "bundled MNIST sample (assets/mnist)")


def sample_cifar10() -> ImageSet:
    from torchvision.io import decode_jpeg  # see folder.py on its deprecation notice

    npz = np.load(assets_dir() / "cifar10-sample.npz")
    arrays = {}
    for split in ("train", "test"):
        blob, offsets = torch.from_numpy(npz[f"{split}_jpeg"]), npz[f"{split}_offsets"]
        jpegs = [blob[a:b] for a, b in zip(offsets[:-1], offsets[1:], strict=True)]
        arrays[f"{split}_images"] = torch.stack(decode_jpeg(jpegs)).numpy()
        arrays[f"{split}_labels"] = npz[f"{split}_labels"]
    return _images("cifar10", arrays, [str(c) for c in npz["classes"]], "sample",
                   "bundled CIFAR-10 sample (assets/cifar10-sample.npz)")


def sample_housing() -> tuple[np.ndarray, np.ndarray, str]:
    path = assets_dir() / "california_housing" / "cal_housing.data.gz"
    X, y = housing_features(read_housing_rows(gzip.decompress(path.read_bytes()), str(path)))
    return X, y, "bundled California housing table (assets/california_housing)"


def from_folder(root: Path, cache: Path, *, name: str = "", size=(32, 32), channels: int = 3,
                source: str = "folder", progress: Progress | None = None) -> ImageSet:
    data = folder.load(root, cache, size=size, channels=channels, progress=progress)
    return ImageSet(name or Path(root).name, data["train_x"], data["train_y"], data["test_x"],
                    data["test_y"], list(data["classes"]), source, str(root),
                    data["notices"])
