"""The CLI as users meet it: CliRunner for output and option checks (in-process, no torch
import per test), real subprocesses for startup, `python -m`, and the exit codes of real runs."""

import dataclasses
import json
import re
import sys

import pytest

from dlcourse.course import catalog, options
from tests.conftest import run_dlcourse

HEAVY = ("torch", "torchvision", "matplotlib", "textual_image", "PIL")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["explain", "cross-entropy"],
                                  ["explain", "pytorch-style"], ["lesson"], ["data", "path"],
                                  ["data", "status"], ["progress"], ["exercise", "list"],
                                  ["exercise", "hint", "cubic-gradients"],
                                  ["--help", "--lang", "ko"], ["list", "--lang", "ko"],
                                  ["explain", "cross-entropy", "--lang", "ko"]])
def test_startup_never_imports_heavy_modules(args):
    code = (
        "import sys\n"
        f"sys.argv = ['dlcourse', *{args!r}]\n"
        "from dlcourse.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        f"print('HEAVY:', sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    import subprocess

    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert "HEAVY: []" in out, out


def test_list_shows_every_lesson_and_topic(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "250")  # wide enough that no title wraps
    out = cli("list").output
    for kind in ("lesson", "topic"):
        for entry in catalog.load()[kind].values():
            assert entry.name in out and entry.title in out


def test_explain_every_topic_renders(cli):
    for name in catalog.load()["topic"]:
        out = cli("explain", name, "--no-pause").output
        assert "{{" not in out, f"unfilled placeholder in {name}"


def test_explain_cross_entropy_computes_its_numbers(cli):
    out = cli("explain", "cross-entropy").output
    for number in ("1.2075", "0.1054", "1.2040", "0.2075"):
        assert number in out


def test_explain_plot_saves_a_png(cli, tmp_path):
    cli("explain", "cross-entropy", "--plot", "--out", str(tmp_path / "fig"))
    png = tmp_path / "fig" / "cross-entropy-vs-l1.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("args, message", [
    (["lesson", "sinus"], "Did you mean sine"),
    (["explain", "crossentropy"], "Did you mean cross-entropy"),
    (["lesson", "sine", "--lr", "0"], "--lr must be a positive number"),
    (["lesson", "sine", "--lr", "-1e-6"], "--lr must be a positive number"),
    (["lesson", "sine", "--iterations", "-5"], "--iterations must be a positive"),
    (["lesson", "sine", "--iterations", "many"], "invalid int value"),
    (["lesson", "sine", "--wings", "2"], "Unknown option --wings. `dlcourse lesson sine --help`"),
    (["lesson", "sine", "--device", "tpu"], "--device must be one of"),
    (["lesson", "sine", "--out", "/proc/no/such/place"], "Cannot write the run folder"),
    (["explain", "checklist", "--plot"], "has no figure"),
])
def test_bad_input_is_one_clear_sentence_and_exit_2(cli, args, message):
    out = cli(*args, code=2).output
    assert message in out and "Traceback" not in out


@pytest.mark.parametrize("args, message", [
    (["--epoch", "3"], "Unknown option --epoch. Did you mean --epochs? "
                       "`dlcourse lesson mnist --help` lists the options."),
    (["--epoch=3"], "Unknown option --epoch. Did you mean --epochs?"),
    (["--no-pauses"], "Unknown option --no-pauses. Did you mean --no-pause?"),
    (["--hlep"], "Unknown option --hlep. Did you mean --help?"),
    (["--batch", "64", "--wings", "2"],
     "Unknown options --batch (did you mean --batch-size?) and --wings."),
    (["3"], "Unexpected argument 3: lesson options start with --."),
])
def test_unknown_option_suggests_the_close_ones(cli, args, message):
    assert message in cli("lesson", "mnist", *args, code=2).output


@pytest.mark.parametrize("seed", ["-1", "4294967296", "99999999999999999999"])
def test_seed_outside_numpys_range_is_a_clear_error(cli, seed):
    out = cli("lesson", "sine", "--seed", seed, code=2).output
    assert "--seed must be a whole number from 0 to 4294967295." in out


def test_largest_seed_is_accepted():
    assert options.RunOptions(seed=2**32 - 1).seed == 4294967295


def test_out_folder_that_cannot_be_created(cli, tmp_path):
    """A path under a regular file cannot become a folder, even for root."""
    (tmp_path / "a-file").write_text("")
    out = cli("lesson", "sine", "--out", str(tmp_path / "a-file" / "run"), code=2).output
    assert "Cannot write the run folder" in out and "Traceback" not in out


def test_lesson_help_lists_its_own_options(cli):
    out = cli("lesson", "sine", "--help").output
    for option in ("--seed", "--out", "--no-pause", "--quiz", "--iterations", "--lr"):
        assert option in out


def test_bad_option_in_a_real_process_goes_to_stderr_with_exit_2():
    result = run_dlcourse("lesson", "sinus")
    assert result.returncode == 2 and "Did you mean sine" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


@dataclasses.dataclass(frozen=True)
class _Training:
    epochs: int = 0  # passes over the data
    subset: str = "full"  # training images: a number, or full


@dataclasses.dataclass(frozen=True)
class _Lesson(_Training):
    subset: str = "auto"  # auto: as many as fit the time budget
    width: int = 8  # hidden units


def test_inherited_fields_keep_their_help_and_redeclared_ones_win():
    assert options.field_help(_Lesson) == {"epochs": "passes over the data",
                                           "subset": "auto: as many as fit the time budget",
                                           "width": "hidden units"}
    assert options.describe(_Lesson) == [
        ("--epochs", "0", "passes over the data"),
        ("--subset", "auto", "auto: as many as fit the time budget"),
        ("--width", "8", "hidden units"),
    ]


def test_inherited_fields_parse_with_the_subclass_defaults():
    assert options.parse("p", [], _Lesson) == [_Lesson(epochs=0, subset="auto", width=8)]
    parsed = options.parse("p", ["--epochs", "2", "--subset", "100"], _Lesson)
    assert parsed == [_Lesson(epochs=2, subset="100", width=8)]
    assert options.parse("p", [], _Training) == [_Training(epochs=0, subset="full")]


def test_sine_runs_end_to_end_in_a_subprocess(tmp_path):
    result = run_dlcourse("lesson", "sine", "--out", str(tmp_path / "run"))
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "run") in result.stdout.replace("\n", "")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["status"] == "complete"


def test_divergence_exits_1_with_the_checklist_advice(tmp_path):
    result = run_dlcourse("lesson", "sine", "--lr", "1e-4", "--out", str(tmp_path / "run"))
    assert result.returncode == 1
    assert "Lower the learning rate" in result.stdout
    table_rows = [line for line in result.stdout.splitlines() if re.match(r"│ \d", line)]
    assert 1 <= len(table_rows) <= 2, "stops within the first rows"
    assert not any("nan" in row or "inf" in row for row in table_rows)
    assert json.loads((tmp_path / "run" / "metrics.json").read_text())["status"] == "diverged"


def test_python_dash_m_works():
    result = run_dlcourse("list")
    assert result.returncode == 0 and "sine" in result.stdout


def test_a_reader_that_goes_away_is_not_a_bug(monkeypatch):
    """`dlcourse list | head -1`: when the reader has closed the pipe, writing raises
    BrokenPipeError: click quiets it and exits 1, with no 'Bug in dlcourse' paragraph."""
    from typer.testing import CliRunner

    from dlcourse import cli as cli_module

    def closed_pipe():
        raise BrokenPipeError(32, "Broken pipe")

    monkeypatch.setattr(cli_module.catalog, "path", closed_pipe)
    result = CliRunner().invoke(cli_module.app, ["list"])
    assert result.exit_code == 1 and "Bug" not in result.output, result.output
