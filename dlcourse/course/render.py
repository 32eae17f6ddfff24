"""Everything the terminal shows: Markdown sections, real source code, pauses and quizzes.

Lesson and topic texts are Markdown split into sections by `<!-- key -->` markers; a
section may hold `{{name}}` or `{{name:.3f}}` placeholders, filled with numbers computed
when the page renders (so no figure in the prose is ever typed by hand).
"""

from __future__ import annotations

import inspect
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.segment import Segments
from rich.syntax import Syntax
from rich.table import Table

from dlcourse.errors import Quit, UserError
from dlcourse.i18n import messages, msg

_MARKER = re.compile(r"^<!--\s*([\w-]+)\s*-->\s*$", re.MULTILINE)
# `**64%**에`: CommonMark does not close bold that ends in punctuation right before a letter,
# as Korean particles follow. An invisible word joiner after the punctuation lets it close.
_UNCLOSED_BOLD = re.compile(r"(?<=[^\s\w*])\*\*(?=[\uac00-\ud7a3])")
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*(?::([^}]*))?\}\}")


def split_sections(text: str) -> dict[str, str]:
    """{key: markdown} for each `<!-- key -->` marker; text before the first is key ''."""
    parts = _MARKER.split(text)
    sections = {"": parts[0].strip()}
    for key, body in zip(parts[1::2], parts[2::2], strict=True):
        sections[key] = body.strip()
    return sections


def placeholders(text: str) -> set[str]:
    return {m.group(1) for m in _PLACEHOLDER.finditer(text)}


def fill(text: str, values: dict) -> str:
    """Replace {{name}} / {{name:spec}} with format(values[name], spec)."""

    def one(match: re.Match) -> str:
        name, spec = match.group(1), match.group(2) or ""
        if name not in values:
            raise KeyError(f"no value for placeholder {{{{{name}}}}}")
        return format(values[name], spec)

    return _PLACEHOLDER.sub(one, text)


# The epoch table: the history keys each column shows (data, kept in English), and how.
# Its headers are the catalogue's `render.epoch_columns`, in the active language.
EPOCH_KEYS = ("epoch", "train_loss", "train_accuracy", "test_loss", "test_accuracy", "seconds")
EPOCH_FORMATS = ("", ".4f", ".1%", ".4f", ".1%", ".1f")
EPOCH_WIDTH = 10  # terminal cells a column takes at least


def epoch_columns() -> list[str]:
    """The epoch table's column headers, in the active language."""
    return messages("render.epoch_columns")


def _widths() -> list[int]:
    # a wide (e.g. Korean) header widens its column, and the numbers under it
    return [max(EPOCH_WIDTH, cell_len(c)) for c in epoch_columns()]


def epoch_header() -> str:
    """The epoch table's header line, each label right-aligned over its column."""
    return "  ".join(" " * (w - cell_len(c)) + c for c, w in zip(epoch_columns(), _widths(),
                                                                  strict=True))


def epoch_line(row: dict) -> str:
    """One finished epoch, as the live display prints it (and a replay again)."""
    return "  ".join(f"{row[k]:>{w}{spec}}" for k, spec, w in zip(EPOCH_KEYS, EPOCH_FORMATS,
                                                                 _widths(), strict=True))


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@dataclass
class Screen:
    """The terminal: prints rich output and, when interactive, pauses and asks quizzes."""

    console: Console = field(default_factory=Console)
    pause: bool = False  # wait for Enter between sections
    quiz: bool = False  # ask the multiple-choice questions
    reveal: bool = False  # teacher mode: show each question, pause, show its answer
    images: bool = False  # draw saved figures in the terminal (when it is one)
    open_figures: bool = False  # also open each figure in the system's image viewer
    ask: Callable[[str], str] | None = None  # reads one line; None means console.input
    stopped: bool = False  # the learner left with q (or Ctrl-D) before the end
    quiz_score: tuple[int, int] | None = None  # (right, asked) of the last quiz finished

    def read(self, prompt: str) -> str:
        try:
            reply = self.ask(prompt) if self.ask else self.console.input(prompt)
        except EOFError:
            raise self.leave() from None
        return reply.strip().lower()

    def leave(self) -> Quit:
        """The Quit to raise when the learner types q: noted, so nothing counts as read."""
        self.stopped = True
        return Quit()

    def markdown(self, text: str) -> None:
        if text:
            self.console.print(Markdown(_UNCLOSED_BOLD.sub("\u2060**", text)))
            self.console.print()

    def wait(self) -> None:
        """Pause between sections: Enter continues, q quits."""
        if self.pause and self.read(msg("render.wait")) == "q":
            raise self.leave()

    def navigate(self, count: int) -> str:
        """A pause in a page of `count` sections: '' (Enter), 'b', 'r', a section number
        or 'q' (raised as Quit); anything else asks again."""
        prompt = msg("render.navigate", count=count)
        while True:
            reply = self.read(prompt)
            if reply == "q":
                raise self.leave()
            if reply in ("", "b", "r") or (reply.isdigit() and 1 <= int(reply) <= count):
                return reply
            self.console.print(msg("render.navigate_again", count=count))

    def source(self, *objects: object, title: str = "") -> None:
        """Show the real source of functions or classes, exactly as they run."""
        self.code("\n\n\n".join(inspect.getsource(obj).rstrip() for obj in objects), title)

    def code(self, code: str, title: str = "") -> None:
        """Code as it runs: a line stays one line (cut at the screen's edge, never wrapped
        mid-expression), and a long listing pages."""
        width = max(len(line) for line in code.splitlines()) + 4 if code else 20
        syntax = Syntax(code, "python", theme="monokai", line_numbers=False, word_wrap=False)
        cut = width > self.console.width
        subtitle = msg("render.lines_cut")
        self.page(Panel(syntax, title=title or None, border_style="cyan",
                        subtitle=subtitle if cut else None))

    def table(self, title: str, header: list[str], rows: list[list[str]]) -> None:
        table = Table(*header, title=title or None, title_justify="left")
        for row in rows:
            table.add_row(*row)
        self.page(table)

    def figure(self, path) -> None:
        """A saved figure: its path as a clickable link, the picture itself where the
        terminal can draw it (kitty graphics or sixel, else half-block characters), and the
        system's viewer with --open."""
        from pathlib import Path

        path = Path(path).resolve()
        self.console.print(msg("render.figure", uri=path.as_uri(), path=path), soft_wrap=True)
        if self.open_figures:
            import typer  # launches the platform's viewer (open, xdg-open, start)

            typer.launch(str(path))
        if not (self.images and self.console.is_terminal):
            return
        try:  # imported only to draw a figure: it probes the terminal for graphics support
            from textual_image.renderable import HalfcellImage, Image, UnicodeImage
        except ImportError:  # an install without it: the link is enough
            return
        if Image is UnicodeImage:  # no graphics protocol answered: colour half-blocks
            Image = HalfcellImage  # noqa: N806 - the class textual-image would have picked
        rows = max(8, min(self.console.height - 4, 26))  # fits a 30-row projector screen
        self.console.print(Image(path, width="auto", height=rows))
        self.console.print()
        self.wait()  # a screenful: the next figure would scroll it away unseen

    def page(self, renderable) -> None:
        """Print, a screenful at a time when pausing: nothing scrolls off a projector's
        30 rows before it was read (Enter shows more, q quits)."""
        lines = self.console.render_lines(renderable, pad=False, new_lines=True)
        room = max(5, self.console.height - 2)
        if not self.pause or len(lines) <= room:
            self.console.print(renderable)
            self.console.print()
            return
        for start in range(0, len(lines), room):
            for line in lines[start:start + room]:
                self.console.print(Segments(line), end="")
            if start + room < len(lines):
                more = msg("render.more", shown=start + room, total=len(lines))
                if self.read(more) == "q":
                    raise self.leave()
        self.console.print()

    # --- quizzes -------------------------------------------------------------------------
    def question(self, question: dict) -> None:
        lines = [f"[bold]{question['ask']}[/]", ""]
        lines += [f"  [cyan]{i}[/]. {c}" for i, c in enumerate(question["choices"], 1)]
        self.console.print(Panel("\n".join(lines), title=msg("render.quiz"),
                                 border_style="magenta"))

    def choose(self, question: dict) -> int:
        """Show one question and return the 1-based choice the user typed."""
        choices = question["choices"]
        self.question(question)
        while True:
            reply = self.read(msg("render.your_answer", count=len(choices)))
            if reply == "q":
                raise self.leave()
            if reply.isdigit() and 1 <= int(reply) <= len(choices):
                return int(reply)
            self.console.print(msg("render.type_a_number", count=len(choices)))

    def explain_answer(self, question: dict, choice: int, values: dict) -> bool:
        right = right_answer(question, values)
        if choice == right:
            self.console.print(msg("render.right"), fill(question["why"], values))
        else:
            answer = question["choices"][right - 1]
            self.console.print(
                msg("render.not_quite", right=right, answer=answer),
                fill(question["why"], values),
            )
        self.console.print()
        return choice == right

    def show_answer(self, question: dict, values: dict) -> None:
        """Teacher mode: the answer and why, with no one asked to type."""
        right = right_answer(question, values)
        self.console.print(msg("render.answer", right=right,
                               answer=question["choices"][right - 1]),
                           fill(question["why"], values))
        self.console.print()

    def quiz_questions(self, questions: list[dict], values: dict) -> int:
        """Ask each question, explain the answer, end with the score; returns how many
        were right. In teacher mode (reveal), show each question, pause, show the answer."""
        if self.reveal:
            for q in questions:
                self.question(q)
                self.wait()
                self.show_answer(q, values)
            return 0
        if not self.quiz or not questions:
            return 0
        right = sum(self.explain_answer(q, self.choose(q), values) for q in questions)
        self.console.print(msg("render.score", right=right, count=len(questions)) + "\n")
        self.quiz_score = (right, len(questions))
        return right


def section_titles(sections: dict[str, str]) -> dict[str, str]:
    """{key: title} of a page's numbered sections (the text before the first marker is
    the page's introduction, not a section): the title is the section's first heading."""
    titles = {}
    for key, text in sections.items():
        if key:
            heading = next((line.lstrip("#").strip() for line in text.splitlines()
                            if line.startswith("#")), key)
            # no run's numbers yet (help, the navigation list): "Training: … steps"
            titles[key] = _PLACEHOLDER.sub("…", heading).replace("`", "").replace("**", "")
    return titles


def section_key(sections: dict[str, str], wanted: str, lesson: str) -> str:
    """--from's section, by key or number ('' for the start), or a one-sentence error."""
    keys = [key for key in sections if key]
    if not wanted:
        return ""
    if wanted in keys:
        return wanted
    if wanted.isdigit() and 1 <= int(wanted) <= len(keys):
        return keys[int(wanted) - 1]
    raise UserError(msg("render.no_section", wanted=wanted, lesson=lesson,
                        sections=", ".join(f"{i} {k}" for i, k in enumerate(keys, 1))))


@dataclass
class Pages:
    """A page's sections as shown so far, so that every pause can go back a section (b),
    show it again (r), jump to a section by number, or quit (q).

    A live lesson can only jump to sections its run has reached; a replay, which has them
    all, asks the caller to skip ahead (`show` returns the section key to go to).
    """

    screen: Screen
    keys: list[str]  # every section key, in the text's order: section n is keys[n - 1]
    ahead: bool = False  # may jump to a section not shown yet (replay)
    shown: dict[str, str] = field(default_factory=dict)  # key -> markdown as shown

    def show(self, key: str, markdown: str) -> str | None:
        self.shown[key] = markdown
        self.screen.markdown(markdown)
        return self.pause(key)

    def pause(self, latest: str) -> str | None:
        """Wait after section `latest`, moving among the shown ones until Enter goes past
        it; returns a section to skip ahead to, or None to go on."""
        if not self.screen.pause:
            return None
        here = latest
        while True:
            reply = self.screen.navigate(len(self.keys))
            seen = [k for k in self.keys if k in self.shown]
            if reply == "" and here == latest:
                return None
            if reply == "":  # forward through what was already shown, then on
                here = seen[seen.index(here) + 1]
            elif reply == "b":
                here = seen[max(0, seen.index(here) - 1)]
            elif reply.isdigit():
                target = self.keys[int(reply) - 1]
                if target not in self.shown:
                    if self.ahead:
                        return target
                    self.screen.console.print(msg("render.later", number=reply))
                    continue
                here = target
            self.screen.markdown(self.shown[here])


def right_answer(question: dict, values: dict) -> int:
    """The 1-based right choice: fixed (`answer`), or computed by the run when the answer
    depends on it (`answer_from` names the value that holds it, or `answer_by` a value and
    the bounds of the choices' ranges, in order; `answer` is then the one under default
    options, used before the run has computed its own)."""
    computed = values.get(question.get("answer_from", ""))
    rule = question.get("answer_by")  # {value = KEY, above = [t1, t2, ...]}: ranges of a result
    if computed is None and rule and rule["value"] in values:
        computed = 1 + sum(values[rule["value"]] >= bound for bound in rule["above"])
    return int(computed) if computed is not None else question["answer"]
