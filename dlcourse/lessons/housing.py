"""California housing: an MLP regressor done right, and the source post's mistakes measured."""

import dataclasses
import math
import time
from dataclasses import dataclass

import torch
from torch import nn

from dlcourse import plots
from dlcourse.errors import Diverged
from dlcourse.i18n import messages, msg

# the features, per census block group (1990); what each means: housing.features.NAME
FEATURES = ("MedInc", "HouseAge", "AveRooms", "AveBedrms", "Population", "AveOccup",
            "Latitude", "Longitude")
SKEWED = ("AveRooms", "AveBedrms", "Population", "AveOccup")  # long right tails: log them
DOLLARS = 100_000  # the target is the median house value in units of $100,000
POST_EPOCHS = 200  # the post's count: about 9 s on a 2-core CPU
SCALER_EPOCHS = 20  # the short runs that compare inputs with and without the log


@dataclass(frozen=True)
class Config:
    epochs: int = 0  # passes over the training rows (0: the post's 200, fewer if time is short)
    lr: float = 1e-3  # Adam's learning rate, as in the post
    batch_size: int = 100  # rows per step, as in the post
    hidden: int = 100  # hidden units: the post's 8-100-1
    test_fraction: float = 0.2  # rows held out for testing (seeded split)
    mistakes: bool = False  # also run the post's three mistakes beside the fixed version

    def __post_init__(self):
        if self.epochs < 0 or self.batch_size < 1 or self.hidden < 1:
            raise ValueError(msg("housing.bad_sizes"))
        if not self.lr > 0:
            raise ValueError(msg("housing.bad_lr"))
        if not 0 < self.test_fraction < 1:
            raise ValueError(msg("housing.bad_test_fraction"))


class MLP(nn.Module):
    """8 features -> hidden ReLU units -> 1 price, returned as shape (N,) like the target."""

    def __init__(self, features=8, hidden=100):
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(features, hidden), nn.ReLU(),
                                    nn.Linear(hidden, 1))

    def forward(self, x):  # (N, 8) -> (N,)
        return self.layers(x).squeeze(1)  # squeeze: (N, 1) against (N,) would broadcast


def split(X, y, test_fraction, seed):
    """A seeded shuffle, then the first rows for training and the rest for testing."""
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(seed))
    n_test = int(len(y) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return X[train], y[train], X[test], y[test]


class Scaler:
    """log1p on the skewed columns, then standardization, all fitted on training rows only:
    test rows must not leak into the statistics the model is trained with."""

    def __init__(self, names, log_columns=SKEWED):
        self.log = torch.tensor([n in log_columns for n in names])

    def fit(self, X):
        X = self._log(X)
        self.mean, self.std = X.mean(dim=0), X.std(dim=0)
        return self

    def transform(self, X):
        return (self._log(X) - self.mean) / self.std

    def _log(self, X):
        return torch.where(self.log, torch.log1p(X.clamp(min=0)), X)


def train_mlp(model, X, y, X_test, y_test, cfg, seed, on_epoch=None, loss_fn=None):
    """Adam on mini-batches of MSE; returns the per-epoch history of train and test loss."""
    loss_fn = loss_fn or nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    g = torch.Generator().manual_seed(seed)
    history, step, first_loss = [], 0, None
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        order, total = torch.randperm(len(y), generator=g), 0.0
        for start in range(0, len(y), cfg.batch_size):
            idx = order[start:start + cfg.batch_size]
            X_batch, y_batch = X[idx], y[idx]  # new names: X and y stay the whole set
            loss = loss_fn(model(X_batch), y_batch)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            step, value = step + 1, loss.item()
            first_loss = first_loss or value
            if not math.isfinite(value) or value > 100 * first_loss:  # blown up (--lr 100)
                raise Diverged(step, value)
            total += value * len(idx)
        history.append({"epoch": epoch, "train_mse": total / len(y),
                        "test_mse": mse(model, X_test, y_test)})
        if on_epoch:
            on_epoch(history[-1])
    return history


@torch.no_grad()
def mse(model, X, y) -> float:
    model.eval()
    return nn.functional.mse_loss(model(X), y).item()


def baselines(X, y, X_test, y_test) -> dict:
    """Two yardsticks on the same split: the training mean, and linear least squares."""
    mean_rmse = (y_test - y.mean()).pow(2).mean().sqrt().item()
    A = torch.cat([X, torch.ones(len(X), 1)], dim=1).double()  # raw features + intercept
    w = torch.linalg.lstsq(A, y.double().unsqueeze(1)).solution
    A_test = torch.cat([X_test, torch.ones(len(X_test), 1)], dim=1).double()
    linear_rmse = (A_test @ w).squeeze(1).sub(y_test).pow(2).mean().sqrt().item()
    return {"baseline_mean_rmse": mean_rmse, "baseline_linear_rmse": linear_rmse}


def run(cfg: Config, ctx) -> None:
    data = ctx.load_data()
    X, y, names = data.X, data.y, data.feature_names
    show_data(ctx, X, y, names)
    X_train, y_train, X_test, y_test = split(X, y, cfg.test_fraction, ctx.seed)
    scaler = Scaler(names).fit(X_train)
    ctx.show.section("split", train=len(y_train), test=len(y_test))
    cfg = fit_to_time(ctx, cfg, scaler.transform(X_train), y_train)
    model = MLP(len(names), cfg.hidden)
    ctx.show.source(MLP, Scaler, train_mlp)
    ctx.show.predict()
    ctx.show.section("run", epochs=cfg.epochs)
    start = time.perf_counter()
    with ctx.show.live_table(*messages("housing.live_columns")) as live:
        def on_epoch(row):
            ctx.record.log(**row)
            live.add_row(str(row["epoch"]), f"{row['train_mse']:.4f}", f"{row['test_mse']:.4f}")

        history = train_mlp(model, scaler.transform(X_train), y_train, scaler.transform(X_test),
                            y_test, cfg, ctx.seed, on_epoch)
    seconds = time.perf_counter() - start
    report(ctx, model, scaler, X_train, y_train, X_test, y_test, history, seconds)
    compare_scalers(ctx, cfg, names, X_train, y_train, X_test, y_test)
    if cfg.mistakes:
        from dlcourse.lessons import housing_mistakes

        housing_mistakes.run(cfg, ctx, X_train, y_train, X_test, y_test, names)
    ctx.show.section("recap", **ctx.record.final)


def fit_to_time(ctx, cfg: Config, X, y) -> Config:
    """The post's 200 epochs, or as many as fit the lesson's time at the speed one epoch
    measures here (on a copy of the model, random state untouched); --epochs wins."""
    ends = [time.perf_counter()]  # when each epoch ended: the first also warms up
    with torch.random.fork_rng(devices=[]):
        train_mlp(MLP(X.shape[1], cfg.hidden), X, y, X[:10], y[:10],
                  dataclasses.replace(cfg, epochs=2), 0,
                  on_epoch=lambda row: ends.append(time.perf_counter()))
    seconds = ends[-1] - ends[-2]
    extra = 2 * SCALER_EPOCHS + (3 * 10 if cfg.mistakes else 0)
    epochs = ctx.count_that_fits("epochs", asked=cfg.epochs, post=POST_EPOCHS,
                                 seconds_each=seconds, extra=extra)
    return dataclasses.replace(cfg, epochs=epochs)


def show_data(ctx, X, y, names) -> None:
    """The first rows, what each feature means, its spread, and histograms."""
    rows = [[*(f"{v:.4g}" for v in X[i].tolist()), f"{y[i].item():.3f}"] for i in range(5)]
    ctx.show.table(msg("housing.first_rows"), [*names, msg("housing.target")], rows)
    q = torch.quantile(X, torch.tensor([0.5, 0.99]), dim=0)
    ctx.show.table(msg("housing.features_title"), messages("housing.features_columns"),
                   [[n, meaning(n), X[:, i].mean().item(), q[0, i].item(),
                     q[1, i].item(), X[:, i].max().item()] for i, n in enumerate(names)])
    missing = int(torch.isnan(X).sum() + torch.isnan(y).sum())
    capped = (y == y.max()).float().mean().item()  # on the cap: 5.00001, i.e. $500,001
    ctx.record.figure(plots.histograms({**{n: X[:, i] for i, n in enumerate(names)},
                                        msg("housing.target_units"): y}), "histograms.png")
    ctx.show.section("data", rows=len(y), missing=missing, capped=capped,
                     rooms_max=X[:, names.index("AveRooms")].max().item(),
                     occup_max=X[:, names.index("AveOccup")].max().item())


def meaning(feature: str) -> str:
    """What a feature of the table means, in the active language ("" for one it lacks)."""
    return msg(f"housing.features.{feature}") if feature in FEATURES else ""


def report(ctx, model, scaler, X_train, y_train, X_test, y_test, history, seconds):
    """Test errors in the target's units and dollars, beside the baselines; the figures."""
    model.eval()
    with torch.no_grad():
        y_hat = model(scaler.transform(X_test))
    errors = y_hat - y_test
    ctx.record.final.update(
        test_rmse=errors.pow(2).mean().sqrt().item(), test_mae=errors.abs().mean().item(),
        **baselines(X_train, y_train, X_test, y_test), train_seconds=seconds)
    f = ctx.record.final
    f["rmse_vs_linear"] = f["test_rmse"] / f["baseline_linear_rmse"]  # grades the prediction
    rows = zip(messages("housing.models"),  # the training mean, least squares, this MLP
               (f["baseline_mean_rmse"], f["baseline_linear_rmse"], f["test_rmse"]),
               ("", "", f["test_mae"]), strict=True)
    ctx.show.table(msg("housing.error_title"), messages("housing.error_columns"),
                   [[name, rmse, mae, f"${rmse * DOLLARS:,.0f}"] for name, rmse, mae in rows])
    epochs = [h["epoch"] for h in history]
    ctx.record.figure(plots.curves(epochs, {msg("housing.plot.train"): [h["train_mse"]
                                                                        for h in history],
                                            msg("housing.plot.test"): [h["test_mse"]
                                                                       for h in history]},
                                   title=msg("housing.plot.title"), xlabel=msg("housing.epoch"),
                                   ylabel=msg("housing.plot.mse"), logy=True), "loss.png")
    cap = max(y_train.max().item(), y_test.max().item())
    ctx.record.figure(plots.predicted_vs_actual(y_test, y_hat, cap=cap), "predicted.png")
    ctx.record.figure(plots.histograms({msg("housing.plot.residual"): errors},
                                       bins=80), "residuals.png")
    lon, lat = X_test[:, -1], X_test[:, -2]
    ctx.record.figure(plots.error_map(lon, lat, errors), "error-map.png")
    ctx.show.section("results", **f, rmse_dollars=f["test_rmse"] * DOLLARS,
                     mae_dollars=f["test_mae"] * DOLLARS, seconds=seconds)


def compare_scalers(ctx, cfg, names, X_train, y_train, X_test, y_test,
                    epochs=SCALER_EPOCHS) -> None:
    """The same short training with and without the log of the skewed features."""
    rmse = {}
    for key, log_columns in (("without_log", ()), ("with_log", SKEWED)):
        scaler = Scaler(names, log_columns).fit(X_train)
        torch.manual_seed(ctx.seed)
        model = MLP(len(names), cfg.hidden)
        short = dataclasses.replace(cfg, epochs=epochs)
        train_mlp(model, scaler.transform(X_train), y_train, scaler.transform(X_test), y_test,
                  short, ctx.seed)
        rmse[key] = mse(model, scaler.transform(X_test), y_test) ** 0.5
    ctx.show.table(msg("housing.outliers_title", epochs=epochs),
                   messages("housing.outliers_columns"),
                   [[msg(f"housing.scalers.{k}"), v] for k, v in rmse.items()])
    ctx.record.final.update(rmse_without_log=rmse["without_log"], rmse_with_log=rmse["with_log"])
    ctx.show.section("outliers", epochs=epochs, **ctx.record.final,
                     occup_max=X_train[:, names.index("AveOccup")].max().item())
