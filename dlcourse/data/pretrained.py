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
from dlcourse.i18n import msg

HASH_IN_NAME = re.compile(r"-([0-9a-f]{6,})\.pth?$")


def no_pretrained() -> str:
    """The way on without the weights, ending a DataError's sentence unless a lesson
    gives its own."""
    return msg("data.pretrained.no_pretrained")


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
        raise DataError(msg("data.pretrained.no_hash", file=path.name))

    def read() -> Iterable[bytes]:
        with open(path, "rb") as f:
            while chunk := f.read(1 << 20):
                yield chunk

    return _store(read(), path.name, msg("data.pretrained.import_mismatch", path=path))


def is_cached(weights) -> bool:
    """Whether the file of torchvision `weights` is in the hub cache (nothing is fetched)."""
    return (checkpoints() / weights.url.rsplit("/", 1)[-1]).is_file()


def ensure(weights, *, offline: bool = False, progress: Progress | None = None,
           fallback: str | None = None) -> Path:
    """The cached file of torchvision `weights`, downloaded first unless offline."""
    fallback = fallback or no_pretrained()
    name = weights.url.rsplit("/", 1)[-1]
    path = checkpoints() / name
    if path.is_file():
        return path
    if offline or not reachable([weights.url]):
        why = "--offline" if offline else msg("data.pretrained.no_network")
        raise DataError(msg("data.pretrained.not_here", file=name, why=why,
                            fallback=fallback))
    try:
        return _store(chunks(weights.url, progress), name,
                      msg("data.pretrained.download_mismatch", file=name, fallback=fallback))
    except (OSError, urllib.error.URLError, http.client.HTTPException) as err:
        raise DataError(msg("data.pretrained.download_failed", file=name,
                            error=str(err).strip() or type(err).__name__,
                            fallback=fallback)) from None


def load(path: Path, fallback: str | None = None) -> dict:
    """The state dict in a cached weights file; damage is a DataError, not a traceback."""
    import torch

    fallback = fallback or no_pretrained()
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as err:  # damaged bytes raise whatever the unpickler trips on
        raise DataError(msg("data.pretrained.damaged", path=path, error=type(err).__name__,
                            file=path.name, fallback=fallback)) from None
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise DataError(msg("data.pretrained.not_state_dict", path=path, file=path.name,
                            fallback=fallback))
    return state
