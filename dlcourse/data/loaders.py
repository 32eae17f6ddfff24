"""Loading a data set for a lesson, as tensors: every lesson's data comes through here.

Where data comes from, in order: the cache (--data-dir, $DLCOURSE_DATA, or the user cache
folder) -> a download with the official downloaders -> the bundled real sample in assets/,
announced with a banner. `--offline` skips the download; without a network the fall-back
takes one probe of a few seconds and one line.
"""

from __future__ import annotations

from pathlib import Path

import torch
from rich.console import Console
from rich.panel import Panel

from dlcourse.data import sets
from dlcourse.data.cache import cache_dir
from dlcourse.data.download import TITLES, Offline, download
from dlcourse.data.formats import HOUSING_FEATURES, DataError
from dlcourse.data.sets import ImageSet, TableSet

__all__ = ["DataError", "ImageSet", "TableSet", "cache_dir", "load_housing", "load_images"]

SHAPES = {"mnist": ((28, 28), 1), "cifar10": ((32, 32), 3)}  # (H, W), channels
_CACHED = {"mnist": sets.cached_mnist, "cifar10": sets.cached_cifar10}
_SAMPLE = {"mnist": sets.sample_mnist, "cifar10": sets.sample_cifar10}


def _fetch_or_fall_back(name: str, cache: Path, offline: bool, console: Console) -> bool:
    """Try a download; True if it worked, else say why in one line."""
    if offline:
        return False
    try:
        download(name, cache, console)
        return True
    except Offline as err:
        console.print(f"[yellow]No network[/] ({err}): using the bundled sample instead.")
    except DataError as err:
        console.print(f"[yellow]{err}[/] Using the bundled sample for now.")
    return False


def _banner(console: Console, name: str, counts: str) -> None:
    console.print(Panel(
        f"Using the bundled [bold]{TITLES[name]}[/] sample: {counts}, real data carved from "
        f"the official files. For the full set run `dlcourse data download {name}`, or "
        "`dlcourse data import PATH` with files copied from another machine.",
        border_style="yellow", title="sample data"))


def load_images(name: str, *, data_dir: Path | None = None, offline: bool = False,
                data: Path | None = None, console: Console | None = None) -> ImageSet:
    """MNIST or CIFAR-10 (or, with `data`, an image-folder tree shaped like them)."""
    console = console or Console()
    cache = cache_dir(data_dir)
    size, channels = SHAPES[name]
    if data is not None:
        return sets.from_folder(Path(data), cache, size=size, channels=channels, console=console)
    found = _CACHED[name](cache)
    if found is None and _fetch_or_fall_back(name, cache, offline, console):
        found = _CACHED[name](cache)
        found.source = "download"
    if found is not None:
        return found
    sample = _SAMPLE[name]()
    _banner(console, name, f"{len(sample.train_y):,} training and {len(sample.test_y):,} "
                           "test images")
    return sample


def load_housing(*, data_dir: Path | None = None, offline: bool = False,
                 console: Console | None = None) -> TableSet:
    """California housing: 8 float32 features, the target in $100,000."""
    console = console or Console()
    cache = cache_dir(data_dir)
    found, source = sets.housing_table(cache), "cache"
    if found is None and _fetch_or_fall_back("housing", cache, offline, console):
        found, source = sets.housing_table(cache), "download"
    if found is None:
        found, source = sets.sample_housing(), "sample"
        console.print(f"Using the bundled California housing table: all {len(found[1]):,} "
                      "rows, the complete data set.")
    X, y, location = found
    return TableSet("housing", torch.from_numpy(X), torch.from_numpy(y), HOUSING_FEATURES,
                    source, location)
