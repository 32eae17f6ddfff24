"""The `dlcourse` command: a thin Typer app. Heavy imports happen inside the commands."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from typer.core import TyperGroup

from dlcourse.course import catalog
from dlcourse.errors import UserError


class _Group(TyperGroup):
    """Turns the errors a user can fix into one paragraph and exit code 2, and Ctrl-C
    into exit code 130, for every command (CliRunner tests go through here too)."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except UserError as err:
            Console(stderr=True).print(f"[bold red]Error:[/] {err}", highlight=False)
            raise typer.Exit(err.exit_code) from None
        except KeyboardInterrupt:
            Console(stderr=True).print("\nInterrupted.")
            raise typer.Exit(130) from None


app = typer.Typer(
    cls=_Group,
    help="A hands-on deep-learning course that runs in your terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("list")
def list_() -> None:
    """List the lessons and the explain topics."""
    console = Console()
    lessons = Table(title="Lessons: dlcourse lesson NAME", title_justify="left")
    for column in ("name", "title", "trains on", "time (laptop CPU)"):
        lessons.add_column(column)
    for entry in catalog.load()["lesson"].values():
        lessons.add_row(f"[bold cyan]{entry.name}[/]", entry.title, entry.data, entry.time)
    topics = Table(title="Topics: dlcourse explain TOPIC", title_justify="left")
    for column in ("name", "title", "what it covers"):
        topics.add_column(column)
    for entry in catalog.load()["topic"].values():
        topics.add_row(f"[bold cyan]{entry.name}[/]", entry.title, entry.summary)
    console.print(lessons)
    console.print(topics)


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

    Every lesson takes --seed, --out DIR, --no-pause, --no-quiz and --device; its own
    options are listed by `dlcourse lesson NAME --help`.
    """
    if name in (None, "-h", "--help"):
        console = Console()
        console.print("Usage: dlcourse lesson NAME [OPTIONS]\n")
        console.print("Lessons: " + ", ".join(catalog.load()["lesson"]))
        console.print("`dlcourse lesson NAME --help` lists a lesson's options.")
        raise typer.Exit(0 if name else 2)
    from dlcourse.course import runner

    raise typer.Exit(runner.start(name, list(ctx.args)))


@app.command()
def explain(
    topic: Annotated[str, typer.Argument(help="The topic (see `dlcourse list`).")],
    plot: Annotated[bool, typer.Option(help="Also save the topic's figure as a PNG.")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for the figure.")] = None,
    pause: Annotated[bool, typer.Option(help="Wait for Enter between sections.")] = True,
    quiz: Annotated[bool, typer.Option(help="Ask the quiz at the end.")] = True,
) -> None:
    """Explain a concept, with numbers computed as it renders. No training."""
    from dlcourse.course import explain as explain_page

    raise typer.Exit(explain_page.show(topic, plot=plot, out=out, pause=pause, quiz=quiz))


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
    table = Table(title=f"Data cache: {cache}", title_justify="left")
    for column in ("data set", "found in", "train", "test", "on disk", "verified"):
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
        raise UserError(f"Unknown data set '{name}': choose one of {', '.join(DATASETS)}.")
    from dlcourse.data.cache import cache_dir
    from dlcourse.data.download import Offline, download
    from dlcourse.errors import DataError

    cache, console = cache_dir(data_dir), Console()
    for one in DATASETS[:-1] if name == "all" else (name,):
        try:
            console.print(f"[green]Done:[/] {download(one, cache, console)}")
        except Offline as err:
            raise DataError(f"No network: {err}. Copy the files from a machine that has them "
                            "and run `dlcourse data import PATH`.") from None


@data_app.command("import")
def data_import(
    path: Annotated[Path, typer.Argument(help="An archive, data file or folder to import.")],
    data_dir: DataDir = None,
) -> None:
    """Import data copied from another machine: official archives or an image-folder tree."""
    from dlcourse.data.cache import cache_dir
    from dlcourse.data.importer import import_path

    console = Console()
    result = import_path(path, cache_dir(data_dir), console)
    counts = (f"{result['train']:,} training and {result['test']:,} test images"
              if "train" in result else f"{result['rows']:,} rows")
    console.print(f"[green]Imported[/] {result['dataset']}: {counts}; {result['verified']}.")


@data_app.command("path")
def data_path(data_dir: DataDir = None) -> None:
    """Print the data cache folder."""
    from dlcourse.data.cache import cache_dir

    print(cache_dir(data_dir))


def main() -> None:
    """Console-script entry point."""
    app()
