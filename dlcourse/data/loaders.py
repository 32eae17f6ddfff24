"""Loading a data set for a lesson, as tensors: every lesson's data comes through here.

Where data comes from, in order: the cache (--data-dir, $DLCOURSE_DATA, or the user cache
folder) -> a download with the official downloaders -> the bundled real sample in assets/.
`--offline` skips the download; without a network the fall-back takes one probe of a few
seconds. Nothing here prints: what happened comes back as the set's `notices`, and long
steps report to `progress`; dlcourse.course.data_view shows both.
"""

from __future__ import annotations

from pathlib import Path

import torch

from dlcourse.data import pretrained, sets
from dlcourse.data.cache import cache_dir
from dlcourse.data.download import Offline, download, size, title
from dlcourse.data.formats import HOUSING_FEATURES, DataError
from dlcourse.data.notices import Notice, Progress
from dlcourse.data.sets import ImageSet, TableSet
from dlcourse.i18n import msg

__all__ = ["DataError", "ImageSet", "Notice", "TableSet", "cache_dir", "load_housing",
           "load_images", "load_pretrained"]

SHAPES = {"mnist": ((28, 28), 1), "cifar10": ((32, 32), 3)}  # (H, W), channels
_SAMPLE = {"mnist": sets.sample_mnist, "cifar10": sets.sample_cifar10}


def _cached(name: str, cache: Path, progress: Progress | None) -> ImageSet | None:
    if name == "cifar10":  # an imported image tree may need decoding
        return sets.cached_cifar10(cache, progress)
    return sets.cached_mnist(cache)


def _fetch(name: str, cache: Path, offline: bool, progress: Progress | None,
           notices: list[Notice]) -> bool:
    """Try a download; True if it worked. Either way, `notices` says what happened."""
    if offline:
        return False
    try:
        download(name, cache, progress)
        notices.append(Notice("downloaded", msg("data.loaders.downloaded", title=title(name),
                                                size=size(name), cache=cache)))
        return True
    except Offline as err:
        notices.append(Notice("offline", msg("data.loaders.offline", error=err)))
    except DataError as err:
        notices.append(Notice("download-failed", msg("data.loaders.download_failed",
                                                     error=err)))
    return False


def load_images(name: str, *, data_dir: Path | None = None, offline: bool = False,
                data: Path | None = None, progress: Progress | None = None) -> ImageSet:
    """MNIST or CIFAR-10 (or, with `data`, an image-folder tree shaped like them)."""
    cache = cache_dir(data_dir)
    size, channels = SHAPES[name]
    if data is not None:
        return sets.from_folder(Path(data), cache, size=size, channels=channels,
                                progress=progress)
    notices: list[Notice] = []
    found = _cached(name, cache, progress)
    if found is None and _fetch(name, cache, offline, progress, notices):
        found = _cached(name, cache, progress)
        if found is not None:
            found.source = "download"
    if found is None:
        found = _SAMPLE[name]()
        notices.append(Notice("sample", msg(
            "data.loaders.sample", title=title(name), train=f"{len(found.train_y):,}",
            test=f"{len(found.test_y):,}", name=name)))
    found.notices[:0] = notices  # how we got here comes before what loading itself said
    return found


def load_housing(*, data_dir: Path | None = None, offline: bool = False,
                 progress: Progress | None = None) -> TableSet:
    """California housing: 8 float32 features, the target in $100,000."""
    cache = cache_dir(data_dir)
    notices: list[Notice] = []
    found, source = sets.housing_table(cache), "cache"
    if found is None and _fetch("housing", cache, offline, progress, notices):
        found, source = sets.housing_table(cache), "download"
    if found is None:
        found, source = sets.sample_housing(), "sample"
        notices.append(Notice("bundled", msg("data.loaders.bundled_housing",
                                             rows=f"{len(found[1]):,}")))
    X, y, location = found
    return TableSet("housing", torch.from_numpy(X), torch.from_numpy(y), HOUSING_FEATURES,
                    source, location, notices)


def load_pretrained(weights, *, offline: bool = False, progress: Progress | None = None,
                    fallback: str | None = None) -> dict[str, torch.Tensor]:
    """The state dict of torchvision `weights` (e.g. VGG16_Weights.IMAGENET1K_V1), from
    torch's hub cache, downloaded there first unless `offline`. When it cannot be had, a
    DataError that ends with `fallback` (by default: run with --source animals)."""
    return pretrained.load(pretrained.ensure(weights, offline=offline, progress=progress,
                                             fallback=fallback), fallback)

