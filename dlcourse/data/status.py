"""`dlcourse data status`: what each data set would load from, with counts and checks.

The verified column re-checks what is on disk: every file against the sha256 recorded when
it was imported or downloaded or, for folders that recorded none (a torchvision download
made outside dlcourse), the format readers. Damage reads "damaged: ...", never the
verdict recorded when the files were still whole.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np

from dlcourse.data import cache as layout
from dlcourse.data.assets import assets_dir
from dlcourse.data.formats import (
    MNIST_FILES,
    DataError,
    find_mnist_file,
    idx_header,
    read_cifar,
    read_housing_rows,
    read_mnist,
)
from dlcourse.data.notices import relocalize
from dlcourse.i18n import msg

# what imports and downloads record as "verified" (in English: see notices.relocalize)
VERIFIED = ["data.verified.checksum_official", "data.verified.md5_official",
            "data.verified.md5_some", "data.verified.md5_differs",
            "data.verified.format_checked", "data.verified.decoded",
            "data.verified.sha256_name"]


def verified_text(recorded: str) -> str:
    """A recorded verdict ("md5 = official", ...) in the active language."""
    return relocalize(recorded, VERIFIED)


def _mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def _count(manifest: dict, key: str) -> str:
    value = manifest.get(key)
    return f"{value:,}" if isinstance(value, int) else "?"


def _verified(folder: Path, read: Callable[[], object] | None = None,
              unchecked: str | None = None) -> str:
    """The verified column for an installed folder; `read` checks its format when no
    checksums were recorded."""
    manifest = layout.read_manifest(folder)
    fix = msg("data.status.redownload" if manifest.get("origin") == "download"
              else "data.status.reimport")
    if layout.has_sums(folder):
        damaged = layout.damaged_file(folder)
        if damaged:
            return msg("data.status.damaged_file", file=damaged, fix=fix)
    elif read is not None:
        try:
            read()
        except DataError:
            return msg("data.status.damaged", fix=fix)
        unchecked = msg("data.verified.format_checked")
    if "verified" in manifest:
        return verified_text(str(manifest["verified"]))
    return unchecked or msg("data.status.not_checked")


def _mnist_counts(folder: Path) -> list[str]:
    counts = []
    for key in ("train_images", "test_images"):
        path = find_mnist_file(folder, MNIST_FILES[key])
        try:
            counts.append(f"{idx_header(path)[1]:,}")
        except (OSError, EOFError, TypeError, struct.error):  # missing, truncated, not gzip
            counts.append("?")
    return counts


def _mnist_row(cache: Path) -> list[str]:
    raw = cache / layout.MNIST_RAW
    if raw.is_dir():
        return ["mnist", str(raw), *_mnist_counts(raw), _mb(layout.folder_size(cache / "MNIST")),
                _verified(cache / "MNIST", lambda: read_mnist(raw))]
    sample = assets_dir() / "mnist"
    return ["mnist", msg("data.status.bundled_sample"), *_mnist_counts(sample),
            _mb(layout.folder_size(sample)), msg("data.status.sample")]


def _cifar_row(cache: Path) -> list[str]:
    batches, tree = cache / layout.CIFAR_BATCHES, cache / layout.CIFAR_TREE
    for where, read in ((batches, lambda: read_cifar(batches)), (tree, None)):
        if where.is_dir():
            m = layout.read_manifest(where)
            if not m and where == batches:  # e.g. a torchvision download
                m = {"train": 50_000, "test": 10_000}
            return ["cifar10", str(where), _count(m, "train"), _count(m, "test"),
                    _mb(layout.folder_size(where)), _verified(where, read)]
    sample = assets_dir() / "cifar10-sample.npz"
    npz = np.load(sample)
    return ["cifar10", msg("data.status.bundled_sample"), f"{len(npz['train_labels']):,}",
            f"{len(npz['test_labels']):,}", _mb(sample.stat().st_size), msg("data.status.sample")]


def _housing_row(cache: Path) -> list[str]:
    table = cache / layout.HOUSING_TABLE
    if table.is_file():
        rows = sum(1 for line in table.read_bytes().splitlines() if line.strip())
        return ["housing", str(table), msg("data.status.rows", rows=f"{rows:,}"), "",
                _mb(table.stat().st_size),
                _verified(table.parent, lambda: read_housing_rows(table.read_bytes(),
                                                                  str(table)))]
    home = cache / layout.HOUSING_SKLEARN
    if any(home.glob("cal_housing*.pkz")):
        return ["housing", str(home), msg("data.status.rows", rows="20,640"), "",
                _mb(layout.folder_size(home)),
                _verified(home, unchecked=msg("data.status.sklearn_download"))]
    sample = assets_dir() / "california_housing" / "cal_housing.data.gz"
    return ["housing", msg("data.status.bundled"), msg("data.status.rows", rows="20,640"), "",
            _mb(sample.stat().st_size), msg("data.status.complete_table")]


def rows(cache: Path) -> list[list[str]]:
    """[data set, where found, train, test, size on disk, verified] for each data set."""
    out = [_mnist_row(cache), _cifar_row(cache), _housing_row(cache)]
    folders = cache / layout.FOLDERS
    if folders.is_dir():
        for tree in sorted(p for p in folders.iterdir() if p.is_dir()):
            m = layout.read_manifest(tree)
            out.append([f"{tree.name} (--data)", str(tree), _count(m, "train"),
                        _count(m, "test"), _mb(layout.folder_size(tree)), _verified(tree)])
    return out
