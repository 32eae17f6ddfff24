"""Faults a lesson run meets, each ending cleanly: signals, divergence, resuming finished or
interrupted runs. Signals go to a real process; the rest run in-process."""

import io
import json
import signal
import subprocess
import sys
import time

import pytest
from rich.console import Console

from dlcourse.course import runner
from dlcourse.course.render import Screen
from dlcourse.engine import checkpoint
from dlcourse.engine import fit as engine
from dlcourse.errors import UserError


def start(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = runner.start(args[0], [*args[1:], "--offline"], Screen(console=Console(file=out,
                                                                                   width=100)))
    return code, " ".join(out.getvalue().split())


def metrics(folder) -> dict:
    return json.loads((folder / "metrics.json").read_text())


def interrupt_epoch(n: int, monkeypatch) -> None:
    """Ctrl-C at the start of the n-th epoch the engine trains."""
    calls = {"n": 0}
    real = engine.train_one_epoch

    def train_one_epoch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(engine, "train_one_epoch", train_one_epoch)


@pytest.mark.slow
@pytest.mark.parametrize("signum, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143),
                                          (signal.SIGHUP, 129)])
def test_a_signal_mid_training_stops_cleanly_and_keeps_what_finished(tmp_path, signum, code):
    """Ctrl-C, `kill`, a closed terminal: the step finishes, finished epochs are kept."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dlcourse", "lesson", "mnist", "--model", "cnn", "--epochs",
         "50", "--offline", "--no-pause", "--out", str(tmp_path / "r")],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    deadline = time.monotonic() + 120
    for line in proc.stdout:  # wait for the first finished epoch's row
        if line.strip().startswith("1 ") or time.monotonic() > deadline:
            break
    proc.send_signal(signum)
    rest = proc.communicate(timeout=120)[0]
    assert proc.returncode == code, rest[-2000:]
    assert "Traceback" not in rest and "kept in" in rest
    run = metrics(tmp_path / "r")
    assert run["status"] == "interrupted" and len(run["history"]) >= 1
    assert checkpoint.load(tmp_path / "r" / "model.pt")["epoch"] == len(run["history"])
    assert not list((tmp_path / "r").glob(".*.part")), "nothing half-written"


def test_sigterm_outside_training_also_ends_as_interrupted(tmp_path):
    """A SIGTERM while the lesson text is showing (not training): exit 143, metrics kept."""
    proc = subprocess.Popen(
        [sys.executable, "-c", "import functools, os, signal, sys\n"
         "from dlcourse.lessons import sine\n"
         "real = sine.gradient_descent\n"
         "@functools.wraps(real)\n"  # the lesson shows its source: inspect follows wraps
         "def gd(*a, **k):\n    os.kill(os.getpid(), signal.SIGTERM)\n    return real(*a, **k)\n"
         "sine.gradient_descent = gd\n"
         "sys.argv = ['dlcourse', 'lesson', 'sine', '--out', 'r']\n"
         "from dlcourse.cli import main\nmain()\n"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=tmp_path)
    out = proc.communicate(timeout=120)[0]
    assert proc.returncode == 143, out[-2000:]
    assert "Traceback" not in out and metrics(tmp_path / "r")["status"] == "interrupted"


@pytest.mark.slow
def test_ctrl_c_in_the_second_epoch_keeps_the_first(tmp_path, monkeypatch):
    interrupt_epoch(2, monkeypatch)
    code, out = start("mnist", "--out", str(tmp_path / "r"), "--epochs", "3", "--subset", "500")
    assert code == 130, out[-2000:]
    assert metrics(tmp_path / "r")["status"] == "interrupted"
    assert len(metrics(tmp_path / "r")["history"]) == 1
    assert checkpoint.load(tmp_path / "r" / "model.pt")["epoch"] == 1
    assert (tmp_path / "r" / "curves.png").is_file()


@pytest.mark.slow
def test_a_huge_learning_rate_exits_1_with_the_checklist_advice(tmp_path):
    """`--lr 1000` once reached a loss of 1.5e9 at 10 % accuracy and ended 'complete'."""
    code, out = start("mnist", "--lr", "1000", "--subset", "2000", "--epochs", "2",
                      "--out", str(tmp_path / "r"))
    assert code == 1, out[-2000:]
    assert "Training stopped early" in out and "Lower the learning rate" in out
    run = metrics(tmp_path / "r")
    assert run["status"] == "diverged" and run["final"]["diverged_at_step"] >= 1


@pytest.mark.slow
def test_resuming_a_finished_run_shows_its_result(tmp_path):
    first = ["--subset", "1000", "--epochs", "2"]
    assert start("mnist", *first, "--out", str(tmp_path / "a"))[0] == 0
    code, out = start("mnist", *first, "--resume", str(tmp_path / "a" / "model.pt"),
                      "--out", str(tmp_path / "b"))
    assert code == 0, out[-2000:]
    assert "had already finished its 2 epochs" in out
    a, b = metrics(tmp_path / "a"), metrics(tmp_path / "b")
    assert b["final"]["test_accuracy"] == pytest.approx(a["final"]["test_accuracy"])
    assert b["status"] == "complete" and len(b["history"]) == 2


@pytest.mark.slow
def test_interrupted_then_resumed_ends_like_an_uninterrupted_run(tmp_path, monkeypatch):
    args = ["--subset", "1000", "--epochs", "3", "--model", "cnn"]
    assert start("mnist", *args, "--out", str(tmp_path / "whole"))[0] == 0
    with monkeypatch.context() as patch:
        interrupt_epoch(3, patch)
        assert start("mnist", *args, "--out", str(tmp_path / "cut"))[0] == 130
    code, out = start("mnist", *args, "--resume", str(tmp_path / "cut" / "model.pt"),
                      "--out", str(tmp_path / "resumed"))
    assert code == 0, out[-2000:]
    whole, resumed = (checkpoint.load(tmp_path / d / "model.pt")["model"]
                      for d in ("whole", "resumed"))
    assert all((whole[k] == resumed[k]).all() for k in whole)


@pytest.mark.slow
def test_a_lesson_that_trains_two_models_resumes_each_from_its_own_file(tmp_path):
    assert start("cross-entropy", "--dry-run", "--out", str(tmp_path / "a"))[0] == 0
    code, out = start("cross-entropy", "--dry-run", "--resume", str(tmp_path / "a"),
                      "--out", str(tmp_path / "b"))
    assert code == 0, out[-2000:]
    assert out.count("had already finished") == 2
    assert "model-ce.pt" in out and "model-l1.pt" in out


def test_resuming_with_another_recipe_is_refused_in_one_sentence(tmp_path):
    assert start("mnist", "--dry-run", "--epochs", "1", "--out", str(tmp_path / "a"))[0] == 0
    with pytest.raises(UserError, match="only --epochs may change"):
        start("mnist", "--dry-run", "--lr", "0.5", "--resume",
              str(tmp_path / "a" / "model.pt"), "--out", str(tmp_path / "b"))


def test_a_diverging_housing_run_exits_1_with_the_checklist_advice(cli, tmp_path):
    out = cli("lesson", "housing", "--offline", "--lr", "100", "--epochs", "5", "--out",
              str(tmp_path / "r"), code=1).output
    assert "Lower the learning rate" in out
    assert metrics(tmp_path / "r")["status"] == "diverged"
