"""The cubic's gradients by hand.

The sine lesson fits y_hat = a·x³ + b·x² + c·x + d to sin(x) by gradient descent on
loss = Σ (y_hat − y)². Write `hand_gradients(w, x, y)`: the gradient of that loss with
respect to w = (a, b, c, d), a tensor of shape (4,), by the chain rule. No autograd
(no .backward(), no torch.autograd): the check compares your answer with autograd's.

    dlcourse exercise check cubic-gradients
"""

import math

import torch


def predict(w, x):
    """y_hat = a·x³ + b·x² + c·x + d, where w = (a, b, c, d); x has shape (N,)."""
    a, b, c, d = w
    return a * x**3 + b * x**2 + c * x + d


def hand_gradients(w, x, y):
    """∂loss/∂(a, b, c, d) for loss = Σ (predict(w, x) − y)²: shape (4,)."""
    raise NotImplementedError("write the four partial derivatives")


if __name__ == "__main__":
    x = torch.linspace(-math.pi, math.pi, 5, dtype=torch.float64)
    print(hand_gradients(torch.tensor([0.1, 0.0, 1.0, 0.0], dtype=torch.float64), x,
                         torch.sin(x)))
