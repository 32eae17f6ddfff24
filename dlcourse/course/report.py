"""`dlcourse progress`: the course path with what the learner has done and what comes next.

Light (no torch): it reads the catalogues and the progress file only.
"""

from __future__ import annotations

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from dlcourse.course import catalog, learner
from dlcourse.exercises import catalog as exercises
from dlcourse.exercises.commands import first_not_passed
from dlcourse.i18n import messages, msg


def show(console: Console) -> None:
    progress, steps, all_exercises = learner.load(), catalog.path(), exercises.load()
    table = Table(title=msg("report.title"), title_justify="left")
    for column in messages("report.columns"):
        table.add_column(column)
    for number, entry in enumerate(steps, 1):
        done = learner.step_done(progress, entry.kind, entry.name)
        kind = "lessons" if entry.kind == "lesson" else "topics"
        when = progress.get(kind, {}).get(entry.name, {}).get("last", "")[:10]
        table.add_row(str(number), "[green]✓[/]" if done else "",
                      catalog.command(entry).removeprefix("dlcourse "),
                      _result(progress, entry), when, _quiz(progress, entry),
                      _exercises(progress, entry, all_exercises))
    console.print(table)
    done = sum(learner.step_done(progress, e.kind, e.name) for e in steps)
    passed = sum(learner.exercise_state(progress, e.name) == "passed" for e in all_exercises)
    console.print(msg("report.done", done=done, steps=len(steps), passed=passed,
                      exercises=len(all_exercises)), highlight=False)
    console.print(next_lines(progress), highlight=False)
    console.print(msg("report.kept", path=escape(str(learner.path()))), highlight=False)


def next_lines(progress: dict) -> str:
    """What to do next: the first step not done after the furthest one done (else the first
    not done), and the first exercise not passed."""
    steps = catalog.path()
    done = [learner.step_done(progress, e.kind, e.name) for e in steps]
    furthest = max((i for i, d in enumerate(done) if d), default=-1)
    todo = [i for i, d in enumerate(done) if not d]
    upcoming = next((i for i in todo if i > furthest), todo[0] if todo else None)
    if upcoming is None:
        lines = [msg("report.all_done")]
    else:
        entry = steps[upcoming]
        lines = [msg("report.next_step", number=upcoming + 1, steps=len(steps),
                     command=catalog.command(entry), title=escape(entry.title))]
    exercise = first_not_passed()
    if exercise is not None:
        lines.append(msg("report.next_exercise", name=exercise.name,
                         title=escape(exercise.title)))
    return "\n".join(lines)


def _result(progress: dict, entry: catalog.Entry) -> str:
    """'test accuracy 96.9 %' (and how many runs, past one); 'read' for a page."""
    if entry.kind == "topic":
        return msg("report.read") if learner.step_done(progress, "topic", entry.name) else ""
    lesson = progress.get("lessons", {}).get(entry.name)
    if not lesson:
        return ""
    runs = " " + msg("report.runs", runs=lesson["runs"]) if lesson.get("runs", 1) > 1 else ""
    return (learner.describe_result(lesson.get("result")) or msg("report.ran")) + runs


def _quiz(progress: dict, entry: catalog.Entry) -> str:
    kind = "lessons" if entry.kind == "lesson" else "topics"
    scores = progress.get(kind, {}).get(entry.name, {})
    parts = [f"{s['right']}/{s['of']}" for s in (scores.get("quiz"),) if s]
    if scores.get("predictions"):
        p = scores["predictions"]
        parts.append(msg("report.predicted", right=p["right"], of=p["of"]))
    return " ".join(parts)


def _exercises(progress: dict, entry: catalog.Entry, every: list) -> str:
    marks = {"passed": "[green]✓[/] ", "tried": "[yellow]…[/] "}
    return ", ".join(f"{marks.get(learner.exercise_state(progress, e.name), '')}{e.name}"
                     for e in every if e.kind == entry.kind and e.step_name == entry.name)
