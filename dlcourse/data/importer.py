"""`dlcourse data import PATH`: bring in files a teacher copied from another machine.

Accepted: the official archives and files (cifar-10-python.tar.gz or its extracted
folder; the four MNIST *-ubyte[.gz] files or a folder holding them; cal_housing.tgz or
cal_housing.data), image-folder trees (train/<class>/*, test/<class>/*) or a tar/zip
of one, and pretrained weights (NAME-HASH.pth, which go to torch's hub cache). Everything
is extracted into a staging folder inside the cache, validated, and only then renamed into
place: a failed import leaves the cache exactly as it was.
"""

from __future__ import annotations

import gzip
import shutil
import tarfile
import time
import zipfile
import zlib
from pathlib import Path

from dlcourse.data import cache as layout
from dlcourse.data import folder, pretrained
from dlcourse.data.formats import (
    CIFAR_CLASSES,
    MNIST_FILES,
    DataError,
    find_mnist_file,
    read_cifar,
    read_housing_rows,
    read_mnist,
)
from dlcourse.data.notices import Progress, in_english
from dlcourse.i18n import msg

OFFICIAL_MNIST = {"train": 60_000, "test": 10_000}


def md5(path: Path) -> str:
    return layout.digest(path, "md5")


def extract(archive: Path, dest: Path) -> Path:
    """Unpack a tar(.gz) or zip into dest, refusing members that would land outside it."""
    try:
        if zipfile.is_zipfile(archive):
            with zipfile.ZipFile(archive) as zf:
                for name in zf.namelist():
                    target = (dest / name).resolve()
                    if not target.is_relative_to(dest.resolve()):
                        raise DataError(msg("data.importer.outside", archive=archive,
                                            member=repr(name)))
                zf.extractall(dest)
        elif tarfile.is_tarfile(archive):
            with tarfile.open(archive) as tf:
                tf.extractall(dest, filter="data")
        else:
            raise DataError(msg("data.importer.not_archive", archive=archive))
    except tarfile.FilterError as err:
        raise DataError(msg("data.importer.member_outside", archive=archive,
                            error=err)) from None
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as err:
        if isinstance(err, OSError) and not isinstance(err, EOFError) and err.errno:
            raise
        raise DataError(msg("data.importer.damaged", archive=archive, error=err)) from None
    return dest


def _single_top(folder_: Path) -> Path:
    """If an archive wrapped everything in one folder, look inside it."""
    entries = [p for p in folder_.iterdir() if not p.name.startswith(".")]
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else folder_


def _mnist_folder(path: Path) -> Path | None:
    for candidate in (path, path / "raw", path / "MNIST" / "raw"):
        if find_mnist_file(candidate, MNIST_FILES["train_images"]):
            return candidate
    return None


def detect(path: Path) -> tuple[str, Path]:
    """(kind, folder) for an extracted or given folder: mnist, cifar10, housing or tree."""
    if (found := _mnist_folder(path)) is not None:
        return "mnist", found
    for candidate in (path, path / layout.CIFAR_BATCHES):
        if (candidate / "data_batch_1").is_file():
            return "cifar10", candidate
    for candidate in (path, path / "CaliforniaHousing"):
        if (candidate / "cal_housing.data").is_file():
            return "housing", candidate / "cal_housing.data"
    if (path / "train").is_dir() or (path / "test").is_dir():
        return "tree", path
    raise DataError(msg("data.importer.nothing", path=path))


def import_path(path: Path, cache: Path, *, progress: Progress | None = None) -> dict:
    """Import `path` into the cache; returns what was installed (for the summary)."""
    path = Path(path).expanduser()
    if not path.exists():
        raise DataError(msg("data.importer.missing", path=path))
    if path.is_file() and pretrained.is_weights_file(path):
        return {"dataset": "weights", "file": path.name, "from": str(path),
                "to": str(pretrained.import_file(path)),
                "verified": in_english("data.verified.sha256_name")}
    if path.is_file() and path.name.endswith(("-ubyte.gz", "-ubyte")):
        raise DataError(msg("data.importer.one_mnist_file", path=path))
    with layout.staging(cache) as tmp:
        archive_md5 = None
        if path.is_file() and path.name.endswith(".data"):
            kind, found = "housing", path
        elif path.is_file():
            archive_md5 = md5(path)
            kind, found = detect(_single_top(extract(path, tmp / "unpacked")))
        else:
            kind, found = detect(path)
        handler = {"mnist": _mnist, "cifar10": _cifar, "housing": _housing, "tree": _tree}[kind]
        result = handler(found, tmp, cache, archive_md5, progress)
        result["from"] = str(path)
        return result


def _manifest(result: dict, source: Path) -> dict:
    return {**result, "origin": f"import of {source}", "imported": time.strftime("%Y-%m-%d %H:%M")}


def _mnist(found: Path, tmp: Path, cache: Path, archive_md5, progress) -> dict:
    from torchvision.datasets import MNIST

    arrays = read_mnist(found)
    raw = tmp / "MNIST" / "raw"
    raw.mkdir(parents=True)
    official = dict(MNIST.resources)
    matches = []
    for key, stem in MNIST_FILES.items():
        src = find_mnist_file(found, stem)
        if src.suffix == ".gz":
            shutil.copyfile(src, raw / src.name)
            matches.append(official.get(src.name) == md5(src))
            (raw / stem).write_bytes(gzip.decompress(src.read_bytes()))
            # A full-size file (60,000 or 10,000 items) must be the official one; a smaller
            # count is a subset, like the course kit's first 17,435 training images.
            if not matches[-1] and len(arrays[key]) == OFFICIAL_MNIST[key.split("_")[0]]:
                raise DataError(msg("data.importer.mnist_md5", file=src, md5=md5(src),
                                    expected=official[src.name]))
        else:
            shutil.copyfile(src, raw / stem)
            matches.append(False)
    result = {"dataset": "mnist", "train": len(arrays["train_labels"]),
              "test": len(arrays["test_labels"]),
              "verified": in_english("data.verified.md5_official") if all(matches) else
              in_english("data.verified.md5_some", matching=sum(matches))}
    layout.install(tmp / "MNIST", cache / "MNIST", _manifest(result, found))
    return result


def _cifar(found: Path, tmp: Path, cache: Path, archive_md5, progress) -> dict:
    from torchvision.datasets import CIFAR10

    arrays = read_cifar(found)
    batches = {name: digest for name, digest in CIFAR10.train_list + CIFAR10.test_list}
    official = archive_md5 == CIFAR10.tgz_md5 or all(
        md5(found / name) == digest for name, digest in batches.items())
    full_size = (len(arrays["train_labels"]), len(arrays["test_labels"])) == (50_000, 10_000)
    if full_size and not official:
        raise DataError(msg("data.importer.cifar_md5", folder=found))
    dest = tmp / layout.CIFAR_BATCHES
    shutil.copytree(found, dest)
    result = {"dataset": "cifar10", "train": len(arrays["train_labels"]),
              "test": len(arrays["test_labels"]),
              "verified": in_english("data.verified.md5_official" if official
                                     else "data.verified.md5_differs")}
    layout.install(dest, cache / layout.CIFAR_BATCHES, _manifest(result, found))
    return result


def _housing(found: Path, tmp: Path, cache: Path, archive_md5, progress) -> dict:
    raw = found.read_bytes()
    rows = read_housing_rows(raw, str(found))
    dest = tmp / "california_housing"
    dest.mkdir()
    (dest / "cal_housing.data").write_bytes(raw)
    result = {"dataset": "housing", "rows": len(rows),
              "verified": in_english("data.verified.format_checked")}
    layout.install(dest, cache / "california_housing", _manifest(result, found))
    return result


def _tree(found: Path, tmp: Path, cache: Path, archive_md5, progress) -> dict:
    """Validate by decoding every image; the decoded copy is cached for the first lesson."""
    tree = folder.scan(found)
    is_cifar = tree.classes == CIFAR_CLASSES
    dest_name = layout.CIFAR_TREE if is_cifar else f"{layout.FOLDERS}/{found.name}"
    dest = tmp / "tree"
    if found.is_relative_to(tmp):
        found.rename(dest)
    else:
        shutil.copytree(found, dest, copy_function=shutil.copy2)
    tree = folder.scan(dest)  # same relative paths, sizes and mtimes: same cache key
    data = folder.load(dest, cache, size=(32, 32), channels=3, progress=progress)
    result = {"dataset": "cifar10" if is_cifar else found.name,
              "train": len(data["train_y"]), "test": len(data["test_y"]),
              "classes": tree.classes, "skipped": len(data["skipped"]),
              "verified": in_english("data.verified.decoded",
                                     skipped=f"{len(data['skipped']):,}")}
    layout.install(dest, cache / dest_name, _manifest(result, found))
    return result
