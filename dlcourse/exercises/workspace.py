"""The learner's exercise folder (default ./dlcourse-exercises/): where starters are written
and edited. A file the learner changed is never overwritten without --force."""

from __future__ import annotations

import shutil
from pathlib import Path

from dlcourse.errors import UserError
from dlcourse.exercises.catalog import Exercise
from dlcourse.fileio import atomic_write
from dlcourse.i18n import msg

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
    done = msg("exercises.workspace.written")
    try:
        if path.is_file():
            if not is_edited(exercise, path):
                return path, msg("exercises.workspace.untouched")
            if not force:
                raise UserError(msg("exercises.workspace.holds_work", path=path,
                                    name=exercise.name, file=path.name))
            shutil.copyfile(path, path.with_name(path.name + ".bak"))
            done = msg("exercises.workspace.replaced", file=path.name)
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, lambda tmp: shutil.copyfile(exercise.starter, tmp))
    except OSError as err:
        raise UserError(msg("exercises.workspace.cannot_write", folder=path.parent,
                            error=err.strerror or err)) from None
    return path, done
