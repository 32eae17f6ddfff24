"""Tiny files in the data sets' real on-disk formats, and broken versions of them."""

from __future__ import annotations

import hashlib
import io
import pickle
import tarfile
from pathlib import Path

import numpy as np
from PIL import Image

from dlcourse.data.formats import CIFAR_CLASSES, MNIST_FILES, write_cifar_batch, write_idx

RNG = np.random.default_rng(0)


def md5(path: Path) -> str:
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def mnist_files(folder: Path, n_train: int = 30, n_test: int = 10, gz: bool = True) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        write_idx(folder / (MNIST_FILES[f"{split}_images"] + (".gz" if gz else "")),
                  RNG.integers(0, 256, (n, 28, 28)), compress=gz)
        write_idx(folder / (MNIST_FILES[f"{split}_labels"] + (".gz" if gz else "")),
                  np.arange(n) % 10, compress=gz)
    return folder


def cifar_folder(folder: Path, per_batch: int = 20) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        write_cifar_batch(folder / name, RNG.integers(0, 256, (per_batch, 3, 32, 32)),
                          np.arange(per_batch) % 10)
    meta = {"label_names": list(CIFAR_CLASSES), "num_vis": 3072}
    (folder / "batches.meta").write_bytes(pickle.dumps(meta, protocol=2))
    return folder


def tar_gz(path: Path, root: Path, arcname: str) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.add(root, arcname=arcname)
    return path


def housing_text(rows: int = 50) -> bytes:
    lon = RNG.uniform(-124, -114, rows)
    lat = RNG.uniform(32, 42, rows)
    age = RNG.integers(1, 52, rows)
    households = RNG.integers(50, 500, rows)
    rooms = households * RNG.uniform(3, 7, rows)
    bedrooms = households * RNG.uniform(0.9, 1.2, rows)
    population = households * RNG.uniform(2, 4, rows)
    income = RNG.uniform(0.5, 15, rows)
    value = RNG.uniform(15_000, 500_001, rows)
    table = np.stack([lon, lat, age, rooms, bedrooms, population, households, income, value], 1)
    return "\n".join(",".join(f"{v:.6g}" for v in row) for row in table).encode() + b"\n"


def housing_tgz(path: Path, text: bytes | None = None) -> Path:
    data = text or housing_text()
    with tarfile.open(path, "w:gz") as tar:
        info = tarfile.TarInfo("CaliforniaHousing/cal_housing.data")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return path


def image_tree(root: Path, classes=("cat", "dog", "fox"), per_class=(4, 2), size=(40, 30),
               fmt: str = "png") -> Path:
    for split, n in zip(("train", "test"), per_class, strict=True):
        for c, cls in enumerate(classes):
            (root / split / cls).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                pixels = np.full((size[1], size[0], 3), (20 * c + i) % 256, dtype=np.uint8)
                Image.fromarray(pixels).save(root / split / cls / f"{i:04d}.{fmt}")
    return root


def weights_file(folder: Path, name: str = "tiny") -> Path:
    """A small state dict saved as torch.hub names checkpoints: NAME-<sha256 prefix>.pth."""
    import torch

    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "weights.tmp"
    torch.save({"conv.weight": torch.arange(6.0).reshape(2, 3), "conv.bias": torch.ones(2)}, tmp)
    digest = hashlib.sha256(tmp.read_bytes()).hexdigest()[:8]
    return tmp.rename(folder / f"{name}-{digest}.pth")
