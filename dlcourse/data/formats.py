"""Readers (and, for tests and samples, writers) of the data sets' real on-disk formats.

Each reader checks what can be checked (magic numbers, shapes, counts, label ranges) and
raises DataError with a sentence a user can act on.
"""

from __future__ import annotations

import gzip
import io
import pickle
import struct
from pathlib import Path

import numpy as np

from dlcourse.errors import DataError
from dlcourse.i18n import msg

__all__ = ["DataError"]  # re-exported: readers raise it


# --- MNIST: IDX files (big-endian header, then raw uint8) ---------------------------------
IDX_LABELS, IDX_IMAGES = 0x00000801, 0x00000803  # idx1-ubyte, idx3-ubyte


def _open_maybe_gzip(path: Path) -> bytes:
    raw = Path(path).read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as err:
            raise DataError(msg("data.formats.bad_gzip", path=path, error=err)) from None
    return raw


def read_idx(path: Path) -> np.ndarray:
    """An IDX file (gzipped or not) as a uint8 array: (N,) labels or (N, rows, cols) images."""
    raw = _open_maybe_gzip(path)
    if len(raw) < 8:
        raise DataError(msg("data.formats.idx_short", path=path))
    magic, count = struct.unpack(">II", raw[:8])
    if magic == IDX_LABELS:
        shape, offset = (count,), 8
    elif magic == IDX_IMAGES:
        rows, cols = struct.unpack(">II", raw[8:16])
        shape, offset = (count, rows, cols), 16
    else:
        raise DataError(msg("data.formats.idx_magic", path=path, magic=f"{magic:#010x}",
                            labels=f"{IDX_LABELS:#010x}", images=f"{IDX_IMAGES:#010x}"))
    expected = int(np.prod(shape))
    if len(raw) - offset != expected:
        raise DataError(msg("data.formats.idx_size", path=path, count=f"{count:,}"))
    return np.frombuffer(raw, dtype=np.uint8, offset=offset).reshape(shape)


def idx_header(path: Path) -> tuple[int, int]:
    """(magic, count) from the first bytes, without reading the whole file."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    with (gzip.open if gzipped else open)(path, "rb") as f:
        return struct.unpack(">II", f.read(8))


def write_idx(path: Path, array: np.ndarray, compress: bool = True) -> None:
    array = np.ascontiguousarray(array, dtype=np.uint8)
    magic = IDX_IMAGES if array.ndim == 3 else IDX_LABELS
    header = struct.pack(">II", magic, len(array)) + b"".join(
        struct.pack(">I", d) for d in array.shape[1:])
    data = header + array.tobytes()
    Path(path).write_bytes(gzip.compress(data, mtime=0) if compress else data)


MNIST_FILES = {  # torchvision's raw names, without .gz
    "train_images": "train-images-idx3-ubyte", "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte", "test_labels": "t10k-labels-idx1-ubyte",
}


def find_mnist_file(folder: Path, stem: str) -> Path | None:
    for name in (stem, stem + ".gz"):
        if (Path(folder) / name).is_file():
            return Path(folder) / name
    return None


def read_mnist(folder: Path) -> dict[str, np.ndarray]:
    """The four MNIST files in `folder` (plain or .gz), checked for consistency."""
    arrays = {}
    for key, stem in MNIST_FILES.items():
        path = find_mnist_file(folder, stem)
        if path is None:
            raise DataError(msg("data.formats.mnist_missing", folder=folder, file=stem))
        arrays[key] = read_idx(path)
    for split in ("train", "test"):
        images, labels = arrays[f"{split}_images"], arrays[f"{split}_labels"]
        if images.ndim != 3 or images.shape[1:] != (28, 28):
            raise DataError(msg("data.formats.mnist_size", split=split,
                                shape=images.shape[1:]))
        if labels.ndim != 1 or len(labels) != len(images):
            raise DataError(msg("data.formats.mnist_counts", split=split,
                                images=f"{len(images):,}", labels=f"{len(labels):,}"))
        if labels.size and labels.max() > 9:
            raise DataError(msg("data.formats.mnist_labels", split=split, label=labels.max()))
    return arrays


# --- CIFAR-10: python pickles of dicts holding numpy arrays ----------------------------------
CIFAR_TRAIN = [f"data_batch_{i}" for i in range(1, 6)]
CIFAR_TEST = ["test_batch"]
CIFAR_CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse",
                 "ship", "truck"]


class _SafeUnpickler(pickle.Unpickler):
    """Only what a CIFAR batch holds (dicts, lists, numpy arrays): an imported archive
    must not be able to run code."""

    ALLOWED = {("numpy.core.multiarray", "_reconstruct"), ("numpy", "ndarray"),
               ("numpy._core.multiarray", "_reconstruct"), ("numpy", "dtype"),
               ("_codecs", "encode")}  # how Python 3's protocol 2 stores bytes

    def find_class(self, module, name):
        if (module, name) in self.ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refusing to load {module}.{name}")


def read_cifar_batch(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """One batch file: (N, 3, 32, 32) uint8 images and (N,) labels."""
    try:
        # latin1, as torchvision does: the official files are Python 2 pickles
        batch = _SafeUnpickler(io.BytesIO(Path(path).read_bytes()), encoding="latin1").load()
        batch = {k.decode() if isinstance(k, bytes) else k: v for k, v in batch.items()}
        data = np.asarray(batch["data"], dtype=np.uint8)
        labels = np.asarray(batch["labels"], dtype=np.int64)
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError,
            AttributeError) as err:
        raise DataError(msg("data.formats.cifar_batch", path=path, error=err)) from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32 or len(labels) != len(data):
        raise DataError(msg("data.formats.cifar_shape", path=path, pixels=data.shape,
                            labels=labels.shape))
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise DataError(msg("data.formats.cifar_labels", path=path))
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar(folder: Path) -> dict[str, np.ndarray]:
    """A `cifar-10-batches-py` folder: its five training batches and its test batch."""
    out = {}
    for split, names in (("train", CIFAR_TRAIN), ("test", CIFAR_TEST)):
        missing = [n for n in names if not (Path(folder) / n).is_file()]
        if missing:
            raise DataError(msg("data.formats.cifar_missing", folder=folder,
                                files=", ".join(missing)))
        parts = [read_cifar_batch(Path(folder) / n) for n in names]
        out[f"{split}_images"] = np.concatenate([p[0] for p in parts])
        out[f"{split}_labels"] = np.concatenate([p[1] for p in parts])
    return out


def write_cifar_batch(path: Path, images: np.ndarray, labels: np.ndarray) -> None:
    batch = {"batch_label": "generated", "labels": [int(v) for v in labels],
             "data": np.ascontiguousarray(images, dtype=np.uint8).reshape(len(images), -1),
             "filenames": [f"{i}.png" for i in range(len(images))]}
    Path(path).write_bytes(pickle.dumps(batch, protocol=2))


# --- California housing: StatLib's cal_housing.data ------------------------------------------
HOUSING_RAW_COLUMNS = ["longitude", "latitude", "housingMedianAge", "totalRooms",
                       "totalBedrooms", "population", "households", "medianIncome",
                       "medianHouseValue"]
HOUSING_FEATURES = ["MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup",
                    "Latitude", "Longitude"]


def read_housing_rows(raw: bytes, where: str) -> np.ndarray:
    """The raw (N, 9) table of cal_housing.data, checked."""
    try:
        table = np.loadtxt(io.BytesIO(raw), delimiter=",", dtype=np.float64, ndmin=2)
    except ValueError as err:
        raise DataError(msg("data.formats.housing_table", where=where, error=err)) from None
    if table.shape[1] != 9 or len(table) == 0:
        raise DataError(msg("data.formats.housing_columns", where=where,
                            columns=table.shape[1]))
    if not np.isfinite(table).all() or (table[:, 6] <= 0).any():
        raise DataError(msg("data.formats.housing_values", where=where))
    return table


def housing_features(table: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 8 features scikit-learn derives, and the target in units of $100,000."""
    lon, lat, age, rooms, bedrooms, population, households, income, value = table.T
    X = np.stack([income, age, rooms / households, bedrooms / households, population,
                  population / households, lat, lon], axis=1)
    return X.astype(np.float32), (value / 100_000).astype(np.float32)
