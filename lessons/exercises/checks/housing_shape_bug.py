"""train() on the bundled California housing table: its test RMSE must beat the linear
least-squares baseline on the same split."""

import warnings

import torch

from dlcourse.exercises import checking

EPOCHS = 5  # 830 Adam steps: the fixed MLP reaches a test RMSE of 0.668, the line 0.737
TEST_FRACTION = 0.2


def housing_split():
    """Standardized features (training statistics) and prices, split by a seeded shuffle."""
    from dlcourse.data.sets import sample_housing

    X, y, _ = sample_housing()
    X, y = torch.from_numpy(X), torch.from_numpy(y)
    order = torch.randperm(len(y), generator=torch.Generator().manual_seed(0))
    n_test = int(len(y) * TEST_FRACTION)
    test, train = order[:n_test], order[n_test:]
    mean, std = X[train].mean(dim=0), X[train].std(dim=0)
    X = (X - mean) / std
    return X[train], y[train], X[test], y[test]


def linear_rmse(X, y, X_test, y_test) -> float:
    def with_ones(A):
        return torch.cat([A, torch.ones(len(A), 1)], dim=1).double()

    w = torch.linalg.lstsq(with_ones(X), y.double().unsqueeze(1)).solution
    return (with_ones(X_test) @ w).squeeze(1).sub(y_test).pow(2).mean().sqrt().item()


def check(learner):
    train = checking.function(learner, "train")
    X, y, X_test, y_test = housing_split()
    baseline = linear_rmse(X, y, X_test, y_test)
    with warnings.catch_warnings(record=True) as caught, checking.threads(1):
        warnings.simplefilter("always")
        model = train(X, y, epochs=EPOCHS)
    checking.expect_true("train(X, y)", isinstance(model, torch.nn.Module),
                         f"expected it to return the model, got {checking.describe(model)}")
    model.eval()
    with torch.no_grad():
        y_hat = model(X_test)
    checking.expect_true("the model's predictions", y_hat.numel() == len(y_test),
                         f"expected one price per house ({len(y_test)}), got shape "
                         f"{tuple(y_hat.shape)}")
    rmse = (y_hat.reshape(-1) - y_test).pow(2).mean().sqrt().item()
    broadcast = next((str(w.message).split(". ")[0] for w in caught
                      if "target size" in str(w.message)), "")
    if rmse >= baseline:
        raise checking.Mismatch(
            f"test RMSE after {EPOCHS} epochs", f"below the linear baseline's {baseline:.3f}",
            f"{rmse:.3f} (${rmse * 100_000:,.0f})",
            note=f"PyTorch warned: {broadcast}" if broadcast else
            "compare the shapes of model(X[idx]) and y[idx]")
