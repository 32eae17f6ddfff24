"""What the learner has done, across the whole course: one small JSON file.

    {"lessons":   {"sine": {"runs": 2, "last": "2025-05-01T10:12:03", "result": {...},
                            "quiz": {"right": 2, "of": 3}, "predictions": {...}}},
     "topics":    {"backprop": {"reads": 1, "last": "...", "quiz": {"right": 3, "of": 4}}},
     "exercises": {"cubic-gradients": {"state": "passed", "checks": 3, "failed": 2,
                                       "hints": 1, "file": "/home/me/dlcourse-exercises/..."}}}

It lives in the user data folder ($DLCOURSE_HOME overrides). Every change is a
read-modify-write under a lock file, and the new file is renamed into place, so two
commands writing at once both count and a reader never sees half a file. Keeping progress
is a courtesy: a file that cannot be read is reported in one line and set aside, and a
failure to write is noted; neither ever stops a lesson or a command.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.markup import escape

from dlcourse.fileio import write_json
from dlcourse.i18n import catalogue, msg

FILE = "progress.json"
LOCK_WAIT = 5.0  # seconds to wait for another writer; past that, write anyway (never hang)
# The number that says how a lesson went, in order of preference (record.final's keys).
KEY_RESULTS = ("test_accuracy", "test_rmse", "loss")


def folder() -> Path:
    """$DLCOURSE_HOME, else the platform's user data folder (e.g. ~/.local/share/dlcourse)."""
    if os.environ.get("DLCOURSE_HOME"):
        return Path(os.environ["DLCOURSE_HOME"]).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("dlcourse"))


def path() -> Path:
    return folder() / FILE


def _note(text: str) -> None:
    """One line on stderr: progress problems never interrupt what the learner is doing."""
    Console(stderr=True).print(f"[yellow]{escape(text)}[/]", highlight=False)


def load() -> dict:
    """The progress so far ({} for a new learner). A file that cannot be read is set aside
    as progress.json.corrupt-TIMESTAMP, with one line saying so."""
    file = path()
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise ValueError(msg("learner.not_an_object"))
        return data
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as err:  # ValueError covers JSON and encoding errors
        reason = getattr(err, "strerror", None) or str(err).split("\n")[0]
        aside = file.with_name(f"{FILE}.corrupt-{datetime.now():%Y%m%d-%H%M%S}")
        try:
            file.replace(aside)
            _note(msg("learner.set_aside", file=file, reason=reason, aside=aside.name))
        except OSError as move_err:
            _note(msg("learner.not_set_aside", file=file, reason=reason,
                      error=move_err.strerror or move_err))
        return {}


@contextlib.contextmanager
def _locked(lock: Path) -> Iterator[None]:
    """Hold lock (a file beside the progress file) while a change is written; after
    LOCK_WAIT seconds go ahead unlocked rather than hang (a lost update at worst)."""
    with open(lock, "a+b") as handle:
        held = _try_lock(handle)
        deadline = time.monotonic() + LOCK_WAIT
        while not held and time.monotonic() < deadline:
            time.sleep(0.01)
            held = _try_lock(handle)
        try:
            yield
        finally:
            if held:
                _unlock(handle)


def _try_lock(handle) -> bool:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _unlock(handle) -> None:
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
        return
    fcntl.flock(handle, fcntl.LOCK_UN)


def update(change: Callable[[dict], object]) -> bool:
    """Apply change(progress) and save it, atomically and under the lock. Never raises:
    a failure is noted in one line and False returned."""
    try:
        folder().mkdir(parents=True, exist_ok=True)
        with _locked(path().with_name(FILE + ".lock")):
            data = load()
            change(data)
            data["version"] = 1
            write_json(path(), data)
        return True
    except Exception as err:  # noqa: BLE001 - keeping progress must never stop the learner
        reason = getattr(err, "strerror", None) or err
        _note(msg("learner.not_saved", reason=reason, path=path()))
        return False


def reset() -> bool:
    """Forget everything: remove the progress file."""
    try:
        path().unlink(missing_ok=True)
        return True
    except OSError as err:
        _note(msg("learner.not_removed", path=path(), error=err.strerror or err))
        return False


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def _score(right_of: tuple[int, int] | None) -> dict | None:
    return None if right_of is None else {"right": right_of[0], "of": right_of[1]}


# --- what each command records ---------------------------------------------------------------
def key_result(final: dict) -> dict | None:
    """{"key": ..., "value": ...}: the one number that says how a run went."""
    keys = [k for k in KEY_RESULTS if k in final]
    keys += sorted(k for k in final if k.startswith("test_accuracy"))  # e.g. test_accuracy_cnn
    for key in keys:
        if isinstance(final[key], int | float):
            return {"key": key, "value": final[key]}
    return None


def record_lesson(name: str, final: dict, *, quiz: tuple[int, int] | None = None,
                  predictions: tuple[int, int] | None = None) -> bool:
    """A lesson ran to the end: when, its key result, and the quiz it ended with."""
    def change(data: dict) -> None:
        entry = data.setdefault("lessons", {}).setdefault(name, {})
        entry["runs"] = entry.get("runs", 0) + 1
        entry["last"] = _now()
        entry["result"] = key_result(final)
        for key, score in (("quiz", quiz), ("predictions", predictions)):
            if score is not None and score[1]:
                entry[key] = _score(score)

    return update(change)


def record_page(name: str, *, quiz: tuple[int, int] | None = None) -> bool:
    """An explain page was read to the end, and how its quiz went."""
    def change(data: dict) -> None:
        entry = data.setdefault("topics", {}).setdefault(name, {})
        entry["reads"] = entry.get("reads", 0) + 1
        entry["last"] = _now()
        if quiz is not None and quiz[1]:
            entry["quiz"] = _score(quiz)

    return update(change)


def _exercise(data: dict, name: str) -> dict:
    return data.setdefault("exercises", {}).setdefault(name, {})


def record_start(name: str, file: Path) -> bool:
    def change(data: dict) -> None:
        entry = _exercise(data, name)
        entry.setdefault("state", "started")
        entry["file"] = str(file)

    return update(change)


def record_check(name: str, status: str, file: Path) -> bool:
    """One check of an exercise: once passed it stays passed; a failure or an error in the
    learner's code counts as a failed check (which unlocks the solution)."""
    def change(data: dict) -> None:
        entry = _exercise(data, name)
        entry["checks"] = entry.get("checks", 0) + 1
        entry["last"] = _now()
        entry["file"] = str(file)
        if status == "passed":
            entry["state"] = "passed"
            entry.setdefault("passed", _now())
        elif status in ("failed", "error"):
            entry["failed"] = entry.get("failed", 0) + 1
            if entry.get("state") != "passed":
                entry["state"] = "tried"
        else:
            entry.setdefault("state", "started")

    return update(change)


def record_hint(name: str, seen: int) -> bool:
    def change(data: dict) -> None:
        entry = _exercise(data, name)
        entry["hints"] = max(entry.get("hints", 0), seen)

    return update(change)


# --- reading it back -------------------------------------------------------------------------
def exercise_state(data: dict, name: str) -> str:
    """passed, tried (checked, not passed yet), started (file written) or not started."""
    return data.get("exercises", {}).get(name, {}).get("state", "not started")


def step_done(data: dict, kind: str, name: str) -> bool:
    """A lesson that ran to the end, a page read to the end."""
    return name in data.get("lessons" if kind == "lesson" else "topics", {})


def describe_result(result: dict | None) -> str:
    """'test accuracy 96.9 %', 'test rmse 0.548', 'loss 95.8'."""
    if not result:
        return ""
    key, value = result["key"], result["value"]
    shown = f"{value:.1%}" if "accuracy" in key else f"{value:.3g}"
    return msg("learner.result", name=result_name(key), value=shown).replace("%", " %")


def result_name(key: str) -> str:
    """A key result's name in words: 'test accuracy', and 'test accuracy cnn' for a
    variant's (test_accuracy_cnn); a key the catalogue lacks reads as its words."""
    known = [k for k in KEY_RESULTS if key == k or key.startswith(k + "_")]
    if not known or f"learner.results.{known[0]}" not in catalogue("en"):
        return key.replace("_", " ")
    rest = key.removeprefix(known[0]).replace("_", " ")
    return msg(f"learner.results.{known[0]}") + rest
