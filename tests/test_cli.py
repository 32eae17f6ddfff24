"""The CLI as users meet it: CliRunner for output, real subprocesses for exit codes."""

import json
import re
import sys

import pytest

from dlcourse.course import catalog
from tests.conftest import run_dlcourse

HEAVY = ("torch", "torchvision", "matplotlib")


@pytest.mark.parametrize("args", [["--help"], ["list"], ["explain", "cross-entropy"],
                                  ["explain", "pytorch-style"], ["lesson"], ["data", "path"],
                                  ["data", "status"]])
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
    (["lesson", "sine", "--wings", "2"], "Unrecognized arguments: --wings"),
    (["lesson", "sine", "--device", "tpu"], "--device must be one of"),
    (["lesson", "sine", "--out", "/proc/no/such/place"], "Cannot write the run folder"),
    (["explain", "checklist", "--plot"], "has no figure"),
])
def test_bad_input_is_one_clear_sentence_and_exit_2(args, message):
    result = run_dlcourse(*args)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    assert message in " ".join(result.stderr.split()), result.stderr


def test_out_folder_that_cannot_be_created(tmp_path):
    """A path under a regular file cannot become a folder, even for root."""
    (tmp_path / "a-file").write_text("")
    result = run_dlcourse("lesson", "sine", "--out", str(tmp_path / "a-file" / "run"))
    assert result.returncode == 2 and "Cannot write the run folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_lesson_help_lists_its_own_options():
    result = run_dlcourse("lesson", "sine", "--help")
    assert result.returncode == 0
    for option in ("--seed", "--out", "--no-pause", "--no-quiz", "--iterations", "--lr"):
        assert option in result.stdout


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
