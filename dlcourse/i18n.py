"""The course's two languages: which one is active, and its messages.

The language comes from `--lang`, else `DLCOURSE_LANG`, else the locale (`ko_*` gives
Korean), else English. Pages and quizzes are mirrored per language under `lessons/ko/`
(see `course.catalog`); strings in Python come from one message catalogue per language,
`dlcourse/locale/<lang>/*.toml`, where a file `cli.toml` holds the keys `cli.*`:

    msg("cli.downloading", what="MNIST")

Light on purpose: pure Python and tomllib, on the startup path of every command.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path

LANGUAGES = ("en", "ko")
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
_active: str | None = None


def from_environment() -> str:
    """DLCOURSE_LANG, else the locale's language (LC_ALL, LC_MESSAGES, LANG), else English."""
    chosen = os.environ.get("DLCOURSE_LANG", "").strip().lower()
    if chosen:
        return chosen if chosen in LANGUAGES else "en"
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:  # the first one set decides, as in C's setlocale
            return "ko" if value.lower().startswith("ko") else "en"
    return "en"


def language() -> str:
    """The active language: the one set by --lang, else the environment's."""
    return _active or from_environment()


def set_language(lang: str | None) -> None:
    """Make `lang` the active language (None: back to the environment's choice)."""
    global _active
    if lang is not None and lang not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}: choose one of {', '.join(LANGUAGES)}")
    _active = lang


class Catalogue(Mapping):
    """Every message of one language as {"file.key": text}, nested tables joined with dots.
    A file is parsed the first time one of its keys is asked for: a command reads the two
    or three files it uses, not all of them (this is on the startup path)."""

    def __init__(self, lang: str) -> None:
        self.directory = LOCALE_DIR / lang
        self._files: dict[str, dict[str, str]] = {}

    def file(self, stem: str) -> dict[str, str]:
        """The messages of `<stem>.toml` (empty if there is no such file)."""
        if stem not in self._files:
            path = self.directory / f"{stem}.toml"
            messages: dict[str, str] = {}
            if path.is_file():
                _flatten(stem, tomllib.loads(path.read_text(encoding="utf-8")), messages)
            self._files[stem] = messages
        return self._files[stem]

    def __getitem__(self, key: str) -> str:
        return self.file(key.partition(".")[0])[key]

    def __iter__(self) -> Iterator[str]:
        for path in sorted(self.directory.glob("*.toml")):
            yield from self.file(path.stem)

    def __len__(self) -> int:
        return sum(1 for _ in self)


def _flatten(prefix: str, table: dict, into: dict[str, str]) -> None:
    for key, value in table.items():
        if isinstance(value, dict):
            _flatten(f"{prefix}.{key}", value, into)
        else:
            into[f"{prefix}.{key}"] = value


@cache
def catalogue(lang: str) -> Catalogue:
    """The messages of `lang`: see Catalogue."""
    return Catalogue(lang)


class Message(str):
    """A message in the active language that remembers its key and values, so that a run
    saved as data (metrics.json) can be shown again in the other language: `saved`, `shown`.
    `parts` and `sep` instead of a key: messages joined, as `join` makes them."""

    key: str = ""
    values: dict = {}
    index: int | None = None  # the item of a list-valued message (`messages`)
    parts: tuple = ()
    sep: str = ""


def msg(key: str, /, **values) -> Message:
    """The message `key` in the active language, filled with `values` (str.format).
    A key the active language lacks falls back to English (tests forbid that)."""
    lang = language()
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en")[key]
    made = Message(text.format(**values) if values else text)
    made.key, made.values = key, values
    return made


def join(parts, sep: str = "; ") -> Message:
    """`sep.join(parts)` that still knows its parts: see Message."""
    parts = tuple(parts)
    made = Message(sep.join(parts))
    made.parts, made.sep = parts, sep
    return made


def saved(value):
    """`value` as JSON data that `shown` turns back into text in the then active language:
    a Message as its key and values, lists item by item, anything else as its text."""
    if isinstance(value, Message) and value.parts:
        return {"join": value.sep, "parts": [saved(p) for p in value.parts]}
    if isinstance(value, Message) and value.index is not None:
        return {"msg": value.key, "index": value.index}
    if isinstance(value, Message) and value.key:
        return {"msg": value.key, "values": {k: saved(v) for k, v in value.values.items()}}
    if isinstance(value, list | tuple):
        return [saved(v) for v in value]
    return value if isinstance(value, int | float | bool) or value is None else str(value)


def shown(data):
    """What `saved` kept, as text in the active language (an unknown key: as saved)."""
    if isinstance(data, list):
        return [shown(v) for v in data]
    if isinstance(data, dict) and "join" in data:
        return data["join"].join(str(shown(p)) for p in data.get("parts", []))
    if isinstance(data, dict) and "index" in data:
        try:
            return messages(data["msg"])[data["index"]]
        except (KeyError, IndexError, TypeError):
            return str(data["msg"])
    if isinstance(data, dict) and "msg" in data:
        values = {k: shown(v) for k, v in data.get("values", {}).items()}
        try:
            return msg(data["msg"], **values)
        except (KeyError, IndexError, ValueError):  # a key or value this version lacks
            return str(data.get("text", data["msg"]))
    return data


def messages(key: str) -> list:
    """A list-valued message (choices, column headers) in the active language."""
    lang = language()
    items = []
    for index, text in enumerate(catalogue(lang).get(key) or catalogue("en")[key]):
        item = Message(text)
        item.key, item.index = key, index
        items.append(item)
    return items
