"""Standardizer: training statistics only, checked on random splits whose test rows are
shifted, so statistics that leak from the test rows show."""

import torch

from dlcourse.exercises import checking


def check(learner):
    Standardizer = checking.function(learner, "Standardizer")
    for case in checking.cases(25):
        n, m, f = case.int(5, 80), case.int(1, 30), case.int(1, 8)
        center, spread = case.randn(f, scale=10.0), case.rand(f) * 5 + 0.5
        X_train = case.randn(n, f) * spread + center  # (N, F)
        X_test = case.randn(m, f) * spread * 2 + center + 3 * spread  # shifted and wider
        X_train_copy, X_test_copy = X_train.clone(), X_test.clone()
        scaler = Standardizer()
        fitted = scaler.fit(X_train)
        checking.expect_true("fit(X_train)", fitted is scaler,
                             f"expected it to return self, got {checking.describe(fitted)}")
        got_test = scaler.transform(X_test)
        got_train = scaler.transform(X_train)
        checking.expect_true("fit and transform", torch.equal(X_train, X_train_copy)
                             and torch.equal(X_test, X_test_copy),
                             "they changed their input in place; return a new tensor")
        mean = X_train.mean(dim=0)
        # the unbiased std (torch's default) or the biased one (numpy's, sklearn's): both fine
        stds = X_train.std(dim=0), X_train.std(dim=0, correction=0)
        expected = [(X_test - mean) / std for std in stds]
        checking.expect_shape("transform(X_test)", got_test, (m, f))
        if m > 1 and bool((got_test.mean(dim=0).abs() < 1e-6).all()):
            raise checking.Mismatch(
                "test statistics leaked in: the test rows came out with mean 0, so they "
                "were scaled with their own mean", "the training mean",
                "the test rows' own mean",
                example=f"train mean {checking.values(mean)}, test mean "
                        f"{checking.values(X_test.mean(dim=0))}")
        example = f"{n} training and {m} test rows of {f} features"
        if not any(torch.allclose(got_test.double(), e, rtol=1e-5, atol=1e-6)
                   for e in expected):
            checking.expect_close("transform(X_test)", got_test, expected[0], rtol=1e-5,
                                  atol=1e-6, example=example)
        checking.expect_true(
            "transform(X_train)", bool((got_train.mean(dim=0).abs() < 1e-4).all()),
            f"expected mean 0 in every column, got {checking.values(got_train.mean(dim=0))}")
    check_refit(Standardizer)


def check_refit(Standardizer):
    """Transforming new rows must not change what fit() learned (no re-fitting)."""
    X_train = torch.arange(12.0, dtype=torch.float64).reshape(6, 2)  # means (5, 6)
    scaler = Standardizer().fit(X_train)
    first = scaler.transform(X_train[:2])
    scaler.transform(X_train * 100 + 7)  # unrelated rows in between
    again = scaler.transform(X_train[:2])
    checking.expect_close("transform() of the same rows, after transforming others", again,
                          first, note="transform must not learn from the rows it scales")
