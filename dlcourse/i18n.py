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


@cache
def catalogue(lang: str) -> dict[str, str]:
    """Every message of `lang` as {"file.key": text}, nested tables joined with dots."""
    messages: dict[str, str] = {}

    def flatten(prefix: str, table: dict) -> None:
        for key, value in table.items():
            if isinstance(value, dict):
                flatten(f"{prefix}.{key}", value)
            else:
                messages[f"{prefix}.{key}"] = value

    for file in sorted((LOCALE_DIR / lang).glob("*.toml")):
        flatten(file.stem, tomllib.loads(file.read_text(encoding="utf-8")))
    return messages


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
