"""The course catalogue: every lesson and explain topic, read from lessons/catalog.toml.

This module must stay light (no torch): `list` and `explain` use it at startup.
"""

from __future__ import annotations

import difflib
import importlib.resources
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from dlcourse.errors import UserError
from dlcourse.i18n import language, msg


@dataclass(frozen=True)
class Entry:
    """One lesson or topic as the catalogue declares it."""

    kind: str  # "lesson" or "topic"
    name: str  # what the user types: `dlcourse lesson NAME`
    title: str
    text: str  # Markdown file, relative to the catalogue's folder
    quiz: str  # TOML file of quiz questions, relative to the catalogue's folder
    summary: str  # one line for `dlcourse list`
    module: str = ""  # lessons: the module holding Config and run(); topics: optional values
    data: str = ""  # lessons: what it trains on, as shown by `list`
    dataset: str = ""  # lessons: the data-layer name it loads ("", "mnist", "cifar10", ...)
    minutes: float = 0  # lessons: the default run's time; the run is sized to fit it

    @property
    def time(self) -> str:
        """The default run's time, as `list` shows it: '15 s', '2 min'."""
        if not self.minutes:
            return ""
        seconds = round(self.minutes * 60)
        if seconds < 60:
            return msg("catalog.seconds", n=seconds)
        return msg("catalog.minutes", n=f"{self.minutes:g}")


def lessons_dir() -> Path:
    """The folder holding catalog.toml: packaged in the wheel, or the checkout's lessons/."""
    packaged = importlib.resources.files("dlcourse") / "_lessons"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "lessons"


def assets_dir() -> Path:
    """The bundled data sample: packaged in the wheel, or the checkout's assets/."""
    packaged = importlib.resources.files("dlcourse") / "_assets"
    if packaged.is_dir():
        return Path(str(packaged))
    return Path(__file__).resolve().parents[2] / "assets"


def localized(file: Path) -> Path:
    """`file` (under lessons/) in the active language: its mirror under lessons/<lang>/
    where there is one, else the English file itself."""
    lang = language()
    if lang == "en":
        return file
    try:
        mirror = lessons_dir() / lang / file.relative_to(lessons_dir())
    except ValueError:  # outside the course's folder (a teacher's own exercises)
        return file
    return mirror if mirror.exists() else file


def read_overlay(file: Path) -> dict:
    """The active language's text fields for the TOML catalogue `file`, as its mirror holds
    them ({kind: {name: {field: text}}}); {} in English or without a mirror."""
    mirror = localized(file)
    if mirror == file:
        return {}
    return tomllib.loads(mirror.read_text(encoding="utf-8"))


def load() -> dict[str, dict[str, Entry]]:
    """All entries, as {"lesson": {name: Entry}, "topic": {name: Entry}} in catalogue order,
    their titles, summaries and data in the active language."""
    return _load(language())


@cache
def _raw() -> dict:
    """catalog.toml as parsed (once: several questions about the course path read it)."""
    return tomllib.loads((lessons_dir() / "catalog.toml").read_text(encoding="utf-8"))


@cache
def _load(lang: str) -> dict[str, dict[str, Entry]]:
    raw, texts = _raw(), read_overlay(lessons_dir() / "catalog.toml")
    return {
        kind: {item["name"]: Entry(kind=kind, **item | texts.get(kind, {}).get(item["name"], {}))
               for item in raw.get(kind, [])}
        for kind in ("lesson", "topic")
    }


def path() -> list[Entry]:
    """Every lesson and topic in the course's recommended order (catalog.toml's `path`)."""
    entries = load()
    steps = [step.split() for step in _raw().get("path", [])]
    return [entries[kind][name] for kind, name in steps if name in entries.get(kind, {})]


def next_step(entry: Entry) -> tuple[int, Entry] | None:
    """The step after `entry` on the course path (1-based number, entry), None at the end."""
    steps = path()
    if entry not in steps or steps[-1] == entry:
        return None
    number = steps.index(entry) + 2
    return number, steps[number - 1]


def command(entry: Entry) -> str:
    """What the user types to take this step."""
    verb = "lesson" if entry.kind == "lesson" else "explain"
    return f"dlcourse {verb} {entry.name}"


def get(kind: str, name: str) -> Entry:
    """The entry called `name`, or a UserError naming the closest matches."""
    entries = load()[kind]
    if name in entries:
        return entries[name]
    close = difflib.get_close_matches(name, entries, n=3, cutoff=0.5)
    hint = msg("catalog.did_you_mean", names=" / ".join(close)) if close else ""
    raise UserError(msg(f"catalog.no_{kind}", name=name, hint=hint))


def read_text(entry: Entry) -> str:
    """The entry's page, in the active language."""
    return localized(lessons_dir() / entry.text).read_text(encoding="utf-8")


def read_quiz(entry: Entry) -> list[dict]:
    """The entry's quiz questions, in the active language."""
    raw = tomllib.loads(localized(lessons_dir() / entry.quiz).read_text(encoding="utf-8"))
    return raw.get("question", [])
