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
    Pages,
    Screen,
    epoch_header,
    epoch_line,
    fill,
    section_key,
    split_sections,
)
from dlcourse.engine.sizing import duration
from dlcourse.errors import Quit, UserError
from dlcourse.i18n import catalogue, msg, shown


def reference(lesson: str) -> Path:
    """The reference run that ships with dlcourse for `lesson` (assets/reference/LESSON)."""
    return catalog.assets_dir() / "reference" / lesson


def resolve(run: str) -> Path:
    """A run folder as given, or a lesson's name for its shipped reference run."""
    path = Path(run)
    if path.exists() or run not in catalog.load()["lesson"]:
        return path
    if not (reference(run) / "metrics.json").exists():
        raise UserError(msg("replay.no_reference", lesson=run))
    return reference(run)


def load(folder: Path) -> dict:
    """The run's metrics.json, checked: a folder from another lesson, an older format or a
    damaged file each get one sentence."""
    path = folder / "metrics.json" if folder.is_dir() else folder
    if not path.exists():
        raise UserError(msg("replay.no_metrics", folder=folder))
    try:
        run = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise UserError(msg("replay.unreadable", path=path, error=err)) from None
    if not isinstance(run, dict) or run.get("format", 1) < Record.FORMAT:
        raise UserError(msg("replay.older", path=path))
    if run.get("lesson") not in catalog.load()["lesson"]:
        raise UserError(msg("replay.not_a_lesson", path=path, lesson=repr(run.get("lesson"))))
    if not isinstance(run.get("transcript"), list) or not isinstance(run.get("final"), dict):
        raise UserError(msg("replay.damaged", path=path))
    return run


def show(folder: Path, *, screen: Screen, pace: float = 0.0, lesson: str | None = None,
         start: str = "") -> int:
    """Render the run in `folder` from section `start` (a key; '' for the beginning), with
    `pace` seconds between epoch rows. Returns the exit code."""
    run = load(folder)
    if lesson is not None and run["lesson"] != lesson:
        raise UserError(msg("replay.other_lesson", folder=folder, lesson=run["lesson"],
                            wanted=lesson))
    entry = catalog.get("lesson", run["lesson"])
    sections = split_sections(catalog.read_text(entry))
    start = section_key(sections, start, entry.name)
    questions = catalog.read_quiz(entry)
    console = screen.console
    folder = folder if folder.is_dir() else folder.parent
    screen.markdown(sections[""])
    machine = run.get("machine", {})
    hardware = machine.get("gpu") or machine.get("cpu") or run.get("device", "?")
    status = run.get("status", "finished")  # as metrics.json has it: shown in words
    facts = dict(status=msg(f"replay.status.{status}") if f"replay.status.{status}"
                 in catalogue("en") else status, hardware=hardware, seed=run.get("seed", "?"),
                 time=duration(run.get("seconds", 0)), folder=folder)
    if run.get("started"):
        console.print(msg("replay.header_dated", date=run["started"][:10], **facts) + "\n")
    else:
        console.print(msg("replay.header", **facts) + "\n")
    pages = Pages(screen, [key for key in sections if key], ahead=True)
    predictions: dict[int, int] = {}
    skip_to = start  # a section asked for ahead (--from, or a number at a pause)
    try:
        for block in run["transcript"]:
            if block.get("kind") == "section":
                values = {key: shown(value) for key, value in block["values"].items()}
                text = fill(sections[block["key"]], values)
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
                        console.print(msg("replay.predict"))
                        screen.question(q)
                        predictions[i] = 0
            elif block["kind"] == "predict" and screen.quiz:
                for i, q in enumerate(questions):
                    if q.get("predict"):
                        console.print(msg("replay.predict"))
                        predictions[i] = screen.choose(q)
        for i, choice in predictions.items():
            # teacher mode: the room predicted aloud
            who = "replay.the_prediction" if screen.reveal else "replay.your_prediction"
            console.print(msg(who, ask=questions[i]["ask"]))
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
        raise UserError(msg("replay.mismatch", folder=folder, lesson=entry.name,
                            error=err.args[0])) from None
    console.print(msg("replay.done", folder=folder))
    return 0


def _render(block: dict, screen: Screen, folder: Path, pace: float) -> None:
    kind, console = block.get("kind"), screen.console
    if kind == "note":
        console.print(shown(block["text"]), style=block.get("style") or None)
        if block.get("blank"):
            console.print()
    elif kind == "source":
        screen.code(block["code"], shown(block.get("title", "")))
    elif kind == "table":
        rows, header = shown(block["rows"]), shown(block["header"])
        if block.get("live") and pace:  # the live table, grown again row by row
            console.print("  ".join(header), style="bold")
            for row in rows:
                time.sleep(pace)
                console.print("  ".join(row))
            console.print()
        else:
            screen.table(shown(block["title"]), header, rows)
    elif kind == "training":
        console.print(epoch_header(), style="bold")
        for row in block["rows"]:
            time.sleep(pace)
            console.print(epoch_line(row))
        console.print()
    elif kind == "figure":
        path = folder / block["file"]
        if path.exists():
            screen.figure(path)
        else:
            console.print(msg("replay.missing_figure", file=block["file"], folder=folder))
