"""What each `dlcourse exercise` command does and shows; cli.py only parses the options.

Light at import (no torch): the check itself runs in another process (launch.py).
"""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table

from dlcourse.course import learner
from dlcourse.errors import UserError
from dlcourse.exercises import catalog, workspace
from dlcourse.exercises.catalog import Exercise

STATES = {"passed": "[green]✓ passed[/]", "tried": "[yellow]tried[/]", "started": "started",
          "not started": "[dim]not started[/]"}


def command(verb: str, name: str = "", folder: Path | None = None) -> str:
    """The command to type, with --dir when the learner uses another folder."""
    where = f" --dir {folder}" if folder is not None else ""
    return " ".join(f"dlcourse exercise {verb} {name}".split()) + where


def list_(folder: Path | None, console: Console) -> None:
    exercises, progress = catalog.load(), learner.load()
    if not exercises:
        console.print("The course has no exercises yet.")
        return
    table = Table(title="Exercises: write the code, the course checks it", title_justify="left")
    for column in ("#", "exercise", "practises", "title", "state"):
        table.add_column(column)
    for number, e in enumerate(exercises, 1):
        table.add_row(str(number), f"[bold cyan]{e.name}[/]", e.step, e.title,
                      STATES[learner.exercise_state(progress, e.name)])
    console.print(table)
    passed = sum(learner.exercise_state(progress, e.name) == "passed" for e in exercises)
    console.print(f"{passed} of {len(exercises)} passed. [bold]{command('next', '', folder)}"
                  f"[/] starts the first one not passed; files go to "
                  f"{workspace.folder(folder)}/.", highlight=False)


def start(name: str, folder: Path | None, force: bool, console: Console) -> Path:
    exercise = catalog.get(name)
    path, done = workspace.write_starter(exercise, folder, force=force)
    learner.record_start(exercise.name, path.resolve())
    _show_task(exercise, console)
    console.print(f"Your file: [bold]{escape(str(path))}[/] ({done}).", highlight=False)
    console.print(f"Edit it, then run [bold]{command('check', name, folder)}[/] (add --watch "
                  f"to check on every save); [bold]{command('hint', name, folder)}[/] when "
                  "stuck.", highlight=False)
    return path


def _show_task(exercise: Exercise, console: Console) -> None:
    number = [e.name for e in catalog.load()].index(exercise.name) + 1
    console.print(Panel(escape(reflow(exercise.task)), border_style="cyan",
                        title=f"Exercise {number}: {escape(exercise.title)}",
                        subtitle=f"practises {exercise.step}"))


def reflow(text: str) -> str:
    """The catalogue's text with its line breaks joined (blank lines kept), so the terminal
    wraps it; shown as written, not as Markdown, since code like x**2 is not emphasis."""
    return "\n\n".join(" ".join(part.split()) for part in text.strip().split("\n\n"))


def learner_file(exercise: Exercise, folder: Path | None) -> Path:
    """The learner's file, or a UserError saying to start (and where they started it)."""
    path = workspace.file_of(exercise, folder)
    if path.is_file():
        return path
    elsewhere = learner.load().get("exercises", {}).get(exercise.name, {}).get("file")
    if elsewhere and Path(elsewhere).is_file() and Path(elsewhere) != path.resolve():
        raise UserError(f"{path} does not exist: you started {exercise.name} in "
                        f"{Path(elsewhere).parent}. Pass --dir {Path(elsewhere).parent}, or "
                        "run the command from the folder holding it.")
    raise UserError(f"You have not started {exercise.name} yet: "
                    f"`{command('start', exercise.name, folder)}` writes {path} for you "
                    "to edit.")


def check(name: str, folder: Path | None, console: Console) -> bool:
    """Check once and show the verdict; True when it passed."""
    from dlcourse.exercises import launch

    exercise = catalog.get(name)
    path = learner_file(exercise, folder)
    with console.status(f"Checking {path.name}…"):
        verdict = launch.check(exercise, path)
    if not verdict.bug:
        learner.record_check(exercise.name, verdict.status, path.resolve())
    show_verdict(exercise, path, verdict, folder, console)
    return verdict.passed


def watch(name: str, folder: Path | None, console: Console) -> None:
    """Check now, then on every save, until Ctrl-C."""
    from dlcourse.exercises import watch as watcher

    exercise = catalog.get(name)
    path = learner_file(exercise, folder)

    def again() -> None:
        if console.is_terminal:
            console.clear()
        check(name, folder, console)
        console.print(f"[dim]Watching {escape(str(path))}: save to check again, Ctrl-C to "
                      "stop.[/]", highlight=False)

    try:
        again()
        watcher.on_save(path, again)
    except KeyboardInterrupt:
        console.print("\nStopped watching.")


def show_verdict(exercise: Exercise, path: Path, verdict, folder: Path | None,
                 console: Console) -> None:
    name = exercise.name
    if verdict.output.strip():
        shown = "\n".join(verdict.output.rstrip().splitlines()[-20:])
        console.print(Panel(escape(shown), title="your code printed", border_style="dim"))
    if verdict.passed:
        console.print(f"[bold green]✓ Passed:[/] {escape(exercise.title)}.", highlight=False)
        console.print(_after_passing(exercise, folder), highlight=False)
    elif verdict.bug:
        console.print(Panel(escape(verdict.message), title="bug in dlcourse", border_style="red"))
    elif verdict.status == "not-started":
        console.print(f"[bold]Not started yet:[/] edit {escape(str(path))}; its functions "
                      "still raise NotImplementedError.", highlight=False)
    else:
        title = ("✗ not yet" if verdict.status == "failed" else "✗ stopped: too slow"
                 if verdict.timed_out else "✗ your code raised an error")
        style = "yellow" if verdict.status == "failed" else "red"
        console.print(Panel(escape(verdict.message), title=title, border_style=style))
        console.print(f"Edit {escape(str(path))} and check again; "
                      f"[bold]{command('hint', name, folder)}[/] gives a hint, "
                      f"[bold]{command('solution', name, folder)}[/] the reference.",
                      highlight=False)


def _after_passing(exercise: Exercise, folder: Path | None) -> str:
    upcoming = first_not_passed()
    if upcoming is None:
        return "Every exercise of the course is passed. Well done."
    return (f"Next: [bold]{command('start', upcoming.name, folder)}[/] "
            f"({escape(upcoming.title)}).")


def first_not_passed() -> Exercise | None:
    progress = learner.load()
    return next((e for e in catalog.load()
                 if learner.exercise_state(progress, e.name) != "passed"), None)


def hint(name: str, folder: Path | None, console: Console) -> None:
    """The next hint not seen yet (and the earlier ones, dimmed, to read them together)."""
    exercise = catalog.get(name)
    hints = exercise.hints
    seen = learner.load().get("exercises", {}).get(exercise.name, {}).get("hints", 0)
    shown = min(seen + 1, len(hints))
    for i, text in enumerate(hints[:shown - 1], 1):
        console.print(f"[dim]Hint {i}: {escape(reflow(text))}[/]", highlight=False)
    console.print(Panel(escape(reflow(hints[shown - 1])), title=f"hint {shown} of {len(hints)}",
                        border_style="magenta"))
    if shown < len(hints):
        console.print(f"[dim]{command('hint', name, folder)} again gives the next one.[/]")
    else:
        console.print(f"That was the last hint; [bold]{command('solution', name, folder)}"
                      "[/] shows the reference once a check has failed.", highlight=False)
    learner.record_hint(exercise.name, shown)


def solution(name: str, folder: Path | None, force: bool, console: Console) -> None:
    exercise = catalog.get(name)
    entry = learner.load().get("exercises", {}).get(exercise.name, {})
    if not force and not entry.get("failed") and entry.get("state") != "passed":
        raise UserError(f"Try {exercise.name} first: the reference opens once a check of "
                        f"your code has failed (`{command('check', name, folder)}`). "
                        f"`{command('solution', name, folder)} --force` shows it now.")
    from rich.syntax import Syntax  # pygments: only this command needs it

    code = exercise.solution.read_text(encoding="utf-8")
    console.print(Panel(Syntax(code, "python", theme="monokai", word_wrap=True),
                        title=f"reference: {exercise.file}", border_style="cyan"))
    console.print("Compare it with yours; it is one way among several that pass.")


def next_(folder: Path | None, console: Console) -> None:
    """Start the first exercise not passed, or say where the learner's copy already is."""
    upcoming = first_not_passed()
    if upcoming is None:
        total = len(catalog.load())
        console.print(f"All {total} exercises are passed." if total
                      else "The course has no exercises yet.")
        return
    path = workspace.file_of(upcoming, folder)
    if path.is_file():
        _show_task(upcoming, console)
        console.print(f"You have started it: [bold]{escape(str(path))}[/]. Check it with "
                      f"[bold]{command('check', upcoming.name, folder)}[/] (--watch to check "
                      "on every save).", highlight=False)
        return
    start(upcoming.name, folder, False, console)


def practise_lines(kind: str, name: str) -> list[str]:
    """'Practise: dlcourse exercise start NAME: title.' for each exercise of one lesson or
    topic, for the end of its page ([] if the catalogue cannot be read: never a failure)."""
    try:
        exercises, progress = catalog.for_step(kind, name), learner.load()
    except Exception:  # noqa: BLE001 - a lesson that finished must end cleanly
        return []
    done = {"passed": " [green](✓ passed)[/]", "tried": " [yellow](tried)[/]"}
    return [f"[bold]Practise:[/] [bold cyan]{command('start', e.name)}[/]: {escape(e.title)}"
            f".{done.get(learner.exercise_state(progress, e.name), '')}" for e in exercises]
