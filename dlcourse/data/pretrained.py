"""Pretrained weights in torch's hub cache, where torchvision's model builders look for them.

torch.hub names a checkpoint NAME-HASH.pth, HASH being the first hex digits of the file's
sha256. A file only ever lands in the cache through `_store`, which checks that prefix
(as torch.hub's own check_hash does), whether it came from a download or an import.
"""

from __future__ import annotations

import hashlib
import http.client
import re
import urllib.error
from collections.abc import Iterable
from pathlib import Path

from dlcourse.data.download import chunks, reachable
from dlcourse.data.formats import DataError
from dlcourse.data.notices import Progress
from dlcourse.fileio import atomic_write

HASH_IN_NAME = re.compile(r"-([0-9a-f]{6,})\.pth?$")
NO_PRETRAINED = "run the lesson with --source animals to go on without them"


def checkpoints() -> Path:
    import torch

    return Path(torch.hub.get_dir()) / "checkpoints"


def is_weights_file(path: Path) -> bool:
    return path.suffix in (".pth", ".pt")


def _store(data: Iterable[bytes], name: str, damaged: str) -> Path:
    """Write `data` to the hub cache as `name` if its sha256 starts with the hash in `name`;
    else raise DataError(damaged) and leave the cache as it was."""
    prefix = HASH_IN_NAME.search(name).group(1)
    dest = checkpoints() / name
    dest.parent.mkdir(parents=True, exist_ok=True)

    def write(tmp: Path) -> None:
        digest = hashlib.sha256()
        with open(tmp, "wb") as out:
            for chunk in data:
                out.write(chunk)
                digest.update(chunk)
        if not digest.hexdigest().startswith(prefix):
            raise DataError(damaged)

    return atomic_write(dest, write)


def import_file(path: Path) -> Path:
    """Copy a weights file into the hub cache, checked against the hash in its name."""
    if not HASH_IN_NAME.search(path.name):
        raise DataError(f"{path.name} does not carry the sha256 prefix that torch names "
                        "pretrained weights with (NAME-HASH.pth, e.g. vgg16-397923af.pth); "
                        "import the file under its original name.")

    def read() -> Iterable[bytes]:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    return _store(read(), path.name, f"{path} does not match the sha256 prefix in its name: "
                                     "the copy is damaged or altered, so copy it again.")


def is_cached(weights) -> bool:
    """Whether the file of torchvision `weights` is in the hub cache (nothing is fetched)."""
    return (checkpoints() / weights.url.rsplit("/", 1)[-1]).is_file()


def ensure(weights, *, offline: bool = False, progress: Progress | None = None,
           fallback: str = NO_PRETRAINED) -> Path:
    """The cached file of torchvision `weights`, downloaded first unless offline."""
    name = weights.url.rsplit("/", 1)[-1]
    path = checkpoints() / name
    if path.is_file():
        return path
    if offline or not reachable([weights.url]):
        why = "--offline" if offline else "no network"
        raise DataError(f"The pretrained weights {name} are not on this machine and cannot be "
                        f"downloaded ({why}): copy the file from a machine that has it and run "
                        f"`dlcourse data import {name}`, or {fallback}.")
    try:
        return _store(chunks(weights.url, progress), name,
                      f"The download of {name} does not match the sha256 prefix in its name, "
                      f"so it was not kept: try again, or {fallback}.")
    except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
        raise DataError(f"Downloading {name} failed ({str(err).strip() or type(err).__name__}):"
                        f" try again, or {fallback}.") from None


def load(path: Path, fallback: str = NO_PRETRAINED) -> dict:
    """The state dict in a cached weights file; damage is a DataError, not a traceback."""
    import torch

    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # damaged bytes raise whatever the unpickler trips on
        raise DataError(f"The pretrained weights {path} are damaged ({type(err).__name__}): "
                        f"import a good copy with `dlcourse data import {path.name}`, or "
                        f"{fallback}.") from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(f"{path} is not a state dict of tensors: import a good copy with "
                        f"`dlcourse data import {path.name}`, or {fallback}.")
    return state
