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


def msg(key: str, /, **values) -> str:
    """The message `key` in the active language, filled with `values` (str.format).
    A key the active language lacks falls back to English (tests forbid that)."""
    lang = language()
    text = catalogue(lang).get(key)
    if text is None:
        text = catalogue("en")[key]
    return text.format(**values) if values else text


def messages(key: str) -> list:
    """A list-valued message (choices, column headers) in the active language."""
    lang = language()
    return catalogue(lang).get(key) or catalogue("en")[key]
