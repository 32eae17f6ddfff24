"""What the data layer tells its caller, as data: it never prints, the presentation shows."""

from __future__ import annotations

import re
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


# --- texts kept as data -----------------------------------------------------------------
# A few texts are saved in files (a data folder's .dlcourse.json, the speed cache) and shown
# again later, perhaps in the other language: they are saved in English, made from the
# English catalogue, and put back into the active language when shown.
def in_english(key: str, /, **values) -> str:
    """The message `key` in English, whatever the active language: for text saved as data."""
    from dlcourse.i18n import catalogue

    return catalogue("en")[key].format(**values)


def relocalize(text: str, keys: list[str]) -> str:
    """`text`, saved in English from one of the messages `keys`, in the active language;
    unchanged when it matches none of them (an older file's wording)."""
    from dlcourse.i18n import catalogue, msg

    for key in keys:
        parts = re.split(r"\{(\w+)\}", catalogue("en")[key])  # literal, name, literal, ...
        pattern = "".join(f"(?P<{part}>.*?)" if i % 2 else re.escape(part)
                          for i, part in enumerate(parts))
        found = re.fullmatch(pattern, text, flags=re.DOTALL)
        if found:
            return msg(key, **found.groupdict())
    return text
