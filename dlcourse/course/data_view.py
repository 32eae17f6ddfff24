"""How the data layer's news looks on screen: its notices, and its progress as rich bars.

The data layer (dlcourse.data) returns what happened and reports progress to a callback;
this is the one place that turns both into terminal output.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.panel import Panel
from rich.progress import (
    BarColumn,
    DownloadColumn,
    MofNCompleteColumn,
    ProgressColumn,
    TextColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as Bars
from rich.text import Text

from dlcourse.data.notices import DOWNLOADING, Notice, Progress
from dlcourse.i18n import msg

WARNINGS = {"offline", "download-failed", "skipped", "repaired"}


def show(console: Console, notices: list[Notice]) -> None:
    """The sample banner as a yellow panel, warnings as yellow lines, the rest plain."""
    for notice in notices:
        # Text, not a markup string: brackets in a path or an error are not markup
        text = Text(notice.text, style="yellow" if notice.kind in WARNINGS else "")
        if notice.kind == "sample":
            console.print(Panel(text, border_style="yellow", title=msg("data_view.sample")))
        else:
            console.print(text)


def show_notices(console: Console, dataset) -> None:
    """What loading `dataset` (an ImageSet or TableSet) had to say."""
    show(console, dataset.notices)


def label(what: str) -> str:
    """A step's name for its bar: downloads, which the data layer names in English, in the
    active language."""
    if what.startswith(DOWNLOADING):
        return msg("data_view.downloading", file=what.removeprefix(DOWNLOADING))
    return what


class _Amount(ProgressColumn):
    """Bytes as MB for downloads, 'done/total' for counted items."""

    def __init__(self):
        super().__init__()
        self.bytes, self.items = DownloadColumn(), MofNCompleteColumn()

    def render(self, task):
        return (self.bytes if task.fields.get("download") else self.items).render(task)


@contextmanager
def progress(console: Console) -> Iterator[Progress]:
    """A callback for the data layer's `progress=`, drawn as one rich bar per step; the
    bars disappear when the block ends."""
    with Bars(TextColumn("{task.description}"), BarColumn(), _Amount(), TimeRemainingColumn(),
              console=console, transient=True) as bars:
        tasks = {}

        def update(what: str, done: int, total: int | None) -> None:
            if what not in tasks:
                tasks[what] = bars.add_task(label(what), total=total,
                                            download=what.startswith(DOWNLOADING))
            bars.update(tasks[what], completed=done, total=total)

        yield update
