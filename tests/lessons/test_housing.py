"""The housing lesson: a leak-free split and scaling, beating both baselines on data with a
known nonlinear signal, the mistakes part, and bad options."""

import dataclasses
import io
import json

import pytest
import torch
from rich.console import Console

from dlcourse.course import runner
from dlcourse.course.render import Screen
from dlcourse.lessons import housing, housing_mistakes

NAMES = housing.SKEWED + ("A", "B", "Latitude", "Longitude")


def synthetic(n=3000, seed=0):
    """Eight features, a target with a nonlinear signal a linear model cannot fit."""
    g = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 8, generator=g) * 4
    X[:, :4] = torch.exp(X[:, :4])  # long right tails, like rooms and population
    y = torch.sin(2 * X[:, 4]) + (X[:, 5] - 2).abs() + 0.1 * torch.randn(n, generator=g)
    return X, y


def test_split_is_seeded_and_disjoint():
    X, y = synthetic(100)
    a = housing.split(X, y, 0.2, seed=1)
    b = housing.split(X, y, 0.2, seed=1)
    assert all(torch.equal(p, q) for p, q in zip(a, b, strict=True))
    assert len(a[1]) == 80 and len(a[3]) == 20
    rows = {tuple(r.tolist()) for r in a[0]} & {tuple(r.tolist()) for r in a[2]}
    assert not rows


def test_scaler_statistics_are_the_training_rows_own():
    X, y = synthetic(1000)
    X_train, _, X_test, _ = housing.split(X, y, 0.2, seed=0)
    X_test = X_test + 50  # test rows far from the training rows: a leak would move the stats
    scaler = housing.Scaler(NAMES).fit(X_train)
    logged = torch.cat([torch.log1p(X_train[:, :4]), X_train[:, 4:]], dim=1)  # SKEWED first
    torch.testing.assert_close(scaler.mean, logged.mean(0))
    torch.testing.assert_close(scaler.std, logged.std(0))
    everything = housing.Scaler(NAMES).fit(torch.cat([X_train, X_test]))
    assert ((everything.mean - scaler.mean).abs() > 0.1).all(), "the shift must show in the stats"
    Z = scaler.transform(X_train)
    torch.testing.assert_close(Z.mean(0), torch.zeros(8), atol=1e-4, rtol=0)
    torch.testing.assert_close(Z.std(0), torch.ones(8), atol=1e-4, rtol=0)
    Z_test = scaler.transform(X_test)  # with the training statistics, not the test rows' own
    assert (Z_test.mean(0) > 0.5).all(), f"test rows standardized on their own: {Z_test.mean(0)}"


class BlankPlots:
    """Every plot function drawing an empty figure: seconds saved where plots are not tested."""

    def __getattr__(self, name):
        from matplotlib.figure import Figure

        return lambda *args, **kwargs: Figure()


def test_the_lesson_fits_every_scaler_on_the_training_rows_only(tmp_path, monkeypatch):
    """Record the split and every Scaler.fit of a short real run (main model, the log
    comparison, the mistakes part): each fit must get exactly the training rows. On the real
    table the statistics of all rows and of the training rows differ by under 1%, so no metric
    would show a leak; the rows given to fit do."""
    splits, fitted = [], []
    real_split, real_fit, real_train = housing.split, housing.Scaler.fit, housing.train_mlp

    def recording_split(*args, **kwargs):
        splits.append(real_split(*args, **kwargs))
        return splits[-1]

    def recording_fit(self, X):
        fitted.append(X.clone())
        return real_fit(self, X)

    def one_epoch(model, X, y, X_test, y_test, cfg, *args, **kwargs):  # keeps the run short
        return real_train(model, X, y, X_test, y_test, dataclasses.replace(cfg, epochs=1),
                          *args, **kwargs)

    monkeypatch.setattr(housing, "split", recording_split)
    monkeypatch.setattr(housing.Scaler, "fit", recording_fit)
    monkeypatch.setattr(housing, "train_mlp", one_epoch)
    monkeypatch.setattr(housing, "plots", BlankPlots())
    out = io.StringIO()
    code = runner.start("housing", ["--offline", "--epochs", "1", "--mistakes", "--out",
                                    str(tmp_path / "r")], Screen(console=Console(file=out)))
    assert code == 0, out.getvalue()[-3000:]
    assert len(splits) == 1, f"the lesson split the rows {len(splits)} times"
    X_train, _, X_test, _ = splits[0]
    test_rows = {tuple(r) for r in X_test.tolist()}
    assert len(fitted) >= 4, f"only {len(fitted)} scalers fitted: main, 2 compared, mistakes"
    for i, X in enumerate(fitted):
        leaked = sum(tuple(r) in test_rows for r in X.tolist())
        assert not leaked, f"scaler {i} was fitted on {leaked} of the {len(X_test)} test rows"
        assert torch.equal(X, X_train), f"scaler {i} was fitted on other rows than the training"


def test_mlp_beats_both_baselines_on_a_known_nonlinear_signal():
    X, y = synthetic()
    X_train, y_train, X_test, y_test = housing.split(X, y, 0.2, seed=0)
    scaler = housing.Scaler(NAMES).fit(X_train)
    cfg = housing.Config(epochs=40)
    torch.manual_seed(0)
    model = housing.MLP(8, 100)
    housing.train_mlp(model, scaler.transform(X_train), y_train, scaler.transform(X_test),
                      y_test, cfg, seed=0)
    rmse = housing.mse(model, scaler.transform(X_test), y_test) ** 0.5
    base = housing.baselines(X_train, y_train, X_test, y_test)
    assert rmse < 0.8 * base["baseline_linear_rmse"] < base["baseline_mean_rmse"]


def test_the_shape_mistake_reproduces_pytorchs_broadcasting_warning():
    with pytest.warns(UserWarning, match="different to the input size"):
        housing_mistakes.broadcast_mse(torch.zeros(5, 1), torch.zeros(5))
    assert housing.MLP()(torch.zeros(5, 8)).shape == (5,)
    assert housing_mistakes.MLPColumn()(torch.zeros(5, 8)).shape == (5, 1)


def test_the_shadowing_mistake_is_measured():
    X, y = synthetic(500)
    demo = housing_mistakes.shadowing_demo(X, y, 100)
    assert (demo["rows_before"], demo["batch1_rows"], demo["batch2_rows"]) == (500, 100, 0)
    assert demo["batch2_loss"] != demo["batch2_loss"]  # nan


@pytest.mark.slow
def test_full_lesson_on_the_bundled_table_with_mistakes(tmp_path):
    out = io.StringIO()
    code = runner.start("housing", ["--offline", "--epochs", "3", "--mistakes", "--out",
                                    str(tmp_path / "r")], Screen(console=Console(file=out)))
    assert code == 0, out.getvalue()[-3000:]
    m = json.loads((tmp_path / "r" / "metrics.json").read_text())
    assert {"test_rmse", "test_mae", "baseline_mean_rmse", "baseline_linear_rmse",
            "train_seconds"} <= set(m["final"])
    assert m["data"]["rows"] == 20_640 and m["data"]["source"] == "sample"
    assert m["final"]["test_rmse"] < m["final"]["baseline_linear_rmse"]
    assert m["final"]["mistake_shape_mse"] > 2 * m["final"]["fixed_mse"]
    for png in ("histograms.png", "loss.png", "predicted.png", "residuals.png",
                "error-map.png"):
        assert (tmp_path / "r" / png).is_file()
    assert "different to the input size" in " ".join(out.getvalue().split())


@pytest.mark.parametrize("args, message", [
    (["--lr", "0"], "--lr must be a positive number"),
    (["--hidden", "0"], "must be positive numbers"),
    (["--test-fraction", "1.5"], "between 0 and 1"),
    (["--data", "x"], "Unknown option --data. Did you mean --data-dir?"),
])
def test_bad_options_exit_2(cli, args, message):
    out = cli("lesson", "housing", "--offline", *args, code=2).output
    assert message in out and "Traceback" not in out
