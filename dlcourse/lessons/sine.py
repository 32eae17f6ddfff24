"""Fit sin(x) on [-π, π] with a cubic a·x³ + b·x² + c·x + d, gradients written by hand."""

import contextlib
import dataclasses
import math
import time
from dataclasses import dataclass

import torch

from dlcourse import plots
from dlcourse.errors import Diverged
from dlcourse.i18n import messages, msg

POST_ITERATIONS = 2000  # the source post's count


@dataclass(frozen=True)
class Config:
    points: int = 1000  # samples of sin(x) on [-π, π], as in the source post
    iterations: int = 0  # gradient-descent steps (0: the post's 2,000, fewer if time is short)
    lr: float = 1e-6  # step size; the run prints the largest stable one (about 7e-6)
    log_every: int = 100  # steps between rows of the live loss table (all go to metrics)

    def __post_init__(self):
        if self.points < 4:
            raise ValueError(msg("sine.bad_points"))
        if self.iterations < 0:
            raise ValueError(msg("sine.bad_iterations"))
        if not self.lr > 0 or not math.isfinite(self.lr):
            raise ValueError(msg("sine.bad_lr"))
        if self.log_every < 1:
            raise ValueError(msg("sine.bad_log_every"))


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


def gradient_descent(w, x, y, lr, iterations, on_step):
    """Plain gradient descent; stops with Diverged as soon as the loss blows up."""
    first_loss = None
    for step in range(iterations + 1):
        loss = ((predict(w, x) - y) ** 2).sum().item()
        first_loss = first_loss or loss
        if not math.isfinite(loss) or loss > 100 * first_loss:
            raise Diverged(step, loss)
        on_step(step, loss, w)
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


def run(cfg: Config, ctx) -> None:
    # float64 so the hand-written and autograd gradients agree to ~1e-15
    x = torch.linspace(-math.pi, math.pi, cfg.points, dtype=torch.float64)
    y = torch.sin(x)
    w_random = torch.randn(4, dtype=torch.float64)  # (a, b, c, d), seeded by --seed
    ctx.show.section("idea")
    ctx.show.section("gradients")
    ctx.show.source(predict, hand_gradients, gradient_descent, title=msg("sine.code_title"))
    ctx.show.predict()
    cfg = fit_to_time(ctx, cfg, w_random, x, y)
    ctx.show.section("run", iterations=cfg.iterations, lr=cfg.lr)

    with ctx.show.live_table(msg("sine.step"), msg("sine.loss_sum"), "a", "b", "c", "d") as live:
        def on_step(step, loss, w):
            ctx.record.log(step=step, loss=loss)
            if step % cfg.log_every == 0 or step == cfg.iterations:
                live.add_row(str(step), f"{loss:,.3f}", *(f"{v:+.4f}" for v in w.tolist()))

        w, loss = gradient_descent(w_random, x, y, cfg.lr, cfg.iterations, on_step)

    check_against_autograd(ctx, w_random, x, y)
    explain_the_fit(cfg, ctx, w, w_random, x, y)
    save_plots(ctx, x, y, w, w_random)
    ctx.record.final["loss"] = loss
    ctx.record.final["loss_vs_best"] = loss / ctx.record.final["least_squares_loss"]
    ctx.show.section("recap", **ctx.record.final)


def fit_to_time(ctx, cfg: Config, w, x, y) -> Config:
    """--iterations, fewer if they cannot fit --minutes at the speed 20 steps measure here
    (two runs of them: the plain one and the rescaled one)."""
    start = time.perf_counter()
    with contextlib.suppress(Diverged):  # a too-large --lr: the run itself will say so
        gradient_descent(w, x, y, cfg.lr, 20, lambda *_: None)
    each = (time.perf_counter() - start) / 20
    iterations = ctx.count_that_fits("steps", asked=cfg.iterations, post=POST_ITERATIONS,
                                     seconds_each=2 * each, step=100)
    return dataclasses.replace(cfg, iterations=iterations)


def check_against_autograd(ctx, w, x, y) -> None:
    """One step's gradient both ways, side by side."""
    hand, auto = hand_gradients(w, x, y), autograd_gradients(w, x, y)
    rel = ((hand - auto).abs().max() / auto.abs().max()).item()
    ctx.show.source(autograd_gradients, title=msg("sine.autograd_title"))
    rows = [[name, h, a] for name, h, a in zip("abcd", hand.tolist(), auto.tolist(), strict=True)]
    ctx.show.table(msg("sine.gradient_table"), messages("sine.gradient_columns"), rows)
    ctx.record.final["autograd_max_rel_diff"] = rel
    ctx.show.section("autograd", rel=rel)


def curvature(x):
    """Eigenvalues of the loss's Hessian 2·XᵀX, ascending: the steepness of each direction.

    A step of lr shrinks the error along a direction of eigenvalue λ by (1 − lr·λ), and
    overshoots (diverges) once lr·λ > 2.
    """
    X = features(x)  # (N, 4)
    return torch.linalg.eigvalsh(2 * X.T @ X)  # (4,)


def flattest_direction(x):
    """The Hessian's eigenvector of smallest eigenvalue: the change of (a, b, c, d) that
    moves the loss least, the one gradient descent is slowest along."""
    X = features(x)
    _, vectors = torch.linalg.eigh(2 * X.T @ X)  # columns, by ascending eigenvalue
    return vectors[:, 0]  # (4,), unit length


def fit_scaled(w, x, y, iterations):
    """The same descent on t = x/π, where every column of the cubic lies in [−1, 1]."""
    scale = torch.tensor([math.pi**3, math.pi**2, math.pi, 1.0], dtype=x.dtype)
    t = x / math.pi
    lr = 1 / curvature(t)[-1].item()  # half the largest stable step
    w_t, _ = gradient_descent(w * scale, t, y, lr, iterations, lambda *_: None)
    return w_t / scale  # back to coefficients of x


def explain_the_fit(cfg: Config, ctx, w, w_random, x, y) -> None:
    """Compare with Taylor, least squares and scaled inputs; show why plain steps crawl."""
    taylor = torch.tensor([-1 / 6, 0.0, 1.0, 0.0], dtype=torch.float64)  # x − x³/6
    best, scaled = least_squares(x, y), fit_scaled(w_random, x, y, cfg.iterations)
    fits = dict(zip(messages("sine.fits"), (w, scaled, best, taylor), strict=True))
    rows = [[name, *vals] for name, *vals in zip(
        "abcd", *(f.tolist() for f in fits.values()), strict=True)]
    rows.append([msg("sine.loss"), *(loss_of(f, x, y) for f in fits.values())])
    ctx.show.table(msg("sine.cubic_table"), ["", *fits], rows)
    eig, eig_t = curvature(x), curvature(x / math.pi)
    lam_min, lam_max = eig[0].item(), eig[-1].item()
    flat = flattest_direction(x)
    largest = flat.abs().argmax().item()  # the coefficient that dominates it
    ctx.record.final.update(
        least_squares_loss=loss_of(best, x, y),
        scaled_loss=loss_of(scaled, x, y),
        condition_number=lam_max / lam_min,
        scaled_condition_number=(eig_t[-1] / eig_t[0]).item(),
        max_stable_lr=2 / lam_max,
        flat_coefficient="abcd"[largest],
        flat_share=flat[largest].item() ** 2,  # of the unit vector's squared length
    )
    ctx.show.section(
          "results", lam_min=lam_min, lam_max=lam_max, max_lr=2 / lam_max, lr=cfg.lr,
          headroom=2 / lam_max / cfg.lr, slow_steps=1 / (cfg.lr * lam_min),
          shrink=(1 - cfg.lr * lam_min) ** cfg.iterations,
          iterations=cfg.iterations, gd_loss=loss_of(w, x, y), taylor_loss=loss_of(taylor, x, y),
          flat=", ".join(f"{round(v, 3) + 0.0:+.3f}" for v in flat.tolist()),  # no −0.000
          **ctx.record.final,
      )


def save_plots(ctx, x, y, w, w_random) -> None:
    best = least_squares(x, y)
    fig = plots.panels(x.tolist(), {
        msg("sine.plot.truth"): {"sin(x)": y.tolist()},
        msg("sine.plot.after"): {"sin(x)": y.tolist(),
                                 msg("sine.plot.fitted"): predict(w, x).tolist(),
                                 msg("sine.plot.best"): predict(best, x).tolist()},
        msg("sine.plot.random"): {msg("sine.plot.random_cubic"): predict(w_random, x).tolist()},
    }, sharey=False)
    ctx.record.figure(fig, "fit.png")
    steps = [row["step"] for row in ctx.record.history]
    fig = plots.curves(steps, {msg("sine.plot.descent"): [row["loss"]
                                                           for row in ctx.record.history]},
                       title=msg("sine.plot.loss_title"), xlabel=msg("sine.step"),
                       ylabel=msg("sine.loss"), logy=True,
                       hlines={msg("sine.plot.best_loss"): loss_of(best, x, y)})
    ctx.record.figure(fig, "loss.png")
