"""`check --watch`: check again every time the learner saves the file (watchfiles), until
Ctrl-C."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

DEBOUNCE_MS = 300  # an editor's save is often several writes; wait until they settle


def on_save(file: Path, then: Callable[[], None],
            stop: threading.Event | None = None) -> None:
    """Call then() after each save of `file` until `stop` is set or Ctrl-C is pressed (which
    propagates as KeyboardInterrupt). Watches the folder, so an editor that saves by writing
    a new file and renaming it over the old one is seen too."""
    from watchfiles import watch

    file = Path(file).resolve()

    def is_the_file(change, path: str) -> bool:
        return Path(path).resolve() == file

    for _ in watch(file.parent, watch_filter=is_the_file, debounce=DEBOUNCE_MS,
                   stop_event=stop, recursive=False, raise_interrupt=True):
        if file.exists():  # a rename-over save briefly removes it
            then()
