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
from rich.syntax import Syntax

from dlcourse.errors import Quit

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


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


@dataclass
class Screen:
    """The terminal: prints rich output and, when interactive, pauses and asks quizzes."""

    console: Console = field(default_factory=Console)
    pause: bool = False  # wait for Enter between sections
    quiz: bool = False  # ask the multiple-choice questions
    ask: Callable[[str], str] | None = None  # reads one line; None means console.input

    def read(self, prompt: str) -> str:
        try:
            reply = self.ask(prompt) if self.ask else self.console.input(prompt)
        except EOFError:
            raise Quit from None
        return reply.strip().lower()

    def markdown(self, text: str) -> None:
        if text:
            self.console.print(Markdown(text))
            self.console.print()

    def wait(self) -> None:
        """Pause between sections: Enter continues, q quits."""
        if self.pause and self.read("[dim]Enter to continue, q to quit ›[/] ") == "q":
            raise Quit

    def source(self, *objects: object, title: str = "") -> None:
        """Show the real source of functions or classes, exactly as they run."""
        code = "\n\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
        syntax = Syntax(code, "python", theme="monokai", line_numbers=False, word_wrap=True)
        self.console.print(Panel(syntax, title=title or None, border_style="cyan"))
        self.console.print()

    # --- quizzes -------------------------------------------------------------------------
    def choose(self, question: dict) -> int:
        """Show one question and return the 1-based choice the user typed."""
        choices = question["choices"]
        lines = [f"[bold]{question['ask']}[/]", ""]
        lines += [f"  [cyan]{i}[/]. {choice}" for i, choice in enumerate(choices, 1)]
        self.console.print(Panel("\n".join(lines), title="Quiz", border_style="magenta"))
        while True:
            reply = self.read(f"Your answer (1-{len(choices)}, q to quit) › ")
            if reply == "q":
                raise Quit
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

    def quiz_questions(self, questions: list[dict], values: dict) -> int:
        """Ask each question, explain the answer; returns how many were right."""
        if not self.quiz:
            return 0
        return sum(self.explain_answer(q, self.choose(q), values) for q in questions)


def right_answer(question: dict, values: dict) -> int:
    """The 1-based right choice: fixed (`answer`), or computed by the run when the answer
    depends on it (`answer_from` names the value that holds it; `answer` is then the one
    under default options, used before the run has computed its own)."""
    computed = values.get(question.get("answer_from", ""))
    return int(computed) if computed is not None else question["answer"]
