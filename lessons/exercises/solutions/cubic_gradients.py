"""The cubic's gradients by hand: the chain rule through y_hat = a·x³ + b·x² + c·x + d."""

import math

import torch


def predict(w, x):
    """y_hat = a·x³ + b·x² + c·x + d, where w = (a, b, c, d); x has shape (N,)."""
    a, b, c, d = w
    return a * x**3 + b * x**2 + c * x + d


def hand_gradients(w, x, y):
    """∂loss/∂(a, b, c, d) for loss = Σ (predict(w, x) − y)²: shape (4,)."""
    grad_y_hat = 2.0 * (predict(w, x) - y)  # (N,)  ∂loss/∂y_hat for each point
    # each coefficient's gradient: ∂loss/∂y_hat times ∂y_hat/∂coefficient, summed over points
    return torch.stack([
        (grad_y_hat * x**3).sum(),  # ∂y_hat/∂a = x³
        (grad_y_hat * x**2).sum(),  # ∂y_hat/∂b = x²
        (grad_y_hat * x).sum(),  # ∂y_hat/∂c = x
        grad_y_hat.sum(),  # ∂y_hat/∂d = 1
    ])


if __name__ == "__main__":
    x = torch.linspace(-math.pi, math.pi, 5, dtype=torch.float64)
    print(hand_gradients(torch.tensor([0.1, 0.0, 1.0, 0.0], dtype=torch.float64), x,
                         torch.sin(x)))
