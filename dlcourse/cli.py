"""The `dlcourse` command: a thin Typer app. Heavy imports happen inside the commands."""

from __future__ import annotations

import enum
import io
import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from dlcourse import i18n
from dlcourse.course import catalog
from dlcourse.errors import UserError

try:  # recent typer vendors click; older releases raise click's own usage errors
    from typer import TyperException as _ClickError
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import ClickException as _ClickError

EXIT_BUG = 1
# How click stops a command on purpose (an exit code, Ctrl-D at a prompt, a usage error it
# prints itself): never a bug, so the last-resort handler lets them through untouched.
_CLICK_STOPS = (typer.Exit, typer.Abort, _ClickError)


def _take_language(args: list[str]) -> list[str]:
    """Set the language from `--lang ko|en` (or `--lang=ko`) anywhere on the command line,
    and return the arguments without it: every command, and every lesson, takes it."""
    rest, args = [], list(args)
    while args:
        arg = args.pop(0)
        if arg == "--lang" or arg.startswith("--lang="):
            value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else "")
            if value not in i18n.LANGUAGES:
                raise UserError(i18n.msg("cli.bad_lang", value=value or "(none)"))
            i18n.set_language(value)
        else:
            rest.append(arg)
    return rest


def _localize_help(command, path: tuple[str, ...] = ()) -> None:
    """Put the active language's help on `command` and every command under it. English
    keeps the code's own texts (locale/en/help.toml copies them, and a test keeps the copy
    equal); Korean takes locale/ko/help.toml."""
    key = ".".join(path) or "dlcourse"
    command.help = i18n.msg(f"help.command.{key}")
    command.short_help = None  # derived again from the translated help
    for param in command.params:
        if getattr(param, "help", None):
            param.help = i18n.msg(f"help.option.{key}.{param.name}")
    click_help_option = command.get_help_option  # click makes --help's own text lazily

    def get_help_option(ctx):
        option = click_help_option(ctx)
        if option is not None:
            option.help = i18n.msg("cli.help_option")
        return option

    command.get_help_option = get_help_option
    for name, sub in getattr(command, "commands", {}).items():
        _localize_help(sub, (*path, name))


class _Group(TyperGroup):
    """Turns the errors a user can fix into one paragraph and exit code 2, Ctrl-C into
    exit code 130, and a bug into one paragraph, a crash file and exit code 1, for every
    command (CliRunner tests go through here too). Every command takes --lang."""

    def main(self, args=None, **kwargs):
        i18n.set_language(None)  # each invocation starts from the environment's language
        try:
            args = _take_language(sys.argv[1:] if args is None else args)
        except UserError as err:
            Console(stderr=True).print(f"[bold red]{i18n.msg('cli.error')}[/] {err}",
                                       highlight=False)
            sys.exit(err.exit_code)
        if i18n.language() != "en":
            _localize_help(self)
        try:
            return super().main(args, **kwargs)
        finally:  # in-process callers (tests, a notebook) get their language back
            i18n.set_language(None)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as err:
            Console(stderr=True).print(f"[bold red]{i18n.msg('cli.error')}[/] {err}",
                                       highlight=False)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt as err:  # Ctrl-C (130), or SIGTERM / SIGHUP (128 + signal)
            Console(stderr=True).print("\n" + i18n.msg("cli.interrupted"))
            raise typer.Exit(getattr(err, "exit_code", 130)) from None
        except _CLICK_STOPS:
            raise
        except BrokenPipeError:  # the reader went away (`dlcourse list | head`): not a bug;
            raise  # click quiets the pipe and exits 1, as it does for a late flush
        except Exception as err:
            if _debugging():  # the developer wants the traceback itself
                raise
            _report_bug(err)
            raise typer.Exit(EXIT_BUG) from None


def _debugging() -> bool:
    return os.environ.get("DLCOURSE_DEBUG", "") not in ("", "0")


def _report_bug(err: Exception) -> None:
    """One paragraph for a bug in dlcourse: what broke, and where its full traceback is."""
    summary = " ".join(f"{type(err).__name__}: {err}".split())  # one line, however long
    if len(summary) > 300:
        summary = summary[:297] + "..."
    try:
        where = i18n.msg("cli.bug_saved", path=_save_traceback(err))
    except Exception as save_err:  # noqa: BLE001 - the report must reach the user regardless
        where = i18n.msg("cli.bug_not_saved", error=save_err)
    Console(stderr=True).print(
        f"[bold red]{i18n.msg('cli.bug')}[/] "
        + escape(i18n.msg("cli.bug_report", summary=summary, where=where)),
        highlight=False)


def _log_dir() -> Path:
    """$DLCOURSE_LOG_DIR, else the platform's user log folder."""
    if os.environ.get("DLCOURSE_LOG_DIR"):
        return Path(os.environ["DLCOURSE_LOG_DIR"]).expanduser()
    import platformdirs

    return platformdirs.user_log_path("dlcourse")


def _save_traceback(err: Exception) -> Path:
    """Write err's traceback, with the versions a bug report needs, to a new crash file."""
    import platform
    import time
    import traceback

    from dlcourse import __version__
    from dlcourse.fileio import atomic_write

    text = (f"dlcourse {__version__}, Python {platform.python_version()}, "
            f"{platform.platform()}\ncommand: dlcourse {' '.join(sys.argv[1:])}\n\n"
            + "".join(traceback.format_exception(err)))
    folder = _log_dir()
    folder.mkdir(parents=True, exist_ok=True)
    name = f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.txt"
    # atomic: a crash file is either whole or absent, even if this write is interrupted
    return atomic_write(folder / name, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def _never_fail_on_encoding() -> None:
    """Replace the characters stdout or stderr cannot encode (PYTHONIOENCODING=ascii, a
    legacy Windows code page) by '?' instead of stopping with a UnicodeEncodeError."""
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="replace")


app = typer.Typer(
    cls=_Group,
    help="A hands-on deep-learning course that runs in your terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class Quiz(enum.StrEnum):
    ask = "ask"
    reveal = "reveal"
    off = "off"


QuizMode = Annotated[Quiz, typer.Option(
    help="ask: you answer (in a terminal); reveal: teacher mode, each answer shown after a "
         "pause, nothing typed; off.")]


@app.command("list")
def list_() -> None:
    """List the course's lessons and explain topics, numbered in the recommended order."""
    from dlcourse.course import learner, report

    console = Console()
    table = Table(title=i18n.msg("cli.list_title"), title_justify="left")
    for column in i18n.messages("cli.list_columns"):
        table.add_column(column)
    steps, progress = catalog.path(), learner.load()
    for number, entry in enumerate(steps, 1):
        verb = "lesson" if entry.kind == "lesson" else "explain"
        done = "[green]✓[/]" if learner.step_done(progress, entry.kind, entry.name) else ""
        table.add_row(str(number), done, f"{verb} [bold cyan]{entry.name}[/]", entry.title,
                      entry.data or f"[dim]{i18n.msg('cli.list_page')}[/]", entry.time)
    console.print(table)
    console.print(i18n.msg("cli.list_start", command=catalog.command(steps[0])))
    if progress:
        console.print(report.next_lines(progress), highlight=False)
    console.print(i18n.msg("cli.list_exercises"))


@app.command(
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True,
                      "help_option_names": []},
)
def lesson(
    ctx: typer.Context,
    name: Annotated[str | None, typer.Argument(help="The lesson to run (see `dlcourse list`).",
                                               show_default=False)] = None,
) -> None:
    """Run a lesson: explanation, a short real training, plots and a quiz.

    Every lesson takes --seed, --out DIR, --no-pause, --quiz ask|reveal|off and --device; its own
    options are listed by `dlcourse lesson NAME --help`.
    """
    if name in (None, "-h", "--help"):
        console = Console()
        console.print("Usage: dlcourse lesson NAME [OPTIONS]\n")
        console.print(i18n.msg("cli.lessons", names=", ".join(catalog.load()["lesson"])))
        console.print(i18n.msg("cli.lesson_help"))
        raise typer.Exit(0 if name else 2)
    from dlcourse.course import runner

    raise typer.Exit(runner.start(name, list(ctx.args)))


@app.command()
def explain(
    topic: Annotated[str, typer.Argument(help="The topic (see `dlcourse list`).")],
    plot: Annotated[bool, typer.Option(help="Also save the topic's figure as a PNG.")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for the figure.")] = None,
    pause: Annotated[bool, typer.Option(help="Wait for Enter between sections.")] = True,
    quiz: QuizMode = Quiz.ask,
) -> None:
    """Explain a concept, with numbers computed as it renders. No training."""
    from dlcourse.course import explain as explain_page
    from dlcourse.course import learner
    from dlcourse.course.render import Screen, is_interactive
    from dlcourse.exercises.commands import practise_lines

    interactive = is_interactive()
    screen = Screen(pause=pause and interactive, quiz=quiz is Quiz.ask and interactive,
                    reveal=quiz is Quiz.reveal)
    code = explain_page.show(topic, plot=plot, out=out, screen=screen)
    if code == 0 and not screen.stopped:  # read to the end
        for line in practise_lines("topic", topic):
            screen.console.print(line)
        learner.record_page(topic, quiz=screen.quiz_score)
    raise typer.Exit(code)


@app.command()
def progress(
    reset: Annotated[bool, typer.Option("--reset", help="Forget everything and start over.")]
    = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Reset without asking.")] = False,
) -> None:
    """Show the course path with what you have done and what comes next."""
    from dlcourse.course import learner, report

    if reset:
        if not yes:
            typer.confirm(i18n.msg("cli.reset_confirm", path=learner.path()), abort=True)
        if learner.reset():
            Console().print(i18n.msg("cli.reset_done"))
        return
    report.show(Console())


exercise_app = typer.Typer(
    help="Write the code yourself: exercises the course checks (start, check, hint...).",
    no_args_is_help=True)
app.add_typer(exercise_app, name="exercise")
ExerciseName = Annotated[str, typer.Argument(help="The exercise (see `dlcourse exercise list`).",
                                             show_default=False)]
Workspace = Annotated[Path | None, typer.Option(
    "--dir", help="Folder for your exercise files (default: ./dlcourse-exercises).")]


@exercise_app.command("list")
def exercise_list(folder: Workspace = None) -> None:
    """List the exercises in course order, with the step each practises and your state."""
    from dlcourse.exercises import commands

    commands.list_(folder, Console())


@exercise_app.command("start")
def exercise_start(
    name: ExerciseName,
    folder: Workspace = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Replace a file you have edited (kept as FILE.bak).")] = False,
) -> None:
    """Write the exercise's starter file into your folder and show the task."""
    from dlcourse.exercises import commands

    commands.start(name, folder, force, Console())


@exercise_app.command("check")
def exercise_check(
    name: ExerciseName,
    folder: Workspace = None,
    watch: Annotated[bool, typer.Option(
        "--watch", help="Check again every time you save the file; Ctrl-C stops.")] = False,
) -> None:
    """Check your code: exit 0 when it passes, 1 when it does not yet."""
    from dlcourse.exercises import commands

    if watch:
        commands.watch(name, folder, Console())
        return
    if not commands.check(name, folder, Console()):
        raise typer.Exit(1)


@exercise_app.command("hint")
def exercise_hint(name: ExerciseName, folder: Workspace = None) -> None:
    """Show the next hint (one more each time)."""
    from dlcourse.exercises import commands

    commands.hint(name, folder, Console())


@exercise_app.command("solution")
def exercise_solution(
    name: ExerciseName,
    folder: Workspace = None,
    force: Annotated[bool, typer.Option(
        "--force", help="Show it before any check of yours has failed.")] = False,
) -> None:
    """Show the reference solution, once a check of your code has failed."""
    from dlcourse.exercises import commands

    commands.solution(name, folder, force, Console())


@exercise_app.command("next")
def exercise_next(folder: Workspace = None) -> None:
    """Start the first exercise you have not passed (or say where your file is)."""
    from dlcourse.exercises import commands

    commands.next_(folder, Console())


data_app = typer.Typer(help="See, download and import the data sets.", no_args_is_help=True)
app.add_typer(data_app, name="data")
DataDir = Annotated[Path | None, typer.Option(
    "--data-dir", help="Data cache (default: $DLCOURSE_DATA or the user cache folder).")]
DATASETS = ("mnist", "cifar10", "housing", "all")


@data_app.command("status")
def data_status(data_dir: DataDir = None) -> None:
    """Show where each data set loads from, its counts, size on disk and checks."""
    from dlcourse.data import status
    from dlcourse.data.cache import cache_dir

    cache = cache_dir(data_dir)
    table = Table(title=i18n.msg("cli.data_title", path=cache), title_justify="left")
    for column in i18n.messages("cli.data_columns"):
        table.add_column(column, overflow="fold")
    for row in status.rows(cache):
        table.add_row(*row)
    Console().print(table)


@data_app.command("download")
def data_download(
    name: Annotated[str, typer.Argument(help="mnist, cifar10, housing or all.")] = "all",
    data_dir: DataDir = None,
) -> None:
    """Download full data sets with the official downloaders (checksums checked)."""
    if name not in DATASETS:
        raise UserError(i18n.msg("cli.unknown_dataset", name=name, names=", ".join(DATASETS)))
    from dlcourse.course import data_view
    from dlcourse.data.cache import cache_dir
    from dlcourse.data.download import Offline, describe, download
    from dlcourse.errors import DataError

    cache, console = cache_dir(data_dir), Console()
    for one in DATASETS[:-1] if name == "all" else (name,):
        console.print(i18n.msg("cli.downloading", what=describe(one, cache)), highlight=False)
        try:
            with data_view.progress(console) as progress:
                where = download(one, cache, progress)
        except Offline as err:
            raise DataError(i18n.msg("cli.offline", error=err)) from None
        console.print(i18n.msg("cli.downloaded", path=where))


@data_app.command("import")
def data_import(
    path: Annotated[Path, typer.Argument(help="An archive, data file or folder to import.")],
    data_dir: DataDir = None,
) -> None:
    """Import data copied from another machine: official archives, an image-folder tree,
    or pretrained weights (e.g. vgg16-397923af.pth)."""
    from dlcourse.course import data_view
    from dlcourse.data.cache import cache_dir
    from dlcourse.data.importer import import_path
    from dlcourse.data.status import verified_text

    console = Console()
    with data_view.progress(console) as progress:
        result = import_path(path, cache_dir(data_dir), progress=progress)
    if result["dataset"] == "weights":
        what = i18n.msg("cli.imported_weights", file=result["file"], to=result["to"])
    elif "train" in result:
        what = i18n.msg("cli.imported_images", dataset=result["dataset"],
                        train=f"{result['train']:,}", test=f"{result['test']:,}")
    else:
        what = i18n.msg("cli.imported_rows", dataset=result["dataset"],
                        rows=f"{result['rows']:,}")
    console.print(i18n.msg("cli.imported", what=what,
                           verified=verified_text(result["verified"])))


@data_app.command("path")
def data_path(data_dir: DataDir = None) -> None:
    """Print the data cache folder."""
    from dlcourse.data.cache import cache_dir

    print(cache_dir(data_dir))


@app.command()
def replay(
    run: Annotated[str, typer.Argument(
        help="A finished run's folder (or its metrics.json), or a lesson's name for the "
             "reference run that ships with dlcourse.")],
    pace: Annotated[float, typer.Option(
        min=0, max=10, help="Seconds between epoch rows, so a class watches them grow.")] = 0.0,
    pause: Annotated[bool, typer.Option(help="Wait for Enter between sections.")] = True,
    quiz: QuizMode = Quiz.ask,
    from_: Annotated[str, typer.Option(
        "--from", help="Start at this section (its name or number).")] = "",
    figures: Annotated[bool, typer.Option(help="Draw the figures in the terminal.")] = True,
    open_: Annotated[bool, typer.Option(
        "--open", help="Also open each figure in the system's image viewer.")] = False,
) -> None:
    """Show a finished run again, without training: its text, numbers, epochs and quiz."""
    from dlcourse.course import replay as replaying
    from dlcourse.course.render import Screen, is_interactive

    interactive = is_interactive()
    screen = Screen(console=Console(), pause=pause and interactive,
                    quiz=quiz is Quiz.ask and interactive, reveal=quiz is Quiz.reveal,
                    images=figures, open_figures=open_)
    raise typer.Exit(replaying.show(replaying.resolve(run), screen=screen, pace=pace,
                                    start=from_))


def main() -> None:
    """Console-script entry point."""
    _never_fail_on_encoding()
    app()
