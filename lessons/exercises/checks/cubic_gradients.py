"""hand_gradients against autograd, on random cubics and random points."""

import math

import torch

from dlcourse.exercises import checking

NO_AUTOGRAD = "the exercise is to write the chain rule by hand"


def autograd_gradients(w, x, y):
    w = w.detach().clone().requires_grad_()
    a, b, c, d = w
    loss = ((a * x**3 + b * x**2 + c * x + d - y) ** 2).sum()
    loss.backward()
    return w.grad


def check(learner):
    hand_gradients = checking.function(learner, "hand_gradients")
    for case in checking.cases(30):
        n = case.int(1, 60)
        x = case.rand(n) * 2 * math.pi - math.pi  # (n,) in [-π, π]
        y = torch.sin(x) + case.randn(n, scale=0.1)
        w = case.randn(4)
        expected = autograd_gradients(w, x, y)
        with checking.forbid({"torch.Tensor.backward": NO_AUTOGRAD,
                              "torch.autograd.grad": NO_AUTOGRAD,
                              "torch.autograd.backward": NO_AUTOGRAD}):
            got = hand_gradients(w, x, y)
        checking.expect_close("the gradient (∂a, ∂b, ∂c, ∂d)", got, expected, rtol=1e-6,
                              atol=1e-9, example=f"w = {checking.values(w)} and {n} random points")
