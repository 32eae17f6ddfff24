"""The learner's exercise folder (default ./dlcourse-exercises/): where starters are written
and edited. A file the learner changed is never overwritten without --force."""

from __future__ import annotations

import shutil
from pathlib import Path

from dlcourse.errors import UserError
from dlcourse.exercises.catalog import Exercise
from dlcourse.fileio import atomic_write

DEFAULT = Path("dlcourse-exercises")


def folder(given: Path | None = None) -> Path:
    return given if given is not None else DEFAULT


def file_of(exercise: Exercise, given: Path | None = None) -> Path:
    """Where the learner's copy of `exercise` lives in the workspace."""
    return folder(given) / exercise.file


def is_edited(exercise: Exercise, path: Path) -> bool:
    """Has the learner changed the file since `start` wrote it?"""
    return path.read_bytes() != exercise.starter.read_bytes()


def write_starter(exercise: Exercise, given: Path | None = None, *,
                  force: bool = False) -> tuple[Path, str]:
    """Copy the starter into the workspace; returns (path, what was done, in a few words).
    An edited file stays unless `force`, and then it is kept beside as FILE.bak."""
    path = file_of(exercise, given)
    done = "written"
    try:
        if path.is_file():
            if not is_edited(exercise, path):
                return path, "already there, untouched"
            if not force:
                raise UserError(
                    f"{path} already holds your work on {exercise.name}. Check it with "
                    f"`dlcourse exercise check {exercise.name}`, or start over with "
                    f"`dlcourse exercise start {exercise.name} --force` (your version is kept "
                    f"as {path.name}.bak).")
            shutil.copyfile(path, path.with_name(path.name + ".bak"))
            done = f"replaced; your version is kept as {path.name}.bak"
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: shutil.copyfile(exercise.starter, tmp))
    except OSError as err:
        raise UserError(f"Cannot write the exercise folder {path.parent} "
                        f"({err.strerror or err}). Pass --dir with a folder you can write "
                        "to.") from None
    return path, done
