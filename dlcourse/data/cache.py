"""Where data lives: the cache folder, its layout, and installing into it atomically.

The layout follows torchvision's, so a folder already used with torchvision works as is:
    MNIST/raw/train-images-idx3-ubyte[.gz] ...     cifar-10-batches-py/data_batch_1 ...
and adds dlcourse's own:
    california_housing/cal_housing.data            (imported StatLib table)
    scikit_learn_data/cal_housing_py3.pkz          (scikit-learn's download)
    cifar10-jpg/{train,test}/<class>/*.jpg         (an imported CIFAR-10 image tree)
    folders/<name>/{train,test}/<class>/*          (other imported image trees)
    decoded/<key>.pt                               (decoded image trees, keyed by content)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from dlcourse.errors import DataError

MANIFEST = ".dlcourse.json"  # what an import or download recorded about a folder


def cache_dir(data_dir: Path | None = None) -> Path:
    """--data-dir, else $DLCOURSE_DATA, else the platform's user cache folder."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    if os.environ.get("DLCOURSE_DATA"):
        return Path(os.environ["DLCOURSE_DATA"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("dlcourse"))


MNIST_RAW = "MNIST/raw"
CIFAR_BATCHES = "cifar-10-batches-py"
CIFAR_TREE = "cifar10-jpg"
HOUSING_TABLE = "california_housing/cal_housing.data"
HOUSING_SKLEARN = "scikit_learn_data"
FOLDERS = "folders"
DECODED = "decoded"


@contextmanager
def staging(cache: Path):
    """A temporary folder inside the cache (same file system, so renames are atomic);
    removed afterwards whatever happens, so a failure leaves the cache as it was."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".staging-", dir=cache))
    except OSError as err:
        raise DataError(f"Cannot write to the data cache {cache} ({err.strerror or err}). "
                        "Pass --data-dir with a folder you can write to, or set "
                        "DLCOURSE_DATA.") from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install(src: Path, dest: Path, manifest: dict | None = None) -> Path:
    """Move the validated folder `src` to `dest`, replacing what was there in one rename."""
    if manifest is not None:
        (src / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    dest.parent.mkdir(parents=True, exist_ok=True)
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.replace(dest, old)
    try:
        os.replace(src, dest)
    except OSError:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    return dest


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def folder_size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
