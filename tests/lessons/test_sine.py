"""The sine lesson: hand gradients against autograd, convergence theory, divergence, outputs."""

import io
import json
import math

import pytest
import torch
from rich.console import Console

from dlcourse.course import runner
from dlcourse.course.render import Screen
from dlcourse.errors import Diverged
from dlcourse.lessons import sine

X = torch.linspace(-math.pi, math.pi, 1000, dtype=torch.float64)
Y = torch.sin(X)


@pytest.mark.parametrize("seed", range(5))
def test_hand_gradients_equal_autograd(seed):
    w = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    hand, auto = sine.hand_gradients(w, X, Y), sine.autograd_gradients(w, X, Y)
    torch.testing.assert_close(hand, auto, rtol=1e-12, atol=1e-9)


def test_least_squares_matches_the_normal_equations():
    A = sine.features(X)
    w = torch.linalg.solve(A.T @ A, A.T @ Y)
    torch.testing.assert_close(sine.least_squares(X, Y), w, rtol=1e-8, atol=1e-10)


def descend(w0, lr=1e-6, iterations=2000):
    losses = []
    w, loss = sine.gradient_descent(w0, X, Y, lr, iterations,
                                    lambda step, loss, w: losses.append(loss))
    return w, loss, losses


@pytest.mark.parametrize("seed", range(5))
def test_loss_decreases_and_respects_the_convergence_bound(seed):
    """For a quadratic loss, gradient descent shrinks the excess over the optimum by at least
    rho² per step, with rho = max |1 − lr·λ| over the Hessian's eigenvalues λ. That bound is
    the justification for the final loss: it must not be exceeded for any start."""
    w0 = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(seed))
    w, loss, losses = descend(w0)
    assert all(b < a for a, b in zip(losses, losses[1:], strict=False))
    best = sine.loss_of(sine.least_squares(X, Y), X, Y)
    eig = torch.linalg.eigvalsh(2 * sine.features(X).T @ sine.features(X))
    rho = (1 - 1e-6 * eig).abs().max().item()
    bound = best + rho ** (2 * 2000) * (sine.loss_of(w0, X, Y) - best)
    assert best < loss <= bound * (1 + 1e-9)


def test_default_seed_final_loss_is_what_the_readme_quotes():
    """Seed 0 (the default) ends at 95.8: 21.6 x the least-squares optimum of 4.43."""
    torch.manual_seed(0)
    w0 = torch.randn(4, dtype=torch.float64)
    _, loss, _ = descend(w0)
    assert 90 < loss < 100


@pytest.mark.parametrize("lr", [1e-5, 1e-4, 1.0])
def test_divergence_is_caught_within_a_few_steps(lr):
    w0 = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    with pytest.raises(Diverged) as caught:
        descend(w0, lr=lr)
    assert caught.value.step <= 20


def test_a_stable_lr_just_under_the_limit_does_not_diverge():
    eig_max = torch.linalg.eigvalsh(2 * sine.features(X).T @ sine.features(X))[-1].item()
    w0 = torch.randn(4, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    descend(w0, lr=1.9 / eig_max, iterations=500)


def lesson_screen(replies=(), quiz=False):
    answers = iter(replies)
    out = io.StringIO()
    screen = Screen(console=Console(file=out, width=100), quiz=quiz,
                    ask=lambda prompt: next(answers))
    return screen, out


def test_full_run_writes_metrics_and_pngs(tmp_path):
    screen, out = lesson_screen()
    assert runner.start("sine", ["--out", str(tmp_path / "r")], screen) == 0
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert {"lesson", "options", "seed", "device", "seconds", "history", "final"} <= set(metrics)
    # --iterations 0: the post's 2,000, which fit the lesson's time on any machine
    assert metrics["options"]["lr"] == 1e-6 and metrics["options"]["iterations"] == 0
    assert metrics["history"][0]["step"] == 0 and metrics["history"][-1]["step"] == 2000
    assert metrics["final"]["loss"] == metrics["history"][-1]["loss"]
    for png in ("fit.png", "loss.png"):
        assert (tmp_path / "r" / png).read_bytes()[:4] == b"\x89PNG"
    assert not list((tmp_path / "r").glob("*.part")), "no half-written files"
    assert str(tmp_path / "r") in out.getvalue().replace("\n", "")


def test_same_seed_same_run_other_seed_other_run(tmp_path):
    finals = []
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        screen, _ = lesson_screen()
        runner.start("sine", ["--seed", seed, "--iterations", "50", "--out",
                              str(tmp_path / name)], screen)
        finals.append(json.loads((tmp_path / name / "metrics.json").read_text())["final"]["loss"])
    assert finals[0] == finals[1] != finals[2]


def test_predict_then_see_is_asked_before_and_answered_after(tmp_path):
    # the predict question is asked first, then the two closing questions
    screen, out = lesson_screen(["3", "2", "1"], quiz=True)
    runner.start("sine", ["--out", str(tmp_path / "r")], screen)
    text = out.getvalue()
    assert text.index("Predict before the run") < text.index("loss Σ(y_hat − y)²")
    assert "Your prediction" in text and "You chose 3" in text
    assert text.count("Right.") == 2 and text.count("Not quite") == 1


def test_q_at_a_pause_stops_cleanly_and_keeps_metrics(tmp_path):
    screen, out = lesson_screen(["", "q"])
    screen.pause = True
    assert runner.start("sine", ["--out", str(tmp_path / "r")], screen) == 0
    assert json.loads((tmp_path / "r" / "metrics.json").read_text())["status"] == "quit"


def test_ctrl_c_keeps_what_finished_and_exits_130(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(sine, "check_against_autograd", interrupted)
    screen, _ = lesson_screen()
    assert runner.start("sine", ["--out", str(tmp_path / "r")], screen) == 130
    metrics = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert metrics["status"] == "interrupted" and len(metrics["history"]) == 2001
