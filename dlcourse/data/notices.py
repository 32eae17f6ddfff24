"""What the data layer tells its caller, as data: it never prints, the presentation shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

Kind = Literal[
    "sample",           # the bundled sample stands in for the full set
    "bundled",          # the bundled copy is used, and it is complete
    "offline",          # no mirror could be reached
    "download-failed",  # a download failed; the cache was left as it was
    "downloaded",       # a download finished
    "skipped",          # files in an image-folder tree that are not images
    "repaired",         # a damaged decoded cache was thrown away and decoded again
]


@dataclass(frozen=True)
class Notice:
    kind: Kind
    text: str  # plain text, one or two sentences


Progress = Callable[[str, int, int | None], None]
"""progress(what, done, total): `done` of `total` (None: unknown) units of the step `what`."""

DOWNLOADING = "Downloading "  # steps whose `what` starts so count bytes; all others items
