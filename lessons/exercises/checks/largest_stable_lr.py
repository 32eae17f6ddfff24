"""largest_stable_lr against 2/λ_max on random X, then descent on each side of the edge."""

import torch

from dlcourse.exercises import checking


def descend(X, y, lr, steps=300):
    """The loss after `steps` of plain gradient descent from w = 0."""
    w = torch.zeros(X.shape[1], dtype=X.dtype)
    for _ in range(steps):
        w = w - lr * 2 * X.T @ (X @ w - y)
    return ((X @ w - y) ** 2).sum().item()


def check(learner):
    largest_stable_lr = checking.function(learner, "largest_stable_lr")
    for case in checking.cases(25):
        n, k = case.int(3, 40), case.int(1, 5)
        X = case.randn(n, k) * case.rand(k) * 10  # columns of unequal scale
        y = case.randn(n)
        expected = 2 / torch.linalg.eigvalsh(2 * X.T @ X)[-1].item()
        got = largest_stable_lr(X)
        example = f"X of shape {tuple(X.shape)}, row 0 = {checking.values(X[0])}"
        checking.expect_close("largest_stable_lr(X)", got, expected, rtol=1e-6, example=example)
        if case.index < 5:  # what the number means: converges below it, diverges above
            start = (y**2).sum().item()
            below, above = descend(X, y, 0.95 * float(got)), descend(X, y, 1.05 * float(got))
            checking.expect_true("descent at 0.95 × your rate", below <= start,
                                 f"expected the loss to fall, got {below:.3g} from {start:.3g}")
            checking.expect_true("descent at 1.05 × your rate", not above < 1e3 * start,
                                 f"expected divergence, got a loss of {above:.3g}")
