"""Running one lesson: options, run folder, seed, device, sections, metrics and the summary.

A lesson module holds its `Config` dataclass and `run(cfg, lesson)`; everything around
that (parsing, pausing, quizzes, metrics.json, Ctrl-C, the closing summary) lives here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from rich.live import Live
from rich.panel import Panel
from rich.table import Table

from dlcourse.course import catalog, options
from dlcourse.course.render import Screen, fill, is_interactive, split_sections
from dlcourse.errors import Quit, UserError
from dlcourse.fileio import write_json

EXIT_DIVERGED, EXIT_INTERRUPTED = 1, 130


class Diverged(Exception):  # noqa: N818 - an outcome of training, named for the user
    """The loss blew up (nan, inf, or far above where it started)."""

    def __init__(self, step: int, loss: float):
        super().__init__(f"the loss reached {loss:.3g} at step {step}")
        self.step, self.loss = step, loss


@dataclasses.dataclass
class Lesson:
    """What a lesson's run() talks to: the screen, its text, its run folder and metrics."""

    entry: catalog.Entry
    screen: Screen
    out: Path
    seed: int
    device: Any  # torch.device
    options: dict  # every resolved option, as written to metrics.json
    sections: dict[str, str]
    questions: list[dict]
    history: list[dict] = dataclasses.field(default_factory=list)
    final: dict = dataclasses.field(default_factory=dict)
    info: dict = dataclasses.field(default_factory=dict)  # extra metrics.json keys
    files: list[Path] = dataclasses.field(default_factory=list)
    predictions: dict[int, int] = dataclasses.field(default_factory=dict)
    started: float = dataclasses.field(default_factory=time.perf_counter)

    @property
    def console(self):
        return self.screen.console

    def section(self, key: str, **values) -> None:
        """Show one section of the lesson's text, its {{placeholders}} filled, then pause."""
        self.screen.markdown(fill(self.sections[key], values))
        self.screen.wait()

    def show_source(self, *objects: object, title: str = "") -> None:
        self.screen.source(*objects, title=title)

    def show_model(self, model, input_shape, title: str = "") -> None:
        """The model's layers with output shapes and parameter counts, then its source."""
        from dlcourse.engine import modelinfo

        table = Table("layer", "type", "output shape", "parameters",
                      title=title or type(model).__name__, title_justify="left")
        for name, kind, shape, params in modelinfo.layers(model, input_shape):
            table.add_row(name, kind, "×".join(map(str, shape)), f"{params:,}" if params else "")
        total = sum(p.numel() for p in model.parameters())
        table.add_row("", "", "total", f"[bold]{total:,}[/]")
        self.console.print(table)
        self.console.print()

    def image_grid(self, images, titles, name: str, title: str = "") -> Path:
        """Save a grid of uint8 images with captions as a PNG in the run folder."""
        from dlcourse import plots

        path = self.save_figure(plots.image_grid(images.cpu(), titles, title=title), name)
        self.console.print(f"[dim]Saved {path.name}[/]")
        return path

    def recipe_table(self, seed: dict, default: dict, used: dict) -> None:
        """The post's recipe beside the default one, and what this run uses."""
        keys = list(dict.fromkeys([*seed, *default]))
        rows = [[k, seed.get(k, "–"), default.get(k, "–"), used.get(k, "–")] for k in keys]
        self.table("recipes", ["", "the post's (--recipe seed)", "default", "this run"],
                   [[k, *(", ".join(v) if isinstance(v, tuple) else v for v in rest)]
                    for k, *rest in rows])

    def predict(self) -> None:
        """Ask the 'predict, then see' questions; the run answers them at the end."""
        if not self.screen.quiz:
            return
        for i, q in enumerate(self.questions):
            if q.get("predict"):
                self.console.print("[bold magenta]Predict before the run:[/]")
                self.predictions[i] = self.screen.choose(q)
                self.console.print("Noted. The run will tell.\n")

    def load_data(self):
        """The lesson's data set, through the data layer; provenance goes to metrics.json."""
        from dlcourse.data import loaders

        where = {"data_dir": self.options["data_dir"], "offline": self.options["offline"],
                 "console": self.console}
        if self.entry.dataset in IMAGE_DATASETS:
            data = loaders.load_images(self.entry.dataset, data=self.options["data"], **where)
        else:
            data = loaders.load_housing(**where)
        self.info["data"] = data.provenance()
        return data

    def log(self, **row) -> None:
        self.history.append(row)

    def table(self, title: str, header: list[str], rows: list[list]) -> None:
        """Print a small table; floats get four significant digits."""
        table = Table(*header, title=title, title_justify="left")
        for row in rows:
            table.add_row(*(f"{v:.4g}" if isinstance(v, float) else str(v) for v in row))
        self.console.print(table)
        self.console.print()

    @contextlib.contextmanager
    def live_table(self, *header: str):
        """A table that grows while training runs: call .add_row() on what this yields."""
        table = Table(*header)
        try:
            with Live(table, console=self.console, refresh_per_second=8):
                yield table
        finally:
            self.console.print()

    def save_figure(self, fig, name: str) -> Path:
        from dlcourse import plots

        path = plots.save(fig, self.out / name)
        self.files.append(path)
        return path

    def write_metrics(self, status: str) -> Path:
        return write_json(self.out / "metrics.json", {
            "lesson": self.entry.name,
            "status": status,
            "options": self.options,
            "seed": self.seed,
            "device": str(self.device),
            "seconds": round(time.perf_counter() - self.started, 3),
            **self.info,
            "history": self.history,
            "final": self.final,
        })


def default_out(name: str) -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = Path("dlcourse-runs") / name / stamp
    out, n = base, 1
    while out.exists():
        n += 1
        out = base.with_name(f"{stamp}-{n}")
    return out


def make_out(path: Path) -> Path:
    """Create the run folder, or explain in one sentence why it cannot be written."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as err:
        raise UserError(f"Cannot write the run folder {path} ({err.strerror or err}). "
                        "Pass --out with a folder you can write to.") from None
    return path.resolve()


IMAGE_DATASETS = ("mnist", "cifar10")


def option_classes(entry: catalog.Entry, module) -> tuple[type, ...]:
    extra = (options.DataOptions,) if entry.dataset else ()
    if entry.dataset in IMAGE_DATASETS:
        extra += (options.ImageOptions,)
    return (options.RunOptions, *extra, module.Config)


def print_help(entry: catalog.Entry, screen: Screen) -> None:
    module = importlib.import_module(entry.module)
    table = Table(title=f"dlcourse lesson {entry.name} [OPTIONS]", title_justify="left",
                  show_edge=False)
    for column in ("option", "default", "what it does"):
        table.add_column(column)
    for row in options.describe(*option_classes(entry, module)):
        table.add_row(*row)
    screen.console.print(f"[bold]{entry.title}[/] — {entry.summary}\n")
    screen.console.print(table)


def start(name: str, argv: list[str], screen: Screen | None = None) -> int:
    """Run lesson `name` with command-line `argv`; returns the process exit code."""
    entry = catalog.get("lesson", name)
    screen = screen or Screen()
    if {"-h", "--help"} & set(argv):
        print_help(entry, screen)
        return 0
    sections = split_sections(catalog.read_text(entry))
    screen.markdown(sections[""])
    with screen.console.status("Loading PyTorch…"):
        module = importlib.import_module(entry.module)
    run_opts, *rest = options.parse(f"dlcourse lesson {name}", argv, *option_classes(entry, module))
    cfg = rest[-1]
    from dlcourse import device as devices

    device = devices.pick(run_opts.device)
    out = make_out(run_opts.out or default_out(name))
    interactive = is_interactive()
    screen.pause = screen.pause or (run_opts.pause and interactive)
    screen.quiz = screen.quiz or (run_opts.quiz and interactive)
    devices.seed_everything(run_opts.seed)
    resolved = {k: v for opts in (run_opts, *rest) for k, v in dataclasses.asdict(opts).items()}
    resolved["out"] = str(out)
    lesson = Lesson(entry=entry, screen=screen, out=out, seed=run_opts.seed, device=device,
                    options=resolved, sections=sections, questions=catalog.read_quiz(entry))
    screen.console.print(f"Device: [bold]{devices.describe(device)}[/] · seed {run_opts.seed}"
                         f" · run folder {out}\n")
    return _run(module, cfg, lesson)


def _run(module, cfg, lesson: Lesson) -> int:
    console = lesson.console
    try:
        module.run(cfg, lesson)
    except KeyboardInterrupt:
        lesson.write_metrics("interrupted")
        console.print(f"\n[yellow]Interrupted.[/] What finished is kept in {lesson.out}")
        return EXIT_INTERRUPTED
    except Quit:
        lesson.write_metrics("quit")
        console.print(f"\nStopped. What finished is kept in {lesson.out}")
        return 0
    except Diverged as err:
        lesson.final["diverged_at_step"] = err.step
        lesson.write_metrics("diverged")
        advice = split_sections(catalog.read_text(catalog.get("topic", "checklist")))
        console.print(Panel(f"Training stopped early: {err}.", border_style="red"))
        lesson.screen.markdown(advice["diverging"])
        console.print(f"Metrics so far: {lesson.out / 'metrics.json'}")
        return EXIT_DIVERGED
    metrics = lesson.write_metrics("complete")
    try:
        _closing_quiz(lesson)
    except Quit:
        pass
    _summary(lesson, metrics)
    return 0


def _closing_quiz(lesson: Lesson) -> None:
    values = {**lesson.final}
    screen = lesson.screen
    for i, choice in lesson.predictions.items():
        console = lesson.console
        console.print(f"[bold magenta]Your prediction:[/] {lesson.questions[i]['ask']}")
        console.print(f"You chose {choice}, “{lesson.questions[i]['choices'][choice - 1]}”.")
        screen.explain_answer(lesson.questions[i], choice, values)
    rest = [q for i, q in enumerate(lesson.questions) if i not in lesson.predictions
            and not q.get("predict")]
    screen.quiz_questions(rest, values)


def _summary(lesson: Lesson, metrics: Path) -> None:
    table = Table(show_header=False, box=None)
    for key, value in lesson.final.items():
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    table.add_row("seconds", f"{time.perf_counter() - lesson.started:.1f}")
    files = "\n".join(f"  {p.name}" for p in [metrics, *lesson.files])
    lesson.console.print(Panel(table, title=f"{lesson.entry.title}: done", border_style="green"))
    lesson.console.print(f"Files in [bold]{lesson.out}[/]:\n{files}")
