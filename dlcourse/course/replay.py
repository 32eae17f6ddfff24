"""`dlcourse replay RUN`: a finished run shown again without training.

A run's metrics.json keeps a transcript of everything the lesson showed (sections with
their values, tables, notes, code, the epochs, the figures). Replay renders the lesson's
current text from it, paces the epoch rows so a class can watch the curves grow, and
grades the quiz against the run's own results. No torch: it starts in a blink.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from dlcourse.course import catalog
from dlcourse.course.context import Record
from dlcourse.course.render import (
    EPOCH_HEADER,
    Pages,
    Screen,
    epoch_line,
    fill,
    section_key,
    split_sections,
)
from dlcourse.errors import Quit, UserError


def reference(lesson: str) -> Path:
    """The reference run that ships with dlcourse for `lesson` (assets/reference/LESSON)."""
    return catalog.assets_dir() / "reference" / lesson


def resolve(run: str) -> Path:
    """A run folder as given, or a lesson's name for its shipped reference run."""
    path = Path(run)
    if path.exists() or run not in catalog.load()["lesson"]:
        return path
    if not (reference(run) / "metrics.json").exists():
        raise UserError(f"No reference run of '{run}' ships with this dlcourse; replay a run "
                        f"folder of your own (`dlcourse lesson {run}` makes one).")
    return reference(run)


def load(folder: Path) -> dict:
    """The run's metrics.json, checked: a folder from another lesson, an older format or a
    damaged file each get one sentence."""
    path = folder / "metrics.json" if folder.is_dir() else folder
    if not path.exists():
        raise UserError(f"{folder} holds no metrics.json: give the folder of a finished run "
                        "(its path is printed at the end of every lesson).")
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UserError(f"{path} cannot be read as a run's metrics ({err}); it may be "
                        "damaged: replay another run, or run the lesson again.") from None
    if not isinstance(run, dict) or run.get("format", 1) < Record.FORMAT:
        raise UserError(f"{path} was written by an older dlcourse that did not keep what a "
                        "replay needs; run the lesson again to make one that replays.")
    if run.get("lesson") not in catalog.load()["lesson"]:
        raise UserError(f"{path} is not from a lesson this dlcourse has "
                        f"({run.get('lesson')!r}); `dlcourse list` shows the lessons.")
    if not isinstance(run.get("transcript"), list) or not isinstance(run.get("final"), dict):
        raise UserError(f"{path} is damaged (its transcript or results are missing); replay "
                        "another run, or run the lesson again.")
    return run


def show(folder: Path, *, screen: Screen, pace: float = 0.0, lesson: str | None = None,
         start: str = "") -> int:
    """Render the run in `folder` from section `start` (a key; '' for the beginning), with
    `pace` seconds between epoch rows. Returns the exit code."""
    run = load(folder)
    if lesson is not None and run["lesson"] != lesson:
        raise UserError(f"{folder} is a run of '{run['lesson']}', not '{lesson}'; replay it "
                        f"with `dlcourse replay {folder}`.")
    entry = catalog.get("lesson", run["lesson"])
    sections = split_sections(catalog.read_text(entry))
    start = section_key(sections, start, entry.name)
    questions = catalog.read_quiz(entry)
    console = screen.console
    folder = folder if folder.is_dir() else folder.parent
    screen.markdown(sections[""])
    machine = run.get("machine", {})
    hardware = machine.get("gpu") or machine.get("cpu") or run.get("device", "?")
    when = f", {run['started'][:10]}" if run.get("started") else ""
    console.print(f"[bold]Replay[/] of a {run.get('status', 'finished')} run on {hardware}"
                  f"{when}: seed {run.get('seed', '?')}, {run.get('seconds', 0):.0f} s, "
                  f"from {folder}\n")
    pages = Pages(screen, [key for key in sections if key], ahead=True)
    predictions: dict[int, int] = {}
    skip_to = start  # a section asked for ahead (--from, or a number at a pause)
    try:
        for block in run["transcript"]:
            if block.get("kind") == "section":
                text = fill(sections[block["key"]], block["values"])
                if skip_to and block["key"] != skip_to:
                    pages.shown[block["key"]] = text  # reachable with b, not shown now
                    continue
                skip_to = pages.show(block["key"], text) or ""
                continue
            if skip_to:
                continue
            _render(block, screen, folder, pace)
            if block["kind"] == "predict" and screen.reveal:
                for i, q in enumerate(questions):
                    if q.get("predict"):
                        console.print("[bold magenta]Predict before the run:[/]")
                        screen.question(q)
                        predictions[i] = 0
            elif block["kind"] == "predict" and screen.quiz:
                for i, q in enumerate(questions):
                    if q.get("predict"):
                        console.print("[bold magenta]Predict before the run:[/]")
                        predictions[i] = screen.choose(q)
        for i, choice in predictions.items():
            who = "The" if screen.reveal else "Your"  # teacher mode: the room predicted aloud
            console.print(f"[bold magenta]{who} prediction:[/] {questions[i]['ask']}")
            if screen.reveal:
                screen.show_answer(questions[i], run["final"])
            else:
                screen.explain_answer(questions[i], choice, run["final"])
        rest = [q for i, q in enumerate(questions) if i not in predictions
                and not q.get("predict")]
        screen.quiz_questions(rest, run["final"])
    except Quit:
        return 0
    except KeyError as err:  # a placeholder the saved run has no value for
        raise UserError(f"{folder} does not match this version of the '{entry.name}' text "
                        f"({err.args[0]}); run the lesson again to replay it.") from None
    console.print(f"Replayed from [bold]{folder}[/]: its figures are there.")
    return 0


def _render(block: dict, screen: Screen, folder: Path, pace: float) -> None:
    kind, console = block.get("kind"), screen.console
    if kind == "note":
        console.print(block["text"])
    elif kind == "source":
        screen.code(block["code"], block.get("title", ""))
    elif kind == "table":
        rows = block["rows"]
        if block.get("live") and pace:  # the live table, grown again row by row
            console.print("  ".join(block["header"]), style="bold")
            for row in rows:
                time.sleep(pace)
                console.print("  ".join(row))
            console.print()
        else:
            screen.table(block["title"], block["header"], rows)
    elif kind == "training":
        console.print(EPOCH_HEADER, style="bold")
        for row in block["rows"]:
            time.sleep(pace)
            console.print(epoch_line(row))
        console.print()
    elif kind == "figure":
        path = folder / block["file"]
        if path.exists():
            screen.figure(path)
        else:
            console.print(f"Figure {block['file']}: [yellow]missing from {folder}[/]")
