"""Downloads with torchvision's and scikit-learn's own downloaders (and their checksums),
reported to a progress callback, staged so that a failure leaves the cache as it was."""

from __future__ import annotations

import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from dlcourse.data import cache as layout
from dlcourse.data.formats import DataError, read_cifar, read_mnist
from dlcourse.data.notices import DOWNLOADING, Progress, in_english
from dlcourse.i18n import msg

PROBE_SECONDS = 3.0  # per mirror: without a network we give up fast and say so once
READ_SECONDS = 30.0  # a stalled transfer fails instead of hanging a classroom
TITLES = {"mnist": "MNIST", "cifar10": "CIFAR-10", "housing": "California housing"}
MEGABYTES = {"mnist": "11", "cifar10": "163", "housing": "0.4"}  # what a download weighs


def title(name: str) -> str:
    """The data set's name for the learner: 'MNIST', 'CIFAR-10', 'California housing'."""
    return msg("data.download.housing") if name == "housing" else TITLES[name]


def size(name: str) -> str:
    """What its download weighs: 'about 11 MB'."""
    return msg("data.download.size", mb=MEGABYTES[name])


class Offline(Exception):  # noqa: N818 - a state of the world, not a bug
    """No mirror could be reached."""


def urls(name: str) -> list[str]:
    """The addresses the official downloaders will fetch from, first file of each mirror."""
    if name == "mnist":
        from torchvision.datasets import MNIST

        return [m + MNIST.resources[0][0] for m in MNIST.mirrors]
    if name == "cifar10":
        from torchvision.datasets import CIFAR10

        return [CIFAR10.url]
    from sklearn.datasets import _california_housing

    return [_california_housing.ARCHIVE.url]


def reachable(addresses: list[str], timeout: float = PROBE_SECONDS) -> bool:
    """Can a TCP connection be opened to any of the addresses' hosts?"""
    for url in addresses:
        parts = urlparse(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            with socket.create_connection((parts.hostname, port), timeout=timeout):
                return True
        except OSError:
            continue
    return False


def describe(name: str, cache: Path) -> str:
    """E.g. 'MNIST (about 11 MB) into /home/me/.cache/dlcourse', for announcing a download."""
    return msg("data.download.describe", title=title(name), size=size(name), cache=cache)


def chunks(url: str, progress: Progress | None = None,
           chunk_size: int = 1 << 16) -> Iterator[bytes]:
    """The body of `url`, reported to `progress` in bytes; a stalled transfer raises."""
    from torchvision.datasets.utils import USER_AGENT  # some mirrors refuse urllib's own

    what = DOWNLOADING + url.rsplit("/", 1)[-1]
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    with urllib.request.urlopen(request, timeout=READ_SECONDS) as response:
        total, done = response.length, 0  # length: None without a Content-Length header
        while chunk := response.read(chunk_size):
            done += len(chunk)
            if progress:
                progress(what, done, total)
            yield chunk


@contextmanager
def _reporting(progress: Progress | None):
    """Route torchvision's downloads through chunks(): our timeout and progress, not tqdm."""
    from torchvision.datasets import utils

    def retrieve(url, filename, chunk_size=1 << 16):
        with open(filename, "wb") as fh:
            for chunk in chunks(url, progress, chunk_size):
                fh.write(chunk)

    original = getattr(utils, "_urlretrieve", None)
    if original is not None:
        utils._urlretrieve = retrieve
    try:
        yield
    finally:
        if original is not None:
            utils._urlretrieve = original


def download(name: str, cache: Path, progress: Progress | None = None) -> Path:
    """Fetch data set `name` into the cache; raises Offline or DataError."""
    addresses = urls(name)
    if not reachable(addresses):
        hosts = ", ".join(sorted({urlparse(u).hostname for u in addresses}))
        raise Offline(msg("data.download.unreachable", hosts=hosts,
                          seconds=f"{PROBE_SECONDS:.0f}"))
    what = title(name)
    with layout.staging(cache) as tmp, _reporting(progress):
        try:
            return _fetch(name, tmp, cache)
        except (RuntimeError, OSError, urllib.error.URLError, ValueError) as err:
            if isinstance(err, DataError):
                raise
            raise DataError(msg("data.download.failed", title=what,
                                error=str(err).strip() or type(err).__name__)) from None


def _fetch(name: str, tmp: Path, cache: Path) -> Path:
    manifest = {"origin": "download", "verified": in_english("data.verified.checksum_official")}
    if name == "mnist":
        from torchvision.datasets import MNIST

        MNIST(tmp, train=True, download=True)
        read_mnist(tmp / layout.MNIST_RAW)
        return layout.install(tmp / "MNIST", cache / "MNIST", manifest)
    if name == "cifar10":
        from torchvision.datasets import CIFAR10

        CIFAR10(tmp, train=True, download=True)
        (tmp / CIFAR10.filename).unlink(missing_ok=True)  # keep the batches, not the archive
        read_cifar(tmp / layout.CIFAR_BATCHES)
        return layout.install(tmp / layout.CIFAR_BATCHES, cache / layout.CIFAR_BATCHES, manifest)
    from sklearn.datasets import fetch_california_housing

    home = tmp / layout.HOUSING_SKLEARN
    fetch_california_housing(data_home=home, download_if_missing=True, n_retries=1, delay=0.1)
    return layout.install(home, cache / layout.HOUSING_SKLEARN, manifest)

