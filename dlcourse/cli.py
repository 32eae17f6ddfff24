"""The `dlcourse` command: a thin Typer app. Heavy imports happen inside the commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from dlcourse import catalog
from dlcourse.errors import UserError

app = typer.Typer(
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
    from dlcourse import run

    raise typer.Exit(run.start(name, list(ctx.args)))


@app.command()
def explain(
    topic: Annotated[str, typer.Argument(help="The topic (see `dlcourse list`).")],
    plot: Annotated[bool, typer.Option(help="Also save the topic's figure as a PNG.")] = False,
    out: Annotated[Path | None, typer.Option(help="Folder for the figure.")] = None,
    pause: Annotated[bool, typer.Option(help="Wait for Enter between sections.")] = True,
    quiz: Annotated[bool, typer.Option(help="Ask the quiz at the end.")] = True,
) -> None:
    """Explain a concept, with numbers computed as it renders. No training."""
    from dlcourse import topics

    raise typer.Exit(topics.show(topic, plot=plot, out=out, pause=pause, quiz=quiz))


def main() -> None:
    """Console-script entry point: user errors print one paragraph and exit 2."""
    try:
        code = app(standalone_mode=False)
    except UserError as err:
        Console(stderr=True).print(f"[bold red]Error:[/] {err}", highlight=False)
        sys.exit(err.exit_code)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except KeyboardInterrupt:
        Console(stderr=True).print("\nInterrupted.")
        sys.exit(130)
    except Exception as err:  # click usage errors arrive here in non-standalone mode
        show = getattr(err, "show", None)
        if show is None:
            raise
        show()
        sys.exit(getattr(err, "exit_code", 2))
    sys.exit(code or 0)
