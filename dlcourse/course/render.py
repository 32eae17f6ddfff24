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

from rich.console import Console
from rich.markdown import Markdown
from rich.panel import Panel
from rich.segment import Segments
from rich.syntax import Syntax
from rich.table import Table

from dlcourse.errors import Quit, UserError

_MARKER = re.compile(r"^<!--\s*([\w-]+)\s*-->\s*$", re.MULTILINE)
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


EPOCH_COLUMNS = ("epoch", "train loss", "train acc", "test loss", "test acc", "seconds")
EPOCH_HEADER = "  ".join(f"{c:>10}" for c in EPOCH_COLUMNS)


def epoch_line(row: dict) -> str:
    """One finished epoch, as the live display prints it (and a replay again)."""
    return (f"{row['epoch']:>10}  {row['train_loss']:>10.4f}  {row['train_accuracy']:>10.1%}  "
            f"{row['test_loss']:>10.4f}  {row['test_accuracy']:>10.1%}  {row['seconds']:>10.1f}")


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
            self.console.print(Markdown(text))
            self.console.print()

    def wait(self) -> None:
        """Pause between sections: Enter continues, q quits."""
        if self.pause and self.read("[dim]Enter to continue, q to quit ›[/] ") == "q":
            raise self.leave()

    def navigate(self, count: int) -> str:
        """A pause in a page of `count` sections: '' (Enter), 'b', 'r', a section number
        or 'q' (raised as Quit); anything else asks again."""
        prompt = (f"[dim]Enter: next · b: back · r: again · 1-{count}: section · q: quit ›[/] ")
        while True:
            reply = self.read(prompt)
            if reply == "q":
                raise self.leave()
            if reply in ("", "b", "r") or (reply.isdigit() and 1 <= int(reply) <= count):
                return reply
            self.console.print(f"Press Enter, b, r, q, or a section number from 1 to {count}.")

    def source(self, *objects: object, title: str = "") -> None:
        """Show the real source of functions or classes, exactly as they run."""
        self.code("\n\n\n".join(inspect.getsource(obj).rstrip() for obj in objects), title)

    def code(self, code: str, title: str = "") -> None:
        """Code as it runs: a line stays one line (cut at the screen's edge, never wrapped
        mid-expression), and a long listing pages."""
        width = max(len(line) for line in code.splitlines()) + 4 if code else 20
        syntax = Syntax(code, "python", theme="monokai", line_numbers=False, word_wrap=False)
        cut = width > self.console.width
        subtitle = "[dim]lines cut at the screen's edge: a wider terminal shows them[/]"
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
        self.console.print(f"Figure: [link={path.as_uri()}]{path}[/link]", soft_wrap=True)
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
                more = f"[dim]more: Enter ({start + room} of {len(lines)} lines) · q: quit ›[/] "
                if self.read(more) == "q":
                    raise self.leave()
        self.console.print()

    # --- quizzes -------------------------------------------------------------------------
    def question(self, question: dict) -> None:
        lines = [f"[bold]{question['ask']}[/]", ""]
        lines += [f"  [cyan]{i}[/]. {c}" for i, c in enumerate(question["choices"], 1)]
        self.console.print(Panel("\n".join(lines), title="Quiz", border_style="magenta"))

    def choose(self, question: dict) -> int:
        """Show one question and return the 1-based choice the user typed."""
        choices = question["choices"]
        self.question(question)
        while True:
            reply = self.read(f"Your answer (1-{len(choices)}, q to quit) › ")
            if reply == "q":
                raise self.leave()
            if reply.isdigit() and 1 <= int(reply) <= len(choices):
                return int(reply)
            self.console.print(f"Type a number from 1 to {len(choices)}.")

    def explain_answer(self, question: dict, choice: int, values: dict) -> bool:
        right = right_answer(question, values)
        if choice == right:
            self.console.print("[bold green]Right.[/]", fill(question["why"], values))
        else:
            answer = question["choices"][right - 1]
            self.console.print(
                f"[bold yellow]Not quite:[/] the answer is {right}, “{answer}”.",
                fill(question["why"], values),
            )
        self.console.print()
        return choice == right

    def show_answer(self, question: dict, values: dict) -> None:
        """Teacher mode: the answer and why, with no one asked to type."""
        right = right_answer(question, values)
        self.console.print(f"[bold green]Answer: {right}[/], “{question['choices'][right - 1]}”.",
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
        self.console.print(f"[bold]Quiz: {right} of {len(questions)} right[/]\n")
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
            titles[key] = heading
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
    raise UserError(f"--from {wanted}: the lesson has no such section; its sections are "
                    f"{', '.join(f'{i} {k}' for i, k in enumerate(keys, 1))} "
                    f"(`dlcourse lesson {lesson} --help` lists them).")


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
                    self.screen.console.print(f"Section {reply} comes later in this run; "
                                              "Enter goes on.")
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
