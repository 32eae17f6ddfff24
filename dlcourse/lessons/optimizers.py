"""SGD, momentum, RMSprop and Adam on the sine lesson's ill-conditioned least squares, in 2-D."""

import math
from dataclasses import dataclass

import torch

from dlcourse import plots
from dlcourse.i18n import messages, msg
from dlcourse.lessons import sine

POINTS = 1000  # samples of sin(x) on [-π, π], as in the sine lesson
MOMENTUM = 0.9  # SGD's momentum: the usual value, and the ResNet post's
# The learning rates tried: 10 per decade from 1e-8 to 1e3, so a measured ceiling sits
# within a factor 10^0.1 = 1.26 below the true one.
GRID = [10 ** (k / 10) for k in range(-80, 31)]
OPTIMIZERS = {  # name -> how to build it for a list of parameters and a learning rate
    "SGD": lambda params, lr: torch.optim.SGD(params, lr=lr),
    "SGD + momentum": lambda params, lr: torch.optim.SGD(params, lr=lr, momentum=MOMENTUM),
    "RMSprop": lambda params, lr: torch.optim.RMSprop(params, lr=lr),
    "Adam": lambda params, lr: torch.optim.Adam(params, lr=lr),
}
KEYS = {name: name.lower().replace(" + ", "_") for name in OPTIMIZERS}  # for metrics.json


def shown(name: str) -> str:
    """An optimizer's name as tables and figures show it ("SGD + momentum" in the active
    language); the English name stays the key of metrics.json."""
    return dict(zip(OPTIMIZERS, messages("optimizers.names"), strict=True))[name]


@dataclass(frozen=True)
class Config:
    tolerance: float = 0.01  # "reached": a loss at most this fraction above the best one
    max_steps: int = 2000  # the most steps a run may take to get there
    horizon: int = 100  # steps a learning rate must survive to count as stable
    halvings: int = 4  # the race tries each ceiling, then up to this many halvings of it

    def __post_init__(self):
        if not 0 < self.tolerance < 1:
            raise ValueError(msg("optimizers.bad_tolerance"))
        if self.max_steps < 1 or self.horizon < 1 or self.halvings < 0:
            raise ValueError(msg("optimizers.bad_steps"))


def problem(points=POINTS):
    """The sine fit cut to its odd terms: y_hat = a·x³ + c·x. X is (N, 2) = [x³, x].

    sin is odd, so the best cubic has b = d = 0: these two coefficients carry the fit."""
    x = torch.linspace(-math.pi, math.pi, points, dtype=torch.float64)
    return torch.stack([x**3, x], dim=1), torch.sin(x)


def loss_fn(w, X, y):
    """Σ (y_hat − y)², with w = (a, c): (N, 2) @ (2,) -> (N,) predictions."""
    return ((X @ w - y) ** 2).sum()


@dataclass
class Run:
    """One optimizer run: where w went, its losses, and how it ended."""

    path: list  # [(a, c)] for step 0, 1, ...
    losses: list
    reached: int | None = None  # the step whose loss first met the target
    diverged: bool = False


def descend(make_optimizer, lr, w0, X, y, steps, target=-math.inf) -> Run:
    """Up to `steps` optimizer steps from w0; stops early once the loss reaches `target`,
    or blows up (nan, inf, or 100× where it started: the course's rule)."""
    w = w0.clone().requires_grad_()  # (2,): the one parameter tensor
    optimizer = make_optimizer([w], lr)
    run = Run([], [])
    for step in range(steps + 1):
        loss = loss_fn(w, X, y)
        run.path.append(w.tolist())
        run.losses.append(loss.item())
        if not math.isfinite(run.losses[-1]) or run.losses[-1] > 100 * run.losses[0]:
            run.diverged = True
            break
        if run.losses[-1] <= target:
            run.reached = step
            break
        if step < steps:
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return run


def ceiling(make_optimizer, w0, X, y, horizon) -> float | None:
    """The largest learning rate of GRID that survives `horizon` steps (None: none does).
    Tried from the top down, so the runs above the ceiling stop within a few steps."""
    for lr in reversed(GRID):
        if not descend(make_optimizer, lr, w0, X, y, horizon).diverged:
            return lr
    return None


def race(make_optimizer, top_lr, w0, X, y, target, cfg: Config):
    """(lr, run) of the fewest steps to `target`: the ceiling first, then halving the lr
    while that makes it faster. A run stops once it cannot beat the best so far. When no
    run gets there, the ceiling's run (its `reached` is None)."""
    best = first = None
    for lr in (top_lr / 2**k for k in range(cfg.halvings + 1)):
        limit = best[1].reached - 1 if best else cfg.max_steps
        run = descend(make_optimizer, lr, w0, X, y, limit, target)
        first = first or (lr, run)
        if run.reached is None and best:
            break  # slower at half the lr: smaller steps will not help
        if run.reached is not None:
            best = (lr, run)
    return best or first


def curvature(X):
    """Eigenvalues (ascending) and eigenvectors (columns) of the loss's Hessian 2·XᵀX."""
    return torch.linalg.eigh(2 * X.T @ X)  # (2,) and (2, 2) here


def first_step(make_optimizer, lr, w0, X, y) -> float:
    """How far one step moves the farthest coordinate, in units of lr."""
    path = descend(make_optimizer, lr, w0, X, y, steps=1).path
    return (torch.tensor(path[1]) - torch.tensor(path[0])).abs().max().item() / lr


def run(cfg: Config, ctx) -> None:
    X, y = problem()
    w0 = torch.randn(2, dtype=torch.float64)  # (a, c) at random, seeded by --seed
    w_best = torch.linalg.lstsq(X, y.unsqueeze(1)).solution.squeeze(1)  # (2,)
    best_loss = loss_fn(w_best, X, y).item()
    target = best_loss * (1 + cfg.tolerance)
    (lam_min, lam_max), vectors = curvature(X)
    lam_min, lam_max = lam_min.item(), lam_max.item()
    steep = vectors[:, 1].abs()  # the direction of λ_max, as (a, c)
    full = sine.curvature(torch.linspace(-math.pi, math.pi, POINTS, dtype=torch.float64))
    ctx.record.final.update(
        least_squares_loss=best_loss, condition_number=lam_max / lam_min,
        sine_condition_number=(full[-1] / full[0]).item(), lam_max=lam_max, lam_min=lam_min,
        sgd_limit=2 / lam_max, momentum_limit=2 * (1 + MOMENTUM) / lam_max)
    ctx.show.section("idea", **ctx.record.final, a=w_best[0].item(), c=w_best[1].item(),
                     start_loss=loss_fn(w0, X, y).item(), tolerance=cfg.tolerance,
                     sine_lam_max=full[-1].item(), sine_lam_min=full[0].item(),
                     steep_angle=math.degrees(math.atan2(steep[1], steep[0])))
    ctx.show.source(loss_fn, descend, title=msg("optimizers.code_title"))
    ctx.show.section("optimizers", momentum=MOMENTUM)
    ctx.show.predict()
    ceilings = measure_ceilings(ctx, cfg, w0, X, y)
    results, counted = run_races(ctx, cfg, ceilings, w0, w_best, X, y, target)
    save_figures(ctx, results, w0, w_best, X, y)
    ctx.show.section("recap", **{**ctx.record.final, **counted})


def measure_ceilings(ctx, cfg: Config, w0, X, y) -> dict:
    """Each optimizer's largest stable learning rate, beside what the Hessian predicts."""
    f = ctx.record.final
    theory = {"SGD": f"2/λ_max = {f['sgd_limit']:.3g}",
              "SGD + momentum": f"2(1+μ)/λ_max = {f['momentum_limit']:.3g}"}
    ceilings, rows = {}, []
    for name, make in OPTIMIZERS.items():
        lr = ceilings[name] = ceiling(make, w0, X, y, cfg.horizon)
        above = next((g for g in GRID if lr is None or g > lr), None)
        rows.append([shown(name), f"{lr:.3g}" if lr else msg("optimizers.none"),
                     f"{above:.3g}" if above else "–",
                     theory.get(name, msg("optimizers.no_theory"))])
        f[f"ceiling_{KEYS[name]}"] = lr or 0.0
    ctx.show.table(msg("optimizers.ceilings_title", horizon=cfg.horizon),
                   messages("optimizers.ceilings_columns"), rows)
    f["sgd_ceiling_vs_limit"] = f["ceiling_sgd"] / f["sgd_limit"]
    f["momentum_ceiling_vs_limit"] = f["ceiling_sgd_momentum"] / f["momentum_limit"]
    f["adam_vs_rmsprop_ceiling"] = f["ceiling_adam"] / (f["ceiling_rmsprop"] or math.nan)
    ctx.show.section("ceilings", **f, grid_step=GRID[1] / GRID[0], horizon=cfg.horizon,
                     rmsprop_first_step=first_step(OPTIMIZERS["RMSprop"], 1e-3, w0, X, y),
                     adam_first_step=first_step(OPTIMIZERS["Adam"], 1e-3, w0, X, y))
    return ceilings


def run_races(ctx, cfg: Config, ceilings, w0, w_best, X, y, target):
    """Each optimizer from its ceiling down: steps to the target. Returns the runs, and
    the step counts as the text shows them."""
    f, results, rows, steps = ctx.record.final, {}, [], {}  # steps: as the text shows them
    for name, make in OPTIMIZERS.items():
        found = race(make, ceilings[name], w0, X, y, target, cfg) if ceilings[name] else None
        results[name], key = found, KEYS[name]
        if found is None or found[1].reached is None:
            steps[f"steps_{key}"] = msg("optimizers.more_than", steps=f"{cfg.max_steps:,}")
            rows.append([shown(name), "–", steps[f"steps_{key}"], "–"])
            f.update({f"steps_{key}": cfg.max_steps + 1, f"lr_{key}": math.nan})
            continue
        lr, run = found
        steps[f"steps_{key}"] = f"{run.reached:,}"
        rows.append([shown(name), f"{lr:.3g}", f"{run.reached:,}", f"{run.losses[-1]:.4g}"])
        f.update({f"steps_{key}": run.reached, f"lr_{key}": lr})
        for step, loss in enumerate(run.losses):
            ctx.record.log(optimizer=name, lr=lr, step=step, loss=loss)
    ctx.show.table(msg("optimizers.race_title", tolerance=f"{cfg.tolerance:.0%}"),
                   messages("optimizers.race_columns"), rows)
    counts = [f[f"steps_{key}"] for key in KEYS.values()]
    fastest = counts.index(min(counts))
    f.update(fastest_choice=fastest + 1, sgd_vs_momentum=counts[0] / counts[1],
             adam_vs_sgd_lr=f["lr_adam"] / f["lr_sgd"])
    distance = (w0 - w_best).abs().max().item()  # the farthest coordinate's way to go
    lr_sgd = 0.0 if math.isnan(f["lr_sgd"]) else f["lr_sgd"]
    ctx.show.section("race", **{**f, **steps}, fastest=shown(list(OPTIMIZERS)[fastest]),
                     max_steps=cfg.max_steps, distance=distance,
                     adam_default_steps=distance / 1e-3,
                     steep_factor=abs(1 - lr_sgd * f["lam_max"]),
                     flat_factor=1 - lr_sgd * f["lam_min"])
    return results, steps


def save_figures(ctx, results, w0, w_best, X, y) -> None:
    """The four paths over the loss's contours, and the four losses per step."""
    paths = {}
    for name, found in results.items():
        if found:
            lr, run = found
            done = (msg("optimizers.reached", steps=f"{run.reached:,}") if run.reached is not None
                    else msg("optimizers.not_reached", steps=f"{len(run.path) - 1:,}"))
            paths[msg("optimizers.path", name=shown(name), lr=f"{lr:.3g}", done=done)] = run.path

    def surface(a, c):  # numpy (G, G) grids of a and c -> (G, G) losses
        return loss_surface(torch.from_numpy(a), torch.from_numpy(c), X, y).numpy()

    fig = plots.contour_paths(surface, paths, start=w0.tolist(), optimum=w_best.tolist(),
                              title=msg("optimizers.plot.paths_title"),
                              xlabel=msg("optimizers.plot.a"), ylabel=msg("optimizers.plot.c"))
    ctx.record.figure(fig, "paths.png")
    curves = {shown(name): found[1].losses for name, found in results.items() if found}
    steps = {label: list(range(len(losses))) for label, losses in curves.items()}
    fig = plots.curves(steps, curves, title=msg("optimizers.plot.loss_title"),
                       xlabel=msg("optimizers.plot.step"), ylabel=msg("optimizers.plot.loss"),
                       logy=True, hlines={msg("optimizers.plot.least_squares"):
                                          ctx.record.final["least_squares_loss"]})
    ctx.record.figure(fig, "loss.png")


def loss_surface(a, c, X, y):
    """The loss at every point of two (G, G) grids of a and c, from the expansion
    Σ (Xw − y)² = wᵀ(XᵀX)w − 2·wᵀ(Xᵀy) + yᵀy, so no (G, G, N) tensor is built."""
    W = torch.stack([a, c], dim=-1)  # (G, G, 2)
    return ((W @ (X.T @ X)) * W).sum(-1) - 2 * W @ (X.T @ y) + y @ y  # (G, G)
