"""Fit sin(x) on [-π, π] with a cubic a·x³ + b·x² + c·x + d, gradients written by hand."""

import math
from dataclasses import dataclass

import torch

from dlcourse import plots
from dlcourse.run import Diverged, Lesson


@dataclass(frozen=True)
class Config:
    points: int = 1000  # samples of sin(x) on [-π, π], as in the source post
    iterations: int = 2000  # plain gradient-descent steps (the post's count)
    lr: float = 1e-6  # step size; the run prints the largest stable one (about 7e-6)
    log_every: int = 100  # steps between rows of the live loss table

    def __post_init__(self):
        if self.points < 4:
            raise ValueError("--points must be at least 4 to pin down four coefficients.")
        if self.iterations < 1:
            raise ValueError("--iterations must be a positive whole number, e.g. 2000.")
        if not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError("--lr must be a positive number, e.g. 1e-6.")
        if self.log_every < 1:
            raise ValueError("--log-every must be a positive whole number, e.g. 100.")


def predict(w, x):
    """y_hat = a·x³ + b·x² + c·x + d, where w = (a, b, c, d)."""
    a, b, c, d = w
    return a * x**3 + b * x**2 + c * x + d


def hand_gradients(w, x, y):
    """∂loss/∂(a, b, c, d) for loss = Σ (y_hat − y)², by the chain rule."""
    grad_y_hat = 2.0 * (predict(w, x) - y)  # (N,)  ∂loss/∂y_hat
    return torch.stack([
        (grad_y_hat * x**3).sum(),  # ∂y_hat/∂a = x³
        (grad_y_hat * x**2).sum(),  # ∂y_hat/∂b = x²
        (grad_y_hat * x).sum(),  # ∂y_hat/∂c = x
        grad_y_hat.sum(),  # ∂y_hat/∂d = 1
    ])


def autograd_gradients(w, x, y):
    """The same gradient, computed by PyTorch's autograd."""
    w = w.detach().clone().requires_grad_()
    loss = ((predict(w, x) - y) ** 2).sum()
    loss.backward()
    return w.grad


def gradient_descent(w, x, y, lr, iterations, on_log, log_every=100):
    """Plain gradient descent; stops with Diverged as soon as the loss blows up."""
    first_loss = None
    for step in range(iterations + 1):
        loss = ((predict(w, x) - y) ** 2).sum().item()
        first_loss = first_loss or loss
        if not math.isfinite(loss) or loss > 100 * first_loss:
            raise Diverged(step, loss)
        if step % log_every == 0 or step == iterations:
            on_log(step, loss, w)
        if step < iterations:
            w = w - lr * hand_gradients(w, x, y)
    return w, loss


def features(x):
    """The columns a cubic combines: (N,) -> (N, 4) = [x³, x², x, 1]."""
    return torch.stack([x**3, x**2, x, torch.ones_like(x)], dim=1)


def least_squares(x, y):
    """The best cubic in one linear solve: where gradient descent is heading."""
    return torch.linalg.lstsq(features(x), y.unsqueeze(1)).solution.squeeze(1)


def loss_of(w, x, y) -> float:
    return ((predict(w, x) - y) ** 2).sum().item()


def run(cfg: Config, lesson: Lesson) -> None:
    # float64 so the hand-written and autograd gradients agree to ~1e-15
    x = torch.linspace(-math.pi, math.pi, cfg.points, dtype=torch.float64)
    y = torch.sin(x)
    w_random = torch.randn(4, dtype=torch.float64)  # (a, b, c, d), seeded by --seed
    lesson.section("idea")
    lesson.section("gradients")
    lesson.show_source(predict, hand_gradients, gradient_descent, title="the code that runs")
    lesson.predict()
    lesson.section("run", iterations=cfg.iterations, lr=cfg.lr)

    with lesson.live_table("step", "loss Σ(y_hat − y)²", "a", "b", "c", "d") as live:
        def on_log(step, loss, w):
            lesson.log(step=step, loss=loss)
            live.add_row(str(step), f"{loss:,.3f}", *(f"{v:+.4f}" for v in w.tolist()))

        w, loss = gradient_descent(w_random, x, y, cfg.lr, cfg.iterations, on_log,
                                   cfg.log_every)

    check_against_autograd(lesson, w_random, x, y)
    explain_the_fit(cfg, lesson, w, x, y)
    save_plots(lesson, x, y, w, w_random)
    lesson.final["loss"] = loss
    lesson.final["loss_vs_best"] = loss / lesson.final["least_squares_loss"]
    lesson.section("recap", **lesson.final)


def check_against_autograd(lesson: Lesson, w, x, y) -> None:
    """One step's gradient both ways, side by side."""
    hand, auto = hand_gradients(w, x, y), autograd_gradients(w, x, y)
    rel = ((hand - auto).abs().max() / auto.abs().max()).item()
    lesson.show_source(autograd_gradients, title="the same gradient by autograd")
    rows = [[name, h, a] for name, h, a in zip("abcd", hand.tolist(), auto.tolist(), strict=True)]
    lesson.table("gradient at the random start", ["coefficient", "by hand", "autograd"], rows)
    lesson.final["autograd_max_rel_diff"] = rel
    lesson.section("autograd", rel=rel)


def explain_the_fit(cfg: Config, lesson: Lesson, w, x, y) -> None:
    """Compare with Taylor and least squares; show why plain steps crawl here."""
    taylor = torch.tensor([-1 / 6, 0.0, 1.0, 0.0], dtype=torch.float64)  # x − x³/6
    best = least_squares(x, y)
    rows = [[name, *vals] for name, *vals in zip(
        "abcd", w.tolist(), best.tolist(), taylor.tolist(), strict=True)]
    rows.append(["loss", loss_of(w, x, y), loss_of(best, x, y), loss_of(taylor, x, y)])
    lesson.table("the learned cubic", ["", "gradient descent", "least squares", "Taylor x − x³/6"],
                 rows)
    # The Hessian of the loss is 2·XᵀX. Each eigenvalue λ is the steepness of one direction:
    # a step of lr shrinks that direction's error by (1 − lr·λ) and overshoots if lr·λ > 2.
    eig = torch.linalg.eigvalsh(2 * features(x).T @ features(x))  # ascending, (4,)
    lam_min, lam_max = eig[0].item(), eig[-1].item()
    lesson.final.update(
        least_squares_loss=loss_of(best, x, y),
        condition_number=lam_max / lam_min,
        max_stable_lr=2 / lam_max,
    )
    lesson.section(
        "results", lam_min=lam_min, lam_max=lam_max, cond=lam_max / lam_min,
        max_lr=2 / lam_max, lr=cfg.lr, slow_steps=1 / (cfg.lr * lam_min),
        shrink=(1 - cfg.lr * lam_min) ** cfg.iterations, iterations=cfg.iterations,
        gd_loss=loss_of(w, x, y), ls_loss=loss_of(best, x, y), taylor_loss=loss_of(taylor, x, y),
    )


def save_plots(lesson: Lesson, x, y, w, w_random) -> None:
    best = least_squares(x, y)
    fig = plots.panels(x.tolist(), {
        "the truth": {"sin(x)": y.tolist()},
        "after gradient descent": {"fitted cubic": predict(w, x).tolist(),
                                   "least squares (best cubic)": predict(best, x).tolist()},
        "random start": {"random cubic": predict(w_random, x).tolist()},
    }, sharey=False)
    lesson.save_figure(fig, "fit.png")
    steps = [row["step"] for row in lesson.history]
    fig = plots.curves(steps, {"gradient descent": [row["loss"] for row in lesson.history]},
                       title="loss Σ(y_hat − y)² during training (log scale)", xlabel="step",
                       ylabel="loss", logy=True)
    lesson.save_figure(fig, "loss.png")
