"""Pairs: length and items; with a DataLoader: the batches' shapes. mean_loss: the whole
set's mean loss, with a last batch smaller than the others."""

import torch
from torch import nn
from torch.utils.data import DataLoader

from dlcourse.exercises import checking


class GradientWatcher(nn.Module):
    """A linear model that notes whether gradients were being recorded when it ran."""

    def __init__(self, d, c):
        super().__init__()
        self.linear = nn.Linear(d, c, dtype=torch.float64)
        self.grad_enabled = []

    def forward(self, x):
        self.grad_enabled.append(torch.is_grad_enabled())
        return self.linear(x)


def check(learner):
    Pairs = checking.function(learner, "Pairs")
    mean_loss = checking.function(learner, "mean_loss")
    for case in checking.cases(20):
        n, d, c = case.int(1, 40), case.int(1, 5), case.int(2, 4)
        X, y = case.randn(n, d), case.randint(0, c, (n,))
        data = Pairs(X, y)
        checking.expect_equal("len(dataset)", len(data), n, f"{n} examples")
        i = case.int(0, n - 1)
        item = data[i]
        checking.expect_true(f"dataset[{i}]", isinstance(item, tuple | list) and len(item) == 2,
                             f"expected the pair (X[{i}], y[{i}]), got {checking.describe(item)}")
        checking.expect_close(f"dataset[{i}][0]", item[0], X[i])
        checking.expect_equal(f"dataset[{i}][1]", item[1], y[i])
        batch = case.int(1, 9)
        shapes = [(tuple(xb.shape), tuple(yb.shape)) for xb, yb in DataLoader(data, batch)]
        last = n - batch * (len(shapes) - 1)
        checking.expect_equal("the DataLoader's last batch shapes", shapes[-1],
                              ((last, d), (last,)), f"{n} examples in batches of {batch}")
        model = GradientWatcher(d, c)
        expected = nn.functional.cross_entropy(model(X), y).item()
        model.grad_enabled.clear()
        got = mean_loss(model, data, nn.CrossEntropyLoss(), batch)
        checking.expect_close("mean_loss(...)", got, expected, rtol=1e-6,
                              example=f"{n} examples in batches of {batch}: weigh each batch's "
                                      "mean by its size")
        checking.expect_true("mean_loss(...)", not any(model.grad_enabled),
                             "expected gradients off (torch.no_grad()) during evaluation")
