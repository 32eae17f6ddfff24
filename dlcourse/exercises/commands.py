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
from dlcourse.i18n import messages, msg

# learner.exercise_state() -> how `exercise list` shows it (exercises.commands.state_*)
STATES = {"passed": "state_passed", "tried": "state_tried", "started": "state_started",
          "not started": "state_not_started"}


def state(name: str) -> str:
    """An exercise's state as the list shows it, in the active language."""
    return msg(f"exercises.commands.{STATES[name]}")


def command(verb: str, name: str = "", folder: Path | None = None) -> str:
    """The command to type, with --dir when the learner uses another folder."""
    where = f" --dir {folder}" if folder is not None else ""
    return " ".join(f"dlcourse exercise {verb} {name}".split()) + where


def list_(folder: Path | None, console: Console) -> None:
    exercises, progress = catalog.load(), learner.load()
    if not exercises:
        console.print(msg("exercises.commands.none_yet"))
        return
    table = Table(title=msg("exercises.commands.list_title"), title_justify="left")
    for column in messages("exercises.commands.list_columns"):
        table.add_column(column)
    for number, e in enumerate(exercises, 1):
        table.add_row(str(number), f"[bold cyan]{e.name}[/]", e.step, e.title,
                      state(learner.exercise_state(progress, e.name)))
    console.print(table)
    passed = sum(learner.exercise_state(progress, e.name) == "passed" for e in exercises)
    console.print(msg("exercises.commands.list_summary", passed=passed, total=len(exercises),
                      command=command('next', '', folder), folder=workspace.folder(folder)),
                  highlight=False)


def start(name: str, folder: Path | None, force: bool, console: Console) -> Path:
    exercise = catalog.get(name)
    path, done = workspace.write_starter(exercise, folder, force=force)
    learner.record_start(exercise.name, path.resolve())
    _show_task(exercise, console)
    console.print(msg("exercises.commands.your_file", path=escape(str(path)), done=done),
                  highlight=False)
    console.print(msg("exercises.commands.edit_then_check", check=command('check', name, folder),
                      hint=command('hint', name, folder)), highlight=False)
    return path


def _show_task(exercise: Exercise, console: Console) -> None:
    number = [e.name for e in catalog.load()].index(exercise.name) + 1
    console.print(Panel(escape(reflow(exercise.task)), border_style="cyan",
                        title=msg("exercises.commands.task_title", number=number,
                                  title=escape(exercise.title)),
                        subtitle=msg("exercises.commands.task_practises", step=exercise.step)))


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
        raise UserError(msg("exercises.commands.started_elsewhere", path=path,
                            name=exercise.name, folder=Path(elsewhere).parent))
    raise UserError(msg("exercises.commands.not_started_yet", name=exercise.name, path=path,
                        command=command('start', exercise.name, folder)))


def check(name: str, folder: Path | None, console: Console) -> bool:
    """Check once and show the verdict; True when it passed."""
    from dlcourse.exercises import launch

    exercise = catalog.get(name)
    path = learner_file(exercise, folder)
    with console.status(msg("exercises.commands.checking", file=path.name)):
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
        console.print(msg("exercises.commands.watching", path=escape(str(path))),
                      highlight=False)

    try:
        again()
        watcher.on_save(path, again)
    except KeyboardInterrupt:
        console.print("\n" + msg("exercises.commands.stopped_watching"))


def show_verdict(exercise: Exercise, path: Path, verdict, folder: Path | None,
                 console: Console) -> None:
    name = exercise.name
    if verdict.output.strip():
        shown = "\n".join(verdict.output.rstrip().splitlines()[-20:])
        console.print(Panel(escape(shown), title=msg("exercises.commands.printed"),
                            border_style="dim"))
    if verdict.passed:
        console.print(msg("exercises.commands.passed", title=escape(exercise.title)),
                      highlight=False)
        console.print(_after_passing(exercise, folder), highlight=False)
    elif verdict.bug:
        console.print(Panel(escape(verdict.message), title=msg("exercises.commands.bug"),
                            border_style="red"))
    elif verdict.status == "not-started":
        console.print(msg("exercises.commands.not_started", path=escape(str(path))),
                      highlight=False)
    else:
        title = msg("exercises.commands.failed" if verdict.status == "failed" else
                    "exercises.commands.too_slow" if verdict.timed_out else
                    "exercises.commands.raised")
        style = "yellow" if verdict.status == "failed" else "red"
        console.print(Panel(escape(verdict.message), title=title, border_style=style))
        console.print(msg("exercises.commands.check_again", path=escape(str(path)),
                          hint=command('hint', name, folder),
                          solution=command('solution', name, folder)), highlight=False)


def _after_passing(exercise: Exercise, folder: Path | None) -> str:
    upcoming = first_not_passed()
    if upcoming is None:
        return msg("exercises.commands.all_passed")
    return msg("exercises.commands.next", command=command('start', upcoming.name, folder),
               title=escape(upcoming.title))


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
        console.print(msg("exercises.commands.earlier_hint", number=i,
                          text=escape(reflow(text))), highlight=False)
    console.print(Panel(escape(reflow(hints[shown - 1])),
                        title=msg("exercises.commands.hint_title", number=shown,
                                  total=len(hints)), border_style="magenta"))
    if shown < len(hints):
        console.print(msg("exercises.commands.next_hint", command=command('hint', name, folder)))
    else:
        console.print(msg("exercises.commands.last_hint",
                          command=command('solution', name, folder)), highlight=False)
    learner.record_hint(exercise.name, shown)


def solution(name: str, folder: Path | None, force: bool, console: Console) -> None:
    exercise = catalog.get(name)
    entry = learner.load().get("exercises", {}).get(exercise.name, {})
    if not force and not entry.get("failed") and entry.get("state") != "passed":
        raise UserError(msg("exercises.commands.try_first", name=exercise.name,
                            check=command('check', name, folder),
                            solution=command('solution', name, folder)))
    from rich.syntax import Syntax  # pygments: only this command needs it

    code = exercise.solution.read_text(encoding="utf-8")
    console.print(Panel(Syntax(code, "python", theme="monokai", word_wrap=True),
                        title=msg("exercises.commands.reference", file=exercise.file),
                        border_style="cyan"))
    console.print(msg("exercises.commands.compare"))


def next_(folder: Path | None, console: Console) -> None:
    """Start the first exercise not passed, or say where the learner's copy already is."""
    upcoming = first_not_passed()
    if upcoming is None:
        total = len(catalog.load())
        console.print(msg("exercises.commands.all_n_passed", total=total) if total
                      else msg("exercises.commands.none_yet"))
        return
    path = workspace.file_of(upcoming, folder)
    if path.is_file():
        _show_task(upcoming, console)
        console.print(msg("exercises.commands.started_it", path=escape(str(path)),
                          command=command('check', upcoming.name, folder)), highlight=False)
        return
    start(upcoming.name, folder, False, console)


def practise_lines(kind: str, name: str) -> list[str]:
    """'Practise: dlcourse exercise start NAME: title.' for each exercise of one lesson or
    topic, for the end of its page ([] if the catalogue cannot be read: never a failure)."""
    try:
        exercises, progress = catalog.for_step(kind, name), learner.load()
    except Exception:  # noqa: BLE001 - a lesson that finished must end cleanly
        return []
    done = {"passed": msg("exercises.commands.practise_passed"),
            "tried": msg("exercises.commands.practise_tried")}
    return [msg("exercises.commands.practise", command=command('start', e.name),
                title=escape(e.title), state=done.get(learner.exercise_state(progress, e.name),
                                                      "")) for e in exercises]
