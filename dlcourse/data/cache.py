"""Where data lives: the cache folder, its layout, and installing into it atomically.

The layout follows torchvision's, so a folder already used with torchvision works as is:
    MNIST/raw/train-images-idx3-ubyte[.gz] ...     cifar-10-batches-py/data_batch_1 ...
and adds dlcourse's own:
    california_housing/cal_housing.data            (imported StatLib table)
    scikit_learn_data/cal_housing_py3.pkz          (scikit-learn's download)
    cifar10-jpg/{train,test}/<class>/*.jpg         (an imported CIFAR-10 image tree)
    folders/<name>/{train,test}/<class>/*          (other imported image trees)
    decoded/<key>.pt                               (decoded image trees, keyed by content)
Each installed folder holds .dlcourse.json (what was installed, from where) and
.dlcourse.sha256 (every file's checksum, in `sha256sum` format, checked by `data status`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path

from dlcourse.errors import DataError
from dlcourse.i18n import msg

MANIFEST = ".dlcourse.json"  # what an import or download recorded about a folder
SUMS = ".dlcourse.sha256"  # each file's sha256 at install time


def cache_dir(data_dir: Path | None = None) -> Path:
    """--data-dir, else $DLCOURSE_DATA, else the platform's user cache folder."""
    if data_dir is not None:
        path, given = Path(data_dir).expanduser(), "--data-dir"
    elif os.environ.get("DLCOURSE_DATA"):
        path, given = Path(os.environ["DLCOURSE_DATA"]).expanduser(), "DLCOURSE_DATA"
    else:
        import platformdirs

        path = Path(platformdirs.user_cache_dir("dlcourse"))
        given = msg("data.cache.user_cache")
    if path.is_file():  # otherwise every lookup below it misses and the sample is used silently
        raise DataError(msg("data.cache.is_a_file", path=path, given=given))
    return path


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
        raise DataError(msg("data.cache.cannot_write", cache=cache,
                            error=err.strerror or err)) from None
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def install(src: Path, dest: Path, manifest: dict | None = None) -> Path:
    """Move the validated folder `src` to `dest`, replacing what was there in one rename."""
    if manifest is not None:
        write_sums(src)
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


def digest(path: Path, algorithm: str = "sha256") -> str:
    """The hex digest of a file, read in chunks."""
    with open(path, "rb") as f:
        return hashlib.file_digest(f, algorithm).hexdigest()


def _payload(folder: Path) -> list[Path]:
    """The folder's files, without dlcourse's own records."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name not in (MANIFEST, SUMS))


def write_sums(folder: Path) -> None:
    lines = [f"{digest(p)}  {p.relative_to(folder).as_posix()}\n" for p in _payload(folder)]
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")


def damaged_file(folder: Path) -> str | None:
    """The first file that is missing or differs from its recorded checksum; None when all
    match, or when nothing was recorded (see has_sums)."""
    try:
        lines = (folder / SUMS).read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    for line in lines:
        expected, _, name = line.partition("  ")
        path = folder / name
        if not path.is_file() or digest(path) != expected:
            return name
    return None


def has_sums(folder: Path) -> bool:
    return (folder / SUMS).is_file()
