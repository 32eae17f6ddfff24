"""Command-line options built from frozen dataclasses, with each field's comment as its help.

A lesson declares its hyperparameters once, as a dataclass whose fields carry a comment
(`lr: float = 1e-6  # step size; ...`); this module turns the fields into `--lr` style
options. Light on purpose: no torch here.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import re
import typing
from pathlib import Path

from dlcourse.errors import UserError

_FIELD_COMMENT = re.compile(r"^\s+(\w+)\s*:[^#\n]*#\s*(.+)$", re.MULTILINE)


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """What every lesson accepts."""

    seed: int = 0  # random seed: the same seed repeats the same run
    out: Path | None = None  # run folder (default: ./dlcourse-runs/<lesson>/<time>/)
    pause: bool = True  # wait for Enter between sections (only in a terminal)
    quiz: bool = True  # ask the quiz questions (only in a terminal)
    device: str = "auto"  # auto, cpu, cuda or mps (auto picks CUDA, then MPS, then CPU)


@dataclasses.dataclass(frozen=True)
class DataOptions:
    """What every lesson that loads a data set accepts."""

    data_dir: Path | None = None  # data cache (default: $DLCOURSE_DATA or the user cache dir)
    offline: bool = False  # never try the network; use the cache or the bundled sample


@dataclasses.dataclass(frozen=True)
class ImageOptions:
    """What every lesson that trains on images accepts."""

    data: Path | None = None  # an image-folder tree (train/<class>/*, test/<class>/*) instead
    resume: Path | None = None  # a model.pt from an earlier run: continue its training
    dry_run: bool = False  # three batches an epoch: a seconds-long check that it all runs


def field_help(cls: type) -> dict[str, str]:
    """{field: help} read from the comment that follows each field in the class source."""
    return dict(_FIELD_COMMENT.findall(inspect.getsource(cls)))


def option_name(field_name: str) -> str:
    return "--" + field_name.replace("_", "-")


class _Parser(argparse.ArgumentParser):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        # let `--lr -1e-6` reach validation as a number (argparse only knows -1 and -.5)
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$", re.I)

    def error(self, message: str) -> typing.NoReturn:
        first = message[:1].upper() + message[1:]
        raise UserError(f"{first}. `{self.prog} --help` lists the options.")


def _add_field(parser: argparse.ArgumentParser, cls: type, f: dataclasses.Field, help_: str):
    hint = typing.get_type_hints(cls)[f.name]
    args = typing.get_args(hint)
    if hint is bool:
        parser.add_argument(option_name(f.name), action=argparse.BooleanOptionalAction,
                            default=f.default, help=help_)
    elif typing.get_origin(hint) is typing.Literal:
        parser.add_argument(option_name(f.name), choices=list(args), default=f.default,
                            help=help_)
    else:
        kind = next((a for a in args if a is not type(None)), hint)  # Path | None -> Path
        parser.add_argument(option_name(f.name), type=kind, default=f.default, help=help_,
                            metavar=f.name.upper())


def build_parser(prog: str, *classes: type) -> argparse.ArgumentParser:
    parser = _Parser(prog=prog, add_help=False, allow_abbrev=False)
    for cls in classes:
        helps = field_help(cls)
        for f in dataclasses.fields(cls):
            _add_field(parser, cls, f, helps.get(f.name, ""))
    return parser


def parse(prog: str, argv: list[str], *classes: type) -> list:
    """One instance of each dataclass, from `argv`; bad values raise UserError."""
    namespace = vars(build_parser(prog, *classes).parse_args(argv))
    instances = []
    for cls in classes:
        values = {f.name: namespace[f.name] for f in dataclasses.fields(cls)}
        try:
            instances.append(cls(**values))
        except (TypeError, ValueError) as err:
            raise UserError(f"{err}") from None
    return instances


def describe(*classes: type) -> list[tuple[str, str, str]]:
    """(option, default, help) rows for the help screen."""
    rows = []
    for cls in classes:
        helps = field_help(cls)
        for f in dataclasses.fields(cls):
            hint = typing.get_type_hints(cls)[f.name]
            if hint is bool:
                name = f"{option_name(f.name)} / --no-{f.name.replace('_', '-')}"
                default = "yes" if f.default else "no"
            else:
                name, default = option_name(f.name), "" if f.default is None else str(f.default)
            rows.append((name, default, helps.get(f.name, "")))
    return rows
