"""`dlcourse explain TOPIC`: render a concept page, its numbers computed as it renders.

A topic's optional module offers `values()` (the numbers its text quotes, computed with
the standard library only, so explain starts instantly) and may offer `plot(folder)`.
"""

from __future__ import annotations

import importlib
from datetime import datetime
from pathlib import Path

from dlcourse.course import catalog
from dlcourse.course.render import Screen, fill, is_interactive, split_sections
from dlcourse.errors import Quit, UserError
from dlcourse.i18n import msg


def next_step_line(entry: catalog.Entry) -> str:
    """'Next on the course path: ...', or where to go once it is all done."""
    step = catalog.next_step(entry)
    if step is None:
        return msg("explain.last_step")
    number, after = step
    return msg("explain.next_step", number=number, steps=len(catalog.path()),
               command=catalog.command(after), title=after.title)


def page_values(entry: catalog.Entry) -> dict:
    if not entry.module:
        return {}
    return importlib.import_module(entry.module).values()


def show(name: str, *, plot: bool = False, out: Path | None = None, pause: bool = True,
         quiz: bool = True, screen: Screen | None = None) -> int:
    """Render topic `name`; returns the exit code."""
    entry = catalog.get("topic", name)
    module = importlib.import_module(entry.module) if entry.module else None
    if plot and not hasattr(module, "plot"):
        raise UserError(msg("explain.no_figure", name=name))
    interactive = is_interactive()
    screen = screen or Screen(pause=pause and interactive, quiz=quiz and interactive)
    values = page_values(entry)
    sections = split_sections(catalog.read_text(entry))
    try:
        for i, text in enumerate(sections.values()):
            screen.markdown(fill(text, values))
            if 0 < i < len(sections) - 1:
                screen.wait()
        screen.quiz_questions(catalog.read_quiz(entry), values)
    except Quit:
        return 0
    screen.console.print(next_step_line(entry))
    if plot:
        from dlcourse.course.runner import make_out

        folder = make_out(out or Path("dlcourse-runs") / f"explain-{name}"
                          / datetime.now().strftime("%Y%m%d-%H%M%S"))
        screen.console.print(msg("explain.figure_saved", path=module.plot(folder)))
    return 0
