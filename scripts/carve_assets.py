"""Carve the bundled sample in assets/ from the real-data kit (../shared/data). Run by hand:

    .venv/bin/python scripts/carve_assets.py [KIT]

MNIST: the first 1,000 training and 200 test images of each digit, as IDX (gzip).
CIFAR-10: the first 1,000 training and 200 test JPEGs of each class, bytes unchanged, packed
into one .npz. California housing: the whole StatLib table, gzipped.
"""

import gzip
import sys
import tarfile
from pathlib import Path

import numpy as np

from dlcourse.data.formats import CIFAR_CLASSES, MNIST_FILES, read_idx, write_idx

ASSETS = Path(__file__).resolve().parent.parent / "assets"


def first_per_class(labels: np.ndarray, per_class: int) -> np.ndarray:
    """Indices of the first `per_class` examples of each class, in file order."""
    return np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)]))


def carve_mnist(kit: Path) -> None:
    out = ASSETS / "mnist"
    out.mkdir(parents=True, exist_ok=True)
    for split, per_class in (("train", 1000), ("test", 200)):
        images = read_idx(kit / "mnist" / (MNIST_FILES[f"{split}_images"] + ".gz"))
        labels = read_idx(kit / "mnist" / (MNIST_FILES[f"{split}_labels"] + ".gz"))
        keep = first_per_class(labels, per_class)
        write_idx(out / (MNIST_FILES[f"{split}_images"] + ".gz"), images[keep])
        write_idx(out / (MNIST_FILES[f"{split}_labels"] + ".gz"), labels[keep])


def carve_cifar(kit: Path) -> None:
    quota = {"train": 1000, "test": 200}
    chosen: dict[str, list[tuple[str, int, bytes]]] = {"train": [], "test": []}
    with tarfile.open(kit / "cifar10" / "cifar10-jpg.tar.gz") as tar:
        members = sorted((m for m in tar if m.isfile()), key=lambda m: m.name)
        for m in members:
            split, cls, _ = m.name.split("/")
            label = CIFAR_CLASSES.index(cls)
            if sum(1 for c in chosen[split] if c[1] == label) < quota[split]:
                chosen[split].append((m.name, label, tar.extractfile(m).read()))
    arrays = {"classes": np.array(CIFAR_CLASSES)}
    for split, items in chosen.items():
        blobs = [np.frombuffer(b, dtype=np.uint8) for _, _, b in items]
        arrays[f"{split}_jpeg"] = np.concatenate(blobs)
        arrays[f"{split}_offsets"] = np.cumsum([0] + [len(b) for b in blobs])
        arrays[f"{split}_labels"] = np.array([label for _, label, _ in items], dtype=np.int64)
        arrays[f"{split}_names"] = np.array([name for name, _, _ in items])
    np.savez(ASSETS / "cifar10-sample.npz", **arrays)


def carve_housing(kit: Path) -> None:
    out = ASSETS / "california_housing"
    out.mkdir(parents=True, exist_ok=True)
    with tarfile.open(kit / "california_housing" / "cal_housing.tgz") as tar:
        raw = tar.extractfile("CaliforniaHousing/cal_housing.data").read()
    (out / "cal_housing.data.gz").write_bytes(gzip.compress(raw, compresslevel=9, mtime=0))


if __name__ == "__main__":
    kit = Path(sys.argv[1]) if len(sys.argv) > 1 else ASSETS.parent.parent / "shared" / "data"
    carve_mnist(kit)
    carve_cifar(kit)
    carve_housing(kit)
    for path in sorted(ASSETS.rglob("*.*")):
        print(f"{path.relative_to(ASSETS)}: {path.stat().st_size / 1e6:.2f} MB")
