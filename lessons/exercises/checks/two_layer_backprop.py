"""gradients() against autograd on random two-layer networks, and against central finite
differences on a few entries."""

import torch

from dlcourse.exercises import checking

NO_AUTOGRAD = "the exercise is to write the chain rule by hand"
NAMES = ("W1", "b1", "W2", "b2")


def loss_of(X, y, W1, b1, W2, b2):
    return (((X @ W1 + b1).relu() @ W2 + b2 - y) ** 2).mean()


def check(learner):
    gradients = checking.function(learner, "gradients")
    for case in checking.cases(25):
        n, d, h = case.int(1, 12), case.int(1, 5), case.int(1, 8)
        X, y = case.randn(n, d), case.randn(n)
        params = [case.randn(d, h), case.randn(h), case.randn(h), case.randn(())]
        with checking.forbid({"torch.Tensor.backward": NO_AUTOGRAD,
                              "torch.autograd.grad": NO_AUTOGRAD,
                              "torch.autograd.backward": NO_AUTOGRAD}):
            got = gradients(X, y, *params)
        shown = list(got) if isinstance(got, dict) else checking.describe(got)
        checking.expect_true("gradients(...)", isinstance(got, dict) and set(got) >= set(NAMES),
                             f"expected a dict with keys {list(NAMES)}, got {shown}")
        leaves = [p.clone().requires_grad_() for p in params]
        expected = torch.autograd.grad(loss_of(X, y, *leaves), leaves)
        example = f"N={n} examples, D={d} inputs, H={h} hidden units"
        for name, e in zip(NAMES, expected, strict=True):
            checking.expect_close(f"∂loss/∂{name}", got[name], e, rtol=1e-6, atol=1e-9,
                                  example=example)
        if case.index < 3:
            finite_differences(X, y, params, got, example)


def finite_differences(X, y, params, got, example, eps=1e-6):
    """The slow, independent check: nudge one entry of each parameter both ways."""
    for name, p in zip(NAMES, params, strict=True):
        flat = p.view(-1)
        i = flat.numel() // 2
        old = flat[i].item()
        flat[i] = old + eps
        up = loss_of(X, y, *params).item()
        flat[i] = old - eps
        down = loss_of(X, y, *params).item()
        flat[i] = old
        numeric = (up - down) / (2 * eps)
        checking.expect_close(f"∂loss/∂{name} entry {i}, against finite differences",
                              got[name].reshape(-1)[i].item(), numeric, rtol=1e-4, atol=1e-6,
                              example=example)
