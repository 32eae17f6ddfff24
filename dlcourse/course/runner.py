"""Running one lesson: options, run folder, seed, device, signals, metrics and the summary.

A lesson module holds its `Config` dataclass and `run(cfg, ctx)`; everything around that
(parsing, the run context, pauses, quizzes, metrics.json, Ctrl-C, the closing summary)
lives here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import importlib
import signal
from datetime import datetime
from pathlib import Path

from rich.panel import Panel
from rich.table import Table

from dlcourse.course import catalog, learner, options
from dlcourse.course.context import IMAGE_DATASETS, Context, Record, View
from dlcourse.course.explain import next_step_line
from dlcourse.course.render import (
    Screen,
    is_interactive,
    section_key,
    section_titles,
    split_sections,
)
from dlcourse.errors import Diverged, Interrupted, Quit, UserError
from dlcourse.exercises.commands import practise_lines
from dlcourse.i18n import messages, msg


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
        raise UserError(msg("runner.cannot_write", path=path,
                            error=err.strerror or err)) from None
    return path.resolve()


def option_classes(entry: catalog.Entry, module) -> tuple[type, ...]:
    extra = (options.DataOptions,) if entry.dataset else ()
    if entry.dataset in IMAGE_DATASETS:
        extra += (options.ImageOptions,)
    return (options.RunOptions, *extra, module.Config)


def print_help(entry: catalog.Entry, screen: Screen) -> None:
    module = importlib.import_module(entry.module)
    table = Table(title=f"dlcourse lesson {entry.name} [OPTIONS]", title_justify="left",
                  show_edge=False)
    for column in messages("runner.help_columns"):
        table.add_column(column)
    for row in options.describe(*option_classes(entry, module)):
        table.add_row(*row)
    screen.console.print(f"[bold]{entry.title}[/] — {entry.summary}\n")
    screen.console.print(table)
    titles = section_titles(split_sections(catalog.read_text(entry)))
    screen.console.print("\n" + msg("runner.sections"))
    for number, (key, title) in enumerate(titles.items(), 1):
        screen.console.print(f"  {number:>2}. {key}: {title}")


@contextlib.contextmanager
def signals_interrupt():
    """SIGTERM and SIGHUP (a closed terminal, `timeout`, a batch system) stop a lesson the
    way Ctrl-C does, so what finished is kept; the engine refines this while training."""
    def handler(signum, frame):
        raise Interrupted(signum)

    wanted = [signal.SIGTERM, getattr(signal, "SIGHUP", None)]
    previous = {s: signal.signal(s, handler) for s in wanted if s is not None}
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old)


def start(name: str, argv: list[str], screen: Screen | None = None) -> int:
    """Run lesson `name` with command-line `argv`; returns the process exit code."""
    entry = catalog.get("lesson", name)
    screen = screen or Screen()
    if {"-h", "--help"} & set(argv):
        print_help(entry, screen)
        return 0
    sections = split_sections(catalog.read_text(entry))
    screen.markdown(sections[""])
    with screen.console.status(msg("runner.loading")):
        module = importlib.import_module(entry.module)
    classes = option_classes(entry, module)
    parsed = dict(zip(classes, options.parse(f"dlcourse lesson {name}", argv, *classes),
                      strict=True))
    run_opts, cfg = parsed[options.RunOptions], parsed[module.Config]
    from dlcourse import device as devices

    device = devices.pick(run_opts.device)
    out = make_out(run_opts.out or default_out(name))
    interactive = is_interactive()
    screen.pause = screen.pause or (run_opts.pause and interactive)
    screen.quiz = screen.quiz or (run_opts.quiz == "ask" and interactive)
    screen.reveal = screen.reveal or run_opts.quiz == "reveal"  # types nothing: no TTY needed
    screen.images, screen.open_figures = run_opts.figures, run_opts.open_
    devices.seed_everything(run_opts.seed)
    view = View(screen, sections, catalog.read_quiz(entry),
                start_at=section_key(sections, run_opts.from_, name))
    ctx = Context(name=name, dataset=entry.dataset, seed=run_opts.seed, device=device,
                  out=out, show=view,
                  record=Record(out, transcript=view.transcript, on_figure=screen.figure),
                  data_options=parsed.get(options.DataOptions),
                  image_options=parsed.get(options.ImageOptions),
                  minutes=run_opts.minutes or entry.minutes)
    resolved = {k: v for opts in parsed.values() for k, v in dataclasses.asdict(opts).items()}
    header = {"lesson": name, "options": {**resolved, "out": str(out)}, "seed": ctx.seed,
              "device": str(device), "machine": devices.machine(device),
              "started": datetime.now().isoformat(timespec="seconds")}
    screen.console.print(msg("runner.device", device=devices.describe(device), seed=ctx.seed,
                             out=out) + "\n")
    with signals_interrupt():
        return _run(module, cfg, ctx, entry, header)


def _run(module, cfg, ctx: Context, entry: catalog.Entry, header: dict) -> int:
    console, record = ctx.show.console, ctx.record
    try:
        module.run(cfg, ctx)
    except KeyboardInterrupt as err:  # Ctrl-C, SIGTERM, SIGHUP
        record.write("interrupted", header)
        if isinstance(err, Interrupted):
            what = msg("runner.stopped_by", signal=str(err).replace("SIGINT", "Ctrl-C"))
        else:
            what = msg("runner.interrupted")
        console.print("\n" + msg("runner.kept_after", what=what, out=ctx.out))
        return err.exit_code if isinstance(err, Interrupted) else 130
    except Quit:
        record.write("quit", header)
        console.print("\n" + msg("runner.stopped", out=ctx.out))
        return 0
    except Diverged as err:
        record.final["diverged_at_step"] = err.step
        record.write("diverged", header)
        advice = split_sections(catalog.read_text(catalog.get("topic", "checklist")))
        console.print(Panel(msg("runner.diverged", error=err), border_style="red"))
        ctx.show.screen.markdown(advice["diverging"])
        kept = [p.name for p in record.files if p.suffix == ".pt" and p.exists()]
        if kept:
            console.print(msg("runner.last_good", files=", ".join(kept)))
        console.print(msg("runner.metrics_so_far", path=ctx.out / "metrics.json"))
        return err.exit_code
    metrics = record.write("complete", header)
    predictions = _closing_quiz(ctx.show, record.final)
    if not ctx.dry_run:  # a dry run proves the code runs; it is not the lesson done
        learner.record_lesson(entry.name, record.final, quiz=ctx.show.screen.quiz_score,
                              predictions=predictions)
    _summary(ctx, entry, metrics)
    return 0


def _closing_quiz(view: View, values: dict) -> tuple[int, int] | None:
    """The predictions' answers, then the rest of the quiz (its score is on the screen);
    returns (right, made) for the predictions, None when the learner quit or made none."""
    console, right = view.console, 0
    try:
        for i, choice in view.predictions.items():
            question = view.questions[i]
            if view.screen.reveal:  # teacher mode: the room predicted aloud
                console.print(msg("runner.the_prediction", ask=question["ask"]))
                view.screen.show_answer(question, values)
                continue
            console.print(msg("runner.your_prediction", ask=question["ask"]))
            console.print(msg("runner.you_chose", choice=choice,
                              answer=question["choices"][choice - 1]))
            right += view.screen.explain_answer(question, choice, values)
        if view.predictions and not view.screen.reveal:
            console.print(msg("runner.predictions", right=right,
                              count=len(view.predictions)) + "\n")
        rest = [q for i, q in enumerate(view.questions)
                if i not in view.predictions and not q.get("predict")]
        view.screen.quiz_questions(rest, values)
    except Quit:
        pass
    return (right, len(view.predictions)) if view.predictions and not view.screen.reveal else None


def _summary(ctx: Context, entry: catalog.Entry, metrics: Path) -> None:
    import time

    table = Table(show_header=False, box=None)
    for key, value in ctx.record.final.items():
        table.add_row(key, f"{value:.4g}" if isinstance(value, float) else str(value))
    table.add_row(msg("runner.seconds"), f"{time.perf_counter() - ctx.record.started:.1f}")
    files = "\n".join(f"  {p.name}" for p in [metrics, *ctx.record.files])
    ctx.show.console.print(Panel(table, title=msg("runner.done", title=entry.title),
                                 border_style="green"))
    ctx.show.console.print(msg("runner.files", out=ctx.out) + f"\n{files}")
    for line in practise_lines("lesson", entry.name):
        ctx.show.console.print(line)
    ctx.show.console.print(next_step_line(entry))
