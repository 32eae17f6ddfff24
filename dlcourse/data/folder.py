"""Image-folder trees (train/<class>/*, test/<class>/*): decoded once, cached as uint8 tensors.

The cache key covers every file's path, size and modification time plus the requested size
and channels, so a changed tree is decoded again and an unchanged one loads in a second. A
cache file that does not hold exactly what decoding gave (counts, shapes, checksum) is
decoded again, never used.
"""

from __future__ import annotations

import hashlib
import os
import warnings
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

from dlcourse.data.cache import DECODED
from dlcourse.data.formats import DataError
from dlcourse.data.notices import Notice, Progress
from dlcourse.fileio import atomic_write
from dlcourse.i18n import msg

# torchvision 0.29 marks its image decoders deprecated in favour of TorchCodec; they are
# still the fastest decoders installed with torch, so we keep them and mute that notice.
warnings.filterwarnings("ignore", message="The image decoding", category=DeprecationWarning)

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm"}
SPLITS = ("train", "test")
TENSORS = ("train_x", "train_y", "test_x", "test_y")
CACHE_FORMAT = 2  # in the cache key: bump it when what decode_tree saves changes


@dataclass
class Tree:
    """What a scan of an image-folder tree found."""

    root: Path
    classes: list[str]
    files: dict[str, list[tuple[str, int]]]  # split -> [(path, label)]
    fingerprint: str  # sha256 over (relative path, size, mtime) of every image

    def counts(self) -> dict[str, int]:
        return {split: len(items) for split, items in self.files.items()}


def _images_in(folder: Path) -> list[os.DirEntry]:
    with os.scandir(folder) as entries:
        return sorted((e for e in entries if e.is_file()
                       and os.path.splitext(e.name)[1].lower() in IMAGE_SUFFIXES),
                      key=lambda e: e.name)


def scan(root: Path) -> Tree:
    """Check the tree's shape and list its images; raises DataError with what is wrong."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(msg("data.folder.not_a_folder", root=root))
    missing = [s for s in SPLITS if not (root / s).is_dir()]
    if missing:
        raise DataError(msg("data.folder.no_split", root=root,
                            split=msg("data.folder.or").join(missing)))
    classes = sorted(p.name for p in (root / "train").iterdir() if p.is_dir())
    if len(classes) < 2:
        raise DataError(msg("data.folder.few_classes", folder=root / "train",
                            found=len(classes)))
    extra = sorted({p.name for p in (root / "test").iterdir() if p.is_dir()} - set(classes))
    if extra:
        raise DataError(msg("data.folder.extra_classes", folder=root / "test",
                            classes=", ".join(extra)))
    files: dict[str, list[tuple[str, int]]] = {s: [] for s in SPLITS}
    digest = hashlib.sha256()
    for split in SPLITS:
        for label, cls in enumerate(classes):
            folder = root / split / cls
            entries = _images_in(folder) if folder.is_dir() else []
            if not entries and split == "train":
                raise DataError(msg("data.folder.no_images_in_class", folder=folder,
                                    suffixes=", ".join(sorted(IMAGE_SUFFIXES))))
            for e in entries:
                st = e.stat()
                digest.update(f"{split}/{cls}/{e.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
                files[split].append((e.path, label))
    if not files["test"]:
        raise DataError(msg("data.folder.no_test_images", folder=root / "test"))
    return Tree(root, classes, files, digest.hexdigest())


def _decode(path: str, size: tuple[int, int], channels: int) -> torch.Tensor | None:
    """One image as uint8 (C, H, W) at `size`, or None if it does not decode."""
    from torchvision.io import ImageReadMode, decode_image
    from torchvision.transforms.v2.functional import resize

    mode = ImageReadMode.RGB if channels == 3 else ImageReadMode.GRAY
    try:
        with open(path, "rb") as f:
            data = torch.frombuffer(bytearray(f.read()), dtype=torch.uint8)
        img = decode_image(data, mode=mode)
    except (RuntimeError, ValueError, OSError):
        img = _decode_with_pil(path, channels)
        if img is None:
            return None
    if tuple(img.shape[-2:]) != size:
        img = resize(img, list(size), antialias=True)
    return img


def _decode_with_pil(path: str, channels: int) -> torch.Tensor | None:
    """Formats torchvision cannot decode (BMP, TIFF, PPM) go through Pillow."""
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            arr = np.asarray(im.convert("RGB" if channels == 3 else "L"))
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    arr = arr[None] if arr.ndim == 2 else arr.transpose(2, 0, 1)
    return torch.from_numpy(arr.copy())


def decode_tree(tree: Tree, size: tuple[int, int], channels: int,
                progress: Progress | None = None) -> dict:
    """Decode every image; undecodable files are skipped and counted."""
    out: dict = {"classes": tree.classes, "skipped": []}
    total, done = sum(tree.counts().values()), 0
    what = msg("data.folder.decoding", total=f"{total:,}")
    with ThreadPoolExecutor(max_workers=min(8, os.cpu_count() or 1)) as pool:
        for split, items in tree.files.items():
            paths = [p for p, _ in items]
            images, labels = [], []
            for (path, label), img in zip(
                    items, pool.map(lambda p: _decode(p, size, channels), paths, chunksize=256),
                    strict=True):
                done += 1
                if progress and (done % 256 == 0 or done == total):
                    progress(what, done, total)
                if img is None:
                    out["skipped"].append(path)
                    continue
                images.append(img)
                labels.append(label)
            if not images:
                raise DataError(msg("data.folder.none_decoded", count=f"{len(items):,}",
                                    folder=tree.root / split))
            out[f"{split}_x"] = torch.stack(images)  # (N, C, H, W) uint8
            out[f"{split}_y"] = torch.tensor(labels, dtype=torch.int64)
    out["crc32"] = _crc32(out)
    return out


def _crc32(data: dict) -> int:
    """A checksum of the decoded pixels and labels, checked on every load. CRC-32, not
    sha256: it only has to catch accidental damage, and over CIFAR-10's 184 MB it takes
    0.05 s where sha256 takes 0.12 s (with the CPU's SHA instructions; far more without)."""
    crc = 0
    for key in TENSORS:
        crc = zlib.crc32(data[key].contiguous().numpy().data.cast("B"), crc)
    return crc


def decoded_path(cache: Path, tree: Tree, size: tuple[int, int], channels: int) -> Path:
    key = f"{tree.fingerprint}|{size}|{channels}|{CACHE_FORMAT}"
    key = hashlib.sha256(key.encode()).hexdigest()[:24]
    return cache / DECODED / f"{key}.pt"


def _damage(data, tree: Tree, size: tuple[int, int], channels: int) -> str | None:
    """What is wrong with a loaded cache file, or None: it must hold exactly what decoding
    this tree gave (counts, shapes, dtypes, labels, checksum)."""
    if not isinstance(data, dict) or not {*TENSORS, "classes", "skipped", "crc32"} <= data.keys():
        return msg("data.folder.damage.not_a_cache")
    if list(data["classes"]) != tree.classes:
        return msg("data.folder.damage.classes")
    n_images = 0
    for split in SPLITS:
        x, y = data[f"{split}_x"], data[f"{split}_y"]
        if not (isinstance(x, torch.Tensor) and isinstance(y, torch.Tensor)):
            return msg("data.folder.damage.not_tensors", split=split)
        if x.dtype != torch.uint8 or tuple(x.shape[1:]) != (channels, *size):
            return msg("data.folder.damage.images", split=split, dtype=x.dtype,
                       shape=tuple(x.shape))
        if y.dtype != torch.int64 or y.shape != (len(x),):
            return msg("data.folder.damage.labels", split=split, images=f"{len(x):,}",
                       shape=tuple(y.shape))
        if len(y) and (y.min() < 0 or y.max() >= len(tree.classes)):
            return msg("data.folder.damage.range", split=split)
        n_images += len(x)
    if n_images + len(data["skipped"]) != sum(tree.counts().values()):
        return msg("data.folder.damage.fewer")
    if _crc32(data) != data["crc32"]:
        return msg("data.folder.damage.checksum")
    return None


def _read_cache(path: Path, tree: Tree, size: tuple[int, int], channels: int):
    """(data, None) from an intact cache file, else (None, why it cannot be used)."""
    try:
        data = torch.load(path, weights_only=True)
    except Exception as err:  # damaged bytes raise whatever the unpickler trips on
        return None, msg("data.folder.damage.unreadable", error=type(err).__name__)
    why = _damage(data, tree, size, channels)
    return (None, why) if why else (data, None)


def load(root: Path, cache: Path, size: tuple[int, int] = (32, 32), channels: int = 3,
         progress: Progress | None = None) -> dict:
    """The tree's images as tensors, from the decoded cache when the tree is unchanged and the
    cache intact; "notices" says what happened (files skipped, a damaged cache decoded again)."""
    tree = scan(root)
    cached = decoded_path(cache, tree, size, channels)
    notices = []
    if cached.is_file():
        data, why = _read_cache(cached, tree, size, channels)
        if data is not None:
            return {**data, "notices": _skipped(data)}
        notices.append(Notice("repaired", msg("data.folder.repaired", cache=cached, why=why)))
        cached.unlink(missing_ok=True)
    data = decode_tree(tree, size, channels, progress)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(cached, lambda tmp: torch.save(data, tmp))
    except OSError:
        pass  # a read-only cache only costs the next load its decoding time
    return {**data, "notices": notices + _skipped(data)}


def _skipped(data: dict) -> list[Notice]:
    if not data["skipped"]:
        return []
    return [Notice("skipped", msg("data.folder.skipped", count=f"{len(data['skipped']):,}",
                                  example=data["skipped"][0]))]
