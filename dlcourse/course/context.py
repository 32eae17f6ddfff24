"""What a lesson's run(cfg, ctx) is given: what it reads, a view to show with, a record.

- Context: the run's seed, device, run folder and typed options (read-only), and the data.
- View: everything the learner sees (sections, source, tables, quizzes, live training).
- Record: what the run leaves behind (metrics.json, figures), written by the runner.
Nothing here imports torch at module level: the runner imports it before the lesson loads.
"""

from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.live import Live
from rich.table import Table

from dlcourse.course.options import DataOptions, ImageOptions
from dlcourse.course.render import Pages, Screen, fill
from dlcourse.fileio import write_json
from dlcourse.i18n import Message, catalogue, messages, msg, saved

IMAGE_DATASETS = ("mnist", "cifar10")
# What a lesson spends outside training: starting Python and PyTorch, loading cached data,
# the speed probe and the figures take 8-15 s on a 2-core CPU (benchmarks/lesson_times.py).
# A constant, so that a plan, and a seeded run's result, never depend on the clock.
OVERHEAD = 10.0


@dataclass
class View:
    """What a lesson shows: its text section by section, real code, tables, quizzes."""

    screen: Screen
    sections: dict[str, str]
    questions: list[dict]
    predictions: dict[int, int] = field(default_factory=dict)  # question index -> choice
    # everything shown, in order, as data (metrics.json's "transcript"): what `dlcourse
    # replay` renders again without training
    transcript: list[dict] = field(default_factory=list)
    start_at: str = ""  # --from: sections before this one run without being shown

    def __post_init__(self):
        self.pages = Pages(self.screen, [key for key in self.sections if key])
        if self.start_at:
            self.console.quiet = True  # until the section --from names

    @property
    def console(self):
        return self.screen.console

    def section(self, key: str, **values) -> None:
        """One section of the lesson's text, its {{placeholders}} filled, then a pause
        where the learner may go back, see it again or jump to another (b, r, a number)."""
        self.transcript.append({"kind": "section", "key": key, "values": plain(values)})
        text = fill(self.sections[key], values)
        if key == self.start_at:
            self.console.quiet, self.start_at = False, ""
        if self.start_at:
            self.pages.shown[key] = text  # reachable with b later, not shown now
            return
        self.pages.show(key, text)

    def note(self, text: str, style: str = "", blank: bool = False) -> None:
        """One line (rich markup) in `style`; `blank` puts an empty line after it."""
        self.transcript.append({"kind": "note", "text": saved(text), "style": style,
                                "blank": blank})
        self.console.print(text, style=style or None)
        if blank:
            self.console.print()

    def source(self, *objects: object, title: str = "") -> None:
        import inspect

        code = "\n\n\n".join(inspect.getsource(obj).rstrip() for obj in objects)
        self.transcript.append({"kind": "source", "code": code, "title": saved(title)})
        self.screen.code(code, title=title)

    def model(self, model, input_shape, title: str = "") -> None:
        """The model's layers with output shapes and parameter counts."""
        from dlcourse.engine import modelinfo

        rows = [[name, kind, "×".join(map(str, shape)), f"{params:,}" if params else ""]
                for name, kind, shape, params in modelinfo.layers(model, input_shape)]
        total = sum(p.numel() for p in model.parameters())
        rows.append(["", "", msg("context.total"), f"[bold]{total:,}[/]"])
        self.table(title or type(model).__name__, messages("context.model_columns"), rows)

    def table(self, title: str, header: list[str], rows: list[list]) -> None:
        """A small table; floats get four significant digits."""
        cells = [[f"{v:.4g}" if isinstance(v, float) else v if isinstance(v, str) else str(v)
                  for v in row] for row in rows]
        self.transcript.append({"kind": "table", "title": saved(title),
                                "header": saved(list(header)), "rows": saved(cells)})
        self.screen.table(title, header, cells)

    def recipe_table(self, seed: dict, default: dict, used: dict) -> None:
        """The post's recipe beside the default one, and what this run uses."""
        def cell(value):
            return ", ".join(value) if isinstance(value, tuple) else value

        keys = list(dict.fromkeys([*seed, *default]))
        self.table(msg("context.recipes"), messages("context.recipe_columns"),
                   [[k, *(cell(d.get(k, "–")) for d in (seed, default, used))] for k in keys])

    @contextlib.contextmanager
    def live_table(self, *header: str):
        """A table that grows while training runs: call .add_row() on what this yields."""
        table = Table(*header)
        block = {"kind": "table", "title": "", "header": saved(list(header)), "rows": [],
                 "live": True}
        self.transcript.append(block)
        add_row = table.add_row

        def add_and_keep(*cells, **kwargs):
            block["rows"].append(saved([c if isinstance(c, str) else str(c) for c in cells]))
            add_row(*cells, **kwargs)

        table.add_row = add_and_keep
        try:
            with Live(table, console=self.console, refresh_per_second=8):
                yield table
        finally:
            self.console.print()

    def training(self):
        """The live display of one fit(): a progress bar per epoch and a row per epoch."""
        from dlcourse.course.progress import TrainingDisplay

        block = {"kind": "training", "rows": []}  # each epoch's history row
        self.transcript.append(block)
        return TrainingDisplay(self.console, rows=block["rows"])

    def predict(self) -> None:
        """Ask the 'predict, then see' questions; the run answers them at the end."""
        self.transcript.append({"kind": "predict"})
        if self.start_at:  # still before --from's section: nothing is shown or asked
            return
        if self.screen.reveal:  # teacher mode: the room predicts aloud; answers at the end
            for i, q in enumerate(self.questions):
                if q.get("predict"):
                    self.console.print(msg("context.predict"))
                    self.screen.question(q)
                    self.predictions[i] = 0  # no one typed a choice
            return
        if not self.screen.quiz:
            return
        for i, q in enumerate(self.questions):
            if q.get("predict"):
                self.console.print(msg("context.predict"))
                self.predictions[i] = self.screen.choose(q)
                self.console.print(msg("context.noted") + "\n")


def plain(values: dict) -> dict:
    """Section values as JSON keeps them: numbers stay numbers (so a replay formats them
    as the run did), messages stay messages (so it words them in its own language: see
    i18n.saved), anything else becomes its text."""
    def one(value):
        if isinstance(value, Message) and (value.key or value.parts):
            return saved(value)
        if value is None or isinstance(value, bool | int | float | str):
            return value
        if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:  # a 0-d tensor/array
            return value.item()
        return str(value)

    return {key: one(value) for key, value in values.items()}


@dataclass
class Record:
    """What a run leaves in its folder: metrics.json and figures."""

    out: Path
    history: list[dict] = field(default_factory=list)  # per step or per epoch
    final: dict = field(default_factory=dict)  # the run's figures, for the summary and quiz
    info: dict = field(default_factory=dict)  # more metrics.json keys (e.g. "data")
    files: list[Path] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)
    transcript: list[dict] = field(default_factory=list)  # the View's, shared
    on_figure: Any = None  # called with each saved figure's path (the screen shows it)

    FORMAT = 2  # metrics.json's layout: 2 added "transcript", which replay needs

    def log(self, **row) -> None:
        self.history.append(row)

    def figure(self, fig, name: str) -> Path:
        """Save a matplotlib figure into the run folder."""
        from dlcourse import plots

        path = plots.save(fig, self.out / name)
        self.files.append(path)
        self.transcript.append({"kind": "figure", "file": name})
        if self.on_figure is not None:
            self.on_figure(path)
        return path

    def file(self, path: Path) -> None:
        if path not in self.files:
            self.files.append(path)

    def write(self, status: str, header: dict) -> Path:
        return write_json(self.out / "metrics.json", {
            "format": self.FORMAT,
            **header,
            "status": status,
            "seconds": round(time.perf_counter() - self.started, 3),
            **self.info,
            "history": self.history,
            "final": self.final,
            "transcript": self.transcript,
        })


@dataclass(frozen=True)
class Context:
    """What a lesson reads: seed, device, run folder, typed options; and its view and record."""

    name: str
    dataset: str  # the data-layer name the catalogue gives ("" for none)
    seed: int
    device: Any  # torch.device
    out: Path
    show: View
    record: Record
    data_options: DataOptions | None = None
    image_options: ImageOptions | None = None
    minutes: float = 0.0  # the time the lesson has: --minutes, else the catalogue's

    @property
    def budget(self) -> float:
        """Seconds the lesson's training may take: its time, less what every run spends
        around training (starting, loading data, measuring speed, saving figures)."""
        return max(1.0, self.minutes * 60 - OVERHEAD)

    def count_that_fits(self, what: str, *, asked: int, post: int, seconds_each: float,
                        extra: int = 0, step: int = 10) -> int:
        """For lessons that count steps or epochs, not images: the post's `post` of them,
        or as many as fit the lesson's time at `seconds_each` (measured), with `extra` more
        that the lesson runs anyway; `asked` (0: not given) wins, with a warning when it
        runs far over. Says what it chose, and records it."""
        from dlcourse.engine.sizing import count_that_fits, duration

        count, warning = count_that_fits(asked or post, seconds_each, self.budget,
                                         given=asked > 0, extra=extra, step=step,
                                         minutes=self.minutes_for)
        if warning:
            self.show.note(warning, style="yellow", blank=True)
        elif count < post and not asked:
            # `what` is also the plan's key in metrics.json: shown in words where it has some
            word = msg(f"context.counted.{what}") if f"context.counted.{what}" in \
                catalogue("en") else what
            self.show.note(msg("context.plan", count=f"{count:,}", what=word, post=f"{post:,}",
                               time=duration(self.minutes * 60)), blank=True)
        self.record.info["plan"] = {what: count, "seconds_each": seconds_each}
        return count

    @staticmethod
    def minutes_for(seconds: float) -> float:
        """The --minutes a lesson needs to give its training `seconds` (the inverse of
        `budget`)."""
        return (seconds + OVERHEAD) / 60

    @property
    def speed_cache(self) -> Path:
        from dlcourse.device import speed_cache_path

        return speed_cache_path()

    @property
    def offline(self) -> bool:
        return bool(self.data_options and self.data_options.offline)

    @property
    def resume(self) -> Path | None:
        return self.image_options.resume if self.image_options else None

    @property
    def dry_run(self) -> bool:
        return bool(self.image_options and self.image_options.dry_run)

    def load_data(self):
        """The lesson's data set, through the data layer; where it came from is shown and
        goes to metrics.json."""
        from dlcourse.course import data_view
        from dlcourse.data import loaders

        where = {"data_dir": self.data_options.data_dir, "offline": self.offline}
        with data_view.progress(self.show.console) as progress:
            if self.dataset in IMAGE_DATASETS:
                data = loaders.load_images(self.dataset, data=self.image_options.data,
                                           progress=progress, **where)
            else:
                data = loaders.load_housing(progress=progress, **where)
        data_view.show_notices(self.show.console, data)
        self.record.info["data"] = data.provenance()
        return data

    def load_pretrained(self, weights, fallback: str):
        """The state dict of torchvision `weights`, through the data layer: from torch's
        cache, or downloaded once; else a one-sentence error that ends with `fallback`."""
        from dlcourse.course import data_view
        from dlcourse.data import loaders

        with data_view.progress(self.show.console) as progress:
            return loaders.load_pretrained(weights, offline=self.offline, progress=progress,
                                           fallback=fallback)
