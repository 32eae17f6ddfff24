"""The exercise catalogue: lessons/exercises/exercises.toml, one [[exercise]] per exercise.

Each names its `step` on the course path ("lesson sine", "topic backprop"), a title, the
file the learner edits, the task and its hints; the starter, the reference solution and
the check are files of that name in starters/, solutions/ and checks/. Light (no torch):
`dlcourse exercise list` reads it at startup.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from dlcourse.course import catalog
from dlcourse.errors import UserError
from dlcourse.i18n import msg

NAME = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")  # what the learner types: lowercase-with-dashes


@dataclass(frozen=True)
class Exercise:
    """One exercise as the catalogue declares it."""

    name: str  # `dlcourse exercise start NAME`
    step: str  # the lesson or topic it practises: "lesson sine", "topic backprop"
    title: str
    file: str  # the starter's, the solution's, the check's and the workspace file's name
    task: str  # what to write, and what the check compares
    hints: list[str] = field(default_factory=list)  # from a nudge to nearly the answer

    @property
    def kind(self) -> str:
        return self.step.split()[0]

    @property
    def step_name(self) -> str:
        return self.step.split()[-1]

    @property
    def starter(self) -> Path:
        return exercises_dir() / "starters" / self.file

    @property
    def solution(self) -> Path:
        return exercises_dir() / "solutions" / self.file

    @property
    def check(self) -> Path:
        return exercises_dir() / "checks" / self.file


def exercises_dir() -> Path:
    """lessons/exercises/ (packaged or in the checkout); $DLCOURSE_EXERCISES points at
    another catalogue (a teacher's own, or a test's)."""
    if os.environ.get("DLCOURSE_EXERCISES"):
        return Path(os.environ["DLCOURSE_EXERCISES"]).expanduser()
    return catalog.lessons_dir() / "exercises"


def load() -> list[Exercise]:
    """Every exercise, in course order ([] when the catalogue has none yet), its texts in
    the active language."""
    file = exercises_dir() / "exercises.toml"
    if not file.is_file():
        return []
    raw = tomllib.loads(file.read_text(encoding="utf-8"))
    texts = catalog.read_overlay(file).get("exercise", {})  # title, task, hints translated
    return [Exercise(**item | texts.get(item["name"], {})) for item in raw.get("exercise", [])]


def get(name: str) -> Exercise:
    """The exercise called `name`, or a UserError naming the closest ones."""
    exercises = {e.name: e for e in load()}
    if name in exercises:
        return exercises[name]
    close = difflib.get_close_matches(name, exercises, n=3, cutoff=0.5)
    or_ = msg("exercises.catalog.or")
    hint = msg("exercises.catalog.did_you_mean", names=or_.join(close)) if close else ""
    raise UserError(msg("exercises.catalog.no_exercise", name=name, hint=hint))


def for_step(kind: str, name: str) -> list[Exercise]:
    """The exercises that practise one lesson or topic."""
    return [e for e in load() if e.kind == kind and e.step_name == name]


def validate() -> list[str]:
    """Every problem with the catalogue, one sentence each ([] when it is sound)."""
    problems, seen = [], set()
    entries = catalog.load()
    for e in load():
        if not NAME.match(e.name):
            problems.append(f"{e.name}: a name is lowercase words joined by dashes")
        if e.name in seen:
            problems.append(f"{e.name}: listed twice")
        seen.add(e.name)
        kind, _, step = e.step.partition(" ")
        if kind not in ("lesson", "topic") or step not in entries.get(kind, {}):
            problems.append(f"{e.name}: step '{e.step}' is no lesson or topic of the course")
        if not e.file.endswith(".py") or Path(e.file).name != e.file:
            problems.append(f"{e.name}: file '{e.file}' must be a plain name ending in .py")
        for path in (e.starter, e.solution, e.check):
            if not path.is_file():
                problems.append(f"{e.name}: {path.relative_to(exercises_dir())} is missing")
        if not e.task.strip() or not e.title.strip():
            problems.append(f"{e.name}: needs a title and a task")
        if not e.hints:
            problems.append(f"{e.name}: needs at least one hint")
    return problems
