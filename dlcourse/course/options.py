"""Command-line options built from frozen dataclasses, with each field's comment as its help.

A lesson declares its hyperparameters once, as a dataclass whose fields carry a comment
(`lr: float = 1e-6  # step size; ...`); this module turns the fields into `--lr` style
options. The comment is the English help; other languages read theirs from the message
catalogue (`options.help.FIELD` for the shared options, `options.help.LESSON.FIELD` for a
lesson's own): see `help_text`. Light on purpose: no torch here.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import inspect
import re
import typing
from functools import cache
from pathlib import Path

from dlcourse.errors import UserError
from dlcourse.i18n import catalogue, language, msg

_FIELD_COMMENT = re.compile(r"^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", re.MULTILINE)
MAX_SEED = 2**32 - 1


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What every lesson accepts."""

    seed: int = 0  # random seed: the same seed repeats the same run
    out: Path | None = None  # run folder (default: ./dlcourse-runs/<lesson>/<time>/)
    pause: bool = True  # wait for Enter between sections (only in a terminal)
    quiz: typing.Literal["ask", "reveal", "off"] = "ask"  # ask; reveal: answers shown, none typed
    device: str = "auto"  # auto, cpu, cuda or mps (auto picks CUDA, then MPS, then CPU)
    minutes: float = 0.0  # time for the whole lesson: the run is sized to fit (0: `list`'s)
    from_: str = ""  # start showing at this section (its name or number, from --help)
    figures: bool = True  # draw each figure in the terminal once saved (where it is one)
    open_: bool = False  # also open each figure in the system's image viewer

    def __post_init__(self):
        # numpy's legacy seeding takes 0..2**32-1; anything else ends in its traceback later
        if not 0 <= self.seed <= MAX_SEED:
            raise ValueError(msg("options.bad_seed", max=MAX_SEED))
        if not (self.minutes == 0 or 0.1 <= self.minutes <= 24 * 60):  # refuses nan too
            raise ValueError(msg("options.bad_minutes"))


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """What every lesson that loads a data set accepts."""

    data_dir: Path | None = None  # data cache (default: $DLCOURSE_DATA or the user cache dir)
    offline: bool = False  # never try the network; use the cache or the bundled sample


@dataclasses.dataclass(frozen=True)
class ImageOptions:
    """What every lesson that trains on images accepts."""

    data: Path | None = None  # an image-folder tree (train/<class>/*, test/<class>/*) instead
    resume: Path | None = None  # an earlier run's model.pt (or its folder): continue it
    dry_run: bool = False  # three batches an epoch: a seconds-long check that it all runs


def field_help(cls: type) -> dict[str, str]:
    """{field: help} read from the comment that follows each field in the class source.

    Walks the MRO from the base down, so inherited fields keep their base class's help and
    a subclass that redeclares a field with its own comment wins.
    """
    helps: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if dataclasses.is_dataclass(klass):  # object and plain mixins have no field comments
            helps.update(_comments(klass))
    return helps


@cache
def _comments(klass: type) -> dict[str, str]:
    return dict(_FIELD_COMMENT.findall(inspect.getsource(klass)))


LESSONS_PACKAGE = "dlcourse.lessons."


def help_key(cls: type, field_name: str) -> str:
    """The catalogue key of a field's help: `options.help.LESSON.FIELD` where a lesson's
    module (dlcourse.lessons.LESSON) declares the comment that wins, else the shared
    `options.help.FIELD` (RunOptions, the training options every image lesson shares)."""
    owner = next((klass for klass in cls.__mro__ if dataclasses.is_dataclass(klass)
                  and field_name in _comments(klass)), cls)
    module = owner.__module__
    if module.startswith(LESSONS_PACKAGE):
        return f"options.help.{module.removeprefix(LESSONS_PACKAGE)}.{field_name}"
    return f"options.help.{field_name}"


def help_text(cls: type, field_name: str) -> str:
    """The help of option `field_name` of dataclass `cls`, in the active language: the
    field's comment in English; elsewhere the catalogue's text, or the comment where the
    catalogue has none (a teacher's own lesson)."""
    comment = field_help(cls).get(field_name, "")
    if language() == "en":
        return comment
    return catalogue(language()).get(help_key(cls, field_name)) or comment


def option_name(field_name: str) -> str:
    """`lr` -> --lr, `dry_run` -> --dry-run, `from_` -> --from (a keyword as a field)."""
    return "--" + field_name.rstrip("_").replace("_", "-")


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # let `--lr -1e-6` reach validation as a number (argparse only knows -1 and -.5)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$", re.I)

    def error(self, message: str) -> typing.NoReturn:
        message = _argparse_message(message)
        first = message[:1].upper() + message[1:]
        raise UserError(f"{first}. {self.help_hint()}")

    def help_hint(self) -> str:
        return msg("options.help_hint", prog=self.prog)

    def reject_extras(self, extras: list[str]) -> None:
        """Explain arguments that match no option, suggesting close option names."""
        if not extras:
            return
        unknown = [arg.split("=", 1)[0] for arg in extras
                   if arg.startswith("-") and arg != "--"
                   and not self._negative_number_matcher.match(arg)]
        if not unknown:  # only stray words, e.g. a value without its --option
            raise UserError(msg("options.unexpected", arguments=" ".join(extras),
                                hint=self.help_hint()))
        raise UserError(f"{_unknown_options(unknown, self.option_names())} {self.help_hint()}")

    def option_names(self) -> list[str]:
        # --help is answered before parsing, but a typo of it deserves a suggestion too
        return [*self._option_string_actions, "--help"]


def _unknown_options(unknown: list[str], known: list[str]) -> str:
    """'Unknown option --epoch. Did you mean --epochs?', or one sentence for several."""
    # Compare without the dashes, which would make --hlep look close to --lr; suggest only
    # the closest name, so that --no-pauses gets --no-pause and not also --pause.
    bare = {name.lstrip("-"): name for name in known}
    close = {}
    for name in dict.fromkeys(unknown):
        match = difflib.get_close_matches(name.lstrip("-"), bare, n=1)
        close[name] = bare[match[0]] if match else ""
    if len(close) == 1:
        [(name, match)] = close.items()
        if match:
            return msg("options.unknown_close", name=name, match=match)
        return msg("options.unknown", name=name)
    parts = [msg("options.unknown_part", name=name, match=match) if match else name
             for name, match in close.items()]
    return msg("options.unknown_several", names=msg("options.list_separator").join(parts[:-1]),
               last=parts[-1])


# argparse's own error messages (argparse writes them in English) and the catalogue's
# name for each, matched in other languages; unmatched ones are shown as argparse wrote them
_ARGPARSE = {
    "invalid_value": re.compile(r"^argument (?P<option>\S+): invalid (?P<type>\w+) value: "
                                r"(?P<value>.+)$"),
    "invalid_choice": re.compile(r"^argument (?P<option>\S+): invalid choice: (?P<value>.+?) "
                                 r"\(choose from (?P<choices>.+)\)$"),
    "expected_one": re.compile(r"^argument (?P<option>\S+): expected one argument$"),
    "ignored_value": re.compile(r"^argument (?P<option>\S+): ignored explicit argument "
                                r"(?P<value>.+)$"),
}


def _argparse_message(message: str) -> str:
    """argparse's error `message` in the active language, where the catalogue has it."""
    if language() == "en":
        return message
    for name, pattern in _ARGPARSE.items():
        match = pattern.match(message)
        if match:
            return msg(f"options.argparse.{name}", **match.groupdict())
    return message


def _add_field(parser: argparse.ArgumentParser, cls: type, f: dataclasses.Field, help_: str):
    hint = typing.get_type_hints(cls)[f.name]
    args = typing.get_args(hint)
    if hint is bool:
        parser.add_argument(option_name(f.name), action=argparse.BooleanOptionalAction,
                            default=f.default, help=help_, dest=f.name)
    elif typing.get_origin(hint) is typing.Literal:
        parser.add_argument(option_name(f.name), choices=list(args), default=f.default,
                            help=help_, dest=f.name)
    else:
        kind = next((a for a in args if a is not type(None)), hint)  # Path | None -> Path
        parser.add_argument(option_name(f.name), type=kind, default=f.default, help=help_,
                            metavar=f.name.rstrip("_").upper(), dest=f.name)


def build_parser(prog: str, *classes: type) -> _Parser:
    parser = _Parser(prog=prog, add_help=False, allow_abbrev=False)
    for cls in classes:
        helps = field_help(cls)
        for f in dataclasses.fields(cls):
            _add_field(parser, cls, f, helps.get(f.name, ""))
    return parser


def parse(prog: str, argv: list[str], *classes: type) -> list:
    """One instance of each dataclass, from `argv`; bad values raise UserError."""
    parser = build_parser(prog, *classes)
    known, extras = parser.parse_known_args(argv)
    parser.reject_extras(extras)
    namespace = vars(known)
    instances = []
    for cls in classes:
        values = {f.name: namespace[f.name] for f in dataclasses.fields(cls)}
        try:
            instances.append(cls(**values))
        except (TypeError, ValueError) as err:
            raise UserError(f"{err}") from None
    return instances


def describe(*classes: type) -> list[tuple[str, str, str]]:
    """(option, default, help) rows for the help screen, in the active language."""
    rows = []
    for cls in classes:
        for f in dataclasses.fields(cls):
            hint = typing.get_type_hints(cls)[f.name]
            if hint is bool:
                name = f"{option_name(f.name)} / --no-{option_name(f.name)[2:]}"
                default = msg("options.yes") if f.default else msg("options.no")
            else:
                name, default = option_name(f.name), "" if f.default is None else str(f.default)
            rows.append((name, default, help_text(cls, f.name)))
    return rows
